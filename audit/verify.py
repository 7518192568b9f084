"""Verifying the audit log: the chain walked link by link (`audit.chain`) against the signed
checkpoints of its head (`audit.checkpoints`), kept apart from both so that neither imports the
other's user."""

from dataclasses import replace

from django.db import connection

from . import chain, checkpoints
from .models import CHAIN_HEAD_ID, GENESIS_HASH, AuditChainHead, AuditEvent

VERIFIED_ACTION = "audit.log.verified"


def reported_forgeries() -> set[str]:
    """Fingerprints of the forged checkpoints an earlier verification already reported (and
    recorded in its `audit.log.verified` event). Those events are part of the chain: a forger
    without the chain key cannot add one, and altering one breaks the walk."""
    reported: set[str] = set()
    rows = AuditEvent.objects.filter(action=VERIFIED_ACTION, data__has_key="forged_checkpoints")
    for data in rows.values_list("data", flat=True).iterator(chunk_size=1_000):
        for item in data.get("forged_checkpoints") or []:
            if isinstance(item, dict) and isinstance(item.get("fingerprint"), str):
                reported.add(item["fingerprint"])
    return reported


def verify_chain(
    *,
    chunk_size: int = 20_000,
    checkpoint_file=None,
    stored_checkpoints: bool = True,
    exported_checkpoints: bool = True,
    workers: int = 1,
) -> chain.VerifyResult:
    """Walk the chain in `seq` order and name the first link that does not hold.

    A link breaks when a `seq` is missing, when `prev_hash` is not the previous event's
    hash, when the stored hash is not the keyed hash of the row's content (or, for the events
    written before the chain was keyed, its unkeyed hash: accepted only before the first keyed
    event, see `audit.chain`). The chain head is read first: every event up to it was
    committed with it, so a log that ends before the head, or whose event at the head's seq
    has another hash, has lost its tail; and an event *past* the head was not appended by
    Clearpost (checked after the walk, in one statement with the head as it is then).

    Signed checkpoints are checked the same way: those stored in the database, those of the
    exported copies this deployment can read back (AUDIT_CHECKPOINT_FILE,
    AUDIT_CHECKPOINT_READ_URL; `exported_checkpoints`) and those of `checkpoint_file`. That
    catches a tail cut off together with a rewound head, even when the stored checkpoints were
    deleted too. A checkpoint whose signature does not verify makes the result not ok
    (`forged_checkpoints`, without a seq of its own) the first time it is reported; the
    verification that reports it records its fingerprint (`actions.record_verification`), and
    later verifications leave it aside, so that one forged row cannot keep the log "broken"
    for good. Without AUDIT_CHECKPOINT_KEY checkpoints are not checked (a file given
    explicitly is refused: see `checkpoints.checkpoints_to_verify`). An exported copy that
    cannot be read is reported as such, not passed over.

    `workers` > 1 (PostgreSQL only) walks that many ranges of the log side by side in forked
    processes, each on its own connection: they read committed events only, so use it from
    `manage.py verify_audit --workers N`, not inside a transaction that wrote events.
    """
    head = AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    expect = [(head[0], head[1], "the chain head")] if head[0] > 0 else []
    valid, forged, unreadable = checkpoints.checkpoints_to_verify(
        checkpoint_file=checkpoint_file, stored=stored_checkpoints, exported=exported_checkpoints
    )
    expect.extend((cp.seq, cp.hash, f"the checkpoint signed at {cp.created_at}") for cp in valid if cp.seq > 0)
    expect.sort(key=lambda item: item[0])
    first_keyed = chain.keyed_from()
    if workers > 1 and connection.vendor == "postgresql":
        result = chain._walk_in_parallel(workers, chunk_size, expect, first_keyed)
    else:
        result = chain._walk(
            chain._rows(chunk_size), expected_seq=1, prev_hash=GENESIS_HASH, expect=expect, first_keyed=first_keyed
        )
    if result.ok and (past := chain.first_event_past_head()) is not None:
        seq, head_seq = past
        result = chain.VerifyResult(
            False, seq - 1, seq, f"event #{seq} is past the chain head (#{head_seq}): it was not recorded by Clearpost"
        )
    already = reported_forgeries() if forged else set()
    new = [forgery for forgery in forged if forgery.fingerprint not in already]
    problems = [text for text in (checkpoints.describe_forgeries(new), *unreadable) if text]
    if problems:
        reason = "; ".join(problems) if result.ok else "; ".join([result.reason, *problems])
        result = chain.VerifyResult(False, result.checked, result.first_broken_seq, reason)
    return replace(result, checkpoints=len(valid), forged_checkpoints=len(new), forgeries=tuple(new))
