"""The labelled corpus of the sensitive-information screen, for the benchmark, the model's training and
the tests.

- `tests/governance/sensitive_corpus.jsonl`: the first corpus (636 English posts), written while the rules
  were built; every post is in-sample ("base").
- `tests/governance/corpus/{en,es,fr,de}.jsonl`: posts written for issue 15 by people who had not seen
  the detector, each with a `split` assigned once, when the file was added, from the SHA-256 of its text
  (half train, a quarter dev, a quarter test). The rules and the model are tuned on train and dev; test
  is scored once per change and never tuned on.

A row: text, sensitive (bool), kinds (labels, see LABELS), lang, split, note.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "tests" / "governance" / "sensitive_corpus.jsonl"
CORPUS_DIR = ROOT / "tests" / "governance" / "corpus"

POSITIVE_LABELS = (
    "name_health sensitive_category indirect identifier staff_overshare reply_confirm photo_caption".split()
)
NEGATIVE_LABELS = (
    "org_contact staff_recognition research anonymous_story education vaccine_clinic job_posting meeting_room "
    "privacy_reminder reply_decline public_figure event".split()
)


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def base_rows() -> list[dict]:
    rows = _read(BASE)
    for r in rows:
        r.setdefault("lang", "en")
        r["split"] = "base"
    return rows


def new_rows() -> list[dict]:
    return [r for path in sorted(CORPUS_DIR.glob("*.jsonl")) for r in _read(path)]


def rows(splits: tuple[str, ...] | None = None) -> list[dict]:
    everything = base_rows() + new_rows()
    return everything if splits is None else [r for r in everything if r["split"] in splits]
