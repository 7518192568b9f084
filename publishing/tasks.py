"""Celery tasks of delivery. The beat schedule (config/settings.py, CELERY_BEAT_SCHEDULE)
runs `dispatch_due` every few seconds and `sweep_stuck` every half minute; both only hand
job ids, in batches, to `deliver_jobs`, which does the work (publishing.delivery).

This is the one module of publishing that knows Celery: delivery decides which jobs go
and calls the `hand_out` it is given, this module's."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from core.db import after_commit

from . import delivery

DELIVERY_TASK_OPTIONS = {
    "acks_late": True,  # the message is acknowledged after the delivery, not before…
    "reject_on_worker_lost": True,  # …and given back to the broker if the worker dies mid-way
    "autoretry_for": (OperationalError, InterfaceError),  # the database blinked: try again shortly
    "retry_backoff": 2,
    "retry_backoff_max": 300,  # well below the broker's visibility timeout (Redis: 1 h)
    "retry_jitter": True,
    "max_retries": 8,
    "ignore_result": True,
}


def hand_out(job_ids: list[int]) -> None:
    """Send the jobs to the workers in messages of PUBLISHING_BATCH_SIZE, once the current
    transaction has committed."""
    size = settings.PUBLISHING_BATCH_SIZE
    for start in range(0, len(job_ids), size):
        after_commit(deliver_jobs, job_ids[start : start + size])


@shared_task(**DELIVERY_TASK_OPTIONS)
def deliver_jobs(job_ids: list[int]) -> dict:
    """Deliver a batch of jobs (what `dispatch_due` sends)."""
    return delivery.deliver_many(job_ids)


@shared_task(**DELIVERY_TASK_OPTIONS)
def deliver_job(job_id: int) -> str:
    """Deliver one job (messages queued before batches existed are still understood)."""
    return delivery.deliver(job_id)


@shared_task(ignore_result=True)
def dispatch_due() -> int:
    return delivery.dispatch_due(hand_out=hand_out)


@shared_task(ignore_result=True)
def sweep_stuck() -> int:
    return delivery.sweep_stuck(hand_out=hand_out)
