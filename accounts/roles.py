"""Organization-wide roles, and the one answer to "does this user hold role X?".

Each role is a Django group, created after every migrate (accounts.apps.ensure_roles). A
user's role names are read once per request (one query) and kept in the request's cache on
the user object (`core.cache`; `governance.permissions.forget` drops them with the rest).
Superusers hold every role's powers but are not counted as members of any: they are not
everyone's reviewer or compliance officer in lists of people to notify.
"""

from django.db.models import Exists

from core import cache

AUTHOR = "Author"
REVIEWER = "Reviewer"
COMPLIANCE_OFFICER = "Compliance Officer"
CRISIS_TEAM = "Crisis Team"
PORTAL_ADMIN = "Portal Admin"

ALL_ROLES = (AUTHOR, REVIEWER, COMPLIANCE_OFFICER, CRISIS_TEAM, PORTAL_ADMIN)


def is_active(user) -> bool:
    """A signed-in, active account (anonymous and deactivated users hold nothing)."""
    return user is not None and user.is_authenticated and user.is_active


def role_names(user) -> frozenset[str]:
    """The user's global roles (one query, then cached for the request)."""
    if not is_active(user):
        return frozenset()
    return cache.remember(
        user, "roles", lambda: frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
    )


def has_role(user, role: str) -> bool:
    """Does `user` hold `role`, or may do anything (an active superuser)?"""
    return is_active(user) and (user.is_superuser or role in role_names(user))


def is_compliance_officer(user) -> bool:
    """Compliance officers (and superusers): they read the audit log, see every post and
    consent, and review break-glass publications afterwards."""
    return has_role(user, COMPLIANCE_OFFICER)


def holds_role_sql(user, role: str) -> Exists:
    """`has_role` for a non-superuser as an SQL condition, for a list that must stay one query
    (`queryset.filter(holds_role_sql(user, REVIEWER) | …)`)."""
    from django.contrib.auth.models import Group

    return Exists(Group.objects.filter(user=user, name=role))


def is_compliance_officer_sql(user) -> Exists:
    """`is_compliance_officer` of a non-superuser as an SQL condition (see `holds_role_sql`)."""
    return holds_role_sql(user, COMPLIANCE_OFFICER)


def members_of(role: str):
    """The active users who hold `role` as members of its group (superusers only if members)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=role, is_active=True).distinct()
