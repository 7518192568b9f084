"""What the approvals app adds to pages it does not own (`core.panels`): on the dashboard, the
crises in the user's scope, their review queue, the compliance officers' open retrospective
reviews, unread notifications, their drafts and decisions; on a channel's page, the review
stages that apply and its holding statements."""

from django.utils import timezone

from accounts import roles
from core.panels import Panel
from governance.models import covering

from . import selectors
from .models import ReviewStage

# The dashboard lists the reviews due first; the API lists them all.
SHOWN = 10


def retrospective_reviews_panel(user) -> Panel | None:
    """Open retrospective reviews, oldest due first, with the overdue ones marked. Two queries
    (the count and the first rows) however many there are; nothing for anyone but compliance."""
    if not roles.is_compliance_officer(user):
        return None
    reviews = selectors.retrospective_reviews_for(user, is_open=True)
    now = timezone.now()
    rows = [{"review": review, "overdue": review.due_at < now} for review in reviews[:SHOWN]]
    count = reviews.count()
    return Panel(
        key="retrospective-reviews",
        title="Break-glass publications to review",
        template="approvals/panels/retrospective_reviews.html",
        context={"rows": rows, "count": count, "more": count - len(rows)},
    )


FIRST = 5


def _post_path(post_id: int) -> str:
    return f"/posts/{post_id}/"


def crises_panel(user) -> Panel | None:
    """Every active crisis (they hold posts organization-wide, so everyone should know): one query."""
    from governance import selectors as governance_selectors

    crises = governance_selectors.active_crises()
    if not crises:
        return None
    return Panel(
        key="crises",
        title="Channels in crisis",
        template="approvals/panels/crises.html",
        context={"crises": sorted(crises, key=lambda c: (c.started_at, c.pk))},
    )


def review_queue_panel(user) -> Panel | None:
    """How many posts wait on the user and the five that waited longest: the queue's scope, then
    two statements along its walks (on PostgreSQL they read only the user's queue)."""

    if not selectors.may_review_anything(user):
        return None
    scope = selectors.review_queue_scope(user)
    first = selectors.review_queue_page(user, limit=FIRST, scope=scope)
    count = sum(selectors.review_queue_counts(user, scope=scope).values())
    return Panel(
        key="review-queue",
        title="Posts waiting on you",
        template="approvals/panels/review_queue.html",
        context={"rows": [{"post": p, "url": _post_path(p.pk)} for p in first], "count": count},
    )


def notifications_panel(user) -> Panel | None:
    """The latest unread notifications and how many there are: two queries."""

    unread = selectors.notifications_for(user).filter(read_at__isnull=True)
    rows = list(unread.select_related("post__channel")[:FIRST])
    count = unread.count()
    return Panel(
        key="notifications",
        title="Unread notifications",
        template="approvals/panels/notifications.html",
        context={"rows": rows, "count": count},
    )


def drafts_panel(user) -> Panel | None:
    """The author's posts still with them (drafts, changes requested): two queries."""

    if roles.AUTHOR not in roles.role_names(user):
        return None
    drafts = selectors.drafts_of(user)
    rows = [{"post": p, "url": _post_path(p.pk)} for p in drafts[:FIRST]]
    return Panel(
        key="my-drafts",
        title="Your drafts",
        template="approvals/panels/drafts.html",
        context={"rows": rows, "count": drafts.count()},
    )


def recent_decisions_panel(user) -> Panel | None:
    """The reviewer's latest decisions: one query."""

    if not selectors.may_review_anything(user):
        return None
    decisions = list(selectors.recent_decisions_of(user)[:FIRST])
    return Panel(
        key="my-decisions",
        title="Your recent decisions",
        template="approvals/panels/decisions.html",
        context={"rows": [{"decision": d, "url": _post_path(d.post_id)} for d in decisions]},
    )


# --- a channel's page ----------------------------------------------------------------


def review_stages_panel(user, channel) -> Panel:
    """The active stages of the organization, the channel's department and the channel, in the
    order a submission passes them, each with when it applies. One query."""
    stages = list(
        ReviewStage.objects.filter(is_active=True)
        .filter(covering(channel))
        .select_related("eligible_group", "department", "channel")
        .order_by("position", "id")
    )
    return Panel(
        key="review-stages",
        title="Review stages",
        template="approvals/panels/channel_review_stages.html",
        context={"stages": stages, "always": ReviewStage.Applies.ALWAYS, "regulated": channel.is_regulated},
    )


def holding_statements_panel(user, channel) -> Panel | None:
    """The channel's holding statements, for those who see every post on it (as the API), with
    links to write and change them on the crisis console for its managers and the crisis team.
    One query; none for whoever sees neither."""
    from governance import permissions

    from .selectors import holding_statements_visible_to

    may_write = permissions.can(user, permissions.HANDLE_CRISIS, channel)
    if not (may_write or permissions.can(user, permissions.VIEW_POSTS, channel)):
        return None
    statements = list(holding_statements_visible_to(user, channel=channel).order_by("name", "id"))
    return Panel(
        key="holding-statements",
        title="Holding statements",
        template="approvals/panels/channel_holding_statements.html",
        context={"statements": statements, "may_write": may_write, "channel": channel},
    )
