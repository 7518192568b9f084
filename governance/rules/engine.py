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

import hashlib
from collections.abc import KeysView
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import SimpleNamespace

from django.db.models import F

from . import directory as org_directory
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


# The most characters any published field may have on any channel (POST_BODY_MAX_CHARS), and the
# least a channel with a length limit accepts: a draft may be longer than its platform allows (the
# length finding says where it goes over, and blocks it), but not without bound.
def hard_cap() -> int:
    from django.conf import settings

    return settings.POST_BODY_MAX_CHARS


_MIN_INPUT_LIMIT = 2_000


def input_limit(platform: str) -> int:
    """The most characters a body drafted for `platform` may have: twice the platform's own
    maximum (at least 2,000 characters), never more than the hard cap; the hard cap on channels
    without a limit. Every rule's time is linear in its input, so this bounds every check."""
    from . import length

    own = length.limit(platform)
    cap = hard_cap()
    return cap if own is None else min(cap, max(2 * own, _MIN_INPUT_LIMIT))


# The other published fields' limits (the revision's columns).
FIELD_LIMITS = {"title": 200, "link": 500, "media_alt_text": 1000}


def input_problem(platform: str, body: str, *, field: str = "body") -> str | None:
    """Why `body` (the text of `field`) cannot be taken for a channel on `platform` (None: it can)."""
    most = input_limit(platform) if field == "body" else FIELD_LIMITS[field]
    if len(body) <= most:
        return None
    return f"The {FIELDS[field]} has {len(body):,} characters; a draft for this channel can have at most {most:,}."


def screen_key(channel, policies: list, directory=_UNREAD) -> str:
    """What the screening of a revision's text depends on besides the text: the platform, the
    rules of the effective policies (their ids and versions) and, when one of those rules reads
    it, the organization's directory (its fingerprint; `directory`: what `directory_for` read).
    A stored screening with this key is the screening that `screen` would compute again.

    An empty directory adds nothing to the key: what was screened before the directory existed
    is what would be screened now."""
    if directory is _UNREAD:
        directory = directory_for(policies)
    used = [(p.pk, p.version) for p in policies]
    parts = (SCREEN_VERSION, channel.platform, used)
    if not org_directory.is_empty(directory):
        parts += (("directory", org_directory.fingerprint(directory)),)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def directory_for(policies: list):
    """The organization's directory (`rules.sensitive.Directory`, one query) when a rule of
    `policies` reads it (the sensitive screen leaves out the organization's own contact details
    and staff), else None (no query)."""
    if not any(getattr(KINDS.get(rule.get("kind")), "uses_directory", False) for p in policies for rule in p.rules):
        return None
    return org_directory.organization_directory()


# Bumped when a rule's way of reading text changes, so that stored screenings are computed again.
# 3: the sensitive rule's findings keep the detector's `kind` (screenings stored before had "").
SCREEN_VERSION = 3


def screen(channel, draft: Draft, policies: list, directory=_UNREAD) -> list[Finding]:
    """The findings that depend only on the draft's published text: its length on the platform
    and every kind that screens text (words, links, sensitive information), given the title, the
    body, the link and the image's alt text in turn. A body longer than the channel takes
    (`input_limit`), or a field longer than its column (`FIELD_LIMITS`), is not screened: a block
    finding says which field is too long. The kinds that read the organization's directory are
    given `directory` (by default read by `directory_for`, when one of them is in `policies`)."""
    from . import length

    too_long = [
        Finding(length.RULE, BLOCK, f"{problem} Shorten it.", 0, len(getattr(draft, name)), name)
        for name in FIELDS
        if (problem := input_problem(channel.platform, getattr(draft, name), field=name))
    ]
    if too_long:  # nothing is screened until every field is within its limit
        return too_long
    findings = list(length.check_length(channel.platform, draft.body, link=draft.link, title=draft.title))
    fields = draft.published_fields()
    if directory is _UNREAD:
        directory = directory_for(policies)
    for policy in policies:
        for rule in policy.rules:
            kind = KINDS[rule["kind"]]
            if kind.screens_text:
                more = {"directory": directory} if kind.uses_directory else {}
                for name, text in fields:
                    findings += [f.in_field(name, len(text.body)) for f in kind.check(rule, text, channel, **more)]
    return findings


