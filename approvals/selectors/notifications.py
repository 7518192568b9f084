"""The user's own notifications (nobody reads anyone else's)."""

from django.db.models import (
    QuerySet,
)

from ..models import (
    Notification,
)


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
