"""What every app's admin shares (this module is not an app's admin: Django discovers none here).

- `ActionAdmin` saves through an action, so that the admin, the API and the pages behave the same
  and every change is audited; a refused action shows its reason instead of saving.
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


class ReadOnlyAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
