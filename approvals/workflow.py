"""The post lifecycle: the table of transitions, and one spec per action.

`TRANSITIONS` is the only definition of which action may run in which state and where it
leads; a test walks every (state, action) pair. `SPECS` describes each action once: its
label and verb (buttons, messages), who may take it (a rule of `approvals.permissions`),
what it needs besides the post (the version the client saw, a comment, a reason, a time, a
live address), and whether people take it from the post's page and the API. From the spec
are derived: the refusal of `approvals.permissions`, `available_actions`, the API views,
their URLs and OpenAPI bodies (`approvals.api.posts`), the page's buttons and their dispatch
(`approvals.views.posts`). Adding an action is adding one spec, one row of the table and one
action function (`approvals.actions`, registered with `performs`).
"""

from dataclasses import dataclass
from enum import Enum, StrEnum

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


def actions_from(state: str) -> list[Action]:
    return [action for action in Action if (state, action) in TRANSITIONS]


# --- one spec per action -------------------------------------------------------------------


class Who(StrEnum):
    """Who may take an action: each names one rule of `approvals.permissions.RULES`."""

    AUTHORS = "authors"  # the author and co-authors, while they may draft on the channel
    AUTHOR = "author"  # the post's author alone
    STAGE_REVIEWERS = "stage_reviewers"  # eligible for the open stage, never an author, one stage each
    PUBLISHERS = "publishers"  # publish permission on the channel
    CRISIS_HANDLERS = "crisis_handlers"  # the channel's managers and the crisis team
    CHANNEL_MANAGERS = "channel_managers"
    BREAK_GLASS_HOLDERS = "break_glass_holders"  # the break-glass permission on the channel
    VIEWERS = "viewers"  # anyone who sees the post
    DELIVERY = "delivery"  # nobody: delivery reports a failure (the system)
    CRISIS = "crisis"  # nobody: a crisis reopens a review (the system)


class Need(Enum):
    NO = "no"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Input:
    """Something an action needs besides the post. The API's field and the page's field of each
    name are made in one place each (`approvals.api.serializers`, `approvals.forms`)."""

    name: str  # comment, reason, scheduled_at, remote_url, remote_id
    required: bool
    help: str


@dataclass(frozen=True)
class ActionSpec:
    action: Action
    label: str  # the button, e.g. "Request changes"
    verb: str  # "A post that is draft cannot be {verb}."
    done: str  # said after it succeeded
    summary: str  # one sentence for the API's documentation: what it does, and who
    who: Who
    version: Need = Need.REQUIRED  # the version the client saw (409 when stale)
    inputs: tuple[Input, ...] = ()
    system: bool = False  # the system (delivery, a crisis, a revoked consent) may take it too
    api: bool = True  # `POST posts/{id}/<slug>/`
    page: bool = True  # a button on the post's page
    area: str = "posts"  # the API's tag
    style: str = ""  # the button: "primary", "danger" or plain
    behind: str = ""  # the page tucks the button behind a disclosure with this summary
    warning: str = ""  # and says this beside it

    @property
    def slug(self) -> str:
        """Its address: `posts/{id}/request-changes/`."""
        return self.action.replace("_", "-")

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)


_COMMENT = Input("comment", False, "A comment for the authors and the record.")
_REQUIRED_COMMENT = Input("comment", True, "Why: the authors see it, and it stays on record.")
_REASON = Input("reason", True, "Why: it is shown on the post and kept in the audit log.")
_TIME = Input("scheduled_at", True, "When the post goes out (ISO 8601, with a time zone).")
_REMOTE_URL = Input("remote_url", True, "The live address of the post on its platform.")
_REMOTE_ID = Input("remote_id", False, "The platform's id of the post, if it shows one.")

