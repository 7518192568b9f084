"""Verifying the audit log: the chain walked link by link (`audit.chain`) against the signed
checkpoints of its head (`audit.checkpoints`), kept apart from both so that neither imports the
other's user."""

from django.db import connection

from . import chain, checkpoints
from .models import CHAIN_HEAD_ID, GENESIS_HASH, AuditChainHead


def verify_chain(
    *, chunk_size: int = 20_000, checkpoint_file=None, stored_checkpoints: bool = True, workers: int = 1
) -> chain.VerifyResult:
    """Walk the chain in `seq` order and name the first link that does not hold.

    A link breaks when a `seq` is missing, when `prev_hash` is not the previous event's
    hash, or when the stored hash is not the hash of the row's content. The chain head is
    read first: every event up to it was committed with it, so a log that ends before the
    head, or whose event at the head's seq has another hash, has lost its tail. Events
    appended while the walk runs are checked too if the walk reaches them.

    Signed checkpoints (`audit.checkpoints`: those stored in the database and, when given,
    those of an exported JSON-lines file) are checked the same way, which catches a tail cut
    off together with a rewound head. A checkpoint whose signature does not verify makes
    the result not ok (`forged_checkpoints`) without naming a seq of its own. Without
    AUDIT_CHECKPOINT_KEY stored checkpoints are not checked (a file given explicitly is
    refused: see `checkpoints.checkpoints_to_verify`).

    `workers` > 1 (PostgreSQL only) walks that many ranges of the log side by side in forked
    processes, each on its own connection: they read committed events only, so use it from
    `manage.py verify_audit --workers N`, not inside a transaction that wrote events.
    """
    head = AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    expect = [(head[0], head[1], "the chain head")] if head[0] > 0 else []
    valid, forged, forged_reason = checkpoints.checkpoints_to_verify(
        checkpoint_file=checkpoint_file, stored=stored_checkpoints
    )
    expect.extend((cp.seq, cp.hash, f"the checkpoint signed at {cp.created_at}") for cp in valid if cp.seq > 0)
    expect.sort(key=lambda item: item[0])
    if workers > 1 and connection.vendor == "postgresql":
        result = chain._walk_in_parallel(workers, chunk_size, expect)
    else:
        result = chain._walk(chain._rows(chunk_size), expected_seq=1, prev_hash=GENESIS_HASH, expect=expect)
    if forged and result.ok:
        result = chain.VerifyResult(False, result.checked, None, forged_reason)
    elif forged:
        result = chain.VerifyResult(False, result.checked, result.first_broken_seq, f"{result.reason}; {forged_reason}")
    return chain.VerifyResult(result.ok, result.checked, result.first_broken_seq, result.reason, len(valid), forged)
