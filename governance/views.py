from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import dashboard as dashboard_panels
from . import permissions, selectors

PERMISSION_LABELS = {
    permissions.DRAFT: "Draft",
    permissions.REVIEW: "Review",
    permissions.PUBLISH: "Publish",
    permissions.MANAGE_CHANNEL: "Manage",
    permissions.BREAK_GLASS: "Break-glass",
}


def _standing(user) -> list[str]:
    """How the user stands in the organization: "Reviewer", "Marketing (reviewers)", …"""
    standing = ["Superuser"] if user.is_superuser else []
    standing += sorted(permissions.role_names(user))
    standing += [f"{department.name} ({', '.join(roles)})" for department, roles in selectors.memberships_of(user)]
    return standing


@require_GET
def home(request):
    return redirect("dashboard" if request.user.is_authenticated else "accounts:login")


@login_required
@require_GET
def dashboard(request):
    """The signed-in user's channels and what they may do on each, after the panels other apps
    add for what the user must do next (governance.dashboard)."""
    user = request.user
    channels = selectors.channels_with_permissions(user, selectors.channels_visible_to(user).order_by("name"))
    rows = [
        {"channel": channel, "actions": [PERMISSION_LABELS[p] for p in permissions.CHANNEL_PERMISSIONS if p in perms]}
        for channel, perms in channels
    ]
    return render(
        request,
        "governance/dashboard.html",
        {"rows": rows, "standing": _standing(user), "panels": dashboard_panels.panels_for(user)},
    )
