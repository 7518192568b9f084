"""Every change to a post. One function per transition of `approvals.workflow`.

Each action: runs in one transaction; locks the post row; checks the workflow table
(409), the version the client saw (409) and the actor's permission through
`approvals.rules` / `governance.permissions` (403); writes; bumps `version`; records one
audit event; and leaves follow-up work to after the commit (notifications through
`transaction.on_commit`; delivery through the `delivery_requested` signal, whose
receiver writes its outbox row inside the same transaction).
"""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

import audit
from core.db import after_commit, update_rows
from core.errors import Conflict, PermissionDenied, StaleVersion, TransitionNotAllowed, ValidationFailed
from governance import permissions
from governance import selectors as governance_selectors
from governance.models import Channel, covering
from governance.rules import engine

from .. import rules, signals, tasks
from ..consent import check_citation, going_out_problem, require_valid_consent
from ..models import (
    Comment,
    Decision,
    PolicyCheck,
    Post,
    PostState,
    RetractionRequest,
    ReviewDecision,
    ReviewStage,
    Revision,
)
from ..workflow import Action, actions_from, allowed

_POST_FIELDS_ON_CHANGE = ["state", "version", "updated_at"]


def _lock(post: Post) -> Post:
    """The post, locked for this transaction (only its own row: `of=("self",)`)."""
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("channel", "current_revision", "current_stage", "current_stage__eligible_group")
        .get(pk=post.pk)
    )


def _guard(post: Post, action: Action, actor, expected_version: int | None) -> None:
    """Table, then version, then permission.

    The version comes before the permission: someone acting on a stale copy is told to
    reload (409) rather than judged on a state they have not seen; a racing second
    reviewer gets a conflict, not a refusal meant for the next stage.
    """
    if not allowed(post.state, action):
        raise TransitionNotAllowed(f"A post that is {post.get_state_display().lower()} cannot be {_verb(action)}.")
    if expected_version is None and actor is not None:
        raise ValidationFailed(errors={"version": ["Send the version of the post you are acting on."]})
    if expected_version is not None and post.version != expected_version:
        raise StaleVersion(
            f"This post changed since you loaded it (you had version {expected_version}, "
            f"it is now at version {post.version}). Reload it and try again."
        )
    rules.check(action, actor, post)


def _verb(action: Action) -> str:
    return {
        Action.EDIT: "edited",
        Action.SUBMIT: "submitted",
        Action.APPROVE: "approved",
        Action.REQUEST_CHANGES: "sent back for changes",
        Action.REJECT: "rejected",
        Action.WITHDRAW: "withdrawn",
        Action.SCHEDULE: "scheduled",
        Action.PUBLISH: "published",
        Action.MARK_PUBLISHED: "marked as published",
        Action.MARK_FAILED: "marked as failed",
        Action.RETRY: "retried",
        Action.HOLD: "held",
        Action.RELEASE: "released",
        Action.RETRACT: "retracted",
        Action.REOPEN: "reopened for review",
        Action.BREAK_GLASS: "published by breaking the glass",
        Action.COMMENT: "commented on",
    }[action]


def _event(action: str, post: Post, *, actor, before_state: str, **data) -> dict:
    """The audit event of one transition of `post` (already changed, version bumped)."""
    return {
        "action": f"approvals.post.{action}",
        "actor": actor,
        "target": post,
        "channel_id": post.channel_id,
        "data": {
            "before": {"state": before_state, "version": post.version - 1},
            "after": {"state": post.state, "version": post.version},
            "revision_id": post.current_revision_id,
            "content_hash": post.current_revision.content_hash if post.current_revision_id else None,
            **data,
        },
    }


def _record(action: str, post: Post, *, actor, before_state: str, **data) -> None:
    audit.record(**_event(action, post, actor=actor, before_state=before_state, **data))


def _new_revision(post: Post, *, actor, number: int, content: dict) -> Revision:
    revision = Revision(post=post, number=number, created_by=actor, content_hash=Revision.hash_content(content))
    for name, value in content.items():
        setattr(revision, name, value)
    try:
        revision.full_clean(exclude=["post", "content_hash", "created_by"])
    except DjangoValidationError as exc:
        raise ValidationFailed(errors=exc.message_dict) from exc
    revision.save()
    return revision


