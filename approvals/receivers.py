"""What a crisis or a revoked consent does to posts. Governance declares the crisis or revokes
the consent (it may not import this app); these receivers run inside that same transaction."""

from django.dispatch import receiver

from governance.signals import consent_revoked, crisis_started, crisis_starting

from . import actions
from .actions.crisis import scope_filter
from .models import Post, PostState

_CRISIS_AFFECTS = [PostState.SCHEDULED, PostState.APPROVED, PostState.IN_REVIEW]


@receiver(crisis_starting, dispatch_uid="approvals_crisis_starting")
def lock_posts_in_scope(sender, incident, actor, **kwargs):
    """Lock the posts the crisis will change before it takes the audit chain head (see
    governance.signals): a post being approved at that moment is waited for, and is then seen
    as the approval left it (held if it became scheduled), instead of a deadlock."""
    list(
        Post.objects.select_for_update(of=("self",))
        .filter(scope_filter(incident), state__in=_CRISIS_AFFECTS)
        .order_by("id")
        .values_list("pk", flat=True)
    )


@receiver(crisis_started, dispatch_uid="approvals_crisis_started")
def hold_and_reopen(sender, incident, actor, **kwargs):
    """Scheduled posts in scope are held; approvals of unpublished posts given before the
    crisis are voided and their review starts again, crisis team included."""
    posts = Post.objects.filter(scope_filter(incident), state__in=_CRISIS_AFFECTS).order_by("id")
    for post in posts:
        if post.state == PostState.SCHEDULED:
            actions.hold(post, actor=None, reason=f"Held by crisis #{incident.pk}: {incident.reason}"[:500])
        else:
            actions.reopen_review(post, actor=None, reason=f"crisis #{incident.pk} started")


@receiver(consent_revoked, dispatch_uid="approvals_consent_revoked")
def hold_or_request_retraction(sender, consent, actor, **kwargs):
    """The posts citing a revoked consent: unpublished ones are held, published ones become
    retraction requests for their channel's managers (see `actions.act_on_revoked_consent`)."""
    actions.act_on_revoked_consent(consent)
