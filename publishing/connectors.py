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
import http.client
import ipaddress
import json
import mimetypes
import posixpath
import re
import secrets
import socket
import time
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


def _http(
    request: urllib.request.Request, *, refused: str = "{code} from the platform: {detail}"
) -> tuple[int, dict, bytes]:
    """Send `request`; classify failures. Returns (status, headers, body) for 2xx. `refused`
    words an error answer (`code`, `detail`), e.g. "Mastodon refused the media: {code} {detail}"."""
    request.add_header("User-Agent", USER_AGENT)
    if urllib.parse.urlsplit(request.full_url).scheme not in ("http", "https"):
        raise Permanent(f"The connector's address must be an http(s) URL, not {request.full_url[:100]!r}.")
    try:
        with urllib.request.urlopen(request, timeout=settings.PUBLISHING_TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310 - http(s) only, checked above
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:500].decode("utf-8", "replace")
        detail = _error_detail(body) or exc.reason
        message = refused.format(code=exc.code, detail=detail)
        if exc.code == 429 or exc.code >= 500:
            raise Retryable(message, retry_after=_retry_after(exc.headers.get("Retry-After"))) from exc
        raise Permanent(message) from exc
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


# --- Media: a post's image, fetched from its approved address -----------------------------


@dataclass(frozen=True)
class Media:
    data: bytes
    content_type: str
    filename: str


class _RefusedAddress(OSError):
    """The media's host is (or resolves to) a private, loopback or otherwise non-public address."""


def _address_allowed(address: str) -> bool:
    if settings.PUBLISHING_MEDIA_ALLOW_PRIVATE:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _connect_public(address, timeout, source_address=None):
    """socket.create_connection, refusing a peer that is not public. The address checked is the
    one actually connected to (not a separate lookup a DNS answer could change in between), and
    it is checked before TLS or the request is sent. Every redirect connects through here too."""
    sock = socket.create_connection(address, timeout, source_address)
    peer = sock.getpeername()[0]
    if not _address_allowed(peer):
        sock.close()
        raise _RefusedAddress(f"{address[0]} is a private or local address ({peer})")
    return sock


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_public


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


