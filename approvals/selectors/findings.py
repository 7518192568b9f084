"""Reads of the findings people act on: a revision's dismissals (who judged which finding a
false alarm, and why) beside its findings, as the post's page and API show them, and the
dismissals as labelled examples for the sensitive screen's corpus (`export_false_alarms`)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Prefetch
from django.utils import timezone

from governance.rules.findings import Finding

from ..models import FindingDismissal, Revision, finding_key

Key = tuple[str, str, int, int]


def dismissals_of(revision: Revision | None) -> dict[Key, FindingDismissal]:
    """The revision's dismissals by the finding they name (`models.finding_key`), with who
    dismissed them: one query."""
    if revision is None:
        return {}
    return {d.key: d for d in FindingDismissal.objects.filter(revision=revision).select_related("dismissed_by")}


@dataclass
class ShownFinding:
    """A finding as the post's page shows it: what it found (`span`, the text it marks; "" for a
    finding about the post as a whole), whether it was dismissed, and whether it is of a rule
    whose findings can be (the form is offered to those who may dismiss)."""

    finding: Finding
    span: str
    dismissal: FindingDismissal | None
    dismissable: bool

    @property
    def form_key(self) -> str:
        """field:rule:start:end, which the page's form and its error name the finding by."""
        return f"{self.finding.field}:{self.finding.rule}:{self.finding.start}:{self.finding.end}"

    def __getattr__(self, name):  # severity, message, rule, field, start, end, kind
        if name == "finding":  # not set yet (copying): no recursion
            raise AttributeError(name)
        return getattr(self.finding, name)


def span_text(revision: Revision, finding: Finding) -> str:
    """The text of the revision that `finding` marks ("" when it marks none)."""
    if not finding.field or finding.end <= finding.start:
        return ""
    return (getattr(revision, finding.field, "") or "")[finding.start : finding.end]


def shown_findings(revision: Revision, findings, dismissals: dict[Key, FindingDismissal]) -> list[ShownFinding]:
    return [
        ShownFinding(
            finding=f,
            span=span_text(revision, f),
            dismissal=dismissals.get(finding_key(f)),
            dismissable=f.rule in FindingDismissal.DISMISSABLE_RULES and f.end > f.start,
        )
        for f in findings
    ]


def dismissal_summary(dismissal: FindingDismissal | None) -> dict | bool:
    """A finding's `dismissed` in the API: False, or who dismissed it, when and why."""
    if dismissal is None:
        return False
    return {"reason": dismissal.reason, "by": dismissal.dismissed_by.get_username(), "at": dismissal.dismissed_at}


# --- the corpus ---------------------------------------------------------------------------------

# Where a sentence ends: end punctuation (and closing quotes or brackets) before a space or the
# end, or a line break. A period after a title or an initial ("Dr. Lee", "J. Smith") ends none.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n")
_NOT_AN_END = re.compile(r"(?:\b(?i:dr|mr|mrs|ms|mx|st|prof|sr|jr|e\.g|i\.e)|\b[A-Z])\.$")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The start and end of the sentence(s) of `text` that hold `text[start:end]`."""
    begin, finish = 0, len(text)
    for match in _SENTENCE_END.finditer(text):
        if match.group() != "\n" and _NOT_AN_END.search(text, max(match.start() - 6, 0), match.start() + 1):
            continue
        if match.end() <= start:
            begin = match.end()
        elif match.end() >= end:
            finish = match.end()
            break
    while begin < finish and text[begin].isspace():
        begin += 1
    while finish > begin and text[finish - 1].isspace():
        finish -= 1
    return begin, finish


@dataclass
class FalseAlarmExample:
    """One line for the corpus: a sentence (or a post) a reviewer judged not sensitive where the
    screen thought it was, with the dismissals that say so. `held_back` says why it must not be
    written as a negative example (another finding of the screen in the same text stands)."""

    text: str
    dismissals: list[FindingDismissal]
    held_back: str = ""
    revision_id: int = 0

    def line(self) -> dict:
        """The corpus's JSON shape (tests/governance/corpus): text, label, kinds, language, note."""
        return {
            "text": self.text,
            "sensitive": False,
            "kinds": ["dismissed"],
            "lang": "",
            "note": "; ".join(
                f"dismissed as a false alarm: {d.reason} (rule {d.rule}, kind {d.kind or 'none'})"
                for d in self.dismissals
            ),
        }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def false_alarm_examples(*, since: date | None = None, chunk_size: int = 200) -> Iterator[FalseAlarmExample]:
    """Every dismissal of a finding of the sensitive screen (dismissed on or after `since`), as
    examples for the corpus, oldest revision first: the sentence of the revision's text that
    holds the dismissed span (the revision's body for a finding with no span). Dismissals in the
    same sentence make one example. An example whose text holds another finding of the screen
    that nobody dismissed (in any of the revision's stored screenings) is held back: it is not a
    clean negative. A query per `chunk_size` revisions (their dismissals and screenings with them)."""
    dismissed = FindingDismissal.objects.filter(rule__in=FindingDismissal.DISMISSABLE_RULES)
    if since is not None:
        dismissed = dismissed.filter(dismissed_at__gte=_start_of(since))
    revisions = (
        Revision.objects.filter(pk__in=dismissed.values("revision_id"))
        .order_by("pk")
        .prefetch_related(
            Prefetch("finding_dismissals", queryset=FindingDismissal.objects.order_by("dismissed_at", "id")),
            "screenings",
        )
    )
    for revision in revisions.iterator(chunk_size=chunk_size):
        yield from _examples_of(revision, since=since)


def _examples_of(revision: Revision, *, since: date | None) -> Iterator[FalseAlarmExample]:
    every = [d for d in revision.finding_dismissals.all() if d.rule in FindingDismissal.DISMISSABLE_RULES]
    dismissed_keys = {d.key for d in every}
    threshold = _start_of(since) if since is not None else None
    standing: dict[str, list[tuple[int, int]]] = {}  # per field, the screen's undismissed spans
    for screening in revision.screenings.all():
        for stored in screening.findings or []:
            finding = Finding.from_stored(stored)
            if finding.rule in FindingDismissal.DISMISSABLE_RULES and finding_key(finding) not in dismissed_keys:
                standing.setdefault(finding.field, []).append((finding.start, finding.end))
    spans: list[tuple[str, int, int, FindingDismissal]] = []
    for dismissal in every:
        if threshold is not None and dismissal.dismissed_at < threshold:
            continue
        text = getattr(revision, dismissal.field, "") or ""
        if dismissal.end <= dismissal.start or dismissal.end > len(text):
            spans.append(("body", 0, len(revision.body), dismissal))
        else:
            spans.append((dismissal.field, *sentence_bounds(text, dismissal.start, dismissal.end), dismissal))
    # Sentences that overlap (a span across two of them, and one inside) make one example.
    merged: list[list] = []
    for where, begin, finish, dismissal in sorted(spans, key=lambda s: (s[0], s[1], s[2])):
        if merged and merged[-1][0] == where and begin < merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], finish)
            merged[-1][3].append(dismissal)
        else:
            merged.append([where, begin, finish, [dismissal]])
    for where, begin, finish, dismissals in merged:
        text = getattr(revision, where, "") or ""
        example = FalseAlarmExample(
            text=text[begin:finish],
            dismissals=sorted(dismissals, key=lambda d: (d.dismissed_at, d.pk)),
            revision_id=revision.pk,
        )
        if any(s < finish and e > begin for s, e in standing.get(where, [])):
            example.held_back = "another finding of the screen in the same text was not dismissed"
        yield example
