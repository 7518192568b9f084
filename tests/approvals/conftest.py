import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import Post, ReviewStage
from governance.models import Channel


@pytest.fixture
def channel(demo):
    return Channel.objects.get(slug="patient-stories")


@pytest.fixture
def make_post(demo, channel):
    """A post by alice on patient-stories, put straight into `state` (a plain-row factory:
    the states' own transitions are tested through the actions)."""

    def make(state: str = "draft", **fields) -> Post:
        post = actions.create_post(actor=demo["alice"], channel=channel, body="Our new garden opens on Friday.")
        if state == "in_review":
            stage = ReviewStage.objects.get(slug="channel-review", channel=None, department=None)
            fields.setdefault("current_stage", stage)
            fields.setdefault("review_plan", [stage.pk])
            fields.setdefault("awaiting_since", timezone.now())
        Post.objects.filter(pk=post.pk).update(state=state, **fields)
        return Post.objects.get(pk=post.pk)

    return make
