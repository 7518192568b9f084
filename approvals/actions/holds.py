"""Holding a post on its way out (a manager, a crisis, a revoked consent) and releasing it to
where it was; a crisis reopening a review."""

from django.db import transaction
from django.utils import timezone

from core.db import after_commit
from core.errors import Conflict
from governance import selectors as governance_selectors

from .. import signals, tasks
from ..models import (
    HoldCause,
    Post,
    PostState,
)
from ..permissions import require_valid_consent
from ..workflow import Action, performs
from .base import (
    FIELDS_ON_CHANGE,
    guard,
    lock_post,
    record_transition,
    void_decisions,
)
from .review import review_plan


@performs(Action.HOLD)
@transaction.atomic
def hold(post: Post, *, actor, expected_version: int | None = None, reason: str, crisis=None) -> Post:
    """Stop a post on its way out (in review, approved, scheduled or failed). Who: channel
    managers, the crisis team, or the system (a crisis starts, a consent is revoked). The
    post remembers where it was, so that releasing it returns it there, and who or what held
    it (`crisis`: the crisis that holds it), so that ending a crisis releases only its own."""
    post = lock_post(post)
    guard(post, Action.HOLD, actor, expected_version)
    before_state = post.state
    post.held_from = post.state
    post.state = PostState.HELD
    post.status_reason = (reason or "Held")[:500]
    if crisis is not None:
        post.hold_cause, post.held_by, post.held_by_crisis = HoldCause.CRISIS, None, crisis
    elif actor is not None:
        post.hold_cause, post.held_by, post.held_by_crisis = HoldCause.HAND, actor, None
    else:
        post.hold_cause, post.held_by, post.held_by_crisis = HoldCause.CONSENT, None, None
    post.version += 1
    post.save(update_fields=[*FIELDS_ON_CHANGE, "status_reason", *_HOLD_FIELDS])
    record_transition(
        "hold",
        post,
        actor=actor,
        before_state=before_state,
        reason=post.status_reason,
        cause=post.hold_cause,
        crisis_id=post.held_by_crisis_id,
    )
    return post


_HOLD_FIELDS = ["held_from", "hold_cause", "held_by", "held_by_crisis"]


def _crisis_refusal(incident) -> str | None:
    """Why a held post may not be released while `incident` covers its channel (None: none does)."""
    if incident is not None:
        return f"A crisis is active on {incident.scope_label} (#{incident.pk}); end it before releasing posts."
    return None


@performs(Action.RELEASE)
@transaction.atomic
def release(post: Post, *, actor, expected_version: int | None = None) -> Post:
    """Let a held post go on from where it was held: a review held mid-way starts again (its
    approvals are voided), and so does the review of a post a crisis held on its way out (its
    approvals were given before the crisis: ARCHITECTURE.md); a post held by hand or for its
    consent that was approved is scheduled again if its time is still ahead, else approved
    (waiting for a publisher); a failed post fails again, waiting for a retry.
    Who: channel managers and the crisis team, once no crisis covers the channel."""
    # The channel before the post (the order of every action): a crisis being declared on it now
    # is waited for, and then refuses the release, instead of the post going back on its way
    # under a crisis that had not committed yet.
    incident = governance_selectors.crisis_covering(post.channel)
    post = lock_post(post)
    guard(post, Action.RELEASE, actor, expected_version)
    problem = _crisis_refusal(incident)
    if problem:
        raise Conflict(problem, code="crisis_active")
    back_to_review = post.held_from == PostState.IN_REVIEW or post.hold_cause == HoldCause.CRISIS
    if not back_to_review:
        # Back on its way out: only with a valid consent (a review held mid-way may resume without).
        ahead = post.scheduled_at is not None and post.scheduled_at > timezone.now()
        require_valid_consent(post, when=post.scheduled_at if ahead else None)
    before_state, held_from = post.state, post.held_from
    held_by_crisis = post.held_by_crisis_id
    fields = [*FIELDS_ON_CHANGE, "status_reason", *_HOLD_FIELDS]
    voided = 0
    if back_to_review:
        voided = void_decisions(post, "released from hold")
        plan = review_plan(post, crisis=incident)
        post.review_plan = [stage.pk for stage in plan]
        post.current_stage, post.awaiting_since = plan[0], timezone.now()
        post.state = PostState.IN_REVIEW
        post.approved_in_crises = []
        fields += ["review_plan", "current_stage", "awaiting_since", "approved_in_crises"]
    elif held_from == PostState.FAILED:
        post.state = PostState.FAILED
    elif held_from == PostState.PUBLISHING:
        post.state = PostState.PUBLISHING  # stopped at delivery: it goes out now
    else:
        ahead = post.scheduled_at is not None and post.scheduled_at > timezone.now()
        post.state = PostState.SCHEDULED if ahead else PostState.APPROVED
    post.status_reason = "Released after a failed delivery; retry it." if post.state == PostState.FAILED else ""
    post.held_from, post.hold_cause, post.held_by, post.held_by_crisis = "", "", None, None
    post.version += 1
    post.save(update_fields=fields)
    record_transition(
        "release",
        post,
        actor=actor,
        before_state=before_state,
        held_from=held_from,
        voided_decisions=voided,
        crisis_id=held_by_crisis,
    )
    if post.state == PostState.IN_REVIEW:
        after_commit(tasks.notify_stage_opened, post.pk, post.current_stage_id)
    if post.state in (PostState.SCHEDULED, PostState.PUBLISHING):
        signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@transaction.atomic
def reopen_review(post: Post, *, actor=None, reason: str, leave_statement_path: bool = False) -> Post:
    """Void the approvals given so far and start the review again with the plan that applies
    now (a crisis adds its stage). Who: the system, when a crisis starts, or ends while a
    holding statement is in review (`leave_statement_path`: it gets the normal plan)."""
    post = lock_post(post)
    guard(post, Action.REOPEN, actor, post.version)
    before_state = post.state
    voided = void_decisions(post, reason[:200])
    fields = [*FIELDS_ON_CHANGE, "review_plan", "current_stage", "awaiting_since", "approved_in_crises"]
    if leave_statement_path:
        post.holding_statement = None
        fields.append("holding_statement")
    plan = review_plan(post)
    now = timezone.now()
    post.review_plan = [stage.pk for stage in plan]
    post.current_stage = plan[0]
    post.awaiting_since = now
    post.state = PostState.IN_REVIEW
    post.approved_in_crises = []
    post.version += 1
    post.save(update_fields=fields)
    record_transition(
        "reopen",
        post,
        actor=actor,
        before_state=before_state,
        reason=reason,
        voided_decisions=voided,
        stages=[stage.slug for stage in plan],
    )
    after_commit(tasks.notify_stage_opened, post.pk, plan[0].pk)
    return post
