"""What the approvals app adds to the dashboard (governance.dashboard): the compliance
officers' open retrospective reviews of break-glass publications, until they are done."""

from django.utils import timezone

from governance.dashboard import Panel

from . import rules, selectors

# The dashboard lists the reviews due first; the API lists them all.
SHOWN = 10


def retrospective_reviews_panel(user) -> Panel | None:
    """Open retrospective reviews, oldest due first, with the overdue ones marked. Two queries
    (the count and the first rows) however many there are; nothing for anyone but compliance."""
    if not rules.is_compliance_officer(user):
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


# ---- The dashboard of issue 6: what the user must do next and what happened to their posts. ----
# Each provider costs a fixed number of queries (a count and the first rows), and decides from
# the user's cached roles alone whether it has anything to show.

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
    from . import queue_selectors

    if not queue_selectors.may_review_anything(user):
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
    from . import queue_selectors

    unread = queue_selectors.notifications_for(user).filter(read_at__isnull=True)
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
    from accounts import roles
    from governance import permissions

    from . import queue_selectors

    if roles.AUTHOR not in permissions.role_names(user):
        return None
    drafts = queue_selectors.drafts_of(user)
    rows = [{"post": p, "url": _post_path(p.pk)} for p in drafts[:FIRST]]
    return Panel(
        key="my-drafts",
        title="Your drafts",
        template="approvals/panels/drafts.html",
        context={"rows": rows, "count": drafts.count()},
    )


def recent_decisions_panel(user) -> Panel | None:
    """The reviewer's latest decisions: one query."""
    from . import queue_selectors

    if not queue_selectors.may_review_anything(user):
        return None
    decisions = list(queue_selectors.recent_decisions_of(user)[:FIRST])
    return Panel(
        key="my-decisions",
        title="Your recent decisions",
        template="approvals/panels/decisions.html",
        context={"rows": [{"decision": d, "url": _post_path(d.post_id)} for d in decisions]},
    )