def _void_decisions(post: Post, reason: str) -> int:
    post.__dict__.pop("_active_decisions", None)  # the cache of rules.active_decisions
    return ReviewDecision.objects.filter(post=post, voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_reason=reason
    )


def _clear_review(post: Post) -> list[str]:
    post.current_stage = None
    post.awaiting_since = None
    return ["current_stage", "awaiting_since"]


def _check_posting_windows(channel: Channel, when: datetime) -> None:
    """A time outside the channel's posting windows (or on a blackout date) is refused,
    with the allowed windows in the message."""
    problems = [
        problem
        for policy in engine.effective_policies(channel)
        for rule in policy.rules
        if rule.get("kind") == "posting_window"
        and rule.get("severity") == "block"
        and (problem := engine.window_problem(rule, when))
    ]
    if problems:
        raise ValidationFailed(problems[0], code="outside_posting_window", errors={"scheduled_at": problems})


def _check_schedule(scheduled_at: datetime | None) -> None:
    if scheduled_at is not None and scheduled_at <= timezone.now():
        raise ValidationFailed(errors={"scheduled_at": ["Choose a time in the future."]})


def _check_co_authors(co_authors, *, author_id: int, channel: Channel) -> list:
    """The co-authors of a post by `author_id` on `channel`: the author left out, each person once,
    every one able to draft on the channel (as `permissions.can` says: a grant to them or to one
    of their groups, or a superuser), else a `co_authors` field error naming all who may not.
    One query however many co-authors (`permissions.users_with`)."""
    unique = list({user.pk: user for user in co_authors if user.pk != author_id}.values())
    if not unique:
        return []
    eligible = set(
        permissions.users_with(permissions.DRAFT, channel)
        .filter(pk__in=[user.pk for user in unique])
        .values_list("pk", flat=True)
    )
    refused = [user for user in unique if user.pk not in eligible and not (user.is_active and user.is_superuser)]
    if refused:
        raise ValidationFailed(
            errors={
                "co_authors": [
                    f"{user.get_username()} may not draft on {channel.name}, so cannot be a co-author."
                    for user in refused
                ]
            }
        )
    return unique


@transaction.atomic
def create_post(
    *,
    actor,
    channel: Channel,
    body: str,
    title: str = "",
    link: str = "",
    media_url: str = "",
    media_alt_text: str = "",
    scheduled_at: datetime | None = None,
    co_authors=(),
    consent=None,
) -> Post:
    """Start a draft on `channel`. Who: anyone with draft permission on the channel.
    Co-authors must be able to draft on the channel too. `consent` (channels that require it):
    one the author can see, not revoked, covering the channel."""
    if not permissions.can(actor, permissions.DRAFT, channel):
        raise PermissionDenied("You may not draft on this channel.")
    _check_schedule(scheduled_at)
    check_citation(consent, actor=actor, channel=channel)
    co_authors = _check_co_authors(co_authors, author_id=actor.pk, channel=channel)
    post = Post.objects.create(
        channel=channel, author=actor, state=PostState.DRAFT, scheduled_at=scheduled_at, consent=consent
    )
    content = {"title": title, "body": body, "link": link, "media_url": media_url, "media_alt_text": media_alt_text}
    post.current_revision = _new_revision(post, actor=actor, number=1, content=content)
    post.save(update_fields=["current_revision"])
    if co_authors:
        post.co_authors.set(co_authors)
    audit.record(
        "approvals.post.create",
        actor=actor,
        target=post,
        channel_id=channel.pk,
        data={
            "after": {"state": post.state, "version": post.version},
            "revision_id": post.current_revision_id,
            "content_hash": post.current_revision.content_hash,
            "co_authors": [user.get_username() for user in co_authors],
            "consent_id": post.consent_id,
        },
    )
    return post


