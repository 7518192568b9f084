"""Who must use two-factor authentication, and checking their one-time codes: the authenticator
app's (django-otp TOTP) or, when the phone is lost, one of the person's single-use backup codes
(django-otp static tokens)."""

from dataclasses import dataclass
from datetime import datetime

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import roles
from .signals import backup_code_used, otp_verification_failed, otp_verified

# Roles that can approve, publish, read the audit log or take over in a crisis.
ROLES_REQUIRING_2FA = (roles.REVIEWER, roles.COMPLIANCE_OFFICER, roles.CRISIS_TEAM, roles.PORTAL_ADMIN)
# Backup codes made at a time, and from how few left on the person is told to make new ones.
BACKUP_CODE_COUNT = 10
FEW_BACKUP_CODES_LEFT = 2


def two_factor_required(user) -> bool:
    """Whether `user` must confirm a one-time code after the password (REQUIRE_2FA on and a sensitive role)."""
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=ROLES_REQUIRING_2FA).exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_code_device(user) -> StaticDevice | None:
    """The device holding `user`'s backup codes (one per person, made with the first codes)."""
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user) -> int:
    """How many unused backup codes `user` has (one query)."""
    left = (
        StaticDevice.objects.filter(user=user, confirmed=True)
        .order_by("pk")
        .annotate(left=Count("token_set"))
        .values_list("left", flat=True)
        .first()
    )
    return left or 0


def normalize_code(code: str) -> str:
    """A code as typed or pasted: spaces and dashes dropped, backup codes in lower case."""
    return (code or "").strip().replace(" ", "").replace("-", "").lower()


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    device: Device | None = None
    # After a wrong code: no code is checked before this moment.
    retry_at: datetime | None = None
    # The code was not even looked at: an earlier wrong code's wait was not over.
    throttled: bool = False
    # A backup code was accepted (and so used up): how many are left.
    backup_codes_left: int | None = None

    @property
    def retry_after_seconds(self) -> int:
        if self.retry_at is None:
            return 0
        return max(1, int((self.retry_at - timezone.now()).total_seconds()) + 1)


def check_code(user, device: TOTPDevice | StaticDevice, code: str) -> CodeCheck:
    """Check `code` against `device` (locked for the check: throttling counts every attempt).

    A wrong code makes the next attempt wait 1, 2, 4 … seconds (django-otp's throttling); an
    attempt during that wait is refused without looking at the code. Both are audited
    (`accounts.otp.verification_failed`), a success too: `accounts.otp.verified`, or for a
    backup code (which django-otp deletes as it accepts it) `accounts.backup_code.used`.
    """
    model = type(device)
    with transaction.atomic():
        device = model.objects.select_for_update().get(pk=device.pk, user=user)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            otp_verification_failed.send(sender=model, user=user, device=device, throttled=True)
            return CodeCheck(False, device, retry_at=(info or {}).get("locked_until"), throttled=True)
        if device.verify_token(normalize_code(code)):
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                backup_code_used.send(sender=model, user=user, device=device, remaining=left)
                return CodeCheck(True, device, backup_codes_left=left)
            otp_verified.send(sender=model, user=user, device=device)
            return CodeCheck(True, device)
        otp_verification_failed.send(sender=model, user=user, device=device, throttled=False)
        _, info = device.verify_is_allowed()
        return CodeCheck(False, device, retry_at=(info or {}).get("locked_until"))


def check_sign_in_code(user, device: TOTPDevice, code: str) -> CodeCheck:
    """The second sign-in step: `code` is the current code of `user`'s authenticator app
    (`device`, confirmed) or one of their backup codes.

    The code's shape picks the device it is checked against, as django-otp advises (its
    `match_token`, which tries every device, does not go well with throttling): the app's
    codes are `device.digits` digits, backup codes 8 letters and digits. Each device is
    throttled on its own, so a person whose app codes were wrong can still use a backup code.
    """
    normalized = normalize_code(code)
    if not (normalized.isdigit() and len(normalized) == device.digits):
        backup = backup_code_device(user)
        if backup is not None:
            return check_code(user, backup, normalized)
    return check_code(user, device, normalized)


def mark_session_verified(request, device: TOTPDevice) -> None:
    """The session has passed the second factor (django-otp keeps the device id in it)."""
    django_otp.login(request, device)
