"""Reads of posts, already narrowed to what the user may see, with their joins done."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from governance import permissions
from governance.errors import NotVisible
from governance.models import Channel

from .models import Decision, Post, PostState, ReviewDecision, ReviewStage

_LIST_RELATED = ("channel", "author", "current_revision", "current_stage")


def _co_author(user) -> Exists:
    return Exists(Post.co_authors.through.objects.filter(post_id=OuterRef("pk"), user_id=user.pk))


def posts_visible_to(user) -> QuerySet[Post]:
    """Posts the user may see: their own (as author or co-author), every post on channels they
    review, publish on or manage, and everything for compliance officers and the crisis team."""
    posts = Post.objects.select_related(*_LIST_RELATED)
    if not (user.is_authenticated and user.is_active):
        return posts.none()
    if user.is_superuser:
        return posts
    channels = permissions.visible(user, permissions.VIEW_POSTS, Channel.objects.all()).values("pk")
    return posts.filter(Q(author=user) | _co_author(user) | Q(channel__in=channels))


def post_for(user, post_id) -> Post:
    """One post with everything its detail view shows, or NotVisible (missing or hidden alike)."""
    try:
        post_id = int(post_id)
    except (TypeError, ValueError):
        raise NotVisible("No such post.") from None
    post = (
        posts_visible_to(user)
        .select_related("current_stage__eligible_group", "channel__owning_department")
        .prefetch_related(
            "co_authors",
            Prefetch(
                "decisions",
                queryset=ReviewDecision.objects.select_related("reviewer", "stage", "revision").order_by(
                    "decided_at", "id"
                ),
            ),
        )
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotVisible("No such post.")
    # rules.active_decisions reads this instead of querying again.
    post._active_decisions = [
        d for d in post.decisions.all() if d.revision_id == post.current_revision_id and d.voided_at is None
    ]
    return post


def review_queue_for(user) -> QuerySet[Post]:
    """Posts awaiting a decision `user` is eligible to give, oldest first.

    In review; the open stage is decided by a group the user is in, or by a channel
    permission the user holds on the post's channel; the user is not an author; and the
    user has not already decided this stage, nor approved another stage, of this revision.
    One query, however many channels, grants or posts.
    """
    if not (user.is_authenticated and user.is_active):
        return Post.objects.none()
    eligible = Q(current_stage__eligible_group__in=user.groups.values("pk"))
    for perm in ReviewStage.EligiblePermission.values:
        channels = permissions.visible(user, perm, Channel.objects.all()).values("pk")
        eligible |= Q(current_stage__eligible_permission=perm, channel__in=channels)
    already_decided = ReviewDecision.objects.filter(
        post_id=OuterRef("pk"),
        revision_id=OuterRef("current_revision_id"),
        reviewer_id=user.pk,
        voided_at__isnull=True,
    ).filter(Q(stage_id=OuterRef("current_stage_id")) | Q(decision=Decision.APPROVE))
    return (
        Post.objects.select_related(*_LIST_RELATED)
        .filter(state=PostState.IN_REVIEW)
        .filter(eligible)
        .exclude(author=user)
        .exclude(_co_author(user))
        .exclude(Exists(already_decided))
        .order_by("awaiting_since", "id")
    )
