"""The demo journey of the issue, through the API, as the demo users."""

import pytest
from django.core import mail

from audit.models import AuditEvent
from audit.verify import verify_chain

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_patient_story_goes_through_channel_review_and_compliance(api_as, django_capture_on_commit_callbacks):
    alice, bob, rachel, carol = (api_as(u) for u in ("alice", "bob", "rachel", "carol"))

    created = alice.post(
        f"{V1}/posts/",
        {"channel": "patient-stories", "title": "Maria's recovery", "body": "Maria walked again after eight months."},
        format="json",
    )
    assert created.status_code == 201, created.json()
    post = created.json()
    pid = post["id"]
    assert post["state"] == "draft" and post["author"] == "alice" and post["version"] == 1
    assert len(post["revision"]["content_hash"]) == 64
    assert post["available_actions"] == ["edit", "submit", "withdraw", "comment"]

    with django_capture_on_commit_callbacks(execute=True):
        submitted = alice.post(f"{V1}/posts/{pid}/submit/", {"version": 1}, format="json").json()
    assert submitted["state"] == "in_review" and submitted["stage"] == "channel-review"
    assert [s["slug"] for s in submitted["stages"]] == ["channel-review", "compliance"]
    assert {m.to[0] for m in mail.outbox} == {"rachel@stmarys.example.org"}

    assert bob.get(f"{V1}/posts/{pid}/").status_code == 404
    assert bob.post(f"{V1}/posts/{pid}/approve/", {"version": 2}, format="json").status_code == 404
    denied = alice.post(f"{V1}/posts/{pid}/approve/", {"version": 2}, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    # Carol sees it but the compliance stage is not open yet.
    assert carol.post(f"{V1}/posts/{pid}/approve/", {"version": 2}, format="json").status_code == 403

    queue = rachel.get(f"{V1}/review-queue/").json()["results"]
    assert [p["id"] for p in queue] == [pid]
    approved = rachel.post(f"{V1}/posts/{pid}/approve/", {"version": 2}, format="json").json()
    assert approved["state"] == "in_review" and approved["stage"] == "compliance"
    assert approved["decisions"][0]["reviewer"] == "rachel"
    assert approved["decisions"][0]["content_hash"] == approved["revision"]["content_hash"]
    assert approved["decisions"][0]["revision_id"] == approved["revision"]["id"]
    assert rachel.get(f"{V1}/review-queue/").json()["results"] == []
    assert [p["id"] for p in carol.get(f"{V1}/review-queue/").json()["results"]] == [pid]

    # An edit by alice after rachel's approval voids it: back to draft, a new revision.
    edited = alice.patch(
        f"{V1}/posts/{pid}/", {"body": "Maria walked again after eight months!", "version": 3}, format="json"
    ).json()
    assert edited["state"] == "draft" and edited["version"] == 4
    assert edited["revision"]["id"] != approved["revision"]["id"]
    assert edited["decisions"][0]["voided_at"] is not None
    assert all(s["approved_by"] == [] for s in edited["stages"])
    assert carol.get(f"{V1}/review-queue/").json()["results"] == []

    # Round two: rachel, then carol; the post is approved, every decision on the new revision.
    alice.post(f"{V1}/posts/{pid}/submit/", {"version": 4}, format="json")
    rachel.post(f"{V1}/posts/{pid}/approve/", {"version": 5}, format="json")
    stale = carol.post(f"{V1}/posts/{pid}/approve/", {"version": 5}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    final = carol.post(
        f"{V1}/posts/{pid}/approve/", {"version": 6, "comment": "Consent on file."}, format="json"
    ).json()
    assert final["state"] == "approved" and [s["status"] for s in final["stages"]] == ["done", "done"]
    live = [d for d in final["decisions"] if d["voided_at"] is None]
    assert {(d["reviewer"], d["stage"]) for d in live} == {("rachel", "channel-review"), ("carol", "compliance")}
    assert {d["content_hash"] for d in live} == {final["revision"]["content_hash"]}
    again = carol.post(f"{V1}/posts/{pid}/approve/", {"version": 7}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"

    actions = list(
        AuditEvent.objects.filter(target_type="approvals.post", target_id=str(pid))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "approvals.post.create",
        "approvals.post.submit",
        "approvals.post.approve",
        "approvals.post.edit",
        "approvals.post.submit",
        "approvals.post.approve",
        "approvals.post.approve",
    ]
    assert verify_chain().ok
