"""The hash chain: how an event is hashed, and how the whole chain is verified.

Every event is keyed (`chain_version` 2):

    hash = HMAC-SHA256(AUDIT_CHAIN_KEY, "clearpost-audit-chain:v2:" ‖ prev_hash ‖ canonical JSON)

so that someone who can write the table but does not hold the key, which the database never
sees, cannot make an event that verifies: not in the middle, not after the head. Canonical
JSON is UTF-8 with keys sorted and no insignificant whitespace (orjson with OPT_SORT_KEYS),
over the fields in HASHED_FIELDS; the timestamp is UTC ISO-8601 with microseconds. This
encoding is part of the log's format: changing it would make every existing event fail.

Events written before the chain was keyed (`chain_version` 1) keep their unkeyed hash,
`SHA-256(prev_hash ‖ canonical JSON)`: rewriting them would rewrite history and void every
exported checkpoint. Migration 0005 appended one keyed event (`audit.chain.keyed`) after the
last of them, whose keyed hash covers the whole unkeyed prefix; the walk accepts an unkeyed
event only *before* the first keyed event. An unkeyed event anywhere after it (the easy
forgery: anyone can compute SHA-256), or in a log that has no keyed event at all, is reported.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import F, Subquery, Value
from django.db.models.functions import Coalesce

from .models import CHAIN_HEAD_ID, GENESIS_HASH, KEYED, UNKEYED, AuditChainHead, AuditEvent

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


KEYED_PREFIX = b"clearpost-audit-chain:v2:"
_DEVELOPMENT_KEY_LABEL = b"clearpost-audit-chain-key:development"


def chain_key() -> bytes:
    """AUDIT_CHAIN_KEY; for local use (DEBUG on, no key set) a key derived from SECRET_KEY.

    Settings refuse to start with DEBUG off and no key of at least 32 characters, and
    `check --deploy` says so too (audit.E001): production never runs on the derived key, which
    would change with SECRET_KEY and make every earlier event fail verification."""
    key = getattr(settings, "AUDIT_CHAIN_KEY", "") or ""
    if key:
        return key.encode()
    return hmac.new(settings.SECRET_KEY.encode(), _DEVELOPMENT_KEY_LABEL, hashlib.sha256).hexdigest().encode()


@lru_cache(maxsize=4)
def _keyed_base(key: bytes):
    """The HMAC state after the key and the prefix: each event copies it (cheaper than a new HMAC)."""
    return hmac.new(key, KEYED_PREFIX, hashlib.sha256)


def event_hash(prev_hash: str, values: tuple) -> str:
    """The keyed hash of an event (`values` follows HASHED_FIELDS) after `prev_hash`: what
    `record()` stores. Only a holder of AUDIT_CHAIN_KEY can compute it."""
    return _hash_fields(prev_hash, dict(zip(HASHED_FIELDS, values, strict=True)))


def unkeyed_event_hash(prev_hash: str, values: tuple) -> str:
    """SHA-256 of the previous hash and the event's canonical JSON: how events were hashed
    before the chain was keyed (`chain_version` 1). Anyone can compute it."""
    return _hash_fields(prev_hash, dict(zip(HASHED_FIELDS, values, strict=True)), UNKEYED)


def _canonical(fields: dict) -> bytes:
    fields["occurred_at"] = timestamp(fields["occurred_at"])
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)


def _hash_fields(prev_hash: str, fields: dict, version: int = KEYED, key: bytes | None = None) -> str:
    message = prev_hash.encode("ascii") + _canonical(fields)
    if version == UNKEYED:
        return hashlib.sha256(message).hexdigest()
    mac = _keyed_base(key if key is not None else chain_key()).copy()
    mac.update(message)
    return mac.hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""
    # Signed checkpoints whose seq and hash were compared with the chain, and those whose
    # signature does not verify (forged, damaged, or signed with a key no longer configured).
    checkpoints: int = 0
    forged_checkpoints: int = 0
    # The forged checkpoints reported now for the first time (checkpoints.Forgery), which the
    # verification's audit event records so that they are not reported again.
    forgeries: tuple = ()


def _orm_rows(chunk_size: int, first_seq: int | None = None, last_seq: int | None = None):
    """(hashed fields, prev_hash, hash, chain_version) for every event in seq order (within first_seq..last_seq)."""
    rows = AuditEvent.objects.order_by("seq")
    if first_seq is not None:
        rows = rows.filter(seq__gte=first_seq, seq__lte=last_seq)
    for row in rows.values_list(*HASHED_FIELDS, "chain_version", "prev_hash", "hash").iterator(chunk_size=chunk_size):
        # The row ends with chain_version, prev_hash and hash, which zip leaves out.
        yield dict(zip(HASHED_FIELDS, row, strict=False)), row[-2], row[-1], row[-3]


def _postgres_rows(
    chunk_size: int, first_seq: int | None = None, last_seq: int | None = None
) -> Iterator[tuple[dict, str, str, int]]:
    """The same as `_orm_rows`, read raw: the database formats the timestamp and hands `data`
    over as text, which skips most of the per-row conversion work."""
    columns = ", ".join(
        {"occurred_at": _TIMESTAMP_SQL, "data": "data::text", "ip": "host(ip)"}.get(name, name)
        for name in HASHED_FIELDS
    )
    where, params = ("WHERE seq BETWEEN %s AND %s", [first_seq, last_seq]) if first_seq is not None else ("", [])
    loads = orjson.loads
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, chain_version, prev_hash, hash FROM audit_auditevent {where} ORDER BY seq",  # noqa: S608  # nosec B608 - constant columns, bound params
            params,
        )
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                fields = dict(zip(HASHED_FIELDS, row, strict=False))  # row ends with chain_version, prev_hash, hash
                fields["data"] = loads(fields["data"])
                yield fields, row[-2], row[-1], row[-3]


def _rows(chunk_size: int, first_seq: int | None = None, last_seq: int | None = None):
    reader = _postgres_rows if connection.vendor == "postgresql" else _orm_rows
    return reader(chunk_size, first_seq, last_seq)


def keyed_from() -> int | None:
    """The seq of the first keyed event (None when there is none): unkeyed events are accepted
    only before it. Read by the primary key in order, it stops at the end of the unkeyed prefix."""
    return AuditEvent.objects.filter(chain_version=KEYED).order_by("seq").values_list("seq", flat=True).first()


def _walk(
    rows, *, expected_seq: int, prev_hash: str, expect: list[tuple[int, str, str]], first_keyed: int | None
) -> VerifyResult:
    """Check each row's link and hash from `expected_seq` on, and that the chain holds, at each seq
    of `expect` (sorted (seq, hash, what recorded it)), the hash recorded there. Expectations are
    compared as the walk passes their seq: one integer comparison per row. An unkeyed row is
    accepted only before `first_keyed` (see the module's docstring)."""
    checked, i, n = 0, 0, len(expect)
    next_seq = expect[0][0] if expect else -1
    key = chain_key()
    unkeyed_before = first_keyed if first_keyed is not None else -1
    for fields, stored_prev, stored_hash, version in rows:
        seq = fields["seq"]
        if seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"event #{expected_seq} is missing")
        if stored_prev != prev_hash:
            return VerifyResult(False, checked, seq, f"event #{seq} does not follow the hash of the event before it")
        if version == UNKEYED and seq >= unkeyed_before:
            return VerifyResult(
                False, checked, seq, f"event #{seq} is not keyed, but the log was keyed before it (forged)"
            )
        if version not in (UNKEYED, KEYED):
            return VerifyResult(False, checked, seq, f"event #{seq} has an unknown chain version ({version})")
        if _hash_fields(prev_hash, fields, version, key) != stored_hash:
            return VerifyResult(False, checked, seq, f"event #{seq} does not match its hash (content altered)")
        if seq == next_seq:
            while i < n and expect[i][0] == seq:
                if expect[i][1] != stored_hash:
                    return VerifyResult(False, checked, seq, f"event #{seq} is not the event {expect[i][2]} recorded")
                i += 1
            next_seq = expect[i][0] if i < n else -1
        checked += 1
        prev_hash = stored_hash
        expected_seq += 1
    if i < n:
        furthest_seq, _, what = expect[-1]
        return VerifyResult(
            False, checked, expected_seq, f"{what} is at #{furthest_seq} but the log ends at #{expected_seq - 1}"
        )
    return VerifyResult(True, checked)


