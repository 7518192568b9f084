"""How the demo channels deliver: blogs and the podcast through their feeds (the default),
the staff newsletter by e-mail to its list; the social accounts by hand (no credentials
for real platforms in a demo)."""

from django.db import transaction

from governance.models import Channel

from .models import ChannelConnector, ConnectorKind

CONNECTORS = {
    "employee-news": (ConnectorKind.EMAIL, {"recipients": ["all-staff@stmarys.example.org"]}),
}


@transaction.atomic
def seed_connectors() -> int:
    made = 0
    for slug, (kind, settings) in CONNECTORS.items():
        channel = Channel.objects.filter(slug=slug).first()
        if channel is not None and not ChannelConnector.objects.filter(channel=channel).exists():
            ChannelConnector.objects.create(channel=channel, kind=kind, settings=settings)
            made += 1
    return made
