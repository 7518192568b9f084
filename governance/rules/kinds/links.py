"""Links: the links in a post's body and its link field — https only, and which domains are
allowed or denied (subdomains included).

    {"kind": "links", "severity": "block", "https_only": true, "allow": ["stmarys.example.org"], "deny": ["bit.ly"]}
"""

import re
from urllib.parse import urlsplit

from ..findings import Finding
from .base import RuleKind

NAME = "links"
_URL = re.compile(r"\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+", re.IGNORECASE)


def check(rule, draft, channel) -> list[Finding]:
    found = []
    spans = []
    for match in _URL.finditer(draft.body):
        url = match.group(0).rstrip(".,;:!?)")  # sentence punctuation is not part of the link
        spans.append((match.start(), match.start() + len(url), url))
    if draft.link:
        spans.append((0, 0, draft.link))
    allow = [d.lower().lstrip(".") for d in rule.get("allow", [])]
    deny = [d.lower().lstrip(".") for d in rule.get("deny", [])]
    for start, end, url in spans:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").lower()
        shown = url if len(url) <= 60 else url[:57] + "…"
        if rule.get("https_only") and parts.scheme != "https":
            found.append(Finding(NAME, rule["severity"], f"Use an https:// link: {shown}", start, end))
        if any(host == d or host.endswith("." + d) for d in deny):
            found.append(Finding(NAME, rule["severity"], f"Links to {host} are not allowed.", start, end))
        elif allow and not any(host == d or host.endswith("." + d) for d in allow):
            allowed = ", ".join(allow)
            found.append(
                Finding(
                    NAME, rule["severity"], f"{host} is not an allowed link domain (allowed: {allowed}).", start, end
                )
            )
    return found


def validate(rule) -> list[str]:
    return []


def describe(rule) -> str:
    parts = []
    if rule.get("https_only"):
        parts.append("https:// links only")
    if rule.get("allow"):
        parts.append("links only to " + ", ".join(rule["allow"]))
    if rule.get("deny"):
        parts.append("no links to " + ", ".join(rule["deny"]))
    return "Links: " + ("; ".join(parts) or "checked")


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe)
