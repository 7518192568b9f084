"""Disclaimer: text every post must contain (case and spacing do not matter); a post
without it has one finding, about the post as a whole.

    {"kind": "disclaimer", "severity": "block", "text": "This is not medical advice."}
"""

from django import forms

from ..findings import Finding
from .base import RuleForm, RuleKind

NAME = "disclaimer"


def _normalize(text: str) -> str:
    return " ".join(text.lower().split())


def check(rule, draft, channel) -> list[Finding]:
    text = rule.get("text", "").strip()
    if not text or _normalize(text) in _normalize(draft.body):
        return []
    return [Finding(NAME, rule["severity"], f"Add the required disclaimer: “{text}”", 0, 0)]


def validate(rule) -> list[str]:
    text = rule.get("text", "")
    if not isinstance(text, str) or not text.strip():
        return ["text is required."]
    return [] if len(text) <= 2_000 else ["text is at most 2,000 characters."]


def describe(rule) -> str:
    return f"Every post must contain the disclaimer “{rule.get('text', '')}”"


class DisclaimerRuleForm(RuleForm):
    KIND = NAME
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


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe, form=DisclaimerRuleForm)
