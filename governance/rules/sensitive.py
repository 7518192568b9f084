"""Sensitive-information (PHI/PII) detection for drafts, in English, Spanish, French and German.

`detect(text, directory=None)` returns one `Finding` (rule "sensitive", with its `kind`; the policy
layer sets the severity: `rules.kinds.sensitive`) per span of `text` that looks like information about
a private individual:

- `patient_name`: a person's name (full, first name, honorific + surname, nickname, in lower case:
  "tante gerda", "mi abuela Carmen", "Frau Weber") in the same sentence — or the next one when it refers
  back — as a health detail: a condition, treatment, test result, stay, ward, birth or death, in any
  of the four languages (German compounds by their stem: "Brustkrebs", "Hüft-OP"). Staff in their
  professional role, authors of research, donors and public figures are not patients: only a statement
  about their own health counts. A post that says its names are invented ("name changed", "nombre
  ficticio", "prénom modifié") or quotes what not to post (a privacy reminder) is not about a patient.
- `indirect`: a person singled out without a name — by role and place ("the pastor of St. Michael's",
  "la única farmacéutica del pueblo"), or by an event at a place ("the cyclist hit on Hardturm Road").
- `reply_confirm`: a reply to someone (an @handle or a greeting) that confirms they or their relative
  are a patient ("so glad your biopsy came back clear", "votre contrôle post-opératoire", "our records
  show"); a reply that declines to discuss anything confirms nothing.
- identifiers: `mrn` (record, chart, case numbers in their many spellings: "med rec #", "historia
  clínica", "numéro de dossier", "Fallnummer"), `plan_id` (insurance and national health numbers:
  Medicare, NHS, carte Vitale, tarjeta sanitaria, KVNR, AHV…), `ssn`, `dob` (also "née le 12 mai 1956",
  "geb. 12.05.1956"), `device_serial` (a serial next to a pacemaker, pump or implant), `plate` (a licence
  plate), `fundraiser` (a GoFundMe-style page for a person), `age` (over 89, or an exact age when staff
  tell of a patient they just saw), `room` (a patient's room, bed, bay, box or Zimmer; not a meeting
  room), `appointment` (a dated appointment or stay of a person).
- contact details (`phone`, `email`, `address`) only when they are a private person's: next to a
  private person, a personal mailbox, a home ("lives at"). The organization's own lines, mailboxes and
  sites are public by design; those the `Directory` lists are never reported.
- `learned`: a post the rules pass but that the shipped model (`rules.sensitive_model`, trained on the
  project's labelled corpus) reads as a patient's information.

Everything is regular expressions compiled at import and word lists (here and in `sensitive_words`):
no network, no Django, linear time in the text's length. URLs, hashtags and @handles are masked before
the number detectors run. Spans of the same kind that overlap or touch are merged. `scan(text)` returns
the same spans with their kind (see `MESSAGES`), for tests and benchmarks; `bench/sensitive.py` reports
the screen's quality on the corpus.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field

import phonenumbers

from governance.rules import sensitive_model
from governance.rules import sensitive_words as words
from governance.rules.findings import ESCALATE, Finding
from governance.rules.urls import find_urls

RULE = "sensitive"

MESSAGES = {
    "patient_name": "Patient name together with health details",
    "mrn": "Possible medical record number",
    "dob": "Possible date of birth",
    "phone": "Phone number",
    "email": "E-mail address",
    "address": "Street address",
    "ssn": "Possible US Social Security number",
    "room": "Patient room or bed number",
    "appointment": "Appointment date tied to a person",
    "plan_id": "Insurance or health-plan number",
    "device_serial": "Serial number of a patient's medical device",
    "plate": "Licence plate",
    "fundraiser": "Fundraiser page for a person",
    "age": "Exact age of a patient",
    "indirect": "A person identified without a name",
    "reply_confirm": "A reply that confirms someone is a patient",
    "learned": "Possible patient information",
}


@dataclass(frozen=True, order=True)
class Hit:
    start: int
    end: int
    kind: str
    # Why, in a reviewer's words ("a name next to a diagnosis: “chemo”"); "" when the kind says it all.
    reason: str = field(default="", compare=False)

    @property
    def message(self) -> str:
        return f"{MESSAGES[self.kind]}: {self.reason}" if self.reason else MESSAGES[self.kind]


# Identifiers that tie a person to their health record: a finding of one of these kinds blocks
# by default (the sensitive rule's `identifiers` severity), the others take the rule's severity.
IDENTIFIER_KINDS = frozenset({"mrn", "ssn", "dob", "plan_id"})


@dataclass(frozen=True)
class Directory:
    """The organization's own contact details and people (governance's directory): a phone number,
    e-mail address or street address found in a post that is the organization's own, or a name
    that is a member of its staff directory, is never reported as a private person's.

    `phones`: the numbers' digits, national number without country code or leading zero (for
    "+1 (617) 555-0142" and "617.555.0142" alike "6175550142"); `email_domains`: lower-case
    domains ("stmarys.example.org", whose sub-domains are the organization's too); `addresses`:
    street addresses normalised by `normalise_address`; `names`: staff names folded by
    `normalise_name`."""

    phones: frozenset[str] = frozenset()
    email_domains: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()

    def owns(self, kind: str, text: str) -> bool:
        """Whether `text`, found as a `kind` span, is the organization's own."""
        if kind == "phone":
            digits = normalise_phone(text)
            return bool(digits) and digits in self.phones
        if kind == "email":
            domain = text.rpartition("@")[2].lower().rstrip(".")
            return any(domain == d or domain.endswith("." + d) for d in self.email_domains)
        if kind == "address":
            return normalise_address(text) in self.addresses
        return False

    def is_staff(self, name: str) -> bool:
        return normalise_name(name) in self.names


def normalise_phone(text: str) -> str:
    """The national digits of a phone number: "+1 (617) 555-0142 ext. 3" and "617.555.0142" are
    "6175550142", "+33 1 42 68 53 00" and "01 42 68 53 00" are "142685300"."""
    text = _EXTENSION_SPLIT_RE.split(text, maxsplit=1)[0]
    try:
        number = phonenumbers.parse(text, None if text.lstrip().startswith("+") else "US")
        return str(number.national_number)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", text).lstrip("0")


_EXTENSION_SPLIT_RE = re.compile(r"(?i)\s*,?\s*(?:ext\.?|extension|x|poste|durchwahl|dw\.?)\s*(?=\d)")


def normalise_address(text: str) -> str:
    """A street address in one spelling: lower case, no accents or punctuation, single spaces."""
    return " ".join(re.sub(r"[^\w\s]", " ", _fold(text).lower()).split())


def normalise_name(text: str) -> str:
    return " ".join(_fold(text).lower().replace("’", "'").split())


def detect(text: str, directory: Directory | None = None) -> list[Finding]:
    """Findings for every sensitive span of `text`, in order of position."""
    return [Finding(RULE, ESCALATE, h.message, h.start, h.end, kind=h.kind) for h in scan(text, directory)]


def street_addresses(text: str) -> list[tuple[int, int]]:
    """Every span that reads as a street address, whoever's it is (the directory's entries are
    normalised to the part of an address that posts write)."""
    masked = _Spans(_masked_spans(text))
    return sorted((h.start, h.end) for h in _addresses(text, masked) + _addresses_intl(text, masked))


def tied_to_health(text: str) -> bool:
    """Whether the text speaks of a health matter (a condition, a treatment, a stay…): an identifier in
    it is tied to health."""
    return bool(_health_terms(text))


def scan(text: str, directory: Directory | None = None) -> list[Hit]:
    """The sensitive spans of `text` with their kind, sorted, same-kind overlaps merged; what the
    organization's `directory` says is its own is left out."""
    if not text:
        return []
    return list(_scan_once(text, directory))


@functools.lru_cache(maxsize=32)
def _scan_once(text: str, directory: Directory | None) -> tuple[Hit, ...]:
    """`scan`, remembered for the last few texts: a policy with the sensitive rule at two scopes (the
    organization's and the channel's), or a check followed by the post's screening, reads it once."""
    return tuple(_scan_with(text, directory))


def _scan_with(text: str, directory: Directory | None) -> list[Hit]:
    hits = _scan(text, directory.names if directory is not None else frozenset())
    if directory is not None:
        hits = [h for h in hits if not directory.owns(h.kind, text[h.start : h.end])]
    return hits


def _scan(text: str, staff: frozenset[str] = frozenset()) -> list[Hit]:
    hits: list[Hit] = []
    masked = _Spans(_masked_spans(text))
    sentences = _Sentences(text)
    names = _names(text, sentences, staff)
    hits += _ssns(text, masked)
    hits += _mrns(text, masked)
    hits += _dobs(text)
    contacts = _emails(text)
    contacts += _phones(text, masked + [(h.start, h.end) for h in hits if h.kind in ("ssn", "mrn")])
    contacts += _addresses(text, masked)
    contacts += _addresses_intl(text, masked)
    hits += _private_contacts(text, contacts, names, sentences)
    hits += _rooms(text, masked, sentences)
    terms = _health_terms(text)
    health = _Spans(terms)
    hits += _names_with_health(text, names, sentences, terms)
    hits += _appointments(text, names, sentences, [(h.start, h.end) for h in hits if h.kind == "dob"])
    hits += _identifiers(text, masked, sentences, names)
    hits += _ages(text, masked, sentences, names, health)
    hits += _indirect(text, sentences, health)
    hits += _replies(text, sentences, health)
    hits = _drop_invented_and_quoted(text, hits)
    hits = _declined(text, hits, sentences)
    if (
        not hits
        and not _PSEUDONYM_RE.search(text)
        and not (names and all(n.role == "public" for n in names))
        and not (not names and _PUBLIC_TITLE_RE.search(text))
    ):
        hits = _learned(text, sentences)
    return _merge(hits)


# The model reads posts of a few sentences; on a handful of words ("Soon", "See you there") its
# estimate is noise, and the rules alone judge.
_MODEL_MIN_WORDS = 6
_MODEL_WORD_RE = re.compile(r"[^\W\d_]{2,}")


# A post whose only people are public figures or staff at work, by name or by title, is left to the rules.
_PUBLIC_TITLE_RE = re.compile(
    r"(?i)\b(?:mayor|senator|governor|minister|ministre|ministr[oa]|minister(?:in)?|president[ea]?|pr[ée]sidente?"
    r"|pr[äa]sident(?:in)?|d[ée]put[ée]e?|diputad[oa]|alcalde(?:sa)?|maire|b[üu]rgermeister(?:in)?|congress\w+"
    r"|actor|actress|actriz|acteur|actrice|schauspieler(?:in)?|singer|cantante|chanteu(?:r|se)|s[äa]nger(?:in)?)\b"
)


def _learned(text: str, sentences: _Sentences) -> list[Hit]:
    """The model's opinion on a post the rules pass: the sentence it finds most like a patient's
    information, when the post as a whole reaches its threshold."""
    model = sensitive_model.shipped()
    if (
        model is None
        or len(_MODEL_WORD_RE.findall(text)) < _MODEL_MIN_WORDS
        or model.probability(text) < model.threshold
    ):
        return []
    bounds = [sentences.bounds(i) for i in range(len(sentences.starts))]
    s, e = max(bounds, key=lambda b: model.probability(text[b[0] : b[1]])) if len(bounds) > 1 else bounds[0]
    while e > s and text[e - 1].isspace():
        e -= 1
    return [Hit(s, e, "learned", "it reads like a patient's information (a model trained on labelled posts)")]


# --------------------------------------------------------------------------------------------------
# Shared pieces: dates, masking, sentences, merging


def _by_first_letter(alternation: str) -> str:
    """The same alternation with its branches grouped under a look-ahead on their first letter, so that the
    regex engine tries a handful of branches at each word rather than all of them (several times faster)."""
    branches, depth, current = [], 0, ""
    for c in alternation:
        if c == "|" and depth == 0:
            branches.append(current)
            current = ""
            continue
        depth += (c == "(") - (c == ")")
        current += c
    branches.append(current)
    groups: dict[str, list[str]] = {}
    for b in branches:
        key = b[0].lower() if b[0].isalpha() else ""
        groups.setdefault(key, []).append(b)
    parts = [f"(?={k})(?:{'|'.join(v)})" if k else "|".join(v) for k, v in sorted(groups.items())]
    return "(?:" + "|".join(parts) + ")"


def _alternation(terms: str) -> str:
    return _by_first_letter(re.sub(r"\s+", "", terms))


_KIN_INTL = words.KIN


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)"
# A calendar date with a day: "July 12, 2024", "4 Aug 1969", "Jan 15", "04/12/1961", "3/14", "1974-09-30".
# Month names of Spanish, French and German ("12 de mayo de 1956", "le 3 mars", "12. Mai 1956").
_MONTH_INTL = (
    r"(?i:enero|febrero|marzo|abril|mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre"
    r"|ene|abr|ago|dic|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
    r"|janv|f[ée]vr|avr|juil|d[ée]c|januar|j[äa]nner|februar|m[äa]rz|juni|juli|oktober|dezember|m[äa]r|okt|dez)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}\b)?"
    rf"|(?:[12]\d|3[01]|0?[1-9]|1er)\.?\s+(?:de\s+)?{_MONTH_INTL}(?:\s+(?:de\s+|del\s+)?{_YEAR}\b)?"
    r"|(?<![\d/.-])(?:(?:19|20)\d{2}-[01]\d-[0-3]\d"
    r"|(?:1[0-2]|0?[1-9])(?P<sep>[/.-])(?:[12]\d|3[01]|0?[1-9])(?P=sep)(?:(?:19|20)\d{2}|\d{2})"
    # Day first, as written in Europe: "12.05.1956", "23/04/2021", "12.05."
    r"|(?:[12]\d|3[01]|0?[1-9])(?P<sep2>[/.-])(?:1[0-2]|0?[1-9])(?P=sep2)(?:(?:19|20)\d{2}|\d{2})"
    r"|(?:[12]\d|3[01]|0?[1-9])\.(?:1[0-2]|0?[1-9])\.(?=\s)"
    r"|(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9])|(?:1[3-9]|2\d|3[01])/(?:1[0-2]|0?[1-9]))(?![\d/]|[.-]\d))"
)
_DATE_RE = re.compile(rf"{_WEEKDAY}?{_DATE}")
_DIGITS_RE = re.compile(r"\d+")
# A date holds a digit, and its words ("Wednesday, 12 de septiembre de") stay within this reach of it.
_DATE_REACH = 40


_LABEL_REACH = 80


def _digit_windows(text: str, before: int, after: int) -> list[list[int]]:
    """The stretches of the text from `before` characters before a run of digits to `after` after it,
    those that overlap merged, in order."""
    windows: list[list[int]] = []
    for m in _DIGITS_RE.finditer(text):
        start, end = max(0, m.start() - before), min(len(text), m.end() + after)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    return windows


def _near_digits(pattern: re.Pattern, text: str, before: int, after: int):
    """`pattern`'s matches that start within `before` characters before a digit (or `after` after it):
    a label and its number ("Member ID: XJH 4471"), looked for only where there are numbers."""
    seen = -1
    for start, end in _digit_windows(text, before, after):
        pos = max(start, seen)
        while pos < end:
            # A match starts in the window and may run a little past it (its number).
            found = pattern.search(text, pos, min(len(text), end + _LABEL_REACH))
            if not found or found.start() >= end:
                break
            yield found
            seen = pos = max(found.end(), found.start() + 1)


def _dates(text: str):
    """`_DATE_RE`'s matches, looked for only around the text's digits (a long text of words costs nothing)."""
    for start, end in _digit_windows(text, _DATE_REACH, _DATE_REACH):
        yield from _DATE_RE.finditer(text, start, end)


_HANDLE_RE = re.compile(r"(?<![\w&])@[A-Za-z_]\w*|(?<![\w&])#(?=\w*[A-Za-z]{2})[A-Za-z_]\w*")
_NUMBER_DOT_WORD_RE = re.compile(r"[\d-]+(?:\.[\d-]+)*\.[A-Za-z]+")


def _masked_spans(text: str) -> list[tuple[int, int]]:
    """URLs (`find_urls`: those of the links rule and the X counter), hashtags and @handles: no
    number inside them is an identifier. A number then a full stop and a word with no space
    ("Room 4.Care team", "call 555-234-7890.Today") is a sentence, not a site, although the word
    is a top-level domain: it is not masked."""
    spans = [(start, end) for start, end, url in find_urls(text) if not _NUMBER_DOT_WORD_RE.fullmatch(url)]
    return spans + [(m.start(), m.end()) for m in _HANDLE_RE.finditer(text)]


class _Spans:
    """Spans of the text, for the question "does [start, end) overlap one of them?" in O(log n)."""

    def __init__(self, spans):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.reach = []  # reach[i]: the furthest end of spans[0..i]
        furthest = -1
        for _, e in self.spans:
            furthest = max(furthest, e)
            self.reach.append(furthest)

    def __add__(self, other) -> _Spans:
        return _Spans(self.spans + list(other))

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect.bisect_left(self.starts, end)  # spans[:k] start before `end`
        return k > 0 and self.reach[k - 1] > start


_ABBREVIATIONS = frozenset(
    "mr mrs ms mx dr drs dra sra srta pr mme mlle st sr jr no vs mt ft apt ave blvd rd ln pl ct ext rm dept prof "
    "rev gen sen gov rep "
    "lt col capt sgt fr etc approx jan feb mar apr jun jul aug sep sept oct nov dec a.m p.m e.g i.e u.s "
    "d.o.b inc co corp univ est min max fig".split()
)
# Each run of stops is tried once, from its start (a run of 20,000 dots is one attempt, not 20,000).
_SENT_BREAK_RE = re.compile(r"(?<![.!?])[.!?]++[\"'’”)\]]*+\s+|\n\s*+")
_PREV_WORD_RE = re.compile(r"([A-Za-z.]+)\.$")


