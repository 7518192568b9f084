"""Sign-in events come from django.contrib.auth's signals; these handlers only record them."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import signals as account_signals

from .actions import record


@receiver(user_logged_in, dispatch_uid="audit_login_succeeded")
def record_login(sender, request, user, **kwargs):
    record("accounts.login.succeeded", actor=user, target=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        record("accounts.logout", actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Credentials arrive with the password already masked by Django; keep only the name tried.
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")[:150]
    record("accounts.login.failed", actor=None, target_type="accounts.user", data={"username": username})


# --- Sign-in protection and account changes (accounts.signals, django-axes) ----------------
# accounts sits below audit: it sends these signals from its actions, inside their transaction.


@receiver(user_locked_out, dispatch_uid="audit_login_locked_out")
def record_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    # Sent by axes when a failure reaches the limit, and again for each attempt refused while locked.
    record(
        "accounts.login.locked_out",
        actor=None,
        target_type="accounts.user",
        data={"username": str(username or "")[:150], "ip_address": ip_address or ""},
    )


@receiver(account_signals.password_changed, dispatch_uid="audit_password_changed")
def record_password_changed(sender, user, tokens_revoked=0, **kwargs):
    record("accounts.password.changed", actor=user, target=user, data={"tokens_revoked": tokens_revoked})


@receiver(account_signals.password_check_failed, dispatch_uid="audit_password_check_failed")
def record_password_check_failed(sender, user, **kwargs):
    record("accounts.password.wrong_current", actor=user, target=user)


@receiver(account_signals.otp_device_confirmed, dispatch_uid="audit_otp_device_confirmed")
def record_otp_device_confirmed(sender, user, device, **kwargs):
    record("accounts.otp.device_confirmed", actor=user, target=user, data={"device": device.persistent_id})


@receiver(account_signals.otp_verified, dispatch_uid="audit_otp_verified")
def record_otp_verified(sender, user, device, **kwargs):
    record("accounts.otp.verified", actor=user, target=user, data={"device": device.persistent_id})


@receiver(account_signals.otp_verification_failed, dispatch_uid="audit_otp_verification_failed")
def record_otp_verification_failed(sender, user, device, throttled=False, **kwargs):
    record(
        "accounts.otp.verification_failed",
        actor=user,
        target=user,
        data={"device": device.persistent_id, "throttled": throttled},
    )


@receiver(account_signals.backup_codes_generated, dispatch_uid="audit_backup_codes_generated")
def record_backup_codes_generated(sender, user, device, count, voided=0, **kwargs):
    # How many, never which: a code in the audit log would be a way in for whoever reads it.
    record(
        "accounts.backup_codes.generated",
        actor=user,
        target=user,
        data={"device": device.persistent_id, "count": count, "voided": voided},
    )


@receiver(account_signals.backup_code_used, dispatch_uid="audit_backup_code_used")
def record_backup_code_used(sender, user, device, remaining, **kwargs):
    record(
        "accounts.backup_code.used",
        actor=user,
        target=user,
        data={"device": device.persistent_id, "remaining": remaining},
    )


@receiver(account_signals.api_tokens_revoked, dispatch_uid="audit_api_tokens_revoked")
def record_api_tokens_revoked(sender, user, count, reason, actor=None, **kwargs):
    # A consequence of a change to the account (the change itself is recorded by whoever made it;
    # actor None), or the owner signing out their API clients (actor: the owner).
    record("accounts.api_tokens.revoked", actor=actor, target=user, data={"count": count, "reason": reason})


# --- Accounts administered by someone else (accounts.actions, from the admin) ----------------


@receiver(account_signals.account_created, dispatch_uid="audit_account_created")
def record_account_created(sender, user, actor, fields, usable_password, **kwargs):
    record(
        "accounts.user.create",
        actor=actor,
        target=user,
        data={"after": fields, "usable_password": usable_password},
    )


@receiver(account_signals.account_updated, dispatch_uid="audit_account_updated")
def record_account_updated(sender, user, actor, before, after, **kwargs):
    record("accounts.user.update", actor=actor, target=user, data={"before": before, "after": after})


@receiver(account_signals.account_activation_changed, dispatch_uid="audit_account_activation_changed")
def record_account_activation_changed(sender, user, actor, active, **kwargs):
    record(f"accounts.user.{'activate' if active else 'deactivate'}", actor=actor, target=user)


@receiver(account_signals.password_set_by_admin, dispatch_uid="audit_password_set_by_admin")
def record_password_set_by_admin(sender, user, actor, usable, **kwargs):
    # Whether a password was set or password sign-in turned off; never the password or its hash.
    record("accounts.password.set_by_admin", actor=actor, target=user, data={"usable": usable})


@receiver(account_signals.otp_device_removed, dispatch_uid="audit_otp_device_removed")
def record_otp_device_removed(sender, user, actor, device, **kwargs):
    record("accounts.otp.device_removed", actor=actor, target=user, data={"device": device})


@receiver(account_signals.certification_saved, dispatch_uid="audit_certification_saved")
def record_certification_saved(sender, certification, actor, created, before, after, **kwargs):
    record(
        f"accounts.certification.{'record' if created else 'update'}",
        actor=actor,
        target=certification,
        data={
            "user": certification.user.get_username(),
            "user_id": certification.user_id,
            **({"before": before} if before else {}),
            "after": after,
        },
    )