@transaction.atomic
def edit_post(post: Post, *, actor, expected_version: int | None, **changes) -> Post:
    """Change a post's content (and/or its intended time, the consent it cites, its co-authors).
    Who: its authors.

    New content makes a new immutable revision, voids every approval given so far and sends
    the post back to draft: what is approved is always exactly what will be published. A new
    time or a new consent (not part of the content hash) was not approved either: it too
    sends the post back to draft. So do new co-authors (`co_authors`, the whole list; the
    author is left out): approvals were given by people who were not authors of the post, and
    that must hold again. Added co-authors must be able to draft on the channel, as in
    `create_post`; removing one is always allowed.
    """
    post = _lock(post)
    _guard(post, Action.EDIT, actor, expected_version)
    unknown = set(changes) - {*Revision.CONTENT_FIELDS, "scheduled_at", "consent", "co_authors"}
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be edited."] for name in sorted(unknown)})
    before_state, before_hash = post.state, post.current_revision.content_hash
    content = post.current_revision.content()
    content.update({name: changes[name] for name in Revision.CONTENT_FIELDS if name in changes})
    content_changed = Revision.hash_content(content) != before_hash
    schedule_changed = "scheduled_at" in changes and changes["scheduled_at"] != post.scheduled_at
    new_consent = changes.get("consent")
    before_consent_id = post.consent_id
    consent_changed = "consent" in changes and (new_consent.pk if new_consent else None) != before_consent_id
    co_authors_changed = False
    if "co_authors" in changes:
        wanted = list({user.pk: user for user in changes["co_authors"] if user.pk != post.author_id}.values())
        before_co_authors = {user.pk: user.get_username() for user in post.co_authors.all()}
        added = [user for user in wanted if user.pk not in before_co_authors]
        _check_co_authors(added, author_id=post.author_id, channel=post.channel)
        co_authors_changed = {user.pk for user in wanted} != set(before_co_authors)
    if not content_changed and not schedule_changed and not consent_changed and not co_authors_changed:
        return post
    fields = [*_POST_FIELDS_ON_CHANGE, *_clear_review(post)]
    if schedule_changed:
        _check_schedule(changes["scheduled_at"])
        post.scheduled_at = changes["scheduled_at"]
        fields.append("scheduled_at")
    if consent_changed:
        check_citation(new_consent, actor=actor, channel=post.channel)
        post.consent = new_consent
        fields.append("consent")
    if content_changed and post.holding_statement_id:
        # New words are no longer the pre-approved statement: the full review applies.
        post.holding_statement = None
        fields.append("holding_statement")
    if content_changed:
        post.current_revision = _new_revision(post, actor=actor, number=post.revisions.count() + 1, content=content)
        fields.append("current_revision")
    if co_authors_changed:
        post.co_authors.set(wanted)
    voided = _void_decisions(post, "edited")
    post.state = PostState.DRAFT
    post.version += 1
    post.save(update_fields=fields)
    _record(
        "edit",
        post,
        actor=actor,
        before_state=before_state,
        before_content_hash=before_hash,
        changed=sorted(set(changes) & ({*Revision.CONTENT_FIELDS} if content_changed else set()))
        + (["scheduled_at"] if schedule_changed else [])
        + (["consent"] if consent_changed else [])
        + (["co_authors"] if co_authors_changed else []),
        voided_decisions=voided,
        **({"consent_id": {"before": before_consent_id, "after": post.consent_id}} if consent_changed else {}),
        **(
            {
                "co_authors": {
                    "before": sorted(before_co_authors.values()),
                    "after": sorted(user.get_username() for user in wanted),
                }
            }
            if co_authors_changed
            else {}
        ),
    )
    return post


def review_plan(post: Post) -> list[ReviewStage]:
    """The stages a submission of `post` must pass, in order.

    Stages of the organization, the channel's department and the channel itself; those
    that apply on escalation join when the post is escalated (a regulated channel always
    is). Crisis stages join while a crisis covers the channel. A holding statement issued in
    a crisis passes the holding-statement stages only: its text was approved beforehand.
    """
    channel = post.channel
    stages = ReviewStage.objects.filter(is_active=True).filter(covering(channel))
    if post.holding_statement_id:
        return list(stages.filter(applies=ReviewStage.Applies.HOLDING_STATEMENT).order_by("position", "id"))
    escalated = bool(post.escalations)
    in_crisis = governance_selectors.crisis_covering(channel) is not None
    return [
        stage
        for stage in stages.order_by("position", "id")
        if stage.applies == ReviewStage.Applies.ALWAYS
        or (stage.applies == ReviewStage.Applies.ON_ESCALATION and escalated)
        or (stage.applies == ReviewStage.Applies.IN_CRISIS and in_crisis)
    ]


