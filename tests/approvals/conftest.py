import pytest
from django.utils import timezone

from approvals import actions, signals
from approvals.models import Post, ReviewStage
from governance.demo import VALID_CONSENT_REFERENCE
from governance.models import Channel, Consent


@pytest.fixture
def channel(demo):
    return Channel.objects.get(slug="patient-stories")


@pytest.fixture
def consent(demo):
    """The demo's valid consent (Joan Whitaker's), covering patient-stories."""
    return Consent.objects.get(document_reference=VALID_CONSENT_REFERENCE)


@pytest.fixture
def make_post(demo, channel, consent):
    """A post by alice on patient-stories, put straight into `state` (a plain-row factory:
    the states' own transitions are tested through the actions). It cites the demo's valid
    consent (patient-stories requires one) unless `consent=None` is given."""

    def make(state: str = "draft", **fields) -> Post:
        fields.setdefault("consent", consent)
        post = actions.create_post(actor=demo["alice"], channel=channel, body="Our new garden opens on Friday.")
        if state == "in_review":
            stage = ReviewStage.objects.get(slug="channel-review", channel=None, department=None)
            fields.setdefault("current_stage", stage)
            fields.setdefault("review_plan", [stage.pk])
            fields.setdefault("awaiting_since", timezone.now())
        Post.objects.filter(pk=post.pk).update(state=state, **fields)
        return Post.objects.get(pk=post.pk)

    return make


@pytest.fixture
def delivered():
    """Posts for which delivery was requested (the publishing app listens to this signal)."""
    seen = []

    def receiver(sender, post, actor, **kwargs):
        seen.append((post.pk, post.state))

    signals.delivery_requested.connect(receiver)
    yield seen
    signals.delivery_requested.disconnect(receiver)
