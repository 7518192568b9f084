"""`{% if user|may_draft %}`: whether the navigation offers "New post"."""

from django import template

register = template.Library()


@register.filter
def may_draft(user) -> bool:
    from approvals.post_views import may_draft as _may_draft

    return bool(user and user.is_authenticated and _may_draft(user))
