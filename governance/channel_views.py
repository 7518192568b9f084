"""Channels in the browser: the list, and each channel's page — who owns it, what it is for,
the policy in effect, the review stages, who holds which permission — with the managers'
forms to grant and revoke permissions and to transfer the channel to another department.

Thin views: channels are found through `selectors.channel_for` (404 for missing and not
visible alike); every change goes through `actions.grant_permission`, `revoke_permission`
and `transfer_channel`, which check the permission again and write the audit event. A
transfer needs an explicit confirmation (a second step that states what will move).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from core import panels
from core.errors import NotVisible, PermissionDenied, StaleVersion, ValidationFailed

from . import actions, permissions, selectors
from .models import Channel, Department
from .rules import length
from .rules.engine import effective_policies
from .rules.kinds import kind_of

PERMISSION_HELP = {
    permissions.DRAFT: "write posts and submit them for review",
    permissions.REVIEW: "approve, request changes or reject",
    permissions.PUBLISH: "schedule and publish approved posts",
    permissions.MANAGE_CHANNEL: "grant permissions, transfer, start a crisis",
    permissions.BREAK_GLASS: "publish at once without approval, in an emergency",
}
PERMISSION_CHOICES = [(p, permissions.LABELS[p]) for p in permissions.CHANNEL_PERMISSIONS]


def _forbidden(request, reason: str):
    return render(request, "forbidden.html", {"reason": reason}, status=403)


def channel_page(view):
    """Signed in; the channel (by slug) visible to the user, else 404; domain errors the view
    lets through become a 403 page (not allowed) or 404 (not visible)."""

    @login_required
    @wraps(view)
    def wrapper(request, slug: str, *args, **kwargs):
        try:
            channel = selectors.channel_for(request.user, slug)
            return view(request, channel, *args, **kwargs)
        except NotVisible as exc:
            raise Http404(exc.detail) from exc
        except PermissionDenied as exc:
            return _forbidden(request, exc.detail)

    return wrapper


def _require_manager(user, channel: Channel) -> None:
    if not permissions.can(user, permissions.MANAGE_CHANNEL, channel):
        raise PermissionDenied(f"Only the managers of {channel.name} may change who holds what on it.")


# --- reading --------------------------------------------------------------------------------


@login_required
@require_GET
def channel_list(request):
    """Every channel the user may see, with its owner, platform, audience, crisis status and the
    user's own permissions on it: four queries however many channels."""
    user = request.user
    channels = selectors.channels_with_permissions(user, selectors.channels_visible_to(user).order_by("name"))
    crises = selectors.active_crises()
    rows = [
        {
            "channel": channel,
            "crisis": selectors.crisis_for(channel, crises),
            "permissions": [permissions.LABELS[p] for p in permissions.CHANNEL_PERMISSIONS if p in perms],
        }
        for channel, perms in channels
    ]
    return render(request, "governance/channels/list.html", {"rows": rows})


def describe_rule(rule: dict) -> str:
    """A rule of a posting policy as a sentence a person can read."""
    kind = kind_of(rule)
    return kind.describe(rule) if kind else f"Rule “{rule.get('kind')}”"


def _policy_rows(channel: Channel) -> list[dict]:
    rows = []
    for policy in effective_policies(channel):
        if policy.channel_id:
            scope = "This channel"
        elif policy.department_id:
            scope = f"Department: {policy.department.name}"
        else:
            scope = "Organization"
        rows.append(
            {
                "policy": policy,
                "scope": scope,
                "rules": [{"severity": r.get("severity", ""), "text": describe_rule(r)} for r in policy.rules],
            }
        )
    return rows


def _grants(channel: Channel) -> dict:
    """Who holds which permission directly on the channel: users and groups, two queries."""
    user_rows = (
        get_user_obj_perms_model(Channel)
        .objects.filter(content_object=channel)
        .select_related("user", "permission")
        .order_by("user__username", "permission__codename")
    )
    group_rows = (
        get_group_obj_perms_model(Channel)
        .objects.filter(content_object=channel)
        .select_related("group", "permission")
        .order_by("group__name", "permission__codename")
    )
    order = {p: i for i, p in enumerate(permissions.CHANNEL_PERMISSIONS)}
    owner_groups = {
        channel.owning_department.authors_group_id: "authors",
        channel.owning_department.reviewers_group_id: "reviewers",
        channel.owning_department.managers_group_id: "managers",
    }

    def collect(rows, attr):
        grantees: dict[int, dict] = {}
        for row in rows:
            grantee = getattr(row, attr)
            entry = grantees.setdefault(grantee.pk, {"grantee": grantee, "perms": []})
            entry["perms"].append(
                {
                    "code": row.permission.codename,
                    "label": permissions.LABELS.get(row.permission.codename, row.permission.codename),
                }
            )
        for entry in grantees.values():
            entry["perms"].sort(key=lambda p: order.get(p["code"], 99))
        return list(grantees.values())

    groups = collect(group_rows, "group")
    for entry in groups:
        entry["owner_role"] = owner_groups.get(entry["grantee"].pk)
    return {"users": collect(user_rows, "user"), "groups": groups}


