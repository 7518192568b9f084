"""The audit log in the browser: compliance officers only (everyone else 403).

- the log, filtered (`selectors.audit_events`) and paged by keyset on `seq`, newest first:
  "older" asks for `seq < before`, "newer" for `seq > after`; never OFFSET, never a COUNT of
  the table, so the millionth page costs what the first does;
- exports of the filtered events as CSV and JSON Lines, streamed from a server-side cursor;
- "verify chain" (`verify.verify_chain`) with its result.

The audit app sits below every app whose events it records: it names none of them. The
suggestions of the action filter are registered by the apps (`audit.events.suggest`), and the
evidence kept about a post is approvals' page (approvals.views.evidence).
"""

import csv
import json
from datetime import date, datetime, time, timedelta
from functools import wraps

import orjson
from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from . import actions
from . import events as registry
from .chain import HASHED_FIELDS
from .selectors import audit_events, may_read_audit_log
from .verify import verify_chain

PAGE_SIZE = 50
EXPORT_CHUNK = 2000
COMPLIANCE_ONLY = "Only compliance officers read the audit log."


def compliance_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_read_audit_log(request.user):
            return render(
                request, "forbidden.html", {"reason": COMPLIANCE_ONLY, "heading": "You may not see this"}, status=403
            )
        return view(request, *args, **kwargs)

    return wrapper


def _channels() -> list[tuple[int, str, str]]:
    """(id, slug, name) of every channel: few rows, read by name (audit sits below governance)."""
    Channel = apps.get_model("governance", "Channel")
    return list(Channel.objects.order_by("name").values_list("pk", "slug", "name"))


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label="Actor", help_text="Username, or “system”")
    action = forms.CharField(
        required=False, max_length=100, label="Action", help_text="Exact, or a namespace ending in “.”"
    )
    channel = forms.ChoiceField(required=False, label="Channel")
    target_type = forms.CharField(required=False, max_length=100, label="Object type", help_text="e.g. approvals.post")
    target_id = forms.CharField(required=False, max_length=64, label="Object id")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "Any channel"), *[(slug, name) for _, slug, name in channels]]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"audit-filter-{name.replace('_', '-')}")
        self.fields["action"].widget.attrs["list"] = "audit-actions"

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end date is before the start date.")
        elif data.get("until") == date.max:  # "inclusive" reads up to the next day, past the calendar's end
            self.add_error("until", "Choose an earlier date.")
        return data

    def selector_filters(self) -> dict:
        """The cleaned filters as `audit_events` keywords; dates are whole days, local time."""
        data = self.cleaned_data
        filters = {name: data[name] for name in ("actor", "action", "target_type", "target_id", "channel")}
        tz = timezone.get_current_timezone()
        if data.get("since"):
            filters["since"] = datetime.combine(data["since"], time.min, tzinfo=tz)
        if data.get("until"):
            filters["until"] = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=tz)
        return {name: value for name, value in filters.items() if value}

    def query(self) -> dict:
        """The filters as query-string parameters, for paging and export links."""
        return {name: value for name, value in self.data.items() if name in self.fields and value}


