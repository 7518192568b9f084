"""Reviewing a post: the review plan its submission must pass, the reviewers' decisions
(approve, request changes, reject), and the discussion beside them."""

from django.db import transaction
from django.utils import timezone

import audit
from core.db import after_commit
from core.errors import ValidationFailed
from governance import selectors as governance_selectors
from governance.models import covering

from .. import signals, tasks
from ..models import (
    Comment,
    Decision,
    Post,
    PostState,
    ReviewDecision,
    ReviewStage,
)
from ..permissions import active_decisions, going_out_problem
from ..permissions import require as require_permission
from ..workflow import Action, performs
from .base import (
    FIELDS_ON_CHANGE,
    clear_review,
    guard,
    lock_post,
    record_transition,
    require_comment,
)

_UNREAD = object()


def review_plan(post: Post, *, crisis=_UNREAD) -> list[ReviewStage]:
    """The stages a submission of `post` must pass, in order.

    Stages of the organization, the channel's department and the channel itself; those
    that apply on escalation join when the post is escalated (a regulated channel always
    is). Crisis stages join while a crisis covers the channel (`crisis`: the one covering it,
    when the caller has read it under the channel's lock; else it is read here). A holding
    statement issued during a crisis that still covers its channel passes the holding-statement
    stages instead of the channel's ordinary and crisis stages (its text was approved
    beforehand), plus, like any post, the stages its escalations add: its policy findings are
    never skipped. Once no crisis covers the channel it gets the normal plan.
    """
    channel = post.channel
    stages = ReviewStage.objects.filter(is_active=True).filter(covering(channel))
    escalated = bool(post.escalations)
    if crisis is _UNREAD:
        crisis = governance_selectors.crisis_covering(channel)
    in_crisis = crisis is not None
    if post.holding_statement_id and in_crisis:
        return [
            stage
            for stage in stages.order_by("position", "id")
            if stage.applies == ReviewStage.Applies.HOLDING_STATEMENT
            or (stage.applies == ReviewStage.Applies.ON_ESCALATION and escalated)
        ]
    return [
        stage
        for stage in stages.order_by("position", "id")
        if stage.applies == ReviewStage.Applies.ALWAYS
        or (stage.applies == ReviewStage.Applies.ON_ESCALATION and escalated)
        or (stage.applies == ReviewStage.Applies.IN_CRISIS and in_crisis)
    ]


def _decide(post: Post, decision: str, *, actor, comment: str) -> ReviewDecision:
    post.__dict__.pop("_active_decisions", None)  # the cache of permissions.active_decisions
    return ReviewDecision.objects.create(
        post=post,
        revision=post.current_revision,
        stage=post.current_stage,
        reviewer=actor,
        decision=decision,
        comment=comment,
        content_hash=post.current_revision.content_hash,
    )


