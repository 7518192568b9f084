"""The one URL detector: where the links are in a text.

* `url_spans(text, bare=...)`: the URLs as X and Mastodon find them (twitter-text's rules, below), for the length
  counter (a URL counts 23 there, however long it is).
* `find_urls(text)`: the links a policy judges and the sensitive screen masks: `url_spans(text, bare=True)`, so a bare
  `bit.ly/3xYz` or `example.org/page` is one, plus what starts with `http://`, `https://` or `www.` although
  twitter-text does not take it (an IP address or `localhost` as the host, `user@host`, a top-level domain not in
  the list, a host with other dots or % escapes): X would not count those as URLs, but other platforms and readers
  open them, and a policy must not be got round by writing a link in a shape X does not know.

Sentence punctuation after a link and an unbalanced ')' are not part of it; e-mail addresses, @handles, #hashtags,
decimals (`3.5`) and file names (`report.pdf`, `setup.py`: a two-label name with a country-code TLD counts only with
a path) are not links. Linear in the text's length: every position is looked at a bounded number of times.
"""

from __future__ import annotations

import re

# URLs: an approximation of twitter-text's extractUrlsWithIndices (which Mastodon uses too). It covers:
#  * with a scheme: http:// or https://, then a host of dot-separated labels (letters of any script, digits,
#    hyphens) ending in an alphabetic or punycode top-level domain. twitter-text checks that TLD against its list;
#    here any alphabetic TLD is accepted, so `https://example.ventures` counts as a URL;
#  * without a scheme (X only): a host of ASCII labels ending in a known TLD (`_TLDS`: every country-code TLD and the
#    common generic ones), e.g. `www.example.com`, `example.org/page`; as in twitter-text, a bare `name.cc` (one label
#    and a country-code TLD other than .co and .tv, e.g. `setup.py`, `README.md`) counts only with a path;
#  * no URL starts right after a letter, a digit, `@`, `$` or `#`, nor (without a scheme) after `-`, `_`, `.`, `/`;
#  * then an optional port, path and query; trailing punctuation (`.`, `,`, `!`, `?`, `:`, `'`…) and unbalanced
#    closing parentheses are left out, as in twitter-text's "ending characters" rules.
# Not covered: twitter-text's exact TLD list, its t.co slug rules, its 4096-character URL cap.
_CCTLDS = frozenset(
    """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bv bw by bz ca cc
    cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb
    gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke
    kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu
    mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw
    sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz
    ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw
    """.split()
)
_GTLDS = frozenset(
    """
    com net org edu gov mil int info biz name pro aero asia cat coop jobs mobi museum post tel travel xxx
    academy agency app art bank blog business capital care center church city cloud club college community company
    consulting design dev digital email energy engineering events expert finance foundation fun games gallery global
    green group guide health help host house institute international law legal life link live ltd media money
    music network news ngo one online page photo photography pics plus press radio report school science services
    shop site social software solutions space store studio support systems team tech technology today tools top
    university video vip website wiki win work works world xyz zone
    """.split()
)
_TLDS = _CCTLDS | _GTLDS
_SHORT_CCTLDS_NEED_PATH = _CCTLDS - {"co", "tv"}

LATIN_ACCENTS = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_URL_CHARS = rf"[A-Za-z0-9{LATIN_ACCENTS}\u0400-\u04ff!*';:=+,.$/%#\[\]\-\u2013_~&|@()?]"
# A port, and the first character of a path or query: the rest of it is the run of `_URL_CHARS` after that (see
# `_Runs`), as twitter-text's greedy path pattern takes it.
_URL_TAIL = r"(?::[0-9]{1,5})?(?P<path>[/?])?"
_URL_RUN = re.compile(f"{_URL_CHARS}*")
_URL_END_OK = re.compile(rf"[A-Za-z0-9{LATIN_ACCENTS}\u0400-\u04ff=_#/+\-&]")
_URL_NOT_AFTER = "@\uff20$#\uff03"
_SCHEME = re.compile("[hH][tT][tT][pP][sS]?://")
_SCHEME_URL_AT = re.compile(
    r"(?i:https?://)(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![^\W_]|[@+-])"
    + _URL_TAIL
)
_BARE_URL_AT = re.compile(
    r"(?P<host>(?:[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+(?P<tld>[A-Za-z]{2,63}))(?![A-Za-z0-9@+-])"
    + _URL_TAIL
)
_DOT_BEFORE_LETTER = re.compile(r"\.(?=[A-Za-z])")
_HOST_RUN = re.compile("[A-Za-z0-9_.-]*")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class _Runs:
    """Where the run of URL characters from an offset ends, each run measured once. A path is cut at its first
    unbalanced ')', and the URLs after that cut in the same run would each match to the run's end again: quadratic
    time on `a.co/)a.co/)…`."""

    def __init__(self, text: str):
        self.text = text
        self.start = self.end = -1

    def end_from(self, i: int) -> int:
        if not self.start <= i <= self.end:  # a run from inside the last one ends where it ends
            self.start, self.end = i, _URL_RUN.match(self.text, i).end()
        return self.end


