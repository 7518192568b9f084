"""The connectors' outbound HTTP: every request a connector makes goes through this module.

- `send(request)`: a call to a platform's API or a webhook receiver, its failures classified
  (`Retryable`, `Permanent`). It opens the request in `_open`, the one place that decides how
  such a call connects: today urllib's default opener (any address, redirects as urllib
  follows them). Making every connector call public-only is a change to `_open` alone.
- `fetch_media(url)`: a post's image, fetched from its approved address through the guarded
  opener (`_media_opener`): http(s) only, public addresses only (checked on the address
  actually connected to, before TLS or the request), no proxy from the environment, no
  redirect to another scheme, a size and a time limit.
- `multipart_form(...)`: the body of an upload (RFC 7578).
"""

import http.client
import ipaddress
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

from django.conf import settings

from .base import Permanent, Retryable, error_detail, retry_after

USER_AGENT = "Clearpost/1.0 (+https://github.com/clearpost)"


# --- Platform calls ------------------------------------------------------------------------


def send(
    request: urllib.request.Request, *, refused: str = "{code} from the platform: {detail}"
) -> tuple[int, dict, bytes]:
    """Send `request`; classify failures. Returns (status, headers, body) for 2xx. `refused`
    words an error answer (`code`, `detail`), e.g. "Mastodon refused the media: {code} {detail}"."""
    request.add_header("User-Agent", USER_AGENT)
    if urllib.parse.urlsplit(request.full_url).scheme not in ("http", "https"):
        raise Permanent(f"The connector's address must be an http(s) URL, not {request.full_url[:100]!r}.")
    try:
        with _open(request, timeout=settings.PUBLISHING_TIMEOUT_SECONDS) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:500].decode("utf-8", "replace")
        detail = error_detail(body) or exc.reason
        message = refused.format(code=exc.code, detail=detail)
        if exc.code == 429 or exc.code >= 500:
            raise Retryable(message, retry_after=retry_after(exc.headers.get("Retry-After"))) from exc
        raise Permanent(message) from exc
    except TimeoutError as exc:
        raise Retryable(f"No answer within {settings.PUBLISHING_TIMEOUT_SECONDS:g} s.") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Retryable(f"No answer within {settings.PUBLISHING_TIMEOUT_SECONDS:g} s.") from exc
        raise Retryable(f"Could not reach the platform: {exc.reason}") from exc
    except (ConnectionError, OSError) as exc:
        raise Retryable(f"Could not reach the platform: {exc}") from exc


def _open(request: urllib.request.Request, *, timeout: float):
    """Where every platform call connects. urllib's default opener: the address is not checked
    (unlike `fetch_media`'s), proxies come from the environment, redirects are followed."""
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310  # nosec B310 - http(s) only, checked by send()


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
            raise Retryable(message, retry_after=retry_after(exc.headers.get("Retry-After"))) from exc
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


# --- Uploads ---------------------------------------------------------------------------------


def multipart_form(fields: dict[str, str], *, file_field: str, media: Media) -> tuple[bytes, str]:
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
