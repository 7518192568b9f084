"""Issue #4's crisis journey through the API as the demo users: a crisis on x-news holds its
scheduled posts and voids a pending approval; new submissions need two crisis-team
approvals; a holding statement goes out with one; the timeline shows it all; ending the
crisis and releasing the held post lets it publish."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import actions
from approvals.models import HoldingStatement, Post, ReviewDecision
from audit.models import AuditEvent
from governance.models import Channel
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def stages_of(detail):
    return [(s["slug"], s["status"]) for s in detail["stages"]]


def test_crisis_journey_on_x_news(api_as, demo):
    bob, ray, dana, sam = api_as("bob"), api_as("ray"), api_as("dana"), api_as("sam")
    x_news = Channel.objects.get(slug="x-news")

    # Calm times: dana prepares a holding statement for x-news; saving it is its approval.
    made = dana.post(
        f"{V1}/channels/x-news/holding-statements/",
        {"name": "Incident under way", "body": "We are aware of an incident and will update here."},
        format="json",
    )
    assert made.status_code == 201, made.json()
    statement = made.json()
    assert statement["approved_by"] == "dana" and statement["version"] == 1
    # Outside a crisis it cannot be issued: it would skip the review.
    refused = dana.post(f"{V1}/holding-statements/{statement['id']}/issue/", format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "no_crisis"

    # bob's scheduled post and a pending approval (approved by ray, not yet published).
    def approved(body, **extra):
        pid = bob.post(f"{V1}/posts/", {"channel": "x-news", "body": body, **extra}, format="json").json()["id"]
        assert bob.post(f"{V1}/posts/{pid}/submit/", {"version": 1}, format="json").status_code == 200
        response = ray.post(f"{V1}/posts/{pid}/approve/", {"version": 2}, format="json")
        assert response.status_code == 200
        return response.json()

    when = (timezone.now() + timedelta(days=2)).isoformat()
    scheduled = approved("Charity run on Sunday!", scheduled_at=when)
    pending = approved("Visiting hours change on Monday.")
    assert scheduled["state"] == "scheduled" and pending["state"] == "approved"

    # dana declares the crisis.
    crisis = dana.post(f"{V1}/channels/x-news/crisis/", {"reason": "Data breach reported"}, format="json").json()
    held = bob.get(f"{V1}/posts/{scheduled['id']}/").json()
    assert held["state"] == "held"
    voided = bob.get(f"{V1}/posts/{pending['id']}/").json()
    assert voided["state"] == "in_review"
    assert stages_of(voided) == [("channel-review", "open"), ("crisis-team", "pending")]
    assert ReviewDecision.objects.get(post_id=pending["id"]).voided_at is not None
    # While the crisis lasts nothing held is released.
    refused = dana.post(f"{V1}/posts/{held['id']}/release/", {"version": held["version"]}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "crisis_active"

    # The voided post goes through review again: channel review, then two crisis-team approvals.
    post = ray.post(f"{V1}/posts/{pending['id']}/approve/", {"version": voided["version"]}, format="json").json()
    assert post["state"] == "in_review" and post["stage"] == "crisis-team"
    post = dana.post(f"{V1}/posts/{post['id']}/approve/", {"version": post["version"]}, format="json").json()
    assert post["state"] == "in_review" and post["stage"] == "crisis-team"  # one of two
    assert post["stages"][1]["approved_by"] == ["dana"] and post["stages"][1]["approvals_required"] == 2
    again = dana.post(f"{V1}/posts/{post['id']}/approve/", {"version": post["version"]}, format="json")
    assert again.status_code == 403  # the second approval must come from someone else
    post = sam.post(f"{V1}/posts/{post['id']}/approve/", {"version": post["version"]}, format="json").json()
    assert post["state"] == "approved"

    # The holding statement goes out with one crisis-team approval, not the issuer's.
    issued = dana.post(f"{V1}/holding-statements/{statement['id']}/issue/", format="json")
    assert issued.status_code == 201, issued.json()
    issued = issued.json()
    assert issued["state"] == "in_review" and issued["author"] == "dana"
    assert stages_of(issued) == [("holding-statement", "open")]
    assert issued["revision"]["body"] == "We are aware of an incident and will update here."
    assert "approve" not in issued["available_actions"]
    assert (
        ray.post(f"{V1}/posts/{issued['id']}/approve/", {"version": issued["version"]}, format="json").status_code
        == 403
    )
    out = sam.post(f"{V1}/posts/{issued['id']}/approve/", {"version": issued["version"]}, format="json").json()
    assert out["state"] == "publishing"
    actions.mark_published(Post.objects.get(pk=out["id"]), actor=None, remote_id="18", remote_url="https://x.com/s/18")
    assert ray.get(f"{V1}/posts/{out['id']}/").json()["state"] == "published"
    assert bob.get(f"{V1}/posts/{out['id']}/").status_code == 404  # authors see their own posts only

    # The timeline tells the story, for the crisis team and compliance; not for bob.
    timeline = dana.get(f"{V1}/crises/{crisis['id']}/timeline/")
    assert timeline.status_code == 200
    seen = [(e["action"], e["target_id"]) for e in timeline.json()["events"]]
    assert seen[0] == ("governance.crisis.start", str(crisis["id"]))
    assert ("approvals.post.hold", str(scheduled["id"])) in seen
    assert ("approvals.post.reopen", str(pending["id"])) in seen
    assert ("approvals.post.issue_holding_statement", str(out["id"])) in seen
    assert ("approvals.post.mark_published", str(out["id"])) in seen
    assert api_as("carol").get(f"{V1}/crises/{crisis['id']}/timeline/").status_code == 200
    assert bob.get(f"{V1}/crises/{crisis['id']}/timeline/").status_code == 403
    assert api_as("alice").get(f"{V1}/crises/{crisis['id']}/").status_code == 404  # x-news is not hers

    # Ending it leaves the held post held until a manager releases it; then it can publish.
    assert dana.post(f"{V1}/crises/{crisis['id']}/end/", {"note": "Contained"}, format="json").status_code == 200
    assert bob.get(f"{V1}/posts/{scheduled['id']}/").json()["state"] == "held"
    released = dana.post(f"{V1}/crises/{crisis['id']}/release-held/", format="json").json()
    # Its approvals predate the crisis: it is reviewed again (issue 13), then it can publish.
    assert released == {"released": [{"id": scheduled["id"], "state": "in_review"}], "skipped": []}
    post = ray.get(f"{V1}/posts/{scheduled['id']}/").json()
    post = ray.post(f"{V1}/posts/{post['id']}/approve/", {"version": post["version"]}, format="json").json()
    assert post["state"] == "scheduled"
    post = ray.post(f"{V1}/posts/{post['id']}/publish/", {"version": post["version"]}, format="json").json()
    assert post["state"] == "publishing"
    actions.mark_published(Post.objects.get(pk=post["id"]), actor=None, remote_id="19", remote_url="https://x.com/s/19")
    assert Post.objects.get(pk=post["id"]).state == "published"

    events = [e["action"] for e in dana.get(f"{V1}/crises/{crisis['id']}/timeline/").json()["events"]]
    assert "governance.crisis.end" in events and events[-1] == "approvals.post.release"
    assert x_news.pk == Post.objects.get(pk=scheduled["id"]).channel_id


def test_holding_statements_are_kept_by_managers_and_the_crisis_team(api_as, demo):
    dana, bob, ray = api_as("dana"), api_as("bob"), api_as("ray")
    body = {"name": "Outage", "body": "Some services are disrupted. Emergency care remains open."}
    assert bob.post(f"{V1}/channels/x-news/holding-statements/", body, format="json").status_code == 403
    assert ray.post(f"{V1}/channels/x-news/holding-statements/", body, format="json").status_code == 403
    blocked = dana.post(
        f"{V1}/channels/x-news/holding-statements/",
        {"name": "Bad", "body": "Our miracle cure is safe."},
        format="json",
    )
    assert blocked.status_code == 400 and blocked.json()["code"] == "policy_blocked"
    made = dana.post(f"{V1}/channels/x-news/holding-statements/", body, format="json").json()

    # Reviewers of the channel see them (they will review what is issued); alice does not.
    assert [s["name"] for s in ray.get(f"{V1}/channels/x-news/holding-statements/").json()["results"]] == ["Outage"]
    assert api_as("alice").get(f"{V1}/holding-statements/{made['id']}/").status_code == 404

    changed = dana.patch(
        f"{V1}/holding-statements/{made['id']}/", {"version": 1, "body": "Updated words."}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = dana.patch(f"{V1}/holding-statements/{made['id']}/", {"version": 1, "body": "Older."}, format="json")
    assert stale.status_code == 409
    assert HoldingStatement.objects.get(pk=made["id"]).body == "Updated words."
    saved = AuditEvent.objects.filter(action__startswith="approvals.holding_statement").order_by("seq")
    assert [e.action for e in saved] == [
        "approvals.holding_statement.create",
        "approvals.holding_statement.update",
    ]

    # Retired statements cannot be issued; nor can anyone issue without handling crises.
    actions.start_crisis(actor=demo["dana"], channel=Channel.objects.get(slug="x-news"), reason="Fire")
    assert ray.post(f"{V1}/holding-statements/{made['id']}/issue/", format="json").status_code == 403
    dana.patch(f"{V1}/holding-statements/{made['id']}/", {"version": 2, "is_active": False}, format="json")
    retired = dana.post(f"{V1}/holding-statements/{made['id']}/issue/", format="json")
    assert retired.status_code == 409 and retired.json()["code"] == "statement_inactive"


def test_editing_an_issued_statement_makes_it_an_ordinary_post(demo):
    channel = Channel.objects.get(slug="mastodon-main")  # dana manages it: she may also edit
    dana = demo["dana"]
    statement = actions.save_holding_statement(None, actor=dana, channel=channel, name="S", body="We are aware.")
    actions.start_crisis(actor=dana, channel=channel, reason="Storm")
    post = actions.issue_holding_statement(statement, actor=dana)
    post = actions.edit_post(post, actor=dana, expected_version=post.version, body="We are aware. More soon.")
    assert post.holding_statement_id is None
    post = actions.submit(post, actor=dana, expected_version=post.version)
    plan = [s.slug for s in actions.review_plan(post)]
    assert plan == ["channel-review", "crisis-team"]


def test_an_organization_crisis_releases_only_what_the_caller_may_release(api_as, demo):
    bob, ray = demo["bob"], demo["ray"]
    later = timezone.now() + timedelta(days=2)
    held = []
    for slug in ("x-news", "mastodon-main"):
        author = bob if slug == "x-news" else demo["dana"]
        reviewer = ray if slug == "x-news" else demo["admin"]
        post = actions.create_post(actor=author, channel=Channel.objects.get(slug=slug), body="Hi", scheduled_at=later)
        post = actions.submit(post, actor=author, expected_version=post.version)
        held.append(actions.approve(post, actor=reviewer, expected_version=post.version))
    sam = api_as("sam")
    crisis = sam.post(f"{V1}/crises/", {"reason": "Regional blackout"}, format="json")
    assert crisis.status_code == 201 and crisis.json()["scope"] == "organization"
    crisis = crisis.json()
    assert api_as("dana").post(f"{V1}/crises/", {"reason": "again"}, format="json").status_code == 409
    assert {p.state for p in Post.objects.filter(pk__in=[p.pk for p in held])} == {"held"}
    assert sam.post(f"{V1}/crises/{crisis['id']}/release-held/", format="json").status_code == 409
    sam.post(f"{V1}/crises/{crisis['id']}/end/", {}, format="json")
    # ray reviews x-news but does not handle crises: refused, as on the page (issue 13).
    by_ray = api_as("ray").post(f"{V1}/crises/{crisis['id']}/release-held/", format="json")
    assert by_ray.status_code == 403 and by_ray.json()["code"] == "permission_denied"
    by_sam = sam.post(f"{V1}/crises/{crisis['id']}/release-held/", format="json").json()
    assert sorted(r["id"] for r in by_sam["released"]) == sorted(p.pk for p in held)
    listed = api_as("alice").get(f"{V1}/crises/?active=false").json()["results"]
    assert [c["id"] for c in listed] == [crisis["id"]]  # organization-wide crises concern everyone


def test_crisis_lists_and_timelines_keep_constant_queries(api_as, demo):
    dana, x_news = demo["dana"], Channel.objects.get(slug="x-news")
    client = api_as("dana")

    def counted(url):
        measured = queries_of(lambda: client.get(url))
        assert measured.result.status_code == 200
        return measured

    actions.save_holding_statement(None, actor=dana, channel=x_news, name="One", body="We are aware.")
    incident = actions.start_crisis(actor=dana, channel=x_news, reason="First")
    few = [
        counted(f"{V1}/crises/"),
        counted(f"{V1}/channels/x-news/holding-statements/"),
        counted(f"{V1}/crises/{incident.pk}/timeline/"),
    ]
    actions.end_crisis(incident, actor=dana)
    for n in range(4):
        actions.save_holding_statement(None, actor=dana, channel=x_news, name=f"More {n}", body="We are aware.")
        actions.end_crisis(actions.start_crisis(actor=dana, channel=x_news, reason=f"Again {n}"), actor=dana)
    later = timezone.now() + timedelta(days=1)
    for n in range(3):  # more events in the first incident's window do not add queries either
        post = actions.create_post(actor=demo["bob"], channel=x_news, body=f"Post {n}", scheduled_at=later)
        actions.submit(post, actor=demo["bob"], expected_version=post.version)
    many = [
        counted(f"{V1}/crises/"),
        counted(f"{V1}/channels/x-news/holding-statements/"),
        counted(f"{V1}/crises/{incident.pk}/timeline/"),
    ]
    for endpoint, before, after in zip(["crises", "holding statements", "timeline"], few, many, strict=True):
        assert_same_queries(before, after, what=endpoint)
