"""Every change to the approvals app's models, one function per transition of
`approvals.workflow`, grouped by subject:

- `drafting`: create, edit, submit, withdraw (and citing a consent);
- `review`: the review plan, approve, request changes, reject, comment;
- `going_out`: schedule, publish, what delivery reports, retry, retract;
- `holds`: hold, release, a crisis reopening a review;
- `findings`: dismissing a finding of the screening as a false alarm (no transition);
- `break_glass`, `statements` (holding statements), `consent`, `crisis`, `stages`,
  `notifications`.

`base` holds what every action does (see its docstring). `perform` carries out an action from
its spec, for the API and the post's page.
"""

from ..models import Post
from ..workflow import PERFORMERS, SPECS, Action, Need
from .break_glass import break_glass, complete_retrospective
from .consent import request_retraction, revoke_consent
from .crisis import end_crisis, release_held_posts, start_crisis
from .drafting import create_post, current_screening, edit_post, policy_check, submit, withdraw
from .findings import DISMISSABLE_RULES, dismiss_finding
from .going_out import (
    mark_failed,
    mark_published,
    mark_published_many,
    publish_now,
    retract,
    retry,
    schedule,
    start_publishing_many,
)
from .holds import hold, release, reopen_review
from .review import approve, comment, reject, request_changes, review_plan
from .stages import STAGE_FIELDS, save_review_stage
from .statements import STATEMENT_FIELDS, issue_holding_statement, save_holding_statement


def perform(action: Action, post: Post, *, actor, data: dict) -> Post:
    """Carry out `action` on `post` for `actor` with `data` (what the client sent, validated
    against the spec's inputs): the version (`expected_version`; an optional one defaults to the
    post as the request found it) and each of the spec's inputs, by name."""
    spec = SPECS[action]
    version = data.get("version") if spec.version is not Need.OPTIONAL else data.get("version") or post.version
    inputs = {i.name: data.get(i.name, None if i.name == "scheduled_at" else "") for i in spec.inputs}
    return PERFORMERS[action](post, actor=actor, expected_version=version, **inputs)


__all__ = [
    "DISMISSABLE_RULES",
    "STAGE_FIELDS",
    "STATEMENT_FIELDS",
    "approve",
    "break_glass",
    "comment",
    "complete_retrospective",
    "create_post",
    "current_screening",
    "dismiss_finding",
    "edit_post",
    "end_crisis",
    "hold",
    "issue_holding_statement",
    "mark_failed",
    "mark_published",
    "mark_published_many",
    "perform",
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
    "revoke_consent",
    "review_plan",
    "save_holding_statement",
    "save_review_stage",
    "schedule",
    "start_crisis",
    "start_publishing_many",
    "submit",
    "withdraw",
]
