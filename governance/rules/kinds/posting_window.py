"""Posting window: on which days and between which times (in a timezone) scheduled posts may
go out, and blackout dates when none may. Checked when a draft has a scheduled time, and
again by approvals when a post is scheduled (`window_problem`).

    {"kind": "posting_window", "severity": "block", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00",
     "timezone": "America/New_York", "blackout_dates": ["2026-12-25"]}
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings

from ..findings import Finding
from .base import LinesField, RuleForm, RuleKind, as_lines

NAME = "posting_window"
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def check(rule, draft, channel) -> list[Finding]:
    if draft.scheduled_at is None:
        return []
    problem = window_problem(rule, draft.scheduled_at)
    return [Finding(NAME, rule["severity"], problem)] if problem else []


def window_problem(rule, when: datetime) -> str | None:
    """Why `when` is outside the rule's posting window or on a blackout date (None: it is fine)."""
    zone = ZoneInfo(rule.get("timezone") or "UTC")
    local = when.astimezone(zone)
    days = rule.get("days", list(range(7)))
    start = time.fromisoformat(rule.get("start", "00:00"))
    end = time.fromisoformat(rule.get("end", "23:59"))
    allowed = f"{', '.join(_DAY_NAMES[d] for d in sorted(days))} {start:%H:%M}–{end:%H:%M} ({zone.key})"
    if local.date().isoformat() in set(rule.get("blackout_dates", [])):
        return f"{local:%Y-%m-%d} is a blackout date on this channel. Allowed: {allowed}, outside blackout dates."
    if local.weekday() not in days or not (start <= local.time().replace(tzinfo=None) <= end):
        return f"{local:%a %Y-%m-%d %H:%M} is outside the posting windows. Allowed: {allowed}."
    return None


def validate(rule) -> list[str]:
    try:
        ZoneInfo(rule.get("timezone") or "UTC")
        start = time.fromisoformat(rule.get("start", "00:00"))
        end = time.fromisoformat(rule.get("end", "23:59"))
        days, blackouts = rule.get("days", []), rule.get("blackout_dates", [])
        if not isinstance(days, list) or not all(type(d) is int and 0 <= d <= 6 for d in days):
            raise ValueError
        if not isinstance(blackouts, list) or len(blackouts) > 1_000:
            raise ValueError
        for day in blackouts:
            datetime.fromisoformat(day)
        if not all(isinstance(rule.get(k) or "", str) for k in ("timezone", "start", "end")):
            raise ValueError
    except (ValueError, TypeError, ZoneInfoNotFoundError):
        return ["days are 0 (Monday) to 6, times HH:MM, dates YYYY-MM-DD, timezone an IANA name."]
    # `window_problem` tests start <= time <= end: a window ending before it starts
    # (across midnight) would refuse every time, so it is refused here instead.
    if end <= start:
        return ["the window must end after it starts, on the same day."]
    return []


def describe(rule) -> str:
    days = rule.get("days", range(7))
    day_names = ", ".join(_DAY_NAMES[d] for d in days if isinstance(d, int) and 0 <= d < 7)
    text = (
        f"Posts go out on {day_names} between {rule.get('start', '00:00')} and {rule.get('end', '23:59')} "
        f"({rule.get('timezone') or 'UTC'})"
    )
    if rule.get("blackout_dates"):
        text += "; never on " + ", ".join(rule["blackout_dates"])
    return text


class DayCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose `data-testid` names each day: `rule-0-days-4` is Friday of rule 1."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        testid = option["attrs"].get("data-testid")
        if testid:
            option["attrs"]["data-testid"] = f"{testid}-{value}"
        return option


class PostingWindowRuleForm(RuleForm):
    KIND = NAME
    LABEL = "Posting window and blackout dates"
    HELP = "When scheduled posts may go out. A schedule outside the window is refused with the allowed times."
    PARAMS = ("days", "start", "end", "timezone", "blackout_dates")

    days = forms.TypedMultipleChoiceField(
        label="Days",
        choices=DAY_CHOICES,
        coerce=int,
        widget=DayCheckboxes,
        initial=[0, 1, 2, 3, 4],
        error_messages={"required": "Choose at least one day."},
    )
    start = forms.TimeField(
        label="From", initial="08:00", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label="Until", initial="18:00", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    timezone = forms.CharField(
        label="Timezone",
        max_length=64,
        help_text="An IANA name, e.g. America/New_York.",
        widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off", "spellcheck": "false"}),
    )
    blackout_dates = LinesField(
        label="Blackout dates", required=False, help_text="No posts on these days. One date per line, YYYY-MM-DD."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = settings.TIME_ZONE

    def clean_days(self):
        return sorted(set(self.cleaned_data["days"]))

    def clean_timezone(self):
        name = self.cleaned_data["timezone"].strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                f"“{name}” is not a timezone we know; use an IANA name such as Europe/Paris."
            ) from None
        return name

    def clean_blackout_dates(self):
        dates, bad = [], []
        for line in self.cleaned_data["blackout_dates"]:
            try:
                dates.append(date.fromisoformat(line))
            except ValueError:
                bad.append(line)
        if bad:
            raise forms.ValidationError(f"Not a date: {', '.join(bad)}. Write dates as YYYY-MM-DD, one per line.")
        return sorted(set(dates))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", "The window must end after it starts, on the same day.")
        return data

    def params(self, data):
        return {
            "days": data["days"],
            "start": data["start"].strftime("%H:%M"),
            "end": data["end"].strftime("%H:%M"),
            "timezone": data["timezone"],
            "blackout_dates": [d.isoformat() for d in data["blackout_dates"]],
        }

    @classmethod
    def raw_params(cls, rule):
        return {
            "days": [str(d) for d in rule.get("days", range(7))],
            "start": [str(rule.get("start", "00:00"))],
            "end": [str(rule.get("end", "23:59"))],
            "timezone": [str(rule.get("timezone") or "UTC")],
            "blackout_dates": as_lines(rule.get("blackout_dates", [])),
        }


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe, form=PostingWindowRuleForm)
