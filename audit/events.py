"""What the apps tell the audit log about their events, so that the log names none of them.

- `suggest(*actions)`: actions (or namespaces ending in ".") offered in the log's action
  filter, in the order registered (any action works; these are the common ones);
- `link_evidence(target_type, url_name, noun)`: the page that shows what the log proves about
  one object of `target_type` (a "post"); the log links each such event to it (`url_name`
  takes the id).

Apps register in their AppConfig.ready(); registering twice is harmless.
"""

_suggestions: dict[str, None] = {}
_evidence: dict[str, tuple[str, str]] = {}


def suggest(*actions: str) -> None:
    for action in actions:
        _suggestions[action] = None


def suggestions() -> list[str]:
    return list(_suggestions)


def link_evidence(target_type: str, url_name: str, noun: str) -> None:
    _evidence[target_type] = (url_name, noun)


def evidence_page(target_type: str) -> tuple[str, str] | None:
    """(url name, noun) of the evidence page of `target_type`'s objects, if an app has one."""
    return _evidence.get(target_type)


# The audit app's own events and those it records for accounts (audit/signals.py).
suggest("accounts.", "accounts.login.failed", "audit.")
