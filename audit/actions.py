"""Appending to the audit log. `record()` is the only writer of AuditEvent."""

import ipaddress

from django.db import models, transaction
from django.utils import timezone

from . import context
from .chain import HASHED_FIELDS, event_hash, json_safe
from .models import CHAIN_HEAD_ID, AuditChainHead, AuditEvent


def _normalized_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=CHAIN_HEAD_ID).first()
    if head is None:
        # Created by the migration; only a flushed test database lacks it.
        AuditChainHead.objects.get_or_create(pk=CHAIN_HEAD_ID)
        head = AuditChainHead.objects.select_for_update().get(pk=CHAIN_HEAD_ID)
    return head


def record(
    action: str,
    *,
    actor,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    channel_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    Call it from the action that makes the change, so that the change and its event
    commit or roll back together. `actor` is a user or None for the system. The chain
    head is locked until the transaction ends: concurrent writers queue, never fork.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target.pk
    request = context.current()
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_label=actor.get_username() if actor is not None else "system",
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id not in (None, "") else "",
            channel_id=channel_id,
            data=json_safe(data),
            request_id=request.request_id,
            ip=_normalized_ip(request.ip),
            prev_hash=head.hash,
        )
        event.hash = event_hash(event.prev_hash, tuple(getattr(event, f) for f in HASHED_FIELDS))
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event
