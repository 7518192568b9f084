"""Account actions: the only code that changes a password, a two-factor device, an account's
own fields (name, address, staff and superuser status, active or not) or a training
certification.

`accounts` sits below `audit`, so each action sends a signal (accounts.signals) that the
audit app records inside the action's transaction.

Accounts are administered in the Django admin: who may is whoever the admin lets change users
(Django's `accounts.change_user` permission: superusers, in practice), and only a superuser
makes someone staff or superuser. Nobody administers their own account there: their password
has its own page, and nobody raises their own status or locks themselves out. Roles and
department memberships are governance's actions (`assign_role`, `add_department_member`).
"""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import errors

from . import tokens
from .models import TrainingCertification
from .signals import (
    account_activation_changed,
    account_created,
    account_updated,
    backup_codes_generated,
    certification_saved,
    otp_device_confirmed,
    otp_device_removed,
    password_changed,
    password_set_by_admin,
)
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


# --- accounts administered by someone else --------------------------------------------------

# What `create_account` and `update_account` set; `is_active` changes through `set_account_active`.
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "display_name", "is_staff", "is_superuser")
PRIVILEGE_FIELDS = ("is_staff", "is_superuser")
CERTIFICATION_FIELDS = ("course", "completed_at", "expires_at")


def _require(actor, perm: str, user=None, *, what: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise errors.PermissionDenied(f"You may not {what}.")
    if user is not None and user.pk == actor.pk:
        raise errors.PermissionDenied(f"Nobody may {what} for their own account; ask another administrator.")


def require_account_admin(actor, user, *, what: str = "administer this account") -> None:
    """Raise PermissionDenied unless `actor` may administer `user`'s account (not their own)."""
    _require(actor, "accounts.change_user", user, what=what)


def _clean(instance, *, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except DjangoValidationError as exc:
        raise errors.ValidationFailed(errors=getattr(exc, "message_dict", {"__all__": exc.messages})) from exc


def _account(user) -> dict:
    return model_to_dict(user, fields=ACCOUNT_FIELDS)


@transaction.atomic
def create_account(*, actor, username: str, password: str | None, **fields):
    """Create an account; `password=None` makes one that cannot sign in with a password.

    Who: whoever may add users (`accounts.add_user`); staff or superuser status only from a
    superuser. Audited as `accounts.user.create` (its fields, never the password).
    """
    _require(actor, "accounts.add_user", what="create accounts")
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise errors.ValidationFailed(errors={name: ["Unknown field."] for name in unknown})
    if any(fields.get(name) for name in PRIVILEGE_FIELDS) and not actor.is_superuser:
        raise errors.PermissionDenied("Only a superuser makes someone staff or superuser.")
    user = get_user_model()(username=username, **fields)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    _clean(user)
    user.save()
    account_created.send(
        sender=user.__class__, user=user, actor=actor, fields=_account(user), usable_password=password is not None
    )
    if password is not None:
        transaction.on_commit(lambda: password_validation.password_changed(password, user))
    return user


@transaction.atomic
def update_account(user, *, actor, **changes) -> list[str]:
    """Change an account's own fields (`ACCOUNT_FIELDS`), not its password, roles or activity.

    Who: account administrators (`require_account_admin`), never on their own account; staff
    and superuser status only by a superuser. Returns the fields that changed (none: nothing
    recorded). Audited as `accounts.user.update` with each changed field before and after.
    """
    require_account_admin(actor, user, what="change this account")
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise errors.ValidationFailed(errors={name: ["This field cannot be changed here."] for name in unknown})
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    before = _account(user)
    for name, value in changes.items():
        setattr(user, name, value)
    after = _account(user)
    changed = [name for name in ACCOUNT_FIELDS if before[name] != after[name]]
    if not changed:
        return []
    if set(changed) & set(PRIVILEGE_FIELDS) and not actor.is_superuser:
        raise errors.PermissionDenied("Only a superuser changes someone's staff or superuser status.")
    _clean(user, exclude=["password"])
    user.save(update_fields=changed)
    account_updated.send(
        sender=user.__class__,
        user=user,
        actor=actor,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    return changed


@transaction.atomic
def set_account_active(user, *, actor, active: bool) -> bool:
    """Activate or deactivate an account. A deactivated account signs in no more and its sessions
    end at their next request (Django refuses inactive users); it keeps its history.

    Who: account administrators, never on their own account. False (nothing recorded) when it
    was so already. Audited as `accounts.user.activate` / `accounts.user.deactivate`.
    """
    require_account_admin(actor, user, what="activate or deactivate this account")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    account_activation_changed.send(sender=user.__class__, user=user, actor=actor, active=active)
    return True


def set_password_by_admin(user, *, actor, new_password: str | None) -> None:
    """Set someone else's password (validated by the caller's form against
    AUTH_PASSWORD_VALIDATORS), or turn password sign-in off for them (`new_password=None`).

    Who: account administrators, never for their own account (that is the password page, which
    asks for the current one). The user's sessions end at their next request, because Django
    checks each session against a hash of the password. Audited as
    `accounts.password.set_by_admin` (whether a password was set, never which).
    """
    require_account_admin(actor, user, what="set the password")
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if new_password is None:
            user.set_unusable_password()
        else:
            user.set_password(new_password)
        user.save(update_fields=["password"])
        password_set_by_admin.send(sender=user.__class__, user=user, actor=actor, usable=new_password is not None)
    if new_password is not None:
        password_validation.password_changed(new_password, user)


def remove_two_factor_device(device, *, actor) -> None:
    """Remove someone's authenticator app (a TOTP device) or backup codes (their static device),
    for a person who lost their phone: they enrol again at their next sign-in.

    Who: whoever may delete such devices (superusers, in practice), never their own (that would
    undo one's own second factor with a session that may have been taken over). Audited as
    `accounts.otp.device_removed` with the device's id, never its key or codes.
    """
    opts = device._meta
    _require(actor, f"{opts.app_label}.delete_{opts.model_name}", device.user, what="remove a two-factor device")
    with transaction.atomic():
        user, persistent_id = device.user, device.persistent_id
        type(device).objects.filter(pk=device.pk).delete()
        otp_device_removed.send(sender=type(device), user=user, actor=actor, device=persistent_id)


def _certification(certification) -> dict:
    data = model_to_dict(certification, fields=CERTIFICATION_FIELDS)
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in data.items()}


@transaction.atomic
def save_training_certification(certification, *, actor, user=None, **fields) -> TrainingCertification:
    """Record a completed training course for `user` (`certification=None`) or correct one.

    The training rule of posting policies reads these. Who: whoever may add (or change)
    certifications, never their own (nobody certifies themselves). Audited as
    `accounts.certification.record` / `accounts.certification.update`. Certifications are not
    deleted: one recorded in error is corrected, or made to expire.
    """
    created = certification is None
    owner = user if created else certification.user
    perm = "accounts.add_trainingcertification" if created else "accounts.change_trainingcertification"
    _require(actor, perm, owner, what="record training certifications")
    unknown = set(fields) - set(CERTIFICATION_FIELDS)
    if unknown:
        raise errors.ValidationFailed(errors={name: ["Unknown field."] for name in unknown})
    if created:
        certification, before = TrainingCertification(user=owner), {}
    else:
        certification = TrainingCertification.objects.select_for_update().get(pk=certification.pk)
        before = _certification(certification)
    for name, value in fields.items():
        setattr(certification, name, value)
    _clean(certification)
    after = _certification(certification)
    changed = [name for name in CERTIFICATION_FIELDS if before.get(name) != after[name]]
    if not created and not changed:
        return certification
    certification.save(**({} if created else {"update_fields": changed}))
    certification_saved.send(
        sender=TrainingCertification,
        certification=certification,
        actor=actor,
        created=created,
        before={name: before[name] for name in changed if name in before},
        after={name: after[name] for name in changed},
    )
    return certification
