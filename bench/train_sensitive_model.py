"""Train the sensitive screen's model (`governance/rules/sensitive_model.bin`).

    .venv/bin/python bench/train_sensitive_model.py            # train on base + train + dev, write the file
    .venv/bin/python bench/train_sensitive_model.py --select   # train on base + train, report on dev, write nothing

Needs scikit-learn (`pip install -r bench/requirements-train.txt`); the shipped model needs only the
standard library. A logistic regression (L2, balanced classes) over `sensitive_model.features`. C and
the threshold were chosen from the `--select` table (trained without dev): the model alone keeps a
precision above 0.9 on dev and adds few false alarms to the rules' (bench/README.md).
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sensitive_corpus  # noqa: E402

from governance.rules import sensitive_model  # noqa: E402
from governance.rules.sensitive import scan  # noqa: E402

C = 8.0
THRESHOLD = 0.75


def matrix(texts):
    from scipy.sparse import csr_matrix

    data, indices, indptr = [], [], [0]
    for text in texts:
        for bucket, value in sorted(sensitive_model.features(text).items()):
            indices.append(bucket)
            data.append(value)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(texts), sensitive_model.BUCKETS))


def fit(rows, c=C):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    clf.fit(matrix([r["text"] for r in rows]), [r["sensitive"] for r in rows])
    return clf


def select() -> None:
    train = sensitive_corpus.rows(("base", "train"))
    dev = sensitive_corpus.rows(("dev",))
    truth = [r["sensitive"] for r in dev]
    rules = [any(h.kind != "learned" for h in scan(r["text"])) for r in dev]
    for c in (2.0, 4.0, 8.0, 16.0, 32.0):
        probabilities = fit(train, c).predict_proba(matrix([r["text"] for r in dev]))[:, 1]
        for threshold in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85):
            predicted = [p >= threshold for p in probabilities]
            tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
            fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
            extra = sum(p and not t and not r for p, t, r in zip(predicted, truth, rules, strict=True))
            print(
                f"C={c:<5} threshold {threshold:.2f}: model alone precision {tp / max(tp + fp, 1):.3f} "
                f"recall {tp / max(sum(truth), 1):.3f}; false alarms it adds to the rules' {extra}"
            )


def train_and_write() -> None:
    rows = sensitive_corpus.rows(("base", "train", "dev"))
    clf = fit(rows)
    model = sensitive_model.quantize(clf.coef_[0], clf.intercept_[0], THRESHOLD)
    model.dump()
    print(f"trained on {len(rows)} posts; wrote {sensitive_model.MODEL_FILE} (threshold {THRESHOLD})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--select", action="store_true", help="train without dev and report on dev")
    if parser.parse_args().select:
        select()
    else:
        train_and_write()
