"""Delivery in batches: one task delivers many jobs in one transaction, with the platform
calls side by side and the outcome written in a constant number of statements."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from approvals import actions as approvals_actions
from approvals.models import Post
from audit.models import AuditEvent
from audit.verify import verify_chain
from core.db import update_rows
from governance.models import Channel
from publishing import delivery
from publishing.models import JobStatus, PublishJob
from tests.publishing.test_delivery import approved_post, publish
from tests.support.queries import Measured, assert_same_queries, queries_of

pytestmark = pytest.mark.django_db


def publishing_posts(demo, count: int) -> list[Post]:
    return [publish(approved_post(demo, body=f"Clinic update {i}."), demo) for i in range(count)]


def job_of(post: Post) -> PublishJob:
    return PublishJob.objects.get(post=post, revision_id=post.current_revision_id)


def test_a_batch_settles_each_job_on_its_own_merits(mastodon, demo):
    sent = publishing_posts(demo, 3)
    scheduled = approved_post(demo, body="Due now.", scheduled_at=timezone.now() + timedelta(hours=1))
    Post.objects.filter(pk=scheduled.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    held = publish(approved_post(demo, slug="x-news", body="Our statement on the merger."), demo)
    approvals_actions.start_crisis(actor=demo["dana"], channel=Channel.objects.get(slug="x-news"), reason="Merger")
    done_before = sent[0]
    assert delivery.deliver(job_of(done_before).pk) == "done"

    mastodon.fail_next(503)  # one of the batch's calls (whichever arrives first) is refused
    jobs = [job_of(p).pk for p in [*sent, scheduled, held]]
    outcome = delivery.deliver_many([*jobs, 999_999])

    assert outcome[999_999] == "busy"  # not there (or held by another delivery): left alone
    assert outcome[jobs[0]] == "nothing to do (done)"
    assert outcome[jobs[4]] == "held"
    mine = [outcome[j] for j in jobs[1:4]]
    assert sorted(mine) == ["done", "done", "retry"]
    states = {p.pk: p.state for p in Post.objects.filter(pk__in=[p.pk for p in [*sent, scheduled, held]])}
    assert states[held.pk] == "held"
    assert sorted(states[p.pk] for p in [*sent[1:], scheduled]) == ["published", "published", "publishing"]
    assert len(mastodon.statuses) == 3  # the earlier one and the two of this batch
    # The scheduled post went through `publish` then `mark_published`, by the system.
    actions = list(
        AuditEvent.objects.filter(target_id=str(scheduled.pk), action__startswith="approvals.post.")
        .order_by("seq")
        .values_list("action", "actor_label")
    )
    if states[scheduled.pk] == "published":
        assert actions[-2:] == [("approvals.post.publish", "system"), ("approvals.post.mark_published", "system")]
    for post in Post.objects.filter(state="published"):
        job = job_of(post)
        assert job.status == JobStatus.DONE and job.remote_id == post.remote_id and job.remote_url == post.remote_url
        assert job.payload_hash == post.current_revision.content_hash
    assert verify_chain().ok  # events appended in bulk chain like the others


def _statements_for(demo, mastodon, count: int) -> Measured:
    jobs = [job_of(p).pk for p in publishing_posts(demo, count)]
    measured = queries_of(lambda: delivery.deliver_many(jobs))
    assert set(measured.result.values()) == {"done"}
    return measured


def test_the_statements_of_a_batch_do_not_grow_with_its_size(mastodon, demo):
    assert_same_queries(_statements_for(demo, mastodon, 2), _statements_for(demo, mastodon, 10))


def test_one_jobs_unexpected_error_does_not_block_its_batch(mastodon, demo, monkeypatch):
    posts = publishing_posts(demo, 2)
    bad = posts[0]
    original = delivery.Payload.__init__

    def payload(self, *, post_id, channel, content):
        if post_id == bad.pk:
            content = {**content, "body": object()}  # not serialisable: the connector raises TypeError
        original(self, post_id=post_id, channel=channel, content=content)

    monkeypatch.setattr(delivery.Payload, "__init__", payload)
    outcome = delivery.deliver_many([job_of(p).pk for p in posts])
    assert outcome == {job_of(bad).pk: "retry", job_of(posts[1]).pk: "done"}
    assert "Unexpected error" in job_of(bad).last_error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_job_another_delivery_holds_is_skipped_and_the_rest_go(mastodon, demo, monkeypatch):
    from publishing import tasks

    monkeypatch.setattr(tasks.deliver_jobs, "delay", lambda ids: None)  # this test delivers by hand
    first, second = publishing_posts(demo, 2)
    locked, taken = threading.Event(), threading.Event()

    def other_delivery():
        with transaction.atomic():
            PublishJob.objects.select_for_update().get(pk=job_of(first).pk)
            locked.set()
            taken.wait(10)
        connection.close()

    thread = threading.Thread(target=other_delivery)
    thread.start()
    assert locked.wait(10)
    try:
        outcome = delivery.deliver_many([job_of(first).pk, job_of(second).pk])
    finally:
        taken.set()
        thread.join()
    assert outcome == {job_of(first).pk: "busy", job_of(second).pk: "done"}
    assert Post.objects.get(pk=first.pk).state == "publishing"
    assert len(mastodon.statuses) == 1


def test_dispatch_sends_due_jobs_in_batches(mastodon, demo, settings, monkeypatch, django_capture_on_commit_callbacks):
    from publishing import tasks

    settings.PUBLISHING_BATCH_SIZE = 2
    sent = []
    monkeypatch.setattr(tasks.deliver_jobs, "delay", lambda ids: sent.append(list(ids)))
    posts = [
        approved_post(demo, body=f"Later {i}.", scheduled_at=timezone.now() + timedelta(hours=1)) for i in range(5)
    ]
    PublishJob.objects.filter(post__in=posts).update(due_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due() == 5
    assert [len(batch) for batch in sent] == [2, 2, 1]
    assert sorted(j for batch in sent for j in batch) == sorted(job_of(p).pk for p in posts)


def test_update_rows_writes_each_objects_own_values(demo):
    posts = publishing_posts(demo, 3)
    for i, post in enumerate(posts):
        post.remote_id, post.remote_url, post.version = f"r{i}", f"https://example.org/{i}", 100 + i
    assert update_rows(posts, ["remote_id", "remote_url", "version"]) == 3
    got = {p.pk: (p.remote_id, p.remote_url, p.version) for p in Post.objects.filter(pk__in=[p.pk for p in posts])}
    assert got == {p.pk: (f"r{i}", f"https://example.org/{i}", 100 + i) for i, p in enumerate(posts)}
    assert update_rows([], ["remote_id"]) == 0
