"""Posting policies: creating and changing one, every version kept."""

from django.db import transaction

import audit
from core.errors import StaleVersion, ValidationFailed

from ..models import Channel, Department, PostingPolicy, PostingPolicyVersion
from ..permissions import (
    MANAGE_CHANNEL,
    MANAGE_DEPARTMENT,
)
from ..rules.engine import validate_rules
from .base import clean, require, require_portal_admin


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
        require(actor, MANAGE_CHANNEL, policy.channel)
    elif policy.department_id:
        require(actor, MANAGE_DEPARTMENT, policy.department)
    else:
        require_portal_admin(actor)
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
    clean(policy)
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
