"""Sign-in events come from django.contrib.auth's signals; these handlers only record them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

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
