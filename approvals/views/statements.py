"""Holding statements in the browser: write and change them from the crisis console.

The same rules as the API (approvals/api/), because the same selector and action answer:
whoever sees every post on a channel sees its statements (`selectors.holding_statement_for`:
404 otherwise); its managers and the crisis team write them (`actions.save_holding_statement`:
403 otherwise; saving is the approval). One difference, the console's for every form: a POST by
someone who may handle no crisis anywhere is refused (403) before any lookup (`crisis_page`).
A blocking policy finding refuses the save (400, the findings shown); a stale version is 409
with what is saved now next to what the user typed, which stays in the form. The live policy
check is the compose page's (`views.posts.live_check` and its partial), asked of this page's
own endpoint because a crisis-team member may write a statement for a channel they may not draft on.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import AuditEvent
from core.errors import DomainError, StaleVersion
from governance import permissions
from governance import selectors as governance_selectors
from governance.diffs import diff_lines
from governance.models import Channel

from .. import actions, selectors
from ..models import HoldingStatement
from .crisis import _forbidden, crisis_page
from .posts import attach_errors, live_check

EDIT_REFUSED = "Only the channel's managers and the crisis team prepare holding statements."
FIELDS = ("name", "title", "body", "link", "is_active")


class StatementForm(forms.Form):
    """Parses what the browser sends; what may be saved is the action's to say. The channel is
    a slug resolved through the channel selector (404 when not visible), so that a channel the
    user sees but may not write for is the action's 403, as in the API."""

    channel = forms.CharField(widget=forms.Select(attrs={"data-testid": "statement-channel"}))
    name = forms.CharField(
        max_length=150,
        help_text="How the crisis team finds it, e.g. “Service outage”.",
        widget=forms.TextInput(attrs={"data-testid": "statement-name"}),
    )
    title = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"data-testid": "statement-title"})
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7, "aria-describedby": "body-count", "data-testid": "statement-body"}),
        max_length=settings.POST_BODY_MAX_CHARS,
    )
    link = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"data-testid": "statement-link"}),
    )
    is_active = forms.BooleanField(
        required=False,
        label="In use (may be issued)",
        widget=forms.CheckboxInput(attrs={"data-testid": "statement-active"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, channels=None, statement: HoldingStatement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if statement is None:
            self.fields["channel"].widget.choices = [("", "Choose a channel…")] + [
                (channel.slug, channel.name) for channel in channels or ()
            ]
            del self.fields["version"]
        else:
            del self.fields["channel"]

    @staticmethod
    def initial_for(statement: HoldingStatement) -> dict:
        return {**{name: getattr(statement, name) for name in FIELDS}, "version": statement.version}


def _writable_channels(user) -> list:
    """The channels the user may write a statement for (their managers and the crisis team)."""
    channels = permissions.visible(user, permissions.HANDLE_CRISIS, Channel.objects.order_by("name"))
    return list(channels.select_related("owning_department"))


def _typed(form) -> dict:
    """The text as typed (valid or not), for the live check and the conflict view."""
    data = form.data if form.is_bound else {**form.initial}
    return {name: data.get(name) or "" for name in ("name", "title", "body", "link")}


def _live(form, channel, user) -> dict | None:
    if channel is None:
        return None
    typed = _typed(form)
    return live_check(channel, body=typed["body"], title=typed["title"], link=typed["link"], author=user)


def _statement_lines(content: dict) -> list[str]:
    lines = [f"Name: {content.get('name', '')}", f"Title: {content.get('title', '')}", ""]
    lines += (content.get("body") or "").splitlines() or [""]
    lines += ["", f"Link: {content.get('link', '')}", f"In use: {'yes' if content.get('is_active') else 'no'}"]
    return lines


def statement_diff(theirs: dict, mine: dict, theirs_label: str, mine_label: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) for approvals/posts/_diff.html: add, del, hunk, file or same."""
    return diff_lines(_statement_lines(theirs), _statement_lines(mine), theirs_label, mine_label, context=2)


def _render(request, form, *, statement=None, channel=None, status=200, conflict=None, blocked=None):
    context = {
        "form": form,
        "statement": statement,
        "channel": channel,
        "live": _live(form, channel, request.user),
        "conflict": conflict,
        "blocked": blocked,
    }
    return render(request, "approvals/crisis/statement_form.html", context, status=status)


def _fields(data: dict) -> dict:
    return {name: data[name] for name in FIELDS}


def _refusal(request, exc: DomainError, form, **render_kwargs):
    """A refused save re-renders the form as typed, with the error's status; a blocking policy
    finding shows every finding of the text."""
    blocked = None
    if exc.code == "policy_blocked":
        blocked = {"detail": exc.detail, "findings": exc.extra.get("findings", [])}
    else:
        attach_errors(form, exc)
    return _render(request, form, status=exc.status_code, blocked=blocked, **render_kwargs)


@require_http_methods(["GET", "POST"])
@crisis_page
def statement_new(request):
    """A new holding statement for a channel the user may write one for (`?channel=<slug>`
    preselects it). Saving approves it."""
    channels = _writable_channels(request.user)
    if request.method == "GET":
        if not channels:
            return _forbidden(request, EDIT_REFUSED)
        slug = request.GET.get("channel", "")
        channel = next((c for c in channels if c.slug == slug), None)
        form = StatementForm(initial={"channel": slug, "is_active": True}, channels=channels)
        return _render(request, form, channel=channel)
    form = StatementForm(request.POST, channels=channels)
    slug = request.POST.get("channel", "")
    # Not visible (or missing) is a 404, as in the API; chosen nowhere is a field error.
    channel = governance_selectors.channel_for(request.user, slug) if slug else None
    if not form.is_valid():
        return _render(request, form, channel=channel, status=400)
    try:
        statement = actions.save_holding_statement(
            None, actor=request.user, channel=channel, **_fields(form.cleaned_data)
        )
    except DomainError as exc:
        return _refusal(request, exc, form, channel=channel)
    messages.success(request, f"Holding statement “{statement.name}” saved and approved for {channel.name}.")
    return redirect(f"{reverse('crisis:console')}#statement-{statement.pk}")


@require_http_methods(["GET", "POST"])
@crisis_page
def statement_edit(request, statement_id: int):
    """Change a holding statement with the version the user loaded; saving approves it again.
    A stale version shows what is saved now next to what the user typed, kept in the form."""
    statement = selectors.holding_statement_for(request.user, statement_id)
    # Who sees it but may not change it (a reviewer, a compliance officer) gets a 403 page,
    # not a form they could never save.
    if not permissions.can(request.user, permissions.HANDLE_CRISIS, statement.channel):
        return _forbidden(request, EDIT_REFUSED)
    channel = statement.channel
    if request.method == "GET":
        form = StatementForm(initial=StatementForm.initial_for(statement), statement=statement)
        return _render(request, form, statement=statement, channel=channel)
    form = StatementForm(request.POST, statement=statement)
    if not form.is_valid():
        return _render(request, form, statement=statement, channel=channel, status=400)
    data = form.cleaned_data
    try:
        saved = actions.save_holding_statement(
            statement, actor=request.user, expected_version=data["version"], **_fields(data)
        )
    except StaleVersion as exc:
        return _render_conflict(request, statement_id=statement.pk, typed=request.POST, detail=exc.detail)
    except DomainError as exc:
        return _refusal(request, exc, form, statement=statement, channel=channel)
    if saved.version == data["version"]:
        messages.info(request, "Nothing changed.")
    else:
        messages.success(request, f"Holding statement “{saved.name}” saved (version {saved.version}) and approved.")
    return redirect(f"{reverse('crisis:console')}#statement-{saved.pk}")


def _render_conflict(request, *, statement_id: int, typed, detail: str):
    """409: the statement changed since the form was loaded. Theirs as saved now, ours as typed;
    the form keeps ours and carries the new version, so that saving again is a deliberate choice."""
    statement = selectors.holding_statement_for(request.user, statement_id)
    data = typed.copy()
    loaded_version = data.get("version")
    data["version"] = str(statement.version)
    form = StatementForm(data, statement=statement)
    form.is_valid()
    theirs = {name: getattr(statement, name) for name in FIELDS}
    mine = {**_typed(form), "is_active": bool(typed.get("is_active"))}
    last_change = (
        AuditEvent.objects.filter(target_type=HoldingStatement._meta.label_lower, target_id=str(statement.pk))
        .order_by("-seq")
        .first()
    )
    conflict = {
        "detail": detail,
        "loaded_version": loaded_version,
        "statement": statement,
        "theirs": theirs,
        "mine": mine,
        "last_change": last_change,
        "diff": statement_diff(theirs, mine, f"saved now (version {statement.version})", "what you typed"),
    }
    return _render(request, form, statement=statement, channel=statement.channel, status=409, conflict=conflict)


@require_POST
@crisis_page
def statement_check(request):
    """The htmx partial of the statement form: counter, findings, preview (nothing is saved)."""
    if request.POST.get("statement", "").isdigit():
        channel = selectors.holding_statement_for(request.user, int(request.POST["statement"])).channel
    elif request.POST.get("channel"):
        channel = governance_selectors.channel_for(request.user, request.POST["channel"])
    else:
        channel = None
    form = StatementForm(request.POST, channels=())
    if channel is not None and not permissions.can(request.user, permissions.HANDLE_CRISIS, channel):
        return _forbidden(request, EDIT_REFUSED)
    return render(request, "approvals/posts/_live.html", {"live": _live(form, channel, request.user), "oob": True})
