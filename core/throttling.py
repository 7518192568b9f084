"""API rate limits: per signed-in user (API_THROTTLE_USER) and per client address for everyone
else (API_THROTTLE_ANON), counted in the default cache — Redis in production (CACHE_URL), so that
every web process shares one count.

DRF's own throttles keep a list of timestamps per client and rewrite it on every request: a
read-modify-write that concurrent processes race on (each losing the others' requests) and that
grows with the rate. These count in fixed windows with the cache's atomic `add`/`incr` instead:
one small integer per client and window, exact across processes. A client may therefore send
up to twice the rate across a window boundary, never more. An answer over the rate is `429`
`{"detail", "code": "throttled"}` with `Retry-After` (the seconds until the window ends).

A cache that does not answer lets requests through (and logs it): the rate limit protects
availability, and must not take the API down with it.
"""

import logging
import math

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions, throttling

logger = logging.getLogger(__name__)


class _FixedWindowThrottle(throttling.SimpleRateThrottle):
    setting = ""

    def get_rate(self):
        """Read at each request from Django's settings (`"600/min"`; empty or `none`: no limit)."""
        rate = (getattr(settings, self.setting, "") or "").strip()
        return None if rate.lower() in ("", "none") else rate

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        return self.count(ident)

    def count(self, ident: str) -> bool:
        """Count one request of `ident` in the current window; False when it is over the rate."""
        now = self.timer()
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        key = f"{ident}:{window}"
        try:
            cache.add(key, 0, timeout=self.duration + 1)
            try:
                requests = cache.incr(key)
            except ValueError:  # the window's key expired between add and incr
                cache.add(key, 1, timeout=self.duration + 1)
                requests = 1
        except Exception:  # a cache that is down or unreachable: let the request through
            logger.warning("API rate limit not applied: the cache did not answer.", exc_info=True)
            return True
        return requests <= self.num_requests

    def wait(self):
        return max(1, math.ceil(self.retry_after))


class UserRateThrottle(_FixedWindowThrottle):
    """API_THROTTLE_USER requests per signed-in user (token or session), from any address."""

    scope = "user"
    setting = "API_THROTTLE_USER"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonRateThrottle(_FixedWindowThrottle):
    """API_THROTTLE_ANON requests per client address from anyone not signed in (the token
    endpoint, and every refused token). The address is REMOTE_ADDR, which config.proxy has
    already replaced by the client's behind TRUSTED_PROXY_COUNT proxies (DRF's NUM_PROXIES is 0
    so that a client's own X-Forwarded-For is never the key)."""

    scope = "anon"
    setting = "API_THROTTLE_ANON"

    def address_key(self, request) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.address_key(request)


def count_failed_authentication(request) -> None:
    """A request whose credentials were refused counts toward its address's anonymous rate (DRF
    authenticates before it throttles: without this, guessing tokens would never be throttled).
    Raises `Throttled` once the address is over the rate."""
    throttle = AnonRateThrottle()
    if throttle.rate is not None and not throttle.count(throttle.address_key(request)):
        raise exceptions.Throttled(throttle.wait())