def _url_end(text: str, match: re.Match, runs: _Runs) -> int:
    """Where the URL matched ends: before an unbalanced ')', and without trailing punctuation."""
    path_start = match.start("path")
    if path_start < 0:
        return match.end()
    return _trimmed_end(text, path_start, runs.end_from(match.end()))


def _trimmed_end(text: str, path_start: int, end: int) -> int:
    """The end of text[:end] without an unbalanced ')' after `path_start` and what follows it, and without trailing
    punctuation (at least one character after `path_start` is kept)."""
    if text.find(")", path_start, end) >= 0:  # what is looked at stays within the URL (see `_Runs`)
        depth = 0
        for i in range(path_start, end):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth < 0:
                    end = i
                    break
    while end > path_start + 1 and not (text[end - 1] == ")" or _URL_END_OK.match(text[end - 1])):
        end -= 1
    return end


def _preceded_ok(text: str, start: int, also: str = "") -> bool:
    if start == 0:
        return True
    before = text[start - 1]
    return not (before.isascii() and before.isalnum()) and before not in _URL_NOT_AFTER and before not in also


def url_spans(text: str, *, bare: bool) -> list[tuple[int, int]]:
    """Spans of the URLs in `text` as twitter-text finds them, sorted, not overlapping; `bare`: also those without a
    scheme (X; Mastodon counts only those with one)."""
    spans = []
    runs = _Runs(text)
    if "://" in text:
        for candidate in _SCHEME.finditer(text):
            start = candidate.start()
            if (spans and start < spans[-1][1]) or not _preceded_ok(text, start):
                continue
            match = _SCHEME_URL_AT.match(text, start)
            if match:
                spans.append((start, _url_end(text, match, runs)))
    if not bare:
        return spans
    schemed = spans
    spans = []
    runs = _Runs(text)
    covered = 0  # everything before this offset has been looked at
    k = 0
    for dot in _DOT_BEFORE_LETTER.finditer(text):
        i = dot.start()
        if i < covered or i == 0 or text[i - 1] not in _HOST_CHARS:
            continue
        while k < len(schemed) and schemed[k][1] <= i:
            k += 1
        if k < len(schemed) and schemed[k][0] <= i:
            covered = schemed[k][1]
            continue
        start = i - 1
        while start > 0 and text[start - 1] in _HOST_CHARS:
            start -= 1
        covered = _HOST_RUN.match(text, i + 1).end()
        if not _preceded_ok(text, start, also="-_./"):
            continue
        match = _BARE_URL_AT.match(text, start)
        if not match or match.group("tld").lower() not in _TLDS:
            continue
        labels = match.group("host").lower().split(".")
        if match.start("path") < 0 and len(labels) == 2 and labels[1] in _SHORT_CCTLDS_NEED_PATH:
            continue  # `setup.py`: twitter-text's invalidShortDomain
        spans.append((start, _url_end(text, match, runs)))
        covered = max(covered, spans[-1][1])
    return sorted(schemed + spans)


# What a link that twitter-text does not take starts with; it runs to the next space or quote.
_LOOSE_START = re.compile(r"\b(?:https?://|www\.)", re.IGNORECASE)
_LOOSE_RUN = re.compile("[^\\s<>\"']*")


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of each link in `text`, sorted by start: see the module's docstring. A link that
    twitter-text does not take may hold one that it takes (`https://10.0.0.1/?next=https://bit.ly/x`): both are
    given."""
    strict = url_spans(text, bare=True)
    loose = []
    if "://" in text or "www." in text.lower():
        k = 0
        covered = 0  # the end of the last loose link, and of the run of non-spaces it was cut from
        run_end = 0
        for candidate in _LOOSE_START.finditer(text):
            start = candidate.start()
            while k < len(strict) and strict[k][1] <= start:
                k += 1
            if start < covered or (k < len(strict) and strict[k][0] <= start):
                continue  # inside a link already found
            if start >= run_end:  # measured once per run: the candidates of a long run do not each walk it again
                run_end = _LOOSE_RUN.match(text, start).end()
            end = _trimmed_end(text, candidate.end(), run_end)
            if end > candidate.end():
                loose.append((start, end))
            covered = end
    return [(start, end, text[start:end]) for start, end in sorted(strict + loose)]
