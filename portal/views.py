"""The portal's own pages: `/` (to the dashboard, or to sign in) and the dashboard, where each
app adds what the user must do next (`core.panels`, registered by the apps that own the data)
above the user's channels and what they may do on each."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts import roles
from core import panels
from governance import permissions, selectors


def _standing(user) -> list[str]:
    """How the user stands in the organization: "Reviewer", "Marketing (reviewers)", …"""
    standing = ["Superuser"] if user.is_superuser else []
    standing += sorted(roles.role_names(user))
    standing += [f"{department.name} ({', '.join(held)})" for department, held in selectors.memberships_of(user)]
    return standing


@require_GET
def home(request):
    return redirect("dashboard" if request.user.is_authenticated else "accounts:login")


@login_required
@require_GET
def dashboard(request):
    user = request.user
    channels = selectors.channels_with_permissions(user, selectors.channels_visible_to(user).order_by("name"))
    rows = [
        {"channel": channel, "actions": [permissions.LABELS[p] for p in permissions.CHANNEL_PERMISSIONS if p in perms]}
        for channel, perms in channels
    ]
    return render(
        request,
        "portal/dashboard.html",
        {"rows": rows, "standing": _standing(user), "panels": panels.panels_for(panels.DASHBOARD, user)},
    )
