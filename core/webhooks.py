"""Webhook signatures in the Standard Webhooks form (https://www.standardwebhooks.com/,
spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).

A delivery carries three headers:

    webhook-id:        a unique id of the message (the same on every retry of it)
    webhook-timestamp: seconds since the epoch, when it was sent (the attempt)
    webhook-signature: v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>

(several space-separated signatures while a secret is rotated). The key is the secret: a
`whsec_<base64>` secret is used as its base64-decoded bytes, as every Standard Webhooks
library does; any other secret is used as its UTF-8 bytes (give such a receiver the secret
`whsec_` + base64(secret); `standard_secret()` computes it).

`sign_headers()` makes the headers for an outgoing delivery; `verify()` checks an incoming one
— its signature, and that its timestamp is within `tolerance` seconds of now, so that a
captured delivery replayed later is refused. A receiver should also remember the ids it has
accepted within the tolerance and drop a repeat.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"  # nosec B105 - the Standard Webhooks prefix, not a secret
DEFAULT_TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    """A missing header, a bad signature, or a timestamp outside the tolerance. `reason` is a
    fixed phrase (safe to answer with)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def key_of(secret: str | bytes) -> bytes:
    """The HMAC key for a secret (see the module's docstring)."""
    if isinstance(secret, bytes):
        key = secret
    elif secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX) :] + "==", validate=False)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("A whsec_ secret must be base64 after its prefix.") from exc
    else:
        key = secret.encode()
    if not key:
        raise ValueError("The webhook secret is empty.")
    return key


def new_secret(nbytes: int = 32) -> str:
    """A fresh secret in the Standard Webhooks form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode()


def standard_secret(secret: str) -> str:
    """The same key in `whsec_` form, for a receiver that uses a Standard Webhooks library."""
    return SECRET_PREFIX + base64.b64encode(key_of(secret)).decode()


def signature(secret: str | bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(secret: str | bytes, message_id: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The three headers of a signed delivery of `body` (timestamp: now)."""
    if "." in message_id or not message_id:
        raise ValueError("A webhook id is non-empty and has no '.'.")
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def verify(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> str:
    """Check a delivery; return its `webhook-id`, or raise InvalidSignature. Header names are
    matched case-insensitively; the body is the raw bytes received."""
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    message_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not (message_id and stamp and signatures):
        raise InvalidSignature("Missing webhook-id, webhook-timestamp or webhook-signature.")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise InvalidSignature("The webhook timestamp is not a number of seconds.")
    timestamp = int(stamp)
    now = time.time() if now is None else now
    if timestamp < now - tolerance:
        raise InvalidSignature("The webhook timestamp is too old.")
    if timestamp > now + tolerance:
        raise InvalidSignature("The webhook timestamp is in the future.")
    expected = signature(secret, message_id, timestamp, body).encode()
    for candidate in signatures.split(" "):
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode("utf-8", "replace"), expected):
            return message_id
    raise InvalidSignature("No valid webhook signature.")
