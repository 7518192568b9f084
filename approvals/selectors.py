"""Reads of posts, already narrowed to what the user may see, with their joins done."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from core.errors import NotVisible
from governance import permissions
from governance.models import Channel, Department

from . import rules
from .models import (
    Decision,
    HoldingStatement,
    PolicyCheck,
    Post,
    PostState,
    RetrospectiveReview,
    ReviewDecision,
    ReviewStage,
)

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


@dataclass(frozen=True)
class QueueScope:
    """Where a user's review queue lies, as the walks read it: the stages the user decides by
    group membership (every post at them), and for each stage permission the channels on which
    the user holds it with the stages it decides. The branches are disjoint (a post has one
    open stage, and a stage is decided either by a group or by a permission)."""

    user_id: int
    by_group: tuple[int, ...] = ()
    by_permission: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()  # (channel ids, stage ids)


def review_queue_scope(user) -> QueueScope | None:
    """The user's `QueueScope` on PostgreSQL, where the queue is read by walking the in-review
    indexes (a query for the stages and one per stage permission in use, plus the user's
    groups unless cached); None elsewhere (the reference queryset is used) and for anyone
    inactive. Compute it once per request and pass it to the page and the counts."""
    if connection.vendor != "postgresql" or not (user.is_authenticated and user.is_active):
        return None
    group_ids = permissions.group_ids(user)
    by_group, stages_by_permission = [], {}
    for pk, perm, group_id in ReviewStage.objects.values_list("pk", "eligible_permission", "eligible_group_id"):
        if group_id is not None and group_id in group_ids:
            by_group.append(pk)
        elif perm:
            stages_by_permission.setdefault(perm, []).append(pk)
    by_permission = []
    for perm, stage_ids in stages_by_permission.items():
        channel_ids = tuple(permissions.visible(user, perm, Channel.objects.all()).values_list("pk", flat=True))
        if channel_ids:
            by_permission.append((channel_ids, tuple(stage_ids)))
    return QueueScope(user_id=user.pk, by_group=tuple(by_group), by_permission=tuple(by_permission))


def _queue_narrowing(*, after=None, flagged=False, waiting_before=None, channel="", department=""):
    """The SQL conditions (on the post `p`) and parameters of the queue's keyset and filters,
    each the walks' version of a condition of the reference queryset (the filters'
    `_narrowed_queue`)."""
    conditions, params = [], []
    if after is not None:
        conditions.append("(p.awaiting_since, p.id) > (%s, %s)")
        params += list(after)
    if flagged:  # a finding in the check of the revision under review
        conditions.append(
            f"EXISTS (SELECT 1 FROM {PolicyCheck._meta.db_table} pc "  # noqa: S608  # nosec B608 - table names
            "WHERE pc.revision_id = p.current_revision_id AND NOT (pc.findings = '[]'::jsonb))"
        )
    if waiting_before is not None:
        conditions.append("p.awaiting_since < %s")
        params.append(waiting_before)
    if channel:
        conditions.append(f"p.channel_id IN (SELECT ch.id FROM {Channel._meta.db_table} ch WHERE ch.slug = %s)")  # noqa: S608  # nosec B608
        params.append(channel)
    if department:
        conditions.append(
            f"p.channel_id IN (SELECT ch.id FROM {Channel._meta.db_table} ch "  # noqa: S608  # nosec B608
            f"JOIN {Department._meta.db_table} dp ON dp.id = ch.owning_department_id WHERE dp.slug = %s)"
        )
        params.append(department)
    return " AND ".join(conditions) or "TRUE", params


def _queue_branches(
    scope: QueueScope, *, select: str, tail: str, narrowing, tail_params, stages_in_channel_walks: bool = True
):
    """The UNION ALL of one branch per kind of eligibility: the stages decided by group (one
    walk per stage, over the in-review index by stage) and, per stage permission, the
    channels where the user holds it (one walk per channel, over the in-review index by
    channel). Each walk is `SELECT {select} <the queue's posts> {tail}` (LATERAL), its
    parameters bound; each branch's rows start with the branch's number (0, 1, …: the group
    stages if any, then `scope.by_permission` in order).

    Without `stages_in_channel_walks` a channel walk reads every post in review on its channel
    whatever its stage, and the caller keeps the rows at the branch's stages: a count has no
    ORDER BY to lead the planner to the index by channel, and given the stages too it would
    rather intersect both indexes, reading every post in review at those stages in the
    organization (as it misjudges how many are there)."""
    where, where_params = narrowing
    walk = _QUEUE_POSTS.format(
        post=Post._meta.db_table,
        co_authors=Post.co_authors.through._meta.db_table,
        decisions=ReviewDecision._meta.db_table,
    )
    exclusion_params = [scope.user_id] * 3
    branches, params = [], []
    if scope.by_group:
        scoped = walk.format(scope="p.current_stage_id = s.stage_id", narrowing=where)
        branches.append(
            f"SELECT {len(branches)} AS branch, w.* FROM unnest(%s::bigint[]) AS s(stage_id) "  # noqa: S608  # nosec B608 - table names and fixed fragments; values are bound
            f"CROSS JOIN LATERAL (SELECT {select} {scoped} {tail}) AS w"
        )
        params += [list(scope.by_group), *where_params, *exclusion_params, *tail_params]
    for channel_ids, stage_ids in scope.by_permission:
        channel_scope = "p.channel_id = c.channel_id"
        if stages_in_channel_walks:
            channel_scope += " AND p.current_stage_id = ANY(%s::bigint[])"
        scoped = walk.format(scope=channel_scope, narrowing=where)
        branches.append(
            f"SELECT {len(branches)} AS branch, w.* FROM unnest(%s::bigint[]) AS c(channel_id) "  # noqa: S608  # nosec B608
            f"CROSS JOIN LATERAL (SELECT {select} {scoped} {tail}) AS w"
        )
        stage_params = [list(stage_ids)] if stages_in_channel_walks else []
        params += [list(channel_ids), *stage_params, *where_params, *exclusion_params, *tail_params]
    return " UNION ALL ".join(branches), params


def review_queue_page(
    user,
    *,
    after: tuple | None = None,
    limit: int = 25,
    flagged: bool = False,
    waiting_before=None,
    channel: str = "",
    department: str = "",
    scope: QueueScope | None = None,
) -> list[Post]:
    """One page of `review_queue_for(user)`: the same posts in the same order, from just
    after the key `after` = (awaiting_since, id), costing the same at any depth. Optionally
    narrowed like the queue page's filters: `flagged` (the policy check of the revision under
    review found something), `waiting_before` (awaiting since before that instant), `channel`
    and `department` (slugs).

    On PostgreSQL the page is found by walking, in queue order, the in-review index of each
    stage the user decides by group membership and of each channel the user decides by
    permission, taking at most `limit` posts from each walk (LATERAL ... LIMIT), then
    merging. The rows are then loaded by id. `scope` (`review_queue_scope`) saves its queries
    when the caller already has it. Elsewhere (the embedded SQLite default) the reference
    queryset is used.
    """
    if not (user.is_authenticated and user.is_active):
        return []
    if connection.vendor != "postgresql":
        queue = _narrowed_queue(
            review_queue_for(user),
            flagged=flagged,
            waiting_before=waiting_before,
            channel=channel,
            department=department,
        )
        if after is not None:
            queue = queue.filter(Q(awaiting_since__gt=after[0]) | Q(awaiting_since=after[0], id__gt=after[1]))
        return list(queue[:limit])

    scope = scope or review_queue_scope(user)
    narrowing = _queue_narrowing(
        after=after, flagged=flagged, waiting_before=waiting_before, channel=channel, department=department
    )
    branches, params = _queue_branches(
        scope,
        select="p.id, p.awaiting_since",
        tail="ORDER BY p.awaiting_since, p.id LIMIT %s",
        narrowing=narrowing,
        tail_params=[limit],
    )
    if not branches:
        return []
    sql = f"SELECT id FROM ({branches}) AS q ORDER BY awaiting_since, id LIMIT %s"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        ids = [row[0] for row in cursor.fetchall()]
    found = Post.objects.select_related(*_LIST_RELATED).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def review_queue_counts(
    user, *, flagged: bool = False, waiting_before=None, scope: QueueScope | None = None
) -> dict[int, int]:
    """{channel id: posts of `review_queue_for(user)` on it} for the channels with any, narrowed
    like `review_queue_page` by `flagged` and `waiting_before`: exact counts.

    On PostgreSQL one statement, which counts along the same walks as `review_queue_page`
    (per stage decided by group, per channel decided by permission, over the partial
    in-review indexes) and so reads only the posts in review at the stages the user decides
    by group and on the channels where they decide by permission, never the whole
    organization's; elsewhere the reference queryset, grouped by channel.
    """
    if not (user.is_authenticated and user.is_active):
        return {}
    if connection.vendor != "postgresql":
        queue = _narrowed_queue(review_queue_for(user), flagged=flagged, waiting_before=waiting_before)
        return dict(queue.order_by().values("channel_id").annotate(n=Count("id")).values_list("channel_id", "n"))

    scope = scope or review_queue_scope(user)
    branches, params = _queue_branches(
        scope,
        select="p.channel_id, p.current_stage_id, count(*) AS n",
        tail="GROUP BY p.channel_id, p.current_stage_id",
        narrowing=_queue_narrowing(flagged=flagged, waiting_before=waiting_before),
        tail_params=[],
        stages_in_channel_walks=False,
    )
    if not branches:
        return {}
    # The stages each branch counts: the group stages' walks read only their own.
    stages = ([set(scope.by_group)] if scope.by_group else []) + [set(ids) for _, ids in scope.by_permission]
    counts: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(branches, params)
        for branch, channel_id, stage_id, n in cursor.fetchall():
            if stage_id in stages[branch]:
                counts[channel_id] = counts.get(channel_id, 0) + n
    return counts


def _narrowed_queue(queue: QuerySet[Post], *, flagged=False, waiting_before=None, channel="", department=""):
    """The reference queryset narrowed by the queue page's filters."""
    if flagged:
        queue = queue.filter(
            Exists(PolicyCheck.objects.filter(revision_id=OuterRef("current_revision_id")).exclude(findings=[]))
        )
    if waiting_before is not None:
        queue = queue.filter(awaiting_since__lt=waiting_before)
    if channel:
        queue = queue.filter(channel__slug=channel)
    if department:
        queue = queue.filter(channel__owning_department__slug=department)
    return queue


