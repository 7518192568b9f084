"""Sections that apps above governance add to a channel's page.

The channel page lives here, but some of what applies to a channel belongs to apps
governance may not import (the review stages live in approvals). Those apps register a
provider when they are ready, as for the dashboard (governance.dashboard); the page asks
every provider for its panel, in registration order.

A provider is `provider(user, channel) -> Panel | None`, costing a constant number of queries.
"""

from collections.abc import Callable

from .dashboard import Panel

Provider = Callable[[object, object], Panel | None]

_providers: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    """Add (or replace: registering is idempotent across reloads) the provider named `key`."""
    _providers[key] = provider


def panels_for(user, channel) -> list[Panel]:
    return [panel for provider in _providers.values() if (panel := provider(user, channel)) is not None]
