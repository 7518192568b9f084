"""Links: the links in a post's body and its link field — https only, and which domains are
allowed or denied (subdomains included).

    {"kind": "links", "severity": "block", "https_only": true, "allow": ["stmarys.example.org"], "deny": ["bit.ly"]}
"""

import re
from urllib.parse import urlsplit

from django import forms

from ..findings import Finding
from .base import LinesField, RuleForm, RuleKind, as_lines

NAME = "links"
_URL = re.compile(r"\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+", re.IGNORECASE)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


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
    problems = []
    if not isinstance(rule.get("https_only", False), bool):
        problems.append("https_only must be true or false.")
    for key in ("allow", "deny"):
        domains = rule.get(key, [])
        if not isinstance(domains, list) or len(domains) > 500:
            problems.append(f"{key} must be a list of at most 500 domains.")
        elif not all(isinstance(d, str) and _DOMAIN.match(d.lower().lstrip(".")) for d in domains):
            problems.append(f"{key} must hold domain names such as stmarys.example.org.")
    return problems


def describe(rule) -> str:
    parts = []
    if rule.get("https_only"):
        parts.append("https:// links only")
    if rule.get("allow"):
        parts.append("links only to " + ", ".join(rule["allow"]))
    if rule.get("deny"):
        parts.append("no links to " + ", ".join(rule["deny"]))
    return "Links: " + ("; ".join(parts) or "checked")


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
    KIND = NAME
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
            "allow": as_lines(rule.get("allow", [])),
            "deny": as_lines(rule.get("deny", [])),
        }


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe, form=LinksRuleForm, screens_text=True)
