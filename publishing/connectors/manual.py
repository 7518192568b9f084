"""The manual connector: nothing is sent; a publisher posts by hand and pastes the live address."""

from ..models import ConnectorKind
from .base import Connector, Delivered, Payload, Permanent


class ManualConnector(Connector):
    """Platforms without API access: a publisher posts it by hand and pastes the live address
    (`POST /api/v1/posts/{id}/mark-published/`)."""

    kind = ConnectorKind.MANUAL
    sends = False

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:  # pragma: no cover - never called
        raise Permanent("Manual channels are published by hand.")
