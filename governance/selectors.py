"""Reads for departments and channels, already filtered by what the user may see."""

from django.db.models import Q, QuerySet

from . import permissions
from .errors import NotVisible
from .models import Channel, Department


def channels_visible_to(user, *, perm: str = permissions.VIEW_CHANNEL) -> QuerySet[Channel]:
    """Channels on which `user` holds `perm` (by default: any permission, or an org-wide role)."""
    return permissions.visible(user, perm, Channel.objects.select_related("owning_department"))


def channel_for(user, slug: str) -> Channel:
    """The channel, or NotVisible when it is missing or the user may not see it."""
    channel = channels_visible_to(user).filter(slug=slug).first()
    if channel is None:
        raise NotVisible("No such channel.")
    return channel


def departments() -> QuerySet[Department]:
    """The organization chart is open to every signed-in user."""
    return Department.objects.all()


def department_for(slug: str) -> Department:
    department = Department.objects.filter(slug=slug).first()
    if department is None:
        raise NotVisible("No such department.")
    return department


def memberships_of(user) -> list[tuple[Department, list[str]]]:
    """The departments the user belongs to, each with the user's roles in it (authors, …)."""
    group_ids = set(user.groups.values_list("pk", flat=True))
    if not group_ids:
        return []
    found = Department.objects.filter(
        Q(authors_group__in=group_ids) | Q(reviewers_group__in=group_ids) | Q(managers_group__in=group_ids)
    )
    result = []
    for department in found:
        ids = {
            "authors": department.authors_group_id,
            "reviewers": department.reviewers_group_id,
            "managers": department.managers_group_id,
        }
        result.append((department, [role for role, gid in ids.items() if gid in group_ids]))
    return result


def channels_with_permissions(user, channels) -> list[tuple[Channel, list[str]]]:
    """Each channel with the user's permissions on it, in a constant number of queries."""
    channels = list(channels)
    permissions.prefetch(user, channels)
    return [(channel, sorted(permissions.perms_on(user, channel))) for channel in channels]


def active_crises():
    """Every active crisis (there are few), for mapping onto channels without a query per row."""
    from .models import CrisisIncident

    return list(CrisisIncident.objects.filter(ended_at=None).select_related("channel", "department"))


def crisis_for(channel: Channel, crises: list) -> object | None:
    """The active crisis that covers `channel`: its own, its department's or the organization's."""
    for incident in crises:
        if incident.channel_id == channel.pk:
            return incident
    for incident in crises:
        if incident.department_id == channel.owning_department_id and incident.channel_id is None:
            return incident
    for incident in crises:
        if incident.department_id is None and incident.channel_id is None:
            return incident
    return None
