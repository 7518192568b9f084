"""Forms of the policy editor: the policy itself and one form per rule kind.

The rules are edited in a structured way (one fieldset per rule with the kind's own fields)
and turned back into the JSON the engine reads (`governance/rules/engine.py` documents the
kinds). What a rule form checks here is what a person can get wrong while typing (a time,
a timezone, a date, a domain); `engine.validate_rules`, called by `actions.save_policy`,
stays the authority on what a valid rule is.

A rule is carried between requests as `RuleInput`: its kind and what was posted for it (or
what is saved, turned into the same shape), so adding or removing a rule re-renders every
other rule exactly as typed, without showing errors nobody asked for yet.
"""

import json
import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils.datastructures import MultiValueDict

from .rules.findings import BLOCK, ESCALATE, WARN

MAX_RULES = 100  # a bound on what one request may ask the server to build

SEVERITY_CHOICES = [
    (BLOCK, "Block: cannot be submitted"),
    (ESCALATE, "Escalate: adds a review stage"),
    (WARN, "Warn: shown to the author"),
]
DAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class LinesField(forms.CharField):
    """A textarea of one entry per line, cleaned to a list without blanks or repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        super().__init__(strip=False, **kwargs)

    def to_python(self, value):
        lines = []
        for line in (value or "").splitlines():
            line = " ".join(line.split())
            if line and line not in lines:
                lines.append(line)
        return lines


class DayCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose `data-testid` names each day: `rule-0-days-4` is Friday of rule 1."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        testid = option["attrs"].get("data-testid")
        if testid:
            option["attrs"]["data-testid"] = f"{testid}-{value}"
        return option


class RuleForm(forms.Form):
    """What every rule has: its kind (fixed), its severity, and any settings this editor does
    not show (set in the admin's JSON), kept as they are so that saving here loses nothing."""

    kind = forms.CharField(widget=forms.HiddenInput)
    severity = forms.ChoiceField(label="Severity", choices=SEVERITY_CHOICES)
    extra = forms.CharField(widget=forms.HiddenInput, required=False)

    KIND = ""
    LABEL = ""
    HELP = ""
    DEFAULT_SEVERITY = BLOCK
    PARAMS: tuple[str, ...] = ()  # the rule's keys this form edits, besides kind and severity

    def focus(self) -> None:
        """Put the keyboard focus on this rule's first field when the page (or fragment) loads."""
        name = next((n for n in self.PARAMS if n in self.fields), "severity")
        self.fields[name].widget.attrs["autofocus"] = True

    def __init__(self, *args, index: int, **kwargs):
        super().__init__(*args, prefix=f"rule-{index}", label_suffix="", **kwargs)
        self.index = index
        self.fields["kind"].initial = self.KIND
        self.fields["severity"].initial = self.DEFAULT_SEVERITY
        for name, field in self.fields.items():
            field.widget.attrs["data-testid"] = f"rule-{index}-{name}"

    @property
    def number(self) -> int:
        return self.index + 1

    def kept_keys(self) -> list[str]:
        """Settings of the rule that this form does not edit (shown so nobody is surprised)."""
        return sorted(_extra_from(self["extra"].value()))

    def clean_kind(self):
        if self.cleaned_data["kind"] != self.KIND:
            raise forms.ValidationError("This rule's kind cannot change; remove it and add another.")
        return self.KIND

    def clean_extra(self):
        try:
            return _extra_from(self.cleaned_data["extra"], strict=True)
        except ValueError as exc:
            raise forms.ValidationError(
                "The rule's other settings are not valid JSON; edit them in the admin."
            ) from exc

    def to_rule(self) -> dict:
        """The rule as the engine reads it (call after is_valid())."""
        data = self.cleaned_data
        rule = {key: value for key, value in data["extra"].items() if key not in ("kind", "severity", *self.PARAMS)}
        return {"kind": self.KIND, "severity": data["severity"], **self.params(data), **rule}

    def params(self, data) -> dict:
        return {}

    @classmethod
    def raw_from_rule(cls, rule: dict) -> dict[str, list[str]]:
        """A saved rule in the shape of posted data, so it renders like what was typed."""
        extra = {k: v for k, v in rule.items() if k not in ("kind", "severity", *cls.PARAMS)}
        raw = {
            "kind": [cls.KIND],
            "severity": [str(rule.get("severity", cls.DEFAULT_SEVERITY))],
            "extra": [json.dumps(extra, ensure_ascii=False, sort_keys=True)] if extra else [],
        }
        raw.update(cls.raw_params(rule))
        return raw

    @classmethod
    def raw_params(cls, rule: dict) -> dict[str, list[str]]:
        return {}


def _extra_from(value, *, strict: bool = False) -> dict:
    if not value:
        return {}
    try:
        extra = json.loads(value)
    except (TypeError, ValueError):
        if strict:
            raise ValueError("not JSON") from None
        return {}
    if not isinstance(extra, dict):
        if strict:
            raise ValueError("not an object")
        return {}
    return extra


def _lines(values) -> list[str]:
    return ["\n".join(str(v) for v in values)] if values else []


class LexiconRuleForm(RuleForm):
    KIND = "lexicon"
    LABEL = "Words and phrases"
    HELP = "Terms found in a post, as whole words in any case."
    PARAMS = ("terms", "message")

    terms = LinesField(
        label="Terms",
        help_text="One word or phrase per line.",
        error_messages={"required": "Enter at least one word or phrase."},
    )
    message = forms.CharField(
        label="Message shown to the author",
        required=False,
        max_length=300,
        help_text="Optional. By default the message names the term that was found.",
    )

    def params(self, data):
        params = {"terms": data["terms"]}
        if data["message"].strip():
            params["message"] = data["message"].strip()
        return params

    @classmethod
    def raw_params(cls, rule):
        return {"terms": _lines(rule.get("terms", [])), "message": [str(rule.get("message", ""))]}


class DisclaimerRuleForm(RuleForm):
    KIND = "disclaimer"
    LABEL = "Required disclaimer"
    HELP = "Every post must contain this text (case and spacing do not matter)."
    PARAMS = ("text",)

    text = forms.CharField(
        label="Disclaimer text", max_length=500, help_text="For example: This is not medical advice."
    )

    def params(self, data):
        return {"text": data["text"]}

    @classmethod
    def raw_params(cls, rule):
        return {"text": [str(rule.get("text", ""))]}


def _domains(values: list[str]) -> list[str]:
    domains, bad = [], []
    for value in values:
        domain = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("/", 1)[0].strip(".")
        if _DOMAIN.match(domain):
            if domain not in domains:
                domains.append(domain)
        else:
            bad.append(value)
    if bad:
        raise forms.ValidationError(f"Not a domain name: {', '.join(bad)}. Enter one domain per line, e.g. bit.ly.")
    return domains


class LinksRuleForm(RuleForm):
    KIND = "links"
    LABEL = "Links"
    HELP = "Links in the post and its link field: https only, and which domains are allowed or denied."
    PARAMS = ("https_only", "allow", "deny")

    https_only = forms.BooleanField(label="Only https:// links", required=False)
    allow = LinesField(
        label="Allowed domains",
        required=False,
        help_text="One per line; subdomains included. Empty: any domain that is not denied.",
    )
    deny = LinesField(label="Denied domains", required=False, help_text="One per line; subdomains included.")

    def clean_allow(self):
        return _domains(self.cleaned_data["allow"])

    def clean_deny(self):
        return _domains(self.cleaned_data["deny"])

    def clean(self):
        data = super().clean()
        if not (data.get("https_only") or data.get("allow") or data.get("deny")) and not self.errors:
            raise forms.ValidationError("This rule checks nothing yet: require https, or list domains.")
        return data

    def params(self, data):
        params = {}
        if data["https_only"]:
            params["https_only"] = True
        if data["allow"]:
            params["allow"] = data["allow"]
        if data["deny"]:
            params["deny"] = data["deny"]
        return params

    @classmethod
    def raw_params(cls, rule):
        return {
            "https_only": ["on"] if rule.get("https_only") else [],
            "allow": _lines(rule.get("allow", [])),
            "deny": _lines(rule.get("deny", [])),
        }


class SensitiveRuleForm(RuleForm):
    KIND = "sensitive"
    LABEL = "Sensitive information (PHI/PII)"
    HELP = (
        "Patient names tied to health details, record numbers, dates of birth, phone numbers, email and "
        "street addresses, SSNs, room numbers, appointment dates."
    )
    DEFAULT_SEVERITY = ESCALATE


class PostingWindowRuleForm(RuleForm):
    KIND = "posting_window"
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
            "blackout_dates": _lines(rule.get("blackout_dates", [])),
        }


