"""Who may take which action on a post, and whether a post may go out. Built on
governance.permissions; used by the actions (which raise), by `available_actions` (which
lists: the page's buttons, the API's hints) and by delivery, so that none can disagree.

Each action's spec (`approvals.workflow.SPECS`) names its rule (`Who`); `RULES` holds each rule
once.
"""

from accounts import roles
from core.errors import PermissionDenied, ValidationFailed
from governance import permissions
from governance.models import consent_problem
from governance.rules import engine

from .models import Decision, Post, ReviewDecision, ReviewStage
from .workflow import SPECS, Action, Who, actions_from


def is_author(user, post: Post) -> bool:
    """Author or co-author. Uses prefetched co-authors when present."""
    if post.author_id == user.pk:
        return True
    cache = getattr(post, "_prefetched_objects_cache", {})
    if "co_authors" in cache:
        return any(u.pk == user.pk for u in cache["co_authors"])
    return post.co_authors.filter(pk=user.pk).exists()


def wrote(user, post: Post) -> bool:
    """Is `user` one of the post's writers: its author, anyone who was ever its co-author, or
    who created one of its revisions (`Post.writers`)? A writer never approves the post, even
    after leaving its co-authors: the words under review may still be hers. Uses prefetched
    writers when present; otherwise one query, which an action makes after locking the post."""
    if post.author_id == user.pk:
        return True
    cache = getattr(post, "_prefetched_objects_cache", {})
    if "writers" in cache:
        return any(u.pk == user.pk for u in cache["writers"])
    return post.writers.filter(pk=user.pk).exists()


def may_view(user, post: Post) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return is_author(user, post) or permissions.can(user, permissions.VIEW_POSTS, post.channel)


def is_eligible_for_stage(user, stage: ReviewStage, channel) -> bool:
    if stage.eligible_group_id:
        return stage.eligible_group_id in permissions.group_ids(user)
    return permissions.can(user, stage.eligible_permission, channel)


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


def _authors(user, post: Post) -> str | None:
    if not is_author(user, post):
        return "Only the post's authors may do this."
    if not permissions.can(user, permissions.DRAFT, post.channel):
        return "You may no longer draft on this channel."
    return None


def _author(user, post: Post) -> str | None:
    return None if post.author_id == user.pk else "Only the post's author may withdraw it."


def _stage_reviewers(user, post: Post) -> str | None:
    channel, stage = post.channel, post.current_stage
    if stage is None:
        return "No review stage is open."
    if wrote(user, post):
        return "Nobody who wrote or co-authored a post reviews it."
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


def _publishers(user, post: Post) -> str | None:
    if permissions.can(user, permissions.PUBLISH, post.channel):
        return None
    return "You may not publish on this channel."


def _crisis_handlers(user, post: Post) -> str | None:
    if permissions.can(user, permissions.HANDLE_CRISIS, post.channel):
        return None
    return "Only the channel's managers and the crisis team hold and release posts."


def _channel_managers(user, post: Post) -> str | None:
    return None if permissions.can(user, permissions.MANAGE_CHANNEL, post.channel) else "Only channel managers retract."


def _break_glass_holders(user, post: Post) -> str | None:
    # Authors included: it is an emergency, and the retrospective review is the control.
    if permissions.can(user, permissions.BREAK_GLASS, post.channel):
        return None
    return "Only holders of the break-glass permission on this channel publish without approval."


def _viewers(user, post: Post) -> str | None:
    return None if may_view(user, post) else "You may not see this post."


# Who.X → why `user` may not (None: they may). Each rule is written once; the specs name them.
RULES = {
    Who.AUTHORS: _authors,
    Who.AUTHOR: _author,
    Who.STAGE_REVIEWERS: _stage_reviewers,
    Who.PUBLISHERS: _publishers,
    Who.CRISIS_HANDLERS: _crisis_handlers,
    Who.CHANNEL_MANAGERS: _channel_managers,
    Who.BREAK_GLASS_HOLDERS: _break_glass_holders,
    Who.VIEWERS: _viewers,
    Who.DELIVERY: lambda user, post: "Only delivery reports a failure.",
    Who.CRISIS: lambda user, post: "Only a crisis reopens a review.",
}


def refusal(action: Action, user, post: Post) -> str | None:
    """Why `user` may not take `action` on `post` (None: they may). The state is not checked here.

    `user` None is the system itself (delivery, scheduled work, a crisis, a revoked consent):
    it may take the actions whose spec allows the system, and nothing that needs a person's
    judgement.
    """
    spec = SPECS[action]
    if user is None:
        return None if spec.system else "This needs a person."
    return RULES[spec.who](user, post)


def require(action: Action, user, post: Post) -> None:
    """Raise PermissionDenied with `refusal`'s reason, if any."""
    reason = refusal(action, user, post)
    if reason:
        raise PermissionDenied(reason)


def broke_the_glass(post: Post) -> bool:
    """Did the post's current revision go out by breaking the glass? Delivery should let such a
    post through a crisis (holding it would undo the emergency decision the crisis team or a
    channel's holder just took); a consent problem never lets it through (break_glass refuses it)."""
    return post.retrospective_reviews.filter(revision_id=post.current_revision_id).exists()


# --- judging findings (not a workflow action: it changes no state) -------------------------


def dismissal_refusal(user, post: Post) -> str | None:
    """Why `user` may not dismiss a finding of `post` as a false alarm (None: they may).

    Those who judge findings for the review: whoever may review on the post's channel (the
    channel-review stage) and compliance officers (the compliance sign-off stage), with the
    channel's required training as for reviewing; never one of the post's writers (separation
    of duties: an author does not clear her own post's findings)."""
    if not may_view(user, post):
        return "You may not see this post."
    if wrote(user, post):
        return "Nobody who wrote or co-authored a post judges its findings."
    channel = post.channel
    if not (roles.is_compliance_officer(user) or permissions.can(user, permissions.REVIEW, channel)):
        return "Only the channel's reviewers and compliance officers dismiss a finding as a false alarm."
    missing = missing_training(user, channel)
    if missing:
        return (
            f"Judging findings on {channel.name} needs a valid “{missing}” certification; yours is missing or expired."
        )
    return None


def require_may_dismiss(user, post: Post) -> None:
    """Raise PermissionDenied with `dismissal_refusal`'s reason, if any."""
    reason = dismissal_refusal(user, post)
    if reason:
        raise PermissionDenied(reason)


def available_actions(user, post: Post) -> list[str]:
    """The actions `user` may take on `post` now: allowed by the table and by the rules."""
    return [str(action) for action in actions_from(post.state) if refusal(action, user, post) is None]


# --- may it go out: consent ---------------------------------------------------------------


def going_out_problem(post: Post, *, when=None) -> str | None:
    """Why `post` may not go out now, or at `when`, for want of a valid consent (None: it may).
    The one answer delivery, scheduling, publishing, releasing and break-glass all ask."""
    return consent_problem(post.channel, post.consent, when=when)


def require_valid_consent(post: Post, *, when=None) -> None:
    """Refuse (400, code `consent_required`) unless the post may go out now and at `when`."""
    problem = going_out_problem(post, when=when)
    if problem:
        raise ValidationFailed(
            f"{problem} The post cannot go out until it cites a valid consent.",
            code="consent_required",
            errors={"consent": [problem]},
        )
