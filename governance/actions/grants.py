"""Granting and revoking a permission on a channel or a department, to a user or a group."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

import audit
from core.errors import PermissionDenied, ValidationFailed

from .. import break_glass, permissions
from ..models import Channel, Department
from ..permissions import (
    BREAK_GLASS,
    CHANNEL_PERMISSIONS,
    DEPARTMENT_PERMISSIONS,
    MANAGE_CHANNEL,
    MANAGE_DEPARTMENT,
)
from .base import require


def _grant_target(obj) -> tuple[tuple[str, ...], str]:
    if isinstance(obj, Channel):
        return CHANNEL_PERMISSIONS, MANAGE_CHANNEL
    if isinstance(obj, Department):
        return DEPARTMENT_PERMISSIONS, MANAGE_DEPARTMENT
    raise TypeError(f"Permissions are granted on channels and departments, not {type(obj).__name__}")


def _grantee(user, group) -> tuple[object, dict]:
    if (user is None) == (group is None):
        raise ValidationFailed(errors={"grantee": ["Grant to exactly one user or one group."]})
    if user is not None:
        return user, {"user": user.get_username(), "user_id": user.pk}
    return group, {"group": group.name, "group_id": group.pk}


def _channel_id(obj) -> int | None:
    return obj.pk if isinstance(obj, Channel) else None


@transaction.atomic
def grant_permission(obj: Channel | Department, *, actor, perm: str, user=None, group=None) -> bool:
    """Grant `perm` on a channel or department to a user or a group. Managers of the object;
    break-glass only portal admins and compliance officers, never to themselves (or a group
    they are in), and compliance officers are told of it.

    Returns False (and records nothing) when the grantee already held it directly.
    """
    return _change_grant(obj, actor=actor, perm=perm, user=user, group=group, grant=True)


@transaction.atomic
def revoke_permission(obj: Channel | Department, *, actor, perm: str, user=None, group=None) -> bool:
    """Take back a direct grant of `perm`. Managers of the object. False when there was none."""
    return _change_grant(obj, actor=actor, perm=perm, user=user, group=group, grant=False)


def _change_grant(obj, *, actor, perm: str, user, group, grant: bool) -> bool:
    allowed, manage_perm = _grant_target(obj)
    if perm not in allowed:
        raise ValidationFailed(errors={"perm": [f"Unknown permission “{perm}”."]})
    grantee, described = _grantee(user, group)
    if grant and actor is not None and _includes(actor, user=user, group=group):
        raise PermissionDenied(
            "Nobody gives themselves a permission; ask another manager or a portal admin.", code="self_grant"
        )
    if perm == BREAK_GLASS and grant:
        break_glass.require_granter(actor, users=[user] if user is not None else (), group=group)
    elif perm == BREAK_GLASS and break_glass.may_grant(actor):
        pass  # whoever may give break-glass may take it back, on any channel (so may managers)
    else:
        require(actor, manage_perm, obj)
    if (perm in _direct_perms(obj, user=user, group=group)) == grant:
        return False  # nothing to change
    (assign_perm if grant else remove_perm)(perm, grantee, obj)
    if perm == BREAK_GLASS and grant:
        name = user.get_username() if user is not None else f"the group {group.name}"
        break_glass.announce(actor=actor, grantee=name, where=f"on {obj.name}")
    if user is not None:
        permissions.forget(user)
    audit.record(
        f"governance.{obj._meta.model_name}.{'grant' if grant else 'revoke'}",
        actor=actor,
        target=obj,
        channel_id=_channel_id(obj),
        data={"perm": perm, **described},
    )
    return True


def _includes(actor, *, user, group) -> bool:
    """Would the grant reach `actor` (granted to them, or to a group they are in)?"""
    if user is not None:
        return user.pk == actor.pk
    return actor.groups.filter(pk=group.pk).exists()


def _direct_perms(obj, *, user=None, group=None) -> set[str]:
    if user is not None:
        rows = get_user_obj_perms_model(type(obj)).objects.filter(user=user, content_object=obj)
    else:
        rows = get_group_obj_perms_model(type(obj)).objects.filter(group=group, content_object=obj)
    return set(rows.values_list("permission__codename", flat=True))
