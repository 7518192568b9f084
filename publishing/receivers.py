"""Publishing reacts to the workflow (approvals cannot import it): the outbox row is written
inside the transaction that makes a post due, and a post published by hand closes its job."""

from django.dispatch import receiver

from approvals.signals import delivery_requested, post_published

from . import delivery, tasks


@receiver(delivery_requested, dispatch_uid="publishing_delivery_requested")
def write_outbox_row(sender, post, actor, **kwargs):
    delivery.request_delivery(post, hand_out=tasks.hand_out)


@receiver(post_published, dispatch_uid="publishing_post_published")
def close_job(sender, post, actor, **kwargs):
    if actor is None:  # published by delivery, which closed the job itself
        return
    delivery.record_manual_publication(post, actor=actor)
