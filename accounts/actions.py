"""Account actions: the only code that changes a password or a two-factor device.

`accounts` sits below `audit`, so each action sends a signal (accounts.signals) that the
audit app records inside the action's transaction.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import tokens
from .signals import backup_codes_generated, otp_device_confirmed, password_changed
from .two_factor import BACKUP_CODE_COUNT, CodeCheck, check_code


def change_password(user, *, new_password: str) -> None:
    """Set `user`'s password (validated by the caller's form against AUTH_PASSWORD_VALIDATORS).

    Called by the user themself from the password page. Revokes every API token of the user;
    their other browser sessions end at their next request, because Django checks each
    session against a hash of the password. Audited as `accounts.password.changed`.
    """
    with transaction.atomic():
        # Counted in this action's own event; the save would revoke them anyway (accounts.tokens).
        tokens_revoked = tokens.revoke_all(user, reason="password_changed", announce=False)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        password_changed.send(sender=user.__class__, user=user, tokens_revoked=tokens_revoked)
    password_validation.password_changed(new_password, user)


def start_totp_setup(user) -> TOTPDevice:
    """The unconfirmed TOTP device `user` is setting up (made once, reused on reload)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        return device


def confirm_totp_device(device: TOTPDevice, *, actor, code: str) -> CodeCheck:
    """Confirm `actor`'s new TOTP device with a first code from their app.

    Only the device's owner confirms it. A wrong code is throttled and audited like any
    other; a right one confirms the device (`accounts.otp.device_confirmed`) and drops the
    owner's other unconfirmed devices. Returns the code check (`.ok`: now confirmed).
    """
    if device.user_id != actor.pk:
        raise PermissionDenied("A two-factor device is confirmed by its owner only.")
    check = check_code(actor, device, code)
    if not check.ok:
        return check
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=actor, confirmed=False).exclude(pk=device.pk).delete()
        otp_device_confirmed.send(sender=TOTPDevice, user=actor, device=device)
    return check


def generate_backup_codes(user, *, actor) -> list[str]:
    """Make `user`'s BACKUP_CODE_COUNT single-use backup codes, voiding any earlier ones.

    Called by the person themself: when they confirm their authenticator app, and from the
    backup codes page (after re-entering their password). The codes are kept as django-otp
    keeps them (static tokens of the person's one StaticDevice, deleted as they are used) and
    returned to be shown once. Renewing them keeps the device, so the session signed in with
    an earlier code stays verified, and clears its throttling. Audited as
    `accounts.backup_codes.generated` with how many were made and voided, never a code.
    """
    if user.pk != actor.pk:
        raise PermissionDenied("Backup codes are made by their owner only.")
    with transaction.atomic():
        device = StaticDevice.objects.select_for_update().filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
        voided, _ = StaticToken.objects.filter(device=device).delete()
        codes: list[str] = []
        while len(codes) < BACKUP_CODE_COUNT:
            code = StaticToken.random_token()
            if code not in codes:
                codes.append(code)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        device.confirmed = True
        device.throttle_reset(commit=False)
        device.save(update_fields=["confirmed", "throttling_failure_timestamp", "throttling_failure_count"])
        backup_codes_generated.send(sender=StaticDevice, user=user, device=device, count=len(codes), voided=voided)
    return codes
