"""Reads of the audit log, for compliance officers."""

from django.apps import apps
from django.db.models import QuerySet

from accounts import roles

from .models import AuditEvent


def may_read_audit_log(user) -> bool:
    """Compliance officers (and superusers) read the log; nobody else."""
    return roles.is_compliance_officer(user)


def audit_events(
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    channel: str | None = None,
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """Events matching every filter given. `action` ending in "." matches a namespace prefix."""
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_label=actor)
    if action:
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if channel:
        # The audit app sits below governance: look the channel up by name, not by import.
        Channel = apps.get_model("governance", "Channel")
        channel_ids = Channel.objects.filter(slug=channel).values("pk")
        events = events.filter(channel_id__in=channel_ids)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events
