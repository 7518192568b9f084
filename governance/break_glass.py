"""Who may give someone the break-glass permission, and telling compliance when it happens.

Break-glass (`break_glass_on_channel`) lets its holder publish without review. It is given
only by a portal admin or a compliance officer, never to oneself, however it is given: a
direct grant on a channel (to a user, or to a group the giver is not in), a place in a group
that holds it on some channel (a department group it was granted to), or the Crisis Team
role (which holds it everywhere). Every such grant is e-mailed to the compliance officers
once the change has committed; the audit event records it in any case.
"""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from guardian.utils import get_group_obj_perms_model

from accounts import roles
from core.errors import PermissionDenied

from . import permissions
from .models import Channel

logger = logging.getLogger(__name__)


def may_grant(actor) -> bool:
    """Portal admins and compliance officers (the system, `None`, too: seeds and migrations)."""
    return (
        actor is None
        or permissions.holds_everywhere(actor, permissions.MANAGE_DEPARTMENT)
        or roles.is_compliance_officer(actor)
    )


def require_granter(actor, *, users=(), group=None) -> None:
    """Refuse unless `actor` may give break-glass to `users` / the members of `group`."""
    if not may_grant(actor):
        raise PermissionDenied(
            "Only a portal admin or a compliance officer gives the break-glass permission.", code="break_glass_grant"
        )
    if actor is None:
        return
    if any(user.pk == actor.pk for user in users) or (group is not None and actor.groups.filter(pk=group.pk).exists()):
        raise PermissionDenied(
            "Nobody gives themselves a permission (break-glass: ask another portal admin or compliance officer).",
            code="break_glass_self_grant",
        )


def group_holds_it(group) -> bool:
    """Does `group` hold break-glass on some channel (so that joining it gives break-glass)?"""
    if group is None:
        return False
    if group.name in {role for role, perms in permissions.ROLE_GRANTS.items() if permissions.BREAK_GLASS in perms}:
        return True
    return (
        get_group_obj_perms_model(Channel)
        .objects.filter(group=group, permission__codename=permissions.BREAK_GLASS)
        .exists()
    )


def announce(*, actor, grantee: str, where: str) -> None:
    """After the commit: e-mail every compliance officer that `grantee` now holds break-glass."""
    who = actor.label if actor is not None else "Clearpost"

    def send_announcement():
        _send(who=who, grantee=grantee, where=where)

    transaction.on_commit(send_announcement, robust=True)


def _send(*, who: str, grantee: str, where: str) -> int:
    officers = roles.members_of(roles.COMPLIANCE_OFFICER).exclude(email="")
    subject = f"[Clearpost] Break-glass permission given to {grantee}"
    body = (
        f"{who} gave {grantee} the break-glass permission {where}: they may now publish there "
        "without review (each use opens a retrospective review for you).\n\n"
        f"The audit log records every grant: {settings.SITE_URL}/audit/\n"
    )
    addresses = sorted(set(officers.values_list("email", flat=True)))
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    try:
        return send_mass_mail(messages, fail_silently=False) if messages else 0
    except OSError:  # the mail server is down: the grant has committed; log, don't fail
        logger.exception("Could not announce a break-glass grant")
        return 0
