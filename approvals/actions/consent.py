"""Revoking a consent, and what it does to the posts citing it: what has not gone out is held,
what is published becomes a retraction request for the channel's managers. One transaction,
in the order every action takes locks (ARCHITECTURE.md): the posts citing the consent, then
the consent's own row, then the audit chain's head. So a post being approved, scheduled,
released or delivered at that moment is waited for and then held, and nothing deadlocks."""

from django.db import transaction
from django.utils import timezone

import audit
from core.db import after_commit
from core.errors import Conflict, ValidationFailed
from governance.actions.consent import lock_consent, require_consent_governance, scope_channel_id
from governance.models import Consent

from .. import tasks
from ..models import Post, PostState, RetractionRequest
from ..workflow import Action, allowed
from .holds import hold

# Posts that keep their state when the consent they cite is revoked: they cannot go out
# anyway (the author cites another consent), or never will.
_UNTOUCHED = (
    PostState.DRAFT,
    PostState.CHANGES_REQUESTED,
    PostState.REJECTED,
    PostState.WITHDRAWN,
    PostState.RETRACTED,
)


@transaction.atomic
def request_retraction(post: Post, *, actor=None, consent=None, reason: str) -> RetractionRequest | None:
    """Ask the channel's managers to take a published post down: a task that stays open until
    the post is retracted (`retract` completes it), e-mailed to them after the commit. Who: the
    system, when the consent the post cites is revoked. None when one is already open."""
    if RetractionRequest.objects.filter(post=post, done_at__isnull=True).exists():
        return None
    request = RetractionRequest.objects.create(post=post, consent=consent, reason=reason[:500])
    audit.record(
        "approvals.post.request_retraction",
        actor=actor,
        target=post,
        channel_id=post.channel_id,
        data={
            "retraction_request_id": request.pk,
            "consent_id": consent.pk if consent else None,
            "state": post.state,
            "reason": request.reason,
        },
    )
    after_commit(tasks.notify_retraction_requested, request.pk)
    return request


@transaction.atomic
def revoke_consent(consent: Consent, *, actor, expected_version: int | None, reason: str) -> Consent:
    """Revoke a consent (the person withdrew it, or it was recorded in error); a reason is
    required. Every unpublished post citing it is held, and every published one becomes a
    retraction request for its channel's managers. Drafts and posts sent back for changes keep
    their state (they cannot go out without citing a valid consent); held posts stay held
    (releasing them needs a valid consent). Who: compliance officers, and managers of every
    channel the consent covers."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why: a reason is required.", errors={"reason": ["Required."]})
    # 1. The posts it changes, in id order: one being scheduled or released now is waited for,
    # and then seen (and held) as that other transaction left it.
    post_ids = list(
        Post.objects.select_for_update(of=("self",))
        .filter(consent=consent)
        .exclude(state__in=_UNTOUCHED)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    # 2. Its own row.
    consent = lock_consent(consent, expected_version)
    channels = sorted(consent.channels.all(), key=lambda channel: channel.slug)
    require_consent_governance(actor, channels)
    if consent.is_revoked:
        raise Conflict("This consent has already been revoked.", code="consent_revoked")
    consent.revoked_at, consent.revoked_by, consent.revocation_reason = timezone.now(), actor, reason[:500]
    consent.version += 1
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_reason", "version"])
    # 3. The audit chain, then what it does to each post.
    audit.record(
        "governance.consent.revoke",
        actor=actor,
        target=consent,
        channel_id=scope_channel_id(channels),
        data={
            "person_name": consent.person_name,
            "document_reference": consent.document_reference,
            "channels": [channel.slug for channel in channels],
            "reason": consent.revocation_reason,
            "version": consent.version,
        },
    )
    _act_on_revoked_consent(consent, post_ids)
    return consent


def _act_on_revoked_consent(consent: Consent, post_ids: list[int]) -> None:
    """Hold what of `post_ids` (locked, citing `consent`) has not gone out; ask for the published
    ones to be retracted."""
    # Shown to everyone who sees the post (its status): the consent's details are not.
    reason = "The consent it cites was revoked."
    for post in Post.objects.filter(pk__in=post_ids).order_by("id"):
        if allowed(post.state, Action.HOLD):
            hold(post, actor=None, reason=f"Held: {reason}")
        elif post.state in (PostState.PUBLISHED, PostState.PUBLISHING):
            detail = f"{reason} Reason given: {consent.revocation_reason}" if consent.revocation_reason else reason
            request_retraction(post, consent=consent, reason=detail)
