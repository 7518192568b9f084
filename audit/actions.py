"""Appending to the audit log. `record()` is the only writer of AuditEvent."""

import ipaddress
import logging

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import context
from .chain import HASHED_FIELDS, event_hash, json_safe
from .models import CHAIN_HEAD_ID, AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)


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
    (event,) = record_many(
        [
            {
                "action": action,
                "actor": actor,
                "target": target,
                "target_type": target_type,
                "target_id": target_id,
                "channel_id": channel_id,
                "data": data,
            }
        ]
    )
    return event


def record_many(events: list[dict]) -> list[AuditEvent]:
    """Append several events at once, in order, inside the caller's transaction.

    Each item holds the keyword arguments of `record` plus `action`. The chain head is
    locked once and the events are inserted in one statement: what a batch of deliveries
    writes costs three statements, not three per event. The chain is the same as if each
    event had been recorded by `record`, one after the other.
    """
    if not events:
        return []
    request = context.current()
    ip = _normalized_ip(request.ip)
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        seq, prev_hash, now = head.seq, head.hash, timezone.now()
        rows = []
        for item in events:
            actor, target = item.get("actor"), item.get("target")
            target_type, target_id = item.get("target_type", ""), item.get("target_id", "")
            if target is not None:
                target_type = target_type or target._meta.label_lower
                target_id = target.pk
            seq += 1
            event = AuditEvent(
                seq=seq,
                occurred_at=now,
                actor_id=actor.pk if actor is not None else None,
                actor_label=actor.get_username() if actor is not None else "system",
                action=item["action"],
                target_type=target_type,
                target_id=str(target_id) if target_id not in (None, "") else "",
                channel_id=item.get("channel_id"),
                data=json_safe(item.get("data")),
                request_id=request.request_id,
                ip=ip,
                prev_hash=prev_hash,
            )
            event.hash = prev_hash = event_hash(event.prev_hash, tuple(getattr(event, f) for f in HASHED_FIELDS))
            rows.append(event)
        AuditEvent.objects.bulk_create(rows)
        head.seq, head.hash = seq, prev_hash
        head.save(update_fields=["seq", "hash"])
    return rows


def record_export(*, actor, file_format: str, filters: dict) -> AuditEvent:
    """A compliance officer took a copy of the log (or part of it) out of Clearpost."""
    return record("audit.log.exported", actor=actor, data={"format": file_format, "filters": filters})


def record_verification(*, actor, result) -> AuditEvent | None:
    """Someone walked the chain: who, when, and what they were told. Recorded after the walk,
    so the event itself is checked by the next one.

    The forged checkpoints reported for the first time are named in the event (fingerprint and
    description): the log keeps, in a keyed event nobody can forge or remove unseen, that they
    were found and who was told, and later verifications leave them aside (verify.verify_chain)."""
    data = {"ok": result.ok, "checked": result.checked, "first_broken_seq": result.first_broken_seq}
    if result.forgeries:
        data["forged_checkpoints"] = [
            {"fingerprint": forgery.fingerprint, "description": forgery.description} for forgery in result.forgeries
        ]
    try:
        with transaction.atomic():
            return record("audit.log.verified", actor=actor, data=data)
    except IntegrityError:
        # Someone wrote an event past the chain head (the walk has just said so): nothing can be
        # appended until the log is repaired, but the verifier still gets the walk's answer.
        logger.error("The verification could not be recorded: the audit log holds an event past its chain head.")
        return None
