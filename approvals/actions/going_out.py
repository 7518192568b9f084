"""Going out: scheduling and publishing an approved post, what delivery reports back (one post,
or a batch), retrying a failure, and recording that a published post was taken down.

Nothing goes out that may not: every step towards publication asks `permissions.require_valid_consent`.
Delivery itself (publishing, through the `delivery_requested` signal) writes the outbox row
inside the same transaction."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

import audit
from core.db import update_rows
from core.errors import ValidationFailed
from governance.models import Channel
from governance.rules import engine

from .. import signals
from ..models import (
    Post,
    PostState,
    RetractionRequest,
)
from ..permissions import require_valid_consent
from ..workflow import Action, performs
from .base import (
    FIELDS_ON_CHANGE,
    check_schedule,
    guard,
    lock_post,
    lock_posts,
    record_transition,
    require_comment,
    transition_event,
)


def _check_posting_windows(channel: Channel, when: datetime, *, now: bool = False) -> None:
    """A time outside the channel's posting windows (or on a blackout date) is refused,
    with the allowed windows in the message: a schedule's time, or (`now`) publishing now and
    retrying, which only break-glass (a reason, audited) may do outside them."""
    problems = [
        problem
        for policy in engine.effective_policies(channel)
        for rule in policy.rules
        if rule.get("kind") == "posting_window"
        and rule.get("severity") == "block"
        and (problem := engine.window_problem(rule, when))
    ]
    if not problems:
        return
    if now:
        detail = f"{problems[0]} Schedule it for an allowed time, or publish by break-glass with a reason."
        raise ValidationFailed(detail, code="outside_posting_window", errors={"non_field_errors": problems})
    raise ValidationFailed(problems[0], code="outside_posting_window", errors={"scheduled_at": problems})


@performs(Action.SCHEDULE)
@transaction.atomic
def schedule(post: Post, *, actor, expected_version: int | None, scheduled_at: datetime) -> Post:
    """Set (or move) the time an approved post goes out. Who: publishers of the channel. On a
    channel that requires consent, the post must cite one valid now and at that time."""
    post = lock_post(post)
    guard(post, Action.SCHEDULE, actor, expected_version)
    if scheduled_at is None:
        raise ValidationFailed(errors={"scheduled_at": ["Required."]})
    check_schedule(scheduled_at)
    _check_posting_windows(post.channel, scheduled_at)
    require_valid_consent(post, when=scheduled_at)
    before_state, before_time = post.state, post.scheduled_at
    post.scheduled_at = scheduled_at
    post.state = PostState.SCHEDULED
    post.status_reason = ""
    post.version += 1
    post.save(update_fields=[*FIELDS_ON_CHANGE, "scheduled_at", "status_reason"])
    record_transition(
        "schedule",
        post,
        actor=actor,
        before_state=before_state,
        scheduled_at=scheduled_at,
        previous_scheduled_at=before_time,
    )
    signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@performs(Action.PUBLISH)
@transaction.atomic
def publish_now(post: Post, *, actor, expected_version: int | None) -> Post:
    """Send an approved or scheduled post out now. Who: publishers of the channel. On a channel
    that requires consent, the post must cite a valid one; outside the channel's posting windows
    (or on a blackout date) it is refused, as a schedule is: only break-glass sends it then."""
    return _send_out(post, Action.PUBLISH, actor=actor, expected_version=expected_version)


def _send_out(post: Post, action: Action, *, actor, expected_version: int | None) -> Post:
    """Publishing now and retrying: on its way to the platform, with a valid consent, inside the
    channel's posting windows."""
    post = lock_post(post)
    guard(post, action, actor, expected_version)
    _check_posting_windows(post.channel, timezone.now(), now=True)
    require_valid_consent(post)
    before_state, reason = post.state, post.status_reason
    post.state = PostState.PUBLISHING
    post.status_reason = ""
    post.version += 1
    post.save(update_fields=[*FIELDS_ON_CHANGE, "status_reason"])
    previous = {"previous_reason": reason} if action == Action.RETRY else {}
    record_transition(str(action), post, actor=actor, before_state=before_state, **previous)
    signals.delivery_requested.send(sender=Post, post=post, actor=actor)
    return post


