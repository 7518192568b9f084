"""The webhook connector: a signed JSON POST to a receiver of the organization's own."""

import hashlib
import hmac
import json
import urllib.request

from ..models import ConnectorKind
from .base import Connector, Delivered, Payload, Permanent, json_object
from .http import send


class WebhookConnector(Connector):
    """POST the payload as JSON to `settings["url"]`, signed with HMAC-SHA256 of the exact body
    under the channel's secret (`X-Clearpost-Signature: sha256=<hex>`), with the idempotency
    key in `Idempotency-Key`. The receiver may answer `{"id", "url"}`."""

    kind = ConnectorKind.WEBHOOK

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        url = self.settings.get("url", "")
        if not url.startswith(("https://", "http://")):
            raise Permanent("The webhook connector has no valid URL; set one on the channel.")
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
        signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - scheme checked above
        request.add_header("Content-Type", "application/json")
        request.add_header("Idempotency-Key", idempotency_key)
        request.add_header("X-Clearpost-Signature", f"sha256={signature}")
        _, _, answer = send(request)
        data = json_object(answer)
        return Delivered(remote_id=str(data.get("id") or idempotency_key), remote_url=str(data.get("url") or ""))
