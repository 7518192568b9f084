"""Post length as each platform counts it (governance.rules.length), and the `length` rule's findings.

Expected numbers come from the platforms' documented rules, worked out by hand in the comments:
* X (twitter-text v3): code points U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F, U+2032–U+2037 weigh 1, others 2;
  an emoji (however many code points) 2; a URL 23; the text is NFC-normalized first.
* Mastodon: grapheme clusters; a URL with a scheme 23; `@user@domain` counts as `@user`.
* Facebook, Instagram, LinkedIn, YouTube titles: code points; YouTube descriptions: UTF-8 bytes.
"""

import gc
import random
import time

import pytest

from governance.rules.findings import BLOCK, Finding
from governance.rules.length import check_length, count, count_and_limit, limit, title_limit, unit

URL_100 = "https://example.com/" + "p" * 80  # 20 + 80 = 100 characters
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦: 4 people, 3 ZWJ = 7 code points
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽: thumbs up + skin tone
FLAG_FR = "\U0001f1eb\U0001f1f7"  # 🇫🇷: two regional indicators
FLAG_ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # black flag + tags + cancel
RED_HEART = "\u2764\ufe0f"  # ❤️: heart + VS16
KEYCAP_ONE = "1\ufe0f\u20e3"  # 1️⃣


def assert_block(findings, message, start, end, field="body"):
    assert findings == [Finding(rule="length", severity=BLOCK, message=message, start=start, end=end, field=field)]


class TestXCounting:
    def test_plain_ascii_counts_one_per_character(self):
        assert count("x", "Hello, world!") == 13

    def test_a_long_url_counts_23(self):
        assert len(URL_100) == 100
        assert count("x", URL_100) == 23
        assert count("x", "a" * 257 + " " + URL_100) == 257 + 1 + 23  # 281

    def test_several_urls_count_23_each(self):
        text = "https://a.example.com/x https://b.example.org/y?z=1 http://c.example.net"
        assert count("x", text) == 23 + 1 + 23 + 1 + 23  # 71

    def test_https_and_www_urls(self):
        assert count("x", "https://www.example.com/some/long/path") == 23
        assert count("x", "www.example.com/some/long/path") == 23
        assert count("x", "WWW.EXAMPLE.COM") == 23
        assert count("x", "See example.com today") == 4 + 23 + 6  # a bare domain with a known TLD is a URL
        assert count("x", "docs.python.org") == 23

    def test_what_is_not_a_url(self):
        assert count("x", "me@example.com") == 14  # an e-mail address: no URL right after '@'
        assert count("x", "setup.py") == 8  # one label and a country-code TLD, no path (twitter-text's short domain)
        assert count("x", "example.py/setup") == 23  # ... but with a path it is one
        assert count("x", "x.co") == 23  # .co and .tv are the exceptions
        assert count("x", "https://localhost:8000/admin") == 28  # no top-level domain: its 28 characters
        assert count("x", "e.g. this") == 9

    def test_trailing_punctuation_and_parentheses_are_not_part_of_the_url(self):
        assert count("x", "Read https://example.com/page.") == 5 + 23 + 1  # 29
        assert count("x", "(see https://en.wikipedia.org/wiki/Foo_(bar)).") == 5 + 23 + 2  # 30

    def test_emoji_count_2_however_many_code_points(self):
        assert count("x", "\U0001f44d") == 2  # 👍
        assert count("x", THUMBS_UP_MEDIUM) == 2
        assert count("x", FAMILY) == 2  # code point by code point it would be 4 × 2 + 3 × 1 = 11
        assert count("x", FLAG_FR) == 2
        assert count("x", FLAG_ENGLAND) == 2
        assert count("x", RED_HEART) == 2
        assert count("x", KEYCAP_ONE) == 2
        assert count("x", "H\U0001f431\u263a" + FAMILY) == 1 + 2 + 2 + 2  # 7, twitter-text's own example

    def test_copyright_sign_is_an_emoji_only_with_vs16(self):
        assert count("x", "\u00a9") == 1  # U+00A9 is in the weight-100 range
        assert count("x", "\u00a9\ufe0f") == 2

    def test_cjk_counts_2_per_character(self):
        assert count("x", "日本語") == 6
        assert count("x", "こんにちは") == 10
        assert count("x", "안녕") == 4

    def test_the_weight_100_ranges(self):
        assert count("x", "Ωмé") == 3  # Greek, Cyrillic, Latin: below U+1100
        assert count("x", "\u201c\u2014\u201d") == 3  # “—”: U+2010–U+201F
        assert count("x", "\u2026") == 2  # … U+2026 is outside the ranges
        assert count("x", "\u20ac") == 2  # €

    def test_text_is_nfc_normalized_first(self):
        assert count("x", "e\u0301") == 1  # e + combining acute → é
        assert count("x", "Cafe\u0301") == 4
        assert count("x", "q\u0301") == 2  # no precomposed q-acute: q + U+0301, both weight 1
        assert count("x", "e\u0301" * 280) == 280  # 560 code points, 280 once normalized

    def test_crlf_counts_as_one_newline(self):
        assert count("x", "a\r\nb") == 3


