"""Lexicon: words and phrases a post should not contain, found as whole words in any case.
The rule's message, when it has one, replaces the one that names the term found.

    {"kind": "lexicon", "severity": "block", "terms": ["miracle cure"], "message": "…"}
"""

import re

from ..findings import Finding
from .base import RuleKind

NAME = "lexicon"


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
    if isinstance(terms, list) and all(isinstance(t, str) and t.strip() for t in terms) and terms:
        return []
    return ["terms must be a non-empty list of words or phrases."]


def describe(rule) -> str:
    terms = ", ".join(f"“{t}”" for t in rule.get("terms", []))
    text = f"Words and phrases: {terms}"
    return f"{text} — {rule['message']}" if rule.get("message") else text


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe)