class _Sentences:
    """Sentence boundaries (not after abbreviations such as "Mr." or an initial)."""

    def __init__(self, text: str):
        starts = [0]
        for m in _SENT_BREAK_RE.finditer(text):
            if m.group().startswith("."):
                w = _PREV_WORD_RE.search(text, max(0, m.start() - 12), m.start() + 1)
                if w and (len(w.group(1)) == 1 or w.group(1).lower() in _ABBREVIATIONS):
                    continue
            if m.end() < len(text):
                starts.append(m.end())
        self.starts = starts
        self.text_len = len(text)

    def index(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def bounds(self, i: int) -> tuple[int, int]:
        end = self.starts[i + 1] if i + 1 < len(self.starts) else self.text_len
        return self.starts[i], end

    def around(self, pos: int) -> tuple[int, int]:
        return self.bounds(self.index(pos))


def _merge(hits: list[Hit]) -> list[Hit]:
    """Merge spans of the same kind that overlap or are separated only by ", " or a space."""
    merged: dict[str, list[Hit]] = {}
    for h in sorted(hits):
        group = merged.setdefault(h.kind, [])
        if group and h.start <= group[-1].end + 2:
            last = group[-1]
            group[-1] = Hit(last.start, max(last.end, h.end), h.kind, last.reason or h.reason)
        else:
            group.append(h)
    return sorted(h for group in merged.values() for h in group)


# --------------------------------------------------------------------------------------------------
# E-mail, SSN, MRN, date of birth, phone, street address

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b"
)


def _emails(text: str) -> list[Hit]:
    return [Hit(m.start(), m.end(), "email") for m in _EMAIL_RE.finditer(text)]


_SSN_LABELLED_RE = re.compile(
    r"\b(?:SSN|SS\s?#|SS\s?No\.?|(?i:ssn|social\s+security)(?:\s+(?i:number|no\.?|#))?)"
    r"(?:\s*(?:is|was|of|:|#))*\s*(?P<id>\d{3}[- ]?\d{2}[- ]?\d{4}|\d{4})(?![\d-])"
)
_SSN_BARE_RE = re.compile(r"(?<![\w$#.-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-]|\.\d)")


def _ssns(text: str, masked) -> list[Hit]:
    hits = [Hit(m.start(), m.end(), "ssn") for m in _SSN_LABELLED_RE.finditer(text)]
    hits += [Hit(m.start(), m.end(), "ssn") for m in _SSN_BARE_RE.finditer(text)]
    return [h for h in hits if not masked.overlaps(h.start, h.end)]


_MRN_RE = re.compile(
    r"\b(?:MRN|MR\s?#|MR\s?(?:No|Num)\.?"
    r"|(?i:medical\s+records?)(?:\s+(?i:number|no\.?|#))?"
    r"|(?i:med(?:ical)?\.?\s+rec\.?)\s*(?i:number|no\.?|#)"
    r"|(?i:patient|record|chart|hospital|case|admission|encounter|visit|account)\s*(?:#|(?i:no\.?|number|nr\.?|id|identifier)\b)"
    r"|\bPt\.?\s*(?:ID|#|No\.?)|\bpt\.?\s*(?:id|#)"
    r"|(?i:historia(?:\s+cl[ií]nica)?|n[uú]mero\s+de\s+historia|expediente|n[°ºo]\.?\s+de\s+(?:historia|expediente|dossier)"
    r"|num[ée]ro\s+de\s+dossier|dossier(?:\s+(?:m[ée]dical|patient))?(?:\s+n[°ºo]\.?)?|patienten-?(?:id|nummer|nr\.?)"
    r"|fall-?(?:nummer|nr\.?)|aufnahme-?(?:nummer|nr\.?)|pat\.-?nr\.?)|\b(?:NHC|HC|IPP|NIP|PID|EPN|URN|MRN)\b)"
    r"[\s:#.°º]*(?:(?i:es|est|lautet|ist|is)\s+)?(?P<id>(?:[A-Z]{1,4}[-/ ]?)?\d(?:[ ./-]?\d){3,16}[A-Z]?)(?![\w-])"
)


def _mrns(text: str, masked) -> list[Hit]:
    hits = []
    for m in _MRN_RE.finditer(text):
        if sum(c.isdigit() for c in m.group("id")) >= 4 and not masked.overlaps(m.start("id"), m.end()):
            hits.append(Hit(m.start(), m.end(), "mrn"))
    return hits


_DOB_RE = re.compile(
    r"(?:\b(?i:dob|date\s+of\s+birth|birth\s*date|born|fecha\s+de\s+nacimiento|f\.\s?nac|nacid[oa]|naci[oó]"
    r"|n[ée]e?|date\s+de\s+naissance|geboren|geburtsdatum|geb\.-datum)\b|\b(?i:d\.o\.b|geb|f\.\s?de\s+nac)\.?)"
    r"\s*+(?:[:(,-]\s*+)?(?:(?:is|was|on|of|listed\s+as|el|le|am|den)\s+)?\(?"
    rf"(?P<date>{_WEEKDAY}?{_DATE})"
)


_DOB_SHORT_RE = re.compile(
    r"(?<![\w.])b\.\s*(?P<date>(?:1[0-2]|0?[1-9])(?P<sep>[/.-])(?:[12]\d|3[01]|0?[1-9])(?P=sep)(?:19|20)\d{2}"
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR}|{_DAY}\s+{_MONTH},?\s+{_YEAR})(?![\d/])"
)


def _dobs(text: str) -> list[Hit]:
    hits = [Hit(m.start(), m.end("date"), "dob") for m in _DOB_RE.finditer(text)]
    return hits + [Hit(m.start(), m.end("date"), "dob") for m in _DOB_SHORT_RE.finditer(text)]


_EXT = r"(?:\s*,?\s*(?i:ext\.?|extension|x)\s*\d{1,5})?"
_NO_NUMBER_BEFORE = r"(?<![\w$#@/.+-])"
_NO_NUMBER_AFTER = r"(?![\w/-]|[.,]\d)"
_PHONE_NANP_RE = re.compile(
    _NO_NUMBER_BEFORE
    + r"(?:\+?1[\s.-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[\s.-])[2-9]\d{2}[\s.-]\d{4}"
    + _NO_NUMBER_AFTER
    + _EXT
)
_PHONE_RAW_RE = re.compile(_NO_NUMBER_BEFORE + r"(?:\+?1)?[2-9]\d{2}[2-9]\d{6}" + _NO_NUMBER_AFTER)
_PHONE_INTL_RE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]?(?:\(\d{1,4}\)|\d{1,5})){1,6}(?![\w/])" + _EXT)
# National numbers elsewhere ("0800 123 4567") and 7-digit local ones only right after a phone word.
_PHONE_NATIONAL_RE = re.compile(
    _NO_NUMBER_BEFORE + r"(?:0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}|[2-9]\d{2}-\d{4})" + _NO_NUMBER_AFTER + _EXT
)
_PHONE_WORD_RE = re.compile(
    r"(?i)\b(?:call|text|phone|tel|telephone|dial|fax|reach|contact|hotline|helpline|line|whatsapp|mobile|cell"
    r"|number|ring)\b[^.\n\d]{0,25}$"
)


def _phones(text: str, masked) -> list[Hit]:
    hits = []
    for rx in (_PHONE_NANP_RE, _PHONE_RAW_RE):
        hits += [Hit(m.start(), m.end(), "phone") for m in rx.finditer(text)]
    for m in _PHONE_INTL_RE.finditer(text):
        end = _possible_international(text, m.start(), m.end())
        if end:
            hits.append(Hit(m.start(), end, "phone"))
    for m in _PHONE_NATIONAL_RE.finditer(text):
        if _PHONE_WORD_RE.search(text, max(0, m.start() - 40), m.start()):
            hits.append(Hit(m.start(), m.end(), "phone"))
    return [h for h in hits if not masked.overlaps(h.start, h.end)]


_GROUP_RE = re.compile(r"[\s.-]?(?:\(\d{1,4}\)|\d{1,5})$")
_EXT_RE = re.compile(r"\s*,?\s*(?i:ext\.?|extension|x)\s*\d{1,5}$")


def _possible_international(text: str, start: int, end: int) -> int:
    """End of the longest prefix of text[start:end] that `phonenumbers` takes for a possible number."""
    candidate = text[start:end]
    ext = _EXT_RE.search(candidate)
    number = candidate[: ext.start()] if ext else candidate
    while sum(c.isdigit() for c in number) >= 7:
        try:
            if phonenumbers.is_possible_number(phonenumbers.parse(number, None)):
                return end if ext and len(number) == ext.start() else start + len(number)
        except phonenumbers.NumberParseException:
            pass
        group = _GROUP_RE.search(number)
        if not group:
            break
        number = number[: group.start()]
    return 0


_STREET_SUFFIX = (
    r"(?:(?:Street|Avenue|Boulevard|Road|Drive|Lane|Court|Place|Plaza|Way|Terrace|Circle|Parkway|Highway|Square"
    r"|Trail|Crescent|Close|Alley|Pike|Row|Expressway)\b"
    r"|(?:St|Ave|Av|Blvd|Rd|Dr|Ln|Ct|Pl|Ter|Cir|Pkwy|Hwy|Sq|Trl)\b\.?)"
)
_ADDRESS_RE = re.compile(
    r"(?<![\w#$.,/-])\d{1,6}(?:-\d{1,4})?[A-Za-z]?\s+"
    r"(?:(?:[NSEW]\.?|North|South|East|West|Old|Upper|Lower)\s+)?"
    r"(?:(?:\d{1,3}(?:st|nd|rd|th)|[A-Z][A-Za-z'’-]+)\.?\s+){1,3}?"
    rf"{_STREET_SUFFIX}"
    r"(?:,?\s+(?i:apt|apartment|suite|ste|unit|#)\.?\s*#?\s*[\w-]{1,6}\b)?"
    r"|\b[Pp]\.?\s?[Oo]\.?\s+[Bb]ox\s+\d{1,6}\b"
)


def _addresses_intl(text: str, masked) -> list[Hit]:
    return [
        Hit(m.start(), m.end(), "address")
        for m in _ADDRESS_INTL_RE.finditer(text)
        if not masked.overlaps(m.start(), m.end())
    ]


def _addresses(text: str, masked) -> list[Hit]:
    hits = []
    for m in _ADDRESS_RE.finditer(text):
        if not masked.overlaps(m.start(), m.end()):
            hits.append(Hit(m.start(), m.end(), "address"))
    return hits


# --------------------------------------------------------------------------------------------------
# Identifiers beyond record numbers: insurance and plan numbers, device serials, licence plates,
# fundraiser pages, ages over 89

_ID_CHARS = r"(?P<id>[A-Z0-9](?:[A-Z0-9]|[ ./-](?=[A-Z0-9])){3,24})"
_PLAN_ID_RE = re.compile(
    r"(?i:\b(?:member|subscriber|insurance|insured|policy|group|plan|beneficiary)\s*(?:id|#|number|no\.?|nr\.?)"
    r"|\bmedicare(?:\s+(?:number|no\.?|#|id|card))?|\bmedicaid(?:\s+(?:number|no\.?|#|id|card))?"
    r"|\bnhs\s+(?:number|no\.?|#)|\bchi\s+number|\bhealth\s+card(?:\s+(?:number|no\.?|#))?|\bohip(?:\s+(?:number|no\.?|#))?"
    r"|\bcarte\s+(?:vitale|ramq|d['’]assurance\s+maladie)|\bnum[ée]ro\s+de\s+s[ée]cu(?:rit[ée]\s+sociale)?|\bn[°º]\s+de\s+s[ée]cu\w*"
    r"|\bs[ée]cu(?:rit[ée]\s+sociale)?\s*(?:n[°º]|num[ée]ro)?|\bnum[ée]ro\s+(?:national|de\s+registre\s+national|avs)"
    r"|\bversicherten-?(?:nummer|nr\.?)|\bversicherungs-?(?:nummer|nr\.?)|\bkrankenversicherten-?nummer"
    r"|\bsozialversicherungs-?(?:nummer|nr\.?)|\bsv-?(?:nummer|nr\.?)|\bahv-?(?:nummer|nr\.?)|\bavs-?(?:nummer|n[°º])?"
    r"|\btarjeta\s+sanitaria(?:\s+(?:n[°º.]|n[uú]mero))?|\bn[uú]mero\s+de\s+(?:la\s+)?seguridad\s+social"
    r"|\bn[uú]mero\s+de\s+afiliaci[oó]n|\bafiliaci[oó]n|\bp[oó]liza(?:\s+n[°º.]?)?|\bcarn[eé]\s+de\s+salud)"
    r"|\b(?:KVNR|NSS|NUSS|CIP|TSI|NIR|NISS|RRN|RAMQ|AHV|AVS|MBI|HICN|IHI|NHI|PPSN|e-card)\b"
)
_PLAN_ID_AFTER_RE = re.compile(r"[\s:#.°º(]*(?:(?i:es|est|lautet|ist|is|c['’]est|was|:)\s+)?" + _ID_CHARS)

_LONG_NUMBER_RE = re.compile(r"(?<![\w.-])\d(?:[ .-]?\d){7,16}(?![\w-])")
_SERIAL_RE = re.compile(
    r"(?i)\b(?:serial(?:\s+(?:number|no\.?|#))?|s/n|sn|n[uú]mero\s+de\s+serie|n[°º.]\s*(?:de\s+)?serie"
    r"|num[ée]ro\s+de\s+s[ée]rie|n[°º]\s*de\s+s[ée]rie|serien-?(?:nummer|nr\.?)|ger[äa]te-?(?:nummer|nr\.?))"
    r"[\s:#.°º]*(?P<id>[A-Z0-9][A-Z0-9-]{3,24})"
)
_DEVICE_RE = re.compile(
    r"(?i)\b(?:pacemaker|defibrillator|icd|insulin\s+pump|pump|implant|implanted|cgm|sensor|hearing\s+aids?|cochlear"
    r"|stent|prosthe\w+|valve|neurostimulator|port-?a-?cath|monitor|wheelchair|marcapasos|desfibrilador|bomba"
    r"|implante|aud[ií]fonos?|pr[óo]tesis|v[áa]lvula|stimulateur|d[ée]fibrillateur|pompe|implant|proth[èe]se"
    r"|appareil\s+auditif|capteur|\w*schrittmacher|defibrillator|\w*pumpe|implantat|h[öo]rger[äa]t|prothese|klappe"
    r"|rollstuhl|silla\s+de\s+ruedas|fauteuil\s+roulant)\b"
)

_PLATE_LABEL_RE = re.compile(
    r"(?i)\b(?:licen[cs]e\s+plate|number\s+plate|plates?|registration(?:\s+(?:number|plate))?|reg\.?\s*(?:no\.?|number)"
    r"|rego|registration\s+plate|matr[ií]cula|placa|patente|plaque(?:\s+d['’]immatriculation)?|immatricul[ée]e?|kennzeichen"
    r"|nummernschild"
    r"|autokennzeichen)\b[\s:#.]*(?P<id>(?-i:[A-ZÄÖÜ0-9]{1,4}(?:[ -]?[A-ZÄÖÜ0-9]{1,5}){1,3}))\b"
)
_PLATE_FORMAT_RE = re.compile(
    r"\b(?:[A-ZÄÖÜ]{1,3}-[A-Z]{1,2}\s?\d{1,4}[EH]?|[A-Z]{2}-\d{3}-[A-Z]{2}|\d{4}[\s-]?[BCDFGHJKLMNPRSTVWXYZ]{3}"
    r"|[A-Z]{2}\d{2}\s?[A-Z]{3})\b"
)
_VEHICLE_RE = re.compile(
    r"(?i)\b(?:car|cars|vehicle|parked|parking|suv|van|truck|pickup|sedan|minivan|headlights|lights\s+on|towed"
    r"|coche|carro|auto|veh[ií]culo|aparcad[oa]|estacionad[oa]|aparcamiento|voiture|v[ée]hicule|gar[ée]e?"
    r"|stationn[ée]e?|wagen|fahrzeug|pkw|parkt|geparkt|abgeschleppt|parkplatz|\w*parkplatz|golf|clio|polo|corsa)\b"
)

_FUNDRAISER_RE = re.compile(
    r"(?i)\b(?:https?://)?(?:www\.)?(?:gofundme\.[a-z.]{2,6}|gofund\.me|caringbridge\.org|givesendgo\.com|mealtrain\.com"
    r"|lotsahelpinghands\.com|leetchi\.com|justgiving\.com|betterplace\.(?:org|me)|vakinha\.com\.br|vaki\.co"
    r"|helloasso\.com|gogetfunding\.com|fundrazr\.com|spotfund\.com|giveforward\.com|lepotcommun\.fr"
    r"|migranodearena\.org|donorbox\.org|gofund\.me|kisskissbankbank\.com|ulule\.com|cotizup\.com|cagnotte\.\w+)"
    r"/(?P<slug>[^\s<>\"']+)"
)
_CAUSE_SLUG_RE = re.compile(
    r"(?i)(?:5k|10k|run|walk|gala|foundation|hospital|ward|unit|team|charity|appeal|fundacion|fondation|stiftung|lauf"
    r"|course|marcha|carrera|ride|telethon|campaign|annual)"
)