class TestXFindings:
    def test_exactly_280_passes_and_281_is_blocked(self):
        assert check_length("x", "a" * 280) == []
        assert_block(
            check_length("x", "a" * 281), "281 of 280 characters as X counts them: shorten by 1.", start=280, end=281
        )

    def test_between_90_and_100_percent_there_is_no_finding(self):
        assert check_length("x", "a" * 270) == []
        assert count_and_limit("x", "a" * 270) == (270, 280)

    def test_the_message_from_the_brief(self):
        body = "a" * 312
        assert_block(
            check_length("x", body), "312 of 280 characters as X counts them: shorten by 32.", start=280, end=312
        )

    def test_start_is_where_a_url_takes_the_text_over(self):
        body = "a" * 257 + " " + URL_100  # 257 + 1 + 23 = 281: the URL, at 258, takes it over
        assert_block(
            check_length("x", body), "281 of 280 characters as X counts them: shorten by 1.", start=258, end=358
        )

    def test_start_with_cjk(self):
        assert check_length("x", "日" * 140) == []  # 280
        assert_block(
            check_length("x", "日" * 141), "282 of 280 characters as X counts them: shorten by 2.", start=140, end=141
        )
        # 279 + 2 = 281: the CJK character that goes over the limit is at 279
        assert check_length("x", "a" * 279 + "日")[0].start == 279

    def test_start_with_an_emoji(self):
        body = "a" * 279 + THUMBS_UP_MEDIUM  # 279 + 2 = 281
        assert_block(
            check_length("x", body), "281 of 280 characters as X counts them: shorten by 1.", start=279, end=281
        )

    def test_start_is_an_offset_in_the_text_as_given_before_normalization(self):
        body = "e\u0301" * 281  # 281 once normalized; the 281st é starts at 2 × 280 in the body
        assert_block(
            check_length("x", body), "281 of 280 characters as X counts them: shorten by 1.", start=560, end=562
        )

    def test_start_with_crlf(self):
        body = "ab\r\n" * 100  # 3 per line: 300; unit 280 is the 'b' of line 93 (279 = its 'a'), at 93 × 4 + 1
        assert_block(
            check_length("x", body), "300 of 280 characters as X counts them: shorten by 20.", start=373, end=400
        )

    @pytest.mark.parametrize(
        "body",
        ["a" * 400, "日" * 200, "ab " * 150, THUMBS_UP_MEDIUM * 150, ("word " + URL_100 + " ") * 20, "e\u0301" * 300],
    )
    def test_the_text_before_start_fits(self, body):
        (finding,) = check_length("x", body)
        assert count("x", body[: finding.start]) <= 280 < count("x", body[: finding.start + 120])

    def test_the_link_counts_as_appended_with_a_space(self):
        body = "a" * 257
        assert count_and_limit("x", body, link=URL_100) == (257 + 1 + 23, 280)
        assert_block(
            check_length("x", body, link=URL_100),
            "281 of 280 characters as X counts them (including the link): shorten by 1.",
            start=257,
            end=257,
        )
        assert check_length("x", "a" * 256, link=URL_100) == []  # 256 + 1 + 23 = 280

    def test_a_link_already_in_the_body_is_not_counted_twice(self):
        body = "a" * 256 + " " + URL_100  # 280
        assert count_and_limit("x", body, link=URL_100) == (280, 280)
        assert check_length("x", body, link=URL_100) == []


