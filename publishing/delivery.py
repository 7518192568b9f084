"""Delivery: the outbox row written with the post's change, and the worker's side of it.

- `request_delivery` runs inside the acting transaction (receiver of
  `approvals.signals.delivery_requested`): one `PublishJob` per post and revision, due at
  the post's time (or now). Rolling the action back rolls the job back: nothing is queued
  for a change that did not happen.
- `dispatch_due` (beat, every few seconds) hands due jobs to workers; `sweep_stuck` hands
  out again jobs whose worker vanished. Time is kept by the database, never by broker ETAs.
- `deliver` does one delivery under the job's row lock, held through the platform call:
  a second delivery of the same job finds it locked (and leaves) or finished (and does
  nothing); a worker killed mid-way rolls back, and the next attempt repeats the call
  under the same idempotency key. Crisis and consent holds are checked again here.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

import audit
from approvals import actions
from approvals import rules as approval_rules
from approvals.models import Post, PostState
from governance import selectors as governance_selectors

from .connectors import Delivered, Payload, Permanent, Retryable, connector_for
from .models import JobStatus, PublishJob

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500


def request_delivery(post: Post) -> PublishJob:
    """Write (or revive) the job for the post's current revision. Inside the caller's transaction."""
    now = timezone.now()
    due = post.scheduled_at if post.state == PostState.SCHEDULED and post.scheduled_at else now
    kind = connector_for(post.channel).kind
    job, created = PublishJob.objects.select_for_update().get_or_create(
        post=post,
        revision_id=post.current_revision_id,
        defaults={
            "connector": kind,
            "due_at": due,
            "idempotency_key": PublishJob.key_for(post.pk, post.current_revision_id),
        },
    )
    if not created and job.status not in (JobStatus.DONE, JobStatus.DISPATCHED):
        # Rescheduled, retried or released: the same job (and key) goes again.
        job.status, job.due_at, job.connector = JobStatus.PENDING, due, kind
        job.save(update_fields=["status", "due_at", "connector"])
    if job.status == JobStatus.PENDING and job.due_at <= now:
        _dispatch([job.pk])  # published now: don't wait for the next beat
    return job


def _dispatch(job_ids: list[int]) -> None:
    from . import tasks

    PublishJob.objects.filter(pk__in=job_ids).update(status=JobStatus.DISPATCHED, dispatched_at=timezone.now())
    for job_id in job_ids:
        transaction.on_commit(lambda job_id=job_id: tasks.deliver_job.delay(job_id), robust=True)


@transaction.atomic
def dispatch_due(limit: int = DISPATCH_BATCH) -> int:
    """Hand every due job to the workers (several beats or dispatchers never hand out the same one)."""
    due = list(
        PublishJob.objects.select_for_update(skip_locked=True)
        .filter(status=JobStatus.PENDING, due_at__lte=timezone.now())
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if due:
        _dispatch(due)
    return len(due)


@transaction.atomic
def sweep_stuck() -> int:
    """Jobs handed out long ago and still unfinished lost their worker or their message:
    hand them out again (a delivery in progress holds its row and is skipped)."""
    cutoff = timezone.now() - timedelta(seconds=settings.PUBLISHING_STUCK_AFTER_SECONDS)
    stuck = list(
        PublishJob.objects.select_for_update(skip_locked=True)
        .filter(status=JobStatus.DISPATCHED, dispatched_at__lt=cutoff)
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )
    if stuck:
        logger.warning("Handing out %d stuck publish job(s) again: %s", len(stuck), stuck)
        _dispatch(stuck)
    return len(stuck)


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential (2^n s) with jitter, at least what the platform asked for, never beyond the cap."""
    cap = settings.PUBLISHING_RETRY_MAX_SECONDS
    delay = min(cap, 2**attempts) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security
    return min(cap, max(delay, retry_after or 0))


def hold_reason(post: Post) -> str | None:
    """Why the post may not go out now: a crisis covers its channel, or its consent is not
    valid. What the crisis itself sends (a holding statement, a post sent by breaking the
    glass) is not held by it."""
    incident = governance_selectors.crisis_for(post.channel, governance_selectors.active_crises())
    exempt = post.holding_statement_id is not None or approval_rules.broke_the_glass(post)
    if incident is not None and not exempt:
        return f"Held at delivery by crisis #{incident.pk}: {incident.reason}"[:500]
    problem = approval_rules.consent_problem(post)
    if problem:
        return f"Held at delivery: {problem}"[:500]
    return None


def _lock_job(job_id: int) -> PublishJob | None:
    try:
        return PublishJob.objects.select_for_update(nowait=True).filter(pk=job_id).first()
    except DatabaseError:  # another delivery of this job holds it
        return None


