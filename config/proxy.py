"""The client's address behind trusted reverse proxies.

Sign-in lockout (django-axes) and the audit log key on `REMOTE_ADDR`. Behind a proxy that is
the proxy's address: every client would share one lockout counter and one audit IP. With
`TRUSTED_PROXY_COUNT = n`, the n proxies in front of Clearpost each append the address they
received from to `X-Forwarded-For`; the n-th entry from the right is the client as the
outermost trusted proxy saw it. Entries further left were written by the client and are
never trusted. Without the setting (0) nothing changes.
"""

import ipaddress

from django.conf import settings


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if count := settings.TRUSTED_PROXY_COUNT:
            request.META["REMOTE_ADDR"] = client_address(request.META, count)
        return self.get_response(request)


def client_address(meta: dict, count: int) -> str:
    """The address `count` hops in from the right of X-Forwarded-For; REMOTE_ADDR when the
    header has fewer entries (a request that did not come through every proxy) or a bad one."""
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return meta.get("REMOTE_ADDR", "")
    candidate = hops[-count]
    try:
        return ipaddress.ip_address(candidate).compressed
    except ValueError:
        return meta.get("REMOTE_ADDR", "")
