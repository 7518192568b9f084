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

`request_delivery`, `dispatch_due` and `sweep_stuck` decide which jobs go and mark them
handed out; the `hand_out` they are given sends them to the workers. That is
`publishing.tasks.hand_out`: the tasks module is the one that knows Celery, and this module
never imports it.
"""

import logging
import os
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit
from approvals import actions
from approvals import permissions as post_permissions
from approvals.models import Post, PostState
from core.db import update_rows
from governance import selectors as governance_selectors

from .connectors import Delivered, DeliveryError, Payload, Retryable, connector_for
from .models import JobStatus, PublishJob

logger = logging.getLogger(__name__)

# How many due jobs one beat hands out at most (in messages of PUBLISHING_BATCH_SIZE).
DISPATCH_BATCH = 5000


# Sends job ids to the workers once the transaction has committed (`publishing.tasks.hand_out`).
HandOut = Callable[[list[int]], None]


def request_delivery(post: Post, *, hand_out: HandOut) -> PublishJob:
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
        _dispatch([job.pk], hand_out)  # published now: don't wait for the next beat
    return job


def _dispatch(job_ids: list[int], hand_out: HandOut) -> None:
    """Mark the jobs handed out, and hand them to the workers (after the commit)."""
    PublishJob.objects.filter(pk__in=job_ids).update(status=JobStatus.DISPATCHED, dispatched_at=timezone.now())
    hand_out(job_ids)


@transaction.atomic
def dispatch_due(*, hand_out: HandOut, limit: int = DISPATCH_BATCH) -> int:
    """Hand every due job to the workers (several beats or dispatchers never hand out the same one)."""
    due = list(
        PublishJob.objects.select_for_update(skip_locked=True)
        .filter(status=JobStatus.PENDING, due_at__lte=timezone.now())
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if due:
        _dispatch(due, hand_out)
    return len(due)


@transaction.atomic
def sweep_stuck(*, hand_out: HandOut) -> int:
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
        _dispatch(stuck, hand_out)
    return len(stuck)


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential (2^n s) with jitter, at least what the platform asked for, never beyond the cap."""
    cap = settings.PUBLISHING_RETRY_MAX_SECONDS
    delay = min(cap, 2**attempts) * random.uniform(0.5, 1.0)  # noqa: S311  # nosec B311 - jitter, not security
    return min(cap, max(delay, retry_after or 0))


def holding_crisis(post: Post, crises: list | None = None):
    """The active crisis covering the post's channel that has not approved it (None: it may go
    out for every crisis). A post that passed the crisis-team stage while a crisis covered its
    channel (`Post.approved_in_crises`) goes out during that crisis; what a crisis itself sends
    (a holding statement, a post sent by breaking the glass) is not held by it. `crises`: the
    active ones, when the caller has read them."""
    if crises is None:
        crises = governance_selectors.active_crises()
    covering = [
        incident
        for incident in governance_selectors.crises_for(post.channel, crises)
        if incident.pk not in post.approved_in_crises
    ]
    if not covering or post.holding_statement_id is not None or post_permissions.broke_the_glass(post):
        return None
    return covering[0]


def hold_reason(post: Post, crises: list | None = None) -> str | None:
    """Why the post may not go out now: a crisis covering its channel has not approved it, or
    its consent is not valid."""
    incident = holding_crisis(post, crises)
    if incident is not None:
        return f"Held at delivery by crisis #{incident.pk}: {incident.reason}"[:500]
    problem = post_permissions.going_out_problem(post)
    if problem:
        return f"Held at delivery: {problem}"[:500]
    return None


def deliver(job_id: int) -> str:
    """Deliver one job. Returns what happened (for logs and tests)."""
    return deliver_many([job_id])[job_id]


