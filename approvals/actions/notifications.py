"""Reading in-app notifications: the only writes to `Notification` besides their creation (by
the tasks of approvals.notifications).

Marking one's own notifications read changes nothing anyone else sees and nothing about a post,
so, unlike the workflow's actions, these record no audit event and carry no version: marking
read twice is harmless.
"""

from django.utils import timezone

from core.errors import NotVisible

from ..models import Notification


def mark_notification_read(notification_id, *, actor) -> Notification:
    """Mark one of `actor`'s notifications read. Anybody else's (or a missing one) is NotVisible."""
    try:
        notification_id = int(notification_id)
    except (TypeError, ValueError):
        raise NotVisible("No such notification.") from None
    notification = Notification.objects.filter(pk=notification_id, recipient_id=actor.pk).first()
    if notification is None:
        raise NotVisible("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_notifications_read(*, actor) -> int:
    """Mark every unread notification of `actor` read, in one UPDATE; returns how many."""
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())