class AltTextRuleForm(RuleForm):
    KIND = "alt_text"
    LABEL = "Alt text on images"
    HELP = "A post with an image must describe it for people using screen readers."


class TrainingRuleForm(RuleForm):
    KIND = "training"
    LABEL = "Required training"
    HELP = "Drafting and reviewing need a valid certification of this course."
    PARAMS = ("course",)

    course = forms.SlugField(
        label="Training course",
        max_length=100,
        help_text="The course's code, e.g. hipaa-privacy.",
        widget=forms.TextInput(attrs={"list": "courses", "autocomplete": "off"}),
    )

    def params(self, data):
        return {"course": data["course"]}

    @classmethod
    def raw_params(cls, rule):
        return {"course": [str(rule.get("course", ""))]}


RULE_FORMS: dict[str, type[RuleForm]] = {
    form.KIND: form
    for form in (
        LexiconRuleForm,
        DisclaimerRuleForm,
        LinksRuleForm,
        SensitiveRuleForm,
        PostingWindowRuleForm,
        AltTextRuleForm,
        TrainingRuleForm,
    )
}
KIND_CHOICES = [(kind, form.LABEL) for kind, form in RULE_FORMS.items()]


def _initial_from(form_class: type[forms.Form], raw: dict[str, list[str]]) -> dict:
    """Posted values as a form's `initial`, so an unbound form shows them without errors."""
    initial = {}
    for name, field in form_class.base_fields.items():
        values = raw.get(name, [])
        initial[name] = (
            list(values) if isinstance(field, forms.MultipleChoiceField) else (values[-1] if values else None)
        )
    return initial