def policy_check(post: Post, *, author=None) -> engine.CheckResult:
    """The channel's effective posting policy applied to the post's current revision."""
    revision = post.current_revision
    draft = engine.Draft(
        body=revision.body,
        title=revision.title,
        link=revision.link,
        media_url=revision.media_url,
        media_alt_text=revision.media_alt_text,
        scheduled_at=post.scheduled_at,
        author=author or post.author,
        consent=post.consent,
    )
    return engine.check(post.channel, draft)


def _escalations(post: Post, result: engine.CheckResult) -> list[str]:
    """Why the post needs the stages that apply on escalation: a regulated channel always
    does; so does every `escalate` finding of the posting policy."""
    reasons = ["regulated-channel"] if post.channel.is_regulated else []
    for finding in result.escalations:
        reason = f"{finding.rule}: {finding.message}"
        if reason not in reasons:
            reasons.append(reason)
    return reasons


@transaction.atomic
def submit(post: Post, *, actor, expected_version: int | None) -> Post:
    """Send a draft for review. Who: its authors. Opens the first stage of the review plan
    and notifies the people eligible to decide it."""
    post = _lock(post)
    _guard(post, Action.SUBMIT, actor, expected_version)
    before_state = post.state
    result = policy_check(post, author=actor)
    if result.blocks:
        first = result.blocks[0].message
        more = f" ({len(result.blocks) - 1} more problem(s) below.)" if len(result.blocks) > 1 else ""
        raise ValidationFailed(
            f"The posting policy blocks this post: {first}{more}",
            code="policy_blocked",
            errors={"body": [f.message for f in result.blocks]},
            extra={"findings": [f.as_dict() for f in result.findings]},
        )
    post.escalations = _escalations(post, result)
    plan = review_plan(post)
    if not plan:
        raise ValidationFailed(
            "No review stage applies to this channel, so nothing could approve the post. Ask a portal admin.",
            errors={"channel": ["No review stage applies."]},
        )
    _void_decisions(post, "resubmitted")
    now = timezone.now()
    post.review_plan = [stage.pk for stage in plan]
    post.current_stage = plan[0]
    post.awaiting_since = now
    post.submitted_at = now
    post.state = PostState.IN_REVIEW
    post.version += 1
    post.save(
        update_fields=[
            *_POST_FIELDS_ON_CHANGE,
            "escalations",
            "review_plan",
            "current_stage",
            "awaiting_since",
            "submitted_at",
        ]
    )
    PolicyCheck.objects.create(
        revision=post.current_revision,
        policy_versions=result.policy_versions,
        findings=[f.as_dict() for f in result.findings],
    )
    _record(
        "submit",
        post,
        actor=actor,
        before_state=before_state,
        stages=[stage.slug for stage in plan],
        escalations=post.escalations,
        policy_versions=result.policy_versions,
        findings=[f.as_dict() for f in result.findings],
    )
    after_commit(tasks.notify_stage_opened, post.pk, plan[0].pk)
    return post


def _decide(post: Post, decision: str, *, actor, comment: str) -> ReviewDecision:
    post.__dict__.pop("_active_decisions", None)  # the cache of rules.active_decisions
    return ReviewDecision.objects.create(
        post=post,
        revision=post.current_revision,
        stage=post.current_stage,
        reviewer=actor,
        decision=decision,
        comment=comment,
        content_hash=post.current_revision.content_hash,
    )