# Ranges shorter than this are walked in this process: starting processes would cost more.
MIN_RANGE = 10_000


def _walk_in_parallel(
    workers: int, chunk_size: int, expect: list[tuple[int, str, str]], first_keyed: int | None
) -> VerifyResult:
    """The walk of `verify_chain`, split into `workers` ranges of seq walked side by side.

    Each link depends only on its neighbour: a range starting at seq s takes the stored hash of
    event s-1 as the hash its first event must follow, and the range before it checks that
    this stored hash is the true hash of event s-1. A range that ends early has lost events; the
    last range is open-ended (it also walks what was appended meanwhile). The first range that
    fails names the first broken seq, as the single walk would.
    """
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    size = -(-last // workers)  # ceiling
    if size < MIN_RANGE:  # not worth the processes
        return _walk(_rows(chunk_size), expected_seq=1, prev_hash=GENESIS_HASH, expect=expect, first_keyed=first_keyed)
    starts = list(range(1, last + 1, size))
    boundaries = dict(AuditEvent.objects.filter(seq__in=[start - 1 for start in starts[1:]]).values_list("seq", "hash"))
    ranges = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else None
        mine = [item for item in expect if item[0] >= start and (end is None or item[0] <= end)]
        prev = GENESIS_HASH if start == 1 else boundaries.get(start - 1)
        ranges.append((start, end, prev, mine, chunk_size, first_keyed))
    if any(item[2] is None for item in ranges):
        # An event at a boundary is missing: the single walk names the first broken seq.
        return _walk(_rows(chunk_size), expected_seq=1, prev_hash=GENESIS_HASH, expect=expect, first_keyed=first_keyed)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(len(ranges), mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_walk_range, ranges))
    checked = 0
    for result in results:
        checked += result.checked
        if not result.ok:
            return VerifyResult(False, checked, result.first_broken_seq, result.reason)
    return VerifyResult(True, checked)


