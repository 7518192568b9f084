"""Signed checkpoints of the chain head, kept in the database and exported outside it.

The hash chain shows an altered, removed, inserted or reordered event, and the chain head
shows a lost tail; but someone who can write to the database can cut off the tail *and*
rewind the head to the new last event, and the log then looks whole. A checkpoint is the
head at some moment, signed with a key the database does not hold:

    signature = HMAC-SHA256(AUDIT_CHECKPOINT_KEY, "clearpost-audit-checkpoint:v1:{seq}:{hash}:{created_at}")

(`created_at` is UTC ISO-8601 with microseconds, as in the chain). A checkpoint is written
every few minutes (`audit.tasks.write_checkpoint`, or `manage.py audit_checkpoint`), stored
in `AuditCheckpoint` (append-only on PostgreSQL) and exported as one JSON line appended to
AUDIT_CHECKPOINT_FILE and/or POSTed to AUDIT_CHECKPOINT_URL, so that a copy survives the
database. `verify.verify_chain` checks every checkpoint's signature and that the chain still
holds the event at its seq with its hash.

A new checkpoint is signed only when the chain leads, link by link, from the last valid
checkpoint to the current head (only the events since the last checkpoint are read): the
signer never vouches for a log that was already cut or rewritten.
"""

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.conf import settings
from django.utils import timezone

from core import outbound

from .chain import timestamp, verify_extension
from .models import CHAIN_HEAD_ID, GENESIS_HASH, AuditChainHead, AuditCheckpoint

logger = logging.getLogger(__name__)

SIGNATURE_PREFIX = "clearpost-audit-checkpoint:v1"
URL_TIMEOUT_SECONDS = 10
READ_URL_MAX_BYTES = 64 * 1024 * 1024  # a checkpoint line is ~200 bytes: years of them


class CheckpointError(Exception):
    """Checkpoints are not configured, or a checkpoint file cannot be read."""


class CheckpointRefused(CheckpointError):
    """The chain does not lead from the last checkpoint to the head: nothing was signed."""