@performs(Action.APPROVE)
@transaction.atomic
def approve(post: Post, *, actor, expected_version: int | None, comment: str = "") -> Post:
    """Approve the open stage. Who: someone eligible for the stage who is not an author and
    has not approved another stage of this revision. When the stage has its approvals the
    next stage opens; after the last one the post is approved (scheduled if it has a time)."""
    post = lock_post(post)
    before_state = post.state
    stage = post.current_stage
    guard(post, Action.APPROVE, actor, expected_version)
    # The rules just loaded the revision's live decisions (under the post's lock): count on them.
    earlier = sum(1 for d in active_decisions(post) if d.stage_id == stage.pk and d.decision == Decision.APPROVE)
    decision = _decide(post, Decision.APPROVE, actor=actor, comment=comment)
    approvals = earlier + 1
    fields = [*FIELDS_ON_CHANGE]
    opened = None
    consent_problem = None
    if approvals >= stage.approvals_required:
        if stage.applies == ReviewStage.Applies.IN_CRISIS:
            # The crisis team vetted it for every crisis covering the channel now (a crisis
            # declared later reopens the review): delivery lets it through those, and only those.
            covering = governance_selectors.crises_for(post.channel, governance_selectors.active_crises())
            post.approved_in_crises = sorted({*post.approved_in_crises, *(incident.pk for incident in covering)})
            fields.append("approved_in_crises")
        plan = post.review_plan
        position = plan.index(stage.pk) if stage.pk in plan else len(plan) - 1
        if position + 1 < len(plan):
            opened = ReviewStage.objects.get(pk=plan[position + 1])
            post.current_stage = opened
            post.awaiting_since = timezone.now()
            fields += ["current_stage", "awaiting_since"]
        else:
            fields += clear_review(post)
            scheduled = post.scheduled_at is not None and post.scheduled_at > timezone.now()
            post.state = PostState.SCHEDULED if scheduled else PostState.APPROVED
            if post.holding_statement_id and not scheduled:
                post.state = PostState.PUBLISHING  # a holding statement goes out as soon as it is approved
            # Nothing is scheduled or sent that cannot go out: without a valid consent the post
            # waits, approved, until it cites one (which sends it back to draft: a new review).
            consent_problem = going_out_problem(post, when=post.scheduled_at if scheduled else None)
            if consent_problem:
                post.state = PostState.APPROVED
                post.status_reason = f"Approved, but it cannot go out without a valid consent: {consent_problem}"[:500]
                fields.append("status_reason")
    post.version += 1
    post.save(update_fields=fields)
    record_transition(
        "approve",
        post,
        actor=actor,
        before_state=before_state,
        stage=stage.slug,
        decision_id=decision.pk,
        approvals=approvals,
        approvals_required=stage.approvals_required,
        opened_stage=opened.slug if opened else None,
        comment=comment,
        **({"consent_problem": consent_problem} if consent_problem else {}),
    )
    after_commit(tasks.notify_decision, decision.pk)
    if opened:
        after_commit(tasks.notify_stage_opened, post.pk, opened.pk)
    if post.state in (PostState.SCHEDULED, PostState.PUBLISHING):
        signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


def _close_review(post: Post, action: Action, decision: str, state: str, *, actor, expected_version, comment):
    post = lock_post(post)
    before_state = post.state
    stage = post.current_stage
    guard(post, action, actor, expected_version)
    comment = require_comment(comment)
    made = _decide(post, decision, actor=actor, comment=comment)
    fields = [*FIELDS_ON_CHANGE, *clear_review(post)]
    post.state = state
    post.version += 1
    post.save(update_fields=fields)
    record_transition(
        str(action),
        post,
        actor=actor,
        before_state=before_state,
        stage=stage.slug,
        decision_id=made.pk,
        comment=comment,
    )
    after_commit(tasks.notify_decision, made.pk)
    return post


@performs(Action.REQUEST_CHANGES)
@transaction.atomic
def request_changes(post: Post, *, actor, expected_version: int | None, comment: str) -> Post:
    """Send the post back to its authors with a comment (required). Who: an eligible reviewer."""
    return _close_review(
        post,
        Action.REQUEST_CHANGES,
        Decision.REQUEST_CHANGES,
        PostState.CHANGES_REQUESTED,
        actor=actor,
        expected_version=expected_version,
        comment=comment,
    )


@performs(Action.REJECT)
@transaction.atomic
def reject(post: Post, *, actor, expected_version: int | None, comment: str) -> Post:
    """Turn the post down for good, with a comment (required). Who: an eligible reviewer."""
    return _close_review(
        post,
        Action.REJECT,
        Decision.REJECT,
        PostState.REJECTED,
        actor=actor,
        expected_version=expected_version,
        comment=comment,
    )


@transaction.atomic
def comment(post: Post, *, actor, body: str, parent: Comment | None = None) -> Comment:
    """Add to the post's discussion. Who: anyone who can see the post. The post itself is not
    changed (no new version), so a comment never makes anyone's view of it stale."""
    post = Post.objects.select_related("channel").get(pk=post.pk)
    require_permission(Action.COMMENT, actor, post)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(errors={"body": ["Write something."]})
    if parent is not None and parent.post_id != post.pk:
        raise ValidationFailed(errors={"parent": ["That comment belongs to another post."]})
    made = Comment.objects.create(
        post=post, parent=parent, author=actor, body=body, revision_id=post.current_revision_id
    )
    audit.record(
        "approvals.post.comment",
        actor=actor,
        target=post,
        channel_id=post.channel_id,
        data={
            "comment_id": made.pk,
            "parent_id": parent.pk if parent else None,
            "revision_id": post.current_revision_id,
        },
    )
    return made
