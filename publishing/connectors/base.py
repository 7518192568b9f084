"""What every connector shares: the interface, what goes in and comes out, how failures are
classified, and the helpers that read a platform's answer.

    connector.publish(payload, idempotency_key=...) -> Delivered(remote_id, remote_url)

raises `Retryable` (timeouts, connection errors, 429 — honouring Retry-After — and 5xx) or
`Permanent` (other 4xx, bad configuration).
"""

import json
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from django.utils import timezone


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class Retryable(DeliveryError):
    """Try again later (after `retry_after` seconds when the platform said so)."""


class Permanent(DeliveryError):
    """Trying again will not help: the post fails, with this reason shown."""


@dataclass(frozen=True)
class Payload:
    """Exactly what was approved: the revision's published fields, plus where it goes."""

    post_id: int
    channel: str
    content: dict  # title, body, link, media_url, media_alt_text (Revision.CONTENT_FIELDS)

    @property
    def content_hash(self) -> str:
        from approvals.models import Revision

        return Revision.hash_content(self.content)


@dataclass(frozen=True)
class Delivered:
    remote_id: str
    remote_url: str = ""


class Connector:
    kind: str = ""
    sends = True  # False: nothing to call (manual); the job waits for a person

    def __init__(self, channel, settings_: dict | None = None, secret: str = ""):  # nosec B107 - no credential
        self.channel = channel
        self.settings = settings_ or {}
        self.secret = secret

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:  # pragma: no cover - abstract
        raise NotImplementedError


def error_detail(body: str) -> str:
    """What a platform's error answer says: its `error` or `detail` field, or the text itself."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:200]
    if isinstance(data, dict):
        return str(data.get("error") or data.get("detail") or data)[:200]
    return str(data)[:200]


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def json_object(body: bytes) -> dict:
    """A platform's JSON answer as a dict; {} for an empty, unreadable or non-object answer."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
