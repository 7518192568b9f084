"""Posting window: on which days and between which times (in a timezone) scheduled posts may
go out, and blackout dates when none may. Checked when a draft has a scheduled time, and
again by approvals when a post is scheduled (`window_problem`).

    {"kind": "posting_window", "severity": "block", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00",
     "timezone": "America/New_York", "blackout_dates": ["2026-12-25"]}
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..findings import Finding
from .base import RuleKind

NAME = "posting_window"
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in rule.get("days", [])):
            raise ValueError
        for day in rule.get("blackout_dates", []):
            datetime.fromisoformat(day)
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


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe)
