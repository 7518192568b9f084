"""Session expiry and the two-factor gate."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from .two_factor import two_factor_required

# Unix times kept in the session: when the user signed in, and when a request last came.
SIGNED_IN_AT = "clearpost_signed_in_at"
SEEN_AT = "clearpost_seen_at"
# The last-seen time is written at most this often: a session save per request costs a query.
TOUCH_EVERY_SECONDS = 60


def stamp_session(request, **kwargs) -> None:
    """On sign-in (user_logged_in): the session starts now. API token sign-ins have no session."""
    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY in session:
        session[SIGNED_IN_AT] = session[SEEN_AT] = int(time.time())


class SessionExpiryMiddleware:
    """Ends a session idle for SESSION_IDLE_TIMEOUT_SECONDS, or older than SESSION_COOKIE_AGE.

    The cookie age alone would slide with every session save; the sign-in time kept in the
    session makes it an absolute limit. The request then goes on signed out: pages send it
    to the sign-in page, the API answers 401/403.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            self.check(request, session)
        return self.get_response(request)

    def check(self, request, session) -> None:
        now = int(time.time())
        seen_at, signed_in_at = session.get(SEEN_AT), session.get(SIGNED_IN_AT)
        idle = seen_at is not None and now - seen_at > settings.SESSION_IDLE_TIMEOUT_SECONDS
        too_old = signed_in_at is not None and now - signed_in_at > settings.SESSION_COOKIE_AGE
        if idle or too_old:
            logout(request)
            messages.info(
                request,
                f"You were signed out after {settings.SESSION_IDLE_TIMEOUT_SECONDS // 60} minutes without activity."
                if idle
                else "Your session has ended. Please sign in again.",
            )
            return
        if seen_at is None or now - seen_at >= TOUCH_EVERY_SECONDS:
            session[SEEN_AT] = now
            session.setdefault(SIGNED_IN_AT, now)


class TwoFactorMiddleware:
    """With REQUIRE_2FA on, a user who must use two-factor authentication and has not yet
    entered a code in this session reaches only the two-factor pages and sign-out: other
    pages redirect to setup (no device yet) or verification; session API calls answer 403
    `{"code": "otp_required"}`. API tokens are given out only against a code (accounts/api.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_2FA and SESSION_KEY in getattr(request, "session", {}):
            blocked = self.gate(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    @staticmethod
    def open_paths() -> tuple[str, ...]:
        return (
            reverse("accounts:two-factor-setup"),
            reverse("accounts:two-factor-verify"),
            reverse("accounts:logout"),
            reverse("accounts:login"),
            reverse("api:token"),
            "/favicon.ico",
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
        )

    def gate(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified() or not two_factor_required(user):
            return None
        request.two_factor_pending = True  # the pages show no navigation until the code is in
        if request.path.startswith(self.open_paths()):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Enter a two-factor code in the browser first.", "code": "otp_required"}, status=403
            )
        target = f"{reverse('accounts:two-factor-verify')}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)  # htmx follows this with a full page load
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
