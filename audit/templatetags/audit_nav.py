"""`{% if user|may_read_audit_log %}`: whether the navigation offers the audit log."""

from django import template

from audit.views import may_read

register = template.Library()


@register.filter
def may_read_audit_log(user) -> bool:
    return bool(user and user.is_authenticated and may_read(user))