@transaction.atomic
def approve(post: Post, *, actor, expected_version: int | None, comment: str = "") -> Post:
    """Approve the open stage. Who: someone eligible for the stage who is not an author and
    has not approved another stage of this revision. When the stage has its approvals the
    next stage opens; after the last one the post is approved (scheduled if it has a time)."""
    post = _lock(post)
    before_state = post.state
    stage = post.current_stage
    _guard(post, Action.APPROVE, actor, expected_version)
    # The rules just loaded the revision's live decisions (under the post's lock): count on them.
    earlier = sum(1 for d in rules.active_decisions(post) if d.stage_id == stage.pk and d.decision == Decision.APPROVE)
    decision = _decide(post, Decision.APPROVE, actor=actor, comment=comment)
    approvals = earlier + 1
    fields = [*_POST_FIELDS_ON_CHANGE]
    opened = None
    consent_problem = None
    if approvals >= stage.approvals_required:
        plan = post.review_plan
        position = plan.index(stage.pk) if stage.pk in plan else len(plan) - 1
        if position + 1 < len(plan):
            opened = ReviewStage.objects.get(pk=plan[position + 1])
            post.current_stage = opened
            post.awaiting_since = timezone.now()
            fields += ["current_stage", "awaiting_since"]
        else:
            fields += _clear_review(post)
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
    _record(
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


def _require_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("A comment is required: say why.", errors={"comment": ["Required."]})
    return comment


def _close_review(post: Post, action: Action, decision: str, state: str, *, actor, expected_version, comment):
    post = _lock(post)
    before_state = post.state
    stage = post.current_stage
    _guard(post, action, actor, expected_version)
    comment = _require_comment(comment)
    made = _decide(post, decision, actor=actor, comment=comment)
    fields = [*_POST_FIELDS_ON_CHANGE, *_clear_review(post)]
    post.state = state
    post.version += 1
    post.save(update_fields=fields)
    _record(
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
def withdraw(post: Post, *, actor, expected_version: int | None) -> Post:
    """Take the post back before anything went out. Who: its author."""
    post = _lock(post)
    _guard(post, Action.WITHDRAW, actor, expected_version)
    before_state = post.state
    voided = _void_decisions(post, "withdrawn")
    fields = [*_POST_FIELDS_ON_CHANGE, *_clear_review(post)]
    post.state = PostState.WITHDRAWN
    post.version += 1
    post.save(update_fields=fields)
    _record("withdraw", post, actor=actor, before_state=before_state, voided_decisions=voided)
    return post


@transaction.atomic
def schedule(post: Post, *, actor, expected_version: int | None, scheduled_at: datetime) -> Post:
    """Set (or move) the time an approved post goes out. Who: publishers of the channel. On a
    channel that requires consent, the post must cite one valid now and at that time."""
    post = _lock(post)
    _guard(post, Action.SCHEDULE, actor, expected_version)
    if scheduled_at is None:
        raise ValidationFailed(errors={"scheduled_at": ["Required."]})
    _check_schedule(scheduled_at)
    _check_posting_windows(post.channel, scheduled_at)
    require_valid_consent(post, when=scheduled_at)
    before_state, before_time = post.state, post.scheduled_at
    post.scheduled_at = scheduled_at
    post.state = PostState.SCHEDULED
    post.status_reason = ""
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "scheduled_at", "status_reason"])
    _record(
        "schedule",
        post,
        actor=actor,
        before_state=before_state,
        scheduled_at=scheduled_at,
        previous_scheduled_at=before_time,
    )
    signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@transaction.atomic
def publish_now(post: Post, *, actor, expected_version: int | None) -> Post:
    """Send an approved or scheduled post out now. Who: publishers of the channel. On a channel
    that requires consent, the post must cite a valid one."""
    post = _lock(post)
    _guard(post, Action.PUBLISH, actor, expected_version)
    require_valid_consent(post)
    before_state = post.state
    post.state = PostState.PUBLISHING
    post.status_reason = ""
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "status_reason"])
    _record("publish", post, actor=actor, before_state=before_state)
    signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@transaction.atomic
def mark_published(
    post: Post,
    *,
    actor,
    expected_version: int | None = None,
    remote_id: str = "",
    remote_url: str = "",
    sent_hash: str = "",
) -> Post:
    """Record that the post is live. Who: delivery (actor None), or a publisher of the channel
    pasting the live address of a post published by hand."""
    post = _lock(post)
    _guard(post, Action.MARK_PUBLISHED, actor, expected_version)
    before_state = post.state
    post.state = PostState.PUBLISHED
    post.published_at = timezone.now()
    post.remote_id, post.remote_url, post.status_reason = remote_id, remote_url, ""
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "published_at", "remote_id", "remote_url", "status_reason"])
    _record(
        "mark_published",
        post,
        actor=actor,
        before_state=before_state,
        remote_id=remote_id,
        remote_url=remote_url,
        sent_hash=sent_hash,
    )
    signals.post_published.send(sender=Post, post=post, actor=actor)
    return post


def _lock_many(post_ids) -> list[Post]:
    """The posts, locked for this transaction, in id order (the order every batch locks in)."""
    return list(
        Post.objects.select_for_update(of=("self",))
        .select_related("channel", "current_revision", "consent")
        .filter(pk__in=post_ids)
        .order_by("pk")
    )


