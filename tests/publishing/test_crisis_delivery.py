"""Issue 13, finding 3: a post that passed the crisis-team stage of the crisis covering its
channel goes out during it; delivery holds only what the covering crises have not approved.
And the issue's journey through the API as the demo users."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import Post, PostState
from governance.models import Channel
from publishing import tasks
from publishing.models import JobStatus, PublishJob

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def crisis_approved(demo, body):
    """bob's post on x-news through channel review (ray) and both crisis-team approvals."""
    bob = demo["bob"]
    post = actions.create_post(actor=bob, channel=Channel.objects.get(slug="x-news"), body=body)
    post = actions.submit(post, actor=bob, expected_version=post.version)
    for reviewer in ("ray", "dana", "sam"):
        post = actions.approve(post, actor=demo[reviewer], expected_version=post.version)
    assert post.state == PostState.APPROVED
    return post


def publish(post, demo, django_capture_on_commit_callbacks):
    """ray publishes it now; the worker's task runs when the transaction commits (eager Celery)."""
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_now(post, actor=demo["ray"], expected_version=post.version)
    return Post.objects.get(pk=post.pk)


def test_a_post_the_crisis_team_approved_goes_out_during_the_crisis(webhook, demo, django_capture_on_commit_callbacks):
    incident = actions.start_crisis(actor=demo["dana"], channel=Channel.objects.get(slug="x-news"), reason="Breach")
    post = crisis_approved(demo, "Our phone lines are back.")
    assert post.approved_in_crises == [incident.pk]
    post = publish(post, demo, django_capture_on_commit_callbacks)
    assert post.state == PostState.PUBLISHED, post.status_reason
    assert [s["content"]["body"] for s in webhook.statuses.values()] == ["Our phone lines are back."]


def test_a_post_not_approved_by_every_covering_crisis_is_held(webhook, demo, django_capture_on_commit_callbacks):
    dana, sam = demo["dana"], demo["sam"]
    channel_crisis = actions.start_crisis(actor=dana, channel=Channel.objects.get(slug="x-news"), reason="Breach")
    post = crisis_approved(demo, "Our phone lines are back.")
    post = actions.publish_now(post, actor=demo["ray"], expected_version=post.version)  # on its way, not sent yet
    organization = actions.start_crisis(actor=sam, reason="Regional blackout")  # approved by neither team decision
    (job,) = PublishJob.objects.filter(post=post)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.deliver_jobs([job.pk])  # the worker's task, as the beat hands it out
    post.refresh_from_db()
    assert post.state == PostState.HELD and post.held_by_crisis_id == organization.pk
    assert f"crisis #{organization.pk}" in post.status_reason
    assert webhook.statuses == {}
    assert channel_crisis.pk in post.approved_in_crises


