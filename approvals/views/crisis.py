"""The crisis console in the browser: declare and end crises, release what they held, list and
issue holding statements (written and changed in approvals/views/statements.py), read the
incident timeline.

The pages live in approvals because they show posts and holding statements. Thin views over
the actions (`actions.start_crisis`/`end_crisis`, `actions.release`,
`release_held_posts`, `issue_holding_statement`): those check permissions and state; a
domain error is shown as a message on the page, answered with the error's status. Every
page costs a constant number of queries, whatever the number of crises, posts or events.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, NotVisible, PermissionDenied, ValidationFailed
from governance import permissions
from governance import policy_selectors as governance_policy_selectors
from governance import selectors as governance_selectors
from governance.models import Channel, CrisisIncident, Department

from .. import actions, selectors
from ..actions.crisis import scope_filter
from ..models import Post, PostState

RECENT_CRISES = 10
HELD_POSTS_SHOWN = 100
SKIPPED_SHOWN = 10
HANDLERS_ONLY = "Only channel and department managers and the crisis team handle crises."


def _may_handle(user, incident: CrisisIncident) -> bool:
    return permissions.may_handle_crisis(user, department=incident.department, channel=incident.channel)


def _forbidden(request, reason: str):
    back = {"back_url": reverse("crisis:console"), "back_label": "Back to the crisis console"}
    return render(request, "forbidden.html", {"reason": reason, **back}, status=403)


def crisis_page(view):
    """Signed in; NotVisible becomes 404. A POST by someone who may handle no crisis is 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not governance_policy_selectors.may_handle_crises(request.user):
            return _forbidden(request, HANDLERS_ONLY)
        try:
            return view(request, *args, **kwargs)
        except NotVisible as exc:
            raise Http404(exc.detail) from exc

    return wrapper


# --- reads --------------------------------------------------------------------------------


def _start_scopes(user) -> dict:
    """Where the user may declare a crisis: channels, departments, the organization."""
    channels = list(
        permissions.visible(user, permissions.HANDLE_CRISIS, Channel.objects.order_by("name")).only(
            "pk", "slug", "name", "owning_department_id"
        )
    )
    departments = list(
        permissions.visible(user, permissions.HANDLE_CRISIS, Department.objects.order_by("name")).only(
            "pk", "slug", "name"
        )
    )
    return {
        "channels": channels,
        "departments": departments,
        "organization": permissions.holds_everywhere(user, permissions.HANDLE_CRISIS),
    }


def _prefetch(user, *, channels=(), departments=()) -> None:
    """The user's grants on every channel and department the page shows, in one query per
    model (always asked, so the page's query count does not depend on what it shows)."""
    channels = list({c.pk: c for c in channels}.values()) or [Channel(pk=0)]
    departments = list({d.pk: d for d in departments}.values()) or [Department(pk=0)]
    permissions.prefetch(user, channels)
    permissions.prefetch(user, departments)


def _crisis_rows(user, incidents) -> list[dict]:
    return [{"incident": incident, "may_handle": _may_handle(user, incident)} for incident in incidents]


def _held_posts(posts) -> tuple[list[Post], bool]:
    posts = list(posts.select_related("channel__owning_department")[: HELD_POSTS_SHOWN + 1])
    return posts[:HELD_POSTS_SHOWN], len(posts) > HELD_POSTS_SHOWN


def _held_rows(user, posts, crises=None) -> list[dict]:
    """Each held post with whether the user may release it and, if not now, why (a crisis
    still covers its channel). The user's grants are prefetched."""
    crises = governance_selectors.active_crises() if crises is None else crises
    rows = []
    for post in posts:
        covering = governance_selectors.crisis_for(post.channel, crises)
        rows.append(
            {
                "post": post,
                "may_release": permissions.can(user, permissions.HANDLE_CRISIS, post.channel),
                "covering": covering,
            }
        )
    return rows


def _statement_groups(user, statements, writable, crises) -> dict:
    """The holding statements the user sees, per channel: whether the user may write there,
    the active crisis covering the channel, and per statement whether it may be issued now;
    then the channels the user may write for that have none yet. Grants are prefetched."""
    groups: dict[int, dict] = {}
    for statement in statements:
        group = groups.get(statement.channel_id)
        if group is None:
            channel = statement.channel
            group = groups[channel.pk] = {
                "channel": channel,
                "may_write": permissions.can(user, permissions.HANDLE_CRISIS, channel),
                "covering": governance_selectors.crisis_for(channel, crises),
                "rows": [],
            }
        group["rows"].append(
            {"statement": statement, "may_issue": group["may_write"] and statement.is_active and group["covering"]}
        )
    return {
        "groups": sorted(groups.values(), key=lambda group: (group["channel"].name, group["channel"].pk)),
        "unprepared": [channel for channel in writable if channel.pk not in groups],
        "may_write": bool(writable),
    }


