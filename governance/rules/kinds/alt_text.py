"""Alt text: a post with an image must describe it in its alt text, for people using
screen readers.

    {"kind": "alt_text", "severity": "block"}
"""

from ..findings import Finding
from .base import RuleForm, RuleKind

NAME = "alt_text"


def check(rule, draft, channel) -> list[Finding]:
    if draft.media_url and not draft.media_alt_text.strip():
        return [Finding(NAME, rule["severity"], "Describe the image in its alt text for people using screen readers.")]
    return []


def validate(rule) -> list[str]:
    return []


def describe(rule) -> str:
    return "Images must have alt text"


class AltTextRuleForm(RuleForm):
    KIND = NAME
    LABEL = "Alt text on images"
    HELP = "A post with an image must describe it for people using screen readers."


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe, form=AltTextRuleForm)
