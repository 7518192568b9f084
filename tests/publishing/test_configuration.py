"""Configuring a channel's delivery (managers only, audited, credential write-only) and
reading a post's deliveries."""

import pytest

from audit.models import AuditEvent
from publishing import credentials
from publishing.models import ChannelConnector
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_managers_configure_delivery_and_the_credential_is_never_shown(api_as, demo):
    url = f"{V1}/channels/mastodon-main/connector/"
    dana = api_as("dana")
    assert dana.get(url).json() == {"kind": "manual", "settings": {}, "has_secret": False, "version": 0}
    body = {
        "kind": "mastodon",
        "settings": {"instance": "https://health.social", "visibility": "public", "language": "en"},
        "secret": "s3cret-token",
    }
    saved = dana.put(url, body, format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json() == {
        "kind": "mastodon",
        "settings": body["settings"],
        "has_secret": True,
        "version": 1,
        "secret_cleared": False,
    }
    row = ChannelConnector.objects.get(channel__slug="mastodon-main")
    assert "s3cret-token" not in row.secret_token and credentials.decrypt(row.secret_token) == "s3cret-token"
    event = AuditEvent.objects.get(action="publishing.connector.configure")
    assert "s3cret-token" not in str(event.data) and event.data["secret_changed"] is True

    kept = dana.put(
        url, {**body, "secret": None, "version": 1} | {"settings": {"instance": "https://h.social"}}, format="json"
    )
    assert kept.status_code == 400  # `secret` may be omitted, not null
    # Same address, other settings, no secret: the stored one is kept.
    kept = dana.put(
        url,
        {"kind": "mastodon", "settings": {**body["settings"], "visibility": "unlisted"}, "version": 1},
        format="json",
    )
    assert kept.status_code == 200 and kept.json()["has_secret"] is True and kept.json()["secret_cleared"] is False
    assert credentials.decrypt(ChannelConnector.objects.get(pk=row.pk).secret_token) == "s3cret-token"
    stale = dana.put(url, {"kind": "manual", "version": 1}, format="json")
    assert stale.status_code == 409

    bad = dana.put(
        url, {"kind": "mastodon", "settings": {"instance": "http://plain.example", "bogus": 1}}, format="json"
    )
    assert bad.status_code == 400 and len(bad.json()["errors"]["settings"]) == 2
    assert api_as("bob").get(url).status_code == 404  # bob cannot see mastodon-main
    assert api_as("carol").get(url).status_code == 403  # compliance sees the channel, does not manage it


def test_a_posts_deliveries_show_the_hashes(api_as, demo):
    from approvals import actions
    from governance.models import Channel
    from publishing import delivery
    from publishing.models import PublishJob

    channel = Channel.objects.get(slug="research-blog")  # a feed: delivery needs no network
    post = actions.create_post(actor=demo["dana"], channel=channel, body="New study out.")
    post = actions.submit(post, actor=demo["dana"], expected_version=post.version)
    post = actions.approve(post, actor=demo["admin"], expected_version=post.version)
    post = actions.publish_now(post, actor=demo["admin"], expected_version=post.version)
    delivery.deliver(PublishJob.objects.get(post=post).pk)
    (job,) = api_as("dana").get(f"{V1}/posts/{post.pk}/deliveries/").json()["results"]
    assert job["status"] == "done" and job["connector"] == "feed" and job["hashes_match"] is True
    assert job["approved_hash"] == job["sent_hash"] == post.current_revision.content_hash
    assert job["remote_url"].endswith(f"/feeds/research-blog/posts/{post.pk}/")
    assert api_as("bob").get(f"{V1}/posts/{post.pk}/deliveries/").status_code == 404


def test_the_deliveries_list_keeps_constant_queries(api_as, demo, mastodon):
    from approvals import actions
    from governance.models import Channel
    from publishing import delivery
    from publishing.models import PublishJob

    channel, dana, admin = Channel.objects.get(slug="mastodon-main"), demo["dana"], demo["admin"]
    post = actions.create_post(actor=dana, channel=channel, body="First words.")
    post = actions.approve(actions.submit(post, actor=dana, expected_version=1), actor=admin, expected_version=2)
    post = actions.publish_now(post, actor=admin, expected_version=post.version)
    client = api_as("dana")

    def counted():
        measured = queries_of(lambda: client.get(f"{V1}/posts/{post.pk}/deliveries/"))
        assert measured.result.status_code == 200
        return measured

    one = counted()
    for n in range(3):  # each delivery fails for good, the post is edited and sent again: a job per revision
        mastodon.fail_next(401)
        delivery.deliver(PublishJob.objects.get(post=post, revision_id=post.current_revision_id).pk)
        post.refresh_from_db()
        post = actions.edit_post(post, actor=dana, expected_version=post.version, body=f"Words {n}.")
        post = actions.submit(post, actor=dana, expected_version=post.version)
        post = actions.approve(post, actor=admin, expected_version=post.version)
        post = actions.publish_now(post, actor=admin, expected_version=post.version)
    assert PublishJob.objects.filter(post=post).count() == 4
    assert_same_queries(one, counted())
