"""Links: the links in a post's body and its link field — https only, and which domains are
allowed or denied (subdomains included).

    {"kind": "links", "severity": "block", "https_only": true, "allow": ["stmarys.example.org"], "deny": ["bit.ly"]}

The links in the body are those of `governance.rules.urls.find_urls`, the detector the X counter
and the sensitive screen use: a bare `bit.ly/3xYz` is a link (X and most platforms make it one),
and has no scheme, so it is not an https:// link.
"""

import re
from urllib.parse import unquote, urlsplit

from django import forms

from ..findings import Finding
from ..urls import find_urls
from .base import LinesField, RuleForm, RuleKind, as_lines

NAME = "links"
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _host(url: str, scheme: str) -> str | None:
    """The host a browser opens, as a domain list names it (lower case, IDNA, no trailing dot), so
    that `https://BIT.LY./x`, `https://bit%2Ely/x` or `https://bit。ly/x` is bit.ly; None: unreadable."""
    url = url.replace("\\", "/")  # as browsers read an http(s) link: `https://a.org\@b.org` opens a.org
    try:
        host = urlsplit(url if scheme else "http://" + url).hostname
    except ValueError:  # an unbalanced '[': not an IPv6 address
        return None
    host = unquote(host or "")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:  # an empty or overlong label: compared as written
        pass
    return host.lower().rstrip(".") or None


def _within(host: str, domains: frozenset[str]) -> bool:
    """Whether `host` is one of `domains` or under one. A domain has at most 253 characters, so
    only the dots in the host's last 254 are looked at: a few set lookups per link, however many
    domains the rule lists and however long the host."""
    if host in domains:
        return True
    tail = host[-254:]
    dot = tail.find(".")
    while dot >= 0:
        if tail[dot + 1 :] in domains:
            return True
        dot = tail.find(".", dot + 1)
    return False


def check(rule, draft, channel) -> list[Finding]:
    found = []
    spans = find_urls(draft.body)
    if draft.link:
        spans.append((0, 0, draft.link))
    allow = [d.lower().lstrip(".") for d in rule.get("allow", [])]
    allowed_domains = frozenset(allow)
    denied_domains = frozenset(d.lower().lstrip(".") for d in rule.get("deny", []))
    for start, end, url in spans:
        scheme = match.group(0)[:-3].lower() if (match := _SCHEME.match(url)) else ""
        host = _host(url, scheme)
        shown = url if len(url) <= 60 else url[:57] + "…"
        if rule.get("https_only") and scheme != "https":
            # A link written without a scheme (`bit.ly/3xYz`, `www.example.org`) opens as http:// where a platform
            # or a reader adds one.
            message = f"Use an https:// link: {shown}" if scheme else f"Write the link with https:// in front: {shown}"
            found.append(Finding(NAME, rule["severity"], message, start, end))
        if host is None:
            if allow or denied_domains:
                message = f"The domain of this link cannot be read; write it as https://domain/…: {shown}"
                found.append(Finding(NAME, rule["severity"], message, start, end))
        elif _within(host, denied_domains):
            found.append(Finding(NAME, rule["severity"], f"Links to {host} are not allowed.", start, end))
        elif allow and not _within(host, allowed_domains):
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
