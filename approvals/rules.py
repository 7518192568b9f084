"""Who may take which action on a post. Built on governance.permissions; used by the
actions (which raise) and by available_actions (which lists), so the two cannot disagree."""

from django.utils import timezone

from accounts import roles
from core.errors import PermissionDenied
from governance import permissions
from governance.rules import engine

from .models import Decision, Post, ReviewDecision, ReviewStage
from .workflow import Action

# What the system (actor None) may do: start the delivery of a scheduled post when its time
# comes, report delivery, hold and release in a crisis.
SYSTEM_ACTIONS = frozenset(
    {Action.PUBLISH, Action.MARK_PUBLISHED, Action.MARK_FAILED, Action.HOLD, Action.RELEASE, Action.REOPEN}
)


def is_author(user, post: Post) -> bool:
    """Author or co-author. Uses prefetched co-authors when present."""
    if post.author_id == user.pk:
        return True
    cache = getattr(post, "_prefetched_objects_cache", {})
    if "co_authors" in cache:
        return any(u.pk == user.pk for u in cache["co_authors"])
    return post.co_authors.filter(pk=user.pk).exists()


def may_view(user, post: Post) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return is_author(user, post) or permissions.can(user, permissions.VIEW_POSTS, post.channel)


def is_eligible_for_stage(user, stage: ReviewStage, channel) -> bool:
    if stage.eligible_group_id:
        return stage.eligible_group_id in permissions.group_ids(user)
    return permissions.can(user, stage.eligible_permission, channel)


def consent_problem(post: Post, *, day=None) -> str | None:
    """Why `post` may not go out for want of consent (None: it may). On a channel that requires
    consent the post must cite a consent valid on `day` (today) that covers the channel."""
    channel = post.channel
    if not channel.requires_consent:
        return None
    if post.consent_id is None:
        return f"Posts on {channel.name} must cite the consent of the person they are about."
    return post.consent.problem_on(day or timezone.localdate(), channel)


def is_compliance_officer(user) -> bool:
    """Compliance officers (and superusers): they review break-glass publications afterwards."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or roles.COMPLIANCE_OFFICER in permissions.role_names(user)


def missing_training(user, channel) -> str | None:
    """The first training course the channel's policy requires that `user` does not hold validly."""
    for course in engine.required_courses(channel):
        if not engine.has_valid_certification(user, course):
            return course
    return None


def active_decisions(post: Post) -> list[ReviewDecision]:
    """Decisions that still count: on the current revision, not voided (cached per post object)."""
    cached = getattr(post, "_active_decisions", None)
    if cached is None:
        cached = list(
            ReviewDecision.objects.filter(post=post, revision_id=post.current_revision_id, voided_at__isnull=True)
        )
        post._active_decisions = cached
    return cached


def refusal(action: Action, user, post: Post) -> str | None:
    """Why `user` may not take `action` on `post` (None: they may). The state is not checked here.

    `user` None is the system itself (delivery, scheduled work): it may take the system's
    actions and nothing that needs a person's judgement.
    """
    channel = post.channel
    if user is None:
        return None if action in SYSTEM_ACTIONS else "This needs a person."
    if action == Action.MARK_FAILED:
        return "Only delivery reports a failure."
    if action == Action.REOPEN:
        return "Only a crisis reopens a review."
    if action in (Action.EDIT, Action.SUBMIT):
        if not is_author(user, post):
            return "Only the post's authors may do this."
        if not permissions.can(user, permissions.DRAFT, channel):
            return "You may no longer draft on this channel."
        return None
    if action == Action.WITHDRAW:
        return None if post.author_id == user.pk else "Only the post's author may withdraw it."
    if action in (Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT):
        stage = post.current_stage
        if stage is None:
            return "No review stage is open."
        if is_author(user, post):
            return "Authors never review their own post."
        if not is_eligible_for_stage(user, stage, channel):
            return f"The “{stage.name}” stage is decided by {stage.eligibility_label}."
        missing = missing_training(user, channel)
        if missing:
            return f"Reviewing on {channel.name} needs a valid “{missing}” certification; yours is missing or expired."
        for decision in active_decisions(post):
            if decision.reviewer_id != user.pk:
                continue
            if decision.stage_id == stage.pk:
                return "You have already decided on this stage."
            if decision.decision == Decision.APPROVE:
                return "You approved another stage of this post; a different person must decide this one."
        return None
    if action in (Action.SCHEDULE, Action.PUBLISH, Action.RETRY, Action.MARK_PUBLISHED):
        return None if permissions.can(user, permissions.PUBLISH, channel) else "You may not publish on this channel."
    if action in (Action.HOLD, Action.RELEASE):
        if permissions.can(user, permissions.HANDLE_CRISIS, channel):
            return None
        return "Only the channel's managers and the crisis team hold and release posts."
    if action == Action.RETRACT:
        return None if permissions.can(user, permissions.MANAGE_CHANNEL, channel) else "Only channel managers retract."
    if action == Action.BREAK_GLASS:
        # Authors included: it is an emergency, and the retrospective review is the control.
        if permissions.can(user, permissions.BREAK_GLASS, channel):
            return None
        return "Only holders of the break-glass permission on this channel publish without approval."
    if action == Action.COMMENT:
        return None if may_view(user, post) else "You may not see this post."
    return f"Unknown action {action}."


def check(action: Action, user, post: Post) -> None:
    reason = refusal(action, user, post)
    if reason:
        raise PermissionDenied(reason)


def broke_the_glass(post: Post) -> bool:
    """Did the post's current revision go out by breaking the glass? Delivery should let such a
    post through a crisis (holding it would undo the emergency decision the crisis team or a
    channel's holder just took); a consent problem never lets it through (break_glass refuses it)."""
    return post.retrospective_reviews.filter(revision_id=post.current_revision_id).exists()
