"""`{% if user|may_handle_crises %}`: whether the navigation offers the crisis console."""

from django import template

from approvals.crisis_views import may_handle_crises as _may_handle_crises

register = template.Library()


@register.filter
def may_handle_crises(user) -> bool:
    return bool(user and user.is_authenticated and _may_handle_crises(user))
