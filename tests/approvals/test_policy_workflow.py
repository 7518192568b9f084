"""The posting policy in the workflow: blocks stop a submission, escalations add stages,
posting windows bound schedules, training gates reviewers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import TrainingCertification
from approvals import actions
from approvals.models import PolicyCheck, Post, ReviewStage
from audit.models import AuditEvent
from core.errors import PermissionDenied, ValidationFailed
from governance import actions as governance_actions
from governance.demo import seed_policies
from governance.models import Channel

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


@pytest.fixture
def policies(demo):
    seed_policies({c.slug: c for c in Channel.objects.all()})


def plan(post):
    return [ReviewStage.objects.get(pk=pk).slug for pk in post.review_plan]


def test_a_banned_term_blocks_submission_with_a_clear_message(api_as, policies):
    alice = api_as("alice")
    body = "Our new miracle cure for knee pain."
    pid = alice.post(f"{V1}/posts/", {"channel": "patient-stories", "body": body}, format="json").json()["id"]
    events = AuditEvent.objects.count()
    response = alice.post(f"{V1}/posts/{pid}/submit/", {"version": 1}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "policy_blocked"
    assert data["detail"] == "The posting policy blocks this post: Unfounded medical claims may not be published."
    blocked = [f for f in data["findings"] if f["severity"] == "block"]
    assert [body[f["start"] : f["end"]] for f in blocked] == ["miracle cure"]
    assert Post.objects.get(pk=pid).state == "draft" and AuditEvent.objects.count() == events
    detail = alice.get(f"{V1}/posts/{pid}/").json()
    assert [f["rule"] for f in detail["findings"] if f["severity"] == "block"] == ["lexicon"]


def test_patient_details_escalate_to_compliance(api_as, policies):
    alice = api_as("alice")
    body = "Maria Lopez was admitted to the ICU with sepsis last week and is now recovering at home."
    pid = alice.post(f"{V1}/posts/", {"channel": "patient-stories", "body": body}, format="json").json()["id"]
    live = alice.get(f"{V1}/posts/{pid}/").json()["findings"]
    assert any(f["rule"] == "sensitive" and f["severity"] == "escalate" for f in live)
    submitted = alice.post(f"{V1}/posts/{pid}/submit/", {"version": 1}, format="json").json()
    assert submitted["state"] == "in_review"
    assert [s["slug"] for s in submitted["stages"]] == ["channel-review", "compliance"]
    assert any(e.startswith("sensitive:") for e in submitted["escalations"])
    check = submitted["submitted_check"]
    assert {v["scope"] for v in check["policy_versions"]} == {"organization", "channel patient-stories"}
    assert any(f["rule"] == "sensitive" for f in check["findings"])
    assert PolicyCheck.objects.filter(revision_id=submitted["revision"]["id"]).count() == 1


def test_escalation_adds_the_compliance_stage_on_an_unregulated_channel(demo, policies):
    forums = Channel.objects.get(slug="support-forums")
    dana = demo["dana"]
    quiet = actions.create_post(actor=dana, channel=forums, body="Our caregivers' group meets on Thursdays.")
    assert plan(actions.submit(quiet, actor=dana, expected_version=1)) == ["channel-review"]
    loud = actions.create_post(actor=dana, channel=forums, body="Call John Smith at 555-201-3344 about his chemo.")
    assert plan(actions.submit(loud, actor=dana, expected_version=1)) == ["channel-review", "compliance"]


def test_schedule_outside_the_posting_windows_is_refused_with_the_windows(demo, make_post):
    governance_actions.save_policy(
        actor=None,
        name="Office hours",
        channel=Channel.objects.get(slug="patient-stories"),
        rules=[
            {
                "kind": "posting_window",
                "severity": "block",
                "days": [0, 1, 2, 3, 4],
                "start": "09:00",
                "end": "17:00",
                "timezone": "UTC",
            }
        ],
    )
    post = make_post("approved")
    next_saturday = timezone.now() + timedelta(days=(5 - timezone.now().weekday()) % 7 or 7)
    saturday_noon = next_saturday.replace(hour=12, minute=0, second=0, microsecond=0)
    with pytest.raises(ValidationFailed) as error:
        actions.schedule(post, actor=demo["rachel"], expected_version=post.version, scheduled_at=saturday_noon)
    assert "Allowed: Mon, Tue, Wed, Thu, Fri 09:00–17:00 (UTC)" in error.value.detail
    monday = saturday_noon + timedelta(days=2)
    post = actions.schedule(post, actor=demo["rachel"], expected_version=post.version, scheduled_at=monday)
    assert post.state == "scheduled"


def test_reviewers_need_the_training_the_channel_requires(demo, make_post):
    governance_actions.save_policy(
        actor=None,
        name="HIPAA",
        channel=Channel.objects.get(slug="patient-stories"),
        rules=[{"kind": "training", "severity": "block", "course": "hipaa-privacy"}],
    )
    post = make_post("in_review")
    with pytest.raises(PermissionDenied, match="hipaa-privacy"):
        actions.approve(post, actor=demo["rachel"], expected_version=post.version)
    TrainingCertification.objects.create(
        user=demo["rachel"], course="hipaa-privacy", completed_at=timezone.now() - timedelta(days=2)
    )
    rachel = type(demo["rachel"]).objects.get(pk=demo["rachel"].pk)
    assert actions.approve(post, actor=rachel, expected_version=post.version).state == "approved"


def test_patient_details_in_the_alt_text_escalate_to_compliance(api_as, policies):
    """Issue 13, finding 9: the review plan's escalations screen the alt text like the body."""
    alice = api_as("alice")
    alt = "Maria Lopez, age 7, was diagnosed with leukemia in room 412."
    data = {"channel": "patient-stories", "body": "Our pediatric ward.", "media_url": "https://x.org/a.jpg"}
    pid = alice.post(f"{V1}/posts/", {**data, "media_alt_text": alt}, format="json").json()["id"]
    submitted = alice.post(f"{V1}/posts/{pid}/submit/", {"version": 1}, format="json").json()
    assert submitted["state"] == "in_review"
    assert any(e.startswith("sensitive") for e in submitted["escalations"])
    assert any(
        f["rule"] == "sensitive" and f["message"].startswith("In the image's alt text: ")
        for f in submitted["submitted_check"]["findings"]
    )


# --- issue 13, finding 11: "Publish now" respects the posting windows ------------------------


def test_publish_now_and_retry_outside_the_posting_windows_are_refused_unless_break_glass(demo, make_post):
    """The window check that bounds a schedule bounds publishing now and retrying a failure too;
    only break-glass (a reason, audited) sends a post out on a blackout date."""
    today = timezone.now().date()
    governance_actions.save_policy(
        actor=None,
        name="Quiet days",
        channel=Channel.objects.get(slug="patient-stories"),
        rules=[
            {
                "kind": "posting_window",
                "severity": "block",
                "blackout_dates": [(today + timedelta(days=d)).isoformat() for d in (-1, 0, 1)],
                "timezone": "UTC",
            }
        ],
    )
    for state, act in (("approved", actions.publish_now), ("failed", actions.retry)):
        post = make_post(state)
        with pytest.raises(ValidationFailed) as error:
            act(post, actor=demo["rachel"], expected_version=post.version)
        assert error.value.code == "outside_posting_window"
        assert "is a blackout date on this channel" in error.value.detail and "break-glass" in error.value.detail
        post.refresh_from_db()
        assert post.state == state
    post = make_post("approved")
    post = actions.break_glass(post, actor=demo["dana"], expected_version=post.version, reason="Boil-water notice")
    assert post.state == "publishing"