@transaction.atomic
def start_publishing_many(post_ids) -> list[Post]:
    """`publish_now` for a batch of scheduled posts whose time has come. Who: delivery only
    (actor None), which has just written their jobs' outcome itself: no `delivery_requested`.
    One UPDATE for the posts and one append of their events, whatever the batch's size."""
    posts, now = _lock_many(post_ids), timezone.now()
    events = []
    for post in posts:
        _guard(post, Action.PUBLISH, None, post.version)
        require_valid_consent(post)
        before_state = post.state
        post.state, post.status_reason, post.version, post.updated_at = PostState.PUBLISHING, "", post.version + 1, now
        events.append(_event("publish", post, actor=None, before_state=before_state))
    update_rows(posts, [*_POST_FIELDS_ON_CHANGE, "status_reason"])
    audit.record_many(events)
    return posts


@transaction.atomic
def mark_published_many(deliveries: dict[int, dict]) -> list[Post]:
    """`mark_published` for a batch of delivered posts. Who: delivery only (actor None).
    `deliveries` maps each post id to its `remote_id`, `remote_url` and `sent_hash`."""
    posts, now = _lock_many(deliveries), timezone.now()
    events = []
    for post in posts:
        _guard(post, Action.MARK_PUBLISHED, None, post.version)
        sent = deliveries[post.pk]
        before_state = post.state
        post.state, post.published_at, post.updated_at = PostState.PUBLISHED, now, now
        post.remote_id, post.remote_url, post.status_reason = sent["remote_id"], sent["remote_url"], ""
        post.version += 1
        events.append(_event("mark_published", post, actor=None, before_state=before_state, **sent))
    update_rows(posts, [*_POST_FIELDS_ON_CHANGE, "published_at", "remote_id", "remote_url", "status_reason"])
    audit.record_many(events)
    for post in posts:
        signals.post_published.send(sender=Post, post=post, actor=None)
    return posts


@transaction.atomic
def mark_failed(post: Post, *, actor=None, reason: str) -> Post:
    """Record that delivery failed for good (a permanent platform error). Who: delivery only.
    The reason is shown on the post; a publisher may retry."""
    post = _lock(post)
    _guard(post, Action.MARK_FAILED, actor, post.version)  # delivery acts on the post as it is
    before_state = post.state
    post.state = PostState.FAILED
    post.status_reason = reason[:500]
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "status_reason"])
    _record("mark_failed", post, actor=actor, before_state=before_state, reason=post.status_reason)
    return post


@transaction.atomic
def retry(post: Post, *, actor, expected_version: int | None) -> Post:
    """Send a failed post again, exactly as approved. Who: publishers of the channel. On a
    channel that requires consent, the post must cite a valid one."""
    post = _lock(post)
    _guard(post, Action.RETRY, actor, expected_version)
    require_valid_consent(post)
    before_state, reason = post.state, post.status_reason
    post.state = PostState.PUBLISHING
    post.status_reason = ""
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "status_reason"])
    _record("retry", post, actor=actor, before_state=before_state, previous_reason=reason)
    signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@transaction.atomic
def hold(post: Post, *, actor, expected_version: int | None = None, reason: str) -> Post:
    """Stop a post on its way out (in review, approved, scheduled or failed). Who: channel
    managers, the crisis team, or the system (a crisis starts, a consent is revoked). The
    post remembers where it was, so that releasing it returns it there."""
    post = _lock(post)
    _guard(post, Action.HOLD, actor, expected_version)
    before_state = post.state
    post.held_from = post.state
    post.state = PostState.HELD
    post.status_reason = (reason or "Held")[:500]
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "status_reason", "held_from"])
    _record("hold", post, actor=actor, before_state=before_state, reason=post.status_reason)
    return post


def release_refusal(post: Post) -> str | None:
    """Why a held post may not be released now (None: it may). While a crisis covers its
    channel, nothing held goes back on its way."""
    incident = governance_selectors.crisis_for(post.channel, governance_selectors.active_crises())
    if incident is not None:
        return f"A crisis is active on {incident.scope_label} (#{incident.pk}); end it before releasing posts."
    return None


