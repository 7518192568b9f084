"""The posting-policy engine: a channel's effective policy applied to a draft.

A policy's `rules` is a list of objects, each with a `kind` and a `severity` (block,
escalate, warn) and the kind's own parameters:

    {"kind": "lexicon", "severity": "block", "terms": ["miracle cure"], "message": "…"}
    {"kind": "disclaimer", "severity": "block", "text": "This is not medical advice."}
    {"kind": "links", "severity": "block", "https_only": true, "allow": ["stmarys.example.org"], "deny": ["bit.ly"]}
    {"kind": "sensitive", "severity": "escalate"}
    {"kind": "posting_window", "severity": "block", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00",
     "timezone": "America/New_York", "blackout_dates": ["2026-12-25"]}
    {"kind": "alt_text", "severity": "block"}
    {"kind": "training", "severity": "block", "course": "hipaa-privacy"}

The effective policy of a channel is every active policy of the organization, the
channel's department and the channel. Rules only ever add findings, so a narrower scope
can add rules but never lift a block: two allow-lists both apply (their intersection),
two posting windows both apply, and so on. The platform's own length limit always applies.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import F, Q
from django.utils import timezone

from .findings import BLOCK, ESCALATE, SEVERITIES, WARN, Finding

RULE_KINDS = ("lexicon", "disclaimer", "links", "sensitive", "posting_window", "alt_text", "training")
_SEVERITY_RANK = {WARN: 0, ESCALATE: 1, BLOCK: 2}
_URL = re.compile(r"\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+", re.IGNORECASE)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Draft:
    """What is checked: the content of a revision and, when known, its author and time."""

    body: str
    title: str = ""
    link: str = ""
    media_url: str = ""
    media_alt_text: str = ""
    scheduled_at: datetime | None = None
    author: object | None = None
    # The governance.Consent the post cites (channels that require consent); None: none cited.
    consent: object | None = None


@dataclass
class CheckResult:
    findings: list[Finding]
    # [{"policy": id, "scope": "organization" | "department x" | "channel y", "version": n}]
    policy_versions: list[dict] = field(default_factory=list)

    @property
    def blocks(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCK]

    @property
    def escalations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ESCALATE]


def effective_policies(channel) -> list:
    """The active policies that apply to `channel`, broadest first (one query)."""
    from governance.models import PostingPolicy, covering

    return list(
        PostingPolicy.objects.filter(is_active=True)
        .filter(covering(channel))
        .select_related("channel", "department")
        # Organization (no channel, no department), then department, then channel.
        .order_by(F("channel_id").asc(nulls_first=True), F("department_id").asc(nulls_first=True), "id")
    )


def check(channel, draft: Draft, *, policies: list | None = None) -> CheckResult:
    """Every finding of the channel's effective policy (and its platform's length) on `draft`."""
    from . import length

    policies = effective_policies(channel) if policies is None else policies
    findings = list(length.check_length(channel.platform, draft.body, link=draft.link, title=draft.title))
    for policy in policies:
        for rule in policy.rules:
            findings += _CHECKS[rule["kind"]](rule, draft, channel)
    findings += consent_findings(channel, draft)
    return CheckResult(
        findings=_dedupe(findings),
        policy_versions=[{"policy": p.pk, "scope": p.scope_label, "version": p.version} for p in policies],
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """The same thing found by several scopes' rules is one finding, at its strictest severity."""
    best: dict[tuple, Finding] = {}
    for finding in findings:
        key = (finding.rule, finding.start, finding.end, finding.message)
        kept = best.get(key)
        if kept is None or _SEVERITY_RANK[finding.severity] > _SEVERITY_RANK[kept.severity]:
            best[key] = finding
    return sorted(best.values(), key=lambda f: (-_SEVERITY_RANK[f.severity], f.start, f.rule))


def consent_findings(channel, draft: Draft) -> list[Finding]:
    """On a channel that requires consent, a warning until the draft cites a consent valid today
    (and on its scheduled day) that covers the channel. Only a warning: the post may be drafted
    and reviewed without one, but it cannot be scheduled or published (approvals.actions)."""
    from governance.models import consent_problem

    problem = consent_problem(channel, draft.consent, when=draft.scheduled_at)
    if problem is None:
        return []
    return [Finding("consent", WARN, f"{problem} Cite a valid consent before the post is scheduled or published.")]


# --- rule kinds ------------------------------------------------------------------------


def _lexicon(rule, draft, channel):
    found = []
    for term in rule.get("terms", []):
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)", re.IGNORECASE)
        for match in pattern.finditer(draft.body):
            message = rule.get("message") or f"“{match.group(0)}” is on the channel's list of terms to avoid."
            found.append(Finding("lexicon", rule["severity"], message, match.start(), match.end()))
    return found


def _normalize(text: str) -> str:
    return " ".join(text.lower().split())


def _disclaimer(rule, draft, channel):
    text = rule.get("text", "").strip()
    if not text or _normalize(text) in _normalize(draft.body):
        return []
    return [Finding("disclaimer", rule["severity"], f"Add the required disclaimer: “{text}”", 0, 0)]


