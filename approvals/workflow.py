"""The workflow table: which action may run in which state, and where it leads.

This table is the only definition of the post lifecycle. The actions consult it before
anything else, `available_actions()` derives the buttons and API hints from it, and a test
walks every (state, action) pair.
"""

from enum import StrEnum

from .models import PostState as S


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    SCHEDULE = "schedule"
    PUBLISH = "publish"
    MARK_PUBLISHED = "mark_published"
    MARK_FAILED = "mark_failed"
    RETRY = "retry"
    HOLD = "hold"
    RELEASE = "release"
    RETRACT = "retract"
    REOPEN = "reopen"
    BREAK_GLASS = "break_glass"
    COMMENT = "comment"


# States whose content may still change: an edit makes a new revision and sends the post
# back to draft, voiding every approval given so far.
EDITABLE = (S.DRAFT, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.HELD, S.FAILED)
# States from which the author may still withdraw the post (nothing has gone out).
WITHDRAWABLE = EDITABLE
# States a hold stops (a crisis holds scheduled posts; a revoked consent everything unpublished).
# Delivery itself holds a post it finds covered by a crisis or without a valid consent.
HOLDABLE = (S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.PUBLISHING, S.FAILED)
# States from which break-glass publishing sends the post out at once, approved or not
# (never a post a reviewer rejected or its author withdrew).
BREAKABLE = (S.DRAFT, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.HELD, S.FAILED)

TRANSITIONS: dict[tuple[str, Action], frozenset[str]] = {
    **{(state, Action.EDIT): frozenset({S.DRAFT}) for state in EDITABLE},
    (S.DRAFT, Action.SUBMIT): frozenset({S.IN_REVIEW}),
    (S.CHANGES_REQUESTED, Action.SUBMIT): frozenset({S.IN_REVIEW}),
    # An approval either completes a stage and opens the next (still in review) or
    # completes the last one: approved, or scheduled when the post carries a time; a
    # holding statement issued in a crisis goes out at once.
    (S.IN_REVIEW, Action.APPROVE): frozenset({S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.PUBLISHING}),
    (S.IN_REVIEW, Action.REQUEST_CHANGES): frozenset({S.CHANGES_REQUESTED}),
    (S.IN_REVIEW, Action.REJECT): frozenset({S.REJECTED}),
    **{(state, Action.WITHDRAW): frozenset({S.WITHDRAWN}) for state in WITHDRAWABLE},
    (S.APPROVED, Action.SCHEDULE): frozenset({S.SCHEDULED}),
    (S.SCHEDULED, Action.SCHEDULE): frozenset({S.SCHEDULED}),
    (S.APPROVED, Action.PUBLISH): frozenset({S.PUBLISHING}),
    (S.SCHEDULED, Action.PUBLISH): frozenset({S.PUBLISHING}),
    # Delivery reports back: the platform accepted it (or a publisher pasted the live URL
    # of a manual post), or it failed for good and waits for a retry.
    (S.PUBLISHING, Action.MARK_PUBLISHED): frozenset({S.PUBLISHED}),
    (S.PUBLISHING, Action.MARK_FAILED): frozenset({S.FAILED}),
    (S.FAILED, Action.RETRY): frozenset({S.PUBLISHING}),
    # A crisis, a revoked consent or a manager stops what is on its way out; releasing
    # returns it where it was (a review held mid-way starts again).
    **{(state, Action.HOLD): frozenset({S.HELD}) for state in HOLDABLE},
    (S.HELD, Action.RELEASE): frozenset({S.APPROVED, S.SCHEDULED, S.IN_REVIEW, S.PUBLISHING, S.FAILED}),
    (S.PUBLISHED, Action.RETRACT): frozenset({S.RETRACTED}),
    # A crisis voids the approvals given so far: the review starts again, crisis team included.
    (S.IN_REVIEW, Action.REOPEN): frozenset({S.IN_REVIEW}),
    (S.APPROVED, Action.REOPEN): frozenset({S.IN_REVIEW}),
    # An emergency: publish now, approved or not, with a reason; compliance reviews it after.
    **{(state, Action.BREAK_GLASS): frozenset({S.PUBLISHING}) for state in BREAKABLE},
    # Discussion never changes the state.
    **{(state, Action.COMMENT): frozenset({state}) for state in S.values},
}


def allowed(state: str, action: Action) -> bool:
    return (state, action) in TRANSITIONS


def targets(state: str, action: Action) -> frozenset[str]:
    return TRANSITIONS.get((state, action), frozenset())


def actions_from(state: str) -> list[Action]:
    return [action for action in Action if (state, action) in TRANSITIONS]
