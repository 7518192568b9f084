"""The feed connector: blogs and podcasts are published by appearing in their own feeds."""

from django.conf import settings
from django.urls import reverse

from ..models import ConnectorKind
from .base import Connector, Delivered, Payload


class FeedConnector(Connector):
    """Blogs and podcasts: the channel's RSS 2.0 and Atom feeds list its published posts
    (`publishing.feeds`), so publishing is recording the post as published; nothing is sent."""

    kind = ConnectorKind.FEED

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        path = reverse("feed-item", kwargs={"slug": payload.channel, "post_id": payload.post_id})
        return Delivered(remote_id=f"feed:{payload.channel}:{payload.post_id}", remote_url=f"{settings.SITE_URL}{path}")
