"""Every change to the approvals app's models: one function per transition of
`approvals.workflow`, grouped by subject. See `posts` for what every action does.
"""

from .break_glass import break_glass, complete_retrospective
from .consent import act_on_revoked_consent, request_retraction
from .crisis import release_held_posts
from .posts import (
    approve,
    available_actions,
    comment,
    create_post,
    edit_post,
    hold,
    mark_failed,
    mark_published,
    mark_published_many,
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
    start_publishing_many,
    submit,
    withdraw,
)
from .stages import STAGE_FIELDS, save_review_stage
from .statements import STATEMENT_FIELDS, issue_holding_statement, save_holding_statement

__all__ = [
    "STAGE_FIELDS",
    "STATEMENT_FIELDS",
    "act_on_revoked_consent",
    "approve",
    "available_actions",
    "break_glass",
    "comment",
    "complete_retrospective",
    "create_post",
    "edit_post",
    "hold",
    "issue_holding_statement",
    "mark_failed",
    "mark_published",
    "mark_published_many",
    "policy_check",
    "publish_now",
    "reject",
    "release",
    "release_held_posts",
    "reopen_review",
    "request_changes",
    "request_retraction",
    "retract",
    "retry",
    "review_plan",
    "save_holding_statement",
    "save_review_stage",
    "schedule",
    "start_publishing_many",
    "submit",
    "withdraw",
]