def deliver_many(job_ids: list[int]) -> dict[int, str]:
    """Deliver a batch of jobs in one transaction; returns what happened to each.

    The jobs' rows are locked (SKIP LOCKED: a job another delivery holds is "busy" here) and
    stay locked through the platform calls, which run side by side. The outcome is then
    written in a few set-based statements: the jobs, the posts (`start_publishing_many`,
    `mark_published_many`) and their audit events. A worker killed before the commit rolls
    everything back, and the next attempt repeats the calls under the same idempotency keys.
    """
    outcome: dict[int, str] = dict.fromkeys(job_ids, "busy")
    with transaction.atomic():
        jobs = list(PublishJob.objects.select_for_update(skip_locked=True).filter(pk__in=job_ids).order_by("pk"))
        live = []
        for job in jobs:
            if job.status in (JobStatus.PENDING, JobStatus.DISPATCHED):
                live.append(job)
            else:
                outcome[job.pk] = f"nothing to do ({job.status})"
        if not live:
            return outcome
        # Holding the jobs, never wait for a post: whoever holds one (a publisher marking it
        # published by hand, a crisis holding it) locked it first and may be waiting for its
        # job. Its job goes back to the queue and comes round again at the next beat.
        posts = {
            post.pk: post
            for post in Post.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("channel", "current_revision", "consent")
            .filter(pk__in=[job.post_id for job in live])
            .order_by("pk")
        }
        busy = [job for job in live if job.post_id not in posts]
        for job in busy:
            job.status = JobStatus.PENDING
            job.save(update_fields=["status"])
        live = [job for job in live if job.post_id in posts]
        going = _screen(live, posts, outcome)
        due_now = [post.pk for job, post in going if post.state == PostState.SCHEDULED]
        if due_now:
            posts.update((post.pk, post) for post in actions.start_publishing_many(due_now))
        connectors: dict[int, object] = {}
        calls = []
        for job, post in going:
            post = posts[post.pk]
            if post.channel_id not in connectors:
                connectors[post.channel_id] = connector_for(post.channel)
            connector = connectors[post.channel_id]
            if not connector.sends:
                job.status, job.connector = JobStatus.AWAITING_URL, connector.kind
                job.save(update_fields=["status", "connector"])
                outcome[job.pk] = "awaiting url"
                continue
            payload = Payload(post_id=post.pk, channel=post.channel.slug, content=post.current_revision.content())
            job.attempts += 1
            job.sent_at = timezone.now()
            calls.append((job, post, connector, payload))
        results = _call_platforms(calls)
        done, published = [], {}
        for (job, post, _connector, payload), result in zip(calls, results, strict=True):
            if isinstance(result, Delivered):
                _mark_done(job, result, payload_hash=payload.content_hash)
                done.append(job)
                published[post.pk] = {
                    "remote_id": result.remote_id,
                    "remote_url": result.remote_url,
                    "sent_hash": payload.content_hash,
                }
                outcome[job.pk] = "done"
            elif isinstance(result, Retryable) and job.attempts < settings.PUBLISHING_MAX_ATTEMPTS:
                _retry_later(job, post, result)
                outcome[job.pk] = "retry"
            else:
                reason = result.message
                if isinstance(result, Retryable):
                    reason = f"{reason} (gave up after {job.attempts} attempts)"
                _fail(job, post, reason)
                outcome[job.pk] = "failed"
        # The remote ids are stored with the jobs marked done, before the posts are published.
        if done:
            update_rows(done, _DONE_FIELDS)
        if published:
            actions.mark_published_many(published)
    return outcome


def _screen(jobs: list[PublishJob], posts: dict[int, Post], outcome: dict[int, str]) -> list[tuple]:
    """The (job, post) pairs that may go out now; the others are settled here."""
    crises = governance_selectors.active_crises()
    now = timezone.now()
    going = []
    for job in jobs:
        post = posts[job.post_id]
        if post.state == PostState.PUBLISHED:
            _mark_done(job, Delivered(post.remote_id, post.remote_url), payload_hash=job.payload_hash)
            job.save(update_fields=_DONE_FIELDS)
            outcome[job.pk] = "already published"
        elif post.current_revision_id != job.revision_id or post.state not in (
            PostState.SCHEDULED,
            PostState.PUBLISHING,
        ):
            _cancel(job, f"The post is {post.get_state_display().lower()} (or was edited) since the job was written.")
            outcome[job.pk] = "cancelled"
        elif post.state == PostState.SCHEDULED and post.scheduled_at and post.scheduled_at > now:
            job.status, job.due_at = JobStatus.PENDING, post.scheduled_at  # moved later since it was handed out
            job.save(update_fields=["status", "due_at"])
            outcome[job.pk] = "not due"
        elif reason := hold_reason(post, crises):
            actions.hold(post, actor=None, reason=reason, crisis=holding_crisis(post, crises))
            _cancel(job, reason)
            outcome[job.pk] = "held"
        else:
            going.append((job, post))
    return going


