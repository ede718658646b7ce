"""The candidate gate: a cheap learned filter in front of the event classifier.

Every verb and every listed event noun is a candidate (`candidates.py`); most are not events
("said", "added", "expected", "the price"). The classifier reads a sentence in one encoder pass,
so a sentence none of whose candidates may be an event need not be read at all. The gate decides
that from what the parse already gives — the word, its lemma, part of speech and dependency, its
head, its subject, object and prepositional objects, negation, the trigger lexicon's types for
the word — in a logistic regression over hashed features (`make train` fits it on the same
sentences as the classifier and picks its threshold for high recall on the dev split; the
weights are `data/models/gate.npz`).

Written by hand rather than with a library: a dot product over ~25 hashed features per word is
all it does at run time, and numpy already holds the weights.
"""

from __future__ import annotations

import os
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from .candidates import triggers_for
from .classifier import MODEL_DIR, ClassifierMissingError

DIM = 1 << 18
_ARG_DEPS = {"dobj", "nsubj", "nsubjpass", "agent", "prt", "neg", "aux", "auxpass", "xcomp",
             "ccomp", "attr", "acomp", "dative", "obj", "pobj", "compound", "amod"}


def features(tok) -> list[str]:
    """The gate's view of one candidate token (strings, hashed by `indices`)."""
    lemma = tok.lemma_.lower()
    out = [f"l={lemma}", f"w={tok.lower_}", f"p={tok.pos_}", f"t={tok.tag_}", f"d={tok.dep_}",
           f"ld={lemma}|{tok.dep_}", f"lp={lemma}|{tok.pos_}", f"s3={tok.lower_[-3:]}",
           f"e={tok.ent_type_}"]
    head = tok.head
    if head.i != tok.i:
        out += [f"h={head.lemma_.lower()}", f"hp={head.pos_}|{tok.dep_}"]
    for c in tok.children:
        if c.dep_ == "prep":
            out.append(f"pr={c.lower_}")
            for g in c.children:
                if g.dep_ == "pobj":
                    out += [f"pp={c.lower_}|{g.lemma_.lower()}", f"pe={c.lower_}|{g.ent_type_}"]
        elif c.dep_ in _ARG_DEPS:
            out += [f"c={c.dep_}", f"cl={c.dep_}|{c.lemma_.lower()}"]
            if c.ent_type_:
                out.append(f"ce={c.dep_}|{c.ent_type_}")
    types = {t.type for t in triggers_for(tok, narrowed=False)}
    out += [f"x={t}" for t in sorted(types)] or ["x=-"]
    return out


def indices(feats: list[str]) -> np.ndarray:
    return np.fromiter((zlib.crc32(f.encode("utf-8")) & (DIM - 1) for f in feats),
                       dtype=np.int64, count=len(feats))


class Gate:
    def __init__(self, model_dir: Path = MODEL_DIR):
        path = model_dir / "gate.npz"
        if not path.exists():
            raise ClassifierMissingError(
                f"no candidate gate in {model_dir}: run `make train` to build it")
        data = np.load(path)
        self.weights = data["w"].astype(np.float32)
        self.bias = float(data["b"])
        self.threshold = float(data["threshold"])
        self.extra_threshold = float(data["extra_threshold"]) if "extra_threshold" in data.files \
            else self.threshold

    def scores(self, toks: list) -> np.ndarray:
        """P(the candidate may be an event) for each token."""
        z = np.array([self.bias + float(self.weights[indices(features(t))].sum()) for t in toks],
                     dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-z))

    def keep(self, toks: list, extra: bool = False) -> list:
        if not toks:
            return []
        bar = self.extra_threshold if extra else self.threshold
        return [t for t, p in zip(toks, self.scores(toks)) if p >= bar]


@lru_cache(maxsize=1)
def gate() -> Gate:
    return Gate()


def _bar(variable: str, default: float) -> float:
    raw = os.environ.get(variable)
    try:
        return default if raw is None else float(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r}: give a number (a fraction of the gate's threshold; "
                         "0 turns it off)") from None


# How far the classifier's reading follows the gate, as fractions of the gate's own fitted
# threshold (`Gate.threshold`, which `make train` sets for each model to keep 98% of its dev
# split's triggers), so that the bars follow a retrained model instead of today's numbers.
#
# READ_BAR (`CHRONICLE_READ_BAR`): a sentence costs the encoder a pass whatever its candidates;
# when the gate scores every candidate of it below this bar, none is asked about.
# REREAD_BAR (`CHRONICLE_REREAD_BAR`): a candidate the classifier read as no event (or a doubtful
# one) is asked again without its sentence's asides or as its dated phrase (`reading.py`) only
# when the gate scores it at least this.
#
# Both bars are off (0). The read bar was 0.1 in session 15 and is off again since session 16: the
# shipped gate scores an event noun as the subject of a verb of happening far below it ("Fighting
# broke out between rival militias in Tripoli", 0.002; "Heavy fighting raged around the airport",
# 0.01, against a bar of 0.034), so a common way news tells fighting cost its sentence's encoder
# pass and its event, which no evaluation set had shown. Session 11's gate (fitted beside
# another classifier) lost events at any useful bar; the news-trained model's gate moves no
# evaluation set up to a read bar of 0.1 (6% fewer passes) and a re-read bar of 1, but a read bar
# of 0.25 already costs 0.045 WikiEvents mention recall, and the second readings are cut by the
# classifier's own doubt instead (`reading.SURE_NO_EVENT`). Of the benchmark corpus's 844 events,
# 0.1 drops 7, and reading them, 6 were false (a business meeting, "no one to talk to", a
# hypothetical fight, a return to a job) and one a true background mention of an attack
# (docs/BENCHMARKS.md, sessions 11, 14 and 15).
# `python -m chronicle.scale.gate_bars` measures both again for a retrained model.
READ_BAR = _bar("CHRONICLE_READ_BAR", 0.0)
REREAD_BAR = _bar("CHRONICLE_REREAD_BAR", 0.0)


def _loaded() -> Gate | None:
    try:
        return gate()
    except ClassifierMissingError:
        return None  # a model folder without a gate: every candidate is read, as before


def worth_reading(toks: list) -> list:
    """The candidates of one sentence, or none when the gate says none of them may be an event
    (every one below `READ_BAR` × the gate's threshold)."""
    if READ_BAR <= 0 or not toks or (g := _loaded()) is None:
        return toks
    return toks if float(g.scores(toks).max()) >= READ_BAR * g.threshold else []


def worth_rereading(toks: list) -> list[bool]:
    """For each candidate, whether it may be asked about a second time (`REREAD_BAR`)."""
    if REREAD_BAR <= 0 or not toks or (g := _loaded()) is None:
        return [True] * len(toks)
    return [bool(p >= REREAD_BAR * g.threshold) for p in g.scores(toks)]
