"""What a request has already asked the database, kept on the user object it asked about.

Permission checks, the navigation and the dashboard ask the same questions of the same user
many times per request (its roles, its grants on a channel, whether it has a review queue…).
Each answer is computed once and kept in one dict on the user object, which lives as long as
the request (or the action, or the task) that loaded it. `forget(user)` drops every answer at
once: call it after the user's grants, roles or groups change.

    roles = cache.remember(user, "roles", lambda: frozenset(...))
"""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_ATTR = "_clearpost_cache"


def answers(obj) -> dict:
    """The cache of `obj` itself, for a caller that fills many keys at once (grants per object)."""
    store = obj.__dict__.get(_ATTR)
    if store is None:
        store = obj.__dict__[_ATTR] = {}
    return store


def remember(obj, key, compute: Callable[[], T]) -> T:
    """`compute()` the first time `key` is asked about `obj`, the kept answer after that."""
    store = answers(obj)
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(obj) -> None:
    """Drop everything kept on `obj`."""
    obj.__dict__.pop(_ATTR, None)
