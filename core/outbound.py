"""The one outbound HTTP client: every request Clearpost makes to another server goes through
`request()` — the connectors' platform calls, a post's image fetched for upload, the audit
checkpoints POSTed to AUDIT_CHECKPOINT_URL.

What it guarantees, whoever calls it:

- http(s) only; no user name or password in the address.
- Public addresses only. The host is resolved once, *every* address it resolves to is
  checked, and the connection is made to a checked address (never a second lookup that a DNS
  answer could change in between). A host with any non-public address is refused before any
  TCP connection is made, whatever its spelling: `localhost`, `127.1`, `0x7f000001`,
  `2130706433`, `[::1]`, `[::ffff:127.0.0.1]`, `0.0.0.0`, link-local and metadata addresses
  (169.254.169.254), private and carrier-grade NAT ranges, IPv6 unique-local, and IPv6
  addresses that embed an IPv4 one (mapped, NAT64 `64:ff9b::/96`, 6to4) are judged by the
  IPv4 address they carry. `allow_private=True` (a development switch, or an operator's own
  storage) lifts this check and nothing else.
- No proxy from the environment (`HTTP_PROXY` and friends are not read): the address checked
  is the one connected to. TLS certificates are verified against the host name.
- Redirects are followed only when the caller asks (`follow_redirects`, for GET), at most
  `MAX_REDIRECTS`, each to the same host (and port) and never from https down to http; each
  hop goes through the same address check; credential headers (`Authorization`, `Cookie`, …)
  are never sent after a redirect.
- Errors are one of a few fixed, neutral messages (`OutboundError.reason`): a connection that
  fails or times out is "could not reach", whether the port is closed, filtered or the host
  unknown, so that the message is no port scanner. Bodies are bounded (`max_bytes`).

The answer is returned for every status (`Response`); the caller decides what a 4xx means.
"""

import http.client
import ipaddress
import socket
import time
import urllib.parse
from dataclasses import dataclass
from email.message import Message

from django.conf import settings

USER_AGENT = "Clearpost/1.0 (+https://github.com/clearpost)"
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Never sent to the target of a redirect (compared lower-case).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
DEFAULT_MAX_BYTES = 1024 * 1024


class OutboundError(Exception):
    """A request that did not get an answer. `reason` is a fixed, neutral sentence, safe to
    show to a user (no address, no port state, nothing the remote side wrote)."""

    reason = "The request could not be made."

    def __init__(self, reason: str | None = None):
        super().__init__(reason or self.reason)
        if reason:
            self.reason = reason


class AddressRefused(OutboundError):
    """The address is not an http(s) URL, or its host is (or resolves to) a non-public address."""

    reason = "The address is not allowed: it is not a public http(s) address."


class RedirectRefused(OutboundError):
    """The server redirected to another host, from https to http, or too many times."""

    reason = "The server redirected to another host or to plain http; the redirect was not followed."


class Unreachable(OutboundError):
    """No connection (unknown host, refused, filtered, reset, timed out while connecting, TLS)."""

    reason = "Could not reach the server."


class NoAnswer(OutboundError):
    """Connected, but no (complete) answer within the time allowed."""

    reason = "The server did not answer in time."


class TooLarge(OutboundError):
    """The answer is larger than `max_bytes` (`declared`: its Content-Length, when it said so)."""

    reason = "The answer is larger than allowed."

    def __init__(self, reason: str | None = None, *, declared: int | None = None):
        super().__init__(reason)
        self.declared = declared


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes
    url: str  # the address finally answered (after redirects)


