"""Every change to departments, channels and their grants. Each action is atomic and audited.

`actor=None` means the system itself (data migrations, `seed_demo`): no permission check.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

import audit
from accounts import roles
from core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed

from . import permissions
from .models import Channel, Department
from .permissions import (
    CHANNEL_PERMISSIONS,
    DEPARTMENT_GROUP_DEPARTMENT_GRANTS,
    DEPARTMENT_GROUP_GRANTS,
    DEPARTMENT_PERMISSIONS,
    HANDLE_CRISIS,
    MANAGE_CHANNEL,
    MANAGE_DEPARTMENT,
)

CHANNEL_EDITABLE_FIELDS = (
    "name",
    "platform",
    "handle",
    "url",
    "visibility",
    "audience",
    "voice_guidelines",
    "is_regulated",
    "requires_consent",
)


def _require(actor, perm: str, obj) -> None:
    if actor is not None and not permissions.can(actor, perm, obj):
        raise PermissionDenied(f"You may not do this: it needs “{perm}” on {obj}.")


def _require_portal_admin(actor) -> None:
    if actor is None or permissions.holds_everywhere(actor, MANAGE_DEPARTMENT):
        return
    raise PermissionDenied("Only portal admins may do this.")


def _clean(instance) -> None:
    try:
        instance.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(errors=getattr(exc, "message_dict", {"__all__": exc.messages})) from exc


def _channel_snapshot(channel: Channel) -> dict:
    data = model_to_dict(channel, fields=CHANNEL_EDITABLE_FIELDS)
    data["owning_department"] = channel.owning_department.slug
    return data


@transaction.atomic
def create_department(*, actor, slug: str, name: str, description: str = "") -> Department:
    """Create a department with its authors, reviewers and managers groups. Portal admins only."""
    _require_portal_admin(actor)
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
    _clean(department)
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


def _grant_department_groups(channel: Channel, department: Department) -> None:
    for role, group in department.groups_by_role().items():
        for perm in DEPARTMENT_GROUP_GRANTS[role]:
            assign_perm(perm, group, channel)


@transaction.atomic
def create_channel(*, actor, slug: str, name: str, platform: str, owning_department: Department, **fields) -> Channel:
    """Create a channel owned by a department; the department's groups receive their grants.

    Who: portal admins, or managers of the owning department.
    """
    _require(actor, MANAGE_DEPARTMENT, owning_department)
    unknown = set(fields) - set(CHANNEL_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["Unknown field."] for name in unknown})
    channel = Channel(slug=slug, name=name, platform=platform, owning_department=owning_department, **fields)
    _clean(channel)
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
    _require(actor, MANAGE_CHANNEL, channel)
    unknown = set(changes) - set(CHANNEL_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be changed here."] for name in unknown})
    before = _channel_snapshot(channel)
    for name, value in changes.items():
        setattr(channel, name, value)
    _clean(channel)
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
    _require(actor, MANAGE_CHANNEL, channel)
    _require(actor, MANAGE_DEPARTMENT, to_department)
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
    """Grant `perm` on a channel or department to a user or a group. Managers of the object.

    Returns False (and records nothing) when the grantee already held it directly.
    """
    allowed, manage_perm = _grant_target(obj)
    if perm not in allowed:
        raise ValidationFailed(errors={"perm": [f"Unknown permission “{perm}”."]})
    _require(actor, manage_perm, obj)
    grantee, described = _grantee(user, group)
    if perm in _direct_perms(obj, user=user, group=group):
        return False
    assign_perm(perm, grantee, obj)
    if user is not None:
        permissions.forget(user)
    audit.record(
        f"governance.{obj._meta.model_name}.grant",
        actor=actor,
        target=obj,
        channel_id=_channel_id(obj),
        data={"perm": perm, **described},
    )
    return True


@transaction.atomic
def revoke_permission(obj: Channel | Department, *, actor, perm: str, user=None, group=None) -> bool:
    """Take back a direct grant of `perm`. Managers of the object. False when there was none."""
    allowed, manage_perm = _grant_target(obj)
    if perm not in allowed:
        raise ValidationFailed(errors={"perm": [f"Unknown permission “{perm}”."]})
    _require(actor, manage_perm, obj)
    grantee, described = _grantee(user, group)
    if perm not in _direct_perms(obj, user=user, group=group):
        return False
    remove_perm(perm, grantee, obj)
    if user is not None:
        permissions.forget(user)
    audit.record(
        f"governance.{obj._meta.model_name}.revoke",
        actor=actor,
        target=obj,
        channel_id=_channel_id(obj),
        data={"perm": perm, **described},
    )
    return True


def _direct_perms(obj, *, user=None, group=None) -> set[str]:
    if user is not None:
        rows = get_user_obj_perms_model(type(obj)).objects.filter(user=user, content_object=obj)
    else:
        rows = get_group_obj_perms_model(type(obj)).objects.filter(group=group, content_object=obj)
    return set(rows.values_list("permission__codename", flat=True))


@transaction.atomic
def add_department_member(department: Department, *, actor, user, role: str) -> bool:
    """Put `user` in the department's authors, reviewers or managers group. Department managers.

    False (nothing recorded) when the user was already a member.
    """
    _require(actor, MANAGE_DEPARTMENT, department)
    groups = department.groups_by_role()
    if role not in groups:
        raise ValidationFailed(errors={"role": [f"Choose one of {', '.join(groups)}."]})
    group = groups[role]
    if user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.add(group)
    permissions.forget(user)
    audit.record(
        "governance.department.add_member",
        actor=actor,
        target=department,
        data={"user": user.get_username(), "user_id": user.pk, "role": role},
    )
    return True


@transaction.atomic
def remove_department_member(department: Department, *, actor, user, role: str) -> bool:
    """Take `user` out of one of the department's groups. Department managers."""
    _require(actor, MANAGE_DEPARTMENT, department)
    groups = department.groups_by_role()
    if role not in groups:
        raise ValidationFailed(errors={"role": [f"Choose one of {', '.join(groups)}."]})
    if not user.groups.filter(pk=groups[role].pk).exists():
        return False
    user.groups.remove(groups[role])
    permissions.forget(user)
    audit.record(
        "governance.department.remove_member",
        actor=actor,
        target=department,
        data={"user": user.get_username(), "user_id": user.pk, "role": role},
    )
    return True


