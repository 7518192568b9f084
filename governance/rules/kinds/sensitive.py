"""Sensitive information: possible PHI/PII in a post's title or body (`rules.sensitive` is the
detector). Its usual severity is escalate: a finding adds the compliance sign-off stage. What
the organization's directory holds (its own phone numbers, e-mail domains, addresses and sites,
its staff: `rules.directory`) is the organization's, never reported as a private person's.

    {"kind": "sensitive", "severity": "escalate", "identifiers": "block", "internal": "warn"}

- `severity`: what a finding about an identifiable person does (a name with a diagnosis, a reply that
  confirms a patient, a person singled out by role and place, a private contact detail…).
- `identifiers` (default `block`): what an identifier tied to health does — a medical record number
  always, a Social Security number, date of birth or health-plan number in a post that also speaks of
  a health matter. Such a post is never published as it stands, whoever approves it.
- `internal` (optional): the severity of the other findings on a channel whose audience is internal
  (the staff newsletter), where a policy may choose to warn rather than escalate. Identifiers keep
  their own severity there too.
"""

from django import forms

from .. import sensitive as detector
from ..findings import BLOCK, ESCALATE, SEVERITIES, Finding
from .base import RuleForm, RuleKind

NAME = "sensitive"
SEVERITY_CHOICES = [("", "Same as the rule")] + [(s, s.capitalize()) for s in SEVERITIES]


def check(rule, draft, channel, directory=None) -> list[Finding]:
    text = f"{draft.title}\n{draft.body}" if draft.title else draft.body
    offset = len(draft.title) + 1 if draft.title else 0
    found = detector.detect(text, directory)
    if not found:
        return []
    severity = rule["severity"]
    if rule.get("internal") and getattr(channel, "is_internal", False):
        severity = rule["internal"]
    identifiers = rule.get("identifiers", BLOCK)
    health = any(f.kind in detector.IDENTIFIER_KINDS for f in found) and detector.tied_to_health(text)

    def severity_of(finding):
        tied = finding.kind == "mrn" or (health and finding.kind in detector.IDENTIFIER_KINDS)
        return identifiers if tied else severity

    # Offsets are the body's: what is found in the title points at the body's start.
    return [
        Finding(
            NAME,
            severity_of(f),
            f.message,
            max(f.start - offset, 0),
            max(f.end - offset, 0),
            kind=f.kind,
        )
        for f in found
    ]


def validate(rule) -> list[str]:
    return [
        f"{key} must be block, escalate or warn."
        for key in ("identifiers", "internal")
        if key in rule and rule[key] not in SEVERITIES
    ]


def describe(rule) -> str:
    text = "Sensitive information (patient names with health details, record numbers, contact details…)"
    identifiers = rule.get("identifiers", BLOCK)
    text += f"; identifiers tied to health: {identifiers}"
    if rule.get("internal"):
        text += f"; on internal channels: {rule['internal']}"
    return text


class SensitiveRuleForm(RuleForm):
    KIND = NAME
    LABEL = "Sensitive information (PHI/PII)"
    HELP = (
        "Patient names tied to health details, replies that confirm someone is a patient, people singled out "
        "by role and place, record and health-plan numbers, dates of birth, private phone numbers, e-mail and "
        "street addresses, room and bed numbers, licence plates, device serials, appointment dates."
        " The organization's own phone numbers, e-mail domains, addresses and staff (its directory, on the "
        "policies page) are left out."
    )
    DEFAULT_SEVERITY = ESCALATE
    PARAMS = ("identifiers", "internal")

    identifiers = forms.ChoiceField(
        label="Identifiers tied to health",
        choices=[(s, s.capitalize()) for s in SEVERITIES],
        initial=BLOCK,
        help_text="A record number, or an SSN, date of birth or plan number in a post about a health matter.",
    )
    internal = forms.ChoiceField(
        label="On internal channels",
        choices=SEVERITY_CHOICES,
        required=False,
        help_text="The severity of the other findings on a channel for staff only (the newsletter).",
    )

    def params(self, data):
        # The default (block) is not written out, so that a saved rule reads as it was typed.
        params = {"identifiers": data["identifiers"]} if data["identifiers"] != BLOCK else {}
        if data.get("internal"):
            params["internal"] = data["internal"]
        return params

    @classmethod
    def raw_params(cls, rule):
        return {"identifiers": [str(rule.get("identifiers", BLOCK))], "internal": [str(rule.get("internal", ""))]}


KIND = RuleKind(
    NAME,
    check=check,
    validate=validate,
    describe=describe,
    form=SensitiveRuleForm,
    screens_text=True,
    uses_directory=True,
)
