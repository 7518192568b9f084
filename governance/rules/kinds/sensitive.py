"""Sensitive information: possible PHI/PII in a post's title or body (`rules.sensitive` is the
detector). Its usual severity is escalate: a finding adds the compliance sign-off stage.

    {"kind": "sensitive", "severity": "escalate"}
"""

from .. import sensitive as detector
from ..findings import ESCALATE, Finding
from .base import RuleForm, RuleKind

NAME = "sensitive"


def check(rule, draft, channel) -> list[Finding]:
    text = f"{draft.title}\n{draft.body}" if draft.title else draft.body
    offset = len(draft.title) + 1 if draft.title else 0
    # Offsets are the body's: what is found in the title points at the body's start.
    return [
        Finding(NAME, rule["severity"], f.message, max(f.start - offset, 0), max(f.end - offset, 0), kind=f.kind)
        for f in detector.detect(text)
    ]


def validate(rule) -> list[str]:
    return []


def describe(rule) -> str:
    return "Sensitive information (patient names with health details, record numbers, contact details…)"


class SensitiveRuleForm(RuleForm):
    KIND = NAME
    LABEL = "Sensitive information (PHI/PII)"
    HELP = (
        "Patient names tied to health details, record numbers, dates of birth, phone numbers, email and "
        "street addresses, SSNs, room numbers, appointment dates."
    )
    DEFAULT_SEVERITY = ESCALATE


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe, form=SensitiveRuleForm, screens_text=True)
