"""Reads for departments and channels, already filtered by what the user may see."""

from django.db.models import Q, QuerySet

from accounts import roles
from core.errors import NotVisible

from . import permissions
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


def channel_directory() -> QuerySet[Channel]:
    """The channel directory, open to every signed-in user (API.md): every channel, with the
    department that owns it. Who may act on a channel is its permissions, not this."""
    return Channel.objects.select_related("owning_department")


def directory_channel(slug: str) -> Channel:
    """The channel of the directory, or NotVisible when there is none by that slug."""
    channel = channel_directory().filter(slug=slug).first()
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


def crises_for(channel: Channel, crises: list) -> list:
    """Every active crisis that covers `channel` (its own, its department's, the organization's),
    the narrowest first: several may overlap."""

    def breadth(incident) -> int:
        return 0 if incident.channel_id else 1 if incident.department_id else 2

    covering = [
        incident
        for incident in crises
        if incident.channel_id == channel.pk
        or (incident.channel_id is None and incident.department_id == channel.owning_department_id)
        or (incident.channel_id is None and incident.department_id is None)
    ]
    return sorted(covering, key=lambda incident: (breadth(incident), incident.pk))


def crisis_covering(channel: Channel) -> object | None:
    """The active crisis covering `channel`, read under a share lock on the channel's row.

    A crisis being declared on the channel at this moment holds that row (`start_crisis` locks
    every channel in its scope), so this waits for it to commit or roll back and then sees it.
    Without the wait, a review plan computed while the crisis is still uncommitted would leave
    out the crisis team, and the crisis, not yet seeing the post in review, would not reopen it.
    Call it inside the transaction that acts on what it returns.
    """
    from django.db import connection

    if connection.vendor == "postgresql":  # SQLite runs one writer at a time anyway
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Channel._meta.db_table)
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [channel.pk])  # noqa: S608  # nosec B608 - table name
    return crisis_for(channel, active_crises())


def crises_visible_to(user):
    """Crises on the organization or a department (everyone is affected by those), and crises
    on the channels the user may see; newest first."""
    from .models import CrisisIncident

    return CrisisIncident.objects.filter(
        Q(channel__isnull=True) | Q(channel__in=channels_visible_to(user).values("pk"))
    ).select_related("channel", "department", "started_by", "ended_by")


def crisis_for_user(user, crisis_id: int):
    """The crisis, or NotVisible when it is missing or on a channel the user may not see."""
    incident = crises_visible_to(user).filter(pk=crisis_id).first()
    if incident is None:
        raise NotVisible("No such crisis.")
    return incident


def may_see_timeline(user, incident) -> bool:
    """Who handles the crisis (its channel's or department's managers, the crisis team) and
    compliance officers; the timeline carries every post's reasons and decisions."""
    if roles.is_compliance_officer(user):
        return True
    return permissions.may_handle_crisis(user, department=incident.department, channel=incident.channel)


def incident_timeline(incident):
    """Every audit event of the incident, oldest first: its start and end, everything that
    happened on the channels it covered while it was active (holds, voided approvals, the
    crisis-team reviews, holding statements), and the release of the posts it held after it
    ended. Bounded by the chain positions of its start and end events (the seq index)."""
    from audit.models import AuditEvent

    own = AuditEvent.objects.filter(target_type="governance.crisisincident", target_id=str(incident.pk))
    marks = dict(
        own.filter(action__in=["governance.crisis.start", "governance.crisis.end"]).values_list("action", "seq")
    )
    start_seq = marks.get("governance.crisis.start")
    if start_seq is None:
        return list(own.order_by("seq"))
    end_seq = marks.get("governance.crisis.end")
    if incident.channel_id:
        in_scope = Q(channel_id=incident.channel_id)
    elif incident.department_id:
        in_scope = Q(
            channel_id__in=list(
                Channel.objects.filter(owning_department_id=incident.department_id).values_list("pk", flat=True)
            )
        )
    else:
        in_scope = Q(channel_id__isnull=False)
    during = Q(seq__gte=start_seq) & (Q(seq__lte=end_seq) if end_seq else Q()) & in_scope
    events = list(AuditEvent.objects.filter(during | Q(pk__in=own.values("pk"))).order_by("seq"))
    if end_seq:
        held = {e.target_id for e in events if e.action == "approvals.post.hold"}
        if held:
            events += list(
                AuditEvent.objects.filter(
                    seq__gt=end_seq, action="approvals.post.release", target_type="approvals.post", target_id__in=held
                ).order_by("seq")
            )
    return events


# Whoever drafts, reviews or manages a channel sees the consents covering it (authors cite them).
CONSENT_VIEWER_PERMISSIONS = (permissions.DRAFT, permissions.REVIEW, permissions.MANAGE_CHANNEL)


def valid_consents_q(day) -> Q:
    """Consents valid on `day` (whatever their scope): granted by then, not expired, not revoked.
    The same test as `Consent.problem_on`, in SQL."""
    return Q(revoked_at__isnull=True, granted_on__lte=day) & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))


def consents_visible_to(user) -> QuerySet:
    """Consents the user may see, as one query: compliance officers see every one; anyone else
    those whose scope includes a channel on which they may draft, review or manage."""
    from django.db.models import Exists, OuterRef

    from .models import Consent

    consents = Consent.objects.select_related("recorded_by", "revoked_by").prefetch_related("channels")
    if not (user.is_authenticated and user.is_active):
        return consents.none()
    if user.is_superuser:
        return consents
    scope = None
    for perm in CONSENT_VIEWER_PERMISSIONS:
        channels = permissions.visible(user, perm, Channel.objects.all())
        scope = channels if scope is None else scope | channels
    in_scope = Consent.channels.through.objects.filter(consent_id=OuterRef("pk"), channel_id__in=scope.values("pk"))
    return consents.filter(roles.is_compliance_officer_sql(user) | Exists(in_scope))


def may_see_consent(user, consent) -> bool:
    """Whether the user may see `consent`'s details (who consented, where the form is): the
    rule `consent_for` answers 404 by."""
    return consent is not None and consents_visible_to(user).filter(pk=consent.pk).exists()


def consent_for(user, consent_id):
    """The consent, or NotVisible when it is missing or the user may not see it."""
    try:
        consent_id = int(consent_id)
    except (TypeError, ValueError):
        raise NotVisible("No such consent.") from None
    consent = consents_visible_to(user).filter(pk=consent_id).first()
    if consent is None:
        raise NotVisible("No such consent.")
    return consent


# --- the organization directory ----------------------------------------------------------------
# (What the screen reads of it, as a `sensitive.Directory`, is `rules.directory.organization_directory`.)


def directory_entries() -> QuerySet:
    """The organization's directory, open to every signed-in member of staff (its phone numbers,
    domains, addresses and staff names are the organization's own, published ones), by kind."""
    from .models import DirectoryEntry

    return DirectoryEntry.objects.order_by("kind", "normalised", "id")


def directory_entry_for(entry_id) -> object:
    """The entry, or NotVisible when there is none by that id."""
    try:
        entry_id = int(entry_id)
    except (TypeError, ValueError):
        raise NotVisible("No such directory entry.") from None
    entry = directory_entries().filter(pk=entry_id).first()
    if entry is None:
        raise NotVisible("No such directory entry.")
    return entry


def may_edit_directory(user) -> bool:
    """Portal admins change the directory (the rule of `actions.add_directory_entry`)."""
    return permissions.holds_everywhere(user, permissions.MANAGE_DEPARTMENT)
