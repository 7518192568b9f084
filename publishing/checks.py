"""Deployment checks of outbound calls (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def outbound_settings(app_configs, **kwargs):
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False) and not settings.DEBUG:
        return [
            Error(
                "OUTBOUND_ALLOW_PRIVATE_ADDRESSES is on with DEBUG off: connectors, webhooks and "
                "image fetches may reach loopback, private and cloud-metadata addresses, and a "
                "channel manager's or an author's address can then read the internal network.",
                hint="Unset OUTBOUND_ALLOW_PRIVATE_ADDRESSES (it is for local development against fake platforms).",
                id="publishing.E001",
            )
        ]
    return []
