"""Issue 13, finding 2: holding statements pass the same policy findings as any post."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import Post, PostState
from core.errors import PermissionDenied, ValidationFailed
from governance.models import Channel

pytestmark = pytest.mark.django_db

PHI = "Maria Lopez (MRN 12345678, DOB 04/12/1961) is recovering in room 412. We will update here."


def slugs(plan):
    return [stage.slug for stage in plan]


# --- finding 2: holding statements ---------------------------------------------------------


def test_a_holding_statement_with_possible_phi_reaches_compliance(demo):
    dana, sam = demo["dana"], demo["sam"]
    channel = Channel.objects.get(slug="patient-stories")  # regulated: sensitive data escalates
    statement = actions.save_holding_statement(None, actor=dana, channel=channel, name="Patient", body=PHI)
    actions.start_crisis(actor=dana, channel=channel, reason="Rumour about a patient")
    post = actions.issue_holding_statement(statement, actor=dana)
    # The statement path (one crisis-team approval) plus every stage its findings add.
    assert "regulated-channel" in post.escalations
    assert any(reason.startswith("sensitive") for reason in post.escalations)
    assert slugs(actions.review_plan(post)) == ["compliance", "holding-statement"]
    assert [Post.objects.get(pk=post.pk).current_stage.slug] == ["compliance"]
    # One crisis-team approval does not publish it.
    with pytest.raises(PermissionDenied):
        actions.approve(post, actor=sam, expected_version=post.version)
    assert Post.objects.get(pk=post.pk).state == PostState.IN_REVIEW


def test_a_blocked_holding_statement_is_not_saved(demo):
    channel = Channel.objects.get(slug="x-news")
    with pytest.raises(ValidationFailed) as refused:
        actions.save_holding_statement(None, actor=demo["dana"], channel=channel, name="Bad", body="A miracle cure!")
    assert refused.value.code == "policy_blocked"
    assert not channel.holding_statements.exists()


def test_a_statement_resubmitted_after_the_crisis_gets_the_normal_review(demo):
    manager, sam = demo["admin"], demo["sam"]  # admin manages patient-stories
    channel = Channel.objects.get(slug="patient-stories")
    statement = actions.save_holding_statement(None, actor=manager, channel=channel, name="Patient", body=PHI)
    incident = actions.start_crisis(actor=manager, channel=channel, reason="Rumour about a patient")
    post = actions.issue_holding_statement(statement, actor=manager)
    post = Post.objects.get(pk=post.pk)
    carol = demo["carol"]
    post = actions.request_changes(post, actor=carol, expected_version=post.version, comment="Not these details.")
    actions.end_crisis(incident, actor=sam)
    post = actions.submit(post, actor=manager, expected_version=post.version)
    assert post.holding_statement_id is None  # it left the statement path
    assert slugs(actions.review_plan(post)) == ["channel-review", "compliance"]
    assert Post.objects.get(pk=post.pk).current_stage.slug == "channel-review"


def test_any_edit_of_an_issued_statement_leaves_the_statement_path(demo):
    dana = demo["dana"]
    channel = Channel.objects.get(slug="mastodon-main")
    statement = actions.save_holding_statement(None, actor=dana, channel=channel, name="S", body="We are aware.")
    actions.start_crisis(actor=dana, channel=channel, reason="Storm")
    post = actions.issue_holding_statement(statement, actor=dana)
    later = timezone.now() + timedelta(days=1)
    post = actions.edit_post(post, actor=dana, expected_version=post.version, scheduled_at=later)  # not the text
    assert post.holding_statement_id is None
    post = actions.submit(post, actor=dana, expected_version=post.version)
    assert slugs(actions.review_plan(post)) == ["channel-review", "crisis-team"]