_AGE_NUMBER = r"(\d{1,3})"
_SPELLED_AGE_RE = re.compile(
    r"(?i)\b(?:nonante|quatre-vingt-dix|ninety|noventa|\w*undneunzig|neunzig|centenaire|centenarian|centenari[oa]"
    r"|hundertj[äa]hrige\w*)(?:[\s-](?:y\s+)?[\w-]+)?(?:\s+(?:ans|years?(?:[- ]old)?|a[ñn]os|jahre)|-j[äa]hrige\w*)?\b"
)
_AGE_RE = re.compile(
    rf"(?i)\b{_AGE_NUMBER}(?:[- ]?(?:years?|yrs?)[- ]?old|[- ]?(?:yo|y/o)\b|[- ]?j[äa]hrige[nrs]?|\s*jahre?\s+alt"
    rf"|\s+a[ñn]os\b|\s+ans\b|\s+an\b(?=\s))"
    rf"|\b(?:aged?|edad\s+de|[âa]g[ée]e?\s+de|im\s+alter\s+von)\s+{_AGE_NUMBER}\b"
    rf"|(?<=\()(?P<paren>\d{{1,3}})(?=\))"
    rf"|\b{_AGE_NUMBER}(?:th|st|nd|rd|e|\.|º)?\s+(?:birthday|cumplea[ñn]os|anniversaire|geburtstag)"
)
# Someone speaking of a patient they saw: first person, or now ("I just had to tell a 22-year-old").
_FIRST_PERSON_RE = re.compile(
    r"(?i)\b(?:i|i['’]ve|i['’]m|i\s+just|my\s+(?:\w+\s+)?(?:shift|patient|night|ward)|tonight|this\s+morning|last\s+night"
    r"|we\s+had|just\s+had\s+to|had\s+to\s+(?:tell|break)|on\s+nights"
    r"|acabo|acabamos|me\s+ha|he\s+tenido|mi\s+turno|esta\s+noche|guardia|turno|tuve|tengo"
    r"|je|j['’]ai|je\s+viens|mon\s+(?:shift|service)|cette\s+nuit|ce\s+soir|ce\s+matin|garde"
    r"|ich|mein\s+(?:dienst|nachtdienst)|meiner\s+schicht|nachtdienst|schicht|musste)\b"
)


def _identifiers(text: str, masked, sentences: _Sentences, names: list[_Name]) -> list[Hit]:
    hits = []
    for m in _near_digits(_PLAN_ID_RE, text, 100, 2):
        after = _PLAN_ID_AFTER_RE.match(text, m.end())
        if after and sum(c.isdigit() for c in after.group("id")) >= 4:
            hits.append(Hit(m.start(), after.end("id"), "plan_id"))
            continue
        s, e = sentences.around(m.start())
        later = _LONG_NUMBER_RE.search(text, m.end(), min(e, m.end() + 80))
        if later:
            hits.append(Hit(m.start(), later.end(), "plan_id"))
    for m in _near_digits(_SERIAL_RE, text, 40, 2):
        s, e = sentences.around(m.start())
        if sum(c.isdigit() for c in m.group("id")) >= 3 and _DEVICE_RE.search(text, max(0, s - 200), e):
            hits.append(Hit(m.start(), m.end(), "device_serial"))
    for m in _near_digits(_PLATE_LABEL_RE, text, 40, 10):
        plate = m.group("id")
        if any(c.isdigit() for c in plate) and any(c.isalpha() for c in plate) or plate.isdigit() and len(plate) >= 4:
            hits.append(Hit(m.start(), m.end(), "plate"))
    for m in _PLATE_FORMAT_RE.finditer(text):
        s, e = sentences.around(m.start())
        if _VEHICLE_RE.search(text, s, e) and not masked.overlaps(m.start(), m.end()):
            hits.append(Hit(m.start(), m.end(), "plate"))
    for m in _FUNDRAISER_RE.finditer(text):
        if not _CAUSE_SLUG_RE.search(m.group("slug")):
            hits.append(Hit(m.start(), m.end(), "fundraiser"))
    return hits


_AGE_GROUP_BEFORE_RE = re.compile(
    r"(?i)\b(?:over|under|above|below|at\s+least|aged\s+between|between|from|ages|mayores\s+de|menores\s+de|m[aá]s\s+de"
    r"|de\s+m[aá]s\s+de|entre|desde|plus\s+de|moins\s+de|de\s+plus\s+de|[àa]\s+partir\s+de|ab|[üu]ber|unter|bis|zwischen"
    r"|von|mit\s+[üu]ber|los|las|les|die|alle)\s+$"
)


def _ages(text: str, masked, sentences: _Sentences, names: list[_Name], health) -> list[Hit]:
    """An exact age that singles a person out: over 89 with a name, a patient or a health detail; any age
    with a health detail when someone tells of a patient they just saw."""
    hits = []
    for m in _SPELLED_AGE_RE.finditer(text):
        s, e = sentences.around(m.start())
        if any(s <= n.start < e and n.role == "private" for n in names) or health.overlaps(s, e):
            hits.append(Hit(m.start(), m.end(), "age"))
    for m in _AGE_RE.finditer(text):
        if masked.overlaps(m.start(), m.end()):
            continue
        age = int(next(g for g in m.groups() if g))
        if _AGE_GROUP_BEFORE_RE.search(text, max(0, m.start() - 25), m.start()):
            continue
        s, e = sentences.around(m.start())
        near_health = health.overlaps(max(s, m.start() - 150), min(e, m.end() + 150))
        named = any(s <= n.start < e and n.role == "private" for n in names)
        if m.group("paren") and not (named and 0 < age < 18 and near_health):
            continue  # "Amira (7)": a child's age after her name
        if age >= 90 and (named or near_health or _PATIENT_CONTEXT_RE.search(text, s, e)):
            hits.append(Hit(m.start(), m.end(), "age"))
        elif near_health and 0 < age < 90 and _FIRST_PERSON_RE.search(text, max(0, s - 200), e):
            hits.append(Hit(m.start(), m.end(), "age"))
    return hits


# --------------------------------------------------------------------------------------------------
# Street addresses written the way of Spain, France, Germany and their neighbours

_ADDRESS_INTL_RE = re.compile(
    r"(?<![\w/-])\d{1,4}\s?(?:bis|ter|[a-d])?,?\s+(?i:rue|avenue|av\.|bd|boulevard|place|chemin|impasse|all[ée]e|quai"
    r"|route|cours|r[ée]sidence)\s+(?:(?:de|du|des|de\s+la|de\s+l['’]|d['’])\s*)?[A-ZÉÈ][\w'’-]+(?:\s+[A-ZÉÈ][\w'’-]+)?"
    r"|\b(?i:calle|c/|avda\.?|avenida|paseo|plaza|camino|carrera|cra\.?|pasaje|ronda|rue|avenue|chemin|route)\s+"
    r"(?:(?:de|del|de\s+la|des|du|de\s+los)\s+)?[A-ZÁÉÍÓÚÑ][\w'’-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w'’-]+)?,?\s+(?:n[°º.]?\s*)?\d{1,4}\b"
    r"|\b[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*(?:stra(?:ß|ss)e|str\.|weg|gasse|platz|allee|ring|damm|ufer|steig"
    r"|chaussee|pfad|zeile)\s+\d{1,4}(?:\s?[a-z]\b)?"
    r"|\b[A-ZÄÖÜ][a-zäöüß]+\s(?:Stra(?:ß|ss)e|Str\.|Weg|Gasse|Platz|Allee)\s+\d{1,4}(?:\s?[a-z]\b)?"
)


# --------------------------------------------------------------------------------------------------
# A person singled out without a name: by role and place ("the pastor of St. Michael's"), or by a unique
# event ("the cyclist hit on Hardturmstrasse last night")

_ROLE_WORDS = (
    r"pastor|priest|vicar|minister|rabbi|imam|teacher|principal|headteacher|headmaster|headmistress|coach|librarian"
    r"|firefighter|paramedic|officer|owner|chef|baker|barber|butcher|pharmacist|postman|postwoman|mail\s+carrier"
    r"|bus\s+driver|driver|janitor|caretaker|custodian|bartender|cashier|crossing\s+guard|lifeguard|organist"
    r"|choir\s+director|midwife|doctor|vet|grocer|shopkeeper|manager|receptionist|secretary|referee|goalkeeper"
    r"|landlord|landlady|publican|barman|barmaid|engineer|postmaster|groundskeeper|caretaker|warden|ranger"
    r"|kassierer(?:in)?|verk[äa]ufer(?:in)?|cajer[oa]|vendedor[a]?|caissi[eè]re|caissier|vendeu(?:r|se)|clerk|shop\s+assistant"
    r"|captain|conductor|p[áa]rroco|cura|sacerdote|maestr[oa]|profesor[a]?|profe|director[a]?|entrenador[a]?"
    r"|bibliotecari[oa]|bomber[oa]|param[ée]dic[oa]|polic[ií]a|due[ñn][oa]|panader[oa]|carnicer[oa]"
    r"|farmac[ée]utic[oa]|carter[oa]|conductor[a]?|ch[oó]fer|conserje|camarer[oa]|m[ée]dic[oa]|peluquer[oa]"
    r"|tender[oa]|socorrista|portero|cur[ée]|pasteur|pr[êe]tre|instituteur|institutrice|prof|professeure?|directeur"
    r"|directrice|entra[îi]neur|biblioth[ée]caire|pompier|ambulancier|policier|polici[èe]re|gendarme|patron(?:ne)?"
    r"|propri[ée]taire|boulang[eè]re?|boulanger|bouch[eè]re?|boucher|pharmacien(?:ne)?|facteur|factrice|chauffeur"
    r"|conducteur|conductrice|concierge|gardien(?:ne)?|serveu(?:r|se)|sage-femme|m[ée]decin|coiffeu(?:r|se)|ma[îi]tresse"
    r"|pfarrer(?:in)?|pastorin|priester|lehrer(?:in)?|schulleiter(?:in)?|rektor(?:in)?|direktor(?:in)?|trainer(?:in)?"
    r"|bibliothekar(?:in)?|feuerwehrmann|feuerwehrfrau|sanit[äa]ter(?:in)?|polizist(?:in)?|besitzer(?:in)?"
    r"|inhaber(?:in)?|wirt(?:in)?|b[äa]cker(?:in)?|metzger(?:in)?|apotheker(?:in)?|brieftr[äa]ger(?:in)?|postbote"
    r"|fahrer(?:in)?|busfahrer(?:in)?|hausmeister(?:in)?|kellner(?:in)?|hebamme|[äa]rztin|arzt|friseur(?:in)?"
    r"|bademeister(?:in)?|torwart|kapit[äa]n(?:in)?|b[üu]rgermeister(?:in)?"
)
_ROLE_OF_PLACE_RE = re.compile(
    rf"(?i)\b(?:the|our|their|el|la|le|l['’]|al|au|der|die|das|unser(?:e|em|en)?)\s*(?:(?:only|sole|lone|new|longtime|beloved"
    rf"|[úu]nic[oa]|nuev[oa]|querid[oa]|seule?|nouvelle?|nouvel|einzige[nr]?|neue[nr]?|langj[äa]hrige[nr]?)\s+)?"
    rf"(?:\d{{1,3}}[- ](?:year|yr)[- ]old\s+|head\s+|assistant\s+|deputy\s+|local\s+|village\s+|school\s+)?"
    rf"{_alternation(_ROLE_WORDS)}(?:\s+[\w'’]+){{0,4}}?\s*(?:\s(?:of|at|from|for|in|on|de|del|du|des|de\s+la|von|vom"
    rf"|der|des|im|am|an\s+der|aus|bei|beim|en|à|au)\s+|\s(?:de|d)['’]|\sl['’])(?:(?:the|la|el|le|les|los|las|der|dem|den|l['’])\s*)?"
    r"(?:[a-zà-ÿ]+\s+){0,2}(?-i:[A-ZÄÖÜÁÉÍÓÚ0-9][\w'’.-]*)"
)
_PERSON_NOUNS = (
    r"victim|driver|cyclist|bicyclist|pedestrian|motorcyclist|biker|passenger|rider|hiker|swimmer|skier|climber"
    r"|jogger|runner|boy|girl|man|woman|baby|newborn|teen|teenager|toddler|child|worker|student|lady|gentleman"
    r"|elderly\s+\w+|older\s+\w+|v[ií]ctima|conductor[a]?|ciclista|peat[oó]n|motorista|motociclista|pasajer[oa]"
    r"|ni[ñn][oa]|hombre|mujer|beb[ée]|joven|anciana?o?|se[ñn]ora?|trabajador[a]?|victime|conducteur|conductrice"
    r"|cycliste|pi[ée]ton(?:ne)?|motard|passag[eè]re?|enfant|homme|femme|b[ée]b[ée]|jeune|vieille\s+dame|vieux\s+monsieur"
    r"|dame|monsieur|ouvrier|ouvri[eè]re|opfer|fahrer(?:in)?|radfahrer(?:in)?|fu[ßs]g[äa]nger(?:in)?"
    r"|motorradfahrer(?:in)?|beifahrer(?:in)?|kind|junge|m[äa]dchen|mann|frau|baby|jugendliche[rn]?|senior(?:in)?"
    r"|[äa]ltere\s+herr|[äa]ltere\s+dame|herr|arbeiter(?:in)?|sch[üu]ler(?:in)?"
)
_EVENT_RE = re.compile(
    r"(?i)\b(?:accident|crash|crashed|collision|hit|struck|run\s+over|fire|blaze|shooting|shot|stabbing|stabbed"
    r"|explosion|fell|fall|collapsed|drowned|nearly\s+drowned|born|delivered|found|rescued|attacked|mauled|bitten"
    r"|choque|chocó|accidente|atropellad[oa]|arrollad[oa]|incendio|tiroteo|apu[ñn]alad[oa]|explosi[oó]n|cay[oó]"
    r"|desmay[oó]|naci[oó]|rescatad[oa]|encontrad[oa]|accident|renvers[ée]e?|percut[ée]e?|incendie|fusillade"
    r"|poignard[ée]e?|tomb[ée]e?|chute|effondr[ée]e?|n[ée]e?|secouru|encastr[ée]e?|noy[ée]e?|unfall|verungl[üu]ckt"
    r"|erfasst|angefahren|brand|sch[üu]sse|messerangriff|explosion|gest[üu]rzt|kollabiert|zusammengebrochen"
    r"|geboren|zur\s+welt|gerettet|kam\s+zur\s+welt|injured|hurt|herid[oa]|lesionad[oa]|bless[ée]e?|verletzt"
    r"|had\s+a\s+(?:heart\s+attack|stroke|seizure|cardiac\s+arrest)|robbed|mugged|assaulted|beaten|[üu]berfallen"
    r"|asaltad[oa]|agredid[oa]|agress[ée]e?|braqu[ée]e?|attaqu[ée]e?|angegriffen)\b"
)
# The place of the event: a proper name after a preposition, a road or a line number.
_EVENT_PLACE_RE = re.compile(
    r"(?:\b(?i:on|at|in|near|outside|en|sur|auf|am|an|im|bei|beim|vor|dans|devant|de|du|del|de\s+la|vom|der)\s+"
    r"(?:(?i:the|la|el|le|les|der|dem|den|die)\s+)?(?:[\w'’-]+\s+)?[A-ZÄÖÜÁÉÍÓÚ][\w'’-]{2,}"
    r"|\b(?:[ABMNDL]|SR|US|I|CR|RN|RD|RP|N|E)-?\d{1,4}\b|\b(?i:route|highway|hwy|line|ligne|l[ií]nea|gleis|ruta"
    r"|carretera|autoroute|autobahn|bundesstra(?:ß|ss)e|exit|sortie|salida)\s+\d{1,4}\b)"
)


_HABIT_RE = re.compile(
    r"(?i)\b(?:the|that|el|la|le|der|die)\s+(?:[\w-]+\s+)?(?:guy|man|woman|lady|bloke|chap|gentleman|fella|girl|boy|kid"
    r"|tipo|se[ñn]or[a]?|chic[oa]|monsieur|dame|type|mec|mann|frau|typ|junge|m[äa]dchen)\s+(?:who|that|que|qui|der|die)\s+"
    r"(?:always\s+|usually\s+|siempre\s+|toujours\s+|immer\s+)?(?:runs|owns|works|sells|drives|walks|comes|lives|sings"
    r"|plays|busks|delivers|cleans|fixes|teaches|coaches|sits|rides|feeds|lleva|vende|trabaja|vive|pasea|viene|tiene"
    r"|tient|vend|travaille|vit|prom[èe]ne|vient|f[äa]hrt|verkauft|arbeitet|wohnt|f[üu]hrt|kommt)\b"
)


_FROM_THE_SHOP_RE = re.compile(
    r"(?i)\b(?:el|la)\s+de(?:l|\s+la)\s+(?:tienda|panader[ií]a|bar|kiosco|quiosco|farmacia|carnicer[ií]a|fruter[ií]a"
    r"|peluquer[ií]a|esquina|gasolinera|taller|verduler[ií]a)|\b(?:celui|celle)\s+d[ue]\s+(?:la\s+)?(?:boulangerie|tabac"
    r"|bar|caf[ée]|pharmacie|boucherie|kiosque|garage|coin|march[ée])|\b(?:der|die)\s+vom\s+(?:kiosk|b[äa]cker|laden|imbiss"
    r"|metzger|café|markt)"
)


def _indirect(text: str, sentences: _Sentences, health) -> list[Hit]:
    hits = []
    singled_out = (
        (_FROM_THE_SHOP_RE, "a person singled out by the shop they keep"),
        (_HABIT_RE, "a person singled out by what they are known for"),
        (_ROLE_OF_PLACE_RE, "a person singled out by role and place"),
    )
    for pattern, reason in singled_out:
        for m in pattern.finditer(text):
            s, e = sentences.around(m.start())
            if health.overlaps(s, min(len(text), e + 200)):
                hits.append(Hit(m.start(), m.end(), "indirect", reason))
    for m in _PERSON_EVENT_RE.finditer(text):
        s, e = sentences.around(m.start())
        window_end = min(e, m.end() + 160)
        event = _EVENT_RE.search(text, m.end(), window_end)
        if not event:
            continue
        place = _EVENT_PLACE_RE.search(text, m.end(), min(e, event.end() + 120))
        mods = m.group("mods")
        specific = place or re.search(r"(?:^|\s)(?:[A-ZÄÖÜ]|\d)", mods)
        if specific and health.overlaps(s, min(len(text), e + 200)):
            hits.append(Hit(m.start(), event.end(), "indirect", "a person singled out by an event, a place and a time"))
    return hits