@transaction.atomic
def release(post: Post, *, actor, expected_version: int | None = None) -> Post:
    """Let a held post go on from where it was held: a review held mid-way starts again (its
    approvals are voided); an approved post is scheduled again if its time is still ahead,
    else approved (waiting for a publisher); a failed post fails again, waiting for a retry.
    Who: channel managers and the crisis team, once no crisis covers the channel."""
    post = _lock(post)
    _guard(post, Action.RELEASE, actor, expected_version)
    problem = release_refusal(post)
    if problem:
        raise Conflict(problem, code="crisis_active")
    if post.held_from != PostState.IN_REVIEW:
        # Back on its way out: only with a valid consent (a review held mid-way may resume without).
        ahead = post.scheduled_at is not None and post.scheduled_at > timezone.now()
        require_valid_consent(post, when=post.scheduled_at if ahead else None)
    before_state, held_from = post.state, post.held_from
    fields = [*_POST_FIELDS_ON_CHANGE, "status_reason", "held_from"]
    voided = 0
    if held_from == PostState.IN_REVIEW:
        voided = _void_decisions(post, "released from hold")
        plan = review_plan(post)
        post.review_plan = [stage.pk for stage in plan]
        post.current_stage, post.awaiting_since = plan[0], timezone.now()
        post.state = PostState.IN_REVIEW
        fields += ["review_plan", "current_stage", "awaiting_since"]
    elif held_from == PostState.FAILED:
        post.state = PostState.FAILED
    elif held_from == PostState.PUBLISHING:
        post.state = PostState.PUBLISHING  # stopped at delivery: it goes out now
    else:
        ahead = post.scheduled_at is not None and post.scheduled_at > timezone.now()
        post.state = PostState.SCHEDULED if ahead else PostState.APPROVED
    post.status_reason = "Released after a failed delivery; retry it." if post.state == PostState.FAILED else ""
    post.held_from = ""
    post.version += 1
    post.save(update_fields=fields)
    _record("release", post, actor=actor, before_state=before_state, held_from=held_from, voided_decisions=voided)
    if post.state == PostState.IN_REVIEW:
        after_commit(tasks.notify_stage_opened, post.pk, post.current_stage_id)
    if post.state in (PostState.SCHEDULED, PostState.PUBLISHING):
        signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@transaction.atomic
def retract(post: Post, *, actor, expected_version: int | None, reason: str) -> Post:
    """Record that a published post was taken down (a comment is required). Who: channel managers.
    Completes the post's open retraction request (its consent was revoked), if any."""
    post = _lock(post)
    _guard(post, Action.RETRACT, actor, expected_version)
    reason = _require_comment(reason)
    before_state = post.state
    post.state = PostState.RETRACTED
    post.status_reason = reason[:500]
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "status_reason"])
    done = list(RetractionRequest.objects.filter(post=post, done_at__isnull=True).values_list("pk", flat=True))
    if done:
        RetractionRequest.objects.filter(pk__in=done).update(done_at=timezone.now(), done_by=actor)
    _record(
        "retract",
        post,
        actor=actor,
        before_state=before_state,
        reason=post.status_reason,
        retraction_requests_done=done,
    )
    return post


@transaction.atomic
def reopen_review(post: Post, *, actor=None, reason: str) -> Post:
    """Void the approvals given so far and start the review again with the plan that applies
    now (a crisis adds its stage). Who: the system, when a crisis starts."""
    post = _lock(post)
    _guard(post, Action.REOPEN, actor, post.version)
    before_state = post.state
    voided = _void_decisions(post, reason[:200])
    plan = review_plan(post)
    now = timezone.now()
    post.review_plan = [stage.pk for stage in plan]
    post.current_stage = plan[0]
    post.awaiting_since = now
    post.state = PostState.IN_REVIEW
    post.version += 1
    post.save(update_fields=[*_POST_FIELDS_ON_CHANGE, "review_plan", "current_stage", "awaiting_since"])
    _record(
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


@transaction.atomic
def comment(post: Post, *, actor, body: str, parent: Comment | None = None) -> Comment:
    """Add to the post's discussion. Who: anyone who can see the post. The post itself is not
    changed (no new version), so a comment never makes anyone's view of it stale."""
    post = Post.objects.select_related("channel").get(pk=post.pk)
    rules.check(Action.COMMENT, actor, post)
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


def available_actions(user, post: Post) -> list[str]:
    """The actions `user` may take on `post` now: allowed by the table and by the rules."""
    return [str(action) for action in actions_from(post.state) if rules.refusal(action, user, post) is None]
