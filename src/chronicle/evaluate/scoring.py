"""Scoring shared by the event evaluations (PLOVER GSR, WikiEvents): precision, recall and F1 over
sets of hashable items, per-type tables, confusions — and the one way both run Chronicle on gold text.

The scoring functions are pure: they take gold and predicted items and count. An "item" is whatever
the caller decides is one decision, e.g. `(sentence id, event type)` or
`(sentence id, event type, source country)`; precision and recall are micro-averaged over items.
"""

from __future__ import annotations

from pathlib import Path

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

NOTHING = "(nothing)"  # the other side of a confusion when one side is empty


@dataclass(frozen=True)
class PRF:
    """Counts of one comparison; precision, recall and F1 follow from them (0.0 when undefined)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        """Number of gold items."""
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def compare(gold: Iterable[Hashable], predicted: Iterable[Hashable]) -> PRF:
    """Micro counts of two sets of items (duplicates collapse: an item is decided once)."""
    gold, predicted = set(gold), set(predicted)
    return PRF(tp=len(gold & predicted), fp=len(predicted - gold), fn=len(gold - predicted))


def per_label(gold: Iterable[Hashable], predicted: Iterable[Hashable],
              label: Callable[[Hashable], str]) -> dict[str, PRF]:
    """`compare` split by the label of each item (e.g. its event type); labels seen on either side."""
    gold, predicted = set(gold), set(predicted)
    table: dict[str, PRF] = {}
    for item in gold | predicted:
        in_gold, in_pred = item in gold, item in predicted
        table[label(item)] = table.get(label(item), PRF()) + PRF(
            tp=int(in_gold and in_pred), fp=int(in_pred and not in_gold), fn=int(in_gold and not in_pred))
    return dict(sorted(table.items()))


def macro_f1(table: Mapping[str, PRF]) -> float:
    """Unweighted mean F1 over the labels that occur in the gold or the predictions."""
    seen = [row.f1 for row in table.values() if row.support or row.predicted]
    return sum(seen) / len(seen) if seen else 0.0


def confusions(gold: Mapping[Hashable, set], predicted: Mapping[Hashable, set],
               top: int = 10) -> list[tuple[str, str, int]]:
    """The most frequent (gold label → predicted label) confusions over items that carry sets of
    labels (a sentence's event types). Within one item, every gold label we missed is paired with
    every label we predicted that is not in the gold; a missed label with no wrong prediction beside
    it pairs with NOTHING, and a wrong prediction beside fully found gold pairs NOTHING with it."""
    counts: Counter = Counter()
    for key in set(gold) | set(predicted):
        g, p = set(gold.get(key, ())), set(predicted.get(key, ()))
        missed, extra = sorted(g - p), sorted(p - g)
        for m in missed:
            for e in extra or [NOTHING]:
                counts[(m, e)] += 1
        if not missed:
            for e in extra:
                counts[(NOTHING, e)] += 1
    return [(g, p, n) for (g, p), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


# --- running Chronicle ------------------------------------------------------------------------

# When not None, `analyse_texts` keeps each text's cleaned, parsed document here and extracts
# again from a copy on the next call: `evaluate/ablate.py` scores every set many times with one
# extraction step switched off, and the parse does not change between those runs.
PARSE_CACHE: dict | None = None
# The extraction steps switched off while the cache above is used (`extract.STEP_NAMES`).
DISABLED_STEPS: frozenset = frozenset()


def read_table(path: Path) -> list[dict]:
    """The rows of one of our own test lists: a tab-separated file whose `#` lines are its note on
    how it was made, blank lines skipped, quotes taken literally."""
    import csv

    lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def analyse_texts(items: list[tuple[str, str, str | None]], batch_size: int = 64) -> list:
    """Run clean → analyse on `(id, text, published)` triples, in batches; documents come back in
    input order with the given ids (clean assigns a hash id, which the scorers must not see)."""
    from ..clean import clean
    from ..pipeline import analyse
    from ..record import Document

    done = []
    for k in range(0, len(items), batch_size):
        batch = []
        for doc_id, text, published in items[k:k + batch_size]:
            doc = clean(Document(id=doc_id, text=text, published=published, language="en"))
            doc.id = doc_id
            batch.append(doc)
        done.extend(analyse(batch) if PARSE_CACHE is None else _analyse_cached(batch))
    return done


def _analyse_cached(batch: list) -> list:
    import copy

    from ..extract import extract_events
    from ..nlp import annotate_with_parses

    todo = [d for d in batch if (d.id, d.text) not in PARSE_CACHE]
    for d, parsed in annotate_with_parses(todo, batch_size=16):
        PARSE_CACHE[(d.id, d.text)] = (copy.deepcopy(d), parsed)
    pairs = [(copy.deepcopy(PARSE_CACHE[(d.id, d.text)][0]), PARSE_CACHE[(d.id, d.text)][1])
             for d in batch]
    return extract_events(pairs, disable=DISABLED_STEPS)


_CARD_FIELDS = ("base_model", "corpus_sha1", "examples", "trained_on_full_corpus", "epochs", "seed", "temperature")


def model_card() -> dict:
    """What identifies the event classifier independently of the commit: its card's fields of
    interest and a digest of the ONNX file; plus the confidence threshold events must pass."""
    from ..extract import MIN_CONFIDENCE
    from ..extract.classifier import ENSEMBLE, MODEL_DIR

    card_path, onnx_path = MODEL_DIR / "events.json", MODEL_DIR / "events.onnx"
    info: dict = {"min_confidence": MIN_CONFIDENCE}
    if ENSEMBLE:  # the answers were the mean of these models' and this one's
        info["ensemble_onnx_sha1"] = " ".join(_short_sha1(d / "events.onnx") for d in ENSEMBLE)
    if card_path.exists():
        card = json.loads(card_path.read_text(encoding="utf-8"))
        info.update({f"model_{k}": card[k] for k in _CARD_FIELDS if k in card})
    if onnx_path.exists():
        info["onnx_sha1"] = _short_sha1(onnx_path)
        from ..extract import int8

        # which graph answered: the numbers of the two differ a little (extract/int8.py)
        info["products"] = int8.products(onnx_path, int8.wanted(onnx_path))
    return info


def _short_sha1(path: Path) -> str:
    """A model file's digest, read once per process and version of the file (`eval all` asks
    for it with every set)."""
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:12]


def gold_path(relative: str | Path) -> Path:
    """A gold file in the shared/ folder beside the repository (or beside the working directory)."""
    repo = Path(__file__).resolve().parents[3]
    for base in (repo.parent, Path.cwd().parent, Path.cwd()):
        candidate = base / relative
        if candidate.exists():
            return candidate
    return repo.parent / relative
