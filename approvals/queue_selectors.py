"""Reads of the review-queue, notification and dashboard pages: built on approvals.selectors
(`review_queue_for` is the definition of the queue, `review_queue_page` its fast walk), each a
constant number of queries however many posts or notifications there are."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts import roles
from core import cache
from governance import permissions
from governance.models import Channel

from . import selectors
from .models import Notification, PolicyCheck, Post, PostState, ReviewDecision

# Roles whose holders have a review queue (or the compliance officers' retrospective reviews).
QUEUE_ROLES = (roles.REVIEWER, roles.COMPLIANCE_OFFICER, roles.CRISIS_TEAM)

# "Waiting longer than": the choices of the queue's waiting-time filter.
WAITING_CHOICES = {
    "1d": ("1 day", timedelta(days=1)),
    "3d": ("3 days", timedelta(days=3)),
    "7d": ("a week", timedelta(days=7)),
}


# ---- Keys of keyset pages, as they travel in a URL -------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def queue_key(post: Post) -> str:
    """The `after` parameter that continues the queue just after `post`: microseconds since
    the epoch (exact, unlike a float) and the id."""
    delta = post.awaiting_since - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{post.pk}"


def parse_queue_key(value: str | None) -> tuple[datetime, int] | None:
    """(awaiting_since, id) from `queue_key`, or None for a missing or malformed key."""
    try:
        micros, pk = (value or "").rsplit("-", 1)
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


def parse_id_key(value: str | None) -> int | None:
    try:
        pk = int(value or "")
    except ValueError:
        return None
    return pk if pk > 0 else None


# ---- The review queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    channel: str = ""  # slug
    department: str = ""  # slug
    flagged: bool = False
    waiting: str = ""  # a key of WAITING_CHOICES

    @classmethod
    def from_query(cls, query) -> "QueueFilters":
        waiting = query.get("waiting", "")
        return cls(
            channel=query.get("channel", "")[:100],
            department=query.get("department", "")[:100],
            flagged=query.get("flagged") in ("1", "on", "true"),
            waiting=waiting if waiting in WAITING_CHOICES else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.channel or self.department or self.flagged or self.waiting)

    def as_query(self) -> dict[str, str]:
        query = {"channel": self.channel, "department": self.department, "waiting": self.waiting}
        if self.flagged:
            query["flagged"] = "1"
        return {k: v for k, v in query.items() if v}


def _waiting_before(filters: QueueFilters):
    return timezone.now() - WAITING_CHOICES[filters.waiting][1] if filters.waiting else None


def queue_scope(user) -> selectors.QueueScope | None:
    """Where the user's queue lies (`selectors.review_queue_scope`): computed once per request
    and shared by the counts and the page."""
    return selectors.review_queue_scope(user)


def queue_counts(user, filters: QueueFilters, *, scope: selectors.QueueScope | None = None) -> list[dict]:
    """Posts waiting on `user` per channel (flag and waiting-time filters applied, not the
    channel or department ones, so that every channel of the queue can be chosen): exact
    counts of `selectors.review_queue_for(user)`, found along the queue's walks
    (`selectors.review_queue_counts`: one statement, reading only the user's own queue), then
    the channels' names (one query, none for an empty queue).
    Rows: {slug, name, department_slug, department_name, count}, by channel name."""
    counts = selectors.review_queue_counts(
        user, flagged=filters.flagged, waiting_before=_waiting_before(filters), scope=scope
    )
    if not counts:
        return []
    channels = Channel.objects.filter(pk__in=list(counts)).values(
        "pk", "slug", "name", "owning_department__slug", "owning_department__name"
    )
    return sorted(
        (
            {
                "slug": channel["slug"],
                "name": channel["name"],
                "department_slug": channel["owning_department__slug"],
                "department_name": channel["owning_department__name"],
                "count": counts[channel["pk"]],
            }
            for channel in channels
        ),
        key=lambda row: (row["name"].lower(), row["slug"]),
    )


def queue_page(
    user,
    filters: QueueFilters,
    *,
    after: tuple | None = None,
    limit: int = 25,
    scope: selectors.QueueScope | None = None,
) -> list[Post]:
    """Up to `limit` posts of the user's queue after the key `after`, oldest first, narrowed by
    the filters: the fast walk of `review_queue_page`, whose cost does not grow with the depth
    (the filters are conditions of each walk and keep the queue's (awaiting_since, id) order,
    so the key stays valid)."""
    return selectors.review_queue_page(
        user,
        after=after,
        limit=limit,
        flagged=filters.flagged,
        waiting_before=_waiting_before(filters),
        channel=filters.channel,
        department=filters.department,
        scope=scope,
    )


def findings_of(posts: list[Post]) -> dict[int, list[dict]]:
    """The findings of the policy check each post's current revision passed: one query."""
    revisions = [post.current_revision_id for post in posts if post.current_revision_id]
    found: dict[int, list[dict]] = {}
    if not revisions:
        return found
    for revision_id, findings in (
        PolicyCheck.objects.filter(revision_id__in=revisions).order_by("revision_id", "-checked_at", "-id")
    ).values_list("revision_id", "findings"):
        found.setdefault(revision_id, findings or [])
    return {post.pk: found.get(post.current_revision_id, []) for post in posts}


def _reviews_anything() -> Q:
    """A condition on users: reviewers by role or by a review grant on any channel (to them or
    to one of their groups), compliance officers and the crisis team."""
    review = permissions.REVIEW
    return Q(
        Exists(Group.objects.filter(user=OuterRef("pk"), name__in=QUEUE_ROLES))
        | Exists(
            get_group_obj_perms_model(Channel).objects.filter(group__user=OuterRef("pk"), permission__codename=review)
        )
        | Exists(get_user_obj_perms_model(Channel).objects.filter(user=OuterRef("pk"), permission__codename=review))
    )


def navigation_for(user) -> dict:
    """What the navigation shows a signed-in user: whether they have a review queue, and how
    many notifications they have not read. One query (on the user row, with two subqueries),
    then cached on the user object for the request (`permissions.forget` drops it)."""
    return cache.remember(user, "navigation", lambda: _navigation(user))


def _navigation(user) -> dict:
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("id"))
        .values("n")
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            reviews=ExpressionWrapper(_reviews_anything(), output_field=BooleanField()),
        )
        .values("unread", "reviews")
        .first()
    ) or {"unread": 0, "reviews": False}
    return {"unread": row["unread"], "has_queue": user.is_superuser or bool(row["reviews"])}


# ---- Notifications ---------------------------------------------------------------------------


def notifications_for(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody reads anyone else's)."""
    if not (user.is_authenticated and user.is_active):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-id")


def notifications_page(user, *, before: int | None = None, unread_only: bool = False, limit: int = 25):
    notifications = notifications_for(user).select_related("post__channel")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    if before is not None:
        notifications = notifications.filter(id__lt=before)
    return list(notifications[:limit])


# ---- Dashboard ------------------------------------------------------------------------------


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


def may_review_anything(user) -> bool:
    """Whether the user has a review queue: by role (from the roles cached on the user), or by
    a review grant on some channel, to them or to one of their groups (a department's reviewers,
    a direct grant). The grant case asks `navigation_for`, whose one query the navigation of
    every page makes anyway."""
    if user.is_superuser or permissions.role_names(user) & set(QUEUE_ROLES):
        return True
    return navigation_for(user)["has_queue"]
