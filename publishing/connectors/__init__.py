"""Connectors: how a post reaches its platform, behind one small interface.

    connector.publish(payload, idempotency_key=...) -> Delivered(remote_id, remote_url)

raises `Retryable` (timeouts, connection errors, 429 — honouring Retry-After — and 5xx) or
`Permanent` (other 4xx, bad configuration). `manual` never sends: the job waits for a
publisher to paste the live address. Each call carries the job's idempotency key, so that
repeating a call whose answer was lost (a worker killed mid-way) does not post twice where
the platform honours it (Mastodon, our webhook receivers).

- `base`: the interface, `Payload` and `Delivered`, the errors, helpers reading an answer;
- `http`: the outbound HTTP client every connector's request goes through, and `fetch_media`;
- `webhook`, `mastodon`, `email`, `feeds`, `manual`: one module per kind of connector;
- `registry`: `CONNECTORS` by kind, and `connector_for(channel)`.
"""

from .base import Connector, Delivered, DeliveryError, Payload, Permanent, Retryable
from .email import EmailConnector
from .feeds import FeedConnector
from .http import Media, fetch_media
from .manual import ManualConnector
from .mastodon import MastodonConnector
from .registry import CONNECTORS, connector_for
from .webhook import WebhookConnector

__all__ = [
    "CONNECTORS",
    "Connector",
    "Delivered",
    "DeliveryError",
    "EmailConnector",
    "FeedConnector",
    "ManualConnector",
    "MastodonConnector",
    "Media",
    "Payload",
    "Permanent",
    "Retryable",
    "WebhookConnector",
    "connector_for",
    "fetch_media",
]