def _console_context(user, *, form=None) -> dict:
    visible = governance_selectors.crises_visible_to(user)
    active = list(visible.filter(ended_at=None).order_by("-started_at"))
    recent = list(visible.exclude(ended_at=None).order_by("-ended_at")[:RECENT_CRISES])
    held, more_held = _held_posts(selectors.posts_visible_to(user).filter(state=PostState.HELD).order_by("-id"))
    statements = list(selectors.holding_statements_visible_to(user).order_by("channel__name", "name", "id"))
    may_handle = governance_policy_selectors.may_handle_crises(user)
    scopes = _start_scopes(user) if may_handle else None
    incidents = active + recent
    _prefetch(
        user,
        channels=[i.channel for i in incidents if i.channel_id]
        + [p.channel for p in held]
        + [s.channel for s in statements]
        + (scopes["channels"] if scopes else []),
        departments=[i.department for i in incidents if i.department_id],
    )
    crises = governance_selectors.active_crises()
    return {
        "active": _crisis_rows(user, active),
        "recent": _crisis_rows(user, recent),
        "held_rows": _held_rows(user, held, crises),
        "more_held": more_held,
        "statements": _statement_groups(user, statements, scopes["channels"] if scopes else [], crises),
        "may_handle": may_handle,
        "scopes": scopes,
        "form": form or {},
    }


def _detail_context(user, incident: CrisisIncident) -> dict:
    held, more_held = _held_posts(
        selectors.posts_visible_to(user).filter(scope_filter(incident), state=PostState.HELD).order_by("id")
    )
    statements = list(
        selectors.holding_statements_visible_to(user).filter(scope_filter(incident)).order_by("channel__name", "name")
    )
    _prefetch(
        user,
        channels=[incident.channel] * bool(incident.channel_id)
        + [p.channel for p in held]
        + [s.channel for s in statements],
        departments=[incident.department] * bool(incident.department_id),
    )
    held_rows = _held_rows(user, held)
    # `or [0]`: an empty IN would skip the query, and the page's query count would vary.
    statement_ids = [s.pk for s in statements] or [0]
    issued = Post.objects.filter(holding_statement__in=statement_ids, created_at__gte=incident.started_at)
    if incident.ended_at:
        issued = issued.filter(created_at__lte=incident.ended_at)
    issued_by_statement: dict[int, list[Post]] = {}
    for post in issued.order_by("id"):
        issued_by_statement.setdefault(post.holding_statement_id, []).append(post)
    statement_rows = [
        {
            "statement": statement,
            "may_issue": incident.is_active
            and statement.is_active
            and permissions.can(user, permissions.HANDLE_CRISIS, statement.channel),
            "issued": issued_by_statement.get(statement.pk, []),
            "may_edit": permissions.can(user, permissions.HANDLE_CRISIS, statement.channel),
        }
        for statement in statements
    ]
    may_see_timeline = governance_selectors.may_see_timeline(user, incident)
    timeline = governance_selectors.incident_timeline(incident) if may_see_timeline else []
    channel_names = dict(Channel.objects.values_list("pk", "name")) if timeline else {}
    return {
        "incident": incident,
        "may_handle": _may_handle(user, incident),
        "held_rows": held_rows,
        "more_held": more_held,
        "statement_rows": statement_rows,
        "may_see_timeline": may_see_timeline,
        "timeline": [{"event": e, "channel": channel_names.get(e.channel_id), **_summary(e)} for e in timeline],
    }


# What the timeline shows of an event's data: the human sentences, never the raw hashes.
_SUMMARY_KEYS = ("reason", "note", "comment", "scope")


def _summary(event) -> dict:
    data = event.data if isinstance(event.data, dict) else {}
    details = [(key, data[key]) for key in _SUMMARY_KEYS if data.get(key)]
    states = (data.get("before") or {}).get("state"), (data.get("after") or {}).get("state")
    return {"details": details, "states": states if all(states) and states[0] != states[1] else None}


def _render_console(request, *, status: int = 200, form=None):
    return render(request, "approvals/crisis/console.html", _console_context(request.user, form=form), status=status)


def _render_detail(request, incident, *, status: int = 200):
    return render(request, "approvals/crisis/detail.html", _detail_context(request.user, incident), status=status)


def _fail(request, exc: DomainError, render_page):
    messages.error(request, exc.detail)
    return render_page(status=exc.status_code)


# --- pages --------------------------------------------------------------------------------


@require_GET
@crisis_page
def console(request):
    """Active and recent crises, the form to declare one, and every held post the user sees."""
    return _render_console(request)


@require_GET
@crisis_page
def crisis_detail(request, crisis_id: int):
    incident = governance_selectors.crisis_for_user(request.user, crisis_id)
    return _render_detail(request, incident)


