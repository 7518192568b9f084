"""Reads for the posting-policy pages: which policies and scopes a user may edit.

Kept apart from `selectors.py` so that the policy pages' reads sit together. Who may edit
is the rule of `actions.save_policy`, asked through `governance.permissions`: portal admins
edit every policy; managers of a department or a channel edit the policies of that scope.
"""

from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery

from core import cache
from core.errors import NotVisible, PermissionDenied

from . import permissions
from .models import Channel, Department, PostingPolicy, PostingPolicyVersion

ORGANIZATION = "organization"


def is_portal_admin(user) -> bool:
    """Portal admins (and superusers) edit organization-wide policies and every other one."""
    return permissions.holds_everywhere(user, permissions.MANAGE_DEPARTMENT)


def managed_departments(user) -> QuerySet[Department]:
    return permissions.visible(user, permissions.MANAGE_DEPARTMENT, Department.objects.all())


def managed_channels(user) -> QuerySet[Channel]:
    return permissions.visible(user, permissions.MANAGE_CHANNEL, Channel.objects.select_related("owning_department"))


def may_edit_policies(user) -> bool:
    """Whether `user` may edit (or create) a policy at any scope: the navigation's question.
    Cached on the user object for the request; at most two small EXISTS queries."""
    return cache.remember(
        user,
        "may_edit_policies",
        lambda: bool(is_portal_admin(user) or managed_channels(user).exists() or managed_departments(user).exists()),
    )


def may_handle_crises(user) -> bool:
    """Whether the user may handle a crisis anywhere (the navigation's and the forms'
    question): the crisis team and portal admins everywhere, managers of a channel or a
    department on theirs. Cached on the user object for the request."""
    # Whoever manages a channel or a department edits its policies, and handles its crises.
    return cache.remember(
        user,
        "may_handle_crises",
        lambda: bool(
            user.is_authenticated
            and (permissions.holds_everywhere(user, permissions.HANDLE_CRISIS) or may_edit_policies(user))
        ),
    )


def may_edit_policy(user, policy: PostingPolicy) -> bool:
    """The check `actions.save_policy` makes, asked ahead so the pages can answer 403."""
    if policy.channel_id:
        return permissions.can(user, permissions.MANAGE_CHANNEL, policy.channel)
    if policy.department_id:
        return permissions.can(user, permissions.MANAGE_DEPARTMENT, policy.department)
    return is_portal_admin(user)


def policies_editable_by(user) -> QuerySet[PostingPolicy]:
    """Every policy `user` may edit, each annotated with `last_version_id` (its newest
    PostingPolicyVersion), as one query whatever the number of policies."""
    latest = PostingPolicyVersion.objects.filter(policy=OuterRef("pk")).order_by("-version").values("pk")[:1]
    policies = PostingPolicy.objects.select_related("department", "channel", "channel__owning_department").annotate(
        last_version_id=Subquery(latest)
    )
    if is_portal_admin(user):
        return policies
    return policies.filter(
        Q(channel__in=managed_channels(user).values("pk")) | Q(department__in=managed_departments(user).values("pk"))
    )


def policy_for_editing(user, policy_id: int) -> PostingPolicy:
    """The policy, if `user` may edit it.

    NotVisible (404) when it is missing or on a channel the user cannot see; PermissionDenied
    (403) when the user can see it but not edit it (the organization's and the departments'
    policies apply to everyone's posts, so their existence is no secret).
    """
    policy = (
        PostingPolicy.objects.select_related("department", "channel", "channel__owning_department")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None or (policy.channel_id and not permissions.can(user, permissions.VIEW_CHANNEL, policy.channel)):
        raise NotVisible("No such policy.")
    if not may_edit_policy(user, policy):
        raise PermissionDenied("You may not edit this policy: it needs a manager of its scope or a portal admin.")
    return policy


def last_changes(policies) -> dict[int, PostingPolicyVersion]:
    """The newest version of each policy (annotated by `policies_editable_by`) with its author:
    one query for all of them."""
    ids = [p.last_version_id for p in policies if p.last_version_id]
    if not ids:
        return {}
    versions = PostingPolicyVersion.objects.filter(pk__in=ids).select_related("created_by")
    return {v.policy_id: v for v in versions}


def versions_of(policy: PostingPolicy) -> list[PostingPolicyVersion]:
    """Every version of the policy, newest first, with who made it."""
    return list(policy.versions.select_related("created_by").order_by("-version"))


@dataclass
class Scope:
    """Where a policy applies, as offered by the form: `value` is what the form posts."""

    value: str
    label: str
    kind: str  # organization | department | channel
    department: Department | None = None
    channel: Channel | None = None
    sort_key: tuple = field(default=())


def scope_of(policy: PostingPolicy) -> Scope:
    if policy.channel_id:
        return channel_scope(policy.channel)
    if policy.department_id:
        return department_scope(policy.department)
    return organization_scope()


def organization_scope() -> Scope:
    return Scope(ORGANIZATION, "The whole organization", "organization", sort_key=(0, ""))


def department_scope(department: Department) -> Scope:
    return Scope(
        f"department:{department.pk}",
        f"Department: {department.name}",
        "department",
        department=department,
        sort_key=(1, department.name.lower(), department.pk),
    )


def channel_scope(channel: Channel) -> Scope:
    return Scope(
        f"channel:{channel.pk}",
        f"Channel: {channel.name}",
        "channel",
        channel=channel,
        sort_key=(2, channel.name.lower(), channel.pk),
    )


def scopes_for(user) -> list[Scope]:
    """The scopes at which `user` may create a policy, broadest first (two queries)."""
    scopes = [organization_scope()] if is_portal_admin(user) else []
    scopes += [department_scope(d) for d in managed_departments(user).order_by("name")]
    scopes += [channel_scope(c) for c in managed_channels(user).order_by("name")]
    return scopes
