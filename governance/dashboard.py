"""Panels that apps above governance add to the dashboard.

The dashboard lives here, but what someone must do next (a compliance officer's retrospective
reviews, …) belongs to apps governance may not import. Those apps register a provider when
they are ready; the dashboard asks every provider for its panel, in registration order.

A provider is `provider(user) -> Panel | None`: None when it has nothing for this user (and it
should find that out without querying, e.g. from the user's cached roles).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    """A section of the dashboard: rendered with `template`, which sees this panel as `panel`."""

    key: str  # stable, used for data-testid="panel-<key>"
    title: str
    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[[object], Panel | None]

_providers: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    """Add (or replace: registering is idempotent across reloads) the provider named `key`."""
    _providers[key] = provider


def panels_for(user) -> list[Panel]:
    return [panel for provider in _providers.values() if (panel := provider(user)) is not None]
