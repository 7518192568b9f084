"""Which connector delivers a channel's posts: the kinds there are, and the channel's own."""

from governance import platforms

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


def connector_for(channel) -> Connector:
    """The channel's connector, with its credential decrypted. Without one configured, the
    default of its platform (`governance.platforms`: feeds for blogs and podcasts, by hand for
    everything else)."""
    row = ChannelConnector.objects.filter(channel=channel).first()
    if row is None:
        return CONNECTORS[platforms.default_connector_kind(channel.platform)](channel)
    return CONNECTORS[row.kind](channel, row.settings, credentials.decrypt(row.secret_token))