@transaction.atomic
def assign_role(user, *, actor, role: str) -> bool:
    """Give a user an organization-wide role (Author, Reviewer, …). Portal admins only."""
    _require_portal_admin(actor)
    if role not in roles.ALL_ROLES:
        raise ValidationFailed(errors={"role": [f"Choose one of {', '.join(roles.ALL_ROLES)}."]})
    group, _ = Group.objects.get_or_create(name=role)
    if user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.add(group)
    permissions.forget(user)
    audit.record("accounts.role.assign", actor=actor, target=user, data={"role": role})
    return True


@transaction.atomic
def remove_role(user, *, actor, role: str) -> bool:
    """Take an organization-wide role away from a user. Portal admins only."""
    _require_portal_admin(actor)
    group = Group.objects.filter(name=role).first()
    if group is None or not user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.remove(group)
    permissions.forget(user)
    audit.record("accounts.role.remove", actor=actor, target=user, data={"role": role})
    return True


def _policy_snapshot(policy) -> dict:
    return {"name": policy.name, "rules": policy.rules, "is_active": policy.is_active}


@transaction.atomic
def save_policy(
    policy=None,
    *,
    actor,
    expected_version: int | None = None,
    name: str | None = None,
    rules: list | None = None,
    is_active: bool | None = None,
    department: Department | None = None,
    channel: Channel | None = None,
):
    """Create a posting policy (at the organization, a department or a channel) or change one.

    Who: portal admins; managers of the department or channel for policies of that scope.
    Every change bumps the version, keeps the old one as a PostingPolicyVersion and is audited.
    """
    from .models import PostingPolicy, PostingPolicyVersion
    from .rules.engine import validate_rules

    creating = policy is None
    if creating:
        policy = PostingPolicy(name=name or "", department=department, channel=channel, rules=rules or [])
        before = None
    else:
        policy = PostingPolicy.objects.select_for_update().get(pk=policy.pk)
        if expected_version is not None and policy.version != expected_version:
            raise StaleVersion(
                f"The policy changed since you loaded it (version {expected_version}, now {policy.version})."
            )
        before = _policy_snapshot(policy)
    if policy.channel_id:
        _require(actor, MANAGE_CHANNEL, policy.channel)
    elif policy.department_id:
        _require(actor, MANAGE_DEPARTMENT, policy.department)
    else:
        _require_portal_admin(actor)
    if name is not None:
        policy.name = name
    if rules is not None:
        policy.rules = rules
    if is_active is not None:
        policy.is_active = is_active
    problems = validate_rules(policy.rules)
    if problems:
        raise ValidationFailed("The policy's rules are not valid.", errors={"rules": problems})
    after = _policy_snapshot(policy)
    if before == after:
        return policy
    if not creating:
        policy.version += 1
    _clean(policy)
    policy.save()
    PostingPolicyVersion.objects.create(
        policy=policy,
        version=policy.version,
        name=policy.name,
        rules=policy.rules,
        is_active=policy.is_active,
        created_by=actor,
    )
    audit.record(
        "governance.policy.create" if creating else "governance.policy.update",
        actor=actor,
        target=policy,
        channel_id=policy.channel_id,
        data={"scope": policy.scope_label, "version": policy.version, "before": before, "after": after},
    )
    return policy


