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

Each kind is one module of `rules/kinds/` (its check, validation, description and editor
form); `rules/kinds/__init__.py` lists them.
"""

from collections.abc import KeysView
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db.models import F

from .findings import BLOCK, ESCALATE, FIELDS, SEVERITIES, WARN, Finding
from .kinds import KINDS, kind_of

# Used by approvals (scheduling, who may draft and review), so importable from here.
from .kinds.posting_window import window_problem as window_problem
from .kinds.training import has_valid_certification as has_valid_certification

# The kinds' names, in the registry's order; a view, so a kind registered later is in it.
RULE_KINDS: KeysView[str] = KINDS.keys()
_SEVERITY_RANK = {WARN: 0, ESCALATE: 1, BLOCK: 2}


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

    def published_fields(self) -> list[tuple[str, "Draft"]]:
        """Each published text field that has text, as (field, a draft whose body is that text
        and which has no other text): what a kind that screens text is given, one at a time.
        The link's draft also has it as its link, so that a kind that judges the link field as
        such (links: an ftp:// link is not https) still sees it."""
        fields = []
        for name in FIELDS:
            text = getattr(self, name)
            if text:
                only = replace(self, body=text, title="", link=text if name == "link" else "", media_alt_text="")
                fields.append((name, only))
        return fields


# The rule of the finding that says a crisis covers the channel.
CRISIS = "crisis"
_UNREAD = object()


@dataclass
class CheckResult:
    findings: list[Finding]
    # [{"policy": id, "scope": "organization" | "department x" | "channel y", "version": n}]
    policy_versions: list[dict] = field(default_factory=list)
    # The active crisis covering the channel (governance.CrisisIncident), None: none.
    crisis: object | None = None

    @property
    def blocks(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCK]

    @property
    def escalations(self) -> list[Finding]:
        """The escalations that call for the stages applying on escalation. The crisis's own
        finding is not one: a crisis adds its crisis-team stages itself (the review plan)."""
        return [f for f in self.findings if f.severity == ESCALATE and f.rule != CRISIS]


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


def check(channel, draft: Draft, *, policies: list | None = None, crisis=_UNREAD) -> CheckResult:
    """Every finding of the channel's effective policy (and its platform's length) on `draft`.

    Every published field is screened: a kind that screens text (words, links, sensitive
    information) is given the title, the body, the link and the image's alt text in turn, and
    its findings say which field they are in (`field`, and their message for fields other than
    the body; their offsets index that field's text). While a crisis covers the channel, a
    `crisis` finding says so (`crisis`: the covering crisis when the caller has read it)."""
    from . import length

    policies = effective_policies(channel) if policies is None else policies
    findings = list(length.check_length(channel.platform, draft.body, link=draft.link, title=draft.title))
    fields = draft.published_fields()
    for policy in policies:
        for rule in policy.rules:
            kind = KINDS[rule["kind"]]
            if kind.screens_text:
                for name, text in fields:
                    findings += [f.in_field(name, len(text.body)) for f in kind.check(rule, text, channel)]
            else:
                findings += kind.check(rule, draft, channel)
    findings += consent_findings(channel, draft)
    if crisis is _UNREAD:
        from governance.selectors import active_crises, crisis_for

        crisis = crisis_for(channel, active_crises())
    findings += crisis_findings(crisis)
    return CheckResult(
        findings=_dedupe(findings),
        policy_versions=[{"policy": p.pk, "scope": p.scope_label, "version": p.version} for p in policies],
        crisis=crisis,
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """The same thing found by several scopes' rules is one finding, at its strictest severity."""
    best: dict[tuple, Finding] = {}
    for finding in findings:
        key = (finding.rule, finding.field, finding.start, finding.end, finding.message)
        kept = best.get(key)
        if kept is None or _SEVERITY_RANK[finding.severity] > _SEVERITY_RANK[kept.severity]:
            best[key] = finding
    order = {name: i for i, name in enumerate(("", *FIELDS))}
    return sorted(best.values(), key=lambda f: (-_SEVERITY_RANK[f.severity], order[f.field], f.start, f.rule))


def consent_findings(channel, draft: Draft) -> list[Finding]:
    """On a channel that requires consent, a warning until the draft cites a consent valid today
    (and on its scheduled day) that covers the channel. Only a warning: the post may be drafted
    and reviewed without one, but it cannot be scheduled or published (approvals.actions)."""
    from governance.models import consent_problem

    problem = consent_problem(channel, draft.consent, when=draft.scheduled_at)
    if problem is None:
        return []
    return [Finding("consent", WARN, f"{problem} Cite a valid consent before the post is scheduled or published.")]


def crisis_findings(crisis) -> list[Finding]:
    """While a crisis covers the channel: an escalation saying so, its reason and since when, and
    that the post will need the crisis team's approvals (the crisis stages of the review plan)."""
    if crisis is None:
        return []
    from django.utils import timezone

    since = timezone.localtime(crisis.started_at)
    return [
        Finding(
            CRISIS,
            ESCALATE,
            f"A crisis covers this channel ({crisis.scope_words}) since {since:%Y-%m-%d %H:%M %Z}: "
            f"“{crisis.reason.strip()}”. The post will need the crisis team's approvals before it goes out.",
        )
    ]


def validate_rules(rules) -> list[str]:
    """Problems with a policy's rules, as sentences (empty: valid)."""
    if not isinstance(rules, list):
        return ["Rules must be a list."]
    problems = []
    for i, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            problems.append(f"Rule {i} must be an object.")
            continue
        kind = kind_of(rule)
        if kind is None:
            problems.append(f"Rule {i}: kind must be one of {', '.join(RULE_KINDS)}.")
            continue
        if rule.get("severity") not in SEVERITIES:
            problems.append(f"Rule {i} ({kind.name}): severity must be block, escalate or warn.")
        problems += [f"Rule {i} ({kind.name}): {problem}" for problem in kind.validate(rule)]
    return problems


def required_courses(channel, policies: list | None = None) -> list[str]:
    """Training courses the channel's effective policy requires of whoever drafts or reviews on it."""
    policies = effective_policies(channel) if policies is None else policies
    return sorted({r["course"] for p in policies for r in p.rules if r.get("kind") == "training" and r.get("course")})
