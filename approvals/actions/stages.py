"""Defining the review stages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

import audit
from core.errors import PermissionDenied, ValidationFailed
from governance import permissions

from ..models import ReviewStage

STAGE_FIELDS = (
    "slug",
    "name",
    "position",
    "department",
    "channel",
    "eligible_permission",
    "eligible_group",
    "approvals_required",
    "applies",
    "is_active",
)


@transaction.atomic
def save_review_stage(stage: ReviewStage | None, *, actor, **fields) -> ReviewStage:
    """Define a new review stage or change one. Who: portal admins.

    Posts already in review keep the plan they were submitted with; the change applies
    to the next submissions.
    """
    if actor is not None and not permissions.holds_everywhere(actor, permissions.MANAGE_DEPARTMENT):
        raise PermissionDenied("Only portal admins define review stages.")
    unknown = set(fields) - set(STAGE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["Unknown field."] for name in sorted(unknown)})
    creating = stage is None
    if creating:
        stage = ReviewStage()
        before = {}
    else:
        stage = ReviewStage.objects.select_for_update().get(pk=stage.pk)
        before = _stage_snapshot(stage)
    for name, value in fields.items():
        setattr(stage, name, value)
    try:
        stage.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(errors=exc.message_dict) from exc
    after = _stage_snapshot(stage)
    changed = {k for k in after if before.get(k) != after[k]}
    if not creating and not changed:
        return stage  # nothing to write, nothing to record
    stage.save()
    after = _stage_snapshot(stage)
    if changed:
        audit.record(
            "approvals.stage.create" if creating else "approvals.stage.update",
            actor=actor,
            target=stage,
            channel_id=stage.channel_id,
            data={
                "before": {k: before.get(k) for k in sorted(changed)} if before else None,
                "after": {k: after[k] for k in sorted(changed)},
            },
        )
    return stage


def _stage_snapshot(stage: ReviewStage) -> dict:
    return {
        "slug": stage.slug,
        "name": stage.name,
        "position": stage.position,
        "department_id": stage.department_id,
        "channel_id": stage.channel_id,
        "eligible_permission": stage.eligible_permission,
        "eligible_group_id": stage.eligible_group_id,
        "approvals_required": stage.approvals_required,
        "applies": stage.applies,
        "is_active": stage.is_active,
    }