_PERSON_EVENT_RE = re.compile(
    rf"(?i)\b(?:the|el|la|le|l['’]|der|die|das|dem|den)\s*(?P<mods>(?:[\w'’.-]+\s+){{0,3}}?)"
    rf"{_alternation(_PERSON_NOUNS + '|' + _ROLE_WORDS)}\b"
)


# --------------------------------------------------------------------------------------------------
# Replies that confirm a patient relationship ("@ana_r so glad your biopsy came back clear", "Bonjour
# M. Favre, votre contrôle post-opératoire est maintenu"), even when the person spoke first; a reply that
# declines to discuss anything ("we can't discuss anyone's care here") confirms nothing.

_GREETING = (
    r"hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)|thanks|thank\s+you|hola|buenos\s+d[ií]as|buenas(?:\s+tardes"
    r"|\s+noches)?|estimad[oa]|querid[oa]|gracias|bonjour|bonsoir|salut|cher|ch[èe]re|merci|hallo|liebe[rs]?"
    r"|guten\s+(?:tag|morgen|abend)|gr[üu]ezi|servus|moin|sehr\s+geehrte[rs]?|danke|g['’]day|hiya|howdy|morning|evening"
    r"|qu[ée]\s+gusto|qu[ée]\s+alegr[ií]a|coucou|hallo\s+zusammen"
)
_REPLY_START_RE = re.compile(
    r"\s*(?:(?i:respuesta\s+del\s+propietario|response\s+from\s+the\s+owner|r[ée]ponse\s+du\s+propri[ée]taire"
    r"|antwort\s+des\s+inhabers)\s*:\s*)?"
    rf"\s*(?:(?:@[\w.]+[\s,:]*)+|(?i:{_GREETING})\b[^,.!?\n]{{0,40}}[,!:.]|[A-ZÁÉÍÓÚ][\w'’-]+(?:\s+[A-Z][\w'’-]+)?,\s)"
)
_CARE = _alternation(words.CARE_NOUNS)
_CONFIRM_RE = re.compile(
    rf"(?i)\b(?:your|ur|tu|tus|su|sus|vuestr[oa]s?|votre|vos|ton|ta|tes|ihr(?:e|en|em|er|es)?|dein(?:e|en|em|er|es)?)"
    rf"\s+(?:[\w'’-]+\s+){{0,2}}?(?:{_CARE})\b"
    r"|\b(?:ergebnis(?:se)?|befunde?|resultados?|r[ée]sultats?|results?)\s+(?:deines|deiner|ihres|ihrer|de\s+tu|de\s+su"
    r"|de\s+votre|de\s+ton|de\s+ta|of\s+your)\b"
    r"|\b(?:our|my)\s+records|\bnuestros\s+registros|\bnos\s+dossiers|\bunseren\s+unterlagen|\bin\s+deiner\s+akte"
    r"|\bsee\s+you\s+(?:at|for|on|next|in)\b|\bnos\s+vemos\b|\bbis\s+(?:zur|zum)\s+(?:n[äa]chsten\s+)?\w+"
    r"|\b(?:when|while)\s+you\s+were\s+(?:here|admitted|with\s+us|in|on|at)\b|\bduring\s+your\b|\bdurante\s+tu\b"
    r"|\blors\s+de\s+(?:votre|ton|ta)\b|\bw[äa]hrend\s+(?:ihres|deines)\b"
    r"|\b(?:glad|happy|great|good|lovely|wonderful)\s+(?:to\s+(?:hear|see)\s+)?(?:that\s+)?(?:[\w'’]+\s+){1,2}?"
    r"(?:['’]re|are|is|['’]s|was|were)?\s*(?:now\s+|finally\s+|safely\s+)?(?:feeling|home|recovering|doing\s+(?:well|better|great)"
    r"|better|back\s+home|out\s+of|on\s+the\s+mend|went\s+(?:well|smoothly))\b"
    r"|\bsee\s+(?:you|y['’]all)(?:\s+(?:both|all|two))?\s+(?:at|for|on|next|in)\b"
    r"|\b(?:speedy|quick|full)\s+recovery|\bget\s+well|\bfeel\s+better|\bpronta\s+recuperaci[oó]n|\bque\s+te\s+mejores"
    r"|\bmej[oó]rate|\brecup[ée]rate|\bbon(?:ne)?\s+(?:r[ée]tablissement|convalescence)|\bprompt\s+r[ée]tablissement"
    r"|\bgute\s+besserung|\bschnelle\s+genesung|\bte\s+atendi\w+|\bbei\s+uns\s+(?:auf|in|im)\b|\bchez\s+nous\s+(?:en|au|à)"
    r"|\b(?:te|la|lo|le|les|vous|sie|dich|you)\s+(?:esperamos|attendons|erwarten|reverrons|sehen\s+wir)\b"
    r"|\bbon\s+retour\s+(?:[àa]\s+la\s+maison|chez\s+vous)|\bwelcome\s+(?:home|back)|\bgute\s+(?:erholung|heimkehr)"
    r"|\b(?:weiterhin|continued)\s+gute|\bmucho\s+[ée]xito\s+en\s+(?:tu|su)\s+(?:tratamiento|recuperaci[oó]n)"
    r"|\bdass\s+(?:Sie|du)\s+sich\s+(?:bei\s+uns|auf\s+der)|\bque\s+(?:vous|tu)\s+(?:avez|as)\s+[ée]t[ée]\s+bien\s+(?:soign|pris)"
    r"|\bwith\s+us\s+(?:on|in|at)\b|\bcon\s+nosotros\s+en\b|\bwir\s+sehen\s+uns\b|\bon\s+se\s+voit\b|\b[àa]\s+bient[ôo]t\s+(?:en|au|à)"
)
_DECLINE_RE = re.compile(
    r"(?i)\b(?:(?:can(?:no|['’])t|cannot|unable\s+to|not\s+able\s+to|never|don['’]?t|do\s+not|won['’]?t|not\s+allowed\s+to"
    r"|not\s+permitted\s+to)\s+(?:be\s+able\s+to\s+)?(?:publicly\s+)?(?:discuss|comment|share|confirm|talk|speak|disclose"
    r"|release|give\s+out|provide|answer|respond|post|go\s+into)|(?:confirm|confirming)\s+or\s+deny|neither\s+confirm"
    r"|no\s+(?:podemos|puedo|es\s+posible|nos\s+es\s+posible|compartimos|comentamos|hablamos|damos|publicamos)|nunca"
    r"|ni\s+confirmar|ne\s+(?:pouvons|peux|pourrons|pouvez|peut|partageons|commentons|discutons|donnons|communiquons)"
    r"|ni\s+confirmer|jamais|(?:k[öo]nnen|d[üu]rfen|werden)\s+(?:wir|ich)\s+(?:hier\s+)?(?:leider\s+)?(?:keine|nicht|nichts|weder)"
    r"|(?:wir|ich)\s+(?:k[öo]nnen|d[üu]rfen)\s+(?:hier\s+)?(?:leider\s+)?(?:keine|nicht|nichts|weder)|weder\s+best[äa]tigen"
    r"|keine\s+auskunft|[äa]u(?:ss|ß)ern\s+(?:wir\s+)?uns\s+(?:\w+\s+){0,2}nicht|uns\s+(?:\w+\s+){0,2}nicht\s+zu\s+einzelnen"
    r"|zum\s+schutz\s+der\s+privatsph[äa]re|nicht\s+zu\s+einzelnen|(?:no|ni)\s+(?:\w+\s+){0,3}casos?\s+(?:individuales|particulares|concretos)"
    r"|(?:pas|jamais)\s+(?:\w+\s+){0,3}(?:cas|situations?)\s+(?:individuel|particuli|personnel)\w*|secret\s+m[ée]dical"
    r"|aus\s+datenschutzgr[üu]nden|por\s+(?:motivos\s+de\s+)?privacidad|confidentialit[ée]|for\s+privacy|privacy\s+reasons"
    r"|any\s+(?:individual|patient|person)['’]?s?|privately|por\s+privado|en\s+priv[ée]|per\s+(?:dm|pn|privatnachricht))\b"
)


_YOUR_KIN_RE = re.compile(
    r"(?i)\b(?:your|ur|tu|su|votre|ton|ta|ihr(?:e|em|en|er)?|dein(?:e|em|en|er)?)\s+(?:"
    + _alternation(_KIN_INTL)
    + r"|mom|mum|dad|mother|father|son|daughter|husband|wife|baby|grandma|grandpa|nan|partner|sister|brother|boy|girl"
    r"|little\s+one|kids?|child)\b"
)


def _replies(text: str, sentences: _Sentences, health=None) -> list[Hit]:
    start = _REPLY_START_RE.match(text)
    if not start:
        return []
    hits = []
    if health is not None:
        for m in _YOUR_KIN_RE.finditer(text):
            s, e = sentences.around(m.start())
            if health.overlaps(s, e) and not _DECLINE_RE.search(text, s, e):
                hits.append(Hit(m.start(), m.end(), "reply_confirm", "a reply about the person's relative's health"))
    for m in _CONFIRM_RE.finditer(text):
        s, e = sentences.around(m.start())
        if _DECLINE_RE.search(text, s, e):
            continue
        hits.append(Hit(m.start(), m.end(), "reply_confirm", "a reply that confirms the person is a patient"))
    return hits


# --------------------------------------------------------------------------------------------------
# What a post says of its own names: invented ("name changed"), or quoted as what not to post

_PSEUDONYM_RE = re.compile(
    r"(?i)\b(?:not\s+(?:her|his|their)\s+real\s+name|names?\s+(?:(?:have|has)\s+been\s+|were\s+|was\s+|are\s+)?changed"
    r"|changed\s+(?:her|his|their|the)\s+names?|names?\s+(?:and\s+details\s+)?(?:have\s+been\s+)?altered"
    r"|pseudonyms?|composite|fictional|fictitious|invented|nombres?\s+ficticios?|nombres?\s+(?:han\s+sido\s+|ha\s+sido\s+)?"
    r"(?:cambiad|modificad)\w*|nombre\s+(?:real\s+)?(?:cambiado|modificado|inventado)|pr[ée]noms?\s+(?:a\s+[ée]t[ée]\s+|ont"
    r"\s+[ée]t[ée]\s+)?(?:modifi|chang)\w*|noms?\s+(?:a\s+[ée]t[ée]\s+|ont\s+[ée]t[ée]\s+)?modifi\w*|pseudonymes?"
    r"|fictifs?|fictives?|(?:vor)?namen?\s+(?:wurden?\s+|sind\s+)?(?:ge[äa]ndert|von\s+der\s+redaktion)|ge[äa]nderter\s+name"
    r"|fiktiv\w*|erfunden\w*|anonymisiert|anonimizad[oa]|anonymis[ée]e?|personaje\s+compuesto|cas\s+compos[ée]"
    r"|ficti\w+|caso\s+compuesto|caso\s+cl[ií]nico\s+ficticio|teaching\s+case)"
)
_PROHIBITION_RE = re.compile(
    r"(?i)\b(?:never\s+(?:post|share|include|mention)|don['’]?t\s+(?:post|share|include)|do\s+not\s+(?:post|share|include)"
    r"|not\s+ok|what\s+not\s+to|bad\s+example|example|reminder|nunca\s+(?:publiques|publiquen|compartas|compartan)"
    r"|no\s+(?:publiques|publiquen|compartas|compartan|pongas)|ejemplo|recordatorio|ne\s+(?:publiez|partagez|postez)"
    r"|jamais|exemple|rappel|niemals|nicht\s+(?:posten|teilen|ver[öo]ffentlichen)|keine\s+\w+\s+posten|beispiel"
    r"|datenschutz|wie\s+man\s+es\s+nicht|so\s+nicht|privacy|hipaa|rgpd|gdpr|dsgvo|confidentialit[ée]|privacidad"
    r"|tabu|verboten|prohibido|interdit|not\s+allowed|no\s+est[áa]\s+permitido|violaci[oó]n|violation|breach|versto[ßs]"
    r"|faute|secret\s+m[ée]dical|schweigepflicht|secreto\s+profesional)\b"
)
_QUOTED_RE = re.compile(
    r"“[^”\n]{1,400}”|„[^“”\n]{1,400}[“”]|«[^»\n]{1,400}»|\"[^\"\n]{1,400}\"|‘[^’\n]{1,400}’"
    r"|(?<!\w)'[^'\n]{3,300}'(?!\w)"
)


def _drop_invented_and_quoted(text: str, hits: list[Hit]) -> list[Hit]:
    if _PSEUDONYM_RE.search(text):
        hits = [h for h in hits if h.kind not in ("patient_name", "age")]
    if _PROHIBITION_RE.search(text):
        quoted = _Spans((m.start(), m.end()) for m in _QUOTED_RE.finditer(text))
        hits = [h for h in hits if not (quoted.overlaps(h.start, h.end) and _inside(quoted, h))]
    return hits


def _inside(quoted: _Spans, h: Hit) -> bool:
    k = bisect.bisect_right(quoted.starts, h.start) - 1
    return k >= 0 and quoted.spans[k][1] >= h.end


def _declined(text: str, hits: list[Hit], sentences: _Sentences) -> list[Hit]:
    """In a reply that declines to discuss anything, the person's name next to the topic they raised
    ("Bonjour Monsieur Peeters, pour toute question liée à une hospitalisation …") confirms nothing."""
    if not _REPLY_START_RE.match(text) or not _DECLINE_RE.search(text):
        return hits
    if any(h.kind == "reply_confirm" for h in hits):
        return hits
    first_end = sentences.bounds(0)[1]
    return [h for h in hits if not (h.kind == "patient_name" and h.start < first_end)]


# --------------------------------------------------------------------------------------------------
# Whose contact detail: a phone number, e-mail or street address is reported only when it is a private
# person's. The organization's own (its lines, mailboxes and sites) are public by design.

_FREE_MAIL_RE = re.compile(
    r"(?i)@(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|mac|aol|proton(?:mail)?|pm|gmx|web"
    r"|t-online|freenet|orange|wanadoo|free|laposte|sfr|bbox|libero|terra|telefonica|movistar|mail|yandex|zoho"
    r"|comcast|verizon|att|sbcglobal|bellsouth|rocketmail|hushmail|fastmail|tutanota|bluewin|hispeed)\.[a-z.]+$"
)
_GENERIC_MAILBOX_RE = re.compile(
    r"(?i)^(?:info|information|informacion|appointments?|appts?|booking|bookings|scheduling|schedule|press|media"
    r"|news|newsroom|communications|comms|marketing|careers?|jobs|recruiting|recruitment|recrutement|hr|rrhh"
    r"|volunteers?|voluntariado|benevoles|contact|contacto|kontakt|hello|hola|bonjour|help|helpdesk|support"
    r"|billing|records|medical-?records|privacy|compliance|foundation|donate|donations|giving|events?|office"
    r"|admin|reception|frontdesk|front-desk|patient-?relations|patientrelations|feedback|complaints|citas"
    r"|prensa|empleo|accueil|rdv|presse|secretariat|sekretariat|termine|karriere|bewerbung|empfang|service"
    r"|noreply|no-reply|webmaster|pharmacy|refills?|nurse-?line|triage|telehealth|wellness|education|training"
    r"|research|studies|trials|ethics|security|it|itservices|facilities|transport|shuttle|parking|chaplaincy"
    r"|spiritualcare|interpreters?|accessibility|ombudsman|quality|safety|pals|advice)\b"
)
# Just before the detail, a word that says it is the organization's: "our", "call us", "the clinic's line".
_ORG_CUE_BEFORE_RE = re.compile(
    r"(?i)\b(?:our|(?:call|text|reach|contact|email|e-mail|write\s+to|visit|find|phone|ring|message)\s+us|office|offices"
    r"|line|lines|fax|ext|extension|hotline|helpline|clinic|clinics|desk|reception"
    r"|department|dept|switchboard|relations|appointments?|main|centre|center|hospital|campus|site|location|unit"
    r"|ward|team|services?|program|programme|foundation|pharmacy|lab|laboratory|shuttle|refill|scheduling|booking"
    r"|registration|headquarters|hq|nurse\s+line|triage|info|information|press|media|careers|general"
    r"|nuestr[oa]s?|ll[aá]m(?:enos|anos|e|a)|escr[ií]b(?:enos|anos)|oficina|l[ií]nea|centralita|centro|consultorio"
    r"|cl[ií]nica|servicio|atenci[oó]n|citas|sede|notre|nos|nous|appelez|bureau|ligne|standard|accueil"
    r"|secr[ée]tariat|centre|clinique|service|permanence|unser(?:e[mnrs]?)?|uns|b[üu]ro|zentrale|sekretariat"
    r"|empfang|pforte|hotline|praxis|ambulanz|telefon\s+der|klinik|station)\b[^.!?\n]{0,30}$"
)
# Before the detail, a private person's: "his cell", "her daughter's number", "lives at", "su domicilio".
_PRIVATE_CUE_RE = re.compile(
    r"(?i)\b(?:(?:his|her|their|my|mom['’]?s|dad['’]?s|husband['’]?s|wife['’]?s|son['’]?s|daughter['’]?s"
    r"|mother['’]?s|father['’]?s|family['’]?s|patient['’]?s)\s+(?:[\w'’]+\s+)?(?:cell|cellphone|mobile|phone|number"
    r"|home|house|address|e-?mail|landline|whatsapp|flat|apartment|place|contact)|lives|living|lived|live|staying|stays|home|house"
    r"|residence|address\s+is|apartment|flat|neighbou?r|neighbou?rs|personal|private"
    r"|vive|viv[ií]a|domicilio|casa|su\s+(?:tel[eé]fono|m[oó]vil|celular|correo|direcci[oó]n|n[uú]mero)|particular"
    r"|habite|habitait|domicile|chez\s+(?:lui|elle|eux)|son\s+(?:t[ée]l[ée]phone|portable|num[ée]ro|adresse|mail)"
    r"|sa\s+(?:fille|femme|m[èe]re)|wohnt|wohnte|wohnhaft|zuhause|zu\s+hause|privat|handy|seine?\s+(?:nummer"
    r"|telefonnummer|adresse|handynummer)|ihre?\s+(?:nummer|telefonnummer|adresse|handynummer))\b"
)


