"""Post length as each platform counts it, and the `length` rule.

Each platform counts differently, and the count that matters is the platform's own:

* X: the weighted length of twitter-text v3 (see `_x_measure`): most Latin, Greek, Cyrillic… count 1, CJK and
  other characters 2, an emoji 2 however many code points it is made of, a URL 23 however long it is.
* Mastodon: grapheme clusters, a URL 23, a remote mention `@user@domain` only as long as `@user`.
* YouTube descriptions: UTF-8 bytes (the API's limit is in bytes); the others: Unicode code points.

Which platform counts which way, its limits, unit and name, and whether its link shows inline are in the platform
registry (`governance.platforms`); this module holds the counting algorithms.

A newline typed as CRLF counts as one newline everywhere (browsers submit a textarea's newlines as CRLF; a
composer counts a newline once). Offsets in findings are offsets in the text given (Python str indices).

Public: `count`, `limit`, `unit`, `title_limit`, `count_and_limit`, `check_length`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .. import platforms
from .findings import BLOCK, Finding
from .urls import LATIN_ACCENTS, url_spans

RULE = "length"

# ---------------------------------------------------------------------------------------------------------------------
# Scanning. A text is entities (URLs, emoji, mentions: each one unit of a fixed weight) and the gaps between them.
# Totals are computed in bulk (C-speed str and re operations); when one is over the limit, a single pass over the
# entities and gaps, each gap weighed in bulk, finds where the running total goes over it, and only that gap is
# looked into unit by unit. Linear in the text's length: no prefix is ever counted again from its start.
# ---------------------------------------------------------------------------------------------------------------------

_Entity = tuple[int, int, int]  # start, end, weight
_GapWeight = Callable[[str], int]
# (gap, budget) -> offset in the gap of the first unit that takes the gap's running weight over the budget
_GapCross = Callable[[str, int], int]


def _scan(
    text: str,
    entities: Iterable[_Entity],
    gap_weight: _GapWeight,
    gap_cross: _GapCross,
    limit: int | None,
    *,
    until_cross: bool = False,
) -> tuple[int, int | None]:
    """(total weight, offset of the first unit that takes the total over `limit`, or None). `entities`: sorted, not
    overlapping. With `until_cross`, from a caller that knows the total goes over the limit: stop there (the total is
    then only that far), and go straight to the crossing in the last gap."""
    total = 0
    cross = None
    pos = 0
    end = len(text)
    for start, stop, weight in itertools.chain(entities, [(end, end, 0)]):
        if start > pos:
            gap = text[pos:start]
            if until_cross and start == end and limit is not None:
                return total, pos + gap_cross(gap, limit - total)
            gw = gap_weight(gap)
            if cross is None and limit is not None and total + gw > limit:
                cross = pos + gap_cross(gap, limit - total)
            total += gw
        if cross is None and limit is not None and weight and total + weight > limit:
            cross = start
        if cross is not None and until_cross:
            break
        total += weight
        pos = stop
    return total, cross


def _gaps(text: str, spans: list[tuple[int, int]] | list[_Entity]) -> str:
    """`text` with each span (sorted, not overlapping) replaced by a NUL, a control that joins nothing."""
    kept, pos = [], 0
    for span in spans:
        kept.append(text[pos : span[0]])
        pos = span[1]
    return "\0".join([*kept, text[pos:]])


def _nth_unit(nth: int, joined: Iterable[tuple[int, int]]) -> int:
    """Offset of the unit numbered `nth` (from 0) in a gap whose units are its code points, except that the code
    points in the `joined` spans (sorted, not overlapping) belong to the unit before them."""
    offset = nth
    for start, end in joined:
        if start > offset:
            break
        offset += end - start
    return offset


def _crlf_joins(gap: str) -> Iterator[tuple[int, int]]:
    """The LF of each CRLF (it belongs to the CR's unit)."""
    if "\r\n" not in gap:
        return iter(())
    return ((m.start() + 1, m.end()) for m in _CRLF.finditer(gap))


_CRLF = re.compile("\r\n")

# ---------------------------------------------------------------------------------------------------------------------
# Emoji.
# ---------------------------------------------------------------------------------------------------------------------

# Unicode's Extended_Pictographic (emoji-data.txt; the property is stable and covers the code points reserved for
# future emoji), except U+00A9 © and U+00AE ®, which are emoji only followed by U+FE0F (as in twemoji-parser).
_EXT_PICT_BMP = (
    "\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u2388\u23cf\u23e9-\u23f3\u23f8-\u23fa"
    "\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u2605\u2607-\u2612\u2614-\u2685\u2690-\u2705\u2708-\u2712"
    "\u2714\u2716\u271d\u2721\u2728\u2733\u2734\u2744\u2747\u274c\u274e\u2753-\u2755\u2757\u2763-\u2767"
    "\u2795-\u2797\u27a1\u27b0\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
)
_EXT_PICT_ASTRAL = (
    "\U0001f000-\U0001f0ff\U0001f10d-\U0001f10f\U0001f12f\U0001f16c-\U0001f171\U0001f17e\U0001f17f\U0001f18e"
    "\U0001f191-\U0001f19a\U0001f1ad-\U0001f1e5\U0001f201-\U0001f20f\U0001f21a\U0001f22f\U0001f232-\U0001f23a"
    "\U0001f23c-\U0001f23f\U0001f249-\U0001f3fa\U0001f400-\U0001f53d\U0001f546-\U0001f64f\U0001f680-\U0001f6ff"
    "\U0001f774-\U0001f77f\U0001f7d5-\U0001f7ff\U0001f80c-\U0001f80f\U0001f848-\U0001f84f\U0001f85a-\U0001f85f"
    "\U0001f888-\U0001f88f\U0001f8ae-\U0001f8ff\U0001f90c-\U0001f93a\U0001f93c-\U0001f945\U0001f947-\U0001faff"
    "\U0001fc00-\U0001fffd"
)
_EXT_PICT = _EXT_PICT_BMP + _EXT_PICT_ASTRAL
_SKIN_TONE = "\U0001f3fb-\U0001f3ff"  # Emoji_Modifier
_REGIONAL = "\U0001f1e6-\U0001f1ff"  # regional indicators: two make a flag

# One emoji, however many code points: a flag (two regional indicators), a subdivision flag (black flag, tag
# characters, cancel tag), pictographs each with an optional skin tone and U+FE0F, joined by ZWJ; and keycaps.
# The pattern starts with a single character class (its first code point, then told apart by lookbehinds) so that re
# skips quickly over the text between emoji; the class takes the whole plane of U+1Fxxx at once, as one range is much
# faster for re to test than Extended_Pictographic's dozens.
_EMOJI_ELEMENT = f"(?:[\u00a9\u00ae]\ufe0f|[{_EXT_PICT}][{_SKIN_TONE}]?\ufe0f?)"
_EMOJI = re.compile(
    f"[\u00a9\u00ae{_EXT_PICT_BMP}\U0001f000-\U0001ffff]"
    f"(?:(?<=[{_REGIONAL}])[{_REGIONAL}]"
    "|(?<=\U0001f3f4)[\U000e0020-\U000e007e]+\U000e007f"
    f"|(?<=[\u00a9\u00ae])\ufe0f(?:\u200d{_EMOJI_ELEMENT})*"
    f"|(?<=[{_EXT_PICT}])[{_SKIN_TONE}]?\ufe0f?(?:\u200d{_EMOJI_ELEMENT})*)"
)
_KEYCAP = re.compile("[#*0-9]\ufe0f?\u20e3")


def _emoji(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the emoji in `text`, in order."""
    if text.isascii():
        return iter(())
    spans = (m.span() for m in _EMOJI.finditer(text))
    if "\u20e3" in text:
        return heapq.merge(spans, (m.span() for m in _KEYCAP.finditer(text)))
    return spans


# URLs are found by `governance.rules.urls` (twitter-text's rules), the one URL detector, which the links rule and the
# sensitive screen use too.


# ---------------------------------------------------------------------------------------------------------------------
# X: twitter-text v3 weighted length.
#
# Sources: twitter-text's config/v3.json (github.com/twitter/twitter-text) and the "Counting characters" page of the
# X developer docs. Config v3: maxWeightedTweetLength 280, scale 100, defaultWeight 200, transformedURLLength 23,
# emojiParsingEnabled true, ranges of weight 100: U+0000–U+10FF (0–4351), U+2000–U+200D (8192–8205),
# U+2010–U+201F (8208–8223), U+2032–U+2037 (8242–8247). The algorithm (parseTweet): NFC-normalize the text; every
# URL weighs transformedURLLength * scale; every emoji (a whole ZWJ sequence, with its skin tone and variation
# selectors) weighs defaultWeight; every other code point the weight of its range, else defaultWeight; the weighted
# length is the sum divided by scale. So a Latin letter counts 1, a CJK character 2, an emoji 2, a URL 23.
# PyPI's twitter-text-parser (3.0.0) ports this, but it has had a single release, in 2023, knows only Unicode 12's
# emoji, counts a bare © or ® as an emoji (twitter-text, through twemoji-parser, needs U+FE0F after them), needs the
# deprecated pkg_resources, and gives the valid range in UTF-16 units: hence this implementation.
# Not modelled: X Premium's long posts, the invalid-character rule (U+FFFE, U+FEFF, U+FFFF, U+202A–U+202E).
# ---------------------------------------------------------------------------------------------------------------------

_X_SCALE = 100
_X_DEFAULT_WEIGHT = 200
_X_URL_WEIGHT = 23 * _X_SCALE
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_X_LIGHT_RUNS = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _X_LIGHT_RANGES) + "]+")


def _x_char_weight(char: str) -> int:
    cp = ord(char)
    for lo, hi in _X_LIGHT_RANGES:
        if lo <= cp <= hi:
            return _X_SCALE
    return _X_DEFAULT_WEIGHT


def _x_gap_weight(gap: str) -> int:
    if gap.isascii():
        return _X_SCALE * len(gap)
    heavy = len(_X_LIGHT_RUNS.sub("", gap))  # code points outside the weight-100 ranges
    return _X_SCALE * len(gap) + (_X_DEFAULT_WEIGHT - _X_SCALE) * heavy


def _x_gap_cross(gap: str, budget: int) -> int:
    if gap.isascii():
        return budget // _X_SCALE
    running = 0
    for chunk_start in range(0, len(gap), 64):  # weigh 64 code points at a time, then walk the chunk that crosses
        chunk = gap[chunk_start : chunk_start + 64]
        weight = _x_gap_weight(chunk)
        if running + weight > budget:
            for offset, char in enumerate(chunk, chunk_start):
                running += _x_char_weight(char)
                if running > budget:
                    return offset
        running += weight
    return len(gap)  # not reached: the gap weighs more than the budget


def _x_entities(text: str, urls: list[tuple[int, int]]) -> Iterator[_Entity]:
    """URLs and emoji, in order; an emoji that starts inside a URL (a keycap after a digit ending it) is not one, as
    in parseTweet, which skips to the end of a URL."""
    end = 0
    for entity in heapq.merge(
        ((start, stop, _X_URL_WEIGHT) for start, stop in urls),
        ((start, stop, _X_DEFAULT_WEIGHT) for start, stop in _emoji(text)),
    ):
        if entity[0] >= end:
            yield entity
            end = entity[1]


def _x_total(text: str, urls: list[tuple[int, int]]) -> int:
    """The weighted length, in bulk: URLs out (each left as a NUL, of weight 100), then emoji and keycaps replaced by
    a NUL (re.subn counts them in C), then the weights of what is left."""
    weight = 0
    if urls:
        text = _gaps(text, urls)
        weight += (_X_URL_WEIGHT - _X_SCALE) * len(urls)
    if not text.isascii():
        if "\u20e3" in text:
            text, keycaps = _KEYCAP.subn("\0", text)
            weight += (_X_DEFAULT_WEIGHT - _X_SCALE) * keycaps
        text, emoji = _EMOJI.subn("\0", text)
        weight += (_X_DEFAULT_WEIGHT - _X_SCALE) * emoji
    return weight + _x_gap_weight(text)


def _x_norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n")


def _cuttable(text: str, i: int) -> bool:
    """Whether normalizing never joins text[i - 1] and text[i]: text[i] is a starter (in NFD too) that does not
    compose with the code point before it (a starter composes only with that one; Hangul jamo chain, so never), nor
    the LF of a CRLF."""
    char = text[i]
    if char.isascii():  # no ASCII character is the second of a composition, nor decomposes
        return not (char == "\n" and text[i - 1] == "\r")
    if unicodedata.combining(char) or "\u1100" <= char <= "\u11ff" or "\ud7b0" <= char <= "\ud7ff":
        return False
    if unicodedata.combining(unicodedata.normalize("NFD", char)[0]):
        return False
    nfc = functools.partial(unicodedata.normalize, "NFC")
    return nfc(text[i - 1] + char) == nfc(text[i - 1]) + nfc(char)


def _nfc_offset(text: str, k: int) -> int:
    """Offset in `text` of what became _x_norm(text)[k]: bisect on prefixes cut where normalizing joins nothing
    (so that the normalized prefix is a prefix of the normalized text), then walk the last stretch piece by piece.
    O(k) normalizing in the usual case, O(n) at worst."""
    lo, hi, done = 0, len(text), 0  # done: len(_x_norm(text[:lo])) <= k
    guess = k + 64  # normalizing seldom changes lengths much: look there first
    while hi - lo > 32:
        middle = max(min(guess, hi - 1), lo + 1) if guess else (lo + hi) // 2
        guess = 0
        cut = text.find(" ", middle, hi)  # a space is always a place to cut
        if not 0 <= cut - middle < 64:
            cut = next((i for i in range(middle, hi) if _cuttable(text, i)), None)
        if cut is None:
            break
        length = done + len(_x_norm(text[lo:cut]))
        if length <= k:
            lo, done = cut, length
        else:
            hi = cut
    start = lo
    for i in range(lo + 1, hi + 1):
        if i == hi or _cuttable(text, i):
            piece = text[start:i]
            normal = _x_norm(piece)
            if done + len(normal) > k:
                return start + (k - done if normal == piece else 0)
            done += len(normal)
            start = i
    return hi  # not reached: _x_norm(text[:hi]) is longer than k


def _x_normalize(text: str) -> tuple[str, Callable[[int], int] | None]:
    """NFC, and CRLF as LF; with the way back to offsets in `text` when that changed anything."""
    normal = unicodedata.normalize("NFC", text)
    if normal == text:
        if "\r\n" not in text:
            return text, None
        return text.replace("\r\n", "\n"), lambda k: _nth_unit(k, _crlf_joins(text))
    return normal.replace("\r\n", "\n"), lambda k: _nfc_offset(text, k)


def _x_measure(text: str, limit: int | None) -> tuple[int, int | None]:
    normal, to_original = _x_normalize(text)
    urls = url_spans(normal, bare=True)
    total = _x_total(normal, urls)
    cross = None
    if limit is not None and total > limit * _X_SCALE:
        cross = _scan(
            normal, _x_entities(normal, urls), _x_gap_weight, _x_gap_cross, limit * _X_SCALE, until_cross=True
        )[1]
        if to_original is not None:
            cross = to_original(cross)
    return total // _X_SCALE, cross


# ---------------------------------------------------------------------------------------------------------------------
# Mastodon.
#
# Source: Mastodon's app/validators/status_length_validator.rb (MAX_CHARS = 500, URL_PLACEHOLDER_CHARS = 23). The
# text is rewritten before counting: every URL with a scheme (twitter-text's extractor with
# extract_url_without_protocol: false, so a bare `example.com` counts at its length) becomes 23 characters, every
# mention `@user@domain` becomes `@user` (Account::MENTION_RE; the screen name split at '@'). Then the validator counts
# `str.each_grapheme_cluster.size` (older versions: `mb_chars.grapheme_length`): grapheme clusters, not code points.
# So 👍 counts 1, and so do a ZWJ family, a flag, a skin-toned emoji and an "é" written e + U+0301 (Ruby's
# String#length would count code points, but the validator does not use it). The web composer's counter follows
# the same rules; the API gives them as configuration.statuses.max_characters (500) and characters_reserved_per_url
# (23). Instances may raise the limit: 500 is upstream's default. A content warning (spoiler text) counts too; it is
# not part of the body given here. Here each URL and mention is weighed on its own, so a combining mark right after
# one (or a Prepend character right before one) counts one more than on Mastodon, where it joins the placeholder.
# ---------------------------------------------------------------------------------------------------------------------

_M_URL_WEIGHT = 23
# Account::MENTION_RE: (?<![=/[:word:]])@((USERNAME_RE)(?:@[[:word:].-]+[[:word:]]+)?), USERNAME_RE =
# [a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?, case-insensitive; twitter-text's end_mention_match drops a match followed by
# '@', a Latin accented letter or "://". The lookbehind sits after the '@' so that re searches for the '@' quickly.
_M_MENTION = re.compile(
    r"@(?<![=/\w]@)(?>(?P<user>(?i:[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?))(?:@[\w.-]+\w+)?)"
    rf"(?![@\uff20{LATIN_ACCENTS}\u0300-\u036f]|://)"
)


def _mastodon_entities(text: str) -> list[_Entity]:
    entities = [(start, end, _M_URL_WEIGHT) for start, end in url_spans(text, bare=False)]
    if "@" in text:
        entities += [(m.start(), m.end(), 1 + len(m.group("user"))) for m in _M_MENTION.finditer(text)]
    entities.sort()
    kept: list[_Entity] = []  # twitter-text's remove_overlapping_entities: the first one wins
    for entity in entities:
        if not kept or entity[0] >= kept[-1][1]:
            kept.append(entity)
    return kept


# Grapheme clusters (UAX #29), counted as code points less the code points that join the one before them. A code
# point joins the one before (no cluster boundary between them) when it is: an Extend, ZWJ or SpacingMark character
# not after a control (GB9, GB9a, GB4); the LF of a CRLF (GB3); the second of a pair of regional indicators (GB12,
# GB13); a pictograph after a ZWJ that follows a pictograph and Extend characters (GB11); anything but a control after
# a Prepend character (GB9b); a Hangul jamo or syllable continuing a syllable (GB6–GB8). Unicode 15.1's Indic
# conjunct rule (GB9c) is not applied: a conjunct counts one more per virama. Extend and SpacingMark are taken as the
# marks (Mn, Me, Mc) of the running Python's Unicode database plus the few others UAX #29 lists.
#
# For speed, most of it is done by re in C: the code points that join whatever precedes them but a control (`bulk`:
# the marks of the Basic Multilingual Plane, ZWJ, skin tones, tags, variation selectors) are counted in bulk, and so
# are pairs of regional indicators and pictographs after a ZWJ (GB11); the rarer code points whose joining depends on
# their neighbours (`special`: CR, jamo, Prepend, and the supplementary scripts' marks) are looked at one by one,
# with the code point right after each run of them.

_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL_CHARS = frozenset(chr(cp) for cp in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029])
_JAMO_L = frozenset(map(chr, [*range(0x1100, 0x1160), *range(0xA960, 0xA97D)]))
_JAMO_V = frozenset(map(chr, [*range(0x1160, 0x11A8), *range(0xD7B0, 0xD7C7)]))
_JAMO_T = frozenset(map(chr, [*range(0x11A8, 0x1200), *range(0xD7CB, 0xD7FC)]))
_PREPEND = frozenset(
    map(chr, [*range(0x600, 0x606), 0x6DD, 0x70F, 0x890, 0x891, 0x8E2, 0xD4E, 0x110BD, 0x110CD, 0x111C2, 0x111C3])
) | frozenset(map(chr, [0x1193F, 0x11941, 0x11A3A, *range(0x11A84, 0x11A8A), 0x11D46, 0x11F02]))
# Bulk beyond the BMP: skin tones, tags, variation selectors supplement.
_BULK_ASTRAL = "\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef"
_REGIONAL_PAIR = re.compile(f"[{_REGIONAL}]{{2}}")


@dataclass(frozen=True)
class _Graphemes:
    extend: frozenset[str]  # Extend and SpacingMark, without ZWJ
    bulk: frozenset[str]
    bulk_runs: re.Pattern
    control_bulk: re.Pattern  # a control followed by a `bulk` code point
    zwj_pictograph: re.Pattern  # GB11's pictograph Extend* ZWJ, followed by a pictograph
    special_runs: re.Pattern


def _class(chars: set[str]) -> str:
    """A character-class body for `chars`, as ranges."""
    parts = []
    code_points = sorted(map(ord, chars))
    start = prev = code_points[0]
    for cp in [*code_points[1:], -1]:
        if cp != prev + 1:
            parts.append(f"\\U{start:08x}" if start == prev else f"\\U{start:08x}-\\U{prev:08x}")
            start = cp
        prev = cp
    return "".join(parts)


@functools.cache
def _graphemes() -> _Graphemes:
    """Built on first use (some 20 ms) from the running Python's Unicode database."""
    category = unicodedata.category
    # The CJK, Hangul-syllable, surrogate and private-use blocks hold no marks and are not looked at.
    candidates = [*range(0x0300, 0x3400), *range(0x4DC0, 0x4E00), *range(0xA000, 0xAC00), *range(0xF900, 0x1F000)]
    candidates += range(0xE0100, 0xE01F0)
    extend = {chr(cp) for cp in candidates if category(chr(cp)) in ("Mn", "Me")}
    # ZWNJ, halfwidth sound marks, skin tones, tags.
    extend.update(map(chr, [0x200C, 0xFF9E, 0xFF9F, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)]))
    spacing = {chr(cp) for cp in candidates if category(chr(cp)) == "Mc"} | {"\u0e33", "\u0eb3"}  # + Thai, Lao AM
    marks = extend | spacing
    bulk_astral = re.compile(f"[{_BULK_ASTRAL}]")
    bulk = {c for c in marks if c <= "\uffff" or bulk_astral.match(c)} | {"\u200d"}
    bulk_class = _class(bulk)
    # Where a pictograph may be: a coarse class re tests fast, then the exact one in a lookbehind.
    pictograph = f"[\u00a9\u00ae{_EXT_PICT_BMP}\U0001f000-\U0001ffff](?<=[\u00a9\u00ae{_EXT_PICT}])"
    special = _JAMO_L | _JAMO_V | _JAMO_T | {c for c in _PREPEND if c <= "\uffff"}
    return _Graphemes(
        extend=frozenset(marks),
        bulk=frozenset(bulk),
        bulk_runs=re.compile(f"[{bulk_class}]+"),
        control_bulk=re.compile(f"[{_CONTROL}](?=[{bulk_class}])"),
        zwj_pictograph=re.compile(f"{pictograph}[{_class(extend)}]*\u200d(?=[\u00a9\u00ae{_EXT_PICT}])"),
        # Beyond the BMP: U+10000–U+1EFFF (marks of historic and minority scripts, Prepend); not U+1Fxxx
        # (pictographs, regional indicators: see above).
        special_runs=re.compile(f"[\r{_class(special)}\U00010000-\U0001efff]+"),
    )


def _hangul_joins(before: str, char: str) -> bool:
    """GB6–GB8: L × (L | V | LV | LVT); (LV | V) × (V | T); (LVT | T) × T."""
    syllable = 0xAC00 <= ord(char) <= 0xD7A3
    if before in _JAMO_L:
        return char in _JAMO_L or char in _JAMO_V or syllable
    if 0xAC00 <= ord(before) <= 0xD7A3:
        return char in _JAMO_T or ((ord(before) - 0xAC00) % 28 == 0 and char in _JAMO_V)
    return (before in _JAMO_V and (char in _JAMO_V or char in _JAMO_T)) or (before in _JAMO_T and char in _JAMO_T)


def _special_joins(gap: str, g: _Graphemes) -> Iterator[tuple[int, int]]:
    """The code points that join the one before them for a `special` reason, in order, as (offset, offset + 1): in
    runs of `special` code points, and right after each run."""
    for run in g.special_runs.finditer(gap):
        start, end = run.span()
        for i in range(start, min(end + 1, len(gap))):
            char = gap[i]
            if i == end and char in g.bulk:
                break  # counted in bulk
            before = gap[i - 1] if i else ""
            if not before or before in _CONTROL_CHARS or char in _CONTROL_CHARS:
                joins = before == "\r" and char == "\n"  # GB3, GB4, GB5
            elif char in g.extend or before in _PREPEND:  # GB9, GB9a, GB9b
                joins = True
            else:  # a special code point is neither a pictograph (GB11) nor a regional indicator (GB12, GB13)
                joins = _hangul_joins(before, char)
            if joins:
                yield i, i + 1


def _bulk_joins(gap: str, g: _Graphemes) -> Iterator[tuple[int, int]]:
    for run in g.bulk_runs.finditer(gap):
        start, end = run.span()
        if start == 0 or gap[start - 1] in _CONTROL_CHARS:
            start += 1
        if start < end:
            yield start, end


def _cluster_count(gap: str) -> int:
    if gap.isascii():
        return len(gap) - gap.count("\r\n")
    g = _graphemes()
    joins = len(gap) - len(g.bulk_runs.sub("", gap))
    if joins:
        joins -= len(g.control_bulk.findall(gap)) + (gap[0] in g.bulk)
        if "\u200d" in gap:
            joins += len(g.zwj_pictograph.findall(gap))
    # GB12, GB13: regional indicators pair up from the first of a run.
    joins += len(_REGIONAL_PAIR.findall(gap))
    return len(gap) - joins - sum(end - start for start, end in _special_joins(gap, g))


def _cluster_cross(gap: str, budget: int) -> int:
    if gap.isascii():
        return _nth_unit(budget, _crlf_joins(gap))
    g = _graphemes()
    joins: Iterable[tuple[int, int]] = _bulk_joins(gap, g)
    others = [m.end() for m in g.zwj_pictograph.finditer(gap)] if "\u200d" in gap else []
    others += [m.start() + 1 for m in _REGIONAL_PAIR.finditer(gap)]
    others += [start for start, _ in _special_joins(gap, g)]
    if others:
        joins = heapq.merge(joins, [(i, i + 1) for i in sorted(others)])
    return _nth_unit(budget, joins)


def _mastodon_measure(text: str, limit: int | None) -> tuple[int, int | None]:
    entities = _mastodon_entities(text)
    total = _cluster_count(_gaps(text, entities)) - len(entities) + sum(weight for _, _, weight in entities)
    cross = None
    if limit is not None and total > limit:
        cross = _scan(text, entities, _cluster_count, _cluster_cross, limit, until_cross=True)[1]
    return total, cross


# ---------------------------------------------------------------------------------------------------------------------
# Code points (Facebook, Instagram, LinkedIn, YouTube titles, own outlets) and UTF-8 bytes (YouTube descriptions).
# ---------------------------------------------------------------------------------------------------------------------


def _code_points_measure(text: str, limit: int | None) -> tuple[int, int | None]:
    return _scan(
        text, [], lambda gap: len(gap) - gap.count("\r\n"), lambda gap, n: _nth_unit(n, _crlf_joins(gap)), limit
    )


def _utf8(text: str) -> bytes:
    return text.replace("\r\n", "\n").encode("utf-8", "surrogatepass")


def _utf8_cross(gap: str, budget: int) -> int:
    # Code points wholly within the first `budget` bytes; the next one is the first over.
    within = len(_utf8(gap)[:budget].decode("utf-8", "ignore"))
    return _nth_unit(within, _crlf_joins(gap))


def _utf8_measure(text: str, limit: int | None) -> tuple[int, int | None]:
    return _scan(text, [], lambda gap: len(_utf8(gap)), _utf8_cross, limit)


# ---------------------------------------------------------------------------------------------------------------------
# Platforms.
# ---------------------------------------------------------------------------------------------------------------------

_Measure = Callable[[str, int | None], tuple[int, int | None]]

# The registry (`governance.platforms`) names each platform's counting method; these are the algorithms.
_MEASURES: dict[str, _Measure] = {
    platforms.WEIGHTED: _x_measure,
    platforms.GRAPHEMES: _mastodon_measure,
    platforms.CODE_POINTS: _code_points_measure,
    platforms.UTF8_BYTES: _utf8_measure,
}


def _platform(platform: str) -> platforms.PlatformSpec:
    return platforms.get(platform)  # ValueError for a slug that is not a platform


def _measure(spec: platforms.PlatformSpec) -> _Measure:
    return _MEASURES[spec.counting]


# ---------------------------------------------------------------------------------------------------------------------
# Public API.
# ---------------------------------------------------------------------------------------------------------------------


def count(platform: str, text: str) -> int:
    """The platform's own count of `text`, in `unit(platform)`. `text` is the post body: where the platform shows the
    link inline, append it yourself (`count_and_limit` does)."""
    return _measure(_platform(platform))(text, None)[0]


def limit(platform: str) -> int | None:
    """The platform's limit on a post body, in `unit(platform)`; None: no limit."""
    return _platform(platform).limit


def unit(platform: str) -> str:
    """What `count` counts for the platform: "characters", or "bytes" (YouTube descriptions)."""
    return _platform(platform).unit


def title_limit(platform: str) -> int | None:
    """The limit on a post's title, in characters (YouTube: 100); None: no limit, or no title."""
    return _platform(platform).title_limit


def _with_link(platform: str, body: str, link: str) -> str:
    link = link.strip()
    if _platform(platform).link_inline and link and link not in body:
        return f"{body} {link}"
    return body


def count_and_limit(platform: str, body: str, link: str = "") -> tuple[int, int | None]:
    """For the live counter: the count of `body` (with the link, where the platform shows it inline) and the limit."""
    spec = _platform(platform)
    return _measure(spec)(_with_link(platform, body, link), None)[0], spec.limit


def check_length(platform: str, body: str, *, link: str = "", title: str = "") -> list[Finding]:
    """Block a body over the platform's limit, and a YouTube title over 100 characters.

    The body's finding spans from where the text goes over the limit to the end of the body (an empty span at the end
    when only the appended link takes it over). Between 90 % and 100 % of the limit there is no finding: the
    counter in the UI shows it."""
    spec = _platform(platform)
    findings = []
    if spec.limit is not None:
        text = _with_link(platform, body, link)
        total, cross = _measure(spec)(text, spec.limit)
        if total > spec.limit:
            start = len(body) if cross is None else min(cross, len(body))
            with_link = " (including the link)" if len(text) > len(body) else ""
            findings.append(
                Finding(
                    rule=RULE,
                    severity=BLOCK,
                    message=f"{total:,} of {spec.limit:,} {spec.unit} as {spec.label} counts them{with_link}: "
                    f"shorten by {total - spec.limit:,}.",
                    start=start,
                    end=len(body),
                    field="body",
                )
            )
    if spec.title_limit is not None and title:
        length = len(title) - title.count("\r\n")
        if length > spec.title_limit:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=BLOCK,
                    message=f"Title: {length:,} of {spec.title_limit:,} characters as {spec.label} counts them: "
                    f"shorten by {length - spec.title_limit:,}.",
                    field="title",
                )
            )
    return findings
