"""Connectors: how a post reaches its platform, behind one small interface.

    connector.publish(payload, idempotency_key=...) -> Delivered(remote_id, remote_url)

raises `Retryable` (timeouts, connection errors, 429 — honouring Retry-After — and 5xx) or
`Permanent` (other 4xx, bad configuration). `manual` never sends: the job waits for a
publisher to paste the live address. Each call carries the job's idempotency key, so that
repeating a call whose answer was lost (a worker killed mid-way) does not post twice where
the platform honours it (Mastodon, our webhook receivers).
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone

from . import credentials
from .models import ChannelConnector, ConnectorKind

USER_AGENT = "Clearpost/1.0 (+https://github.com/clearpost)"


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


def _http(request: urllib.request.Request) -> tuple[int, dict, bytes]:
    """Send `request`; classify failures. Returns (status, headers, body) for 2xx."""
    request.add_header("User-Agent", USER_AGENT)
    if urllib.parse.urlsplit(request.full_url).scheme not in ("http", "https"):
        raise Permanent(f"The connector's address must be an http(s) URL, not {request.full_url[:100]!r}.")
    try:
        with urllib.request.urlopen(request, timeout=settings.PUBLISHING_TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310 - http(s) only, checked above
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:500].decode("utf-8", "replace")
        detail = _error_detail(body) or exc.reason
        if exc.code == 429 or exc.code >= 500:
            raise Retryable(
                f"{exc.code} from the platform: {detail}", retry_after=_retry_after(exc.headers.get("Retry-After"))
            ) from exc
        raise Permanent(f"{exc.code} from the platform: {detail}") from exc
    except TimeoutError as exc:
        raise Retryable(f"No answer within {settings.PUBLISHING_TIMEOUT_SECONDS:g} s.") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Retryable(f"No answer within {settings.PUBLISHING_TIMEOUT_SECONDS:g} s.") from exc
        raise Retryable(f"Could not reach the platform: {exc.reason}") from exc
    except (ConnectionError, OSError) as exc:
        raise Retryable(f"Could not reach the platform: {exc}") from exc


def _error_detail(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:200]
    if isinstance(data, dict):
        return str(data.get("error") or data.get("detail") or data)[:200]
    return str(data)[:200]


def _retry_after(value: str | None) -> float | None:
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


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class WebhookConnector(Connector):
    """POST the payload as JSON to `settings["url"]`, signed with HMAC-SHA256 of the exact body
    under the channel's secret (`X-Clearpost-Signature: sha256=<hex>`), with the idempotency
    key in `Idempotency-Key`. The receiver may answer `{"id", "url"}`."""

    kind = ConnectorKind.WEBHOOK

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        url = self.settings.get("url", "")
        if not url.startswith(("https://", "http://")):
            raise Permanent("The webhook connector has no valid URL; set one on the channel.")
        body = json.dumps(
            {
                "idempotency_key": idempotency_key,
                "post_id": payload.post_id,
                "channel": payload.channel,
                "content": payload.content,
                "content_hash": payload.content_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - scheme checked above
        request.add_header("Content-Type", "application/json")
        request.add_header("Idempotency-Key", idempotency_key)
        request.add_header("X-Clearpost-Signature", f"sha256={signature}")
        _, _, answer = _http(request)
        data = _json(answer)
        return Delivered(remote_id=str(data.get("id") or idempotency_key), remote_url=str(data.get("url") or ""))


class MastodonConnector(Connector):
    """`POST {instance}/api/v1/statuses` (https://docs.joinmastodon.org/methods/statuses/#create)
    with `Authorization: Bearer <token>` and `Idempotency-Key` (Mastodon keeps it for an
    hour and answers a repeated call with the status it already made). Settings: `instance`
    (https://health.social), `visibility` (public, unlisted, private, direct), `language`
    (ISO 639), `spoiler_text` (a content warning for every status; the post's title is used
    when `title_as_spoiler` is set)."""

    kind = ConnectorKind.MASTODON

    def status_text(self, content: dict) -> str:
        parts = [content.get("body", "").strip()]
        if content.get("link"):
            parts.append(content["link"])
        return "\n\n".join(part for part in parts if part)

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        instance = self.settings.get("instance", "").rstrip("/")
        if not instance.startswith(("https://", "http://")):
            raise Permanent("The Mastodon connector has no instance address; set one on the channel.")
        if not self.secret:
            raise Permanent("The Mastodon connector has no access token; set one on the channel.")
        fields = {"status": self.status_text(payload.content)}
        if self.settings.get("visibility"):
            fields["visibility"] = self.settings["visibility"]
        if self.settings.get("language"):
            fields["language"] = self.settings["language"]
        spoiler = self.settings.get("spoiler_text") or (
            payload.content.get("title", "") if self.settings.get("title_as_spoiler") else ""
        )
        if spoiler:
            fields["spoiler_text"] = spoiler
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            f"{instance}/api/v1/statuses", data=urllib.parse.urlencode(fields).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Authorization", f"Bearer {self.secret}")
        request.add_header("Idempotency-Key", idempotency_key)
        _, _, answer = _http(request)
        data = _json(answer)
        if not data.get("id"):
            raise Retryable("Mastodon answered without a status id.")
        return Delivered(remote_id=str(data["id"]), remote_url=str(data.get("url") or data.get("uri") or ""))


class FeedConnector(Connector):
    """Blogs and podcasts: the channel's RSS 2.0 and Atom feeds list its published posts
    (`publishing.feeds`), so publishing is recording the post as published; nothing is sent."""

    kind = ConnectorKind.FEED

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        path = reverse("feed-item", kwargs={"slug": payload.channel, "post_id": payload.post_id})
        return Delivered(remote_id=f"feed:{payload.channel}:{payload.post_id}", remote_url=f"{settings.SITE_URL}{path}")


class EmailConnector(Connector):
    """Newsletters: the post goes to the channel's list (`settings["recipients"]`, sent as
    Bcc to `settings["to"]` or the sender) through Django's e-mail backend. The Message-ID is
    derived from the idempotency key, so that list software can drop a repeat."""

    kind = ConnectorKind.EMAIL

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        recipients = [address for address in self.settings.get("recipients", []) if address]
        if not recipients:
            raise Permanent("The newsletter has no recipients; add the list's address on the channel.")
        content = payload.content
        body = content["body"] + (f"\n\n{content['link']}" if content.get("link") else "")
        # The same on every attempt (make_msgid would add the time and a random part): a
        # repeat after a crash between the send and the database update carries the first
        # one's Message-ID, which list software and mail stores drop as a duplicate.
        message_id = f"<{idempotency_key}@clearpost>"
        message = EmailMessage(
            # One line: a CR or LF in a title would be refused as a header injection (BadHeaderError).
            subject=" ".join((content.get("title") or content["body"][:60]).split()),
            body=body,
            from_email=self.settings.get("from") or settings.DEFAULT_FROM_EMAIL,
            to=[self.settings.get("to") or settings.DEFAULT_FROM_EMAIL],
            bcc=recipients,
            headers={"Message-ID": message_id},
            connection=get_connection(fail_silently=False, timeout=settings.PUBLISHING_TIMEOUT_SECONDS),
        )
        try:
            message.send()
        except (OSError, TimeoutError) as exc:  # SMTP down or slow: try again later
            raise Retryable(f"The mail server did not accept the newsletter: {exc}") from exc
        return Delivered(remote_id=message_id)


class ManualConnector(Connector):
    """Platforms without API access: a publisher posts it by hand and pastes the live address
    (`POST /api/v1/posts/{id}/mark-published/`)."""

    kind = ConnectorKind.MANUAL
    sends = False

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:  # pragma: no cover - never called
        raise Permanent("Manual channels are published by hand.")


CONNECTORS = {
    ConnectorKind.WEBHOOK: WebhookConnector,
    ConnectorKind.MASTODON: MastodonConnector,
    ConnectorKind.FEED: FeedConnector,
    ConnectorKind.EMAIL: EmailConnector,
    ConnectorKind.MANUAL: ManualConnector,
}

# Without a configured connector: feeds for blogs and podcasts, by hand for everything else.
DEFAULT_KIND_BY_PLATFORM = {"blog": ConnectorKind.FEED, "podcast": ConnectorKind.FEED}


def connector_for(channel) -> Connector:
    """The channel's connector, with its credential decrypted."""
    row = ChannelConnector.objects.filter(channel=channel).first()
    if row is None:
        kind = DEFAULT_KIND_BY_PLATFORM.get(channel.platform, ConnectorKind.MANUAL)
        return CONNECTORS[kind](channel)
    return CONNECTORS[row.kind](channel, row.settings, credentials.decrypt(row.secret_token))