# An emergency at an address: the address is someone's home or whereabouts.
_INCIDENT_RE = re.compile(
    r"(?i)\b(?:ambulance|ambulances|dispatched|paramedics|ems|house\s+fire|fire\s+at|crash|collision|found\s+(?:unresponsive"
    r"|collapsed)|overdose|rescued|ambulancia|accidente|incendio|atropell\w+|pompiers|samu|accident|incendie|renvers[ée]e?"
    r"|rettungswagen|notarzt|unfall|brand|feuerwehr|verungl[üu]ckt)\b"
)


def _private_contacts(text: str, contacts: list[Hit], names: list[_Name], sentences: _Sentences) -> list[Hit]:
    """The contact details that are a private person's: a personal mailbox (a free-mail address that is not a
    generic one), or a detail next to a private person (named, or "his cell", "lives at") that no word just
    before it gives to the organization."""
    kept = []
    private_names = [n for n in names if n.role == "private"]
    for h in contacts:
        value = text[h.start : h.end]
        before = text[max(0, h.start - 40) : h.start]
        if h.kind == "email":
            local = value.partition("@")[0]
            if _GENERIC_MAILBOX_RE.match(local):
                continue
        if _ORG_CUE_BEFORE_RE.search(before):
            continue
        if h.kind == "email" and _FREE_MAIL_RE.search(value):
            kept.append(h)
            continue
        s, e = sentences.around(h.start)
        near = max(s, h.start - 100)
        if _PRIVATE_CUE_RE.search(text, near, h.start):
            kept.append(h)
        elif h.kind == "email":
            continue  # an address at an organization's domain is a work address
        elif any(near <= n.start < min(e, h.end + 60) for n in private_names):
            kept.append(h)
        elif h.kind == "address" and _INCIDENT_RE.search(text, s, e):
            kept.append(h)  # "Ambulance dispatched to 3301 North Highland Ave for a fall"
    return kept


# --------------------------------------------------------------------------------------------------
# Room and bed numbers

# A patient's place: room, bed, bay, chair or cubicle, and their Spanish, French and German words.
_BED_WORDS = (
    r"bed|bay|chair|cubicle|stretcher|trolley|cama|box|camilla|sill[oó]n|lit|brancard|fauteuil|bett|kabine|liege|platz"
    r"|trauma|resus|pod|(?<=\bin\s)(?-i:OR)|(?<=\bto\s)(?-i:OR)|quir[oó]fano|salle\s+d['’]op|koje|behandlungsplatz"
)
_ROOM_RE = re.compile(
    rf"(?i)\b(?P<kw>room|rm\.?|habitaci[oó]n|hab\.|cuarto|chambre|ch\.|zimmer|{_BED_WORDS})\s*(?:#|no\.?|number|n[°º]|nr\.?)?"
    r"\s*(?P<id>\d{1,4}[a-z]?|[a-z]-?\d{1,4})\b(?![.,]\d|:\d|\s*[=<>+*/])"
)
_BED_WORD_RE = re.compile(rf"(?i){_BED_WORDS}")
# "Conference Room 3", "Meeting Room 1": a room that is not a patient's.
_ROOM_MODIFIERS = frozenset(
    """conference conf meeting class board break lecture training community waiting reading study locker party
    ball living dining rest bath server mail copy supply storage utility exhibit music game play family quiet
    prayer media computer simulation sim team huddle staff green press escape show hotel guest banquet event
    function multipurpose multi-purpose activity activities craft seminar""".split()
    + "reuniones juntas formación formacion conferencias réunion reunion conférence formation cours".split()
)
_VENUE = (
    r"(?:Center|Centre|Building|Hall|Library|Church|Chapel|Pavilion|School|College|University|Hotel|Inn"
    r"|Auditorium|Museum|Club|Gym|YMCA|YWCA|Campus|Annex|Institute|Theater|Theatre|Arena|Park|Wing|Tower|Office"
    r"|Offices|Plaza|Lodge|Station|Firehouse|Temple|Mosque|Synagogue|Courthouse|Mall)"
)
_VENUE_AFTER_RE = re.compile(
    r"^\s*(?:des|der|del|de\s+la|du|im|en\s+el|au)\s+[\w-]*(?i:zentrums?|geb[äa]udes?|hauses|centro|edificio|pabell[oó]n"
    r"|b[âa]timent|centre|pavillon|campus)\b"
    rf"|^\s*(?:,|of|at|in|inside)\s+(?:the\s+)?(?:[A-Z0-9][\w'’.-]*\s+){{0,4}}?{_VENUE}\b"
    rf"|^\s*,\s*(?:[A-Z0-9][\w'’.-]*\s+){{0,3}}?{_VENUE}\b"
)
_VENUE_PAREN_RE = re.compile(
    r"^\s*\(\s*[\w-]*(?i:zentrum|centro|centre|center|saal|sala|salle|geb[äa]ude|building|hall|aula|haus)\b"
)
_VENUE_BEFORE_RE = re.compile(rf"\b{_VENUE}\s*(?:[A-Z0-9]{{1,3}})?\s*,\s*$")
_EVENT_WORDS_RE = re.compile(
    r"(?i)\b(?:class(?:es)?|course|training|workshops?|seminars?|lectures?|sessions?|meeting|meets|conference"
    r"|webinar|orientation|fair|events?|part(?:y|ies)|ceremony|support\s+group|cafe|café|screenings?"
    r"|counsel(?:or|ors|ing)|talks?|presentation|demo|tours?|open\s+house|info|register|registration|rsvp"
    r"|sign\s+up|tickets?|join\s+us|join|exhibit|concert|potluck|luncheon|reception|interviews?|credits?|ce|cme"
    r"|ceu|hr|badges?|payroll|onboarding|office|students?|faculty|employees|staff\s+only|lunch|breakfast|snacks"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)days|weekly|monthly"
    r"|taller(?:es)?|curso|charla|reuni[oó]n|sesi[oó]n|formaci[oó]n|jornadas?|conferencia|inscripci[oó]n|inscr[ií]bete"
    r"|atelier|cours|formation|r[ée]union|conf[ée]rence|s[ée]ance|inscription|inscrivez"
    r"|kurs|schulung|vortrag|sitzung|besprechung|fortbildung|seminar|workshop|anmeldung|veranstaltung|infoabend"
    r"|treffen|teamsitzung|hotel|gast|g[äa]ste|h[ôo]tel|hu[ée]sped(?:es)?)\b"
    r"|\b\w*(?i:versammlung|schulung|fortbildung|sitzung|besprechung|veranstaltung|wiederholung|kurs|konferenz)\b"
    r"|\b(?i:employee\s+health|occupational\s+health|employee|staff|personal|personnel|mitarbeitende)\b"
)
_PATIENT_CONTEXT_RE = re.compile(
    r"(?i)\b(?:patients?|admitted|discharged?|isolation|visitors?|nurses['’]?\s+station|bedside|resident"
    r"|paciente|ingresad[oa]|aislamiento|patiente?|hospitalis[ée]e?|isolement|patient(?:in|en)?|aufgenommen"
    r"|isolation|isolier\w*)\b"
)


def _rooms(text: str, masked, sentences: _Sentences) -> list[Hit]:
    hits = []
    event_sentence: dict[int, bool] = {}
    for m in _ROOM_RE.finditer(text):
        if masked.overlaps(m.start(), m.end()):
            continue
        if m.group("kw").lower() == "box" and re.search(
            r"(?i)\b(?:p\.?\s?o\.?|apartado|postfach|bo[iî]te\s+postale)\s*$", text[max(0, m.start() - 15) : m.start()]
        ):
            continue
        if not _BED_WORD_RE.fullmatch(m.group("kw")):
            before = text[max(0, m.start() - 40) : m.start()].rstrip()
            after = text[m.end() : m.end() + 60]
            previous = before.rsplit(None, 1)[-1].rstrip(".").lower() if before else ""
            if previous == "(" or previous.startswith("("):
                inner = before.rstrip("( ").rsplit(None, 1)
                previous = inner[-1].lower() if inner else previous
                if previous in ("room", "sala", "salle", "raum", "saal"):
                    continue  # "Chaplaincy Quiet Room (Room 108)": the room's own name
            if previous in _ROOM_MODIFIERS or _VENUE_AFTER_RE.match(after) or _VENUE_PAREN_RE.match(after):
                continue
            if before.endswith(",") and _VENUE_BEFORE_RE.search(before + " "):
                continue
            index = sentences.index(m.start())
            if index not in event_sentence:
                s, e = sentences.bounds(index)
                event_sentence[index] = bool(
                    _EVENT_WORDS_RE.search(text, s, e) and not _PATIENT_CONTEXT_RE.search(text, s, e)
                )
            if event_sentence[index]:
                continue
        hits.append(Hit(m.start(), m.end(), "room"))
    return hits


# --------------------------------------------------------------------------------------------------
# Names of people

# Given names from many cultures, ASCII-folded for lookup ("Tomás" is found as "Tomas").
_FIRST_NAMES = """
Aaliyah Aaron Abby Abdul Abdullah Abel Abena Abigail Abraham Ada Adaeze Adam Adama Adebayo Adel Adele Adeline Adem
Adiba Aditi Aditya Adjoa Adnan Adrian Adriana Adrienne Afia Afua Agnes Agnieszka Ahmad Ahmed Aida Aidan Aiden Aiko
Ailani Aileen Aimee Aisha Aishwarya Aiyana Akash Akemi Akiko Akira Akosua Akua Alan Alana Alba Albert Alberto
Aleksander Aleksandra Alejandra Alejandro Alessandra Alessandro Alex Alexa Alexander Alexandra Alexandre Alexis
Alfonso Alfred Alfredo Ali Alice Alicia Alina Alisha Alison Alissa Aliyah Allan Allison Alma Alonzo Alvin Alyssa
Amal Amanda Amara Amari Amaya Amber Ambrose Amelia Amina Amir Amira Amit Amos Amy Ana Anahi Ananya Anastasia Andre
Andrea Andreas Andrei Andres Andrew Andrzej Andy Aneesh Angela Angelica Angelina Angelo Angie Anil Anita Anjali
Ann Anna Annabelle Anne Annette Annie Anouk Ansel Anthony Antoine Anton Antonia Antonio Anya Aoife Arash Archie Ari
Ariana Ariel Arjun Arlene Armando Arnav Arnold Aroha Arthur Arturo Arun Arya Asa Asha Ashanti Ashok Ashton Ashley
Asif Asma Astrid Athena Audrey Aurora Ava Avery Avi Avraham Axel Ayaan Ayana Ayesha Ayumi Azadeh Aziz
Bailey Barbara Barry Bartek Basil Bea Beatrice Beatriz Becky Belinda Bella Ben Benedict Benito Benjamin Bernadette
Bernard Bernardo Bernice Bertha Beth Bethany Betsy Betty Beverly Bianca Bilal Billy Bjorn Blake Blanca Bobbie Bobby
Bogdan Bola Bonnie Boris Brad Bradley Brandi Brandon Brenda Brendan Brent Brett Brian Briana Brianna Bridget Brittany
Brooke Bruce Bruno Bryan Bryce Byron
Caitlin Caleb Callum Calvin Camila Camille Cameron Candace Cara Carl Carla Carlos Carly Carmen Carol Carole Caroline
Carolyn Carrie Casey Cassandra Cassidy Catalina Catherine Cathy Cecilia Cedric Celeste Celia Cesar Chad Chandra
Charlene Charles Charlie Charlotte Chen Cheng Cheryl Chiamaka Chidi Chidinma Chiara Chinedu Chioma Chloe Chris
Christina Christine Christopher Chuck Chukwuemeka Ciara Cindy Claire Clara Clarence Claudia Claudio Clifford Clint
Clyde Cody Colin Colleen Connor Conor Constantin Cora Corey Craig Cristina Cristian Curtis Cynthia
Dafne Daisuke Dakota Damian Damon Dan Dana Danielle Daniel Daniela Danny Dante Daphne Darius Darlene Darnell Darren
Darryl Daryl Dave David Davide Dawit Deandre Debbie Deborah Debra Declan Dee Deepa Deepak Deirdre Delia Della Delores
Demetrius Denise Dennis Derek Derrick Desiree Desmond Deshawn Destiny Devin Devon Dexter Dhruv Diana Diane Diego
Dimitri Dimitrios Dina Dinesh Dmitri Dmitry Dolores Dominic Dominik Dominique Donald Donna Donovan Dora Doreen Doris
Dorothy Douglas Duc Duncan Dung Dustin Dwayne Dwight Dylan
Eamon Earl Ebony Eddie Edgar Edith Edmund Eduardo Edward Edwin Efua Eileen Ekaterina Elaine Elena Eleanor Eli Elias
Elif Elijah Elisa Elisabeth Elise Eliza Elizabeth Ella Ellen Ellie Elliot Elliott Elsa Elsie Elvira Emeka Emil Emilia
Emilio Emily Emir Emma Emmanuel Emre Enrique Eric Erica Erik Erika Erin Ernest Ernesto Esme Esperanza Esteban Estelle
Esther Ethan Etta Eugene Eunice Eva Evan Evelyn Everett Ezekiel Ezra
Fabian Fabio Fadi Faisal Farah Farid Farida Farhan Fatima Fatma Felicia Felipe Felix Femi Fernando Filip Finn Fiona
Florian Floyd Folake Francesca Francesco Francis Francisco Franco Frankie Franz Fred Freddie Frederick Freya Frida
Funmi
Gabriel Gabriela Gabriella Gabrielle Gareth Garrett Gary Gavin Gemma Genevieve Geoffrey George Georgina Gerald
Geraldine Gerard Gerardo Gerhard Gertrude Giada Gianna Gideon Gil Gilbert Gillian Gina Giorgos Giovanna Giovanni
Giulia Giuseppe Gladys Glenda Gloria Gordon Graham Greg Gregory Greta Gretchen Grigori Guadalupe Guillermo Gunther
Gustavo Gwen Gwendolyn
Habib Hadi Hailey Haley Hamid Hamza Hana Hannah Hans Harold Harper Harriet Harrison Harry Haruka Haruto Harvey Hasan
Hassan Hayden Heidi Helen Helena Hemant Henrik Henry Herbert Herman Hiroshi Hiroko Hoang Holly Homer Hong Howard Hugh
Hugo Hui Hussein Hyun
Ian Ibrahim Idris Ifeoma Ignacio Igor Ikaika Ilana Ilse Imani Imran Ines Inez Inga Ingrid Ioana Ira Irene Irina Isaac
Isabel Isabella Isabelle Isaiah Ishaan Ismail Itzel Ivan Ivana Ivy Iwona
Jack Jackie Jaclyn Jacob Jacqueline Jacques Jada Jaden Jae Jai Jaime Jake Jakob Jamal James Jamie Jan Jana Jane Janet
Janice Janine Jared Jarrod Jasmine Jason Jasper Javier Javon Jay Jayden Jaylen Jayla Jean Jeanette Jeanne Jeff
Jeffrey Jen Jenna Jennifer Jenny Jeremiah Jeremy Jerome Jerry Jesse Jessica Jessie Jesus Jia Jill Jim Jimmy Jin
Jing Jo Joan Joanna Joanne Joao Joaquin Jocelyn Jodi Joe Joel Johan Johann Johanna John Johnny Jon Jonah Jonas
Jonathan Jordyn Jorge Jose Josef Joseph Josephine Josh Joshua Josiah Josie Joyce Juan Juana Juanita Judah Jude Judith
Judy Jules Julia Julian Juliana Julie Julien Juliet Julio Julius Jun Junaid Jung Justin Justine Jyoti
Kaan Kai Kaito Kalani Kalinda Kamal Kamala Kanoa Kaori Kara Karen Kareem Karim Karin Karina Karl Karla Kasia Kassandra
Kate Katarzyna Katelyn Katherine Kathleen Kathryn Kathy Katie Katrina Kavya Kay Kayla Kaylee Keanu Keira Keisha Keith
Kelechi Kelly Kelsey Ken Kendall Kendra Kenji Kenneth Kenny Kenya Keoni Kerry Kevin Khadija Khalid Khalil Kiana Kiara
Kim Kimberly Kiran Kirsten Kobe Kofi Kojo Kristen Kristin Kristina Krystal Krzysztof Kurt Kwabena Kwaku Kwame Kyle
Kylie Kyoko
Lachlan Laila Lakshmi Lamar Lana Lance Lara Larry Latisha Latoya Laura Lauren Laurence Lawrence Layla Leah Leandro
Lei Leila Leilani Lena Leo Leon Leona Leonard Leonardo Leroy Lesley Leslie Lester Leticia Levi Lewis Lia Liam Lila
Lilian Liliana Lillian Lily Lina Linda Lindsay Lindsey Ling Linh Lionel Lisa Liv Liz Liza Lizbeth Logan Lois Lola
Lorena Lorenzo Loretta Lori Lorraine Lou Louis Louisa Louise Luca Lucas Lucia Luciana Lucy Luis Luisa Luke Luna
Lupe Luz Lydia Lynn
Mackenzie Madeline Madhu Mae Magdalena Maggie Mahmoud Maia Makena Makoa Malcolm Malia Malik Mamadou Mandy Manon
Manuel Manuela Mara Marc Marcel Marcela Marco Marcos Marcus Margaret Margarita Margot Mari Maria Mariah Mariam Marian
Mariana Marie Marina Mario Marion Marisol Marissa Marjorie Marlene Marquis Marsha Marta Martha Martin Martina Marvin
Mary Maryam Mateo Matteo Matthew Matthias Maureen Maurice Mauricio Maxine Maya Megan Mehmet Mei Melanie Melinda
Melissa Melvin Mercedes Meredith Mia Micah Michael Michaela Micheal Michel Michele Michelle Miguel Mihai Mikael
Mike Mikhail Mila Milan Mildred Miles Milo Mina Mindy Ming Minh Miriam Mitchell Miyu Mohamed Mohammad Mohammed Moira
Molly Mona Monica Monique Morris Moses Moshe Muhammad Murali Murat Mustafa Myra Myron
Nadia Nadine Naledi Nancy Nanami Naomi Naoki Nasser Natalia Natalie Natasha Nathan Nathaniel Neha Neil Nelly Nelson
Ngozi Nguyen Nia Nicholas Nick Nicola Nicolas Nicole Niamh Nikhil Nikita Nikolai Nikos Nina Nisha Noah Noelle
Nomvula Nora Norah Norma Norman Nnamdi Nuno Nuria
Obinna Octavia Odette Olga Oliver Olivia Olumide Omar Oren Orlando Oscar Osvaldo Otis Owen
Pablo Paige Pamela Paolo Patricia Patrick Paul Paula Paulina Pauline Pavel Pedro Peggy Penelope Percy Perla Pete
Peter Petra Philip Phillip Phoebe Phyllis Pierre Piotr Pooja Preeti Preston Priscilla Priya Priyanka
Qiang Quentin Quinn
Rachel Rafael Rafaela Rahul Raj Rajesh Ralph Ramesh Ramon Ramona Rana Randall Randy Raquel Rashad Rashid Raul Ravi
Rayna Rebecca Regina Reggie Reginald Reid Renata Rene Renee Reza Rhiannon Rhonda Ricardo Richard Rick Ricky Rita
Riya Rob Robert Roberta Roberto Robin Rocco Rochelle Rodney Rodrigo Roger Rohan Roland Rolando Roman Romeo Ron Ronald
Ronnie Rory Rosa Rosalind Rosalie Rosemary Ross Roxanne Roy Ruben Ruth Ryan Ryo
Sabrina Sadie Sahil Saif Saanvi Sakura Sally Salma Salvador Sam Samantha Sami Samir Samira Sammy Samuel Sandeep
Sandra Sanjay Santiago Santos Sara Sarah Sasha Saul Scott Sean Sebastian Selena Selin Seo Seong Serena Sergei Sergio
Seth Shane Shania Shanice Shannon Shanti Sharon Shauna Shawn Sheila Shelby Shelley Sherry Shirley Shreya Shu Sibusiso
Sidney Sienna Silvia Simon Simone Sione Siobhan Siddharth Sofia Sonia Sophia Sophie Soren Stacy Stan Stanley Stefan
Stefanie Stella Stephanie Stephen Steve Steven Stuart Sue Sujata Sunil Sunita Susan Susana Suzanne Svetlana Sven
Sylvia
Tabitha Taiwo Takashi Takeshi Tamara Tami Tamika Tammy Tanisha Tanya Tara Tariq Tatiana Tatsuya Ted Teddy Tegan Teresa
Terrance Terrence Terri Terry Thabo Thandiwe Thanh Thea Theo Theodore Theresa Thomas Tiago Tiffany Tim Timothy Tina
Tobias Toby Todd Tolu Tom Tomas Tommy Toni Tony Tonya Tracy Travis Trevor Tricia Trinh Tristan Troy Tuan Tunde Tyler
Tyrone
Uche Ulrich Uma Umar Usha
Valentina Valeria Valerie Vanessa Vasili Venkat Vera Veronica Vicente Vicki Victor Vijay Vikram Vincent Vinh Viola
Viktor Vivek Vivian Vladimir
Wade Walt Walter Wanda Wanjiru Warren Wayne Wei Wendy Wesley Whitney Wilfred Willa Willie William Wilma Winston Wojciech
Xavier Xiaoming Xin Xiu
Yaa Yael Yan Yannick Yara Yasmin Yasmine Yaw Yemi Yesenia Yitzhak Yolanda Yoshiko Yosef Yousef Yuki Yuko Yuna Yuri
Yusuf Yvette Yvonne
Zachary Zahra Zainab Zara Zeynep Zhang Zhi Zoe Zofia Zora
Abe Addie Al Alfie Barb Becca Benny Bev Butch Coco Connie Deb Dot Dottie Ed Ernie Evie Fitz Flo Fran Gabe Gert Gigi
Gus Hal Hank Hattie Herb Ike Izzy Jed Kenzie Kiki Kitty Lenny Lexi Lottie Lulu Maddie Madge Manny Marge Mattie Mel
Midge Millie Mitch Mo Moe Ned Nell Nellie Nikki Ollie Patsy Peg Rosie Roz Ruthie Sal Sid Stu Suzy Tillie Trish Trudy
Vic Vicky Vince Viv Winnie Zeke Rosario Dario Raymond Ifeanyi Kaden Brayden Jaxon Kinsley Paisley Nevaeh Aubree
Dae Ji Hye Soo Min Seung Joon Hiro Taro Yui Sora Ren Kazuki Riku Anh Bao Khanh Lan Mai Quang Lwazi Zanele
Ayodele Babajide Chukwudi Damilola Ebere Eniola Funke Kehinde Oluwaseun Temitope Yetunde Abdi Fartun Hodan Mulugeta
Tsion Tigist Selam Almaz Desta Lemlem Nour Rania Youssef Hiba Tarek Walid Bashir Jamila Leyla Parisa Dariush Soraya
"""
# Given names that are also everyday words, months or places: a name only with a surname, an
# honorific, a kinship word, an age ("Bill, 71,") or a possessive.
_AMBIGUOUS_FIRST_NAMES = """
Will Mark Grace Hope Faith Joy May June April August Rose Summer Dawn Bill Pat Sunny Hunter Chase Art Gene Drew Rich
Guy Frank Ray Sky Star Honey Christian Autumn Iris Daisy Jade Ruby Pearl Violet Heather Crystal Harmony Melody
Precious Trinity Angel Sandy Misty Brook River Hazel Olive Penny Patience Charity Constance Justice Duke Prince King
Major Royal Sterling Dean Don Van Lincoln Jordan Madison Austin Dallas Houston Paris Sydney Florence Georgia Virginia
Chelsea Brooklyn Savannah Phoenix Israel Mercy Lee Reed Clay Cliff Dale Glen Lane Rod Max Eve Noel Sage Carter Parker
Tucker Cooper Mason Taylor Morgan Ginger Candy Cherry Winter Storm Raven Dusty Rusty Sonny Victoria Bishop Deacon Cash
Pierce Bob Bo Stone Teddy
Teddie Bear Happy Jolly Shepherd Page Doc Rocky Woody Jewel Bud Buddy Earnest Liberty Journey Miracle Nova Jan Jun
"""
_FIRST = frozenset(_FIRST_NAMES.split()) | frozenset(words.FIRST_NAMES.split())
_SURNAMES = frozenset(words.SURNAMES.split()) - frozenset(_FIRST_NAMES.split())
_LOWERCASE_NOT_NAMES = frozenset(words.LOWERCASE_NOT_NAMES.split())
_AMBIGUOUS = frozenset(_AMBIGUOUS_FIRST_NAMES.split())