def test_a_scheduled_post_the_crisis_team_approved_goes_out_at_its_time(
    webhook, demo, django_capture_on_commit_callbacks
):
    actions.start_crisis(actor=demo["dana"], channel=Channel.objects.get(slug="x-news"), reason="Breach")
    post = actions.create_post(
        actor=demo["bob"],
        channel=Channel.objects.get(slug="x-news"),
        body="Parking update for visitors.",
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    post = actions.submit(post, actor=demo["bob"], expected_version=post.version)
    for reviewer in ("ray", "dana", "sam"):
        post = actions.approve(post, actor=demo[reviewer], expected_version=post.version)
    assert post.state == PostState.SCHEDULED
    # Its time comes: the beat hands the due job out and the worker's task delivers it.
    PublishJob.objects.filter(post=post).update(due_at=timezone.now() - timedelta(seconds=1))
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.dispatch_due()
    assert Post.objects.get(pk=post.pk).state == PostState.PUBLISHED
    assert len(webhook.statuses) == 1


@pytest.mark.parametrize("delivered_by", ["connector", "manual"])
def test_crisis_journey_on_x_news(request, api_as, demo, delivered_by, django_capture_on_commit_callbacks):
    """dana declares a crisis on x-news; bob's new post needs ray and two crisis-team approvals
    and then goes out while the crisis is active; after the end, release puts the post the
    crisis held back in review and leaves the one dana held by hand held."""
    platform = request.getfixturevalue("webhook") if delivered_by == "connector" else None
    bob, ray, dana, sam = api_as("bob"), api_as("ray"), api_as("dana"), api_as("sam")

    def approved_scheduled(body):
        when = (timezone.now() + timedelta(days=2)).isoformat()
        made = bob.post(f"{V1}/posts/", {"channel": "x-news", "body": body, "scheduled_at": when}, format="json")
        pid = made.json()["id"]
        assert bob.post(f"{V1}/posts/{pid}/submit/", {"version": 1}, format="json").status_code == 200
        post = ray.post(f"{V1}/posts/{pid}/approve/", {"version": 2}, format="json").json()
        assert post["state"] == "scheduled"
        return post

    scheduled = approved_scheduled("Charity run on Sunday!")
    by_hand = approved_scheduled("Open day on Saturday.")
    held = dana.post(
        f"{V1}/posts/{by_hand['id']}/hold/", {"version": by_hand["version"], "reason": "Wrong date"}, format="json"
    )
    assert held.status_code == 200 and held.json()["state"] == "held"

    crisis = dana.post(f"{V1}/channels/x-news/crisis/", {"reason": "Data breach reported"}, format="json")
    assert crisis.status_code == 201
    crisis = crisis.json()
    assert bob.get(f"{V1}/posts/{scheduled['id']}/").json()["state"] == "held"

    made = bob.post(f"{V1}/posts/", {"channel": "x-news", "body": "Our phone lines are back."}, format="json")
    pid = made.json()["id"]
    post = bob.post(f"{V1}/posts/{pid}/submit/", {"version": 1}, format="json").json()
    assert [s["slug"] for s in post["stages"]] == ["channel-review", "crisis-team"]
    for reviewer in (ray, dana, sam):
        response = reviewer.post(f"{V1}/posts/{pid}/approve/", {"version": post["version"]}, format="json")
        assert response.status_code == 200, response.json()
        post = response.json()
    assert post["state"] == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        post = ray.post(f"{V1}/posts/{pid}/publish/", {"version": post["version"]}, format="json").json()
    post = ray.get(f"{V1}/posts/{pid}/").json()
    assert dana.get(f"{V1}/crises/{crisis['id']}/").json()["active"] is True
    job = PublishJob.objects.get(post_id=pid)
    if delivered_by == "connector":
        assert post["state"] == "published" and job.status == JobStatus.DONE
        assert [s["content"]["body"] for s in platform.statuses.values()] == ["Our phone lines are back."]
    else:  # a manual channel: handed to the publisher to paste its address, not held
        assert post["state"] == "publishing" and job.status == JobStatus.AWAITING_URL

    assert dana.post(f"{V1}/crises/{crisis['id']}/end/", {"note": "Contained"}, format="json").status_code == 200
    released = dana.post(f"{V1}/crises/{crisis['id']}/release-held/", format="json")
    assert released.status_code == 200
    assert released.json() == {"released": [{"id": scheduled["id"], "state": "in_review"}], "skipped": []}
    back = ray.get(f"{V1}/posts/{scheduled['id']}/").json()
    assert back["state"] == "in_review" and [s["slug"] for s in back["stages"]] == ["channel-review"]
    assert all(d.get("voided") or d.get("voided_at") for d in back["decisions"]), back["decisions"]
    still = ray.get(f"{V1}/posts/{by_hand['id']}/").json()
    assert still["state"] == "held"
    for caller in ("alice", "rachel"):
        assert api_as(caller).post(f"{V1}/crises/{crisis['id']}/release-held/", format="json").status_code in (
            403,
            404,
        )