_inherited_connections: list = []


def _walk_range(job) -> VerifyResult:
    """One range of `_walk_in_parallel`, in a forked process. The connection inherited from the
    parent shares its socket: it is set aside untouched (closing it would end the parent's
    session) and this process opens its own."""
    from django.db import connections

    for alias in connections:
        inherited = connections[alias]
        if inherited.connection is not None:
            _inherited_connections.append(inherited.connection)
            inherited.connection = None
    start, end, prev_hash, expect, chunk_size, first_keyed = job
    walk = {"expected_seq": start, "prev_hash": prev_hash, "expect": expect, "first_keyed": first_keyed}
    if end is None:
        return _walk(_rows(chunk_size, start, 2**62), **walk)
    result = _walk(_rows(chunk_size, start, end), **walk)
    if result.ok and result.checked < end - start + 1:
        missing = start + result.checked
        return VerifyResult(False, result.checked, missing, f"event #{missing} is missing")
    return result


def first_event_past_head() -> tuple[int, int] | None:
    """(seq, head seq) of the first event beyond the chain head, or None.

    `record()` moves the head in the transaction that appends, so every committed event is at
    or before the committed head: one past it was written around Clearpost. Read in one
    statement (one snapshot), so an event appended meanwhile is never mistaken for one."""
    head_seq = Coalesce(Subquery(AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).values("seq")[:1]), Value(0))
    row = (
        AuditEvent.objects.annotate(head_seq=head_seq)
        .filter(seq__gt=F("head_seq"))
        .order_by("seq")
        .values_list("seq", "head_seq")
        .first()
    )
    return row


def verify_extension(*, base_seq: int, base_hash: str, head_seq: int, head_hash: str) -> VerifyResult:
    """Whether the chain leads from the event at `base_seq` (whose hash must be `base_hash`) to
    `head_seq` with `head_hash`, link by link: what a new checkpoint may sign, reading only
    the events since the last one."""
    if base_seq > 0:
        stored = AuditEvent.objects.filter(seq=base_seq).values_list("hash", flat=True).first()
        if stored != base_hash:
            reason = "is missing" if stored is None else "is not the event the last checkpoint recorded"
            return VerifyResult(False, 0, base_seq, f"event #{base_seq} {reason}")
    if head_seq < base_seq:
        return VerifyResult(False, 0, head_seq + 1, f"the chain head (#{head_seq}) is behind the last checkpoint")
    if head_seq == base_seq:
        if head_hash == base_hash:
            return VerifyResult(True, 0)
        return VerifyResult(False, 0, head_seq, f"event #{head_seq} is not the event the chain head recorded")
    rows = _rows(5_000, base_seq + 1, head_seq)
    return _walk(
        rows,
        expected_seq=base_seq + 1,
        prev_hash=base_hash,
        expect=[(head_seq, head_hash, "the chain head")],
        first_keyed=keyed_from(),
    )
