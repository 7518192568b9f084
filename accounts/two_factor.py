"""Who must use two-factor authentication, and checking their one-time codes (django-otp TOTP)."""

from dataclasses import dataclass
from datetime import datetime

import django_otp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import roles
from .signals import otp_verification_failed, otp_verified

# Roles that can approve, publish, read the audit log or take over in a crisis.
ROLES_REQUIRING_2FA = (roles.REVIEWER, roles.COMPLIANCE_OFFICER, roles.CRISIS_TEAM, roles.PORTAL_ADMIN)


def two_factor_required(user) -> bool:
    """Whether `user` must confirm a one-time code after the password (REQUIRE_2FA on and a sensitive role)."""
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=ROLES_REQUIRING_2FA).exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    device: TOTPDevice | None = None
    # After a wrong code: no code is checked before this moment.
    retry_at: datetime | None = None
    # The code was not even looked at: an earlier wrong code's wait was not over.
    throttled: bool = False

    @property
    def retry_after_seconds(self) -> int:
        if self.retry_at is None:
            return 0
        return max(1, int((self.retry_at - timezone.now()).total_seconds()) + 1)


def check_code(user, device: TOTPDevice, code: str) -> CodeCheck:
    """Check `code` against `device` (locked for the check: throttling counts every attempt).

    A wrong code makes the next attempt wait 1, 2, 4 … seconds (django-otp's throttling); an
    attempt during that wait is refused without looking at the code. Both are audited
    (`accounts.otp.verification_failed`), a success too (`accounts.otp.verified`).
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            otp_verification_failed.send(sender=TOTPDevice, user=user, device=device, throttled=True)
            return CodeCheck(False, device, retry_at=(info or {}).get("locked_until"), throttled=True)
        if device.verify_token((code or "").strip().replace(" ", "")):
            otp_verified.send(sender=TOTPDevice, user=user, device=device)
            return CodeCheck(True, device)
        otp_verification_failed.send(sender=TOTPDevice, user=user, device=device, throttled=False)
        _, info = device.verify_is_allowed()
        return CodeCheck(False, device, retry_at=(info or {}).get("locked_until"))


def mark_session_verified(request, device: TOTPDevice) -> None:
    """The session has passed the second factor (django-otp keeps the device id in it)."""
    django_otp.login(request, device)
