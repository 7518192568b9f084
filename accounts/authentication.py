"""`Authorization: Token <key>` for the API, against accounts.ApiToken (see accounts.tokens)."""

from rest_framework import authentication, exceptions

from core.throttling import count_failed_authentication

from . import tokens

_REFUSALS = {
    "unknown": "Invalid token.",
    "expired": "The token has expired. Sign in again.",
    "inactive": "This account is deactivated.",
    "rebound": "The token was revoked: the account's password or roles changed. Sign in again.",
}


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing and `WWW-Authenticate: Token`, with Clearpost's tokens.

    A refused token is `401` (`authentication_failed`), except the valid token of someone who
    must use two-factor authentication and signed in without a code: `403` `otp_required`.
    Every other refused key counts toward the address's anonymous rate (core.throttling), so
    that guessing keys is throttled like any other anonymous traffic.
    """

    keyword = "Token"

    def authenticate_credentials(self, key):
        result = tokens.check(key)
        if result.token is not None:
            return (result.token.user, result.token)
        if result.refusal == "otp_required":
            raise exceptions.PermissionDenied(
                "Two-factor authentication is required: this token was issued without a one-time code. "
                "Request a new one with `otp`.",
                code="otp_required",
            )
        count_failed_authentication(self.request)
        raise exceptions.AuthenticationFailed(_REFUSALS[result.refusal])

    def authenticate(self, request):
        self.request = request
        return super().authenticate(request)
