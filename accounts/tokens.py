"""API tokens: issued against a password (and a one-time code where two-factor applies), kept
only as a digest, expiring, and ending as soon as their user's password, roles or active flag
change — wherever that change is made.

Two mechanisms, so that no single forgotten call site keeps a token alive:

- A token is *bound* to its user as they were when it was issued: an HMAC (keyed with
  SECRET_KEY) of the password hash, the superuser flag and the global roles. Authentication
  recomputes it; a token whose user has a new password (the password page, the admin, `manage.py
  changepassword`, a shell, even a queryset update) or other roles no longer matches and is
  refused (401). Deactivated users are refused too.
- Saving a user with a new password, deactivated or with another superuser flag, and any change
  of their role groups (from either side of the relation), deletes their tokens at once and
  records `accounts.api_tokens.revoked` (the receivers below, connected in accounts.apps), so
  that reactivating an account does not bring its old tokens back.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from . import roles
from .models import ApiToken
from .signals import api_tokens_revoked
from .two_factor import two_factor_required

# 32 random bytes, as 43 URL-safe characters.
KEY_BYTES = 32
_BINDING_SALT = "clearpost.accounts.ApiToken.binding"
# What a token is bound to: a save of a user that writes one of these may end their tokens.
_BOUND_FIELDS = frozenset({"password", "is_active", "is_superuser"})


def key_digest(key: str) -> str:
    """The hex SHA-256 of a token key: what the database keeps instead of the key. (A key is 256
    random bits: a slow, salted hash would add nothing but a cost to every request.)"""
    return hashlib.sha256(key.encode()).hexdigest()


def binding(user, *, secret: str | None = None, fresh: bool = False) -> str:
    """What the user's tokens are bound to: their password hash, superuser flag and roles.

    Authentication reads the roles through roles.role_names, which keeps its answer on the user
    object (the permission checks of the same request then ask it for free); issuing (`fresh`)
    reads them from the database, whatever an older answer on the object says."""
    names = user.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True) if fresh else None
    value = "\x1f".join(
        [
            user.password,
            "superuser" if user.is_superuser else "",
            *sorted(roles.role_names(user) if names is None else names),
        ]
    )
    return salted_hmac(_BINDING_SALT, value, secret=secret, algorithm="sha256").hexdigest()


def issue(user, *, second_factor: bool) -> tuple[str, ApiToken]:
    """A new token for `user`, who has just proved their password (and, when `second_factor`, a
    one-time code). Returns the key, shown to the client once and kept nowhere, and the token. Expired
    tokens of everyone are dropped on the way (the index on `expires` keeps that cheap)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    now = timezone.now()
    ApiToken.objects.filter(expires__lte=now).delete()
    token = ApiToken.objects.create(
        user=user,
        digest=key_digest(key),
        binding=binding(user, fresh=True),
        second_factor=second_factor,
        created=now,
        expires=now + settings.API_TOKEN_TTL,
    )
    return key, token


@dataclass(frozen=True)
class Check:
    """What a presented key is worth. `token` is set only when it is valid; `refusal` says why
    not: `unknown` (never issued, revoked or dropped), `expired`, `inactive`, `rebound` (the
    user's password or roles changed since), or `otp_required` (a valid token of a user who now
    needs two-factor authentication, issued without a one-time code)."""

    token: ApiToken | None
    refusal: str = ""


def check(key: str) -> Check:
    """Look up and check a presented key (one query, two more to recompute the binding and
    whether two-factor applies; a dead token found here is deleted)."""
    token = ApiToken.objects.select_related("user").filter(digest=key_digest(key)).first()
    if token is None:
        return Check(None, "unknown")
    user = token.user
    if token.expires <= timezone.now():
        token.delete()
        return Check(None, "expired")
    if not user.is_active:
        token.delete()
        return Check(None, "inactive")
    if not _bound_to(token, user):
        token.delete()
        return Check(None, "rebound")
    if not token.second_factor and two_factor_required(user):
        return Check(None, "otp_required")
    return Check(token)


def _bound_to(token: ApiToken, user) -> bool:
    # As Django checks a session's password hash: the current key, then the ones being retired.
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(token.binding, binding(user, secret=secret)) for secret in secrets_)


def revoke_all(user, *, reason: str, actor=None, announce: bool = True) -> int:
    """Delete every token of `user`; how many there were. With `announce`, a revocation of live
    tokens is audited (`accounts.api_tokens.revoked`, with the reason, by `actor` or the system); an
    action that records the count in its own event (the password page) passes False."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    if count and announce:
        api_tokens_revoked.send(sender=ApiToken, user=user, count=count, reason=reason, actor=actor)
    return count


def _revoke_for(user_ids, *, reason: str) -> None:
    holders = get_user_model().objects.filter(pk__in=list(user_ids), api_tokens__isnull=False).distinct()
    for user in holders:
        revoke_all(user, reason=reason)


# --- Receivers (connected in accounts.apps) ------------------------------------------------
# Revocation as a consequence of the change itself, not of the code path that made it: the
# password page, the admin, `changepassword`, the role actions and a shell all save a user or
# change their groups through the ORM.

_BEFORE = "_clearpost_token_fields_before"


def remember_bound_fields(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save of a user: what the saved row held, when this save may change it (one query;
    none for saves of other fields, such as last_login at every sign-in)."""
    if raw or instance.pk is None or (update_fields is not None and not _BOUND_FIELDS & set(update_fields)):
        return
    before = sender._default_manager.filter(pk=instance.pk).values(*_BOUND_FIELDS).first()
    instance.__dict__[_BEFORE] = before


def revoke_on_credential_change(sender, instance, created=False, raw=False, **kwargs) -> None:
    """post_save of a user: a new password, a deactivation or another superuser flag ends their tokens."""
    before = instance.__dict__.pop(_BEFORE, None)
    if raw or created or before is None:
        return
    if before["password"] != instance.password:
        revoke_all(instance, reason="password_changed")
    elif before["is_active"] and not instance.is_active:
        revoke_all(instance, reason="deactivated")
    elif before["is_superuser"] != instance.is_superuser:
        revoke_all(instance, reason="role_changed")


def revoke_on_role_change(sender, instance, action, reverse, model, pk_set=None, **kwargs) -> None:
    """m2m_changed of User.groups: joining or leaving a role group ends the user's tokens, whichever
    side made the change (`user.groups.add(group)`, `group.user_set.remove(user)`, `.set`, `.clear`)."""
    from django.contrib.auth.models import Group

    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    role_groups = Group.objects.filter(name__in=roles.ALL_ROLES)
    if not reverse:  # instance: a user; pk_set: groups
        if action == "pre_clear":
            changed = instance.groups.filter(name__in=roles.ALL_ROLES).exists()
        else:
            changed = role_groups.filter(pk__in=pk_set or ()).exists()
        if changed:
            _revoke_for([instance.pk], reason="role_changed")
        return
    if instance.name not in roles.ALL_ROLES:  # instance: a group; pk_set: users
        return
    users = instance.user_set.values_list("pk", flat=True) if action == "pre_clear" else (pk_set or ())
    _revoke_for(users, reason="role_changed")
