"""Marking a post published by hand (the manual path, also used when a connector's delivery
keeps failing) records who marked it and the address they gave. It never records a "sent hash":
nothing was sent, so the evidence says "marked by hand" and never that the hashes match."""

import threading

import pytest
from django.db import connection

from approvals.selectors.evidence import evidence_for
from audit.models import AuditEvent
from publishing import delivery
from publishing.models import JobStatus, PublishJob
from tests.publishing.test_delivery import approved_post, publish

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
LIVE = "https://x.example.org/stmarys/status/1"


def _failing_post(webhook, demo):
    post = publish(approved_post(demo, slug="x-news"), demo)
    job = PublishJob.objects.get(post=post)
    webhook.fail_next(503)
    assert delivery.deliver(job.pk) == "retry"  # the connector's delivery is failing
    return post, job


def test_marking_by_hand_records_who_and_where_and_no_sent_hash(webhook, demo, api_as, client):
    post, job = _failing_post(webhook, demo)
    version = api_as("admin").get(f"{V1}/posts/{post.pk}/").json()["version"]
    marked = api_as("admin").post(
        f"{V1}/posts/{post.pk}/mark-published/", {"version": version, "remote_url": LIVE}, format="json"
    )
    assert marked.status_code == 200, marked.content
    assert marked.json()["state"] == "published"

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.remote_url == LIVE
    assert job.marked_by == demo["admin"]
    assert job.payload_hash == ""  # nothing was sent: no sent hash

    (row,) = api_as("admin").get(f"{V1}/posts/{post.pk}/deliveries/").json()["results"]
    assert row["hashes_match"] is None and row["sent_hash"] == ""
    assert row["by_hand"] is True and row["marked_by"] == "admin" and row["remote_url"] == LIVE

    event = AuditEvent.objects.get(action="approvals.post.mark_published", target_id=str(post.pk))
    assert event.actor_id == demo["admin"].pk
    assert event.data["by_hand"] is True and event.data["remote_url"] == LIVE
    assert "sent_hash" not in event.data

    latest = evidence_for(post.pk).latest
    assert latest.by_hand is True and latest.sent_hash == "" and latest.matches is None

    client.force_login(demo["admin"])
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert 'data-testid="evidence-by-hand"' in page and "Marked by hand" in page
    assert "matches</span>" not in page


def test_a_publisher_cannot_claim_a_sent_hash(webhook, demo):
    """The action refuses a sent hash from a person: only a connector reports one."""
    from approvals import actions
    from core.errors import ValidationFailed

    post, _job = _failing_post(webhook, demo)
    with pytest.raises(ValidationFailed):
        actions.mark_published(
            post,
            actor=demo["admin"],
            expected_version=post.version,
            remote_url=LIVE,
            sent_hash=post.current_revision.content_hash,
        )


@pytest.mark.django_db(transaction=True)
def test_marking_by_hand_while_the_worker_delivers_neither_deadlocks_nor_both_succeed(webhook, demo, monkeypatch):
    """The manual mark locks the post, then its job; the worker must never wait for the post
    while holding the job (it would deadlock): a post someone is marking is left for later."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from django.db import transaction

    from approvals import actions
    from publishing import tasks

    monkeypatch.setattr(tasks, "hand_out", lambda job_ids: None)  # the worker below delivers it
    post = publish(approved_post(demo, slug="x-news"), demo)
    job = PublishJob.objects.get(post=post)
    outcome, errors = {}, []
    post_locked, worker_done = threading.Event(), threading.Event()

    def worker():
        try:
            post_locked.wait(10)
            outcome["worker"] = delivery.deliver(job.pk)
        except Exception as exc:  # a deadlock shows up here
            errors.append(exc)
        finally:
            worker_done.set()
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        with transaction.atomic():
            from approvals.actions.base import lock_post

            lock_post(post)  # the manual mark has taken the post
            post_locked.set()
            worker_done.wait(5)  # the worker does not wait on the post while holding the job
            actions.mark_published(post, actor=demo["admin"], expected_version=post.version, remote_url=LIVE)
    finally:
        thread.join(15)
    assert not errors, errors
    assert worker_done.is_set()
    assert outcome["worker"] == "busy"
    assert webhook.requests == []  # nothing was sent: the post was marked by hand
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.marked_by == demo["admin"]
    # the job comes round again and finds it done
    assert delivery.deliver(job.pk) == "nothing to do (done)"
