"""Delivery through the outbox: jobs written with the post's change, delivered once, retried
on temporary errors, failed with the reason on permanent ones, held in a crisis."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from approvals import actions
from approvals.models import Post
from audit.models import AuditEvent
from governance.models import Channel
from publishing import credentials, delivery, tasks
from publishing.models import ChannelConnector, ConnectorKind, JobStatus, PublishJob

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def approved_post(demo, slug="mastodon-main", body="Our flu clinic opens Monday at 8:00.", **fields):
    author = demo["dana"] if slug == "mastodon-main" else demo["bob"]
    reviewer = demo["admin"] if slug == "mastodon-main" else demo["ray"]
    post = actions.create_post(actor=author, channel=Channel.objects.get(slug=slug), body=body, **fields)
    post = actions.submit(post, actor=author, expected_version=post.version)
    return actions.approve(post, actor=reviewer, expected_version=post.version)


def publish(post, demo):
    publisher = demo["admin"]
    return actions.publish_now(post, actor=publisher, expected_version=post.version)


def test_publishing_now_writes_the_job_and_delivers_exactly_what_was_approved(mastodon, demo):
    post = approved_post(demo, title="Flu clinic", link="https://www.stmarys.example.org/flu")
    assert not PublishJob.objects.exists()  # approved, waiting for a publisher: nothing due
    post = publish(post, demo)
    job = PublishJob.objects.get(post=post)
    assert job.revision_id == post.current_revision_id and job.connector == "mastodon"
    assert job.idempotency_key == PublishJob.key_for(post.pk, post.current_revision_id)
    assert job.status == JobStatus.DISPATCHED

    assert delivery.deliver(job.pk) == "done"
    post.refresh_from_db()
    job.refresh_from_db()
    (status,) = mastodon.statuses.values()
    assert status["content"] == "Our flu clinic opens Monday at 8:00.\n\nhttps://www.stmarys.example.org/flu"
    assert status["visibility"] == "unlisted" and status["language"] == "en"
    assert mastodon.requests[0]["key"] == job.idempotency_key
    assert post.state == "published" and post.remote_id == status["id"] and post.remote_url == status["url"]
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert job.payload_hash == post.current_revision.content_hash  # approved hash = sent hash
    event = AuditEvent.objects.get(action="approvals.post.mark_published", target_id=str(post.pk))
    assert event.data["sent_hash"] == event.data["content_hash"] == job.payload_hash
    assert event.data["remote_id"] == status["id"] and event.data["remote_url"] == status["url"]

    assert delivery.deliver(job.pk) == "nothing to do (done)"  # a repeat does nothing
    assert len(mastodon.requests) == 1


def test_a_scheduled_post_waits_for_its_time(mastodon, demo):
    when = timezone.now() + timedelta(hours=2)
    post = approved_post(demo, scheduled_at=when)
    assert post.state == "scheduled"
    job = PublishJob.objects.get(post=post)
    assert job.status == JobStatus.PENDING and job.due_at == when
    assert tasks.dispatch_due() == 0
    PublishJob.objects.filter(pk=job.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    assert tasks.dispatch_due() == 1
    assert delivery.deliver(job.pk) == "done"
    assert Post.objects.get(pk=post.pk).state == "published"
    assert [
        e.actor_label for e in AuditEvent.objects.filter(target_id=str(post.pk), action="approvals.post.publish")
    ] == ["system"]


def test_rolling_back_an_approval_enqueues_nothing(mastodon, demo, django_capture_on_commit_callbacks):
    post = actions.create_post(
        actor=demo["dana"],
        channel=Channel.objects.get(slug="mastodon-main"),
        body="Later.",
        scheduled_at=timezone.now() + timedelta(days=1),
    )
    post = actions.submit(post, actor=demo["dana"], expected_version=post.version)
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                approved = actions.approve(post, actor=demo["admin"], expected_version=post.version)
                assert approved.state == "scheduled" and PublishJob.objects.filter(post=post).exists()
                raise RuntimeError("the request failed after the approval")
    assert not PublishJob.objects.filter(post=post).exists()
    assert callbacks == []
    assert Post.objects.get(pk=post.pk).state == "in_review"


def test_a_503_is_retried_and_then_succeeds(mastodon, demo):
    post = publish(approved_post(demo), demo)
    job = PublishJob.objects.get(post=post)
    mastodon.fail_next(503)
    before = timezone.now()
    assert delivery.deliver(job.pk) == "retry"
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and job.attempts == 1 and "503" in job.last_error
    assert job.due_at > before  # backed off, kept by the database
    assert Post.objects.get(pk=post.pk).state == "publishing"
    assert AuditEvent.objects.filter(action="publishing.job.retry", target_id=str(job.pk)).exists()
    PublishJob.objects.filter(pk=job.pk).update(due_at=timezone.now())
    assert tasks.dispatch_due() == 1
    assert delivery.deliver(job.pk) == "done"
    assert len(mastodon.statuses) == 1 and Post.objects.get(pk=post.pk).state == "published"


def test_a_429_honours_retry_after(mastodon, demo):
    post = publish(approved_post(demo), demo)
    job = PublishJob.objects.get(post=post)
    mastodon.fail_next(429, Retry_After="120")
    assert delivery.deliver(job.pk) == "retry"
    job.refresh_from_db()
    assert job.due_at >= timezone.now() + timedelta(seconds=110)


def test_a_401_fails_for_good_with_the_reason_shown_and_can_be_retried(mastodon, demo, api_as):
    ChannelConnector.objects.filter(channel__slug="mastodon-main").update(secret_token=credentials.encrypt("wrong"))
    post = publish(approved_post(demo), demo)
    job = PublishJob.objects.get(post=post)
    assert delivery.deliver(job.pk) == "failed"
    detail = api_as("dana").get(f"{V1}/posts/{post.pk}/").json()
    assert detail["state"] == "failed" and "401" in detail["status_reason"]
    assert "invalid" in detail["status_reason"] and "retry" in detail["available_actions"]
    assert PublishJob.objects.get(pk=job.pk).status == JobStatus.FAILED

    ChannelConnector.objects.filter(channel__slug="mastodon-main").update(
        secret_token=credentials.encrypt("mastodon-test-token")
    )
    retried = api_as("dana").post(f"{V1}/posts/{post.pk}/retry/", {"version": detail["version"]}, format="json")
    assert retried.status_code == 200 and retried.json()["state"] == "publishing"
    job.refresh_from_db()
    assert job.status == JobStatus.DISPATCHED  # the same job (and key) goes again
    assert delivery.deliver(job.pk) == "done"
    assert Post.objects.get(pk=post.pk).state == "published"


def test_a_post_held_by_a_crisis_is_not_delivered(mastodon, demo):
    post = publish(approved_post(demo), demo)
    job = PublishJob.objects.get(post=post)
    actions.start_crisis(actor=demo["sam"], reason="Power outage")  # organization-wide
    assert delivery.deliver(job.pk) == "held"
    post.refresh_from_db()
    assert post.state == "held" and post.held_from == "publishing" and "Power outage" in post.status_reason
    assert mastodon.requests == []
    assert PublishJob.objects.get(pk=job.pk).status == JobStatus.CANCELLED


def test_a_job_that_finds_its_post_published_does_nothing(mastodon, demo):
    post = publish(approved_post(demo), demo)
    job = PublishJob.objects.get(post=post)
    actions.mark_published(
        post,
        actor=demo["admin"],
        expected_version=post.version,
        remote_id="77",
        remote_url="https://health.social/@s/77",
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.remote_id == "77"  # the publisher's address closed it
    assert delivery.deliver(job.pk) == "nothing to do (done)"
    assert mastodon.requests == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_the_same_job_racing_post_once(mastodon, demo):
    # Scheduled, then due: (publishing now would deliver at once here, tasks being eager.)
    post = approved_post(demo, scheduled_at=timezone.now() + timedelta(hours=1))
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    job = PublishJob.objects.get(post=post)
    PublishJob.objects.filter(pk=job.pk).update(status=JobStatus.DISPATCHED, due_at=timezone.now())
    mastodon.delay = 0.5  # the first delivery is still talking to the platform when the second starts
    results = []
    barrier = threading.Barrier(2)

    def attempt():
        from django.db import connection

        barrier.wait()
        try:
            results.append(delivery.deliver(job.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["busy", "done"]
    assert len(mastodon.requests) == 1 and Post.objects.get(pk=post.pk).state == "published"


def test_webhook_posts_signed_json_with_the_idempotency_key(webhook, demo):
    post = publish(approved_post(demo, slug="x-news", body="Road closures around the hospital today."), demo)
    job = PublishJob.objects.get(post=post)
    assert delivery.deliver(job.pk) == "done"
    (received,) = webhook.statuses.values()
    assert received["content"]["body"] == "Road closures around the hospital today."
    assert received["content_hash"] == post.current_revision.content_hash
    assert received["idempotency_key"] == job.idempotency_key
    post.refresh_from_db()
    assert post.remote_id == "hook-1" and post.remote_url.endswith(job.idempotency_key)


def test_newsletters_go_to_the_list_by_email(demo):
    channel = Channel.objects.get(slug="employee-news")
    ChannelConnector.objects.create(
        channel=channel, kind=ConnectorKind.EMAIL, settings={"recipients": ["all-staff@stmarys.example.org"]}
    )
    post = publish(
        approved_post(demo, slug="employee-news", body="The cafeteria reopens Monday.", title="Cafeteria"), demo
    )
    mail.outbox.clear()
    assert delivery.deliver(PublishJob.objects.get(post=post).pk) == "done"
    (message,) = mail.outbox
    assert message.subject == "Cafeteria" and message.bcc == ["all-staff@stmarys.example.org"]
    assert message.body == "The cafeteria reopens Monday."
    assert Post.objects.get(pk=post.pk).remote_id == message.extra_headers["Message-ID"]


def test_a_repeated_newsletter_carries_the_first_ones_message_id(demo):
    """SMTP has no idempotency key: a send repeated after a crash (between the mail server's
    answer and the database update) must at least carry the same Message-ID, so that list
    software and mail stores drop it as a duplicate."""
    from publishing.connectors import EmailConnector, Payload

    channel = Channel.objects.get(slug="employee-news")
    connector = EmailConnector(channel, {"recipients": ["all-staff@stmarys.example.org"]})
    content = {"body": "The cafeteria reopens Monday.", "title": "Cafeteria"}
    payload = Payload(post_id=1, channel=channel.slug, content=content)
    mail.outbox.clear()
    first = connector.publish(payload, idempotency_key="a" * 64)
    again = connector.publish(payload, idempotency_key="a" * 64)
    other = connector.publish(payload, idempotency_key="b" * 64)
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert ids[0] == ids[1] == first.remote_id == again.remote_id == f"<{'a' * 64}@clearpost>"
    assert ids[2] == other.remote_id != ids[0]


def test_manual_channels_wait_for_the_live_address(demo, api_as):
    post = publish(approved_post(demo, slug="facebook-main", body="Blood drive Friday."), demo)
    job = PublishJob.objects.get(post=post)
    assert delivery.deliver(job.pk) == "awaiting url"
    assert PublishJob.objects.get(pk=job.pk).status == JobStatus.AWAITING_URL
    detail = api_as("ray").get(f"{V1}/posts/{post.pk}/").json()
    done = api_as("ray").post(
        f"{V1}/posts/{post.pk}/mark-published/",
        {"version": detail["version"], "remote_url": "https://www.facebook.com/StMarysHospital/posts/1"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["state"] == "published"
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.remote_url == "https://www.facebook.com/StMarysHospital/posts/1"


def test_blog_posts_appear_in_the_channel_feeds(demo, client):
    channel = Channel.objects.get(slug="research-blog")
    author = demo["dana"]
    post = actions.create_post(
        actor=author, channel=channel, body="Our sepsis study <results> are in.", title="Sepsis study"
    )
    post = actions.submit(post, actor=author, expected_version=post.version)
    post = actions.approve(post, actor=demo["admin"], expected_version=post.version)
    assert b"Sepsis study" not in client.get("/feeds/research-blog/rss/").content
    post = publish(post, demo)
    assert delivery.deliver(PublishJob.objects.get(post=post).pk) == "done"
    rss = client.get("/feeds/research-blog/rss/")
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    assert b"<title>Sepsis study</title>" in rss.content and b"&amp;lt;results&amp;gt;" in rss.content
    atom = client.get("/feeds/research-blog/atom/")
    assert atom["Content-Type"].startswith("application/atom+xml") and b"Sepsis study" in atom.content
    post.refresh_from_db()
    page = client.get(post.remote_url.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and b"Our sepsis study &lt;results&gt; are in." in page.content
    assert client.get("/feeds/employee-news/rss/").status_code == 404  # internal: no public feed


def test_credentials_are_encrypted_at_rest(mastodon, demo):
    stored = ChannelConnector.objects.get(channel__slug="mastodon-main").secret_token
    assert "mastodon-test-token" not in stored and credentials.decrypt(stored) == "mastodon-test-token"


def test_what_the_crisis_itself_sends_is_not_held_by_it(mastodon, demo):
    """A holding statement issued in the crisis, and a post sent by breaking the glass, go out."""
    channel = Channel.objects.get(slug="mastodon-main")
    actions.start_crisis(actor=demo["sam"], channel=channel, reason="Hospital fire")
    statement = actions.save_holding_statement(
        None, actor=demo["dana"], channel=channel, name="Fire", body="We are aware of a fire and will update here."
    )
    issued = actions.issue_holding_statement(statement, actor=demo["dana"])
    out = actions.approve(issued, actor=demo["sam"], expected_version=issued.version)
    assert out.state == "publishing"
    assert delivery.deliver(PublishJob.objects.get(post=out).pk) == "done"

    post = actions.create_post(actor=demo["dana"], channel=channel, body="Evacuation route: use the east exit.")
    post = actions.break_glass(post, actor=demo["sam"], expected_version=post.version, reason="Life safety")
    assert delivery.deliver(PublishJob.objects.get(post=post).pk) == "done"
    assert {p.state for p in Post.objects.filter(pk__in=[out.pk, post.pk])} == {"published"}
    assert len(mastodon.statuses) == 2