def _detail_context(request, channel: Channel) -> dict:
    user = request.user
    is_manager = permissions.can(user, permissions.MANAGE_CHANNEL, channel)
    held = permissions.perms_on(user, channel)
    context = {
        "channel": channel,
        "crisis": selectors.crisis_for(channel, selectors.active_crises()),
        "policies": _policy_rows(channel),
        "length_limit": length.limit(channel.platform),
        "length_unit": length.unit(channel.platform),
        "grants": _grants(channel),
        "panels": panels.panels_for(panels.CHANNEL_PAGE, user, channel),
        "my_permissions": [permissions.LABELS[p] for p in permissions.CHANNEL_PERMISSIONS if p in held],
        "is_manager": is_manager,
        "permission_choices": PERMISSION_CHOICES,
        "permission_help": [(label, PERMISSION_HELP[p]) for p, label in PERMISSION_CHOICES],
    }
    if is_manager:
        context["groups"] = list(Group.objects.order_by("name"))
        context["departments"] = list(
            permissions.visible(user, permissions.MANAGE_DEPARTMENT, Department.objects.order_by("name")).exclude(
                pk=channel.owning_department_id
            )
        )
    return context


@require_GET
@channel_page
def channel_detail(request, channel: Channel):
    return render(request, "governance/channels/detail.html", _detail_context(request, channel))


# --- managing -------------------------------------------------------------------------------


def _grantee(request):
    """The user (by username) or group (by id) named in the form; ValidationFailed if none."""
    username = (request.POST.get("user") or "").strip()
    group_id = (request.POST.get("group") or "").strip()
    if username and not group_id:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationFailed(f"There is no active user “{username}”.")
        return {"user": user}, user.get_username()
    if group_id and not username:
        group = Group.objects.filter(pk=int(group_id)).first() if group_id.isdigit() else None
        if group is None:
            raise ValidationFailed("There is no such group.")
        return {"group": group}, group.name
    raise ValidationFailed("Name one user or choose one group.")


def _change_grant(request, channel: Channel, *, grant: bool):
    _require_manager(request.user, channel)
    perm = request.POST.get("perm", "")
    try:
        grantee, name = _grantee(request)
        action = actions.grant_permission if grant else actions.revoke_permission
        changed = action(channel, actor=request.user, perm=perm, **grantee)
    except ValidationFailed as exc:
        problems = [str(p) for ps in (exc.errors or {}).values() for p in (ps if isinstance(ps, list) else [ps])]
        messages.error(request, " ".join(problems) or exc.detail)
        return redirect("channels:detail", slug=channel.slug)
    label = permissions.LABELS.get(perm, perm)
    if grant:
        text = f"{name} may now {label.lower()} on {channel.name}." if changed else f"{name} already held {label}."
    else:
        text = f"{name} no longer holds {label} on {channel.name}." if changed else f"{name} did not hold {label}."
    messages.success(request, text)
    return redirect("channels:detail", slug=channel.slug)


@require_POST
@channel_page
def grant(request, channel: Channel):
    """Grant a permission on the channel to a user or a group. Channel managers."""
    return _change_grant(request, channel, grant=True)


@require_POST
@channel_page
def revoke(request, channel: Channel):
    """Take back a direct grant from a user or a group. Channel managers."""
    return _change_grant(request, channel, grant=False)


@require_POST
@channel_page
def transfer(request, channel: Channel):
    """Move the channel to another department, in two steps: the first shows what will move
    and asks for confirmation; only a post with `confirm` (and the version seen) transfers."""
    _require_manager(request.user, channel)
    department = Department.objects.filter(slug=request.POST.get("department", "")).first()
    if department is None:
        messages.error(request, "Choose the department to transfer the channel to.")
        return redirect("channels:detail", slug=channel.slug)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "governance/channels/transfer_confirm.html",
            {"channel": channel, "department": department, "grants": _grants(channel)},
        )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        actions.transfer_channel(channel, actor=request.user, to_department=department, expected_version=version)
    except StaleVersion:
        messages.error(request, f"{channel.name} changed while you were deciding; look again before transferring.")
        return redirect("channels:detail", slug=channel.slug)
    except ValidationFailed as exc:
        problems = [str(p) for ps in (exc.errors or {}).values() for p in (ps if isinstance(ps, list) else [ps])]
        messages.error(request, " ".join(problems) or exc.detail)
        return redirect("channels:detail", slug=channel.slug)
    messages.success(request, f"{channel.name} now belongs to {department.name}.")
    permissions.forget(request.user)
    if not permissions.can(request.user, permissions.VIEW_CHANNEL, channel):
        return redirect("channels:list")
    return redirect("channels:detail", slug=channel.slug)
