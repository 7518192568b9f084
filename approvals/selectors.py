"""Reads of posts, already narrowed to what the user may see, with their joins done."""

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from governance import permissions
from governance.errors import NotVisible
from governance.models import Channel

from . import rules
from .models import Decision, HoldingStatement, Post, PostState, RetrospectiveReview, ReviewDecision, ReviewStage

_LIST_RELATED = ("channel", "author", "current_revision", "current_stage")


def _co_author(user) -> Exists:
    return Exists(Post.co_authors.through.objects.filter(post_id=OuterRef("pk"), user_id=user.pk))


def posts_visible_to(user) -> QuerySet[Post]:
    """Posts the user may see: their own (as author or co-author), every post on channels they
    review, publish on or manage, and everything for compliance officers and the crisis team."""
    posts = Post.objects.select_related(*_LIST_RELATED)
    if not (user.is_authenticated and user.is_active):
        return posts.none()
    if user.is_superuser:
        return posts
    channels = permissions.visible(user, permissions.VIEW_POSTS, Channel.objects.all()).values("pk")
    return posts.filter(Q(author=user) | _co_author(user) | Q(channel__in=channels))


def post_for(user, post_id) -> Post:
    """One post with everything its detail view shows, or NotVisible (missing or hidden alike)."""
    try:
        post_id = int(post_id)
    except (TypeError, ValueError):
        raise NotVisible("No such post.") from None
    post = (
        posts_visible_to(user)
        .select_related("current_stage__eligible_group", "channel__owning_department", "consent")
        .prefetch_related(
            "co_authors",
            "consent__channels",
            Prefetch(
                "decisions",
                queryset=ReviewDecision.objects.select_related("reviewer", "stage", "revision").order_by(
                    "decided_at", "id"
                ),
            ),
            Prefetch(
                "retrospective_reviews",
                queryset=RetrospectiveReview.objects.select_related("requested_by", "completed_by").order_by(
                    "requested_at", "id"
                ),
            ),
        )
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotVisible("No such post.")
    # rules.active_decisions reads this instead of querying again.
    post._active_decisions = [
        d for d in post.decisions.all() if d.revision_id == post.current_revision_id and d.voided_at is None
    ]
    return post


def review_queue_for(user) -> QuerySet[Post]:
    """Posts awaiting a decision `user` is eligible to give, oldest first.

    In review; the open stage is decided by a group the user is in, or by a channel
    permission the user holds on the post's channel; the user is not an author; and the
    user has not already decided this stage, nor approved another stage, of this revision.
    One query, however many channels, grants or posts.
    """
    if not (user.is_authenticated and user.is_active):
        return Post.objects.none()
    eligible = Q(current_stage__eligible_group__in=user.groups.values("pk"))
    for perm in ReviewStage.EligiblePermission.values:
        channels = permissions.visible(user, perm, Channel.objects.all()).values("pk")
        eligible |= Q(current_stage__eligible_permission=perm, channel__in=channels)
    already_decided = ReviewDecision.objects.filter(
        post_id=OuterRef("pk"),
        revision_id=OuterRef("current_revision_id"),
        reviewer_id=user.pk,
        voided_at__isnull=True,
    ).filter(Q(stage_id=OuterRef("current_stage_id")) | Q(decision=Decision.APPROVE))
    return (
        Post.objects.select_related(*_LIST_RELATED)
        .filter(state=PostState.IN_REVIEW)
        .filter(eligible)
        .exclude(author=user)
        .exclude(_co_author(user))
        .exclude(Exists(already_decided))
        .order_by("awaiting_since", "id")
    )


def review_queue_page(user, *, after: tuple | None = None, limit: int = 25) -> list[Post]:
    """One page of `review_queue_for(user)`: the same posts in the same order, from just
    after the key `after` = (awaiting_since, id), costing the same at any depth.

    On PostgreSQL the page is found by walking, in queue order, the in-review index of each
    stage the user decides by group membership and of each channel the user decides by
    permission, taking at most `limit` posts from each walk (LATERAL ... LIMIT), then
    merging. The rows are then loaded by id. Elsewhere (the embedded SQLite default) the
    reference queryset is used.
    """
    if not (user.is_authenticated and user.is_active):
        return []
    if connection.vendor != "postgresql":
        queue = review_queue_for(user)
        if after is not None:
            queue = queue.filter(Q(awaiting_since__gt=after[0]) | Q(awaiting_since=after[0], id__gt=after[1]))
        return list(queue[:limit])

    group_ids = permissions.group_ids(user)
    by_group, by_permission = [], {}
    for pk, perm, group_id in ReviewStage.objects.values_list("pk", "eligible_permission", "eligible_group_id"):
        if group_id is not None and group_id in group_ids:
            by_group.append(pk)
        elif perm:
            by_permission.setdefault(perm, []).append(pk)
    branches, params = [], []
    walk = _QUEUE_WALK.format(
        post=Post._meta.db_table,
        co_authors=Post.co_authors.through._meta.db_table,
        decisions=ReviewDecision._meta.db_table,
        keyset="(p.awaiting_since, p.id) > (%s, %s)" if after is not None else "TRUE",
    )
    keyset_params = list(after) if after is not None else []
    exclusion_params = [user.pk, user.pk, user.pk]
    if by_group:
        branches.append(
            f"SELECT w.id, w.awaiting_since FROM unnest(%s::bigint[]) AS s(stage_id) "  # noqa: S608
            f"CROSS JOIN LATERAL ({walk.format(scope='p.current_stage_id = s.stage_id')}) AS w"
        )
        params += [by_group, *keyset_params, *exclusion_params, limit]
    if by_permission:
        for perm, stage_ids in by_permission.items():
            channel_ids = list(permissions.visible(user, perm, Channel.objects.all()).values_list("pk", flat=True))
            if not channel_ids:
                continue
            branches.append(
                f"SELECT w.id, w.awaiting_since FROM unnest(%s::bigint[]) AS c(channel_id) CROSS JOIN LATERAL "  # noqa: S608
                f"({walk.format(scope='p.channel_id = c.channel_id AND p.current_stage_id = ANY(%s::bigint[])')}) AS w"
            )
            params += [channel_ids, stage_ids, *keyset_params, *exclusion_params, limit]
    if not branches:
        return []
    sql = f"SELECT id FROM ({' UNION ALL '.join(branches)}) AS q ORDER BY awaiting_since, id LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        ids = [row[0] for row in cursor.fetchall()]
    found = Post.objects.select_related(*_LIST_RELATED).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


# One walk down an in-review index in queue order, skipping what the user may not decide.
# Doubled braces survive the first .format (table names); {scope} is filled per branch.
# Only table names from the models' metadata and fixed fragments are formatted into the
# SQL; every value travels as a query parameter.
_QUEUE_WALK = """
    SELECT p.id, p.awaiting_since FROM {post} p
    WHERE p.state = 'in_review' AND {{scope}} AND {keyset}
      AND p.author_id <> %s
      AND NOT EXISTS (SELECT 1 FROM {co_authors} ca WHERE ca.post_id = p.id AND ca.user_id = %s)
      AND NOT EXISTS (
          SELECT 1 FROM {decisions} d
          WHERE d.post_id = p.id AND d.revision_id = p.current_revision_id AND d.reviewer_id = %s
            AND d.voided_at IS NULL AND (d.stage_id = p.current_stage_id OR d.decision = 'approve'))
    ORDER BY p.awaiting_since, p.id
    LIMIT %s
"""


def holding_statements_visible_to(user, *, channel: Channel | None = None) -> QuerySet[HoldingStatement]:
    """Holding statements of the channels on which the user sees every post (their reviewers,
    publishers and managers, the crisis team, compliance officers)."""
    statements = HoldingStatement.objects.select_related("channel", "approved_by")
    if channel is not None:
        statements = statements.filter(channel=channel)
    if not (user.is_authenticated and user.is_active):
        return statements.none()
    if user.is_superuser:
        return statements
    channels = permissions.visible(user, permissions.VIEW_POSTS, Channel.objects.all()).values("pk")
    return statements.filter(channel__in=channels)


def holding_statement_for(user, statement_id) -> HoldingStatement:
    statement = holding_statements_visible_to(user).filter(pk=statement_id).first()
    if statement is None:
        raise NotVisible("No such holding statement.")
    return statement


def retrospective_reviews_for(user, *, is_open: bool | None = None) -> QuerySet[RetrospectiveReview]:
    """Break-glass publications awaiting (or given) a compliance officer's retrospective review:
    for compliance officers only (nobody else's queue), open ones first, oldest due first.
    `is_open` True/False keeps only the open/completed ones."""
    if not rules.is_compliance_officer(user):
        return RetrospectiveReview.objects.none()
    reviews = RetrospectiveReview.objects.select_related("post__channel", "requested_by", "completed_by")
    if is_open is not None:
        reviews = reviews.filter(completed_at__isnull=is_open)
    return reviews.alias(done=Q(completed_at__isnull=False)).order_by("done", "due_at", "id")


def retrospective_review_for(user, review_id) -> RetrospectiveReview:
    """One retrospective review, or NotVisible (missing, or the user is no compliance officer)."""
    review = retrospective_reviews_for(user).filter(pk=review_id).first()
    if review is None:
        raise NotVisible("No such retrospective review.")
    return review


def retrospective_reviews_page(
    reviews: QuerySet[RetrospectiveReview], *, after: tuple | None = None, limit: int = 25
) -> list[RetrospectiveReview]:
    """Up to `limit` of `reviews` (as `retrospective_reviews_for` orders them) strictly after the
    key `after` = (completed?, due_at, id): open reviews come before every completed one."""
    if after is not None:
        done, due_at, pk = after
        later = Q(due_at__gt=due_at) | Q(due_at=due_at, id__gt=pk)
        if done:
            reviews = reviews.filter(Q(completed_at__isnull=False) & later)
        else:
            reviews = reviews.filter(Q(completed_at__isnull=False) | (Q(completed_at__isnull=True) & later))
    return list(reviews[:limit])


def retraction_requests_visible_to(user, *, done: bool = False) -> QuerySet:
    """Retraction requests (published posts whose consent was revoked), open ones by default or
    the finished ones (`done`): on the channels the user manages; compliance officers see all.
    Oldest first. One query: the role test and the channel grants are EXISTS in the statement."""
    from django.contrib.auth.models import Group

    from accounts import roles

    from .models import RetractionRequest

    requests = RetractionRequest.objects.select_related(
        "post__channel", "post__current_revision", "consent", "done_by"
    ).filter(done_at__isnull=not done)
    if not (user.is_authenticated and user.is_active):
        return requests.none()
    if user.is_superuser:
        return requests
    managed = permissions.visible(user, permissions.MANAGE_CHANNEL, Channel.objects.all()).values("pk")
    compliance = Group.objects.filter(user=user, name=roles.COMPLIANCE_OFFICER)
    return requests.filter(Q(Exists(compliance)) | Q(post__channel__in=managed))
