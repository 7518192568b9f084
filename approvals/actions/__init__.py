"""Every change to the approvals app's models: one function per transition of
`approvals.workflow`, grouped by subject. See `posts` for what every action does.
"""

from .posts import (
    approve,
    available_actions,
    comment,
    create_post,
    edit_post,
    hold,
    mark_failed,
    mark_published,
    policy_check,
    publish_now,
    reject,
    release,
    reopen_review,
    request_changes,
    retract,
    retry,
    review_plan,
    schedule,
    submit,
    withdraw,
)
from .stages import STAGE_FIELDS, save_review_stage

__all__ = [
    "STAGE_FIELDS",
    "approve",
    "available_actions",
    "comment",
    "create_post",
    "edit_post",
    "hold",
    "mark_failed",
    "mark_published",
    "policy_check",
    "publish_now",
    "reject",
    "release",
    "reopen_review",
    "request_changes",
    "retract",
    "retry",
    "review_plan",
    "save_review_stage",
    "schedule",
    "submit",
    "withdraw",
]