def _call_platforms(calls: list[tuple]) -> list:
    """Each call's Delivered, or the DeliveryError it raised; side by side when there are several.
    An unexpected exception counts as retryable, so that one job's bug never blocks its batch."""

    def call(item):
        job, _post, connector, payload = item
        try:
            return connector.publish(payload, idempotency_key=job.idempotency_key)
        except DeliveryError as exc:
            return exc
        except Exception as exc:
            logger.exception("Delivery of publish job %s raised", job.pk)
            # Its text stays in the log: it may hold what a platform or a library said.
            return Retryable(f"Unexpected error in the connector ({exc.__class__.__name__}); see the worker's log.")

    if len(calls) <= 1:
        return [call(item) for item in calls]
    return list(_call_pool().map(call, calls))


_pool: tuple[int, ThreadPoolExecutor] | None = None


def _call_pool() -> ThreadPoolExecutor:
    """The process's threads for platform calls: started once, not once per batch (and anew in
    a forked worker process, which does not inherit its parent's threads)."""
    global _pool  # noqa: PLW0603 - one pool per process
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(settings.PUBLISHING_PARALLEL_CALLS, thread_name_prefix="publish"))
    return _pool[1]


def _retry_later(job: PublishJob, post: Post, error: Retryable) -> None:
    delay = backoff_seconds(job.attempts, error.retry_after)
    job.status, job.last_error = JobStatus.PENDING, error.message[:1000]
    job.due_at = timezone.now() + timedelta(seconds=delay)
    job.save(update_fields=["status", "last_error", "due_at", "attempts", "sent_at"])
    audit.record(
        "publishing.job.retry",
        actor=None,
        target=job,
        channel_id=post.channel_id,
        data={"post_id": post.pk, "attempt": job.attempts, "error": job.last_error, "retry_in": round(delay, 1)},
    )


_DONE_FIELDS = ["remote_id", "remote_url", "payload_hash", "status", "finished_at", "last_error", "attempts", "sent_at"]


def _mark_done(job: PublishJob, delivered: Delivered, *, payload_hash: str) -> None:
    """The remote id and URL and the done mark, set together (saved in one UPDATE): never one without the other."""
    job.remote_id, job.remote_url, job.payload_hash = delivered.remote_id, delivered.remote_url, payload_hash
    job.status, job.finished_at, job.last_error = JobStatus.DONE, timezone.now(), ""


def _cancel(job: PublishJob, reason: str) -> None:
    job.status, job.last_error, job.finished_at = JobStatus.CANCELLED, reason[:1000], timezone.now()
    job.save(update_fields=["status", "last_error", "finished_at"])


def _fail(job: PublishJob, post: Post, reason: str) -> None:
    job.status, job.last_error, job.finished_at = JobStatus.FAILED, reason[:1000], timezone.now()
    job.save(update_fields=["status", "last_error", "finished_at", "attempts", "sent_at"])
    actions.mark_failed(post, actor=None, reason=reason)


def record_manual_publication(post: Post, *, actor) -> None:
    """A publisher marked the post published by hand, with the live address they gave (manual
    channels, or a connector whose delivery kept failing): the job is done, marked by them.
    Nothing was sent by a connector, so no sent hash is recorded.

    Called under the post's lock (the manual mark), this locks the job second; a worker
    holding the job never waits for a locked post (`deliver_many`), so the two cannot deadlock."""
    job = PublishJob.objects.select_for_update().filter(post=post, revision_id=post.current_revision_id).first()
    if job is not None and job.status != JobStatus.DONE:
        _mark_done(job, Delivered(post.remote_id, post.remote_url), payload_hash="")
        job.marked_by = actor
        job.save(update_fields=[*_DONE_FIELDS, "marked_by"])
