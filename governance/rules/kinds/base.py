"""What every rule kind is made of: the `RuleKind` the registry holds, and the form plumbing
each kind's editor form builds on.

A rule kind's form edits the rule's own parameters; what every rule has (its kind, its
severity, settings the editor does not show) is handled here once. What a form checks is
what a person can get wrong while typing (a time, a timezone, a date, a domain); the kind's
`validate`, called through `engine.validate_rules` by `actions.save_policy`, stays the
authority on what a valid rule is.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django import forms

from ..findings import BLOCK, ESCALATE, WARN, Finding

SEVERITY_CHOICES = [
    (BLOCK, "Block: cannot be submitted"),
    (ESCALATE, "Escalate: adds a review stage"),
    (WARN, "Warn: shown to the author"),
]


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


def as_lines(values) -> list[str]:
    """A saved list as a `LinesField` posts it: one entry per line (nothing when empty)."""
    return ["\n".join(str(v) for v in values)] if values else []


@dataclass(frozen=True)
class RuleKind:
    """Everything about one kind of rule, as the engine, the policy editor and the channel page
    use it. `rule` is the rule's JSON object (`{"kind": …, "severity": …, …}`)."""

    name: str
    # (rule, draft, channel) -> findings: what the rule finds in an `engine.Draft` posted on the channel;
    # a kind that `uses_directory` is also given `directory=` (a `rules.sensitive.Directory` or None).
    check: Callable[..., list[Finding]]
    # rule -> problems with the rule's own parameters (its kind and severity are checked already),
    # each the end of a sentence that `engine.validate_rules` starts with "Rule 2 (<kind>): ".
    validate: Callable[[dict], list[str]]
    # rule -> the rule as a sentence a person can read (a channel's page).
    describe: Callable[[dict], str]
    # The policy editor's fieldset for this kind (its KIND is `name`).
    form: type[RuleForm]
    # True: the kind screens text, and the engine gives it each published field in turn (a draft
    # whose body is that field's text, nothing else); its findings' offsets index that field.
    # False: it judges the draft as a whole (once, the whole draft).
    screens_text: bool = False
    # True: its findings depend on the organization's directory (`rules.directory`): the engine reads
    # the directory for it, and a stored screening's key records the directory's fingerprint.
    uses_directory: bool = False
