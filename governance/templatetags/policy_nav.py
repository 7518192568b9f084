"""`{% if user|may_edit_policies %}`: whether the navigation offers the policy pages."""

from django import template

from governance.policy_selectors import may_edit_policies as _may_edit_policies

register = template.Library()


@register.filter
def may_edit_policies(user) -> bool:
    return bool(user and user.is_authenticated and _may_edit_policies(user))
