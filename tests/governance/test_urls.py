"""The one URL detector (`governance.rules.urls`): what the X counter counts as a URL, what the
links rule judges, what the sensitive screen masks."""

import time

import pytest

from governance.rules import sensitive
from governance.rules.length import count
from governance.rules.sensitive import scan
from governance.rules.urls import find_urls, url_spans


def links(text):
    return [url for _, _, url in find_urls(text)]


class TestFindUrls:
    def test_offsets_and_text(self):
        text = "Book at bit.ly/3xYz, or https://stmarys.example.org/flu?x=1."
        assert find_urls(text) == [(8, 19, "bit.ly/3xYz"), (24, 59, "https://stmarys.example.org/flu?x=1")]

    @pytest.mark.parametrize(
        "text, expected",
        [
            ("tinyurl.com/x", ["tinyurl.com/x"]),
            ("example.org/path!", ["example.org/path"]),  # sentence punctuation is not part of the link
            ("(see t.co/abc)", ["t.co/abc"]),  # nor an unbalanced parenthesis
            ("wiki.org/Foo_(bar) ok", ["wiki.org/Foo_(bar)"]),
            ("www.example.com", ["www.example.com"]),
            ("example.com", ["example.com"]),  # a generic TLD: no path needed
            ("notes.md/x", ["notes.md/x"]),  # a country-code TLD with a path
            ("chart.co", ["chart.co"]),  # .co and .tv need none
            ("HTTPS://X.ORG/A", ["HTTPS://X.ORG/A"]),
        ],
    )
    def test_links(self, text, expected):
        assert links(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "me@example.com",
            "jane.doe@bit.ly",
            "@bit.ly",
            "#example.org",
            "3.5 and 10.25",
            "report.pdf",  # not a TLD of the list
            "setup.py",  # a two-label name with a country-code TLD counts only with a path
            "README.md",
            "e.g. i.e.",
            "https://",
        ],
    )
    def test_not_links(self, text):
        assert find_urls(text) == []

    def test_schemed_links_twitter_text_does_not_take_are_found_too(self):
        text = "http://10.0.0.1/x, https://news@bit.ly/y www.evil.zip/z http://localhost:8000/."
        assert url_spans(text, bare=True) == []
        assert links(text) == ["http://10.0.0.1/x", "https://news@bit.ly/y", "www.evil.zip/z", "http://localhost:8000/"]

    def test_a_link_inside_one_twitter_text_does_not_take_is_given_too(self):
        assert links("https://10.0.0.1/?next=https://bit.ly/x") == [
            "https://10.0.0.1/?next=https://bit.ly/x",
            "https://bit.ly/x",
        ]

    def test_the_x_counter_counts_23_for_each_of_the_links_it_finds(self):
        text = "Read bit.ly/3xYz, t.co/abc and https://example.org/a (mail me@example.com; 3.5 report.pdf)."
        found = find_urls(text)
        assert [url for *_, url in found] == ["bit.ly/3xYz", "t.co/abc", "https://example.org/a"]
        assert url_spans(text, bare=True) == [(start, end) for start, end, _ in found]
        assert count("x", text) == len(text) - sum(end - start for start, end, _ in found) + 23 * len(found)


@pytest.mark.parametrize(
    "unit", ["a.co/)", "https://a.co/)", "www.a.co/)x", "https://1.2.3.4/)", "http://", "a.", "(a.co/"]
)
def test_linear_time_on_repetitions(unit):
    """Every URL after an unbalanced ')' used to match its path to the end of the run again:
    `a.co/)` repeated to 100,000 characters took 4 s (quadratic); now a few hundredths."""
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    started = time.perf_counter()
    find_urls(text)
    url_spans(text, bare=False)
    assert time.perf_counter() - started < 1.5


class TestTheSensitiveScreenMasksLinks:
    """URLs (as `find_urls` finds them), hashtags and @handles are masked before the number
    detectors run. Each text's number is found when nothing is masked (the control), and not
    when the screen masks."""

    @pytest.mark.parametrize(
        "text, kind",
        [
            ("Reach Maria Lopez at https://x.org/?tel=555-234-7890 today", "phone"),
            ("Reach Maria Lopez at example.org/reports?id=555-234-7890 today", "phone"),
            ("Reach Maria Lopez at example.org/reports/+1-555-234-7890 today", "phone"),
            ("Reach Maria Lopez at bit.ly/r=5552347890 today", "phone"),  # a ccTLD; `.ly` with a path
            ("Reach Maria Lopez at HTTPS://X.ORG/?tel=555-234-7890 today", "phone"),
            ("Reach Maria Lopez at http://10.1.2.3/?tel=555-234-7890 today", "phone"),  # a link X does not take
            ("Reach Maria Lopez at www.cityhealth.care/r=123-45-6789 today", "ssn"),
            ("Maria Lopez is at #Room412 today", "room"),
        ],
    )
    def test_a_number_inside_a_link_or_a_hashtag_is_not_an_identifier(self, text, kind, monkeypatch):
        assert kind not in [hit.kind for hit in scan(text)]
        monkeypatch.setattr(sensitive, "_masked_spans", lambda text: [])
        sensitive._scan_once.cache_clear()  # the screen remembers what it read; read again, unmasked
        unmasked = [hit.kind for hit in scan(text)]
        sensitive._scan_once.cache_clear()  # and forget the unmasked reading
        assert kind in unmasked

    @pytest.mark.parametrize(
        "text",
        [
            "Reach Maria Lopez at https://x.org/555-234-7890",
            "Reach Maria Lopez at example.org/reports/555-234-7890",
            "Read the report: https://www.cityhealth.org/reports/2024/annual-report-555-234-7890.pdf",
        ],
    )
    def test_a_phone_number_as_a_path_is_not_a_phone_number(self, text):
        assert "phone" not in [hit.kind for hit in scan(text)]

    def test_the_same_number_outside_the_link_is(self):
        hits = scan("Reach Maria Lopez at 555-234-7890 or https://x.org/?tel=555-234-7890")
        assert [(hit.kind, hit.start) for hit in hits] == [("phone", 21)]

    def test_a_number_then_a_sentence_with_no_space_is_not_a_site(self):
        # `4.Care` is a bare domain to X (.care is a TLD), but masking it would hide the room number.
        assert find_urls("Room 4.Care team") == [(5, 11, "4.Care")]
        assert [hit.kind for hit in scan("Maria Lopez is in Room 4.Care team is with her")] == ["room"]