def check(
    channel,
    draft: Draft,
    *,
    policies: list | None = None,
    crisis=_UNREAD,
    screened: list[Finding] | None = None,
    directory=_UNREAD,
) -> CheckResult:
    """Every finding of the channel's effective policy (and its platform's length) on `draft`.

    Every published field is screened (`screen`; `screened`: what `screen` found for this text
    and these policies, stored with the revision, so that it is not computed again; `directory`:
    the organization's directory when the caller has read it); its findings say which field they
    are in (`field`, and their message for fields other than the body; their offsets index that
    field's text). While a crisis covers the channel, a `crisis` finding says so (`crisis`: the
    covering crisis when the caller has read it)."""
    policies = effective_policies(channel) if policies is None else policies
    findings = list(screen(channel, draft, policies, directory) if screened is None else screened)
    for policy in policies:
        for rule in policy.rules:
            kind = KINDS[rule["kind"]]
            if not kind.screens_text:
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


# A policy is read by every check on its channels: its size is bounded like a post's.
MAX_RULES = 100
MAX_RULES_CHARS = 200_000


def validate_rules(rules) -> list[str]:
    """Problems with a policy's rules, as sentences (empty: valid).

    Besides each kind's own validation: no text the database cannot store (NUL, a lone
    surrogate), a bounded size, and a trial run — each rule is applied to a sample draft and
    described, so that a rule with settings of the wrong type is refused here rather than
    making every later check on its channels fail."""
    if not isinstance(rules, list):
        return ["Rules must be a list."]
    if len(rules) > MAX_RULES:
        return [f"A policy has at most {MAX_RULES} rules."]
    unstorable = _unstorable_text(rules)
    if unstorable:
        return [unstorable]
    if len(repr(rules)) > MAX_RULES_CHARS:
        return [f"The rules are too long (at most {MAX_RULES_CHARS:,} characters)."]
    problems = []
    for i, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            problems.append(f"Rule {i} must be an object.")
            continue
        kind = kind_of(rule)
        if kind is None:
            problems.append(f"Rule {i}: kind must be one of {', '.join(RULE_KINDS)}.")
            continue
        bad_severity = rule.get("severity") not in SEVERITIES
        if bad_severity:
            problems.append(f"Rule {i} ({kind.name}): severity must be block, escalate or warn.")
        own = kind.validate(rule)
        problems += [f"Rule {i} ({kind.name}): {problem}" for problem in own]
        if not own and not bad_severity and not _applies(kind, rule):
            problems.append(f"Rule {i} ({kind.name}): its settings have the wrong types; see the rule's help.")
    return problems


def _unstorable_text(value) -> str | None:
    """Why `value` (JSON) cannot be stored: a NUL character or a lone surrogate in a string."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str):
            if "\x00" in item:
                return "The rules contain a NUL character, which cannot be stored."
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "The rules contain a lone surrogate (an invalid character), which cannot be stored."
    return None


_TRIAL = Draft(
    body="A trial post with a link https://example.org/a and www.example.net, Maria Lopez, dob 1/2/1990.",
    title="Trial",
    link="https://example.org/b",
    media_url="https://example.org/i.png",
    media_alt_text="An image",
    scheduled_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
)


def _applies(kind, rule) -> bool:
    """Whether the rule can be checked (on a trial draft) and described without failing."""
    channel = SimpleNamespace(platform="x", pk=None, id=None, slug="trial", name="Trial")
    drafts = [text for _, text in _TRIAL.published_fields()] if kind.screens_text else [_TRIAL]
    try:
        for draft in drafts:
            kind.check(rule, draft, channel)
        kind.describe(rule)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, LookupError):
        return False
    return True


def required_courses(channel, policies: list | None = None) -> list[str]:
    """Training courses the channel's effective policy requires of whoever drafts or reviews on it."""
    policies = effective_policies(channel) if policies is None else policies
    return sorted({r["course"] for p in policies for r in p.rules if r.get("kind") == "training" and r.get("course")})