_SPECS = (
    # The post's page shows its buttons in this order.
    ActionSpec(
        Action.APPROVE,
        "Approve",
        "approved",
        "Approved.",
        "Approve the open review stage (an eligible reviewer who is not an author).",
        Who.STAGE_REVIEWERS,
        inputs=(_COMMENT,),
        area="review",
        style="primary",
    ),
    ActionSpec(
        Action.REQUEST_CHANGES,
        "Request changes",
        "sent back for changes",
        "Sent back to the authors for changes.",
        "Send the post back to its authors with a comment (an eligible reviewer).",
        Who.STAGE_REVIEWERS,
        inputs=(_REQUIRED_COMMENT,),
        area="review",
    ),
    ActionSpec(
        Action.REJECT,
        "Reject",
        "rejected",
        "Rejected.",
        "Reject the post with a comment (an eligible reviewer).",
        Who.STAGE_REVIEWERS,
        inputs=(_REQUIRED_COMMENT,),
        area="review",
        style="danger",
    ),
    ActionSpec(
        Action.SCHEDULE,
        "Schedule",
        "scheduled",
        "Scheduled.",
        "Schedule an approved post, or move its time (publishers of the channel).",
        Who.PUBLISHERS,
        inputs=(_TIME,),
        style="primary",
    ),
    ActionSpec(
        Action.PUBLISH,
        "Publish now",
        "published",
        "Sent for publication.",
        "Publish an approved or scheduled post now (publishers of the channel).",
        Who.PUBLISHERS,
        version=Need.OPTIONAL,
        system=True,
    ),
    ActionSpec(
        Action.RETRY,
        "Retry publishing",
        "retried",
        "Sent again.",
        "Send a failed post again, exactly as approved (publishers of the channel).",
        Who.PUBLISHERS,
        style="primary",
    ),
    ActionSpec(
        Action.MARK_PUBLISHED,
        "Record as published",
        "marked as published",
        "Recorded as published.",
        "Record the live address of a post published by hand (publishers of the channel).",
        Who.PUBLISHERS,
        inputs=(_REMOTE_URL, _REMOTE_ID),
        system=True,
    ),
    ActionSpec(
        Action.RELEASE,
        "Release",
        "released",
        "Released.",
        "Let a held post go on from where it was held (channel managers, the crisis team).",
        Who.CRISIS_HANDLERS,
        system=True,
        area="crises",
        style="primary",
    ),
    ActionSpec(
        Action.HOLD,
        "Hold",
        "held",
        "Held.",
        "Stop a post on its way out, with a reason (channel managers, the crisis team).",
        Who.CRISIS_HANDLERS,
        inputs=(_REASON,),
        system=True,
        area="crises",
    ),
    ActionSpec(
        Action.RETRACT,
        "Record retraction",
        "retracted",
        "Recorded as retracted.",
        "Record that a published post was taken down, and why (channel managers).",
        Who.CHANNEL_MANAGERS,
        inputs=(_REASON,),
        style="danger",
    ),
    ActionSpec(
        Action.WITHDRAW,
        "Withdraw",
        "withdrawn",
        "Withdrawn.",
        "Withdraw the post before it is published (its author).",
        Who.AUTHOR,
        version=Need.OPTIONAL,
        style="danger",
    ),
    ActionSpec(
        Action.BREAK_GLASS,
        "Break the glass",
        "published by breaking the glass",
        "Published by breaking the glass; compliance officers will review it.",
        "Publish now, approved or not, with a reason (break-glass permission on the channel); "
        "compliance officers are told at once and review it within 24 hours.",
        Who.BREAK_GLASS_HOLDERS,
        inputs=(_REASON,),
        style="danger",
        behind="Emergency: publish without approval",
        warning="Compliance officers are told at once and review it within 24 hours.",
    ),
    # Taken elsewhere: editing and submitting from the compose page (submit also by the API),
    # commenting in the discussion, and the system's own.
    ActionSpec(
        Action.SUBMIT,
        "Submit for review",
        "submitted",
        "Submitted for review.",
        "Send a draft for review (its authors); a `block` finding of the posting policy refuses it.",
        Who.AUTHORS,
        page=False,
    ),
    ActionSpec(Action.EDIT, "Edit", "edited", "Saved.", "", Who.AUTHORS, api=False, page=False),
    ActionSpec(
        Action.COMMENT, "Comment", "commented on", "Comment added.", "", Who.VIEWERS, Need.NO, api=False, page=False
    ),
    ActionSpec(
        Action.MARK_FAILED,
        "Record a failure",
        "marked as failed",
        "Recorded as failed.",
        "",
        Who.DELIVERY,
        Need.NO,
        system=True,
        api=False,
        page=False,
    ),
    ActionSpec(
        Action.REOPEN,
        "Reopen the review",
        "reopened for review",
        "Reopened for review.",
        "",
        Who.CRISIS,
        Need.NO,
        system=True,
        api=False,
        page=False,
    ),
)

SPECS: dict[Action, ActionSpec] = {spec.action: spec for spec in _SPECS}
# The buttons of the post's page, in their order; the actions of the API.
PAGE_ACTIONS: tuple[ActionSpec, ...] = tuple(spec for spec in _SPECS if spec.page)
API_ACTIONS: tuple[ActionSpec, ...] = tuple(spec for spec in _SPECS if spec.api)


def spec_for_slug(slug: str, *, page: bool = False) -> ActionSpec | None:
    """The spec whose address is `slug` (on the page: only the page's actions)."""
    return next((s for s in (PAGE_ACTIONS if page else _SPECS) if s.slug == slug), None)


# --- the functions that carry each action out (approvals.actions registers them) ------------

PERFORMERS: dict[Action, object] = {}


def performs(action: Action):
    """Register the decorated action function as the one that carries out `action`, so that
    the API and the page dispatch to it from the spec (`approvals.actions.perform`)."""

    def register(function):
        PERFORMERS[action] = function
        return function

    return register
