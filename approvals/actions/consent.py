"""What revoking a consent does to the posts citing it (governance sends `consent_revoked`,
approvals.receivers calls `act_on_revoked_consent` inside that same transaction)."""

from django.db import transaction

import audit
from core.db import after_commit

from .. import tasks
from ..models import Post, PostState, RetractionRequest
from ..workflow import Action, allowed
from .posts import hold

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
def act_on_revoked_consent(consent) -> dict[str, list[int]]:
    """Every post citing the revoked `consent`: what has not gone out is held by the system
    (in review, approved, scheduled, failed, or stopped at delivery); what is published becomes
    a retraction request for the channel's managers. Drafts and posts sent back for changes
    keep their state; held posts stay held (releasing them needs a valid consent).

    Each post is locked before its state is read, so that a post scheduled or released at the
    same moment is held once that other transaction has committed (and one that cites another
    consent by then is left alone)."""
    reason = f"The consent of {consent.person_name} ({consent.document_reference}) was revoked."
    candidates = list(
        Post.objects.filter(consent=consent).exclude(state__in=_UNTOUCHED).order_by("id").values_list("pk", flat=True)
    )
    held, retraction_requested = [], []
    for pk in candidates:
        post = Post.objects.select_for_update(of=("self",)).filter(pk=pk, consent=consent).first()
        if post is None:
            continue
        if allowed(post.state, Action.HOLD):
            hold(post, actor=None, reason=f"Held: {reason}")
            held.append(pk)
        elif post.state in (PostState.PUBLISHED, PostState.PUBLISHING):
            detail = f"{reason} Reason given: {consent.revocation_reason}" if consent.revocation_reason else reason
            if request_retraction(post, consent=consent, reason=detail):
                retraction_requested.append(pk)
    return {"held": held, "retraction_requested": retraction_requested}
