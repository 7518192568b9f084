"""After a crisis: releasing the posts it held, all at once."""

from django.db.models import Q

from core.errors import DomainError

from ..models import Post, PostState
from .posts import release


def scope_filter(incident) -> Q:
    """Posts on the channels a crisis covers: its channel, its department's or every channel."""
    if incident.channel_id:
        return Q(channel_id=incident.channel_id)
    if incident.department_id:
        return Q(channel__owning_department_id=incident.department_id)
    return Q()


def release_held_posts(incident, *, actor) -> dict[str, list]:
    """Release every held post in the ended crisis's scope, each in its own transaction (one
    refusal never undoes the others). Who: as for `release`, post by post; posts the actor may
    not release, or that something else still holds (another crisis, a revoked consent), are
    reported with the reason and stay held."""
    released, skipped = [], []
    held = Post.objects.filter(scope_filter(incident), state=PostState.HELD).order_by("id")
    for post in held:
        try:
            post = release(post, actor=actor, expected_version=post.version)
        except DomainError as exc:
            skipped.append({"id": post.pk, "code": exc.code, "detail": str(exc.detail)})
        else:
            released.append({"id": post.pk, "state": post.state})
    return {"released": released, "skipped": skipped}