class TestMastodon:
    def test_limit(self):
        assert limit("mastodon") == 500
        assert check_length("mastodon", "a" * 500) == []
        assert_block(
            check_length("mastodon", "a" * 501),
            "501 of 500 characters as Mastodon counts them: shorten by 1.",
            start=500,
            end=501,
        )

    def test_a_url_counts_23(self):
        assert count("mastodon", URL_100) == 23
        body = "a" * 477 + " " + URL_100  # 477 + 1 + 23 = 501
        assert_block(
            check_length("mastodon", body),
            "501 of 500 characters as Mastodon counts them: shorten by 1.",
            start=478,
            end=578,
        )

    def test_a_url_without_scheme_counts_its_length(self):
        assert count("mastodon", "example.com/page") == 16

    def test_a_remote_mention_counts_only_the_username(self):
        assert count("mastodon", "@alice@mastodon.social") == 6  # as "@alice"
        assert count("mastodon", "Hi @alice@example.social and @bob") == 3 + 6 + 5 + 4  # 18
        assert count("mastodon", "alice@example.com") == 17  # an e-mail address is not a mention
        body = "x" * 494 + " @alice@mastodon.social"  # 494 + 1 + 6 = 501: the mention, at 495, takes it over
        assert check_length("mastodon", body)[0].start == 495

    def test_counts_grapheme_clusters(self):
        assert count("mastodon", "\U0001f44d") == 1
        assert count("mastodon", THUMBS_UP_MEDIUM) == 1
        assert count("mastodon", FAMILY) == 1
        assert count("mastodon", FLAG_FR * 3) == 3
        assert count("mastodon", FLAG_ENGLAND) == 1
        assert count("mastodon", RED_HEART + KEYCAP_ONE) == 2
        assert count("mastodon", "e\u0301") == 1
        assert count("mastodon", "\u1100\u1161\u11a8") == 1  # Hangul jamo making one syllable
        assert count("mastodon", "日本語") == 3
        assert count("mastodon", "a\r\nb") == 3

    def test_start_after_multi_code_point_clusters(self):
        body = FAMILY * 501  # 501 clusters; the 501st starts at 500 × 7
        assert_block(
            check_length("mastodon", body),
            "501 of 500 characters as Mastodon counts them: shorten by 1.",
            start=3500,
            end=3507,
        )

    def test_the_link_counts_as_appended(self):
        assert count_and_limit("mastodon", "Read this", link=URL_100) == (9 + 1 + 23, 500)
        finding = check_length("mastodon", "a" * 480, link=URL_100)[0]  # 480 + 1 + 23 = 504
        assert (finding.start, finding.end) == (480, 480)
        assert "(including the link)" in finding.message


class TestOtherPlatforms:
    def test_limits(self):
        assert limit("x") == 280
        assert limit("facebook") == 63_206
        assert limit("instagram") == 2_200
        assert limit("linkedin") == 3_000
        assert limit("youtube") == 5_000
        for outlet in ("blog", "podcast", "forum", "newsletter", "intranet"):
            assert limit(outlet) is None

    def test_every_platform_of_the_model_is_known(self):
        from governance.models import Platform

        for platform in Platform.values:
            limit(platform)
            count(platform, "abc")

    def test_unknown_platform(self):
        with pytest.raises(ValueError, match="tiktok"):
            count("tiktok", "abc")
        with pytest.raises(ValueError):
            check_length("tiktok", "abc")

    def test_code_points(self):
        assert count("linkedin", FAMILY) == 7
        assert count("instagram", "e\u0301") == 2
        assert count("facebook", "a\r\nb") == 3

    @pytest.mark.parametrize(
        ("platform", "name", "limit_"), [("linkedin", "LinkedIn", 3_000), ("instagram", "Instagram", 2_200)]
    )
    def test_limit_and_one_more(self, platform, name, limit_):
        assert check_length(platform, "a" * limit_) == []
        assert_block(
            check_length(platform, "a" * (limit_ + 1)),
            f"{limit_ + 1:,} of {limit_:,} characters as {name} counts them: shorten by 1.",
            start=limit_,
            end=limit_ + 1,
        )

    def test_facebook(self):
        assert check_length("facebook", "a" * 63_206) == []
        assert_block(
            check_length("facebook", "a" * 63_207),
            "63,207 of 63,206 characters as Facebook counts them: shorten by 1.",
            start=63_206,
            end=63_207,
        )

    def test_no_limit_for_own_outlets(self):
        assert check_length("blog", "a" * 100_000) == []
        assert count_and_limit("blog", "abc") == (3, None)

    def test_the_link_is_not_counted_where_it_is_not_shown_in_the_text(self):
        assert count_and_limit("linkedin", "a" * 10, link=URL_100) == (10, 3_000)
        assert check_length("linkedin", "a" * 3_000, link=URL_100) == []


