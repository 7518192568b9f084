"""Sections that apps add to pages they do not own: the dashboard (`portal`), a channel's page
(`governance`). The page asks every provider registered for its place, in registration order;
the apps that own the data register their providers when they are ready (AppConfig.ready), so
that a lower app's page can show a higher app's data without importing it.

A provider is `provider(user, *args) -> Panel | None` (None: nothing for this user), costing a
constant number of queries, and finding out without a query when it has nothing (e.g. from the
user's cached roles).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

DASHBOARD = "dashboard"  # provider(user)
CHANNEL_PAGE = "channel"  # provider(user, channel)


@dataclass(frozen=True)
class Panel:
    """A section of a page: rendered with `template`, which sees this panel as `panel`."""

    key: str  # stable, used for data-testid="panel-<key>"
    title: str
    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[..., Panel | None]

_providers: dict[str, dict[str, Provider]] = {}


def register(place: str, key: str, provider: Provider) -> None:
    """Add (or replace: registering is idempotent across reloads) the provider named `key`."""
    _providers.setdefault(place, {})[key] = provider


def panels_for(place: str, user, *args) -> list[Panel]:
    return [panel for provider in _providers.get(place, {}).values() if (panel := provider(user, *args)) is not None]
