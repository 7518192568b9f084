"""Finding 10 (issue 14): webhooks carried no timestamp, so a captured delivery could be replayed.

Outgoing webhooks are signed in the Standard Webhooks form (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), checked here with the
reference library (`standardwebhooks`), and `core.webhooks.verify` — the helper incoming
webhooks will use — refuses an old (replayed), tampered or unsigned delivery.
"""

import base64
import time
from datetime import UTC, datetime

import pytest
import standardwebhooks

from core import webhooks
from governance.models import Channel
from publishing import credentials, delivery
from publishing.models import ChannelConnector, PublishJob
from tests.publishing.conftest import WEBHOOK_SECRET, platform, webhook  # noqa: F401 - fixtures used below
from tests.publishing.test_delivery import approved_post, publish


def delivered_request(server, demo) -> tuple[dict, bytes, PublishJob]:
    post = publish(approved_post(demo, slug="x-news"), demo)
    job = PublishJob.objects.get(post=post)
    assert delivery.deliver(job.pk) == "done", PublishJob.objects.get(pk=job.pk).last_error
    (request,) = server.requests
    return {name.lower(): value for name, value in request["headers"].items()}, request["body"], job


@pytest.mark.django_db
def test_a_delivery_carries_a_timestamped_standard_signature(webhook, demo):  # noqa: F811
    before = time.time()
    headers, body, job = delivered_request(webhook, demo)
    assert headers["webhook-id"] == job.idempotency_key  # the same on every retry of the delivery
    assert before - 1 <= int(headers["webhook-timestamp"]) <= time.time() + 1
    assert headers["webhook-signature"].startswith("v1,")
    # The reference verifier accepts it (key: the secret's bytes, as documented)...
    standardwebhooks.Webhook(WEBHOOK_SECRET.encode()).verify(body, headers, json_parse=False)
    standardwebhooks.Webhook(webhooks.standard_secret(WEBHOOK_SECRET)).verify(body, headers, json_parse=False)
    # ...and so does the helper for incoming webhooks.
    assert webhooks.verify(WEBHOOK_SECRET, headers, body) == job.idempotency_key
    # The deprecated body-only signature is still sent, for receivers written before.
    assert headers["x-clearpost-signature"].startswith("sha256=")


@pytest.mark.django_db
def test_a_whsec_secret_is_used_as_the_standard_libraries_use_it(webhook, demo):  # noqa: F811
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    ChannelConnector.objects.filter(channel=Channel.objects.get(slug="x-news")).update(
        secret_token=credentials.encrypt(secret)
    )
    # The fake receiver checks the old key; this delivery is checked here instead.
    post = publish(approved_post(demo, slug="x-news"), demo)
    delivery.deliver(PublishJob.objects.get(post=post).pk)
    (request,) = webhook.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    standardwebhooks.Webhook(secret).verify(request["body"], headers, json_parse=False)
    assert webhooks.verify(secret, headers, request["body"])


def test_a_replayed_delivery_is_refused():
    body = b'{"post_id":1}'
    now = time.time()
    old = webhooks.sign_headers(WEBHOOK_SECRET, "msg_1", body, timestamp=int(now) - 600)
    assert webhooks.verify(WEBHOOK_SECRET, old, body, now=now - 600) == "msg_1"  # valid when it was sent
    with pytest.raises(webhooks.InvalidSignature, match="too old"):
        webhooks.verify(WEBHOOK_SECRET, old, body, now=now)
    with pytest.raises(standardwebhooks.WebhookVerificationError, match="too old"):
        standardwebhooks.Webhook(WEBHOOK_SECRET.encode()).verify(body, old, json_parse=False)
    future = webhooks.sign_headers(WEBHOOK_SECRET, "msg_1", body, timestamp=int(now) + 600)
    with pytest.raises(webhooks.InvalidSignature, match="future"):
        webhooks.verify(WEBHOOK_SECRET, future, body, now=now)
    # A shorter tolerance is the receiver's choice.
    recent = webhooks.sign_headers(WEBHOOK_SECRET, "msg_1", body, timestamp=int(now) - 90)
    assert webhooks.verify(WEBHOOK_SECRET, recent, body, now=now)
    with pytest.raises(webhooks.InvalidSignature, match="too old"):
        webhooks.verify(WEBHOOK_SECRET, recent, body, now=now, tolerance=60)


def test_a_moved_timestamp_a_tampered_body_or_a_missing_header_is_refused():
    body = b'{"post_id":1}'
    signed = webhooks.sign_headers(WEBHOOK_SECRET, "msg_2", body)
    refreshed = {**signed, "webhook-timestamp": str(int(signed["webhook-timestamp"]) + 1)}
    with pytest.raises(webhooks.InvalidSignature, match="No valid"):
        webhooks.verify(WEBHOOK_SECRET, refreshed, body)  # the timestamp is signed: it cannot be renewed
    with pytest.raises(webhooks.InvalidSignature, match="No valid"):
        webhooks.verify(WEBHOOK_SECRET, signed, body + b" ")
    with pytest.raises(webhooks.InvalidSignature, match="No valid"):
        webhooks.verify("another-secret", signed, body)
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        with pytest.raises(webhooks.InvalidSignature, match="Missing"):
            webhooks.verify(WEBHOOK_SECRET, {k: v for k, v in signed.items() if k != missing}, body)
    for stamp in ("1e9", "-5", "１７００００００００", "99999999999999999999"):
        with pytest.raises(webhooks.InvalidSignature, match="not a number"):
            webhooks.verify(WEBHOOK_SECRET, {**signed, "webhook-timestamp": stamp}, body)
    with pytest.raises(webhooks.InvalidSignature, match="No valid"):
        webhooks.verify(WEBHOOK_SECRET, {**signed, "webhook-signature": "v1,!!!, v2,zz"}, body)


def test_the_helper_and_the_reference_library_agree():
    """Signed by the library, verified by the helper (upper-case header names, several
    signatures while a secret rotates), and the other way round."""
    body = '{"a":"é"}'.encode()
    secret = webhooks.new_secret()
    library = standardwebhooks.Webhook(secret)
    now = datetime.now(tz=UTC)
    theirs = library.sign("msg_3", now, body.decode())
    headers = {
        "Webhook-Id": "msg_3",
        "Webhook-Timestamp": str(int(now.timestamp())),
        "Webhook-Signature": f"v1,{base64.b64encode(b'old-key-signature').decode()} {theirs}",
    }
    assert webhooks.verify(secret, headers, body) == "msg_3"
    ours = webhooks.sign_headers(secret, "msg_3", body, timestamp=int(now.timestamp()))
    assert ours["webhook-signature"] == theirs
    library.verify(body, ours, json_parse=False)
