"""Changes to publishing settings. Delivery itself is in `publishing.delivery`."""

import urllib.parse

from django.db import transaction

import audit
from core.errors import PermissionDenied, StaleVersion, ValidationFailed
from governance import permissions

from . import credentials
from .connectors import CONNECTORS
from .models import ChannelConnector, ConnectorKind

# The settings each kind reads (anything else is refused, so a typo is caught when saved).
SETTINGS_BY_KIND = {
    ConnectorKind.WEBHOOK: {"url"},
    ConnectorKind.MASTODON: {"instance", "visibility", "language", "spoiler_text", "title_as_spoiler"},
    ConnectorKind.FEED: set(),
    ConnectorKind.EMAIL: {"recipients", "to", "from"},
    ConnectorKind.MANUAL: set(),
}
MASTODON_VISIBILITIES = {"public", "unlisted", "private", "direct"}


def _unstorable(value) -> bool:
    """Does a setting (a key or value, at any depth) hold text the database cannot store: a NUL
    character, or a lone surrogate (not valid UTF-8)?"""
    if isinstance(value, str):
        return "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_unstorable(key) or _unstorable(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_unstorable(item) for item in value)
    return False


def _problems(kind: str, settings: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if _unstorable(settings):
        return {"settings": ["Settings may not contain NUL characters or lone surrogates."]}
    unknown = set(settings) - SETTINGS_BY_KIND[kind]
    if unknown:
        errors["settings"] = [f"Not a setting of the {kind} connector: {', '.join(sorted(unknown))}."]
    url = settings.get("url") or settings.get("instance")
    if kind in (ConnectorKind.WEBHOOK, ConnectorKind.MASTODON) and not str(url or "").startswith("https://"):
        errors.setdefault("settings", []).append("The address must start with https://.")
    if kind == ConnectorKind.MASTODON and settings.get("visibility", "public") not in MASTODON_VISIBILITIES:
        errors.setdefault("settings", []).append(f"Visibility is one of {', '.join(sorted(MASTODON_VISIBILITIES))}.")
    if kind == ConnectorKind.EMAIL and not settings.get("recipients"):
        errors.setdefault("settings", []).append("Give the list's address in `recipients`.")
    return errors


def _address(kind: str, settings: dict) -> str:
    """Where a connector sends its credential: its URL or instance, as compared for a change
    (scheme and host lower-cased, no trailing slash)."""
    value = str(settings.get("url") or settings.get("instance") or "").strip()
    parts = urllib.parse.urlsplit(value)
    netloc = parts.netloc.lower()
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), parts.query, ""))


@transaction.atomic
def configure_connector(
    channel, *, actor, kind: str, settings: dict | None = None, secret: str | None = None, expected_version=None
) -> ChannelConnector:
    """Choose how the channel's posts are delivered, and with which credential. Who: the
    channel's managers. `secret` None keeps the stored credential — unless the kind or the
    address (webhook `url`, Mastodon `instance`) changes: then it is cleared, and the returned
    row's `secret_cleared` says so; "" removes it. The credential is encrypted at rest and
    never shown again, nor written to the audit log."""
    if not permissions.can(actor, permissions.MANAGE_CHANNEL, channel):
        raise PermissionDenied("Only the channel's managers configure its delivery.")
    if kind not in CONNECTORS:
        raise ValidationFailed(errors={"kind": [f"One of {', '.join(CONNECTORS)}."]})
    settings = settings or {}
    problems = _problems(kind, settings)
    if problems:
        raise ValidationFailed("The connector settings are not valid.", errors=problems)
    row = ChannelConnector.objects.select_for_update().filter(channel=channel).first()
    if row is not None and expected_version is not None and row.version != expected_version:
        raise StaleVersion(
            f"The connector changed since you loaded it (version {expected_version}, now {row.version})."
        )
    before = {"kind": row.kind, "settings": row.settings, "has_secret": bool(row.secret_token)} if row else None
    # A credential belongs to where it is sent: a new address or kind without a new secret
    # clears the stored one, so that nobody can point a channel's token at a server of theirs.
    cleared = (
        row is not None
        and secret is None
        and bool(row.secret_token)
        and (row.kind != kind or _address(row.kind, row.settings) != _address(kind, settings))
    )
    if row is None:
        row = ChannelConnector(channel=channel)
    else:
        row.version += 1
    row.kind, row.settings = kind, settings
    if secret is not None:
        row.secret_token = credentials.encrypt(secret)
    elif cleared:
        row.secret_token = ""  # nosec B105 - clearing the secret
    row.save()
    audit.record(
        "publishing.connector.configure",
        actor=actor,
        target=row,
        channel_id=channel.pk,
        data={
            "before": before,
            "after": {"kind": kind, "settings": settings, "has_secret": bool(row.secret_token)},
            "secret_changed": secret is not None,
            "secret_cleared": cleared,
        },
    )
    row.secret_cleared = cleared  # for the caller to tell the person (API: `secret_cleared`)
    return row
