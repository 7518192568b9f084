"""Mastodon posts carry their image: fetched from the approved address, uploaded with the
approved alt text as its description, awaited while Mastodon processes it, and attached to
the status. What was sent stays what was approved, and errors are classified as for statuses."""

import pytest

from approvals import actions
from approvals.models import Post, Revision
from audit.models import AuditEvent
from core.outbound import AddressRefused, is_public_address
from publishing import delivery, tasks
from publishing.connectors import MastodonConnector, Permanent, Retryable, fetch_media
from publishing.models import JobStatus, PublishJob
from tests.publishing.test_delivery import V1, approved_post, publish

pytestmark = pytest.mark.django_db

# Bytes a lax parser would mangle: NUL, CR LF, a "--" that is not the boundary, and non-UTF-8.
IMAGE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR--\r\n--boundary?\xff\xfe" + bytes(range(256)) * 4
ALT = "Une infirmière donne un vaccin contre la grippe à un enfant, « sans douleur »."


@pytest.fixture
def image(media_files):
    media_files.files["/img/flu-clinic.png"] = (IMAGE, "image/png")
    return media_files.url("/img/flu-clinic.png")


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(MastodonConnector, "MEDIA_POLL_SECONDS", 0.01)


def job_of(post: Post) -> PublishJob:
    return PublishJob.objects.get(post=post, revision_id=post.current_revision_id)


