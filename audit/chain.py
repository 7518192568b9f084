"""The hash chain: how an event is hashed, and how the whole chain is verified.

`hash = SHA-256(prev_hash ‖ canonical JSON of the event)`. Canonical JSON is UTF-8 with
keys sorted and no insignificant whitespace (orjson with OPT_SORT_KEYS), over the fields
in HASHED_FIELDS; the timestamp is UTC ISO-8601 with microseconds. This encoding is part
of the log's format: changing it would make every existing event fail verification.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from .models import CHAIN_HEAD_ID, GENESIS_HASH, AuditChainHead, AuditEvent

# The fields that the hash covers, in this order wherever they travel as a tuple.
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
_TIMESTAMP_SQL = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


def json_safe(data) -> dict:
    """What the database will give back for `data`: plain JSON types only."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def timestamp(value: datetime | str) -> str:
    if isinstance(value, str):  # already formatted by the database (see _postgres_rows)
        return value
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, values: tuple) -> str:
    """SHA-256 of the previous hash followed by the event's canonical JSON (`values` follows HASHED_FIELDS)."""
    return _hash_fields(prev_hash, dict(zip(HASHED_FIELDS, values, strict=True)))


def _hash_fields(prev_hash: str, fields: dict) -> str:
    fields["occurred_at"] = timestamp(fields["occurred_at"])
    return hashlib.sha256(prev_hash.encode("ascii") + orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def _orm_rows(chunk_size: int) -> Iterator[tuple[dict, str, str]]:
    """(hashed fields, prev_hash, hash) for every event in seq order."""
    rows = AuditEvent.objects.order_by("seq").values_list(*HASHED_FIELDS, "prev_hash", "hash")
    for row in rows.iterator(chunk_size=chunk_size):
        # The row ends with prev_hash and hash, which zip leaves out.
        yield dict(zip(HASHED_FIELDS, row, strict=False)), row[-2], row[-1]


def _postgres_rows(chunk_size: int) -> Iterator[tuple[dict, str, str]]:
    """The same as `_orm_rows`, read raw: the database formats the timestamp and hands `data`
    over as text, which skips most of the per-row conversion work."""
    columns = ", ".join(
        {"occurred_at": _TIMESTAMP_SQL, "data": "data::text", "ip": "host(ip)"}.get(name, name)
        for name in HASHED_FIELDS
    )
    loads = orjson.loads
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {columns}, prev_hash, hash FROM audit_auditevent ORDER BY seq")  # noqa: S608
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                fields = dict(zip(HASHED_FIELDS, row, strict=False))  # row ends with prev_hash, hash
                fields["data"] = loads(fields["data"])
                yield fields, row[-2], row[-1]


def verify_chain(*, chunk_size: int = 20_000) -> VerifyResult:
    """Walk the chain in `seq` order and name the first link that does not hold.

    A link breaks when a `seq` is missing, when `prev_hash` is not the previous event's
    hash, or when the stored hash is not the hash of the row's content. The chain head is
    read first: every event up to it was committed with it, so a log that ends before the
    head, or whose event at the head's seq has another hash, has lost its tail. Events
    appended while the walk runs are checked too if the walk reaches them.
    """
    head = AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    rows = _postgres_rows(chunk_size) if connection.vendor == "postgresql" else _orm_rows(chunk_size)
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for fields, stored_prev, stored_hash in rows:
        seq = fields["seq"]
        if seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"event #{expected_seq} is missing")
        if stored_prev != prev_hash:
            return VerifyResult(False, checked, seq, f"event #{seq} does not follow the hash of the event before it")
        if _hash_fields(prev_hash, fields) != stored_hash:
            return VerifyResult(False, checked, seq, f"event #{seq} does not match its hash (content altered)")
        if seq == head[0] and stored_hash != head[1]:
            return VerifyResult(False, checked, seq, f"event #{seq} is not the event the chain head recorded")
        checked += 1
        prev_hash = stored_hash
        expected_seq += 1
    if checked < head[0]:
        return VerifyResult(
            False, checked, checked + 1, f"the chain head is at #{head[0]} but the log ends at #{checked}"
        )
    return VerifyResult(True, checked)