def _links(rule, draft, channel):
    found = []
    spans = []
    for match in _URL.finditer(draft.body):
        url = match.group(0).rstrip(".,;:!?)")  # sentence punctuation is not part of the link
        spans.append((match.start(), match.start() + len(url), url))
    if draft.link:
        spans.append((0, 0, draft.link))
    allow = [d.lower().lstrip(".") for d in rule.get("allow", [])]
    deny = [d.lower().lstrip(".") for d in rule.get("deny", [])]
    for start, end, url in spans:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").lower()
        shown = url if len(url) <= 60 else url[:57] + "…"
        if rule.get("https_only") and parts.scheme != "https":
            found.append(Finding("links", rule["severity"], f"Use an https:// link: {shown}", start, end))
        if any(host == d or host.endswith("." + d) for d in deny):
            found.append(Finding("links", rule["severity"], f"Links to {host} are not allowed.", start, end))
        elif allow and not any(host == d or host.endswith("." + d) for d in allow):
            allowed = ", ".join(allow)
            found.append(
                Finding(
                    "links", rule["severity"], f"{host} is not an allowed link domain (allowed: {allowed}).", start, end
                )
            )
    return found


def _sensitive(rule, draft, channel):
    from . import sensitive

    text = f"{draft.title}\n{draft.body}" if draft.title else draft.body
    offset = len(draft.title) + 1 if draft.title else 0
    return [
        Finding("sensitive", rule["severity"], f.message, max(f.start - offset, 0), max(f.end - offset, 0))
        for f in sensitive.detect(text)
    ]


def _alt_text(rule, draft, channel):
    if draft.media_url and not draft.media_alt_text.strip():
        return [
            Finding("alt_text", rule["severity"], "Describe the image in its alt text for people using screen readers.")
        ]
    return []


def _training(rule, draft, channel):
    course = rule.get("course", "")
    author = draft.author
    if not course or author is None or has_valid_certification(author, course):
        return []
    return [
        Finding(
            "training",
            rule["severity"],
            f"Posting on {channel.name} needs a valid “{course}” certification; yours is missing or expired.",
        )
    ]


def has_valid_certification(user, course: str, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return (
        user.certifications.filter(course=course, completed_at__lte=at)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .exists()
    )


def _posting_window(rule, draft, channel):
    if draft.scheduled_at is None:
        return []
    problem = window_problem(rule, draft.scheduled_at)
    return [Finding("posting_window", rule["severity"], problem)] if problem else []


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


_CHECKS = {
    "lexicon": _lexicon,
    "disclaimer": _disclaimer,
    "links": _links,
    "sensitive": _sensitive,
    "posting_window": _posting_window,
    "alt_text": _alt_text,
    "training": _training,
}


def validate_rules(rules) -> list[str]:
    """Problems with a policy's rules, as sentences (empty: valid)."""
    if not isinstance(rules, list):
        return ["Rules must be a list."]
    problems = []
    for i, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            problems.append(f"Rule {i} must be an object.")
            continue
        kind = rule.get("kind")
        if kind not in RULE_KINDS:
            problems.append(f"Rule {i}: kind must be one of {', '.join(RULE_KINDS)}.")
            continue
        if rule.get("severity") not in SEVERITIES:
            problems.append(f"Rule {i} ({kind}): severity must be block, escalate or warn.")
        if kind == "lexicon" and not (
            isinstance(rule.get("terms"), list)
            and all(isinstance(t, str) and t.strip() for t in rule["terms"])
            and rule["terms"]
        ):
            problems.append(f"Rule {i} (lexicon): terms must be a non-empty list of words or phrases.")
        if kind == "disclaimer" and not str(rule.get("text", "")).strip():
            problems.append(f"Rule {i} (disclaimer): text is required.")
        if kind == "training" and not str(rule.get("course", "")).strip():
            problems.append(f"Rule {i} (training): course is required.")
        if kind == "posting_window":
            try:
                ZoneInfo(rule.get("timezone") or "UTC")
                start = time.fromisoformat(rule.get("start", "00:00"))
                end = time.fromisoformat(rule.get("end", "23:59"))
                if not all(isinstance(d, int) and 0 <= d <= 6 for d in rule.get("days", [])):
                    raise ValueError
                for day in rule.get("blackout_dates", []):
                    datetime.fromisoformat(day)
            except (ValueError, TypeError, ZoneInfoNotFoundError):
                problems.append(
                    f"Rule {i} (posting_window): days are 0 (Monday) to 6, times HH:MM, dates YYYY-MM-DD, "
                    "timezone an IANA name."
                )
            else:
                # `window_problem` tests start <= time <= end: a window ending before it starts
                # (across midnight) would refuse every time, so it is refused here instead.
                if end <= start:
                    problems.append(f"Rule {i} (posting_window): the window must end after it starts, on the same day.")
    return problems


def required_courses(channel, policies: list | None = None) -> list[str]:
    """Training courses the channel's effective policy requires of whoever drafts or reviews on it."""
    policies = effective_policies(channel) if policies is None else policies
    return sorted({r["course"] for p in policies for r in p.rules if r.get("kind") == "training" and r.get("course")})
