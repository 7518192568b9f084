"""The navigation, one context processor: which of the main pages the signed-in user is offered,
and how many notifications they have not read.

Each answer is asked only when a template reads it (`nav.may_draft`, …), once per request: a
page that shows no navigation (an htmx fragment) costs nothing, and each question is cached on
the user object (`core.cache`) for whatever else the request asks."""

from functools import cached_property

from approvals import selectors as post_selectors
from audit.selectors import may_read_audit_log
from governance import policy_selectors


class Navigation:
    def __init__(self, user):
        self.user = user if user is not None and user.is_authenticated and user.is_active else None

    @cached_property
    def may_draft(self) -> bool:
        """ "New post": someone who may draft on a channel."""
        return self.user is not None and post_selectors.may_draft(self.user)

    @cached_property
    def _queue(self) -> dict:
        return post_selectors.navigation_for(self.user) if self.user else {"has_queue": False, "unread": 0}

    @property
    def has_queue(self) -> bool:
        """ "Review queue": reviewers, by role or by a grant on some channel."""
        return self._queue["has_queue"]

    @property
    def unread(self) -> int:
        return self._queue["unread"]

    @cached_property
    def may_edit_policies(self) -> bool:
        return self.user is not None and policy_selectors.may_edit_policies(self.user)

    @cached_property
    def may_handle_crises(self) -> bool:
        return self.user is not None and policy_selectors.may_handle_crises(self.user)

    @cached_property
    def may_read_audit_log(self) -> bool:
        return self.user is not None and may_read_audit_log(self.user)


def navigation(request) -> dict:
    return {"nav": Navigation(getattr(request, "user", None))}
