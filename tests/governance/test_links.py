"""Issue 15, item 6: the links rule finds the links the X counter finds, bare domains included
(`bit.ly/3xYz` got round `deny: ["bit.ly"]`), and still judges the schemed links X does not take."""

import time
from types import SimpleNamespace

import pytest

from governance.rules.engine import Draft, screen
from governance.rules.kinds import KINDS
from governance.rules.length import count

CHANNEL = SimpleNamespace(name="Blog", platform="blog", requires_consent=False)
STRICT = {
    "kind": "links",
    "severity": "block",
    "https_only": True,
    "allow": ["stmarys.example.org"],
    "deny": ["bit.ly"],
}


def links(rule, body, link=""):
    """(message, the text of the finding's span) of each finding of the links rule on `body`."""
    return [
        (f.message, body[f.start : f.end]) for f in KINDS["links"].check(rule, Draft(body=body, link=link), CHANNEL)
    ]


def rule(**params):
    return {"kind": "links", "severity": "block", **params}


class TestBareDomainsAreLinks:
    def test_a_denied_shortener_without_a_scheme(self):
        assert links(rule(deny=["bit.ly"]), "Our new clinic: bit.ly/3xYz.") == [
            ("Links to bit.ly are not allowed.", "bit.ly/3xYz")  # the full stop is not part of the link
        ]

    def test_a_denied_domain_and_its_subdomains(self):
        deny = rule(deny=["tinyurl.com"])
        assert links(deny, "Details at tinyurl.com/x") == [("Links to tinyurl.com are not allowed.", "tinyurl.com/x")]
        assert links(deny, "(see go.tinyurl.com/x)") == [
            ("Links to go.tinyurl.com are not allowed.", "go.tinyurl.com/x")
        ]
        assert links(deny, "Details at TinyURL.com/x!") == [("Links to tinyurl.com are not allowed.", "TinyURL.com/x")]

    def test_a_domain_outside_the_allow_list(self):
        allow = rule(allow=["stmarys.example.org"])
        assert links(allow, "Read example.org/path, then stmarys.example.org/news and www.stmarys.example.org.") == [
            ("example.org is not an allowed link domain (allowed: stmarys.example.org).", "example.org/path")
        ]

    def test_a_link_without_a_scheme_is_not_https(self):
        https = rule(https_only=True)
        assert links(https, "Watch t.co/abc and https://t.co/def") == [
            ("Write the link with https:// in front: t.co/abc", "t.co/abc")
        ]
        assert links(https, "Visit www.stmarys.example.org today") == [
            ("Write the link with https:// in front: www.stmarys.example.org", "www.stmarys.example.org")
        ]

    def test_a_bare_domain_with_a_known_tld_needs_no_path(self):
        assert links(rule(deny=["example.com"]), "See example.com today") == [
            ("Links to example.com are not allowed.", "example.com")
        ]


@pytest.mark.parametrize(
    "body",
    [
        "Write to press@bit.ly or jane.doe@tinyurl.com",  # e-mail addresses
        "Follow @bit.ly and #bit.ly",  # a handle, a hashtag
        "Dose up 3.5 mg, then 10.25",  # decimals
        "Attach report.pdf, index.html and setup.py",  # not a TLD, or a two-label name with a ccTLD and no path
        "See README.md and notes.docx",
        "Price: $bit.ly",
    ],
)
def test_what_is_not_a_link(body):
    assert links(STRICT, body) == []


