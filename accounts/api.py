"""API sign-in: exchange a username and password (and, where required, a one-time code) for a token, or revoke it."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tokens
from .lockout import LockedOut
from .two_factor import check_sign_in_code, confirmed_device, two_factor_required


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=12,
        required=False,
        help_text="The current code of the user's authenticator app, or one of their single-use backup codes "
        "(used up by this request); required when two-factor authentication applies to the user "
        "(REQUIRE_2FA on, a reviewer, compliance, crisis or admin role).",
    )


class OtpThrottled(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "otp_throttled"

    def __init__(self, wait: int):
        super().__init__(f"Too many wrong codes. Wait {wait} seconds, then send the current code.", "otp_throttled")
        self.wait = wait


_ERROR = inline_serializer("TokenError", {"detail": serializers.CharField(), "code": serializers.CharField()})


@extend_schema(tags=["accounts"])
class TokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenInput,
        responses={
            200: inline_serializer(
                "TokenOutput",
                {"token": serializers.CharField(help_text="Shown once: Clearpost keeps only its digest.")},
            ),
            400: OpenApiResponse(
                inline_serializer(
                    "TokenValidationError",
                    {
                        "detail": serializers.CharField(),
                        "code": serializers.CharField(),
                        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
                    },
                ),
                description="Missing fields, or a wrong username or password (`errors.non_field_errors`).",
            ),
            403: OpenApiResponse(
                _ERROR,
                description="Two-factor authentication applies to this user: `otp_required` (no `otp` sent, or no "
                "authenticator set up yet: set it up in the browser) or `otp_invalid` (wrong code).",
            ),
            429: OpenApiResponse(
                _ERROR,
                description="`locked_out`: too many failed sign-ins for this username or from this address; "
                "sign-in is refused (even with the right password) until the cool-off ends (`Retry-After`). "
                "`otp_throttled`: a wrong code was sent too recently.",
            ),
        },
        auth=[],
    )
    def post(self, request):
        """Sign in. Success and failure are audit events, as for the sign-in page.

        After AXES_FAILURE_LIMIT failures (5 by default) for a username, or from an address,
        within the cool-off (15 minutes by default), the endpoint answers **429**
        `{"detail", "code": "locked_out"}` with `Retry-After`, whatever the password; the
        lockout is audited (`accounts.login.locked_out`). Users who must use two-factor
        authentication also send `otp`, the current code of their authenticator app or one of
        their backup codes (each works once; its use is audited as `accounts.backup_code.used`).

        Each sign-in makes a new token, shown only in this answer (Clearpost keeps its SHA-256
        digest). It expires after API_TOKEN_TTL (12 hours by default), and ends when the user's
        password, roles or active flag change (`401`; sign in again). A token issued without a
        code to someone who now needs two-factor authentication answers `403` `otp_required`.
        """
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = {k: data.validated_data[k] for k in ("username", "password")}
        user = authenticate(request, **credentials)  # a failure fires user_login_failed (audit, axes)
        if getattr(request, "axes_locked_out", False):
            raise LockedOut(request)
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to sign in with these credentials."]}, code="invalid_credentials"
            )
        second_factor = two_factor_required(user)
        if second_factor:
            self.check_second_factor(user, data.validated_data.get("otp", ""))
        key, _ = tokens.issue(user, second_factor=second_factor)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": key})

    @staticmethod
    def check_second_factor(user, code: str) -> None:
        device = confirmed_device(user)
        if device is None:
            raise PermissionDenied(
                "Two-factor authentication is required: set up an authenticator app by signing in with a browser.",
                code="otp_required",
            )
        if not code:
            raise PermissionDenied("Two-factor authentication is required: send `otp`.", code="otp_required")
        check = check_sign_in_code(user, device, code)
        if check.throttled:
            raise OtpThrottled(check.retry_after_seconds)
        if not check.ok:
            raise PermissionDenied("The one-time code is not valid.", code="otp_invalid")


@extend_schema(tags=["accounts"])
class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        """Revoke the caller's tokens (sign out of every API client). Audited as
        `accounts.api_tokens.revoked`."""
        tokens.revoke_all(request.user, reason="signed_out", actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