def _scope_from(user, value: str) -> dict:
    """`channel:<slug>`, `department:<slug>` or `organization` → start_crisis's scope keywords."""
    kind, _, slug = (value or "").partition(":")
    if kind == "channel" and slug:
        return {"channel": governance_selectors.channel_for(user, slug)}
    if kind == "department" and slug:
        return {"department": governance_selectors.department_for(slug)}
    if kind == "organization" and not slug:
        return {}
    raise ValidationFailed(
        "Choose where the crisis is.", errors={"scope": ["Choose a channel, a department or the organization."]}
    )


@require_POST
@crisis_page
def crisis_start(request):
    form = {"scope": request.POST.get("scope", ""), "reason": request.POST.get("reason", ""), "errors": {}}
    try:
        scope = _scope_from(request.user, form["scope"])
        incident = actions.start_crisis(actor=request.user, reason=form["reason"], **scope)
    except DomainError as exc:
        if isinstance(exc, NotVisible):
            raise
        form["errors"] = exc.errors or {}
        return _fail(request, exc, lambda status: _render_console(request, status=status, form=form))
    messages.success(request, f"Crisis declared on {incident.scope_label}. Scheduled posts there are held.")
    return redirect("crisis:detail", crisis_id=incident.pk)


@require_POST
@crisis_page
def crisis_end(request, crisis_id: int):
    incident = governance_selectors.crisis_for_user(request.user, crisis_id)
    try:
        incident = actions.end_crisis(incident, actor=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        return _fail(request, exc, lambda status: _render_detail(request, incident, status=status))
    messages.success(request, "The crisis has ended. Held posts stay held until you release them.")
    return redirect("crisis:detail", crisis_id=incident.pk)


@require_POST
@crisis_page
def crisis_release_all(request, crisis_id: int):
    """Release every held post in the ended crisis's scope; report what stayed held and why."""
    incident = governance_selectors.crisis_for_user(request.user, crisis_id)
    if incident.is_active:
        from core.errors import Conflict

        exc = Conflict("The crisis is still active; end it before releasing what it held.", code="crisis_active")
        return _fail(request, exc, lambda status: _render_detail(request, incident, status=status))
    if not _may_handle(request.user, incident):
        exc = PermissionDenied("Only the managers of its scope and the crisis team release what a crisis held.")
        return _fail(request, exc, lambda status: _render_detail(request, incident, status=status))
    result = actions.release_held_posts(incident, actor=request.user)
    released, skipped = result["released"], result["skipped"]
    if released:
        messages.success(request, f"Released {len(released)} post{'s' if len(released) != 1 else ''}.")
    elif not skipped:
        messages.info(request, "No post was held in this crisis's scope.")
    for item in skipped[:SKIPPED_SHOWN]:
        messages.warning(request, f"Post #{item['id']} stays held: {item['detail']}")
    if len(skipped) > SKIPPED_SHOWN:
        messages.warning(request, f"… and {len(skipped) - SKIPPED_SHOWN} more posts stay held.")
    return redirect("crisis:detail", crisis_id=incident.pk)


def _back(request, fallback: str) -> str:
    """Back to the crisis the form was on (a crisis id in the form), else to the console."""
    crisis_id = request.POST.get("crisis", "")
    if crisis_id.isdigit():
        return reverse("crisis:detail", kwargs={"crisis_id": int(crisis_id)})
    return fallback


@require_POST
@crisis_page
def post_release(request, post_id: int):
    post = selectors.post_for(request.user, post_id)
    version = request.POST.get("version", "")
    try:
        post = actions.release(post, actor=request.user, expected_version=int(version) if version.isdigit() else None)
    except DomainError as exc:
        messages.error(request, exc.detail)
        back = request.POST.get("crisis", "")
        if back.isdigit():
            incident = governance_selectors.crisis_for_user(request.user, int(back))
            return _render_detail(request, incident, status=exc.status_code)
        return _render_console(request, status=exc.status_code)
    messages.success(request, f"Post #{post.pk} released: it is {post.get_state_display().lower()} again.")
    return redirect(_back(request, reverse("crisis:console")))


@require_POST
@crisis_page
def statement_issue(request, statement_id: int):
    statement = selectors.holding_statement_for(request.user, statement_id)
    back = request.POST.get("crisis", "")
    incident = governance_selectors.crisis_for_user(request.user, int(back)) if back.isdigit() else None
    try:
        post = actions.issue_holding_statement(statement, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        if incident is not None:
            return _render_detail(request, incident, status=exc.status_code)
        return _render_console(request, status=exc.status_code)
    messages.success(
        request,
        f"“{statement.name}” issued as post #{post.pk}: it goes out as soon as another crisis-team member approves it.",
    )
    return redirect(_back(request, reverse("crisis:console")))
