"""The webhook connector: a signed JSON POST to a receiver of the organization's own."""

import hashlib
import hmac
import json

from core import webhooks

from ..models import ConnectorKind
from .base import Connector, Delivered, Payload, Permanent, json_object
from .http import send


class WebhookConnector(Connector):
    """POST the payload as JSON to `settings["url"]`, signed in the Standard Webhooks form
    (`core.webhooks`, docs/webhooks.md) under the channel's secret:

        webhook-id:        the job's idempotency key (the same on every retry of the delivery)
        webhook-timestamp: when this attempt was sent (seconds since the epoch)
        webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">

    so that a receiver refuses a delivery replayed later. The idempotency key is also in
    `Idempotency-Key`. `X-Clearpost-Signature: sha256=<hex HMAC-SHA256 of the body>` is still
    sent, for receivers written before; it carries no time, so it cannot tell a replay: it is
    deprecated. The receiver may answer `{"id", "url"}`."""

    kind = ConnectorKind.WEBHOOK

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        url = self.settings.get("url", "")
        if not url.startswith(("https://", "http://")):
            raise Permanent("The webhook connector has no valid URL; set one on the channel.")
        if not self.secret:
            raise Permanent("The webhook connector has no signing secret; set one on the channel.")
        body = json.dumps(
            {
                "idempotency_key": idempotency_key,
                "post_id": payload.post_id,
                "channel": payload.channel,
                "content": payload.content,
                "content_hash": payload.content_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        try:
            signed = webhooks.sign_headers(self.secret, idempotency_key, body)
        except ValueError as exc:
            raise Permanent(f"The webhook connector's secret cannot sign: {exc}") from exc
        legacy = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            **signed,
            "X-Clearpost-Signature": f"sha256={legacy}",
        }
        _, _, answer = send("POST", url, headers=headers, body=body)
        data = json_object(answer)
        return Delivered(remote_id=str(data.get("id") or idempotency_key), remote_url=str(data.get("url") or ""))
