"""What a crisis does to posts. Governance declares the crisis (it may not import this app);
these receivers run inside that same transaction."""

from django.db.models import Q
from django.dispatch import receiver

from governance.signals import crisis_started

from . import actions
from .models import Post, PostState


def _in_scope(incident) -> Q:
    if incident.channel_id:
        return Q(channel_id=incident.channel_id)
    if incident.department_id:
        return Q(channel__owning_department_id=incident.department_id)
    return Q()


@receiver(crisis_started, dispatch_uid="approvals_crisis_started")
def hold_and_reopen(sender, incident, actor, **kwargs):
    """Scheduled posts in scope are held; approvals of unpublished posts given before the
    crisis are voided and their review starts again, crisis team included."""
    posts = Post.objects.filter(
        _in_scope(incident), state__in=[PostState.SCHEDULED, PostState.APPROVED, PostState.IN_REVIEW]
    ).order_by("id")
    for post in posts:
        if post.state == PostState.SCHEDULED:
            actions.hold(post, actor=None, reason=f"Held by crisis #{incident.pk}: {incident.reason}"[:500])
        else:
            actions.reopen_review(post, actor=None, reason=f"crisis #{incident.pk} started")
