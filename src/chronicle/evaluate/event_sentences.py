"""Events measured on Chronicle's own test list (`data/eval/event_sentences.tsv`): sentences written
by hand in session 16, each telling one act of a known PLOVER type, or none, spread over what unseen
news sets miss (violence told with many verbs, crowds, arrests and restrictions, protests, the
diplomatic types) and what must stay no event (accidents, disasters, sport, business, metaphors).
The file's header says how it was made; it is a measure only, never tuned on.

Each sentence is coded as a document of its own by the whole pipeline (`scoring.analyse_texts`).
Scored per sentence: the set of event types found against the expected set — micro precision,
recall and F1 over (sentence, type) pairs, the share of sentences whose set is exactly right, and
the share of NONE sentences given no event. Like `places`, it ships in the package and needs no
shared/ folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .scoring import PRF, analyse_texts, read_table


@dataclass
class Case:
    kind: str
    sentence: str
    types: frozenset[str]  # empty for NONE


def default_path() -> Path:
    return Path(str(resources.files("chronicle") / "data" / "eval" / "event_sentences.tsv"))


def read_cases(path: Path) -> list[Case]:
    rows = read_table(path)
    return [Case(row["kind"].strip(), row["sentence"].strip(),
                 frozenset(t.strip() for t in row["types"].split(",") if t.strip() and t.strip() != "NONE"))
            for row in rows]


def score(cases: list[Case], found: list[set[str]]) -> dict:
    """Every measure of this set for the expected cases and the types found in each sentence."""
    pairs, by_kind = PRF(), {}  # kind → [exactly right, sentences]
    none_right = none_n = 0
    listing = []
    for case, got in zip(cases, found):
        tp = len(case.types & got)
        pairs = pairs + PRF(tp=tp, fp=len(got - case.types), fn=len(case.types - got))
        ok = got == set(case.types)
        by_kind.setdefault(case.kind, [0, 0])
        by_kind[case.kind][0] += ok
        by_kind[case.kind][1] += 1
        if not case.types:
            none_n += 1
            none_right += not got
        if not ok:
            listing.append({"kind": case.kind, "sentence": case.sentence,
                            "expected": sorted(case.types) or ["NONE"], "got": sorted(got) or ["NONE"]})
    right = sum(r for r, _ in by_kind.values())
    return {"type": pairs.as_dict(), "exact": right / len(cases) if cases else 0.0,
            "none_right": none_right / none_n if none_n else 0.0,
            "kinds": [{"kind": k, "n": n, "exact": right / n} for k, (right, n) in by_kind.items()],
            "wrong": listing}


def evaluate(path: Path | str | None = None, limit: int | None = None) -> dict:
    started = time.perf_counter()
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        raise FileNotFoundError(f"event test list not found at {path}")
    cases = read_cases(path)[:limit]
    docs = analyse_texts([(f"s{k}", c.sentence, "2024-06-10") for k, c in enumerate(cases)])
    result = score(cases, [{e.type for e in d.events} for d in docs])
    return {"dataset": "event_sentences.tsv", "path": str(path), "items": len(cases), **result,
            "seconds": round(time.perf_counter() - started, 1)}


def format_table(result: dict) -> str:
    t = result["type"]
    lines = [f"Chronicle's own event test list ({result['dataset']}): {result['items']} sentences, "
             f"{result['seconds']} s",
             f"event type (micro over sentence, type pairs): P {t['precision']:.3f}  R {t['recall']:.3f}  "
             f"F1 {t['f1']:.3f}",
             f"sentences exactly right: {result['exact']:.3f}; no-event sentences left without one: "
             f"{result['none_right']:.3f}", "", f"{'kind':<10} {'n':>4} {'exact':>7}"]
    lines += [f"{k['kind']:<10} {k['n']:>4} {k['exact']:>7.1%}" for k in result["kinds"]]
    if result["wrong"]:
        lines += ["", "not right:"]
        lines += [f"  [{w['kind']}] expected {','.join(w['expected'])}, got {','.join(w['got'])}: "
                  f"{w['sentence']}" for w in result["wrong"]]
    return "\n".join(lines)
