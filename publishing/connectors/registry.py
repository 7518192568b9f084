"""Which connector delivers a channel's posts: the kinds there are, and the channel's own."""

from .. import credentials
from ..models import ChannelConnector, ConnectorKind
from .base import Connector
from .email import EmailConnector
from .feeds import FeedConnector
from .manual import ManualConnector
from .mastodon import MastodonConnector
from .webhook import WebhookConnector

CONNECTORS: dict[str, type[Connector]] = {
    ConnectorKind.WEBHOOK: WebhookConnector,
    ConnectorKind.MASTODON: MastodonConnector,
    ConnectorKind.FEED: FeedConnector,
    ConnectorKind.EMAIL: EmailConnector,
    ConnectorKind.MANUAL: ManualConnector,
}

# Without a configured connector: feeds for blogs and podcasts, by hand for everything else.
DEFAULT_KIND_BY_PLATFORM = {"blog": ConnectorKind.FEED, "podcast": ConnectorKind.FEED}


def connector_for(channel) -> Connector:
    """The channel's connector, with its credential decrypted."""
    row = ChannelConnector.objects.filter(channel=channel).first()
    if row is None:
        kind = DEFAULT_KIND_BY_PLATFORM.get(channel.platform, ConnectorKind.MANUAL)
        return CONNECTORS[kind](channel)
    return CONNECTORS[row.kind](channel, row.settings, credentials.decrypt(row.secret_token))
