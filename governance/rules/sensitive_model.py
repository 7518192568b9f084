"""A learned second opinion for the sensitive-information screen: a logistic regression over hashed
character and word n-grams, trained by `bench/train_sensitive_model.py` on the project's labelled corpus
(`tests/governance/sensitive_corpus.jsonl` and the train and dev splits of `tests/governance/corpus/`)
and shipped as `sensitive_model.bin`. Nothing is fetched at run time and nothing here needs more than the
standard library.

The rules of `rules.sensitive` say *why* a span is sensitive; the model catches posts that read like a
patient's information in words the rules do not list ("jono's out of the ortho ward, two plates, 14
screws"). `probability(text)` is the model's estimate that a post is sensitive; the screen reports a
post the rules pass when it reaches `THRESHOLD`.

The features are computed the same way at training and at run time (`features`): the text folded to
lower-case ASCII, every word padded with spaces and cut into character 3- to 5-grams, plus every word and
pair of words; each feature hashed (CRC-32) into one of `BUCKETS` buckets, counted with a sublinear term
frequency (1 + log count) and the vector scaled to unit length. The cost is linear in the text's length.
"""

from __future__ import annotations

import array
import functools
import math
import re
import struct
import unicodedata
import zlib
from collections import Counter
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("sensitive_model.bin")
BUCKETS = 1 << 17
_MAGIC = b"CPSM1"
_HEADER = struct.Struct("<5sIddd")  # magic, buckets, weight scale, intercept, threshold
_WORD_RE = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*|[@#]\w+|[^\sa-z0-9]")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def features(text: str) -> dict[int, float]:
    """The text's hashed n-gram features, scaled to unit length."""
    words = _WORD_RE.findall(_fold(text))
    buckets: list[int] = []
    extend, append = buckets.extend, buckets.append
    previous = None
    for word in words:
        extend(_word_buckets(word))
        if previous is not None:
            append(_bigram_bucket(previous, word))
        previous = word
    counts = Counter(buckets)
    weighted = {b: 1.0 + math.log(c) for b, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
    return {b: v / norm for b, v in weighted.items()}


@functools.lru_cache(maxsize=65536)
def _word_buckets(word: str) -> tuple[int, ...]:
    """The buckets of a word's character n-grams and of the word itself (words repeat: computed once)."""
    padded = f" {word[:64]} "
    crc = zlib.crc32
    grams = [padded[i : i + n] for n in (3, 4, 5) for i in range(max(1, len(padded) - n + 1))]
    return (*(crc(g.encode()) % BUCKETS for g in grams), crc(b"w:" + word.encode()) % BUCKETS)


@functools.lru_cache(maxsize=65536)
def _bigram_bucket(first: str, second: str) -> int:
    return zlib.crc32(f"b:{first} {second}".encode()) % BUCKETS


class Model:
    def __init__(self, weights: array.array, scale: float, intercept: float, threshold: float):
        self.weights, self.scale, self.intercept, self.threshold = weights, scale, intercept, threshold

    def probability(self, text: str) -> float:
        w = self.weights
        z = self.intercept + self.scale * sum(v * w[b] for b, v in features(text).items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def dump(self, path: Path = MODEL_FILE) -> None:
        header = _HEADER.pack(_MAGIC, BUCKETS, self.scale, self.intercept, self.threshold)
        path.write_bytes(header + self.weights.tobytes())


def load(path: Path = MODEL_FILE) -> Model | None:
    """The shipped model, or None when the file is missing or not one of ours (the rules then work alone)."""
    try:
        data = path.read_bytes()
        magic, buckets, scale, intercept, threshold = _HEADER.unpack_from(data)
    except (OSError, struct.error):
        return None
    if magic != _MAGIC or buckets != BUCKETS:
        return None
    weights = array.array("h")
    weights.frombytes(data[_HEADER.size :])
    if len(weights) != BUCKETS:
        return None
    return Model(weights, scale, intercept, threshold)


@functools.lru_cache(maxsize=1)
def shipped() -> Model | None:
    return load()


def quantize(coefficients, intercept: float, threshold: float) -> Model:
    """A model from float coefficients (one per bucket), stored as 16-bit integers."""
    largest = max((abs(c) for c in coefficients), default=0.0) or 1.0
    scale = largest / 32767
    weights = array.array("h", (round(c / scale) for c in coefficients))
    return Model(weights, scale, float(intercept), float(threshold))