# Capitalized words that are never the start or the surname part of a name.
_STOP_CAPS = frozenset(
    """
    The A An Our Your My His Her Their Its This That These Those We You They He She It I And Or But If When While
    After Before During Since Today Tonight Tomorrow Yesterday Please Thanks Thank Welcome Congrats Congratulations
    Happy Dear Hi Hello Meet Join Go Get Let Come See Call Text Email Visit Read Learn Watch Follow Share Ask Book
    Team Staff Everyone All Nurses Doctors Patients Patient Family Families Friends Volunteers Mom Dad Baby Grandma
    Grandpa Nana Papa Auntie Uncle Sister Brother Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March July September October November December Feb Mar Apr Jul Aug Sep Sept Oct Nov Dec
    Spring Fall Hospital Health Medical Center Clinic Care Unit Room Bed Floor North South East West Street Avenue
    Road Drive Lane Day Week Month Year New Old Big Little Young First Last Next Good Great Huge Update Reminder
    Shout Shoutout Kudos God Lord Heart Cancer Awareness Mother Father Mothers Fathers Men Women Children Kids
    Nurse Doctor Dr Mr Mrs Ms Miss Officer Chief President Senator Mayor Governor Coach Pastor Rev Reverend
    Chaplain Professor Prof Captain Sergeant Judge Saint St Mount Mt Lot Bus Route Suite Apt Building Hall Tower
    Lobby Parking Emergency Intensive ICU NICU PICU Fun Run Walk Gala Award Awards Prize Fund Foundation
    Contact Ring Phone Message Tell Help Pray Support Wish Send Bring Take Give Remember Check Cheer Reply Pictured
    Photo Caption Left Right Above Below Front Back Update Sorry Congratulations Condolences
    """.split()
    + words.STOP_CAPS.split()
)
# A capitalized word right after a name that makes the whole thing an organization or a place.
_ORG_WORDS = frozenset(
    """
    House Lodge Hospital Hospitals Center Centre Clinic Clinics Institute Foundation Memorial Medical Health Healthcare
    University College School Elementary High Middle Academy Park Street St Avenue Ave Road Rd Boulevard Blvd Lane
    Drive Way Place Campus Pavilion Hall Building Tower Wing Unit Award Awards Prize Fund Society Association Church
    Library County City Day Days Month Week Program Lecture Scholarship Room Garden Gala Cup Bridge Station Airport
    Children's Cancer Heart Labs Lab Group Trust Network Alliance Village Gardens Square Plaza Cathedral Chapel Stadium
    Arena Field Center's Hospital's Clinic's Inc Corp Company Co LLC Syndrome Disease Disease's Method Scale Score
    Index Test Report Act Law Street's Parkway Highway Hwy Gallery Museum Theater Theatre Hotel Inn Lake River Mountain
    Valley Beach Island Shelter Pantry Bank Market Mall Kitchen Cafe Café Restaurant Studio Show Podcast Live Magazine
    Ward Wards Ships Ministries Services Partners Outreach Mission Missions Project Homes Home Corps Club Circle
    Team Cares Care Hugs Friends Works
    """.split()
)
# Organization words that are also common surnames ("Linda Park", "Josephine Ward"): after a given name that
# is not also an everyday word they are a surname; after "Hope" or "Lincoln" they make a place.
_SURNAME_ORG_WORDS = frozenset("Ward Park Hall Lane House Field Wing Way Street Garden Gardens Bank Fox Brooks".split())
_PARTICLES = frozenset("van von der den de del della di da dos das du la le ter ten bin binti ibn al el st".split())

# The context patterns below are matched in full against the text that runs from one of the few words
# before a name up to the name ("Mr. ", "Nurse manager ", "Happy 10th birthday to ").
_HONORIFIC_BEFORE_RE = re.compile(
    r"(?:Mr|Mrs|Ms|Mx|Miss|Mister|Madam|Mme|Mlle|Sr|Sra|Srta|Don|Doña|Dña|Dª|Herr|Herrn|Frau|Señor|Señora|Señorita"
    r"|Monsieur|Madame|Mademoiselle|M\.)\.?\s+(?:(?:and|y|et|und)\s+(?:Mr|Mrs|Ms|Sr|Sra|M|Mme|Herr|Frau)\.?\s+)?"
)
_KIN_BEFORE_RE = re.compile(
    r"(?i)(?:baby|little|young|grandpa|grandma|granny|grandmother|grandfather|nana|papa|abuela|abuelo|auntie|aunt"
    r"|uncle|cousin|brother|sister|son|daughter|husband|wife|mom|mum|dad|mother|father|twins?|newborn|niece|nephew"
    r"|toddler|boy|girl|grandson|granddaughter|fiancée?|partner|lil|bub|bubba|mama|grosi|grossmami|grosspapi|nonna|nonno|"
    + _alternation(_KIN_INTL)
    + r"),?\s+"
)
_PATIENT_BEFORE_RE = re.compile(
    r"(?i)(?:patient|paciente|patiente|patientin|pictured|photo|foto|usuari[oa]|resident|bewohner(?:in)?|r[ée]sidente?"
    r"|(?:ella|[ée]l)\s+es|voici|das\s+ist|this\s+is|les\s+presentamos\s+a|je\s+vous\s+pr[ée]sente)\s*:?\s+"
)
_SAINT_BEFORE_RE = re.compile(r"(?:St|Ste|Saint|Mt|Mount|San|Santa|Fort|Ft|Lake|Port|Camp)\.?\s+")
_INTRO_BEFORE_RE = re.compile(
    r"(?i)(?:thanks?|thank\s+you|welcome(?:\s+(?:home|back))?|congrat(?:ulation)?s|happy\s[\w\s'-]{0,25}?\sto"
    r"|shout-?\s?out\s+to|get\s+well(?:\s+soon)?|dear|meet|pray(?:ers)?\s+for|praying\s+for|cheering\s+(?:for|on)"
    r"|wishing\s[\w\s]{0,25}?\sto|love|hugs\s+to|hi|hello|hey|go|proud\s+of|say\s+hello\s+to|"
    + _alternation(words.INTRO)
    + r")(?:\s+to)?\s*,?\s+"
)
_SIGNATURE_BEFORE_RE = re.compile(
    r"(?i)(?:love|sincerely|gratefully|best|cheers|xoxo|thanks),\s+|[^\W\d_]+\W*\s[—–-]\s*"
)
_MY_KIN_BEFORE_RE = re.compile(
    r"(?i)(?:my|our|his|her|mi|nuestr[oa]|ma|mon|notre|sa|son|mein(?:e[mnrs]?)?|unser(?:e[mnrs]?)?|sein(?:e[mnrs]?)?"
    r"|ihr(?:e[mnrs]?)?)\s+(?:sister|schwester|brother|bruder|hermana|hermano|s[œo]eur|fr[èe]re|colleague|coworker"
    r"|co-worker|kollegin|kollege|coll[èe]gue|compa[ñn]er[oa])\s+"
)
_LINE_END_RE = re.compile(r"[\s.!)❤️💕🙏]*(?:\n|$)")
_AGE_AFTER_RE = re.compile(
    r",\s+(?:age\s+|aged\s+)?\d{1,3}(?:,|\s+(?:years?|yrs?|months?|ans|mois|a[ñn]os|meses|jahre|monate)\b)|\s\(\d{1,2}\)"
)
_KIN_AFTER_RE = re.compile(
    r"['’]s\s+(?:mom|mother|dad|father|wife|husband|son|daughter|parents|family|granddaughter|grandson|grandmother"
    r"|grandfather|sister|brother|twin|baby|children|kids|partner|caregiver)\b"
)
_POSSESSIVE_RE = re.compile(r"['’]s$")

