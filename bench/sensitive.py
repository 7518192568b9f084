"""Sensitive-information (PHI/PII) detection: quality on the labelled corpus and speed.

`.venv/bin/python bench/sensitive.py` prints the corpus size, post-level precision, recall and F1 of
`governance.rules.sensitive.detect` on `tests/governance/sensitive_corpus.jsonl` (a post is predicted
sensitive when it gets at least one finding), the false negatives and positives, and the latency of
`detect` on a 2,000-character post (median and p95 over 200 runs). No Django settings, no database.
"""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from governance.rules.sensitive import detect  # noqa: E402

CORPUS = ROOT / "tests" / "governance" / "sensitive_corpus.jsonl"
RUNS = 200
POST_CHARS = 2000


def _long_post(rows: list[dict]) -> str:
    """A 2,000-character newsletter-style post made of corpus posts, sensitive and not, in corpus order."""
    text = ""
    for r in rows:
        if len(text) >= POST_CHARS:
            break
        text += r["text"] + " "
    return text[:POST_CHARS]


def report() -> None:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    false_negatives, false_positives = [], []
    tp = 0
    for r in rows:
        predicted = bool(detect(r["text"]))
        if predicted and r["sensitive"]:
            tp += 1
        elif predicted:
            false_positives.append(r["text"])
        elif r["sensitive"]:
            false_negatives.append(r["text"])
    positives = sum(r["sensitive"] for r in rows)
    precision = tp / (tp + len(false_positives)) if tp + len(false_positives) else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    post = _long_post(rows)
    detect(post)  # warm-up
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        detect(post)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]

    print(f"corpus: {len(rows)} posts, {positives} sensitive ({positives / len(rows):.0%})")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"false negatives: {len(false_negatives)}")
    for text in false_negatives:
        print(f"  - {text}")
    print(f"false positives: {len(false_positives)}")
    for text in false_positives:
        print(f"  + {text}")
    print(
        f"latency, {len(post):,}-character post ({len(detect(post))} findings), {RUNS} runs: "
        f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms"
    )


if __name__ == "__main__":
    report()
