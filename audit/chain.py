"""The hash chain: how an event is hashed, and how the whole chain is verified."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder

from .models import CHAIN_HEAD_ID, GENESIS_HASH, AuditChainHead, AuditEvent

# The fields that the hash covers, in the order `values_list` returns them to `verify`.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "channel_id",
    "data",
    "request_id",
    "ip",
)


def json_safe(data) -> dict:
    """What the database will give back for `data`: plain JSON types only."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, values: tuple) -> str:
    """SHA-256 of the previous hash followed by the event's canonical JSON.

    `values` follows HASHED_FIELDS. Canonical JSON: sorted keys, no insignificant
    whitespace, UTF-8, timestamps as UTC ISO-8601 with microseconds.
    """
    fields = dict(zip(HASHED_FIELDS, values, strict=True))
    fields["occurred_at"] = _timestamp(fields["occurred_at"])
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode("ascii") + canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(*, chunk_size: int = 10_000) -> VerifyResult:
    """Walk the chain in `seq` order and name the first link that does not hold.

    A link breaks when a `seq` is missing, when `prev_hash` is not the previous event's
    hash, or when the stored hash is not the hash of the row's content. Events missing
    after the last row (a truncated tail) are caught by comparing with the chain head.
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    rows = AuditEvent.objects.order_by("seq").values_list(*HASHED_FIELDS, "prev_hash", "hash")
    for row in rows.iterator(chunk_size=chunk_size):
        values, stored_prev, stored_hash = row[:-2], row[-2], row[-1]
        seq = values[0]
        if seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"event #{expected_seq} is missing")
        if stored_prev != prev_hash:
            return VerifyResult(False, checked, seq, f"event #{seq} does not follow the hash of the event before it")
        if event_hash(prev_hash, values) != stored_hash:
            return VerifyResult(False, checked, seq, f"event #{seq} does not match its hash (content altered)")
        checked += 1
        prev_hash = stored_hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).first()
    if head is not None and head.seq > checked:
        return VerifyResult(
            False, checked, checked + 1, f"the chain head is at #{head.seq} but the log ends at #{checked}"
        )
    if head is not None and head.seq == checked and head.hash != prev_hash:
        return VerifyResult(False, checked, checked or None, "the last event does not match the chain head")
    return VerifyResult(True, checked)
