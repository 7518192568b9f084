"""Crises: declaring one, ending it, and releasing what it held.

A crisis on a channel, a department or the organization holds every scheduled post in its
scope, voids the approvals given to unpublished posts before it started (their reviews start
again, crisis team included), and adds the crisis-team stage to every submission until it ends.
All of it happens in the one transaction that declares it, in the order every action takes
locks (ARCHITECTURE.md): the channels in scope, then the posts, then the crisis's own row, then
the audit chain's head. So a post being approved, held, released or submitted at that moment is
waited for (or waits) and is then seen as it really is, and nothing deadlocks.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

import audit
from core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from governance import permissions
from governance.models import Channel, CrisisIncident, Department

from ..models import Post, PostState
from ..selectors import posts_visible_to
from .holds import hold, release, reopen_review

# What a crisis changes: scheduled posts are held; approved and in-review ones start their review again.
_CRISIS_AFFECTS = [PostState.SCHEDULED, PostState.APPROVED, PostState.IN_REVIEW]


def scope_filter(incident) -> Q:
    """Posts on the channels a crisis covers: its channel, its department's or every channel."""
    if incident.channel_id:
        return Q(channel_id=incident.channel_id)
    if incident.department_id:
        return Q(channel__owning_department_id=incident.department_id)
    return Q()


def _require_crisis_handler(actor, *, department, channel) -> None:
    """Managers of the channel or department, and the crisis team (organization-wide too)."""
    if permissions.may_handle_crisis(actor, department=department, channel=channel):
        return
    scope = channel or department
    if scope is not None:
        raise PermissionDenied(f"You may not do this: it needs “{permissions.HANDLE_CRISIS}” on {scope}.")
    raise PermissionDenied("Only the crisis team declares an organization-wide crisis.")


@transaction.atomic
def start_crisis(
    *, actor, reason: str, department: Department | None = None, channel: Channel | None = None
) -> CrisisIncident:
    """Declare a crisis on a channel, a department or (neither) the organization.

    Who: the channel's managers or the crisis team (departments: their managers or the crisis
    team; the organization: the crisis team). One active crisis per scope. In scope, scheduled
    posts are held and the approvals given so far are voided, and every submission needs the
    crisis team until it ends.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why: a reason is required.", errors={"reason": ["Required."]})
    _require_crisis_handler(actor, department=department, channel=channel)
    # 1. The channels in scope, one start at a time per channel: a review plan being computed on
    # one of them (`governance.selectors.crisis_covering`, a share lock) waits for this crisis and
    # includes it. NO KEY UPDATE leaves inserts referring to the channels (new posts) unblocked.
    in_scope = Channel.objects.all()
    if channel is not None:
        in_scope = in_scope.filter(pk=channel.pk)
    elif department is not None:
        in_scope = in_scope.filter(owning_department=department)
    list(in_scope.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
    # 2. The posts it changes, in id order (the order every batch locks in): one being approved
    # now is waited for, and then seen as the approval left it.
    affected = CrisisIncident(department=department, channel=channel)
    post_ids = list(
        Post.objects.select_for_update(of=("self",))
        .filter(scope_filter(affected), state__in=_CRISIS_AFFECTS)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    # 3. Its own row.
    if CrisisIncident.objects.filter(ended_at=None, department=department, channel=channel).exists():
        raise Conflict("A crisis is already active here; end it before declaring another.", code="crisis_active")
    incident = CrisisIncident.objects.create(
        department=department, channel=channel, reason=reason, started_by=actor, started_at=timezone.now()
    )
    # 4. The audit chain, then what it does to each post.
    audit.record(
        "governance.crisis.start",
        actor=actor,
        target=incident,
        channel_id=channel.pk if channel else None,
        data={"scope": incident.scope_label, "reason": reason},
    )
    for post in Post.objects.filter(pk__in=post_ids).order_by("id"):
        if post.state == PostState.SCHEDULED:
            hold(post, actor=None, reason=f"Held by crisis #{incident.pk}: {incident.reason}"[:500], crisis=incident)
        else:
            reopen_review(post, actor=None, reason=f"crisis #{incident.pk} started")
    return incident


@transaction.atomic
def end_crisis(incident: CrisisIncident, *, actor, note: str = "") -> CrisisIncident:
    """End an active crisis. Who: as for starting it. What it held stays held until released
    (`release_held_posts`, or post by post). A holding statement still in review in its scope
    leaves the statement path (the path applies only while its crisis is active): its review
    starts again with the channel's normal plan."""
    incident = CrisisIncident.objects.select_related("channel", "department").get(pk=incident.pk)
    _require_crisis_handler(actor, department=incident.department, channel=incident.channel)
    # The order of every action: the channels in scope, the statements in review there, then the
    # crisis's own row. A statement being approved now is waited for, and then seen as it is.
    list(_channels_in_scope(incident).select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
    statements = list(
        Post.objects.select_for_update(of=("self",))
        .filter(scope_filter(incident), state=PostState.IN_REVIEW, holding_statement__isnull=False)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    incident = CrisisIncident.objects.select_for_update().get(pk=incident.pk)
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
    for post in Post.objects.filter(pk__in=statements).order_by("id"):
        reopen_review(post, actor=None, reason=f"crisis #{incident.pk} ended", leave_statement_path=True)
    return incident


def _channels_in_scope(incident):
    if incident.channel_id:
        return Channel.objects.filter(pk=incident.channel_id)
    if incident.department_id:
        return Channel.objects.filter(owning_department_id=incident.department_id)
    return Channel.objects.all()


def release_held_posts(incident: CrisisIncident, *, actor) -> dict[str, list]:
    """Release what the ended crisis held (scheduled posts it stopped, posts delivery held for
    it), each in its own transaction (one refusal never undoes the others): never what a person
    held by hand, a revoked consent holds, or another crisis held. A crisis still active is a
    Conflict; then, who: the managers of its scope and the crisis team (as for ending it), else
    PermissionDenied before anything is done. Posts a still-active crisis covers stay held and
    are reported with the reason; the answer names only posts the actor may see."""
    incident = CrisisIncident.objects.select_related("channel", "department").get(pk=incident.pk)
    if incident.is_active:  # the state before the permission (API.md: 409 before 403)
        raise Conflict("The crisis is still active; end it before releasing what it held.", code="crisis_active")
    _require_crisis_handler(actor, department=incident.department, channel=incident.channel)
    released, skipped = [], []
    held = posts_visible_to(actor).filter(held_by_crisis=incident, state=PostState.HELD).order_by("id")
    for post in held:
        try:
            post = release(post, actor=actor, expected_version=post.version)
        except DomainError as exc:
            skipped.append({"id": post.pk, "code": exc.code, "detail": str(exc.detail)})
        else:
            released.append({"id": post.pk, "state": post.state})
    return {"released": released, "skipped": skipped}
