"""Follow-up work of the workflow, run by Celery workers after the acting transaction commits."""

from celery import shared_task

from . import notifications


@shared_task(ignore_result=True)
def notify_stage_opened(post_id: int, stage_id: int) -> int:
    return notifications.stage_opened(post_id, stage_id)


@shared_task(ignore_result=True)
def notify_decision(decision_id: int) -> int:
    return notifications.decision_made(decision_id)


@shared_task(ignore_result=True)
def notify_break_glass(review_id: int) -> int:
    return notifications.break_glass_used(review_id)


@shared_task(ignore_result=True)
def notify_retraction_requested(request_id: int) -> int:
    return notifications.retraction_requested(request_id)
