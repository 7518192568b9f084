"""Lexicon: words and phrases a post should not contain, found as whole words in any case.
The rule's message, when it has one, replaces the one that names the term found.

    {"kind": "lexicon", "severity": "block", "terms": ["miracle cure"], "message": "…"}
"""

import re

from django import forms

from ..findings import Finding
from .base import LinesField, RuleForm, RuleKind, as_lines

NAME = "lexicon"
# A term's pattern is matched at each word: bounded terms keep a check linear in the post.
MAX_TERMS = 500
MAX_TERM_CHARS = 100


def check(rule, draft, channel) -> list[Finding]:
    found = []
    for term in rule.get("terms", []):
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)", re.IGNORECASE)
        for match in pattern.finditer(draft.body):
            message = rule.get("message") or f"“{match.group(0)}” is on the channel's list of terms to avoid."
            found.append(Finding(NAME, rule["severity"], message, match.start(), match.end()))
    return found


def validate(rule) -> list[str]:
    terms = rule.get("terms")
    if not (isinstance(terms, list) and all(isinstance(t, str) and t.strip() for t in terms) and terms):
        return ["terms must be a non-empty list of words or phrases."]
    if len(terms) > MAX_TERMS or any(len(t) > MAX_TERM_CHARS for t in terms):
        return [f"terms are at most {MAX_TERMS} words or phrases of at most {MAX_TERM_CHARS} characters."]
    message = rule.get("message", "")
    if not isinstance(message, str) or len(message) > 300:
        return ["message must be a text of at most 300 characters."]
    return []


def describe(rule) -> str:
    terms = ", ".join(f"“{t}”" for t in rule.get("terms", []))
    text = f"Words and phrases: {terms}"
    return f"{text} — {rule['message']}" if rule.get("message") else text


class LexiconRuleForm(RuleForm):
    KIND = NAME
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
        return {"terms": as_lines(rule.get("terms", [])), "message": [str(rule.get("message", ""))]}


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe, form=LexiconRuleForm, screens_text=True)
