"""Break-glass publishing: in an emergency, a post goes out at once, approved or not.

Holders of the break-glass permission on the channel (the crisis team everywhere, anyone a
portal admin or compliance officer gave it to on one channel: `governance.break_glass`) may
send a post out now with a reason, skipping whatever review it still needed, never what the
posting policy blocks. That is the control given up; what replaces it comes after:
compliance officers are e-mailed at once and must complete a retrospective review within
24 hours (it stays in their queue until then), and every use is audited with what it skipped.

Approvals already given are neither voided nor counted as more than they were: they stay on
record against the revision that went out, and the audit event names the stages that had not
approved it.
"""

import copy
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

import audit
from accounts import roles
from core.db import after_commit
from core.errors import Conflict, PermissionDenied, ValidationFailed

from .. import signals, tasks
from ..models import Decision, Post, PostState, RetrospectiveReview, ReviewStage
from ..permissions import active_decisions, going_out_problem
from ..workflow import Action, performs
from .base import FIELDS_ON_CHANGE, clear_review, guard, lock_post, record_transition, refuse_blocks
from .drafting import escalations, policy_check
from .review import review_plan

# How long compliance has to review a break-glass publication.
RETROSPECTIVE_DUE_AFTER = timedelta(hours=24)


def _unapproved_stages(post: Post, check) -> list[str]:
    """The stages whose approvals the current revision still lacked: of the plan fixed at its
    submission, or, for a post never submitted, of the plan a submission would get now."""
    if post.review_plan:
        plan = list(ReviewStage.objects.filter(pk__in=post.review_plan))
        plan.sort(key=lambda stage: post.review_plan.index(stage.pk))
    else:
        # review_plan reads the post's escalations, which only a submission records.
        would_be = copy.copy(post)
        would_be.escalations = escalations(post, check)
        plan = review_plan(would_be)
    approvals: dict[int, int] = {}
    for decision in active_decisions(post):
        if decision.decision == Decision.APPROVE:
            approvals[decision.stage_id] = approvals.get(decision.stage_id, 0) + 1
    return [stage.slug for stage in plan if approvals.get(stage.pk, 0) < stage.approvals_required]


@performs(Action.BREAK_GLASS)
@transaction.atomic
def break_glass(post: Post, *, actor, expected_version: int | None, reason: str) -> Post:
    """Publish `post` now, approved or not (from draft, changes requested, in review, approved,
    scheduled, held or failed). Who: holders of the break-glass permission on its channel, its
    authors included. A reason is required; a post on a consent channel still needs a valid
    consent; a `block` finding of the posting policy refuses it (it skips review, not the
    policy). Closes the open review, requests delivery, and opens a retrospective review for
    compliance officers, due in 24 hours, whom it e-mails once the change has committed."""
    post = lock_post(post)
    guard(post, Action.BREAK_GLASS, actor, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why this cannot wait for the review.", errors={"reason": ["A reason is required."]})
    problem = going_out_problem(post)
    if problem:
        raise ValidationFailed(problem, code="consent_required", errors={"consent": [problem]})
    before_state, skipped_stage = post.state, post.current_stage
    # It goes out now: the time it was scheduled for is not when it is published.
    check = policy_check(post, going_out_now=True)
    # Break-glass skips the review, never the posting policy's blocks (a banned term, a missing
    # certification, anything a rule says must not go out).
    refuse_blocks(
        check, "Break-glass skips the review, never what the posting policy blocks: ", more=" ({n} more problem(s).)"
    )
    unapproved = _unapproved_stages(post, check)
    fields = [*FIELDS_ON_CHANGE, *clear_review(post), "status_reason", "held_from"]
    post.state = PostState.PUBLISHING
    post.status_reason = ""
    post.held_from = ""
    post.version += 1
    post.save(update_fields=fields)
    now = timezone.now()
    review = RetrospectiveReview.objects.create(
        post=post,
        revision=post.current_revision,
        content_hash=post.current_revision.content_hash,
        reason=reason,
        requested_by=actor,
        requested_at=now,
        due_at=now + RETROSPECTIVE_DUE_AFTER,
    )
    record_transition(
        "break_glass",
        post,
        actor=actor,
        before_state=before_state,
        reason=reason,
        skipped_from=before_state,
        open_stage=skipped_stage.slug if skipped_stage else None,
        unapproved_stages=unapproved,
        # What the posting policy says of the text that went out (warnings and escalations:
        # a block refuses break-glass): compliance should see what the skipped review would have seen.
        findings=[f.as_dict() for f in check.findings],
        policy_versions=check.policy_versions,
        retrospective_review_id=review.pk,
        retrospective_due_at=review.due_at,
    )
    after_commit(tasks.notify_break_glass, review.pk)
    signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@transaction.atomic
def complete_retrospective(
    review: RetrospectiveReview, *, actor, outcome: str, comment: str = ""
) -> RetrospectiveReview:
    """Record a compliance officer's verdict on a break-glass publication: justified, or not
    justified (then a comment is required). Who: compliance officers, never the person who
    broke the glass. A review is completed once (409 after that)."""
    if not roles.is_compliance_officer(actor):
        raise PermissionDenied("Only compliance officers review break-glass publications.")
    review = (
        RetrospectiveReview.objects.select_for_update(of=("self",))
        .select_related("post", "requested_by")
        .get(pk=review.pk)
    )
    if review.completed_at is not None:
        raise Conflict(
            f"This retrospective review was already completed ({review.get_outcome_display().lower()}).",
            code="already_completed",
        )
    if review.requested_by_id == actor.pk:
        raise PermissionDenied("You broke the glass yourself; another compliance officer must review it.")
    if outcome not in RetrospectiveReview.Outcome.values:
        choices = ", ".join(RetrospectiveReview.Outcome.values)
        raise ValidationFailed(errors={"outcome": [f"Choose one of: {choices}."]})
    comment = (comment or "").strip()
    if outcome == RetrospectiveReview.Outcome.NOT_JUSTIFIED and not comment:
        raise ValidationFailed(
            "Say why the break-glass publication was not justified.", errors={"comment": ["Required."]}
        )
    review.completed_at = timezone.now()
    review.completed_by = actor
    review.outcome = outcome
    review.comment = comment
    review.save(update_fields=["completed_at", "completed_by", "outcome", "comment"])
    audit.record(
        "approvals.retrospective.complete",
        actor=actor,
        target=review,
        channel_id=review.post.channel_id,
        data={
            "post_id": review.post_id,
            "revision_id": review.revision_id,
            "content_hash": review.content_hash,
            "requested_by": review.requested_by.get_username(),
            "outcome": outcome,
            "comment": comment,
            "due_at": review.due_at,
            "late": review.completed_at > review.due_at,
        },
    )
    return review