# Professional roles: a name right after (or in apposition to) one of these is staff at work.
_PRO_TITLES = (
    r"dr|doctor|nurse|rn|np|lpn|cna|aprn|crna|chaplain|pastor|rev|reverend|father|imam|rabbi|pharmacist|therapist"
    r"|surgeon|physician|midwife|doula|dietitian|dietician|nutritionist|paramedic|emt|medic|technician|tech"
    r"|technologist|manager|director|supervisor|coordinator|consultant|specialist|practitioner|educator|navigator"
    r"|counselor|counsellor|psychologist|psychiatrist|pediatrician|cardiologist|oncologist|neurologist"
    r"|radiologist|anesthesiologist|anaesthetist|hospitalist|intensivist|obstetrician|gynecologist|dermatologist"
    r"|urologist|nephrologist|pulmonologist|gastroenterologist|endocrinologist|rheumatologist|ophthalmologist"
    r"|optometrist|dentist|hygienist|audiologist|podiatrist|chiropractor|epidemiologist|scientist|researcher"
    r"|investigator|resident|intern|fellow|student|preventionist|phlebotomist|sonographer|attendant|aide|assistant"
    r"|receptionist|scheduler|clerk|volunteer|chef|cook|artist|author|speaker|host|ceo|cfo|coo|cmo|cno|cio|president"
    r"|vice\s+president|vp|chair|chairman|chairwoman|chairperson|trustee|administrator|dean|professor|prof|lecturer"
    r"|instructor|trainer|coach|scout|chief|head|lead|officer|executive|employee|colleague|team\s+member|staffer"
    r"|liaison|advocate|interpreter|translator|social\s+worker|case\s+manager|housekeeper|porter|engineer"
    r"|architect|donor|benefactor|sponsor|pilot|provider|clinician|pharmacy\s+tech|dre|drs|dr\.?\s+med|dr\.?\s+rer\.\s*nat|"
    + re.sub(r"\s+", "", words.PRO_TITLES)
)
_PUBLIC_TITLES = (
    r"mayor|senator|sen|governor|gov|president|congresswoman|congressman|congressmember|representative|rep"
    r"|councilmember|councilwoman|councilman|council\s+member|secretary|minister|commissioner|ambassador"
    r"|surgeon\s+general"
    r"|actor|actress|singer|rapper|musician|comedian|celebrity|star|legend|icon|athlete|olympian|swimmer|runner"
    r"|quarterback|player|pitcher|golfer|boxer|gymnast|skater|champion|influencer|anchor|journalist|reporter|host"
    r"|queen|king|prince|princess|pope|duke|duchess|sheriff|judge|justice|astronaut|coach|author|novelist|poet"
    r"|superstar|icon|youtuber|podcaster|broadcaster|philanthropist|billionaire|mp|mep|msp|mla|mpp|td"
    r"|member\s+of\s+parliament"
)
_PRO_BEFORE_RE = re.compile(rf"(?i)(?:{_PRO_TITLES})\.?\s*,?\s+")
# A public person's title a few words before the name ("El alcalde de Villanueva del Campo, Francisco Jurado").
_PUBLIC_NEAR_RE = re.compile(
    r"(?i)\b(?:mayor|senator|governor|congress\w+|minister|actor|actress|singer|athlete|olympian|rapper|president"
    r"|alcalde|alcaldesa|ministr[oa]|presidente|presidenta|senador[a]?|diputad[oa]|actriz|cantante|futbolista|tenista"
    r"|maire|ministre|pr[ée]sidente?|d[ée]put[ée]e?|s[ée]natrice|s[ée]nateur|acteur|actrice|chanteu(?:r|se)|footballeur"
    r"|b[üu]rgermeister(?:in)?|minister(?:in)?|pr[äa]sident(?:in)?|schauspieler(?:in)?|s[äa]nger(?:in)?|\w*star"
    r"|fu[ßs]baller(?:in)?|profi|moderator(?:in)?|influencer(?:in)?|weltmeister(?:in)?|olympiasieger(?:in)?|keeper|goalkeeper"
    r"|footballer|striker|cricketer|rugby|boxer|golfer|legend|broadcaster|presenter|celebrity|musician|comedian"
    r"|expresident[ea]?|exministr[oa]|exalcalde(?:sa)?|ancien(?:ne)?\s+(?:pr[ée]sident|ministre|maire)|ehemalige[rn]?"
    r"|bundeskanzler(?:in)?|kanzler(?:in)?|prime\s+minister|premier|first\s+lady|royal|captain|skipper|wallab(?:y|ies)"
    r"|all\s+blacks?|international|olympic|paralympic|mp|mep|intendente|gobernador[a]?|concejal[a]?|regidor[a]?|edil"
    r"|\w*(?:rennfahrer(?:in)?|sportler(?:in)?|spieler(?:in)?|l[äa]ufer(?:in)?|meister(?:in)?))\b"
    r"[^!?\n]{0,45}$"
)
# In a sentence about an award, a publication or a talk, the people named are staff or authors at work.
_PROFESSIONAL_SENTENCE_RE = re.compile(
    r"(?i)\b(?:of\s+the\s+(?:month|year|quarter)|award(?:ed|s)?|prize|honou?ree|winner|nominee|et\s+al|journal"
    r"|published|publication|co-?authors?|paper|presented|poster|abstract|keynote|symposium|congress|conference"
    r"|grand\s+rounds|del\s+mes|del\s+a[ñn]o|premio|galard[oó]n|ganador[a]?|art[ií]culo|revista|publicad[oa]"
    r"|estudio\s+publicado|congreso|ponencia|du\s+mois|de\s+l['’]ann[ée]e|prix|laur[ée]ate?|article|revue"
    r"|publi[ée]e?s?|congr[èe]s|communication|des\s+monats|des\s+jahres|preis(?:tr[äa]ger(?:in)?)?|auszeichnung"
    r"|ausgezeichnet|gewinner(?:in)?|artikel|zeitschrift|ver[öo]ffentlicht|publikation|kongress|vortrag|studie"
    r"|lancet|nejm|jama|bmj|doi|retir\w+|retirement|jubilaci[oó]n|se\s+jubila|retraite|ruhestand|years\s+of\s+service"
    r"|in\s+rente|in\s+pension|pension[ée]e?|jahre\s+im\s+dienst|a[ñn]os\s+de\s+servicio|ans\s+de\s+service"
    r"|joins?\s+(?:us|our|the)|new\s+hire|raised|fundrais\w+"
    r"|donat\w+(?!\s+(?:a\s+|her\s+|his\s+|their\s+)?(?:kidney|liver|organ|bone|blood|stem|part|lung|cornea))|cheque|check\s+presentation|recaud\w+"
    r"|don[oó]|donaron|donativo|fait\s+don|collect[ée]|r[ée]colt[ée]|gesammelt|spende\w*|gespendet|m[ée]c[èe]ne|sponsor\w*"
    r"|charity|fundraiser|will\s+buy|found\s+that|study|studies|trial|estudio|ensayo|[ée]tude|essai|researchers?|investigador\w*|chercheu\w*|forscher\w*"
    r"|doctorat|doctorado|ph\.?d|dissertation|thesis|th[èe]se|tesis|promotion|promoviert|habilitation|drs"
    r"|colaboradores|collaborateurs|kollegen|coll|col|co-?investigators?|colloque|coloquio|kolloquium|leitung|übernimmt"
    r"|head\s+of|dirige|dirigir[áa]|prend\s+la\s+direction|new\s+(?:chief|director|head)|appointed|nombrad[oa]|nomm[ée]e?"
    r"|ernannt|rueda\s+de\s+prensa|conferencia\s+de\s+prensa|press\s+conference|conf[ée]rence\s+de\s+presse|pressekonferenz)\b"
)
_PUBLIC_BEFORE_RE = re.compile(
    rf"(?i)(?:former\s+)?(?:{_PUBLIC_TITLES}|[\w-]*star|[\w-]*s[äa]nger(?:in)?|[\w-]*moderator(?:in)?)\.?\s*,?\s+"
)
_PRO_AFTER_RE = re.compile(
    r"^\s*(?:,|\()\s*(?:(?:the|our|a|an|who\s+is\s+(?:a|an|our|the)|nuestr[oa]|notre|unser[e]?|el|la|le|der|die)\s+)?"
    r"(?:(?!(?i:and|y|et|und)\b)[\w'’-]+\s+){0,3}?"
    rf"(?i:{_PRO_TITLES}|md|do|pa-c|phd|dnp|msn|bsn|mph|pharmd|facs|facp|faan|rd|pt|dpt|ot|slp|lcsw)\b"
)
_PUBLIC_AFTER_RE = re.compile(
    r"^\s*(?:,|\()\s*(?:(?:the|our|a|an|former)\s+)?(?:[\w'’-]+\s+){0,3}?" rf"(?i:{_PUBLIC_TITLES})\b"
)

_ANIMAL = (
    r"(?:dogs?|pup(?:py|pies|s)?|cats?|kittens?|horses?|ponies|pony|mascots?|llamas?|alpacas?|rabbits?|bunn(?:y|ies))"
)
_ANIMAL_RE = re.compile(rf"(?i){_ANIMAL}[\s,:]+")
_ANIMAL_AFTER_RE = re.compile(
    r"(?i)(?:\s+(?:and|&)\s+[A-Z]\w+)?\s*,?\s*(?:(?:the|our|a|an|new|hospital|therapy|facility|resident)\s+)*"
    rf"{_ANIMAL}\b"
)
_NAME_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NUMBER_AFTER_RE = re.compile(r"\s+#?\d")
_NEXT_WORD_RE = re.compile(r"\s+([A-Z][\w'’]*)")
_TITLE_WORD_RE = re.compile(
    rf"(?i:{_PRO_TITLES}|{_PUBLIC_TITLES}|[\w-]*star|[\w-]*(?:arzt|[äa]rztin|pfleger(?:in)?|schwester|rennfahrer(?:in)?"
    r"|sportler(?:in)?|spieler(?:in)?|meister(?:in)?|s[äa]nger(?:in)?|moderator(?:in)?))"
)
_KIN_WORD_RE = re.compile(r"(?i:" + _alternation(_KIN_INTL) + r"|cousin|zwillinge|drillinge|roommate|flatmate)")
_NOUN_SUFFIX_RE = re.compile(
    r"(?i)(?:haus|ung|heit|keit|schaft|station|zentrum|klinik|praxis|werk|amt|verein|gruppe|stiftung|zentrale"
    r"|dienst|markt|hof|platz|strasse|weg|bank|laden|hotel|schule|kirche|team)$"
)
_OPEN_QUOTES = (" '", ' "', " “", " ‘")
_CLOSE_QUOTES = ("'", '"', "”", "’")


@dataclass(frozen=True)
class _Name:
    start: int
    end: int
    role: str  # "private", "professional" or "public"


@functools.lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    """The word without accents, for the name lists."""
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


def _is_capitalized(word: str) -> bool:
    return word[:1].isupper() and any(c.islower() for c in word)


def _base(word: str) -> str:
    """The word without a possessive 's."""
    return _POSSESSIVE_RE.sub("", word) if len(word) > 2 else word


def _names(text: str, sentences: _Sentences, staff: frozenset[str] = frozenset()) -> list[_Name]:
    """Spans that look like people's names, each with the role the context gives them."""
    tokens = [(m.start(), m.end(), m.group()) for m in _NAME_TOKEN_RE.finditer(text)]
    names: list[_Name] = []
    cues: dict[int, bool] = {}
    i = 0
    while i < len(tokens):
        start, _, word = tokens[i]
        base = _base(word)
        if not _is_capitalized(base) or base in _STOP_CAPS:
            lower = _lowercase_name(text, tokens, i)
            if lower:
                names.append(lower)
                i = bisect.bisect_left(tokens, (lower.end, -1, ""))
            else:
                i += 1
            continue
        first_index = i
        j, name_end, parts = _extend_name(text, tokens, i)
        i, last = j + 1, tokens[j][2]
        after = text[name_end : name_end + 80]
        folded = _fold(base)
        if "-" in folded and folded not in _FIRST and folded.split("-", 1)[0] in _FIRST:
            folded = folded.split("-", 1)[0]  # "Jean-Marie", "Hans-Peter": a given name of the lists
        first_known = folded in _FIRST and folded not in _AMBIGUOUS
        next_word = _NEXT_WORD_RE.match(after)
        age_after = bool(next_word and _AGE_AFTER_RE.match(after, next_word.end()))
        if next_word:
            following = _base(next_word.group(1))
            if following in _ORG_WORDS and not (first_known and following in _SURNAME_ORG_WORDS) and not age_after:
                continue  # "Ronald McDonald House", "Hope Ward"
        context = _Context(text, tokens, first_index)
        if context.ends(_SAINT_BEFORE_RE, 1) or context.ends(_ANIMAL_RE, 1) or _ANIMAL_AFTER_RE.match(after):
            continue  # "St. Luke's", "our hospital dog, Biscuit", "Biscuit, our therapy dog"
        prefix = context.ends(_HONORIFIC_BEFORE_RE, 1, 3)
        honorific = prefix is not None
        kin_prefix = _first_found(context.ends(_KIN_BEFORE_RE, 1), context.ends(_PATIENT_BEFORE_RE, 1))
        kin = kin_prefix is not None
        if prefix is None:
            prefix = kin_prefix
        if (_TITLE_WORD_RE.fullmatch(base) or _KIN_WORD_RE.fullmatch(base)) and not (honorific or kin):
            i = first_index + 1  # "Skistar Nico Ammann", "Cousin Daniel": the name starts after the title
            continue
        if parts > 1 and folded not in _FIRST and _NOUN_SUFFIX_RE.search(folded):
            i = first_index + 1  # "Autohaus Hartmann": a German noun before a surname
            continue
        if (base in _ORG_WORDS and folded not in _FIRST) or _NUMBER_AFTER_RE.match(after):
            continue  # "Station 12", "Unit 4"
        public_before = context.ends(_PUBLIC_BEFORE_RE, 1, 2) is not None
        pro_before = context.ends(_PRO_BEFORE_RE, 1, 2) is not None and context.ends(_MY_KIN_BEFORE_RE, 2) is None
        age = bool(_AGE_AFTER_RE.match(after))
        possessive = last != _base(last)
        kin_after = possessive and bool(_KIN_AFTER_RE.match(text, tokens[j][1] - 2))
        surname = parts > 1 and _fold(_base(last)) in _SURNAMES
        if folded in _AMBIGUOUS:
            mid_sentence = possessive and not _is_sentence_start(text, start)
            accepted = honorific or kin or age or parts > 1 or kin_after or mid_sentence
        elif folded in _FIRST:
            accepted = True
        else:
            signature = context.ends(_SIGNATURE_BEFORE_RE, 1, 2) is not None and _LINE_END_RE.match(text, name_end)
            intro = context.ends(_INTRO_BEFORE_RE, 1, 6) is not None or bool(signature)
            accepted = (
                honorific or kin or age or kin_after or public_before or pro_before or surname or (intro and parts == 1)
            )
        if not accepted:
            continue
        s, e = sentences.around(start)
        if public_before or _PUBLIC_AFTER_RE.match(after) or _PUBLIC_NEAR_RE.search(text, max(s, start - 60), start):
            role = "public"
        elif (
            pro_before
            or _PRO_AFTER_RE.match(after)
            or _professional_sentence(text, s, e, cues)
            or (e - s <= 45 and s > 0 and _professional_sentence(text, *sentences.around(s - 1), cues))
            or (staff and normalise_name(text[start:name_end]) in staff)
        ):
            role = "professional"
        else:
            role = "private"
        names.append(_Name(prefix if prefix is not None else start, name_end, role))
    return _same_person_same_role(text, names)


def _professional_sentence(text: str, s: int, e: int, cues: dict) -> bool:
    if s not in cues:
        cues[s] = bool(_PROFESSIONAL_SENTENCE_RE.search(text, s, e))
    return cues[s]


def _first_found(*offsets: int | None) -> int | None:
    """The first offset that was found (0, the start of the text, is one)."""
    return next((o for o in offsets if o is not None), None)


def _same_person_same_role(text: str, names: list[_Name]) -> list[_Name]:
    """A name said again ("Skistar Nico Ammann … Gute Besserung, Nico!") keeps the role it was given
    first when that role is public or professional."""
    roles: dict[str, str] = {}
    for n in names:
        if n.role != "private":
            for word in _NAME_TOKEN_RE.findall(text, n.start, n.end):
                roles.setdefault(_fold(_base(word)).lower(), n.role)
    if not roles:
        return names
    out = []
    for n in names:
        if n.role == "private":
            known = [roles.get(_fold(_base(w)).lower()) for w in _NAME_TOKEN_RE.findall(text, n.start, n.end)]
            role = next((r for r in known if r), None)
            if role:
                n = _Name(n.start, n.end, role)
        out.append(n)
    return out


def _lowercase_name(text: str, tokens, i: int) -> _Name | None:
    """A name written in lower case ("tante gerda", "priez pour aïcha benali", "lea ist …"): a given name of
    the lists that is not also a common word, after a kinship or greeting word, at the start of a sentence or
    followed by a surname."""
    start, end, word = tokens[i]
    if len(word) < 3 or not word.islower():
        return None
    folded = _fold(word)
    if folded in _LOWERCASE_NOT_NAMES or folded.capitalize() not in _FIRST or folded.capitalize() in _AMBIGUOUS:
        return None
    name_end = end
    if i + 1 < len(tokens):
        nstart, nend, nword = tokens[i + 1]
        if text[end:nstart] == " " and nword.islower() and _fold(nword).capitalize() in _SURNAMES:
            name_end = nend
    context = _Context(text, tokens, i)
    kin = _first_found(context.ends(_KIN_BEFORE_RE, 1), context.ends(_INTRO_BEFORE_RE, 1, 4))
    if kin is None and name_end == end and not _is_sentence_start(text, start):
        return None
    return _Name(kin if kin is not None else start, name_end, "private")


# The longest run of text before a name that a context pattern reads (the longest context is a few words:
# "Happy 10th birthday to "); bounding it bounds the patterns' work on a long run of spaces or symbols.
_CONTEXT_REACH = 80


class _Context:
    """The words just before token `index`: `ends(pattern, k1, k2)` is the offset of the k-th previous word
    (k1 <= k <= k2, nearest first) from which `pattern` matches all the text up to the token, or None."""

    def __init__(self, text: str, tokens, index: int):
        self.text, self.tokens, self.index = text, tokens, index
        self.end = tokens[index][0]

    def ends(self, pattern: re.Pattern, k1: int, k2: int | None = None) -> int | None:
        for k in range(k1, (k2 or k1) + 1):
            if self.index - k < 0:
                return None
            start = self.tokens[self.index - k][0]
            if self.end - start > _CONTEXT_REACH:  # words this far before a name are not its context
                return None
            if pattern.fullmatch(self.text, start, self.end):
                return start
        return None


def _extend_name(text: str, tokens, i: int) -> tuple[int, int, int]:
    """Index of the last token, end offset and number of words of the name starting at token i: an
    initial ("Emily R."), a nickname in quotes ("Robert 'Bobby' Tate"), particles ("Van der Berg") and up
    to three more capitalized words; a possessive ends it."""
    j, name_end, parts = i, tokens[i][1], 1
    while j + 1 < len(tokens) and parts < 4 and tokens[j][2] == _base(tokens[j][2]):
        nstart, nend, nword = tokens[j + 1]
        gap = text[name_end:nstart]
        if gap == " " and len(nword) == 1 and nword.isupper() and text[nend : nend + 1] == ".":
            j, name_end = j + 1, nend + 1
            continue
        if gap in _OPEN_QUOTES and text[nend : nend + 1] in _CLOSE_QUOTES and _is_capitalized(nword):
            j, name_end = j + 1, nend + 1
            continue
        if gap == " " and nword.lower() in _PARTICLES and j + 2 < len(tokens):
            after_start, _, after_word = tokens[j + 2]
            if text[nend:after_start] == " " and _is_capitalized(after_word):
                j, name_end = j + 1, nend
                continue
        nbase = _base(nword)
        if gap != " " or not _is_capitalized(nbase) or nbase in _STOP_CAPS:
            break
        if nbase in _ORG_WORDS:
            first = _fold(_base(tokens[i][2]))
            surname = nbase in _SURNAME_ORG_WORDS and (
                (first in _FIRST and first not in _AMBIGUOUS) or _AGE_AFTER_RE.match(text[nend : nend + 20])
            )
            if not surname:
                break
        j, name_end, parts = j + 1, nend, parts + 1
    return j, name_end, parts