class _HttpOnlyRedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):  # urllib would follow ftp://
            raise Permanent(f"The image address redirects to {newurl[:200]!r}, which is not an http(s) URL.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _media_opener() -> urllib.request.OpenerDirector:
    """http(s) only, public addresses only, and no proxy from the environment (the address
    checked must be the image's host, not a proxy's)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _PublicHTTPHandler(),
        _PublicHTTPSHandler(),
        _HttpOnlyRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _media_filename(url: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", posixpath.basename(urllib.parse.urlsplit(url).path))[-100:]
    return name.strip("._") or "media"


def fetch_media(url: str) -> Media:
    """The bytes at a post's media address, as approved. Temporary trouble (timeouts, 429, 5xx,
    an unreachable host) is `Retryable`; an address that is not http(s), not public, not found
    (4xx) or larger than PUBLISHING_MEDIA_MAX_BYTES is `Permanent`."""
    shown = url[:200]
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Permanent(f"The image address must be an http(s) URL, not {shown!r}.")
    limit = settings.PUBLISHING_MEDIA_MAX_BYTES
    too_large = f"The image at {shown} is larger than the {limit / 1024 / 1024:g} MB allowed."
    no_answer = f"The image at {shown}: no answer within {settings.PUBLISHING_TIMEOUT_SECONDS:g} s."
    deadline = time.monotonic() + settings.PUBLISHING_MEDIA_FETCH_SECONDS
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 - http(s) only, checked above
    try:
        with _media_opener().open(request, timeout=settings.PUBLISHING_TIMEOUT_SECONDS) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:  # refused before reading it
                raise Permanent(f"{too_large[:-1]}: it is {int(declared) / 1024 / 1024:.1f} MB.")
            chunks, size = [], 0
            while chunk := response.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise Permanent(too_large)
                if time.monotonic() > deadline:
                    raise Retryable(
                        f"The image at {shown} took longer than {settings.PUBLISHING_MEDIA_FETCH_SECONDS:g} s to fetch."
                    )
                chunks.append(chunk)
            final_url = response.geturl()
            content_type = (
                response.headers.get_content_type()
                if response.headers.get("Content-Type")
                else mimetypes.guess_type(urllib.parse.urlsplit(final_url).path)[0] or ""
            )
            # It goes into the upload's part header: a plain type/subtype or nothing.
            if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", content_type, flags=re.ASCII):
                content_type = "application/octet-stream"
    except urllib.error.HTTPError as exc:
        message = f"The image at {shown} could not be fetched: {exc.code} {exc.reason}."
        if exc.code == 429 or exc.code >= 500:
            raise Retryable(message, retry_after=_retry_after(exc.headers.get("Retry-After"))) from exc
        raise Permanent(message) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, _RefusedAddress):
            raise Permanent(f"The image at {shown} was not fetched: {exc.reason}.") from exc
        if isinstance(exc.reason, TimeoutError):
            raise Retryable(no_answer) from exc
        raise Retryable(f"The image at {shown} could not be fetched: {exc.reason}") from exc
    except TimeoutError as exc:
        raise Retryable(no_answer) from exc
    except (http.client.HTTPException, OSError) as exc:
        raise Retryable(f"The image at {shown} could not be fetched: {exc}") from exc
    return Media(data=b"".join(chunks), content_type=content_type, filename=_media_filename(final_url))


def _multipart(fields: dict[str, str], *, file_field: str, media: Media) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its Content-Type."""
    boundary = f"clearpost-{secrets.token_hex(16)}"
    while boundary.encode() in media.data:  # pragma: no cover - 128 random bits
        boundary = f"clearpost-{secrets.token_hex(16)}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{media.filename}"\r\n'
        f"Content-Type: {media.content_type}\r\n\r\n".encode()
        + media.data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


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
    when `title_as_spoiler` is set).

    A post with an image (`media_url`) goes out with it: the image is fetched from its approved
    address (`fetch_media`), uploaded with `POST /api/v2/media` (https://docs.joinmastodon.org/methods/media/#v2)
    with the approved alt text as its `description`, awaited while Mastodon processes it
    (202, then `GET /api/v1/media/:id` answers 206 until the attachment has a `url`), and
    attached with `media_ids[]`. Mastodon has no idempotency key for uploads: a repeated
    delivery uploads the image again. The status's key still makes one status (a repeat after
    a lost answer gets the first status, which keeps its first image); the upload left over is
    never attached, and Mastodon deletes unattached media after a day."""

    kind = ConnectorKind.MASTODON
    # The first wait for an upload still processing; the next ones double, up to 5 s.
    MEDIA_POLL_SECONDS = 0.5

    def status_text(self, content: dict) -> str:
        parts = [content.get("body", "").strip()]
        if content.get("link"):
            parts.append(content["link"])
        return "\n\n".join(part for part in parts if part)

    def _request(self, url: str, *, data: bytes | None = None, content_type: str = "") -> urllib.request.Request:
        # http(s) only: `publish` checks the instance address before any call.
        request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")  # noqa: S310
        if content_type:
            request.add_header("Content-Type", content_type)
        request.add_header("Authorization", f"Bearer {self.secret}")
        return request

    def upload_media(self, instance: str, content: dict) -> str:
        """Upload the post's image with its alt text, wait until Mastodon has processed it,
        and return the attachment's id. Exactly the approved address and alt text are used:
        they are part of the content hash recorded as sent."""
        media = fetch_media(content["media_url"])
        fields = {"description": content["media_alt_text"]} if content.get("media_alt_text") else {}
        body, content_type = _multipart(fields, file_field="file", media=media)
        refused = "Mastodon refused the media: {code} {detail}"
        upload = self._request(f"{instance}/api/v2/media", data=body, content_type=content_type)
        _, _, answer = _http(upload, refused=refused)
        attachment = _json(answer)
        media_id = str(attachment.get("id") or "")
        if not media_id:
            raise Retryable("Mastodon answered the media upload without an attachment id.")
        # 200: processed already; 202: `url` stays null until processing ends (206 meanwhile).
        deadline = time.monotonic() + settings.PUBLISHING_MEDIA_PROCESSING_SECONDS
        wait = self.MEDIA_POLL_SECONDS
        while not attachment.get("url"):
            if time.monotonic() + wait > deadline:
                raise Retryable(
                    f"Mastodon was still processing the media after {settings.PUBLISHING_MEDIA_PROCESSING_SECONDS:g} s."
                )
            time.sleep(wait)
            wait = min(wait * 2, 5.0)
            url = f"{instance}/api/v1/media/{urllib.parse.quote(media_id, safe='')}"
            _, _, answer = _http(self._request(url), refused=refused)
            attachment = _json(answer)
        return media_id

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        instance = self.settings.get("instance", "").rstrip("/")
        if not instance.startswith(("https://", "http://")):
            raise Permanent("The Mastodon connector has no instance address; set one on the channel.")
        if not self.secret:
            raise Permanent("The Mastodon connector has no access token; set one on the channel.")
        fields = [("status", self.status_text(payload.content))]
        if payload.content.get("media_url"):
            fields.append(("media_ids[]", self.upload_media(instance, payload.content)))
        if self.settings.get("visibility"):
            fields.append(("visibility", self.settings["visibility"]))
        if self.settings.get("language"):
            fields.append(("language", self.settings["language"]))
        spoiler = self.settings.get("spoiler_text") or (
            payload.content.get("title", "") if self.settings.get("title_as_spoiler") else ""
        )
        if spoiler:
            fields.append(("spoiler_text", spoiler))
        request = self._request(
            f"{instance}/api/v1/statuses",
            data=urllib.parse.urlencode(fields).encode(),
            content_type="application/x-www-form-urlencoded",
        )
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