def _crisis_scope_check(actor, *, department, channel) -> None:
    """Managers of the channel or department, and the crisis team (organization-wide too)."""
    if permissions.may_handle_crisis(actor, department=department, channel=channel):
        return
    scope = channel or department
    if scope is not None:
        raise PermissionDenied(f"You may not do this: it needs “{HANDLE_CRISIS}” on {scope}.")
    raise PermissionDenied("Only the crisis team declares an organization-wide crisis.")


@transaction.atomic
def start_crisis(*, actor, reason: str, department: Department | None = None, channel: Channel | None = None):
    """Declare a crisis on a channel, a department or (neither) the organization.

    Who: the channel's managers or the crisis team (departments: their managers or the
    crisis team; the organization: the crisis team). In scope, scheduled posts are held and
    approvals given so far are voided (approvals.receivers), and every submission needs
    the crisis team until it ends. One active crisis per scope.
    """
    from .models import CrisisIncident
    from .signals import crisis_started, crisis_starting

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why: a reason is required.", errors={"reason": ["Required."]})
    _crisis_scope_check(actor, department=department, channel=channel)
    # Lock every channel in scope (one start at a time per channel): a review plan being
    # computed on one of them waits for this crisis and includes it (selectors.crisis_covering).
    # NO KEY UPDATE leaves inserts referring to the channels (new posts) unblocked.
    in_scope = Channel.objects.all()
    if channel is not None:
        in_scope = in_scope.filter(pk=channel.pk)
    elif department is not None:
        in_scope = in_scope.filter(owning_department=department)
    list(in_scope.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
    if CrisisIncident.objects.filter(ended_at=None, department=department, channel=channel).exists():
        raise Conflict("A crisis is already active here; end it before declaring another.", code="crisis_active")
    incident = CrisisIncident.objects.create(
        department=department, channel=channel, reason=reason, started_by=actor, started_at=timezone.now()
    )
    crisis_starting.send(sender=CrisisIncident, incident=incident, actor=actor)  # locks, before the audit head
    audit.record(
        "governance.crisis.start",
        actor=actor,
        target=incident,
        channel_id=channel.pk if channel else None,
        data={"scope": incident.scope_label, "reason": reason},
    )
    crisis_started.send(sender=CrisisIncident, incident=incident, actor=actor)
    return incident


@transaction.atomic
def end_crisis(incident, *, actor, note: str = ""):
    """End an active crisis. Who: as for starting it. Held posts stay held until released."""
    from .models import CrisisIncident
    from .signals import crisis_ended

    incident = CrisisIncident.objects.select_for_update().get(pk=incident.pk)
    _crisis_scope_check(actor, department=incident.department, channel=incident.channel)
    if incident.ended_at is not None:
        raise Conflict("This crisis has already ended.", code="crisis_ended")
    incident.ended_at, incident.ended_by, incident.end_note = timezone.now(), actor, note.strip()
    incident.save(update_fields=["ended_at", "ended_by", "end_note"])
    audit.record(
        "governance.crisis.end",
        actor=actor,
        target=incident,
        channel_id=incident.channel_id,
        data={"scope": incident.scope_label, "note": incident.end_note},
    )
    crisis_ended.send(sender=CrisisIncident, incident=incident, actor=actor)
    return incident


# --- consent ---------------------------------------------------------------------------

CONSENT_FIELDS = ("person_name", "channels", "granted_on", "expires_on", "document_reference", "notes")


def may_govern_consent(actor, channels) -> bool:
    """Compliance officers, and whoever manages every channel in `channels` (a consent's scope)."""
    if actor is None:
        return True
    if not (actor.is_authenticated and actor.is_active):
        return False
    if actor.is_superuser or roles.COMPLIANCE_OFFICER in permissions.role_names(actor):
        return True
    channels = list(channels)
    permissions.prefetch(actor, channels)
    return bool(channels) and all(permissions.can(actor, MANAGE_CHANNEL, channel) for channel in channels)


def _require_consent_governance(actor, channels) -> None:
    if not may_govern_consent(actor, channels):
        raise PermissionDenied(
            "Only compliance officers and the managers of every channel a consent covers may record or change it."
        )


def _consent_channels(channels) -> list[Channel]:
    unique = list({channel.pk: channel for channel in channels or ()}.values())
    if not unique:
        raise ValidationFailed(errors={"channels": ["Name at least one channel the consent covers."]})
    return sorted(unique, key=lambda channel: channel.slug)


def _consent_snapshot(consent, channels) -> dict:
    """What the audit log keeps of a consent: no notes (they may hold details of the person's care)."""
    return {
        "person_name": consent.person_name,
        "channels": [channel.slug for channel in channels],
        "granted_on": consent.granted_on,
        "expires_on": consent.expires_on,
        "document_reference": consent.document_reference,
    }


def _clean_consent(consent) -> None:
    consent.person_name = (consent.person_name or "").strip()
    consent.document_reference = (consent.document_reference or "").strip()
    errors = {}
    if not consent.person_name:
        errors["person_name"] = ["Name the person who consented."]
    if not consent.document_reference:
        errors["document_reference"] = ["Say where the signed consent form is kept."]
    if consent.granted_on and consent.expires_on and consent.expires_on < consent.granted_on:
        errors["expires_on"] = ["A consent cannot expire before it was granted."]
    if errors:
        raise ValidationFailed(errors=errors)
    _clean(consent)


def _scope_channel_id(channels) -> int | None:
    """The channel an audit event is filed under: the consent's channel when it covers one."""
    return channels[0].pk if len(channels) == 1 else None


@transaction.atomic
def record_consent(
    *,
    actor,
    person_name: str,
    channels,
    granted_on,
    expires_on=None,
    document_reference: str,
    notes: str = "",
):
    """Record a person's written consent to be featured on `channels` from `granted_on` (until
    `expires_on`, or indefinitely). Who: compliance officers, and managers of every channel it
    covers. The person who records it is kept with it."""
    from .models import Consent

    if actor is None:
        raise ValidationFailed("A consent is recorded by a person.", errors={"recorded_by": ["Required."]})
    channels = _consent_channels(channels)
    _require_consent_governance(actor, channels)
    consent = Consent(
        person_name=person_name,
        granted_on=granted_on,
        expires_on=expires_on,
        document_reference=document_reference,
        notes=notes or "",
        recorded_by=actor,
    )
    _clean_consent(consent)
    consent.save()
    consent.channels.set(channels)
    audit.record(
        "governance.consent.record",
        actor=actor,
        target=consent,
        channel_id=_scope_channel_id(channels),
        data={"after": _consent_snapshot(consent, channels), "version": consent.version},
    )
    return consent


def _locked_consent(consent, expected_version: int | None):
    from .models import Consent

    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"The consent was changed since you loaded it (version {expected_version}, now {locked.version})."
        )
    return locked


