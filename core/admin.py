"""What every app's admin shares (this module is not an app's admin: Django discovers none here).

The admin writes nothing that the pages and the API would not write the same way: each model's
admin either saves through the model's audited actions (`ActionAdmin`) or is read-only
(`ReadOnlyAdmin`; `make_read_only` for the admins other packages register). Nothing is deleted
from the admin unless its deletion is an audited action itself (a grant's is its revocation).
tests/security/test_admin_writes.py walks every registered admin to keep it so.

- `ActionAdmin` saves through an action, so that the admin, the API and the pages behave the same
  and every change is audited; a refused action shows its reason instead of saving. It deletes
  nothing, and offers no bulk action but those it declares.
- `ReadOnlyAdmin`: rows that only actions write (the audit log, posts, deliveries): the admin
  may look, never touch.
- `HTTPS_URLS`: an address typed without a scheme is https (Django 6.0's default, chosen now).
"""

from django.contrib import admin, messages
from django.db import models

from .errors import DomainError

HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class ActionAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS

    def _run(self, request, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
            return None

    def has_delete_permission(self, request, obj=None):
        return False  # rows are retired through their actions (deactivated, archived), never deleted


class ReadOnlyMixin:
    """Looks, never touches: no add, change or delete, and no bulk actions."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS


def make_read_only(*models_, site=admin.site) -> None:
    """Register again, read-only, the admins another package registered for `models_` (the same
    lists and pages, no writes): call it from an AppConfig.ready(), after the admin has
    discovered every app's admin."""
    for model in models_:
        current = type(site._registry[model])
        site.unregister(model)
        site.register(model, type(f"ReadOnly{current.__name__}", (ReadOnlyMixin, current), {"__module__": __name__}))
