"""The connectors' outbound HTTP, on top of `core.outbound` (the one guarded client): public
addresses only, checked on every address the host resolves to before connecting, no proxy from
the environment, same-host redirects only and never down to http, no credential after a
redirect, bounded answers.

- `send(method, url, ...)`: a call to a platform's API or a webhook receiver, its failures
  classified (`Retryable`, `Permanent`). Redirects are not followed: an API that redirects a
  POST is misconfigured, and following it would carry the credential elsewhere.
- `fetch_media(url)`: a post's image, fetched from its approved address (same-host redirects
  followed), within a size and a time limit.
- `multipart_form(...)`: the body of an upload (RFC 7578).

What a failure says is written here, never copied from the platform: the status code and its
standard phrase, or one neutral "could not reach". The platform's own error text goes to the
worker's log (bounded), not to the post's `status_reason` or the job's `last_error`, which
authors, reviewers and the API see.
"""

import http
import logging
import mimetypes
import posixpath
import re
import secrets
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

from core import outbound

from .base import Permanent, Retryable, error_detail, retry_after

logger = logging.getLogger(__name__)

USER_AGENT = outbound.USER_AGENT

# Fixed words for an error answer, after its status code (nothing the platform wrote).
_MEANING = {
    400: "the request was refused",
    401: "the credential is invalid or expired",
    403: "access was refused",
    404: "the address was not found",
    409: "the request conflicts with the platform's state",
    413: "the request is too large",
    422: "the content was refused",
    429: "too many requests; retried later",
}


def status_words(code: int) -> str:
    """ "403 Forbidden: access was refused" — the code, its standard phrase and a fixed meaning."""
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    meaning = _MEANING.get(code) or ("the platform had an error" if code >= 500 else "")
    return f"{code} {phrase}: {meaning}" if meaning else f"{code} {phrase}"


def _log_answer(url: str, status: int, body: bytes) -> None:
    """The platform's own words, for the operators (the worker's log), bounded and quoted."""
    detail = error_detail(body[:500].decode("utf-8", "replace"))
    logger.warning("%s answered %s: %r", urllib.parse.urlsplit(url).hostname, status, detail[:200])


# --- Platform calls ------------------------------------------------------------------------


def send(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    refused: str = "The platform answered {code}.",
) -> tuple[int, dict, bytes]:
    """Send one request; classify failures. Returns (status, headers, body) for 2xx. `refused`
    words an error answer from its `code` (e.g. "Mastodon refused the media: {code}."), which
    is the status code and fixed words (`status_words`), never the platform's text."""
    timeout = settings.PUBLISHING_TIMEOUT_SECONDS
    try:
        answer = outbound.request(method, url, headers=headers, body=body, timeout=timeout)
    except outbound.AddressRefused as exc:
        raise Permanent(f"Not sent: {exc.reason}") from exc
    except outbound.NoAnswer as exc:
        raise Retryable(f"No answer within {timeout:g} s.") from exc
    except outbound.TooLarge as exc:
        raise Retryable("The platform's answer was larger than allowed.") from exc
    except outbound.OutboundError as exc:  # unreachable: one neutral message, whatever the cause
        raise Retryable("Could not reach the platform.") from exc
    if 200 <= answer.status < 300:
        return answer.status, dict(answer.headers), answer.body
    _log_answer(url, answer.status, answer.body)
    if 300 <= answer.status < 400:
        raise Permanent(f"{answer.status} from the platform: a redirect, not followed (the address may be wrong).")
    message = refused.format(code=status_words(answer.status))
    if answer.status == 429 or answer.status >= 500:
        raise Retryable(message, retry_after=retry_after(answer.headers.get("Retry-After")))
    raise Permanent(message)


# --- Media: a post's image, fetched from its approved address -----------------------------


@dataclass(frozen=True)
class Media:
    data: bytes
    content_type: str
    filename: str


def _media_filename(url: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", posixpath.basename(urllib.parse.urlsplit(url).path))[-100:]
    return name.strip("._") or "media"


def fetch_media(url: str) -> Media:
    """The bytes at a post's media address, as approved. Temporary trouble (timeouts, 429, 5xx,
    an unreachable host) is `Retryable`; an address that is not http(s), not public, not found
    (4xx), that redirects elsewhere, or larger than PUBLISHING_MEDIA_MAX_BYTES is `Permanent`."""
    shown = url[:200]
    limit = settings.PUBLISHING_MEDIA_MAX_BYTES
    too_large = f"The image at {shown} is larger than the {limit / 1024 / 1024:g} MB allowed."
    try:
        answer = outbound.request(
            "GET",
            url,
            timeout=settings.PUBLISHING_TIMEOUT_SECONDS,
            follow_redirects=True,
            max_bytes=limit,
            total_seconds=settings.PUBLISHING_MEDIA_FETCH_SECONDS,
        )
    except outbound.AddressRefused as exc:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise Permanent(f"The image address must be an http(s) URL, not {shown!r}.") from exc
        raise Permanent(f"The image at {shown} was not fetched: {exc.reason}") from exc
    except outbound.RedirectRefused as exc:
        raise Permanent(f"The image at {shown} was not fetched: {exc.reason}") from exc
    except outbound.TooLarge as exc:
        if exc.declared is not None:  # refused before reading it
            raise Permanent(f"{too_large[:-1]}: it is {exc.declared / 1024 / 1024:.1f} MB.") from exc
        raise Permanent(too_large) from exc
    except outbound.NoAnswer as exc:
        raise Retryable(
            f"The image at {shown}: no answer within {settings.PUBLISHING_TIMEOUT_SECONDS:g} s "
            f"(or longer than {settings.PUBLISHING_MEDIA_FETCH_SECONDS:g} s to fetch)."
        ) from exc
    except outbound.OutboundError as exc:
        raise Retryable(f"The image at {shown} could not be fetched: {exc.reason}") from exc
    if not 200 <= answer.status < 300:
        message = f"The image at {shown} could not be fetched: {status_words(answer.status)}."
        if answer.status == 429 or answer.status >= 500:
            raise Retryable(message, retry_after=retry_after(answer.headers.get("Retry-After")))
        raise Permanent(message)
    content_type = (
        answer.headers.get_content_type()
        if answer.headers.get("Content-Type")
        else mimetypes.guess_type(urllib.parse.urlsplit(answer.url).path)[0] or ""
    )
    # It goes into the upload's part header: a plain type/subtype or nothing.
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", content_type, flags=re.ASCII):
        content_type = "application/octet-stream"
    return Media(data=answer.body, content_type=content_type, filename=_media_filename(answer.url))


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
