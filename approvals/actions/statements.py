"""Holding statements: written and approved in calm times, issued in a crisis.

A holding statement ("We are aware of reports of … and will update here by 14:00") is kept
per channel and approved by whoever saves it: the channel's managers or the crisis team.
While a crisis covers the channel, one of them may issue it: it becomes a post whose only
review is the holding-statement stage (one crisis-team approval, never by the issuer),
after which it goes out at once. Editing the issued post makes it an ordinary post again.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

import audit
from core.db import after_commit
from core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from governance import permissions
from governance import selectors as governance_selectors
from governance.models import Channel
from governance.rules import engine

from .. import tasks
from ..models import HoldingStatement, PolicyCheck, Post, PostState, ReviewStage, Revision
from .base import add_writers, new_revision, refuse_blocks
from .drafting import escalations, policy_check
from .review import review_plan

STATEMENT_FIELDS = ("name", "title", "body", "link", "is_active")


def _require_crisis_handler(actor, channel: Channel) -> None:
    if not permissions.can(actor, permissions.HANDLE_CRISIS, channel):
        raise PermissionDenied("Only the channel's managers and the crisis team prepare and issue holding statements.")


def _snapshot(statement: HoldingStatement) -> dict:
    return {
        "name": statement.name,
        "title": statement.title,
        "body": statement.body,
        "link": statement.link,
        "is_active": statement.is_active,
    }


@transaction.atomic
def save_holding_statement(
    statement: HoldingStatement | None,
    *,
    actor,
    expected_version: int | None = None,
    channel: Channel | None = None,
    **fields,
) -> HoldingStatement:
    """Write a holding statement for `channel`, or change one. Saving is its approval. Who: the
    channel's managers and the crisis team. The text must pass the channel's posting policy
    without a blocking finding: it will go out in a hurry."""
    unknown = set(fields) - set(STATEMENT_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be set."] for name in sorted(unknown)})
    creating = statement is None
    if creating:
        if channel is None:
            raise ValidationFailed(errors={"channel": ["Required."]})
        statement = HoldingStatement(channel=channel)
        before = None
    else:
        statement = HoldingStatement.objects.select_for_update().select_related("channel").get(pk=statement.pk)
        if expected_version is None:
            raise ValidationFailed(errors={"version": ["Send the version of the statement you are changing."]})
        if statement.version != expected_version:
            raise StaleVersion(
                f"This holding statement changed since you loaded it (version {expected_version}, "
                f"now {statement.version}). Reload it and try again."
            )
        before = _snapshot(statement)
    _require_crisis_handler(actor, statement.channel)
    for name, value in fields.items():
        setattr(statement, name, value)
    after = _snapshot(statement)
    if before == after:
        return statement
    statement.approved_by, statement.approved_at = actor, timezone.now()
    try:
        statement.full_clean(exclude=["approved_by"])
    except DjangoValidationError as exc:
        raise ValidationFailed(errors=exc.message_dict) from exc
    result = engine.check(
        statement.channel, engine.Draft(body=statement.body, title=statement.title, link=statement.link)
    )
    refuse_blocks(result, "The posting policy blocks this statement: ")
    if not creating:
        statement.version += 1
    statement.save()
    audit.record(
        "approvals.holding_statement.create" if creating else "approvals.holding_statement.update",
        actor=actor,
        target=statement,
        channel_id=statement.channel_id,
        data={
            "version": statement.version,
            "before": before,
            "after": after,
            "content_hash": Revision.hash_content(statement.content()),
        },
    )
    return statement


@transaction.atomic
def issue_holding_statement(statement: HoldingStatement, *, actor) -> Post:
    """Issue a holding statement during a crisis that covers its channel: a post with the
    statement's exact text, in review at the holding-statement stage (one crisis-team
    approval, by someone other than the issuer), published as soon as it is approved.
    Who: the channel's managers and the crisis team."""
    statement = HoldingStatement.objects.select_related("channel").get(pk=statement.pk)
    channel = statement.channel
    _require_crisis_handler(actor, channel)
    if not statement.is_active:
        raise Conflict("This holding statement is retired; choose another one.", code="statement_inactive")
    incident = governance_selectors.crisis_covering(channel)  # waits for a crisis being declared on it
    if incident is None:
        raise Conflict(
            f"No crisis covers {channel.name}: holding statements are issued during a crisis. "
            "Write an ordinary post instead.",
            code="no_crisis",
        )
    now = timezone.now()
    post = Post.objects.create(
        channel=channel, author=actor, state=PostState.DRAFT, holding_statement=statement, submitted_at=now
    )
    post.current_revision = new_revision(post, actor=actor, number=1, content=statement.content())
    add_writers(post, [actor, statement.approved_by])  # the issuer, and who saved the statement's words
    # The policy as it is now, as for any submission: a block refuses the issue (nothing is
    # saved); each escalation adds its stage to the statement's plan (`review_plan`).
    result = policy_check(post, author=actor)
    refuse_blocks(result, "The posting policy blocks this statement: ")
    post.escalations = escalations(post, result)
    plan = review_plan(post, crisis=incident)
    if not plan or not any(stage.applies == ReviewStage.Applies.HOLDING_STATEMENT for stage in plan):
        raise ValidationFailed(
            "No holding-statement review stage is defined, so nothing could approve it. Ask a portal admin.",
            errors={"statement": ["No holding-statement stage applies."]},
        )
    post.review_plan = [stage.pk for stage in plan]
    post.current_stage, post.awaiting_since = plan[0], now
    post.state = PostState.IN_REVIEW
    post.save(
        update_fields=["current_revision", "escalations", "review_plan", "current_stage", "awaiting_since", "state"]
    )
    PolicyCheck.objects.create(
        revision=post.current_revision,
        policy_versions=result.policy_versions,
        findings=[f.as_dict() for f in result.findings],
    )
    audit.record(
        "approvals.post.issue_holding_statement",
        actor=actor,
        target=post,
        channel_id=channel.pk,
        data={
            "after": {"state": post.state, "version": post.version},
            "statement_id": statement.pk,
            "statement_version": statement.version,
            "statement_approved_by": statement.approved_by.get_username(),
            "crisis_id": incident.pk,
            "revision_id": post.current_revision_id,
            "content_hash": post.current_revision.content_hash,
            "stages": [stage.slug for stage in plan],
            "escalations": post.escalations,
            "findings": [f.as_dict() for f in result.findings],
        },
    )
    after_commit(tasks.notify_stage_opened, post.pk, plan[0].pk)
    return post
