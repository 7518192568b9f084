"""Issue 13, findings 2 and 4: holding statements pass the same policy findings as any post,
and ending a crisis releases only what that crisis held."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import Post, PostState, ReviewDecision
from core.errors import PermissionDenied, ValidationFailed
from governance.models import Channel

pytestmark = pytest.mark.django_db

# A patient named with her condition: it escalates to compliance. (With her record number it would be
# blocked outright: `test_a_holding_statement_with_a_record_number_is_blocked`.)
PHI = "Maria Lopez is recovering in room 412 after her surgery. We will update here."


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


def test_a_holding_statement_with_a_record_number_is_blocked(demo):
    """Issue 15: an identifier tied to health blocks, on a statement as on any post."""
    channel = Channel.objects.get(slug="patient-stories")
    with pytest.raises(ValidationFailed) as refused:
        actions.save_holding_statement(
            None, actor=demo["dana"], channel=channel, name="Patient", body=f"{PHI} Her MRN is 12345678."
        )
    assert refused.value.code == "policy_blocked"


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


def test_a_statement_still_in_review_when_its_crisis_ends_leaves_the_statement_path(demo):
    dana, sam = demo["dana"], demo["sam"]
    channel = Channel.objects.get(slug="mastodon-main")
    statement = actions.save_holding_statement(None, actor=dana, channel=channel, name="S", body="We are aware.")
    incident = actions.start_crisis(actor=dana, channel=channel, reason="Fire")
    post = actions.issue_holding_statement(statement, actor=dana)
    actions.end_crisis(incident, actor=sam)
    post = Post.objects.get(pk=post.pk)
    # No crisis-team approval sends it out now: it is reviewed like any post on the channel.
    assert post.state == PostState.IN_REVIEW and post.holding_statement_id is None
    assert post.current_stage.slug == "channel-review" and slugs(actions.review_plan(post)) == ["channel-review"]
    with pytest.raises(PermissionDenied):
        actions.approve(post, actor=sam, expected_version=post.version)
    assert Post.objects.get(pk=post.pk).state == PostState.IN_REVIEW


# --- finding 4: release --------------------------------------------------------------------


def _scheduled(demo, slug="x-news", body="Charity run on Sunday!"):
    bob, ray = demo["bob"], demo["ray"]
    post = actions.create_post(
        actor=bob, channel=Channel.objects.get(slug=slug), body=body, scheduled_at=timezone.now() + timedelta(days=2)
    )
    post = actions.submit(post, actor=bob, expected_version=post.version)
    return actions.approve(post, actor=ray, expected_version=post.version)


def test_release_after_a_crisis_frees_only_what_that_crisis_held(demo):
    dana, sam = demo["dana"], demo["sam"]
    x_news = Channel.objects.get(slug="x-news")
    by_hand = _scheduled(demo, body="Held by hand before the crisis.")
    by_hand = actions.hold(by_hand, actor=dana, expected_version=by_hand.version, reason="Wrong date")
    by_crisis = _scheduled(demo, body="Held by the crisis.")
    incident = actions.start_crisis(actor=dana, channel=x_news, reason="Data breach")
    during = _scheduled(demo, body="Scheduled during the crisis.")
    during = Post.objects.get(pk=during.pk)
    assert during.state == PostState.IN_REVIEW  # crisis-team stage open
    by_crisis.refresh_from_db()
    assert by_crisis.state == PostState.HELD and by_crisis.held_by_crisis_id == incident.pk
    actions.end_crisis(incident, actor=sam)

    result = actions.release_held_posts(incident, actor=sam)
    assert [item["id"] for item in result["released"]] == [by_crisis.pk]
    assert result["skipped"] == []
    # Held by hand: it stays held, whoever releases the crisis.
    by_hand.refresh_from_db()
    assert by_hand.state == PostState.HELD and by_hand.status_reason == "Wrong date"
    # Held by the crisis: its pre-crisis approvals are void, it is back in review.
    by_crisis.refresh_from_db()
    assert by_crisis.state == PostState.IN_REVIEW and result["released"][0]["state"] == "in_review"
    assert by_crisis.current_stage.slug == "channel-review"
    assert not ReviewDecision.objects.filter(post=by_crisis, voided_at=None).exists()


def test_release_leaves_what_another_active_crisis_holds(demo):
    dana, sam = demo["dana"], demo["sam"]
    x_news = Channel.objects.get(slug="x-news")
    on_x = _scheduled(demo, body="On x-news.")
    on_facebook = _scheduled(demo, slug="facebook-main", body="On facebook.")
    organization = actions.start_crisis(actor=sam, reason="Regional blackout")  # holds both
    channel_crisis = actions.start_crisis(actor=dana, channel=x_news, reason="Data breach")
    actions.end_crisis(channel_crisis, actor=dana)
    result = actions.release_held_posts(channel_crisis, actor=dana)
    assert result == {"released": [], "skipped": []}  # it held nothing: the organization's crisis did
    assert {p.state for p in Post.objects.filter(pk__in=[on_x.pk, on_facebook.pk])} == {PostState.HELD}
    actions.end_crisis(organization, actor=sam)
    result = actions.release_held_posts(organization, actor=sam)
    assert sorted(item["id"] for item in result["released"]) == sorted([on_x.pk, on_facebook.pk])


def test_release_of_a_crisis_checks_the_caller_first(demo):
    dana, sam = demo["dana"], demo["sam"]
    held = _scheduled(demo)
    incident = actions.start_crisis(actor=dana, channel=Channel.objects.get(slug="x-news"), reason="Breach")
    actions.end_crisis(incident, actor=sam)
    for name in ("alice", "rachel", "ray", "bob"):
        with pytest.raises(PermissionDenied):
            actions.release_held_posts(incident, actor=demo[name])
    assert Post.objects.get(pk=held.pk).state == PostState.HELD