# The posts of one walk of the queue: in review, at the walk's {scope}, narrowed by the page's
# keyset and filters ({narrowing}), leaving out what the user may not decide (authors and
# co-authors; a stage the user already decided, or any stage once they approved one, of
# this revision). Doubled braces survive the first .format (table names); {scope} and
# {narrowing} are filled per branch. Only table names from the models' metadata and fixed
# fragments are formatted into the SQL; every value travels as a query parameter.
_QUEUE_POSTS = """
    FROM {post} p
    WHERE p.state = 'in_review' AND {{scope}} AND {{narrowing}}
      AND p.author_id <> %s
      AND NOT EXISTS (SELECT 1 FROM {co_authors} ca WHERE ca.post_id = p.id AND ca.user_id = %s)
      AND NOT EXISTS (
          SELECT 1 FROM {decisions} d
          WHERE d.post_id = p.id AND d.revision_id = p.current_revision_id AND d.reviewer_id = %s
            AND d.voided_at IS NULL AND (d.stage_id = p.current_stage_id OR d.decision = 'approve'))
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


# --- co-authors -------------------------------------------------------------------------------


def users_named(usernames) -> tuple[list, list[str]]:
    """The active users with these usernames (one query), and the names that match none, in
    the order given (an inactive user reads the same as an unknown one)."""
    from django.contrib.auth import get_user_model

    usernames = list(usernames)
    if not usernames:
        return [], []
    found = {user.username: user for user in get_user_model().objects.filter(username__in=usernames, is_active=True)}
    return [found[name] for name in usernames if name in found], [name for name in usernames if name not in found]


def co_author_suggestions(channel: Channel, *, text: str, author_id: int, chosen=(), limit: int = 10) -> list:
    """At most `limit` people who may co-author a post by `author_id` on `channel` (they may draft
    on it: `permissions.users_with`), whose username starts with `text` or whose name does,
    leaving out the author and those already `chosen`; by username. One query, which starts
    from the channel's grants, so it stays small in an organization of thousands."""
    text = text.strip()
    if not text:
        return []
    match = (
        Q(username__istartswith=text)
        | Q(display_name__istartswith=text)
        | Q(first_name__istartswith=text)
        | Q(last_name__istartswith=text)
    )
    eligible = permissions.users_with(permissions.DRAFT, channel).exclude(pk=author_id)
    if chosen:
        eligible = eligible.exclude(username__in=list(chosen))
    return list(eligible.filter(match).order_by("username")[:limit])
