"""What every action on a post does, written once: lock the row, check the workflow table, the
version the client saw and the actor's permission (in that order), record the transition in
the audit chain, and the small steps several actions share (a new revision, voiding decisions,
closing the review)."""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

import audit
from core.errors import StaleVersion, TransitionNotAllowed, ValidationFailed
from governance.rules import engine

from ..models import (
    Post,
    ReviewDecision,
    Revision,
)
from ..permissions import require as require_permission
from ..workflow import SPECS, Action, allowed

FIELDS_ON_CHANGE = ["state", "version", "updated_at"]


def lock_post(post: Post) -> Post:
    """The post, locked for this transaction, then read afresh with what the checks need.

    Two statements, not one `select_for_update().select_related(...)`: on PostgreSQL a locking
    read that waited for another transaction re-reads only the locked row and keeps the joined
    rows it read before waiting (or drops the row when the join no longer matches), so a
    reviewer who waited on an edit would be judged on the revision and stage that were there
    before it."""
    Post.objects.select_for_update().filter(pk=post.pk).values_list("pk", flat=True).get()
    return Post.objects.select_related(
        "channel", "current_revision", "current_stage", "current_stage__eligible_group"
    ).get(pk=post.pk)


def lock_posts(post_ids) -> list[Post]:
    """The posts, locked for this transaction, in id order (the order every batch locks in)."""
    return list(
        Post.objects.select_for_update(of=("self",))
        .select_related("channel", "current_revision", "consent")
        .filter(pk__in=post_ids)
        .order_by("pk")
    )


def guard(post: Post, action: Action, actor, expected_version: int | None) -> None:
    """Table, then version, then permission.

    The version comes before the permission: someone acting on a stale copy is told to
    reload (409) rather than judged on a state they have not seen; a racing second
    reviewer gets a conflict, not a refusal meant for the next stage.
    """
    if not allowed(post.state, action):
        raise TransitionNotAllowed(f"A post that is {post.get_state_display().lower()} cannot be {SPECS[action].verb}.")
    if expected_version is None and actor is not None:
        raise ValidationFailed(errors={"version": ["Send the version of the post you are acting on."]})
    if expected_version is not None and post.version != expected_version:
        raise StaleVersion(
            f"This post changed since you loaded it (you had version {expected_version}, "
            f"it is now at version {post.version}). Reload it and try again."
        )
    require_permission(action, actor, post)


def transition_event(action: str, post: Post, *, actor, before_state: str, **data) -> dict:
    """The audit event of one transition of `post` (already changed, version bumped)."""
    return {
        "action": f"approvals.post.{action}",
        "actor": actor,
        "target": post,
        "channel_id": post.channel_id,
        "data": {
            "before": {"state": before_state, "version": post.version - 1},
            "after": {"state": post.state, "version": post.version},
            "revision_id": post.current_revision_id,
            "content_hash": post.current_revision.content_hash if post.current_revision_id else None,
            **data,
        },
    }


def record_transition(action: str, post: Post, *, actor, before_state: str, **data) -> None:
    audit.record(**transition_event(action, post, actor=actor, before_state=before_state, **data))


def new_revision(post: Post, *, actor, number: int, content: dict) -> Revision:
    """A new revision of `post` by `actor`; the caller records `actor` among its writers."""
    too_long = engine.input_problem(post.channel.platform, content.get("body", ""))
    if too_long:
        raise ValidationFailed(too_long, errors={"body": [too_long]})
    revision = Revision(post=post, number=number, created_by=actor, content_hash=Revision.hash_content(content))
    for name, value in content.items():
        setattr(revision, name, value)
    try:
        revision.full_clean(exclude=["post", "content_hash", "created_by"])
    except DjangoValidationError as exc:
        raise ValidationFailed(errors=exc.message_dict) from exc
    revision.save()
    return revision


def refuse_blocks(result, lead: str, *, more: str = "") -> None:
    """Refuse (400, `policy_blocked`) when the posting policy's check `result` has a `block`
    finding: `lead` and the first one's message, then `more` (formatted with `n`, the count of
    the others) when there are others; every block in `errors`, every finding in the body."""
    if not result.blocks:
        return
    others = len(result.blocks) - 1
    raise ValidationFailed(
        f"{lead}{result.blocks[0].message}{more.format(n=others) if more and others else ''}",
        code="policy_blocked",
        errors={"body": [f.message for f in result.blocks]},
        extra={"findings": [f.as_dict() for f in result.findings]},
    )


def add_writers(post: Post, users) -> None:
    """Record `users` among the post's writers (its author, every co-author it ever had, every
    creator of one of its revisions): none of them approves it. Only ever added to."""
    through = Post.writers.through
    if not users:
        return
    through.objects.bulk_create(
        [through(post_id=post.pk, user_id=user.pk) for user in users if user is not None], ignore_conflicts=True
    )


def void_decisions(post: Post, reason: str) -> int:
    post.__dict__.pop("_active_decisions", None)  # the cache of permissions.active_decisions
    return ReviewDecision.objects.filter(post=post, voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_reason=reason
    )


def clear_review(post: Post) -> list[str]:
    post.current_stage = None
    post.awaiting_since = None
    return ["current_stage", "awaiting_since"]


def check_schedule(scheduled_at: datetime | None) -> None:
    if scheduled_at is not None and scheduled_at <= timezone.now():
        raise ValidationFailed(errors={"scheduled_at": ["Choose a time in the future."]})


def require_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("A comment is required: say why.", errors={"comment": ["Required."]})
    return comment