class TestYouTube:
    def test_descriptions_count_utf8_bytes(self):
        assert unit("youtube") == "bytes"
        assert unit("x") == "characters"
        assert count("youtube", "aé日\U0001f44d") == 1 + 2 + 3 + 4

    def test_description_limit(self):
        assert check_length("youtube", "a" * 5_000) == []
        assert check_length("youtube", "é" * 2_500) == []  # 5,000 bytes
        # 5,002 bytes: the 2,501st é (at 2,500) is the one that goes over
        assert_block(
            check_length("youtube", "é" * 2_501),
            "5,002 of 5,000 bytes as YouTube counts them: shorten by 2.",
            start=2_500,
            end=2_501,
        )

    def test_title(self):
        assert title_limit("youtube") == 100
        assert title_limit("x") is None
        assert check_length("youtube", "body", title="t" * 100) == []
        assert_block(
            check_length("youtube", "body", title="t" * 101),
            "Title: 101 of 100 characters as YouTube counts them: shorten by 1.",
            start=0,
            end=0,
            field="title",
        )

    def test_title_and_body_both_over(self):
        findings = check_length("youtube", "a" * 5_001, title="t" * 120)
        assert [(f.message.split(":")[0], f.start, f.end) for f in findings] == [
            ("5,001 of 5,000 bytes as YouTube counts them", 5_000, 5_001),
            ("Title", 0, 0),
        ]

    def test_a_title_is_ignored_where_there_is_no_title_limit(self):
        assert check_length("linkedin", "body", title="t" * 500) == []


@pytest.mark.parametrize("platform", ["x", "mastodon", "linkedin", "youtube"])
def test_what_precedes_the_finding_fits_and_the_count_agrees(platform):
    """Mixed texts, seeded: the count with the finding agrees with `count`, and the body before `start` fits."""
    pieces = ["a", " ", "\r\n", "é", "e\u0301", "日", "\u2026", "\U0001f44d", THUMBS_UP_MEDIUM, FAMILY, FLAG_FR]
    # URLs end with a space: cut right before a digit, `www.example.org1` would become a URL, and count more.
    pieces += [RED_HEART, KEYCAP_ONE, " https://example.com/path ", " www.example.org ", " @bob@example.social "]
    rng = random.Random(20260512)
    for _ in range(200):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(100, 400)))
        total = count(platform, body)
        findings = check_length(platform, body)
        if total <= limit(platform):
            assert findings == []
            continue
        (finding,) = findings
        assert finding.message.startswith(f"{total:,} of {limit(platform):,} ")
        assert count(platform, body[: finding.start]) <= limit(platform)
        assert finding.end == len(body)


def test_a_2000_character_post_is_checked_well_under_a_millisecond():
    paragraph = (
        "Join us on 12 May for our open day \U0001f389 Talks, workshops and a tour of the new lab "
        f"{THUMBS_UP_MEDIUM} Register at https://example.org/events/open-day?utm_source=social or "
        "www.example.org/open-day \u2014 caf\u00e9 & croissants provided. 日本語のご案内もあります。 "
    )
    body = (paragraph * 20)[:2000]
    assert len(body) == 2000
    for platform in ("x", "mastodon", "facebook", "instagram", "linkedin", "youtube", "blog"):
        check_length(platform, body)  # warm up (Mastodon builds its tables on first use)
        # The best of many rounds: on a busy machine (the suite's other worker, a neighbour) some
        # rounds are slowed by others, and the best one still shows what the check costs.
        best = min(_seconds_per_check(platform, body) for _ in range(15))
        assert best < 0.001, f"{platform}: {best * 1e6:.0f} µs"


def _seconds_per_check(platform, body, runs=20):
    gc.disable()  # a collection of the suite's garbage is not the check's cost
    try:
        started = time.perf_counter()
        for _ in range(runs):
            check_length(platform, body)
        return (time.perf_counter() - started) / runs
    finally:
        gc.enable()
