"""Holding and releasing: a post goes back where it was held, and nothing held goes back on
its way while a crisis covers its channel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import Post, ReviewDecision, ReviewStage
from core.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("state", "extra", "back_to"),
    [
        ("approved", {}, "approved"),
        ("scheduled", {"scheduled_at": timezone.now() + timedelta(days=1)}, "scheduled"),
        ("scheduled", {"scheduled_at": timezone.now() - timedelta(hours=1)}, "approved"),  # its time has passed
        ("failed", {}, "failed"),
        ("in_review", {}, "in_review"),
    ],
)
def test_release_returns_the_post_where_it_was_held(make_post, demo, state, extra, back_to):
    post = make_post(state, **extra)
    post = actions.hold(post, actor=demo["admin"], expected_version=post.version, reason="Checking the facts")
    assert post.state == "held" and post.held_from == state
    post = actions.release(post, actor=demo["admin"], expected_version=post.version)
    assert post.state == back_to and post.held_from == "" and Post.objects.get(pk=post.pk).state == back_to


def test_a_review_held_mid_way_starts_again(make_post, demo):
    post = make_post("draft")
    post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
    post = actions.approve(post, actor=demo["rachel"], expected_version=post.version)
    assert post.state == "in_review" and post.current_stage.slug == "compliance"  # patient-stories is regulated
    post = actions.hold(post, actor=demo["admin"], expected_version=post.version, reason="Consent in question")
    post = actions.release(post, actor=demo["admin"], expected_version=post.version)
    assert post.state == "in_review" and post.current_stage.slug == "channel-review"
    assert not ReviewDecision.objects.filter(post=post, voided_at=None).exists()
    assert [ReviewStage.objects.get(pk=pk).slug for pk in post.review_plan] == ["channel-review", "compliance"]


def test_nothing_is_released_while_a_crisis_covers_the_channel(make_post, demo, channel):
    post = make_post("approved")
    post = actions.hold(post, actor=demo["admin"], expected_version=post.version, reason="Wait")
    incident = actions.start_crisis(actor=demo["sam"], department=channel.owning_department, reason="x")
    with pytest.raises(Conflict) as refused:
        actions.release(post, actor=demo["admin"], expected_version=post.version)
    assert refused.value.code == "crisis_active" and "department marketing" in str(refused.value.detail)
    actions.end_crisis(incident, actor=demo["sam"])
    assert actions.release(post, actor=demo["admin"], expected_version=post.version).state == "approved"