@transaction.atomic
def update_consent(consent, *, actor, expected_version: int | None, **changes):
    """Correct a consent: its person, scope, dates, document reference or notes. A revoked
    consent cannot be changed. Who: compliance officers, and managers of every channel it covers
    before and after the change. Posts citing it are not touched: whether it covers them is
    checked again whenever they are scheduled, published or delivered."""
    consent = _locked_consent(consent, expected_version)
    channels = sorted(consent.channels.all(), key=lambda channel: channel.slug)
    _require_consent_governance(actor, channels)
    if consent.is_revoked:
        raise Conflict("A revoked consent cannot be changed; record a new one.", code="consent_revoked")
    unknown = set(changes) - set(CONSENT_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be changed here."] for name in sorted(unknown)})
    new_channels = _consent_channels(changes.pop("channels")) if "channels" in changes else channels
    if new_channels != channels:
        _require_consent_governance(actor, new_channels)
    before = _consent_snapshot(consent, channels)
    notes_before = consent.notes
    for name, value in changes.items():
        if value is None and name in ("person_name", "document_reference", "notes"):
            value = ""
        setattr(consent, name, value)
    _clean_consent(consent)
    after = _consent_snapshot(consent, new_channels)
    changed = [name for name in before if before[name] != after[name]]
    notes_changed = consent.notes != notes_before
    if not changed and not notes_changed:
        return consent
    consent.version += 1
    fields = [name for name in changed if name != "channels"]
    consent.save(update_fields=[*fields, *(["notes"] if notes_changed else []), "version"])
    if "channels" in changed:
        consent.channels.set(new_channels)
    audit.record(
        "governance.consent.update",
        actor=actor,
        target=consent,
        channel_id=_scope_channel_id(new_channels),
        data={
            "before": {name: before[name] for name in changed},
            "after": {name: after[name] for name in changed},
            "notes_changed": notes_changed,
            "version": consent.version,
        },
    )
    return consent


@transaction.atomic
def revoke_consent(consent, *, actor, expected_version: int | None, reason: str):
    """Revoke a consent (the person withdrew it, or it was recorded in error); a reason is
    required. Every unpublished post citing it is held, and every published one becomes a
    retraction task for its channel's managers (approvals.receivers, in this transaction).
    Who: compliance officers, and managers of every channel it covers."""
    from .models import Consent
    from .signals import consent_revoked

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why: a reason is required.", errors={"reason": ["Required."]})
    consent = _locked_consent(consent, expected_version)
    channels = sorted(consent.channels.all(), key=lambda channel: channel.slug)
    _require_consent_governance(actor, channels)
    if consent.is_revoked:
        raise Conflict("This consent has already been revoked.", code="consent_revoked")
    consent.revoked_at, consent.revoked_by, consent.revocation_reason = timezone.now(), actor, reason[:500]
    consent.version += 1
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_reason", "version"])
    audit.record(
        "governance.consent.revoke",
        actor=actor,
        target=consent,
        channel_id=_scope_channel_id(channels),
        data={
            "person_name": consent.person_name,
            "document_reference": consent.document_reference,
            "channels": [channel.slug for channel in channels],
            "reason": consent.revocation_reason,
            "version": consent.version,
        },
    )
    consent_revoked.send(sender=Consent, consent=consent, actor=actor)
    return consent
