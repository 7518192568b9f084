"""Every (state, action) pair: allowed by the table, or refused with 409."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import PostState
from approvals.workflow import BREAKABLE, TRANSITIONS, Action, allowed
from core.errors import TransitionNotAllowed

pytestmark = pytest.mark.django_db


def run(action: Action, post, demo):
    """Take `action` as someone the rules allow, so that only the state can refuse it."""
    later = timezone.now() + timedelta(days=1)
    alice, rachel, dana, v = demo["alice"], demo["rachel"], demo["dana"], post.version
    return {
        Action.EDIT: lambda: actions.edit_post(post, actor=alice, expected_version=v, body="Changed words."),
        Action.SUBMIT: lambda: actions.submit(post, actor=alice, expected_version=v),
        Action.APPROVE: lambda: actions.approve(post, actor=rachel, expected_version=v),
        Action.REQUEST_CHANGES: lambda: actions.request_changes(post, actor=rachel, expected_version=v, comment="Why?"),
        Action.REJECT: lambda: actions.reject(post, actor=rachel, expected_version=v, comment="Not for us."),
        Action.WITHDRAW: lambda: actions.withdraw(post, actor=alice, expected_version=v),
        Action.SCHEDULE: lambda: actions.schedule(post, actor=rachel, expected_version=v, scheduled_at=later),
        Action.PUBLISH: lambda: actions.publish_now(post, actor=rachel, expected_version=v),
        Action.MARK_PUBLISHED: lambda: actions.mark_published(post, actor=None, remote_id="1", remote_url=""),
        Action.MARK_FAILED: lambda: actions.mark_failed(post, actor=None, reason="HTTP 400 from the platform"),
        Action.RETRY: lambda: actions.retry(post, actor=rachel, expected_version=v),
        Action.HOLD: lambda: actions.hold(post, actor=dana, expected_version=v, reason="Crisis"),
        Action.RELEASE: lambda: actions.release(post, actor=dana, expected_version=v),
        Action.RETRACT: lambda: actions.retract(post, actor=demo["admin"], expected_version=v, reason="Error"),
        Action.REOPEN: lambda: actions.reopen_review(post, actor=None, reason="crisis #1 started"),
        Action.BREAK_GLASS: lambda: actions.break_glass(post, actor=dana, expected_version=v, reason="Evacuation"),
        Action.COMMENT: lambda: actions.comment(post, actor=alice, body="A thought."),
    }[action]()


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", PostState.values)
def test_every_state_action_pair(state, action, make_post, demo):
    post = make_post(state)
    if allowed(state, action):
        result = run(action, post, demo)
        if action != Action.COMMENT:
            result.refresh_from_db()
            assert result.state in TRANSITIONS[(state, action)]
            assert result.version == post.version + 1
    else:
        with pytest.raises(TransitionNotAllowed):
            run(action, post, demo)
        post.refresh_from_db()
        assert post.state == state


def test_the_table_covers_the_lifecycle():
    terminal = {PostState.REJECTED, PostState.WITHDRAWN, PostState.RETRACTED}
    for state in PostState.values:
        movers = [a for a in Action if a != Action.COMMENT and allowed(state, a)]
        assert bool(movers) == (state not in terminal), state
    # Nothing skips review: the only ways into approved or scheduled pass through approval.
    into_approved = {
        (s, a) for (s, a), targets in TRANSITIONS.items() if PostState.APPROVED in targets and s != PostState.APPROVED
    }
    # Releasing a hold returns a post to the approval it already had.
    assert into_approved == {(PostState.IN_REVIEW, Action.APPROVE), (PostState.HELD, Action.RELEASE)}
    # Out it goes after an approval (publishing it, retrying it, approving a holding statement,
    # releasing a hold back to where it was going), or by breaking the glass, which a
    # compliance officer reviews afterwards.
    into_publishing = {
        (s, a)
        for (s, a), targets in TRANSITIONS.items()
        if PostState.PUBLISHING in targets and s != PostState.PUBLISHING
    }
    assert into_publishing - {(s, Action.BREAK_GLASS) for s in BREAKABLE} == {
        (PostState.APPROVED, Action.PUBLISH),
        (PostState.SCHEDULED, Action.PUBLISH),
        (PostState.FAILED, Action.RETRY),
        (PostState.IN_REVIEW, Action.APPROVE),
        (PostState.HELD, Action.RELEASE),
    }
    # Breaking the glass never revives what a reviewer rejected or its author withdrew, nor
    # sends again what is already out.
    gone = {PostState.REJECTED, PostState.WITHDRAWN, PostState.PUBLISHING, PostState.PUBLISHED, PostState.RETRACTED}
    assert not gone & set(BREAKABLE)
    assert {s for (s, a) in TRANSITIONS if a == Action.BREAK_GLASS} == set(BREAKABLE)