def _is_sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i].isspace():  # only the run of spaces just before the name
        i -= 1
    return i < 0 or text[i] in ".!?:\n"


# --------------------------------------------------------------------------------------------------
# Health details

_HEALTH_TERMS = r"""
cancer|cancers|cancer-free|tumou?rs?|leuka?emia|lymphoma|melanoma|carcinoma|sarcoma|neuroblastoma|myeloma|metasta\w*
|stage\s+[1-4IV]+|oncology|chemo|chemotherapy|radiation|radiotherapy|immunotherapy|car-t|remission
|no\s+evidence\s+of\s+disease|diabetes|diabetic|insulin|a1c|blood\s+sugar|glucose|stroke|strokes|sepsis|septic
|pneumonia|covid(?:-19)?|coronavirus|influenza|the\s+flu|flu\s+shot|vaccin\w+|booster|asthma|asthmatic|copd
|emphysema|multiple\s+sclerosis|dementia|alzheimer['’]?s?|parkinson['’]?s?|epilepsy|epileptic|seizures?|heart\s+attack
|cardiac|heart\s+failure|heart\s+disease|heart\s+defect|heart\s+surgery|heart\s+transplant|heart\s+unit|arrhythmia
|a-?fib|aneurysm|blood\s+clots?|embolism|hypertension|blood\s+pressure|cholesterol|kidney\s+(?:failure|disease
|stones?|transplant)|kidneys?|renal|liver|hepatitis|cirrhosis|hiv|infection|infections|infected|uti|dehydrat\w+
|hypothermia|heat\s?stroke|frostbite|burns?|burn\s+unit|fractures?|fractured|broken\s+\w+|broke\s+(?:his|her|their
|my)\s+\w+|breaking\s+(?:his|her|their|my)\s+\w+|injur(?:y|ies|ed)|concussions?|trauma|gunshot|stab\s+wounds?
|wounds?|overdosed?|addiction|addicted|sober|sobriety|rehab|rehabilitation|withdrawal|substance\s+use|alcoholism
|depression|depressed|anxiety|ptsd|bipolar|schizophrenia|suicidal|suicide\s+attempt|eating\s+disorder|anorexia
|bulimia|autism|autistic|adhd|cystic\s+fibrosis|sickle\s+cell|anemia|anaemia|lupus|arthritis|allerg(?:y|ies|ic)
|anaphyla\w+|coma|comatose|amputation|amputee|amputated|paraly\w+|spinal|pregnant|pregnancy|miscarriage
|preeclampsia|labou?r\s+and\s+delivery|c-section|cesarean|caesarean|premature|preemie|born\s+at\s+\d+\s+weeks
|born\s+with|chest\s+pains?|shortness\s+of\s+breath|abdominal\s+pain|back\s+pain|fainted|fainting|collapsed
|hearing\s+aids?|prosthe(?:tic|sis)|bariatric|obesity|surgery|surgeries|surgical|operation|transplant|transplants
|dialysis|medications?|meds|antidepressants?|antibiotics?|penicillin|opioids?|prescriptions?|transfusions?
|infusions?|ventilator|intubated|extubated|ecmo|life\s+support|bypass|pacemaker|stent|cath\s+lab|mastectomy
|lumpectomy|appendectomy|appendicitis|hysterectomy|gallbladder|replacement|physical\s+therapy|occupational\s+therapy
|speech\s+therapy|stitches|biopsy|biopsies|mri|x-rays?|scans?|ultrasound|mammogram|colonoscopy|endoscopy
|tested\s+positive|test\s+results|lab\s+results|results\s+came\s+back|diagnos(?:is|ed|es)|prognosis|treated|treatment
|treatments|therapy|care\s+plan|hospice|palliative|end-of-life|recovering|recovery|recovers|recovered|get[\s-]well
|speedy\s+recovery|stable\s+condition|critical\s+condition|stabilized|admitted|readmitted|admission|discharged
|discharge|hospitali[sz]ed|in\s+the\s+hospital|from\s+the\s+hospital|icu|nicu|picu|intensive\s+care|critical\s+care
|emergency\s+room|emergency\s+department|trauma\s+bay|ward|step-down|cardiology|neurology|nephrology|pulmonology
|orthopa?edics?|ortho|urology|hematology|psychiatric|psychiatry|geriatric|maternity|neonatal|fertility|ivf
|isolating|quarantined?|symptoms|passed\s+away|ambulance|ems|chart|allergic|stroke\s+unit|memory\s+care|sedated
|contrast\s+dye|epidural|labou?r|gave\s+birth|giving\s+birth|nicu\s+grad\w*|survived|survivor|survivors
|walking\s+again|walk\s+again|diagnosis\s+code|clinic|lumps?|cysts?|polyps?|self-exam|oxygen|saturation|fever
|respiratory|vital\s+signs|vitals|tonsils|tonsillectomy|cataracts?|appendix|new\s+(?:heart|kidney|liver|lungs?|hip|knee)
|(?:had|got|getting|having)\s+(?:his|her|their|my|a|an)\s+(?:[\w-]+\s+){0,2}?(?:removed|repaired|replaced|drained|reset
|amputated)|delivered\s+(?:a\s+)?(?:healthy\s+)?(?:baby|twins|triplets|son|daughter)|saved\s+(?:his|her|their|my)\s+life
|life-saving|lifesaving|hospital\s+bed|wheelchair|nebulizer|inhaler|sutures?
|abortion|miscarr\w+|stillb(?:irth|orn)|lost\s+(?:the|her|their|a|our|my)\s+(?:baby|pregnancy)|ectopic|psychosis
|postnatal|postpartum|psych(?:\s+(?:ward|unit|team|hold|eval\w*))?|mental\s+health\s+(?:unit|ward|crisis|team|services?|hold)
|(?:psychotic|manic|bad)\s+episode|crutches|(?:a|his|her|their|new|the)\s+cast|plaster|stroke\s+unit|ccu|cicu|hdu|resus|a&e
|cardiac\s+arrest|collapsed|defib
|fractured|\w{3,}itis|\w{3,}ectomy|(?:an|leuk|septic|hypoglyc|hyperglyc|isch|bacter|tox|ur)a?emia
|(?:neur|my|fibromy|arthr)algia|methadone|suboxone|detox|hiv-positive|hiv\+|stis?|stds?
|top\s+surgery|gender[\s-](?:affirming|clinic|identity\s+clinic)|transition\w*|withdrawing|withdrawals?
|(?:alcohol|drug|drugs|substance)\s+(?:and\s+(?:other\s+)?drugs?\s+)?(?:programme|program|treatment|rehab|recovery|service|unit)
|malignant|benign|malign|maligno|maligna|malin|maligne|b[ée]nin|b[öo]sartig|gutartig|knoten|bulto|n[óo]dulo|nodule|grosseur
|chlamydia|gonorrh?oea|syphilis|herpes|brca[12]?|genetic\s+(?:test\w*|results?|condition)|huntington['’]?s
"""


_HEALTH_RE = re.compile(
    r"\b(?i:" + _alternation(_HEALTH_TERMS) + r")\b"
    r"|\b(?:ER|ED|MS|ALS|CT|AIDS|IV|OP|UCI|VIH|SIDA|ETS|ITS|IST|MST|STI|STD|SSW|PrEP|walkers?)\b"
)
# Spanish and French health words, read when the text is written in one of them (or has their letters).
_HEALTH_ROMANCE_RE = re.compile(r"\b(?i:" + _alternation(words.HEALTH_ES + "|" + words.HEALTH_FR) + r")\b")
_ROMANCE_RE = re.compile(
    r"[áéíóúñàèìòùâêîôûçëïœ¿¡]|\b(?i:el|los|las|del|una|por|para|con|que|est[áa]|es|su|le|les|des|du|une|pour|avec"
    r"|dans|qui|est|sur|au|aux|mon|ma|ses|son)\b"
)
# German compounds: "Brustkrebs", "Intensivstation", "Hüft-OP": a stem anywhere in a word makes the word one.
_HEALTH_STEM_RE = re.compile(r"(?i:" + _alternation(words.HEALTH_DE_STEMS) + r")")
# German is written with these words (or its letters): only then are words read for German stems.
_GERMAN_RE = re.compile(
    r"[äöüßÄÖÜ]|\b(?:der|die|das|und|ist|nicht|mit|auf|ein|eine|einen|ich|wir|sie|ihr|bei|nach|vom|zum|zur|im|auch"
    r"|wurde|hat|haben|sind|war|seit|wegen|f[üu]r|liegt|heute|gestern|danke|gute|besserung|oma|opa|herr|frau)\b"
)
_WORD_CHARS_BEFORE_RE = re.compile(r"[\w-]*$")
_WORD_CHARS_AFTER_RE = re.compile(r"[\w-]*")
# A health word used as the topic of something else ("cancer research", "diabetes walk", "heart month") says
# nothing about the person named next to it.
_TOPIC_AFTER_RE = re.compile(
    r"[\s-]+(?i:research|researchers|walk|walks|run|5k|10k|ride|awareness|fundraiser|fundraising|gala|month|day|week"
    r"|education|educators?|fair|foundation|society|association|institute|charity|charities|advocacy|advocates?"
    r"|prevention|summit|conferences?|symposium|lectures?|talks?|webinars?|class|classes|campaign|policy|legislation"
    r"|bill|funding|grants?|donations?|drive|ribbon|apps?|hackathon|podcast|video|quiz|facts|tips|myths)\b"
)
_ROLE_AFTER_RE = re.compile(
    r"[\s-]+(?i:nurses?|doctors?|physicians?|surgeons?|specialists?|techs?|technicians?|technologists?|educators?"
    r"|coordinators?|navigators?|therapists?|pharmacists?|directors?|managers?|chiefs?|researchers?|residents?"
    r"|fellows?|aides?|assistants?|practitioners?|midwives|midwife|social\s+workers?|volunteers?|staff)\b"
)
_STRONG_CUE_RE = re.compile(
    r"(?i)[^.!?]{0,60}?\b(?:is|was|has\s+been|had\s+been|are|were|['’]s)\s+(?:(?:now|still|currently|being|just"
    r"|recently|slowly|finally|home)\s+)*(?:recovering|diagnosed|admitted|readmitted|hospitali[sz]ed|treated\s+for"
    r"|undergoing|battling|fighting|discharged|intubated|sedated|in\s+(?:the\s+)?(?:icu|hospital|hospice|intensive"
    r"\s+care|critical\s+condition|surgery|rehab|a\s+coma)|on\s+(?:a\s+)?(?:ventilator|dialysis|life\s+support)"
    r"|awaiting\s+(?:a\s+)?(?:transplant|surgery)|receiving\s+(?:treatment|chemo\w*|radiation|care)|living\s+with"
    r"|pregnant|out\s+sick|on\s+medical\s+leave)|[^.!?]{0,60}?\b(?:passed\s+away|died)\b"
)
_PATIENT_WORD_RE = re.compile(r"(?i)(?:patient|paciente|patiente|patientin)\b")
_BACK_REFERENCE_RE = re.compile(r"(?i)\b(?:he|she|his|her|him|hers|they|their|them|your|you['’]re|you)\b")


def _health_terms(text: str) -> list[tuple[int, int]]:
    """The health details of the text (not a health word that names a topic: "cancer research")."""
    spans = [(m.start(), m.end()) for m in _HEALTH_RE.finditer(text)]
    if _ROMANCE_RE.search(text):
        spans += [(m.start(), m.end()) for m in _HEALTH_ROMANCE_RE.finditer(text)]
    last_end = -1
    for m in _HEALTH_STEM_RE.finditer(text) if _GERMAN_RE.search(text) else ():
        if m.start() < last_end:
            continue  # a second stem of a word already taken whole
        before = _WORD_CHARS_BEFORE_RE.search(text, max(0, m.start() - 40), m.start())
        start = before.start() if before else m.start()
        end = _WORD_CHARS_AFTER_RE.match(text, m.end()).end()
        spans.append((start, end))
        last_end = end
    terms, reach = [], -1
    for start, end in sorted(spans):
        if start >= reach:
            terms.append((start, end))
            reach = end
    return [
        (start, end)
        for start, end in terms
        if not _TOPIC_AFTER_RE.match(text, end) and not _ROLE_AFTER_RE.match(text, end)
    ]


def _names_with_health(text: str, names: list[_Name], sentences: _Sentences, terms) -> list[Hit]:
    if not names:
        return []
    term_starts = [ts for ts, _ in terms]
    hits = []
    for name in names:
        if name.role == "public":
            continue
        if name.role == "professional":  # only a statement about their own health
            cue = _STRONG_CUE_RE.match(text, name.end)
            if cue:
                hits.append(Hit(name.start, cue.end(), "patient_name", "a statement about their own health"))
            continue
        if _PATIENT_WORD_RE.match(text, name.start):
            hits.append(Hit(name.start, name.end, "patient_name", "a person named as a patient"))
            continue
        idx = sentences.index(name.start)
        s, e = sentences.bounds(idx)
        windows = [(s, e)]
        short = (e - s) <= 45
        if idx > 0 and short:
            ps, pe = sentences.bounds(idx - 1)
            if name.start - pe <= 160:
                windows.append((ps, pe))
        if idx + 1 < len(sentences.starts):
            ns, ne = sentences.bounds(idx + 1)
            near = ns - name.end <= 160
            if near and (short or _BACK_REFERENCE_RE.search(text, ns, min(ne, ns + 60))):
                windows.append((ns, ne))
        best = None
        for ws, we in windows:
            # The nearest term of the window before the name and the nearest after it (terms do not
            # overlap, so they are sorted by end too): two look-ups, whatever the number of terms.
            for ts, te in _nearest_terms(terms, term_starts, ws, we, name.start, name.end):
                distance = ts - name.end if ts >= name.end else name.start - te
                if best is None or distance < best[0]:
                    best = (distance, ts, te)
        if best:
            _, ts, te = best
            reason = f"a name next to “{' '.join(text[ts:te].split())[:40]}”"
            hits.append(Hit(min(name.start, ts), max(name.end, te), "patient_name", reason))
    return hits


def _nearest_terms(terms, term_starts, ws: int, we: int, start: int, end: int) -> list[tuple[int, int]]:
    """Of the terms that start in [ws, we) and not inside the name [start, end): the last one before
    the name, then the first one after it (either may be missing)."""
    found = []
    before = bisect.bisect_left(term_starts, min(start, we)) - 1
    if before >= 0 and term_starts[before] >= ws:
        found.append(terms[before])
    after = bisect.bisect_left(term_starts, max(end, ws))
    if after < len(terms) and term_starts[after] < we:
        found.append(terms[after])
    return found


# --------------------------------------------------------------------------------------------------
# Appointment dates tied to a person

_APPOINTMENT_RE = re.compile(
    r"(?i)\b(?:appointments?|appts?\.?|follow-?\s?ups?|surgery|surgeries|procedure|operation|colonoscopy|endoscopy"
    r"|mammogram|mri|ct(?:\s+scan)?|scan|biopsy|infusion|chemo(?:therapy)?|radiation|dialysis|c-section"
    r"|cesarean|induction|transplant|replacement|check-?up|consult(?:ation)?|ultrasound|x-ray|injection"
    r"|treatment|session|therapy|physical|visit|labs?|bloodwork|blood\s+work|test|screening|exam|prep"
    r"|due\s+date|delivery|admission|discharge)\b"
)
_PERSON_REF_RE = re.compile(
    r"(?i)\b(?:he|she|him|her|his|hers|patient['’]?s?|dad['’]?s?|mom['’]?s?|mum['’]?s?|father['’]?s?"
    r"|mother['’]?s?|husband['’]?s?|wife['’]?s?|son['’]?s?|daughter['’]?s?|grandma['’]?s?|grandpa['’]?s?"
    r"|grandmother['’]?s?|grandfather['’]?s?|brother['’]?s?|sister['’]?s?|aunt['’]?s?|uncle['’]?s?|nana['’]?s?"
    r"|baby['’]?s?)\b"
    r"|\b(?:Mr|Mrs|Ms|Mx|Miss)\b"
)


def _appointments(text: str, names: list[_Name], sentences: _Sentences, births) -> list[Hit]:
    births = _Spans(births)
    dates = [d for d in _dates(text) if not births.overlaps(d.start(), d.end())]
    if not dates:
        return []
    terms = [(t.start(), t.end()) for t in _APPOINTMENT_RE.finditer(text)]
    hits = []
    for d in dates:
        s, e = sentences.around(d.start())
        term = None
        # The nearest appointment word before the date (at most 60 characters before it, same sentence)...
        k = bisect.bisect_left(terms, (d.start(), -1)) - 1
        while k >= 0 and terms[k][1] > d.start():
            k -= 1
        if k >= 0 and terms[k][0] >= s and d.start() - terms[k][1] <= 60:
            term = (terms[k][0], d.end())
        else:  # ... or right after it ("March 2nd, her chemo starts")
            k = bisect.bisect_left(terms, (d.end(), -1))
            if k < len(terms) and terms[k][1] <= min(e, d.end() + 30):
                term = (d.start(), terms[k][1])
        if term is None:
            continue
        # The person is named or referred to just before the appointment phrase or inside it.
        near = max(s, term[0] - 40)
        person = _PERSON_REF_RE.search(text, near, term[1]) or any(
            n.role == "private" and near <= n.start < term[1] for n in names
        )
        if person:
            hits.append(Hit(term[0], term[1], "appointment"))
    return hits
