"""What every governance action shares: who may (a permission on the object, or a portal
admin), and a model's own validation as a domain error. `actor=None` is the system itself (data
migrations, `seed_demo`): no permission check."""

from django.core.exceptions import ValidationError as DjangoValidationError

from core.errors import PermissionDenied, ValidationFailed

from .. import permissions
from ..permissions import (
    MANAGE_DEPARTMENT,
)


def require(actor, perm: str, obj) -> None:
    if actor is not None and not permissions.can(actor, perm, obj):
        raise PermissionDenied(f"You may not do this: it needs “{perm}” on {obj}.")


def require_portal_admin(actor) -> None:
    if actor is None or permissions.holds_everywhere(actor, MANAGE_DEPARTMENT):
        return
    raise PermissionDenied("Only portal admins may do this.")


def clean(instance, **options) -> None:
    """`instance.full_clean(**options)`, its errors as a domain error (field → messages)."""
    try:
        instance.full_clean(**options)
    except DjangoValidationError as exc:
        raise ValidationFailed(errors=getattr(exc, "message_dict", {"__all__": exc.messages})) from exc
