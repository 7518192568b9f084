"""`{% queue_nav as nav %}`: whether the navigation offers the review queue (`nav.has_queue`)
and the user's unread notifications (`nav.unread`). One query per request for a signed-in
user, none for anyone else."""

from django import template

from approvals.queue_selectors import navigation_for

register = template.Library()

_NOTHING = {"has_queue": False, "unread": 0}


@register.simple_tag(takes_context=True)
def queue_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return _NOTHING
    return navigation_for(user)  # kept in the request's cache on the user object
