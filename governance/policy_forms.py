"""Forms of the policy editor: the policy itself, and the rules as their kinds' forms.

The rules are edited in a structured way (one fieldset per rule with the kind's own fields)
and turned back into the JSON the engine reads. Each kind's form lives in the kind's module
(`governance/rules/kinds/`, with the form plumbing they share in `kinds/base.py`); what a
rule form checks is what a person can get wrong while typing, and `engine.validate_rules`,
called by `actions.save_policy`, stays the authority on what a valid rule is.

A rule is carried between requests as `RuleInput`: its kind and what was posted for it (or
what is saved, turned into the same shape), so adding or removing a rule re-renders every
other rule exactly as typed, without showing errors nobody asked for yet.
"""

from dataclasses import dataclass

from django import forms
from django.utils.datastructures import MultiValueDict

from .rules.kinds import KINDS
from .rules.kinds.base import RuleForm

MAX_RULES = 100  # a bound on what one request may ask the server to build


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of rule the editor offers, in the registry's order."""
    return [(name, kind.form.LABEL) for name, kind in KINDS.items()]


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
        return cls(rule["kind"], KINDS[rule["kind"]].form.raw_from_rule(rule))

    def form(self, index: int, *, bound: bool) -> RuleForm:
        form_class = KINDS[self.kind].form
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
        kind = KINDS.get(data.get(f"rule-{i}-kind"))
        if kind is None:
            continue
        raw = {name: data.getlist(f"rule-{i}-{name}") for name in kind.form.base_fields}
        rules.append(RuleInput(kind.name, raw))
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