@performs(Action.MARK_PUBLISHED)
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
    """Record that the post is live. Who: delivery (actor None), reporting the hash of what its
    connector sent; or a publisher of the channel marking it published by hand, with the live
    address they give (manual channels, or a connector whose delivery keeps failing).

    Only a connector reports a sent hash: a post marked by hand records who marked it and
    where (the audit event's actor and `remote_url`, `by_hand: true`), never a sent hash."""
    post = lock_post(post)
    guard(post, Action.MARK_PUBLISHED, actor, expected_version)
    if actor is not None and sent_hash:
        raise ValidationFailed(
            "Only a connector reports what it sent: a post marked published by hand has no sent hash.",
            errors={"sent_hash": ["Not accepted from a person."]},
        )
    sent = {"by_hand": True} if actor is not None else {"sent_hash": sent_hash}
    before_state = post.state
    post.state = PostState.PUBLISHED
    post.published_at = timezone.now()
    post.remote_id, post.remote_url, post.status_reason = remote_id, remote_url, ""
    post.version += 1
    post.save(update_fields=[*FIELDS_ON_CHANGE, "published_at", "remote_id", "remote_url", "status_reason"])
    record_transition(
        "mark_published",
        post,
        actor=actor,
        before_state=before_state,
        remote_id=remote_id,
        remote_url=remote_url,
        **sent,
    )
    signals.post_published.send(sender=Post, post=post, actor=actor)
    return post


@transaction.atomic
def start_publishing_many(post_ids) -> list[Post]:
    """`publish_now` for a batch of scheduled posts whose time has come. Who: delivery only
    (actor None), which has just written their jobs' outcome itself: no `delivery_requested`.
    One UPDATE for the posts and one append of their events, whatever the batch's size."""
    posts, now = lock_posts(post_ids), timezone.now()
    events = []
    for post in posts:
        guard(post, Action.PUBLISH, None, post.version)
        require_valid_consent(post)
        before_state = post.state
        post.state, post.status_reason, post.version, post.updated_at = PostState.PUBLISHING, "", post.version + 1, now
        events.append(transition_event("publish", post, actor=None, before_state=before_state))
    update_rows(posts, [*FIELDS_ON_CHANGE, "status_reason"])
    audit.record_many(events)
    return posts


@transaction.atomic
def mark_published_many(deliveries: dict[int, dict]) -> list[Post]:
    """`mark_published` for a batch of delivered posts. Who: delivery only (actor None).
    `deliveries` maps each post id to its `remote_id`, `remote_url` and `sent_hash`."""
    posts, now = lock_posts(deliveries), timezone.now()
    events = []
    for post in posts:
        guard(post, Action.MARK_PUBLISHED, None, post.version)
        sent = deliveries[post.pk]
        before_state = post.state
        post.state, post.published_at, post.updated_at = PostState.PUBLISHED, now, now
        post.remote_id, post.remote_url, post.status_reason = sent["remote_id"], sent["remote_url"], ""
        post.version += 1
        events.append(transition_event("mark_published", post, actor=None, before_state=before_state, **sent))
    update_rows(posts, [*FIELDS_ON_CHANGE, "published_at", "remote_id", "remote_url", "status_reason"])
    audit.record_many(events)
    for post in posts:
        signals.post_published.send(sender=Post, post=post, actor=None)
    return posts


@transaction.atomic
def mark_failed(post: Post, *, actor=None, reason: str) -> Post:
    """Record that delivery failed for good (a permanent platform error). Who: delivery only.
    The reason is shown on the post; a publisher may retry."""
    post = lock_post(post)
    guard(post, Action.MARK_FAILED, actor, post.version)  # delivery acts on the post as it is
    before_state = post.state
    post.state = PostState.FAILED
    post.status_reason = reason[:500]
    post.version += 1
    post.save(update_fields=[*FIELDS_ON_CHANGE, "status_reason"])
    record_transition("mark_failed", post, actor=actor, before_state=before_state, reason=post.status_reason)
    return post


@performs(Action.RETRY)
@transaction.atomic
def retry(post: Post, *, actor, expected_version: int | None) -> Post:
    """Send a failed post again, exactly as approved. Who: publishers of the channel. On a
    channel that requires consent, the post must cite a valid one; inside its posting windows."""
    return _send_out(post, Action.RETRY, actor=actor, expected_version=expected_version)


@performs(Action.RETRACT)
@transaction.atomic
def retract(post: Post, *, actor, expected_version: int | None, reason: str) -> Post:
    """Record that a published post was taken down (a comment is required). Who: channel managers.
    Completes the post's open retraction request (its consent was revoked), if any."""
    post = lock_post(post)
    guard(post, Action.RETRACT, actor, expected_version)
    reason = require_comment(reason)
    before_state = post.state
    post.state = PostState.RETRACTED
    post.status_reason = reason[:500]
    post.version += 1
    post.save(update_fields=[*FIELDS_ON_CHANGE, "status_reason"])
    done = list(RetractionRequest.objects.filter(post=post, done_at__isnull=True).values_list("pk", flat=True))
    if done:
        RetractionRequest.objects.filter(pk__in=done).update(done_at=timezone.now(), done_by=actor)
    record_transition(
        "retract",
        post,
        actor=actor,
        before_state=before_state,
        reason=post.status_reason,
        retraction_requests_done=done,
    )
    return post