class TestSchemedLinksTwitterTextDoesNotTake:
    """X counts none of these as a URL, but browsers and other platforms open them: the rule
    judges them as the old `https?://…|www.…` pattern did, so nothing it caught now escapes."""

    def test_an_ip_address_or_localhost(self):
        assert links(rule(https_only=True), "Open http://10.0.0.1/x or http://localhost:8000/") == [
            ("Use an https:// link: http://10.0.0.1/x", "http://10.0.0.1/x"),
            ("Use an https:// link: http://localhost:8000/", "http://localhost:8000/"),
        ]

    def test_credentials_before_the_host(self):
        assert links(rule(deny=["bit.ly"]), "https://news@bit.ly/x") == [
            ("Links to bit.ly are not allowed.", "https://news@bit.ly/x")
        ]
        assert links(rule(allow=["a.org"]), "https://a.org@evil.example/x") == [
            ("evil.example is not an allowed link domain (allowed: a.org).", "https://a.org@evil.example/x")
        ]

    def test_www_and_a_tld_not_in_the_list(self):
        assert links(rule(allow=["a.org"]), "www.evil.zip/x") == [
            ("www.evil.zip is not an allowed link domain (allowed: a.org).", "www.evil.zip/x")
        ]

    def test_the_host_is_read_as_a_browser_reads_it(self):
        deny = rule(deny=["bit.ly"])
        for body in ["https://BIT.LY./x", "https://bit%2Ely/x", "https://bit\u3002ly/x", "https://ｂｉｔ.ｌｙ/x"]:
            assert [m for m, _ in links(deny, body)] == ["Links to bit.ly are not allowed."], body
        assert [m for m, _ in links(rule(allow=["a.org"]), "https://10.0.0.1\\@a.org/")] == [
            "10.0.0.1 is not an allowed link domain (allowed: a.org)."
        ]

    def test_an_unreadable_link_is_a_finding_not_an_error(self):
        assert links(rule(deny=["bit.ly"]), "see https://[x ok") == [
            ("The domain of this link cannot be read; write it as https://domain/…: https://[x", "https://[x")
        ]


def test_the_link_field_is_still_judged_as_a_whole():
    assert links(rule(https_only=True), "Hi.", link="bit.ly/abc") == [
        ("Write the link with https:// in front: bit.ly/abc", "")
    ]
    assert links(rule(https_only=True), "Hi.", link="ftp://files.example.org/a") == [
        ("Use an https:// link: ftp://files.example.org/a", "")
    ]


def test_a_rule_of_500_domains_on_many_links_is_quick():
    """Each link is looked up by the suffixes of its host, not compared with every domain."""
    allow, deny = [f"a{i}.example.org" for i in range(500)], [f"d{i}.example.org" for i in range(500)]
    body = " ".join(f"www.a{i % 500}.example.org/{i}" for i in range(10_000))
    started = time.perf_counter()
    assert links(rule(allow=allow, deny=deny), body + " www.d7.example.org") == [
        ("Links to www.d7.example.org are not allowed.", "www.d7.example.org")
    ]
    assert time.perf_counter() - started < 1.0  # 10,000 links against 1,000 domains one by one: about 2 s


def test_the_x_counter_and_the_rule_see_the_same_links():
    body = "New: bit.ly/3xYz, stmarys.example.org/a (and https://t.co/x). Mail press@stmarys.example.org."
    spans = sorted(span for _, span in links(STRICT, body))
    assert spans == ["bit.ly/3xYz", "bit.ly/3xYz", "https://t.co/x", "stmarys.example.org/a"]
    urls = {"bit.ly/3xYz", "stmarys.example.org/a", "https://t.co/x"}
    assert count("x", body) == len(body) - sum(map(len, urls)) + 23 * len(urls)


def test_the_screen_judges_a_bare_link_in_every_field():
    policy = SimpleNamespace(rules=[rule(deny=["bit.ly"])])
    draft = Draft(body="Read bit.ly/a", title="bit.ly/b", media_url="https://a.org/i.png", media_alt_text="bit.ly/c")
    found = [(f.field, f.message) for f in screen(SimpleNamespace(platform="blog"), draft, [policy])]
    assert sorted(found) == [
        ("body", "Links to bit.ly are not allowed."),
        ("media_alt_text", "In the image's alt text: Links to bit.ly are not allowed."),
        ("title", "In the title: Links to bit.ly are not allowed."),
    ]