@dataclass
class RuleInput:
    """One rule between requests: its kind and its values as posted (None: a new rule)."""

    kind: str
    raw: dict[str, list[str]] | None = None

    @classmethod
    def from_rule(cls, rule: dict) -> "RuleInput":
        return cls(rule["kind"], RULE_FORMS[rule["kind"]].raw_from_rule(rule))

    def form(self, index: int, *, bound: bool) -> RuleForm:
        form_class = RULE_FORMS[self.kind]
        if self.raw is None:
            return form_class(index=index)
        if bound:
            data = MultiValueDict({f"rule-{index}-{name}": values for name, values in self.raw.items() if values})
            return form_class(data, index=index)
        return form_class(index=index, initial=_initial_from(form_class, self.raw))


def rules_from_post(data) -> list[RuleInput]:
    """The rules of a posted form, in order (`rule_count` of them, each `rule-<i>-…`)."""
    try:
        count = max(0, min(int(data.get("rule_count", 0)), MAX_RULES))
    except (TypeError, ValueError):
        count = 0
    rules = []
    for i in range(count):
        form_class = RULE_FORMS.get(data.get(f"rule-{i}-kind"))
        if form_class is None:
            continue
        raw = {name: data.getlist(f"rule-{i}-{name}") for name in form_class.base_fields}
        rules.append(RuleInput(form_class.KIND, raw))
    return rules


class PolicyForm(forms.Form):
    """The policy's own fields. `scope` only when creating: a policy's scope never changes.
    `version` (editing only) is the version the user loaded, for the stale-version check."""

    name = forms.CharField(label="Name", max_length=150)
    scope = forms.ChoiceField(label="Applies to")
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="Inactive policies are kept but not applied."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    TESTIDS = {
        "name": "policy-name",
        "scope": "policy-scope",
        "is_active": "policy-active",
        "version": "policy-loaded-version",
    }

    def __init__(self, *args, scopes=None, editing: bool, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        if editing:
            del self.fields["scope"]
            self.fields["version"].required = True  # without it, save_policy could not refuse a stale edit
        else:
            del self.fields["version"]
            self.fields["scope"].choices = _scope_choices(scopes or [])
        for name, field in self.fields.items():
            field.widget.attrs["data-testid"] = self.TESTIDS[name]

    @classmethod
    def unbound(cls, data, **kwargs) -> "PolicyForm":
        """The posted values shown as typed, with no errors (after adding or removing a rule)."""
        return cls(initial=_initial_from(cls, {name: data.getlist(name) for name in cls.base_fields}), **kwargs)


def _scope_choices(scopes) -> list:
    groups = {"organization": [], "department": [], "channel": []}
    for scope in scopes:
        groups[scope.kind].append((scope.value, scope.label))
    choices = list(groups["organization"])
    if groups["department"]:
        choices.append(("Departments", groups["department"]))
    if groups["channel"]:
        choices.append(("Channels", groups["channel"]))
    return choices