# --- Which addresses are public -------------------------------------------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the low 32 bits
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public_address(address: str) -> bool:
    """Whether an IP address (as getaddrinfo gives it, an IPv6 zone allowed) is globally
    reachable unicast: not loopback, private, link-local, carrier-grade NAT, unique-local,
    reserved, unspecified or multicast — nor an IPv6 address carrying such an IPv4 one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
        if ip.ipv4_mapped is not None or ip in _NAT64:
            return embedded is not None  # judged by the IPv4 address it carries (checked above)
        if ip.is_site_local:
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback)


def allow_private_default() -> bool:
    """The development switch (OUTBOUND_ALLOW_PRIVATE_ADDRESSES): off unless set, refused by
    `check --deploy` when on with DEBUG off."""
    return bool(getattr(settings, "OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False))


def _connector(allow_private: bool):
    def create_connection(address, timeout=None, source_address=None):
        """Resolve, check every address, connect to a checked one. Refused before any TCP
        connection when one of the host's addresses is not public."""
        host, port = address
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise Unreachable() from exc
        if not infos:
            raise Unreachable()
        if not allow_private and not all(is_public_address(info[4][0]) for info in infos):
            raise AddressRefused()
        for family, type_, proto, _name, sockaddr in infos:
            sock = socket.socket(family, type_, proto)
            try:
                sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError:
                sock.close()
        raise Unreachable()

    return create_connection


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, allow_private: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connector(allow_private)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, allow_private: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connector(allow_private)


# --- Requests ---------------------------------------------------------------------------------


def _parse(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise AddressRefused()
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise AddressRefused() from exc
    return parts


def _origin(parts: urllib.parse.SplitResult) -> tuple[str, int]:
    return (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


def _redirect_allowed(current: urllib.parse.SplitResult, target: urllib.parse.SplitResult) -> bool:
    """Same host only; https never goes down to http; http may go up to https on the same host."""
    if target.scheme == "http" and current.scheme == "https":
        return False
    if (target.hostname or "").lower() != (current.hostname or "").lower():
        return False
    if target.scheme == current.scheme:
        return _origin(target) == _origin(current)
    return target.port in (None, 443)  # http://host → https://host


def _read(response: http.client.HTTPResponse, max_bytes: int, deadline: float | None) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(declared=int(declared))
    chunks, size = [], 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge()
        if deadline is not None and time.monotonic() > deadline:
            raise NoAnswer()
        chunks.append(chunk)
    return b"".join(chunks)


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float,
    follow_redirects: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    total_seconds: float | None = None,
    allow_private: bool | None = None,
) -> Response:
    """Make one request (and follow same-host redirects when asked). Returns the answer,
    whatever its status; raises an `OutboundError` when there is none.

    `timeout` bounds connecting and each read; `total_seconds` the whole body; `max_bytes` its
    size. `allow_private` None reads the development switch."""
    if allow_private is None:
        allow_private = allow_private_default()
    headers = {"User-Agent": USER_AGENT, **(headers or {})}
    deadline = time.monotonic() + total_seconds if total_seconds is not None else None
    parts = _parse(url)
    for _hop in range(MAX_REDIRECTS + 1):
        connection_class = _HTTPSConnection if parts.scheme == "https" else _HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=timeout, allow_private=allow_private)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            connection.request(method, target, body=body, headers=headers)
            answer = connection.getresponse()
            location = answer.headers.get("Location")
            if follow_redirects and answer.status in REDIRECT_STATUSES and location:
                try:
                    next_parts = _parse(urllib.parse.urljoin(url, location.strip()))
                except AddressRefused as exc:
                    raise RedirectRefused() from exc
                if not _redirect_allowed(parts, next_parts):
                    raise RedirectRefused()
                url, parts = next_parts.geturl(), next_parts
                headers = {name: value for name, value in headers.items() if name.lower() not in CREDENTIAL_HEADERS}
                if answer.status == 303 or (answer.status in (301, 302) and method not in ("GET", "HEAD")):
                    method, body = "GET", None
                    headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
                continue
            return Response(answer.status, answer.headers, _read(answer, max_bytes, deadline), url)
        except OutboundError:
            raise
        except http.client.InvalidURL as exc:  # a space or a control character in the address
            raise AddressRefused() from exc
        except ValueError as exc:  # a header value with a line break, a body of the wrong type
            raise OutboundError() from exc
        except TimeoutError as exc:
            # Connecting timed out inside create_connection → Unreachable; here: connected, no answer.
            raise NoAnswer() from exc
        except (http.client.HTTPException, OSError) as exc:
            raise Unreachable() from exc
        finally:
            connection.close()
    raise RedirectRefused("The server redirected too many times; the redirect was not followed.")
