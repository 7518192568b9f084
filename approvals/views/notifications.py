"""In-app notifications: the user's own, newest first (keyset paging on the id), marked read one
by one or all at once. Everyone sees only their own: another user's notification is a 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import NotVisible

from .. import selectors
from ..actions.notifications import mark_all_notifications_read, mark_notification_read

PAGE_SIZE = 25


@login_required
@require_GET
def notification_list(request):
    before = selectors.parse_id_key(request.GET.get("before"))
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notifications_page(
        request.user, before=before, unread_only=unread_only, limit=PAGE_SIZE + 1
    )
    more = len(notifications) > PAGE_SIZE
    notifications = notifications[:PAGE_SIZE]
    base = {"unread": "1"} if unread_only else {}
    return render(
        request,
        "approvals/notifications/list.html",
        {
            "notifications": notifications,
            "unread_only": unread_only,
            "next_url": "?" + urlencode({**base, "before": notifications[-1].pk}) if more else None,
            "first_url": ("?" + urlencode(base) if base else "?") if before is not None else None,
        },
    )


def _back(request):
    """Back to the notifications page the form was on (its paging and filter only)."""
    query = {}
    if request.POST.get("unread") == "1":
        query["unread"] = "1"
    if before := selectors.parse_id_key(request.POST.get("before")):
        query["before"] = before
    return redirect(reverse("notifications") + ("?" + urlencode(query) if query else ""))


@login_required
@require_POST
def notification_read(request, notification_id: int):
    try:
        mark_notification_read(notification_id, actor=request.user)
    except NotVisible as exc:
        raise Http404(exc.detail) from exc
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    count = mark_all_notifications_read(actor=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return _back(request)