def _evidence(event) -> dict | None:
    """The page of what the log proves about the event's object, when its app has one."""
    page = registry.evidence_page(event.target_type)
    if page is None or not event.target_id.isdigit():
        return None
    url_name, noun = page
    return {"url": reverse(url_name, args=[event.target_id]), "noun": noun}


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _page(events, *, before: int | None, after: int | None) -> tuple[list, bool, bool]:
    """One page, newest first, and whether there are older / newer events (keyset on seq)."""
    if after is not None:
        rows = list(events.filter(seq__gt=after).order_by("seq")[: PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        return list(reversed(rows[:PAGE_SIZE])), True, has_newer
    if before is not None:
        events = events.filter(seq__lt=before)
    rows = list(events.order_by("-seq")[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, before is not None


def data_text(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2, default=str)


def _log_context(request, *, verify_result=None) -> tuple[dict, int]:
    channels = _channels()
    form = AuditFilterForm(request.GET or None, channels=channels)
    if request.GET and not form.is_valid():
        return {"form": form, "rows": [], "common_actions": registry.suggestions(), "verify": verify_result}, 400
    filters = form.selector_filters() if form.is_bound else {}
    before, after = _int(request.GET.get("before")), _int(request.GET.get("after"))
    events, has_older, has_newer = _page(audit_events(**filters), before=before, after=after)
    slugs = {pk: slug for pk, slug, _ in channels}
    query = form.query() if form.is_bound else {}
    rows = [
        {
            "event": event,
            "channel": slugs.get(event.channel_id),
            "data": data_text(event.data),
            "evidence": _evidence(event),
        }
        for event in events
    ]
    context = {
        "form": form,
        "rows": rows,
        "filtered": bool(filters),
        "common_actions": registry.suggestions(),
        "older_query": urlencode({**query, "before": events[-1].seq}) if has_older and events else None,
        "newer_query": urlencode({**query, "after": events[0].seq}) if has_newer and events else None,
        "newest_query": urlencode(query) if (before is not None or after is not None) else None,
        "export_query": urlencode(query),
        "verify": verify_result,
    }
    return context, 200


@require_GET
@compliance_only
def audit_log(request):
    context, status = _log_context(request)
    return render(request, "audit/log.html", context, status=status)


@require_POST
@compliance_only
def verify(request):
    """Walk the whole chain now; htmx swaps the result in, a plain form post gets the page."""
    result = verify_chain()
    actions.record_verification(actor=request.user, result=result)
    if request.htmx:
        return render(request, "audit/_verify_result.html", {"verify": result})
    context, status = _log_context(request, verify_result=result)
    return render(request, "audit/log.html", context, status=status)


# --- exports ------------------------------------------------------------------------------

EXPORT_FIELDS = (*HASHED_FIELDS, "prev_hash", "hash")
CSV_HEADER = (
    "seq",
    "occurred_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "channel",
    "summary",
    "data",
    "request_id",
    "ip",
    "prev_hash",
    "hash",
)
# The human sentence of an event, in its own CSV column for reading in a spreadsheet.
SUMMARY_KEYS = ("reason", "comment", "note")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP's advice: prefix "'")."""
    text = "" if cell is None else str(cell)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _summary(data) -> str:
    if not isinstance(data, dict):
        return ""
    return next((str(data[key]) for key in SUMMARY_KEYS if data.get(key)), "")


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value):
        return value


def _export_rows(request):
    """The filtered events, oldest first, as tuples of EXPORT_FIELDS from a server-side cursor;
    or None when the filters do not validate."""
    channels = _channels()
    form = AuditFilterForm(request.GET or None, channels=channels)
    if form.is_bound and not form.is_valid():
        return None, None
    filters = form.selector_filters() if form.is_bound else {}
    actions.record_export(
        actor=request.user,
        file_format=request.resolver_match.url_name.removeprefix("export-"),
        filters={name: value for name, value in request.GET.items() if value},
    )
    events = audit_events(**filters).order_by("seq").values_list(*EXPORT_FIELDS)
    return events.iterator(chunk_size=EXPORT_CHUNK), {pk: slug for pk, slug, _ in channels}


def _batched(lines, size: int = 500):
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch) if isinstance(line, str) else b"".join(batch)
            batch = []
    if batch:
        yield "".join(batch) if isinstance(batch[0], str) else b"".join(batch)


def _filename(extension: str) -> str:
    return f"clearpost-audit-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


def _invalid_filters():
    return HttpResponse("The filters are not valid.", status=400, content_type="text/plain; charset=utf-8")


@require_GET
@compliance_only
def export_csv(request):
    rows, slugs = _export_rows(request)
    if rows is None:
        return _invalid_filters()
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_HEADER)
        for seq, occurred_at, actor_id, actor_label, action, t_type, t_id, channel_id, data, rid, ip, prev, h in rows:
            cells = (
                seq,
                occurred_at.isoformat(),
                actor_label if actor_id is not None else "system",
                action,
                t_type,
                t_id,
                slugs.get(channel_id, channel_id or ""),
                _summary(data),
                json.dumps(data, ensure_ascii=False, sort_keys=True, default=str),
                rid,
                ip or "",
                prev,
                h,
            )
            yield writer.writerow([neutralise(cell) for cell in cells])

    response = StreamingHttpResponse(_batched(lines()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


@require_GET
@compliance_only
def export_jsonl(request):
    rows, slugs = _export_rows(request)
    if rows is None:
        return _invalid_filters()

    def lines():
        for seq, occurred_at, actor_id, actor_label, action, t_type, t_id, channel_id, data, rid, ip, prev, h in rows:
            record = {
                "seq": seq,
                "occurred_at": occurred_at.isoformat(),
                "actor": actor_label if actor_id is not None else None,
                "actor_label": actor_label,
                "action": action,
                "target_type": t_type,
                "target_id": t_id,
                "channel_id": channel_id,
                "channel": slugs.get(channel_id),
                "data": data,
                "request_id": rid,
                "ip": ip,
                "prev_hash": prev,
                "hash": h,
            }
            yield orjson.dumps(record, default=str) + b"\n"

    response = StreamingHttpResponse(_batched(lines()), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="{_filename("jsonl")}"'
    return response
