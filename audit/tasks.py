"""Celery tasks of the audit log. Beat runs `write_checkpoint` every AUDIT_CHECKPOINT_EVERY_SECONDS
(config/settings.py, CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from . import checkpoints

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def write_checkpoint() -> int | None:
    """Sign and export the chain head; the seq signed, or None when there was nothing new.

    A refusal (the chain no longer leads from the last checkpoint to the head) or a failed
    export raises, so that the worker logs it as a failure."""
    if not checkpoints.enabled():
        logger.info("audit checkpoints are off: nothing written")
        return None
    checkpoint = checkpoints.write_checkpoint()
    return checkpoint.seq if checkpoint else None
