"""Reads of posts, already narrowed to what the user may see, with their joins done: the
post itself and what its page shows (review progress, the consent it cites), holding
statements, retrospective reviews, retraction requests, co-authors, the dashboard's drafts
and decisions."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts import roles
from core import cache
from core.errors import NotVisible
from governance import permissions
from governance import selectors as governance_selectors
from governance.models import Channel

from ..models import (
    HoldingStatement,
    Post,
    PostState,
    RetrospectiveReview,
    ReviewDecision,
    ReviewStage,
)

_LIST_RELATED = ("channel", "author", "current_revision", "current_stage")


def _co_author(user) -> Exists:
    return Exists(Post.co_authors.through.objects.filter(post_id=OuterRef("pk"), user_id=user.pk))


def _writer(user) -> Exists:
    return Exists(Post.writers.through.objects.filter(post_id=OuterRef("pk"), user_id=user.pk))


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
            "writers",
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


def stage_progress(post: Post) -> list[dict]:
    """The post's review plan with what happened at each stage on the current revision."""
    stages = {stage.pk: stage for stage in ReviewStage.objects.filter(pk__in=post.review_plan)}
    active = [d for d in post.decisions.all() if d.revision_id == post.current_revision_id and d.voided_at is None]
    progress, reached_open = [], False
    for stage_id in post.review_plan:
        stage = stages.get(stage_id)
        if stage is None:
            continue
        approved_by = [d.reviewer.username for d in active if d.stage_id == stage_id and d.decision == "approve"]
        if post.state == "in_review" and post.current_stage_id == stage_id:
            status, reached_open = "open", True
        elif reached_open or (post.state in ("draft", "changes_requested") and not approved_by):
            status = "pending"
        else:
            status = "done" if len(approved_by) >= stage.approvals_required else "pending"
        progress.append(
            {
                "slug": stage.slug,
                "name": stage.name,
                "status": status,
                "approvals_required": stage.approvals_required,
                "approved_by": approved_by,
            }
        )
    return progress


def consent_summary(post: Post, user) -> dict | None:
    """The consent a post cites, as its detail shows it to `user`: that one is cited and whether
    it covers the post today; its id, person and document reference only to those who may see
    the consent itself (`governance.selectors.may_see_consent`, the consent endpoints' rule)."""
    consent = post.consent
    if consent is None:
        return None
    problem = consent.problem_on(timezone.localdate(), post.channel)
    summary = {"cited": True, "valid": problem is None, "problem": problem}
    if governance_selectors.may_see_consent(user, consent):
        summary.update(id=consent.pk, person_name=consent.person_name, document_reference=consent.document_reference)
    return summary


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
    if not roles.is_compliance_officer(user):
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
    from ..models import RetractionRequest

    requests = RetractionRequest.objects.select_related(
        "post__channel", "post__current_revision", "consent", "done_by"
    ).filter(done_at__isnull=not done)
    if not (user.is_authenticated and user.is_active):
        return requests.none()
    if user.is_superuser:
        return requests
    managed = permissions.visible(user, permissions.MANAGE_CHANNEL, Channel.objects.all()).values("pk")
    return requests.filter(Q(roles.is_compliance_officer_sql(user)) | Q(post__channel__in=managed))


def users_named(usernames) -> tuple[list, list[str]]:
    """The active users with these usernames (one query), and the names that match none, in
    the order given (an inactive user reads the same as an unknown one)."""

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


def drafts_of(user) -> QuerySet[Post]:
    """The user's own posts still with them (drafts and posts sent back), latest first."""
    return (
        Post.objects.select_related("channel", "current_revision")
        .filter(author=user, state__in=[PostState.DRAFT, PostState.CHANGES_REQUESTED])
        .order_by("-id")
    )


def recent_decisions_of(user) -> QuerySet[ReviewDecision]:
    return (
        ReviewDecision.objects.select_related("post__channel", "post__current_revision", "stage")
        .filter(reviewer=user)
        .order_by("-decided_at", "-id")
    )


def may_draft(user) -> bool:
    """Whether the navigation offers "New post" (cached on the user for the request)."""
    return cache.remember(
        user, "may_draft", lambda: governance_selectors.channels_visible_to(user, perm=permissions.DRAFT).exists()
    )