class CheckpointExportError(CheckpointError):
    """The checkpoint was stored but could not be copied to the file or the URL."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    created_at: str
    signature: str
    source: str = "database"

    def payload(self) -> dict:
        return {"seq": self.seq, "hash": self.hash, "created_at": self.created_at, "signature": self.signature}


def signing_key() -> bytes:
    return (getattr(settings, "AUDIT_CHECKPOINT_KEY", "") or "").encode()


def verifying_keys() -> list[bytes]:
    """The current key first, then the previous ones (so that rotating the key keeps old checkpoints valid)."""
    previous = getattr(settings, "AUDIT_CHECKPOINT_PREVIOUS_KEYS", []) or []
    return [key for key in (signing_key(), *(k.encode() for k in previous)) if key]


def enabled() -> bool:
    """Whether checkpoints are written: AUDIT_CHECKPOINTS on and a key set (settings refuse on without a key)."""
    return bool(getattr(settings, "AUDIT_CHECKPOINTS", False)) and bool(signing_key())


def sign(seq: int, hash_: str, created_at: str, key: bytes) -> str:
    message = f"{SIGNATURE_PREFIX}:{seq}:{hash_}:{created_at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_valid(checkpoint: Checkpoint, keys: list[bytes]) -> bool:
    return any(
        hmac.compare_digest(sign(checkpoint.seq, checkpoint.hash, checkpoint.created_at, key), checkpoint.signature)
        for key in keys
    )


def _from_row(seq: int, hash_: str, created_at, signature: str, pk: int) -> Checkpoint:
    return Checkpoint(seq, hash_, timestamp(created_at), signature, f"database checkpoint {pk}")


def stored_checkpoints() -> list[Checkpoint]:
    rows = AuditCheckpoint.objects.order_by("seq", "id").values_list("seq", "hash", "created_at", "signature", "pk")
    return [_from_row(*row) for row in rows.iterator(chunk_size=5_000)]


@dataclass(frozen=True)
class Unreadable:
    """A line of an exported copy that is not a checkpoint at all (it counts as forged)."""

    description: str
    line: bytes


@dataclass(frozen=True)
class Forgery:
    """A checkpoint (or line) whose signature does not verify: `fingerprint` names it for good,
    so that once a verification has reported it (audit.log.verified records the fingerprints)
    later verifications do not report it again."""

    fingerprint: str
    description: str


def _fingerprint(entry: "Checkpoint | Unreadable") -> str:
    if isinstance(entry, Unreadable):
        material = b"line:" + entry.line
    else:
        # Named by its content: the same forgery in the database and in an exported copy is one.
        material = orjson.dumps(list(entry.payload().values()))
    return hashlib.sha256(material).hexdigest()


def parse_checkpoint_lines(text: bytes, origin: str) -> list["Checkpoint | Unreadable"]:
    """The checkpoints of an exported JSON-lines copy; a line that is not one is kept as
    `Unreadable` (it counts as forged)."""
    entries: list[Checkpoint | Unreadable] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            checkpoint = Checkpoint(
                int(item["seq"]),
                str(item["hash"]),
                str(item["created_at"]),
                str(item["signature"]),
                f"{origin}:{number}",
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            entries.append(Unreadable(f"line {number} of {origin} is not a checkpoint", line.strip()))
            continue
        entries.append(checkpoint)
    return entries


def read_checkpoint_file(path) -> list["Checkpoint | Unreadable"]:
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read the checkpoint file {path}: {exc.strerror or exc}") from exc
    return parse_checkpoint_lines(text, str(path))


def read_checkpoint_url(url: str) -> list["Checkpoint | Unreadable"]:
    """The exported checkpoints as the evidence store gives them back (GET AUDIT_CHECKPOINT_READ_URL:
    the JSON lines it received), through the guarded outbound client like the export."""
    if not url.startswith(("https://", "http://")):
        raise CheckpointError(f"cannot read the checkpoints at {url}: only http(s) URLs are supported")
    try:
        answer = outbound.request(
            "GET",
            url,
            headers={"Accept": "application/x-ndjson, application/json"},
            timeout=URL_TIMEOUT_SECONDS,
            max_bytes=READ_URL_MAX_BYTES,
            allow_private=bool(getattr(settings, "AUDIT_CHECKPOINT_URL_ALLOW_PRIVATE", False)),
        )
    except outbound.OutboundError as exc:
        raise CheckpointError(f"cannot read the checkpoints at {url}: {exc.reason}") from exc
    if answer.status != 200:
        raise CheckpointError(f"cannot read the checkpoints at {url}: HTTP {answer.status}")
    return parse_checkpoint_lines(answer.body, url)


def exported_checkpoints() -> tuple[list["Checkpoint | Unreadable"], list[str]]:
    """The copies kept outside the database that this deployment can read back (the lines of
    AUDIT_CHECKPOINT_FILE and of AUDIT_CHECKPOINT_READ_URL, each when set), and why a copy
    could not be read.

    A configured file that does not exist yet is empty only while no checkpoint has ever been
    stored (a new deployment); after that its absence is an error, not a silent pass."""
    entries: list[Checkpoint | Unreadable] = []
    errors: list[str] = []
    path = getattr(settings, "AUDIT_CHECKPOINT_FILE", "")
    url = getattr(settings, "AUDIT_CHECKPOINT_READ_URL", "")
    readers = []
    if path and (Path(path).exists() or AuditCheckpoint.objects.exists()):
        readers.append(lambda: read_checkpoint_file(path))
    if url:
        readers.append(lambda: read_checkpoint_url(url))
    for read in readers:
        try:
            entries.extend(read())
        except CheckpointError as exc:
            errors.append(str(exc))
    return entries, errors


def checkpoints_to_verify(
    *, checkpoint_file=None, stored: bool = True, exported: bool = False
) -> tuple[list[Checkpoint], list[Forgery], list[str]]:
    """(checkpoints whose signature verifies, those that do not, exported copies that could not be read).

    The checkpoints are those stored in the database (`stored`), those of the exported copies
    configured in the settings (`exported`) and those of `checkpoint_file`. Without a key
    nothing can be verified: the stored ones are then left aside, and a file given explicitly
    is an error (CheckpointError) rather than a silent pass, as is a file given explicitly that
    cannot be read."""
    keys = verifying_keys()
    if not keys:
        if checkpoint_file:
            raise CheckpointError("AUDIT_CHECKPOINT_KEY is not set: the checkpoints cannot be verified")
        return [], [], []
    entries: list[Checkpoint | Unreadable] = list(stored_checkpoints()) if stored else []
    errors: list[str] = []
    if exported:
        copies, errors = exported_checkpoints()
        entries.extend(copies)
    if checkpoint_file:
        entries.extend(read_checkpoint_file(checkpoint_file))
    valid, seen, forged, seen_forged = [], set(), [], set()
    for entry in entries:
        if isinstance(entry, Checkpoint) and signature_valid(entry, keys):
            identity = (entry.seq, entry.hash, entry.created_at, entry.signature)
            if identity not in seen:  # the file repeats what the database holds
                seen.add(identity)
                valid.append(entry)
            continue
        fingerprint = _fingerprint(entry)
        if fingerprint in seen_forged:
            continue
        seen_forged.add(fingerprint)
        description = (
            entry.description
            if isinstance(entry, Unreadable)
            else f"the checkpoint at #{entry.seq} ({entry.source}) has an invalid signature"
        )
        forged.append(Forgery(fingerprint, description))
    return valid, forged, errors


def describe_forgeries(forged: list[Forgery]) -> str:
    if not forged:
        return ""
    if len(forged) == 1:
        return forged[0].description
    return f"{forged[0].description} ({len(forged)} checkpoints do not verify)"


def last_valid_checkpoint() -> Checkpoint | None:
    """The stored checkpoint with the highest seq whose signature verifies."""
    keys = verifying_keys()
    rows = AuditCheckpoint.objects.order_by("-seq", "-id").values_list("seq", "hash", "created_at", "signature", "pk")
    for row in rows.iterator(chunk_size=100):
        checkpoint = _from_row(*row)
        if signature_valid(checkpoint, keys):
            return checkpoint
        logger.error("audit checkpoint with an invalid signature: %s at #%s", checkpoint.source, checkpoint.seq)
    return None


def write_checkpoint() -> Checkpoint | None:
    """Sign the current chain head, store the checkpoint and export it; None when the head has
    not moved since the last checkpoint (or the log is empty).

    Called by the beat task and `manage.py audit_checkpoint`, as the system (no audit event:
    an event would move the head it signs). Raises CheckpointError when checkpoints are off,
    CheckpointRefused when the chain does not lead from the last checkpoint to the head, and
    CheckpointExportError when the copy outside the database failed (the row is kept).
    """
    if not enabled():
        raise CheckpointError("audit checkpoints are off (AUDIT_CHECKPOINTS, AUDIT_CHECKPOINT_KEY)")
    # No lock: the events up to the head were committed with it and never change; a
    # checkpoint of a head that has since moved on is still true.
    head_seq, head_hash = AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).values_list("seq", "hash").first() or (
        0,
        GENESIS_HASH,
    )
    if head_seq == 0:
        return None
    base = last_valid_checkpoint()
    if base is not None and (base.seq, base.hash) == (head_seq, head_hash):
        return None
    result = verify_extension(
        base_seq=base.seq if base else 0,
        base_hash=base.hash if base else GENESIS_HASH,
        head_seq=head_seq,
        head_hash=head_hash,
    )
    if not result.ok:
        logger.error("audit checkpoint refused: %s", result.reason)
        raise CheckpointRefused(
            f"the chain does not lead from the last checkpoint to the head (#{head_seq}): {result.reason}"
        )
    created_at = timezone.now()
    signature = sign(head_seq, head_hash, timestamp(created_at), signing_key())
    row = AuditCheckpoint.objects.create(seq=head_seq, hash=head_hash, created_at=created_at, signature=signature)
    checkpoint = _from_row(head_seq, head_hash, created_at, signature, row.pk)
    export(checkpoint)
    return checkpoint


def export(checkpoint: Checkpoint) -> list[str]:
    """Append the checkpoint to AUDIT_CHECKPOINT_FILE and POST it to AUDIT_CHECKPOINT_URL (each if set).

    Both are tried; any failure raises CheckpointExportError after the other was tried."""
    line = orjson.dumps(checkpoint.payload())
    done, errors = [], []
    path = getattr(settings, "AUDIT_CHECKPOINT_FILE", "")
    if path:
        try:
            _append(path, line + b"\n")
            done.append(f"file {path}")
        except OSError as exc:
            errors.append(f"file {path}: {exc.strerror or exc}")
    url = getattr(settings, "AUDIT_CHECKPOINT_URL", "")
    if url:
        try:
            _post(url, line)
            done.append(f"URL {url}")
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            errors.append(f"URL {url}: {exc}")
    if errors:
        logger.error("audit checkpoint at #%s not exported: %s", checkpoint.seq, "; ".join(errors))
        raise CheckpointExportError(f"checkpoint at #{checkpoint.seq} stored but not exported: {'; '.join(errors)}")
    return done


def _append(path: str, data: bytes) -> None:
    # O_APPEND: concurrent writers never interleave inside one short line.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _post(url: str, body: bytes) -> None:
    """POST the line through the guarded outbound client (core.outbound): public addresses
    only unless AUDIT_CHECKPOINT_URL_ALLOW_PRIVATE (an operator's internal evidence store), no
    proxy from the environment, no redirect followed."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("only http(s) URLs are supported")
    try:
        answer = outbound.request(
            "POST",
            url,
            headers={"Content-Type": "application/json"},
            body=body,
            timeout=URL_TIMEOUT_SECONDS,
            allow_private=bool(getattr(settings, "AUDIT_CHECKPOINT_URL_ALLOW_PRIVATE", False)),
        )
    except outbound.OutboundError as exc:
        raise ValueError(exc.reason) from exc
    if not 200 <= answer.status < 300:
        raise ValueError(f"HTTP {answer.status}")
