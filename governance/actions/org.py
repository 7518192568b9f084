"""Departments and channels: creating them, changing them, moving a channel to another
department (its grants move with it), archiving a channel (never deleting it), and who belongs
to which department and role."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model

import audit
from accounts import roles
from core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed

from .. import break_glass, permissions
from ..models import Channel, Department
from ..permissions import (
    DEPARTMENT_GROUP_DEPARTMENT_GRANTS,
    DEPARTMENT_GROUP_GRANTS,
    MANAGE_CHANNEL,
    MANAGE_DEPARTMENT,
)
from .base import clean, require, require_portal_admin

# What `create_channel` and `update_channel` set (its owner moves with `transfer_channel`).
CHANNEL_EDITABLE_FIELDS = Channel.DESCRIPTIVE_FIELDS


def _channel_snapshot(channel: Channel) -> dict:
    data = model_to_dict(channel, fields=CHANNEL_EDITABLE_FIELDS)
    data["owning_department"] = channel.owning_department.slug
    return data


@transaction.atomic
def create_department(*, actor, slug: str, name: str, description: str = "") -> Department:
    """Create a department with its authors, reviewers and managers groups. Portal admins only."""
    require_portal_admin(actor)
    if Department.objects.filter(slug=slug).exists():
        raise ValidationFailed(errors={"slug": [f"A department “{slug}” already exists."]})
    groups = {role: Group.objects.create(name=f"{slug} {role}") for role in DEPARTMENT_GROUP_GRANTS}
    department = Department(
        slug=slug,
        name=name,
        description=description,
        authors_group=groups["authors"],
        reviewers_group=groups["reviewers"],
        managers_group=groups["managers"],
    )
    clean(department)
    department.save()
    for role, perms in DEPARTMENT_GROUP_DEPARTMENT_GRANTS.items():
        for perm in perms:
            assign_perm(perm, groups[role], department)
    audit.record(
        "governance.department.create",
        actor=actor,
        target=department,
        data={"after": {"slug": slug, "name": name, "description": description}},
    )
    return department


# What `update_department` changes (its slug and groups are fixed at creation).
DEPARTMENT_EDITABLE_FIELDS = ("name", "description")


@transaction.atomic
def update_department(department: Department, *, actor, **changes) -> Department:
    """Rename a department or change its description. Who: its managers (or portal admins).
    Audited as `governance.department.update` with each changed field before and after."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    require(actor, MANAGE_DEPARTMENT, department)
    unknown = set(changes) - set(DEPARTMENT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be changed here."] for name in unknown})
    before = model_to_dict(department, fields=DEPARTMENT_EDITABLE_FIELDS)
    for name, value in changes.items():
        setattr(department, name, value)
    clean(department)
    after = model_to_dict(department, fields=DEPARTMENT_EDITABLE_FIELDS)
    changed = [name for name in DEPARTMENT_EDITABLE_FIELDS if before[name] != after[name]]
    if not changed:
        return department
    department.save(update_fields=changed)
    audit.record(
        "governance.department.update",
        actor=actor,
        target=department,
        data={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
    )
    return department


def _grant_department_groups(channel: Channel, department: Department) -> None:
    for role, group in department.groups_by_role().items():
        for perm in DEPARTMENT_GROUP_GRANTS[role]:
            assign_perm(perm, group, channel)


@transaction.atomic
def create_channel(*, actor, slug: str, name: str, platform: str, owning_department: Department, **fields) -> Channel:
    """Create a channel owned by a department; the department's groups receive their grants.

    Who: portal admins, or managers of the owning department.
    """
    require(actor, MANAGE_DEPARTMENT, owning_department)
    unknown = set(fields) - set(CHANNEL_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["Unknown field."] for name in unknown})
    channel = Channel(slug=slug, name=name, platform=platform, owning_department=owning_department, **fields)
    clean(channel)
    channel.save()
    _grant_department_groups(channel, owning_department)
    audit.record(
        "governance.channel.create",
        actor=actor,
        target=channel,
        channel_id=channel.pk,
        data={"after": _channel_snapshot(channel)},
    )
    return channel


def _locked_channel(channel: Channel, expected_version: int | None) -> Channel:
    locked = Channel.objects.select_for_update().select_related("owning_department").get(pk=channel.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"The channel was changed since you loaded it (version {expected_version}, now {locked.version})."
        )
    return locked


@transaction.atomic
def update_channel(channel: Channel, *, actor, expected_version: int | None = None, **changes) -> Channel:
    """Change a channel's descriptive fields (not its owner: see `transfer_channel`). Channel managers."""
    channel = _locked_channel(channel, expected_version)
    require(actor, MANAGE_CHANNEL, channel)
    unknown = set(changes) - set(CHANNEL_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be changed here."] for name in unknown})
    before = _channel_snapshot(channel)
    for name, value in changes.items():
        setattr(channel, name, value)
    clean(channel)
    after = _channel_snapshot(channel)
    changed = [name for name in CHANNEL_EDITABLE_FIELDS if before[name] != after[name]]
    if not changed:
        return channel
    channel.version += 1
    channel.save(update_fields=[*changed, "version", "updated_at"])
    audit.record(
        "governance.channel.update",
        actor=actor,
        target=channel,
        channel_id=channel.pk,
        data={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
    )
    return channel


@transaction.atomic
def transfer_channel(
    channel: Channel, *, actor, to_department: Department, expected_version: int | None = None
) -> Channel:
    """Move a channel to another department; the grants its department's groups held move with it.

    Whatever the old department's authors, reviewers and managers held on the channel is
    removed from them and given to the new department's groups of the same role. Grants
    to individual users and to other groups stay as they are.
    Who: managers of the channel who also manage the receiving department (or portal admins).
    """
    channel = _locked_channel(channel, expected_version)
    require(actor, MANAGE_CHANNEL, channel)
    require(actor, MANAGE_DEPARTMENT, to_department)
    from_department = channel.owning_department
    if from_department.pk == to_department.pk:
        raise ValidationFailed(errors={"to_department": ["The channel already belongs to this department."]})

    group_grants = get_group_obj_perms_model(Channel).objects
    moved: dict[str, list[str]] = {}
    new_groups = to_department.groups_by_role()
    for role, old_group in from_department.groups_by_role().items():
        held = sorted(
            group_grants.filter(group=old_group, content_object=channel).values_list("permission__codename", flat=True)
        )
        for perm in held:
            remove_perm(perm, old_group, channel)
            assign_perm(perm, new_groups[role], channel)
        moved[role] = held

    channel.owning_department = to_department
    channel.version += 1
    channel.save(update_fields=["owning_department", "version", "updated_at"])
    audit.record(
        "governance.channel.transfer",
        actor=actor,
        target=channel,
        channel_id=channel.pk,
        data={
            "before": {"owning_department": from_department.slug},
            "after": {"owning_department": to_department.slug},
            "moved_grants": moved,
        },
    )
    return channel


@transaction.atomic
def archive_channel(channel: Channel, *, actor, expected_version: int | None = None) -> Channel:
    """Archive a channel: it takes no new post from now on (`approvals.actions.create_post`
    refuses it). Nothing else changes: its posts (those under way go on), grants, consents,
    connector and audit events stay as they were. Channels are archived, never deleted.

    Who: the channel's managers (or portal admins). Archiving an archived channel is refused.
    Audited as `governance.channel.archive`.
    """
    return _set_archived(channel, actor=actor, expected_version=expected_version, archived=True)


@transaction.atomic
def restore_channel(channel: Channel, *, actor, expected_version: int | None = None) -> Channel:
    """Take a channel out of the archive: it takes new posts again. Who: its managers (or portal
    admins). Audited as `governance.channel.restore`."""
    return _set_archived(channel, actor=actor, expected_version=expected_version, archived=False)


def _set_archived(channel: Channel, *, actor, expected_version: int | None, archived: bool) -> Channel:
    channel = _locked_channel(channel, expected_version)
    require(actor, MANAGE_CHANNEL, channel)
    if channel.is_archived == archived:
        state = "archived" if archived else "not archived"
        raise Conflict(f"The channel is {state} already.")
    before = channel.archived_at
    channel.archived_at = timezone.now() if archived else None
    channel.version += 1
    channel.save(update_fields=["archived_at", "version", "updated_at"])
    audit.record(
        f"governance.channel.{'archive' if archived else 'restore'}",
        actor=actor,
        target=channel,
        channel_id=channel.pk,
        data={"archived_at": (channel.archived_at or before).isoformat()},
    )
    return channel


@transaction.atomic
def add_department_member(department: Department, *, actor, user, role: str) -> bool:
    """Put `user` in the department's authors, reviewers or managers group. Department managers.

    False (nothing recorded) when the user was already a member.
    """
    return _change_membership(department, actor=actor, user=user, role=role, add=True)


@transaction.atomic
def remove_department_member(department: Department, *, actor, user, role: str) -> bool:
    """Take `user` out of one of the department's groups. Department managers. False (nothing
    recorded) when the user was not a member."""
    return _change_membership(department, actor=actor, user=user, role=role, add=False)


def _change_membership(department: Department, *, actor, user, role: str, add: bool) -> bool:
    require(actor, MANAGE_DEPARTMENT, department)
    groups = department.groups_by_role()
    if role not in groups:
        raise ValidationFailed(errors={"role": [f"Choose one of {', '.join(groups)}."]})
    gives_break_glass = add and break_glass.group_holds_it(groups[role])
    if gives_break_glass:  # joining a group that holds break-glass somewhere is being given it
        break_glass.require_granter(actor, users=[user])
    if not _change_group(user, groups[role], add=add):
        return False
    if gives_break_glass:
        break_glass.announce(actor=actor, grantee=user.get_username(), where=f"as {role} of {department.name}")
    audit.record(
        f"governance.department.{'add_member' if add else 'remove_member'}",
        actor=actor,
        target=department,
        data={"user": user.get_username(), "user_id": user.pk, "role": role},
    )
    return True


def _change_group(user, group: Group | None, *, add: bool) -> bool:
    """Put `user` in `group` or take them out; False when that was so already."""
    if group is None or user.groups.filter(pk=group.pk).exists() == add:
        return False
    (user.groups.add if add else user.groups.remove)(group)
    permissions.forget(user)
    return True


@transaction.atomic
def assign_role(user, *, actor, role: str) -> bool:
    """Give a user an organization-wide role (Author, Reviewer, …). Portal admins only.
    False (nothing recorded) when they held it already."""
    require_portal_admin(actor)
    if role not in roles.ALL_ROLES:
        raise ValidationFailed(errors={"role": [f"Choose one of {', '.join(roles.ALL_ROLES)}."]})
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("Nobody gives themselves a role; ask another portal admin.", code="self_grant")
    group, _ = Group.objects.get_or_create(name=role)
    gives_break_glass = break_glass.group_holds_it(group)
    if gives_break_glass:  # the Crisis Team holds break-glass everywhere
        break_glass.require_granter(actor, users=[user])
    if not _change_group(user, group, add=True):
        return False
    if gives_break_glass:
        break_glass.announce(actor=actor, grantee=user.get_username(), where=f"on every channel (role {role})")
    audit.record("accounts.role.assign", actor=actor, target=user, data={"role": role})
    return True


@transaction.atomic
def remove_role(user, *, actor, role: str) -> bool:
    """Take an organization-wide role away from a user. Portal admins only. False when they did
    not hold it."""
    require_portal_admin(actor)
    if not _change_group(user, Group.objects.filter(name=role).first(), add=False):
        return False
    audit.record("accounts.role.remove", actor=actor, target=user, data={"role": role})
    return True
