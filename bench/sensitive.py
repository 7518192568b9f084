"""Sensitive-information (PHI/PII) detection: quality on the labelled corpus and speed.

`.venv/bin/python bench/sensitive.py` prints, for `governance.rules.sensitive.detect` (a post is predicted
sensitive when it gets at least one finding):

- post-level precision, recall and F1 on each split of the corpus (`bench/sensitive_corpus.py`): the
  first corpus (in-sample), train and dev (tuned on), and test (held out: scored, never tuned on), each
  also per language;
- per label on dev and test: for the positive labels the recall (share of their posts flagged), for the
  negative labels the share passed; per reported kind, the precision (share of the posts where that kind
  is reported that are truly sensitive) — on test without the posts' texts;
- `--errors` lists the misses and false alarms of the in-sample, train and dev splits (never test's);
- the latency of `detect` on a 2,000-character post, one with findings and one without (the model then
  reads it too), median and p95 over 200 runs.

No Django settings, no database.
"""

import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sensitive_corpus  # noqa: E402

from governance.rules.sensitive import _scan_once, detect, scan  # noqa: E402

RUNS = 200
POST_CHARS = 2000


def _long_post(rows: list[dict]) -> str:
    """A 2,000-character newsletter-style post made of corpus posts, in corpus order."""
    text = ""
    for r in rows:
        if len(text) >= POST_CHARS:
            break
        text += r["text"] + " "
    return text[:POST_CHARS]


def _figures(rows, predictions) -> tuple[float, float, float, int, int]:
    tp = sum(p and r["sensitive"] for r, p in zip(rows, predictions, strict=True))
    fp = sum(p and not r["sensitive"] for r, p in zip(rows, predictions, strict=True))
    positives = sum(r["sensitive"] for r in rows)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, fp, positives - tp


def _line(label: str, rows, predictions) -> str:
    precision, recall, f1, fp, fn = _figures(rows, predictions)
    return (
        f"{label:<28} {len(rows):>5} posts  precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}"
        f"  ({fp} false alarms, {fn} misses)"
    )


def _per_label(rows, predictions) -> str:
    right: dict[str, list[bool]] = defaultdict(list)
    for r, p in zip(rows, predictions, strict=True):
        for label in r["kinds"]:
            right[label].append(p == r["sensitive"])
    parts = []
    for label in sensitive_corpus.POSITIVE_LABELS + sensitive_corpus.NEGATIVE_LABELS:
        if right[label]:
            parts.append(f"{label} {sum(right[label])}/{len(right[label])}")
    return ", ".join(parts)


def _per_kind_precision(rows, kinds_found) -> str:
    reported: dict[str, list[bool]] = defaultdict(list)
    for r, kinds in zip(rows, kinds_found, strict=True):
        for kind in kinds:
            reported[kind].append(r["sensitive"])
    return ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(reported.items()))


def report(errors: bool = False) -> None:
    everything = sensitive_corpus.rows()
    kinds_found = [{h.kind for h in scan(r["text"])} for r in everything]
    predictions = [bool(k) for k in kinds_found]
    by_split: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(everything):
        by_split[r["split"]].append(i)
    names = {"base": "first corpus (in-sample)", "train": "train (tuned on)", "dev": "dev (tuned on)"}
    names["test"] = "test (held out)"
    for split in ("base", "train", "dev", "test"):
        idx = by_split[split]
        rows, preds = [everything[i] for i in idx], [predictions[i] for i in idx]
        print("  " + _line(names[split], rows, preds))
        if split == "base":
            continue
        for lang in ("en", "es", "fr", "de"):
            sub = [i for i in idx if everything[i]["lang"] == lang]
            print("    " + _line(lang, [everything[i] for i in sub], [predictions[i] for i in sub]))
        if split in ("dev", "test"):
            print(f"    per label (right/posts): {_per_label(rows, preds)}")
            kinds = [kinds_found[i] for i in idx]
            print(f"    per reported kind (sensitive/posts where reported): {_per_kind_precision(rows, kinds)}")
        if errors and split != "test":
            for r, p in zip(rows, preds, strict=True):
                if p != r["sensitive"]:
                    print(f"      {'+' if p else '-'} [{','.join(r['kinds'])}] {r['text']}")
    held_out = [everything[i] for i in by_split["test"]]
    held_predictions = [predictions[i] for i in by_split["test"]]
    if errors:
        for split in ("base",):
            for i in by_split[split]:
                if predictions[i] != everything[i]["sensitive"]:
                    print(f"      {'+' if predictions[i] else '-'} {everything[i]['text']}")
    precision, recall, *_ = _figures(held_out, held_predictions)
    print(f"  held out: precision {precision:.3f} (target ≥ 0.93), recall {recall:.3f} (target ≥ 0.97)")

    for label, post in (
        ("with findings", _long_post(everything)),
        ("without findings", _long_post([r for r in everything if not r["sensitive"] and not detect(r["text"])])),
    ):
        detect(post)  # warm-up
        times = []
        for _ in range(RUNS):
            _scan_once.cache_clear()  # the screen remembers the last texts it read: measure the reading
            t0 = time.perf_counter()
            detect(post)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(
            f"  detect, {len(post):,}-character post {label} ({len(detect(post))} findings), {RUNS} runs: "
            f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms"
        )


if __name__ == "__main__":
    report(errors="--errors" in sys.argv)