def deliver(job_id: int) -> str:
    """Deliver one job. Returns what happened (for logs and tests)."""
    with transaction.atomic():
        job = _lock_job(job_id)
        if job is None:
            return "busy"
        if job.status not in (JobStatus.PENDING, JobStatus.DISPATCHED):
            return f"nothing to do ({job.status})"
        post = (
            Post.objects.select_for_update(of=("self",))
            .select_related("channel", "current_revision", "consent")
            .get(pk=job.post_id)
        )
        if post.state == PostState.PUBLISHED:
            _finish(job, Delivered(post.remote_id, post.remote_url), payload_hash=job.payload_hash)
            return "already published"
        if post.current_revision_id != job.revision_id or post.state not in (PostState.SCHEDULED, PostState.PUBLISHING):
            _cancel(job, f"The post is {post.get_state_display().lower()} (or was edited) since the job was written.")
            return "cancelled"
        now = timezone.now()
        if post.state == PostState.SCHEDULED and post.scheduled_at and post.scheduled_at > now:
            job.status, job.due_at = JobStatus.PENDING, post.scheduled_at  # moved later since it was handed out
            job.save(update_fields=["status", "due_at"])
            return "not due"
        reason = hold_reason(post)
        if reason:
            actions.hold(post, actor=None, reason=reason)
            _cancel(job, reason)
            return "held"
        if post.state == PostState.SCHEDULED:
            post = actions.publish_now(post, actor=None, expected_version=post.version)
        connector = connector_for(post.channel)
        payload = Payload(post_id=post.pk, channel=post.channel.slug, content=post.current_revision.content())
        if not connector.sends:
            job.status, job.connector = JobStatus.AWAITING_URL, connector.kind
            job.save(update_fields=["status", "connector"])
            return "awaiting url"
        job.attempts += 1
        job.sent_at = now
        try:
            delivered = connector.publish(payload, idempotency_key=job.idempotency_key)
        except Retryable as exc:
            if job.attempts >= settings.PUBLISHING_MAX_ATTEMPTS:
                _fail(job, post, f"{exc.message} (gave up after {job.attempts} attempts)")
                return "failed"
            delay = backoff_seconds(job.attempts, exc.retry_after)
            job.status, job.last_error = JobStatus.PENDING, exc.message[:1000]
            job.due_at = timezone.now() + timedelta(seconds=delay)
            job.save(update_fields=["status", "last_error", "due_at", "attempts", "sent_at"])
            audit.record(
                "publishing.job.retry",
                actor=None,
                target=job,
                channel_id=post.channel_id,
                data={
                    "post_id": post.pk,
                    "attempt": job.attempts,
                    "error": job.last_error,
                    "retry_in": round(delay, 1),
                },
            )
            return "retry"
        except Permanent as exc:
            _fail(job, post, exc.message)
            return "failed"
        # The remote id is stored with the job marked done, before the post is published.
        _finish(job, delivered, payload_hash=payload.content_hash)
        actions.mark_published(
            post,
            actor=None,
            remote_id=delivered.remote_id,
            remote_url=delivered.remote_url,
            sent_hash=payload.content_hash,
        )
        return "done"


def _finish(job: PublishJob, delivered: Delivered, *, payload_hash: str) -> None:
    """The remote id and URL and the done mark, in one UPDATE: never one without the other."""
    job.remote_id, job.remote_url, job.payload_hash = delivered.remote_id, delivered.remote_url, payload_hash
    job.status, job.finished_at, job.last_error = JobStatus.DONE, timezone.now(), ""
    job.save(
        update_fields=[
            "remote_id",
            "remote_url",
            "payload_hash",
            "status",
            "finished_at",
            "last_error",
            "attempts",
            "sent_at",
        ]
    )


def _cancel(job: PublishJob, reason: str) -> None:
    job.status, job.last_error, job.finished_at = JobStatus.CANCELLED, reason[:1000], timezone.now()
    job.save(update_fields=["status", "last_error", "finished_at"])


def _fail(job: PublishJob, post: Post, reason: str) -> None:
    job.status, job.last_error, job.finished_at = JobStatus.FAILED, reason[:1000], timezone.now()
    job.save(update_fields=["status", "last_error", "finished_at", "attempts", "sent_at"])
    actions.mark_failed(post, actor=None, reason=reason)


def record_manual_publication(post: Post) -> None:
    """A publisher pasted the live address of a post (manual channels): the job is done."""
    job = PublishJob.objects.select_for_update().filter(post=post, revision_id=post.current_revision_id).first()
    if job is not None and job.status != JobStatus.DONE:
        _finish(job, Delivered(post.remote_id, post.remote_url), payload_hash=post.current_revision.content_hash)