def test_a_post_with_an_image_goes_out_with_its_alt_text_and_the_approved_hash(mastodon, image, demo):
    post = publish(approved_post(demo, media_url=image, media_alt_text=ALT), demo)
    job = job_of(post)
    assert delivery.deliver(job.pk) == "done"

    (media,) = mastodon.media.values()
    assert media["data"] == IMAGE and media["content_type"] == "image/png" and media["filename"] == "flu-clinic.png"
    assert media["description"] == ALT
    upload, status_request = mastodon.requests
    assert upload["path"] == "/api/v2/media" and upload["headers"]["Authorization"] == "Bearer mastodon-test-token"
    assert upload["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert status_request["path"] == "/api/v1/statuses" and status_request["key"] == job.idempotency_key
    (status,) = mastodon.statuses.values()
    assert [attachment["id"] for attachment in status["media_attachments"]] == [media["id"]]
    assert status["media_attachments"][0]["description"] == ALT
    assert mastodon.polls == []  # ready at once (200): nothing to wait for

    # "Exactly as approved": the hash recorded as sent covers the image address and its alt text.
    post.refresh_from_db()
    job.refresh_from_db()
    revision = post.current_revision
    assert post.state == "published" and post.remote_id == status["id"]
    assert job.payload_hash == revision.content_hash
    event = AuditEvent.objects.get(action="approvals.post.mark_published", target_id=str(post.pk))
    assert event.data["sent_hash"] == event.data["content_hash"] == revision.content_hash
    assert revision.content_hash != Revision.hash_content({**revision.content(), "media_alt_text": ""})
    assert revision.content_hash != Revision.hash_content({**revision.content(), "media_url": ""})


def test_an_upload_still_processing_is_awaited_before_the_status(mastodon, image, demo):
    mastodon.processing_polls = 3  # 202, then 206 twice, then 200 with the url
    post = publish(approved_post(demo, media_url=image, media_alt_text=ALT), demo)
    assert delivery.deliver(job_of(post).pk) == "done"
    (media,) = mastodon.media.values()
    assert mastodon.polls == [f"/api/v1/media/{media['id']}"] * 3
    (status,) = mastodon.statuses.values()
    assert status["media_attachments"][0]["id"] == media["id"]
    assert status["media_attachments"][0]["url"]  # the status was made once the upload was ready


def test_processing_that_does_not_end_in_time_is_retried_without_a_status(mastodon, image, demo, settings):
    settings.PUBLISHING_MEDIA_PROCESSING_SECONDS = 0.1
    mastodon.processing_polls = 1000
    post = publish(approved_post(demo, media_url=image, media_alt_text=ALT), demo)
    job = job_of(post)
    assert delivery.deliver(job.pk) == "retry"
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and "still processing the media" in job.last_error
    assert mastodon.statuses == {} and mastodon.polls


def test_an_image_that_cannot_be_fetched_fails_the_post_with_the_reason(mastodon, media_files, demo, api_as):
    missing = media_files.url("/img/removed.png")
    post = publish(approved_post(demo, media_url=missing, media_alt_text=ALT), demo)
    job = job_of(post)
    assert delivery.deliver(job.pk) == "failed"
    detail = api_as("dana").get(f"{V1}/posts/{post.pk}/").json()
    assert detail["state"] == "failed"
    assert (
        detail["status_reason"]
        == f"The image at {missing} could not be fetched: 404 Not Found: the address was not found."
    )
    assert job_of(post).attempts == 1  # permanent: not retried
    assert mastodon.requests == [] and mastodon.statuses == {}


def test_a_503_from_the_media_upload_is_retried(mastodon, image, demo):
    post = publish(approved_post(demo, media_url=image, media_alt_text=ALT), demo)
    job = job_of(post)
    mastodon.fail_next(503, Retry_After="30")
    assert delivery.deliver(job.pk) == "retry"
    job.refresh_from_db()
    assert (
        job.status == JobStatus.PENDING
        and job.last_error == "Mastodon refused the media: 503 Service Unavailable: the platform had an error."
    )
    assert [r["path"] for r in mastodon.requests] == ["/api/v2/media"] and mastodon.statuses == {}

    PublishJob.objects.filter(pk=job.pk).update(due_at=job.created_at)
    assert tasks.dispatch_due() == 1
    assert delivery.deliver(job.pk) == "done"
    (status,) = mastodon.statuses.values()
    (media,) = mastodon.media.values()
    assert status["media_attachments"][0]["id"] == media["id"] and media["description"] == ALT


def test_media_mastodon_refuses_fails_the_post_with_its_reason(mastodon, image, demo):
    post = publish(approved_post(demo, media_url=image, media_alt_text=ALT), demo)
    mastodon.fail_next(422)
    assert delivery.deliver(job_of(post).pk) == "failed"
    post.refresh_from_db()
    assert (
        post.state == "failed"
        and post.status_reason == "Mastodon refused the media: 422 Unprocessable Entity: the content was refused."
    )
    assert "scripted" not in post.status_reason  # the platform's own words stay in the log
    assert mastodon.statuses == {}


def test_a_retry_after_a_crash_makes_one_status(mastodon, image, demo, monkeypatch):
    """The worker dies after Mastodon made the status, before the commit: the next attempt
    uploads the image again (Mastodon has no idempotency for uploads; the extra one stays
    unattached) and gets the status it already made through the status's Idempotency-Key."""
    post = publish(approved_post(demo, media_url=image, media_alt_text=ALT), demo)
    job = job_of(post)
    real = actions.mark_published_many

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(actions, "mark_published_many", crash)
    with pytest.raises(RuntimeError):
        delivery.deliver(job.pk)
    assert job_of(post).status == JobStatus.DISPATCHED and job_of(post).attempts == 0  # rolled back
    assert len(mastodon.statuses) == 1

    monkeypatch.setattr(actions, "mark_published_many", real)
    assert delivery.deliver(job.pk) == "done"
    (status,) = mastodon.statuses.values()
    first_upload, orphan = mastodon.media
    assert [a["id"] for a in status["media_attachments"]] == [first_upload]
    assert [r["key"] for r in mastodon.requests if r["path"] == "/api/v1/statuses"] == [job.idempotency_key] * 2
    post.refresh_from_db()
    assert post.state == "published" and post.remote_id == status["id"]
    assert orphan != first_upload


def test_a_post_without_an_image_uploads_nothing(mastodon, demo):
    post = publish(approved_post(demo), demo)
    assert delivery.deliver(job_of(post).pk) == "done"
    assert [r["path"] for r in mastodon.requests] == ["/api/v1/statuses"]
    assert next(iter(mastodon.statuses.values()))["media_attachments"] == []


def test_private_addresses_are_refused_unless_allowed(mastodon, image, demo, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    post = publish(approved_post(demo, media_url=image, media_alt_text=ALT), demo)
    assert delivery.deliver(job_of(post).pk) == "failed"
    post.refresh_from_db()
    assert post.status_reason == f"The image at {image} was not fetched: {AddressRefused.reason}"
    assert mastodon.requests == []


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.10", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_only_public_addresses_are_fetched_by_default(address, allowed):
    assert is_public_address(address) is allowed


def test_media_fetching_is_bounded_and_http_only(media_files, settings):
    media_files.files["/big.png"] = (IMAGE, "image/png")
    settings.PUBLISHING_MEDIA_MAX_BYTES = len(IMAGE) - 1
    with pytest.raises(Permanent, match=r"larger than .* allowed: it is 0\.0 MB\.$"):
        fetch_media(media_files.url("/big.png"))  # said so in Content-Length
    media_files.send_length = False
    with pytest.raises(Permanent, match=r"larger than .* allowed\.$"):
        fetch_media(media_files.url("/big.png"))  # counted while reading
    settings.PUBLISHING_MEDIA_MAX_BYTES = len(IMAGE)
    fetched = fetch_media(media_files.url("/big.png"))
    assert fetched.data == IMAGE and fetched.content_type == "image/png"

    for address in ("ftp://example.org/a.png", "file:///etc/passwd", "/img/a.png"):
        with pytest.raises(Permanent, match="must be an http"):
            fetch_media(address)
    with pytest.raises(Permanent, match="redirected to another host or to plain http"):  # urllib would follow it
        fetch_media(media_files.url("/moved/ftp%3A%2F%2F127.0.0.1%2Fa.png"))
    with pytest.raises(Permanent, match="redirected to another host or to plain http"):
        fetch_media(media_files.url("/moved/file%3A%2F%2F%2Fetc%2Fpasswd"))
    followed = fetch_media(media_files.url("/moved/" + media_files.url("/big.png").replace(":", "%3A")))
    assert followed.data == IMAGE and followed.filename == "big.png"


def test_a_media_server_that_does_not_answer_is_retryable(settings):
    import socket

    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    settings.PUBLISHING_TIMEOUT_SECONDS = 0.2
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection, never answers
    try:
        with pytest.raises(Retryable, match="no answer within 0.2 s"):
            fetch_media(f"http://127.0.0.1:{silent.getsockname()[1]}/a.png")
    finally:
        silent.close()
