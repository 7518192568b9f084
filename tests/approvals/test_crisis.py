"""Crisis mode through the API as the demo users (first part: declare, hold, void, end, release)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import Post, ReviewDecision, ReviewStage
from audit.models import AuditEvent
from governance.models import Channel
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_a_crisis_on_x_news_holds_voids_and_adds_the_crisis_team(api_as, demo):
    x_news = Channel.objects.get(slug="x-news")
    bob, ray = demo["bob"], demo["ray"]

    def approved(body, **fields):
        post = actions.create_post(actor=bob, channel=x_news, body=body, **fields)
        post = actions.submit(post, actor=bob, expected_version=post.version)
        return actions.approve(post, actor=ray, expected_version=post.version)

    scheduled = approved("Charity run on Sunday!", scheduled_at=timezone.now() + timedelta(days=2))
    pending = approved("Visiting hours change on Monday.")
    elsewhere = actions.create_post(
        actor=demo["alice"], channel=Channel.objects.get(slug="patient-stories"), body="A garden story."
    )

    assert api_as("bob").post(f"{V1}/channels/x-news/crisis/", {"reason": "x"}, format="json").status_code == 403
    assert api_as("alice").post(f"{V1}/channels/x-news/crisis/", {"reason": "x"}, format="json").status_code == 404
    dana = api_as("dana")
    assert dana.post(f"{V1}/channels/x-news/crisis/", {}, format="json").status_code == 400
    started = dana.post(f"{V1}/channels/x-news/crisis/", {"reason": "Storm closes roads"}, format="json")
    assert started.status_code == 201
    crisis = started.json()
    assert crisis["active"] and crisis["scope"] == "channel x-news" and crisis["started_by"] == "dana"
    again = dana.post(f"{V1}/channels/x-news/crisis/", {"reason": "twice"}, format="json")
    assert again.status_code == 409

    scheduled.refresh_from_db()
    pending.refresh_from_db()
    elsewhere.refresh_from_db()
    assert scheduled.state == "held" and "Storm closes roads" in scheduled.status_reason
    assert pending.state == "in_review" and pending.current_stage.slug == "channel-review"
    assert ReviewDecision.objects.get(post=pending).voided_at is not None
    assert elsewhere.state == "draft"
    channel = api_as("ray").get(f"{V1}/channels/x-news/").json()
    assert channel["crisis"]["id"] == crisis["id"]
    assert api_as("ray").get(f"{V1}/channels/facebook-main/").json()["crisis"] is None

    fresh = actions.create_post(actor=bob, channel=x_news, body="Road closures update.")
    fresh = actions.submit(fresh, actor=bob, expected_version=fresh.version)
    assert [ReviewStage.objects.get(pk=pk).slug for pk in fresh.review_plan] == ["channel-review", "crisis-team"]

    actions_seen = list(
        AuditEvent.objects.filter(action__startswith="governance.crisis").values_list("action", flat=True)
    )
    assert actions_seen == ["governance.crisis.start"]

    ended = dana.post(f"{V1}/crises/{crisis['id']}/end/", {"note": "Roads open"}, format="json")
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert dana.post(f"{V1}/crises/{crisis['id']}/end/", {}, format="json").status_code == 409
    assert api_as("ray").get(f"{V1}/channels/x-news/").json()["crisis"] is None
    scheduled.refresh_from_db()
    assert scheduled.state == "held"  # ending leaves held posts held until released
    released = dana.post(f"{V1}/posts/{scheduled.pk}/release/", {"version": scheduled.version}, format="json")
    # Held by the crisis: its pre-crisis approvals are void, so it goes back to review (issue 13).
    assert released.status_code == 200 and released.json()["state"] == "in_review"
    assert Post.objects.get(pk=scheduled.pk).state == "in_review"


def test_channel_list_keeps_constant_queries_with_crises(api_as, demo):
    client = api_as("carol")
    calm = queries_of(lambda: client.get(f"{V1}/channels/"))
    actions.start_crisis(actor=demo["dana"], channel=Channel.objects.get(slug="x-news"), reason="a")
    actions.start_crisis(actor=demo["dana"], reason="organization-wide")
    stormy = queries_of(lambda: client.get(f"{V1}/channels/").json())
    body = stormy.result
    assert_same_queries(calm, stormy)
    scopes = {c["slug"]: c["crisis"]["scope"] for c in body["results"]}
    assert scopes["x-news"] == "channel x-news" and scopes["podcast"] == "organization"
