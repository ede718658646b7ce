"""Five classes on Chronicle's own ACLED-style snippets (`data/eval/acled_snippets.tsv`): short event
notes written by hand in session 17 in the style of ACLED's, each labelled protest, assault, coerce,
agree or none — the classes of a hidden gold set of that kind, for which we have no development set.
The file's header says how it was made and how the classes follow docs/CODING.md; it is a measure
only, never tuned on, and its `test` half is reported only as numbers (no case is listed).

Each snippet is coded as one document by the whole pipeline (`scoring.analyse_texts`) and reduced to
one class (`reduce_events`): among its events that took place (modality `asserted` or `claimed`, as
docs/CODING.md tells a reader who wants acts that happened) and whose type is PROTEST, ASSAULT, COERCE
or AGREE, the one read most surely (ties: the first in the text) gives the class; with none, `none`
— also when the snippet's only events are of other PLOVER types, which is counted. Measures per
split (dev, test, all): macro-F1 over the five classes, accuracy, per-class precision, recall and F1,
the confusion matrix; beside them the same for every modality (no filter) and for a six-keyword
matcher (`keyword_class`), so the set says how much Chronicle adds over keywords.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .scoring import PRF, analyse_texts, macro_f1, read_table

CLASSES = ("protest", "assault", "coerce", "agree", "none")
SPLITS = ("dev", "test")
TYPE_CLASS = {"PROTEST": "protest", "ASSAULT": "assault", "COERCE": "coerce", "AGREE": "agree"}
TOOK_PLACE = frozenset({"asserted", "claimed"})
# The baseline: the first of six keywords in the snippet (by position) names its class.
KEYWORDS = {"protest": "protest", "demonstrat": "protest", "kill": "assault", "attack": "assault",
            "arrest": "coerce", "agree": "agree"}
_KEYWORD = re.compile(r"\b(" + "|".join(KEYWORDS) + ")", re.IGNORECASE)


@dataclass
class Case:
    id: str
    split: str
    cls: str
    subtype: str
    snippet: str


def default_path() -> Path:
    return Path(str(resources.files("chronicle") / "data" / "eval" / "acled_snippets.tsv"))


def read_cases(path: Path) -> list[Case]:
    rows = read_table(path)
    cases = [Case(row["id"].strip(), row["split"].strip(), row["class"].strip(), row["subtype"].strip(),
                  row["snippet"].strip()) for row in rows]
    for case in cases:
        if case.cls not in CLASSES or case.split not in SPLITS:
            raise ValueError(f"{path}: row {case.id} has class {case.cls!r}, split {case.split!r}")
    return cases


def plover_class(event) -> str | None:
    """The class of an event under PLOVER's types: PROTEST, ASSAULT, COERCE, AGREE; else None."""
    return TYPE_CLASS.get(event.type)


def acled_class(event) -> str | None:
    """The class of an event as ACLED reads it: its "agreement" also covers agreements signed or
    concluded and ceasefires declared, which PLOVER codes apart from AGREE (SUPPORT, CAMEO 057:
    "ratify, sign, or finalize an agreement"; RETREAT `ceasefire`, CAMEO 0871) and Chronicle codes
    as PLOVER does (docs/CODING.md). Printed beside the PLOVER reading, never instead of it."""
    if event.type == "SUPPORT" and (event.cameo or "").startswith("057"):
        return "agree"
    if event.type == "RETREAT" and event.mode == "ceasefire":
        return "agree"
    return plover_class(event)


def reduce_events(events, took_place: frozenset[str] | None = TOOK_PLACE,
                  classify=plover_class) -> tuple[str, str]:
    """The snippet's class from its events, and why: `event` (an event of one of the four types
    gave it), `not taken place` (such events only with another modality), `other types` (events of
    other PLOVER types only) or `no event`. `took_place=None` counts events of every modality;
    `classify` maps an event to its class (`plover_class`, `acled_class`)."""
    mapped = [e for e in events if classify(e) is not None]
    counted = [e for e in mapped if took_place is None or e.modality in took_place]
    if counted:
        best = max(counted, key=lambda e: (e.confidence, -e.evidence.start))
        return classify(best), "event"
    if mapped:
        return "none", "not taken place"
    return "none", "other types" if events else "no event"


def keyword_class(text: str) -> str:
    match = _KEYWORD.search(text)
    return KEYWORDS[match.group(1).lower()] if match else "none"


def measures(gold: list[str], predicted: list[str]) -> dict:
    """Accuracy, macro-F1 (over the classes on either side, as `scoring.macro_f1`: all five on this
    list's splits), per-class P/R/F1 and the confusion matrix (gold → predicted → count)."""
    table = {c: PRF() for c in CLASSES}
    confusion = {g: {p: 0 for p in CLASSES} for g in CLASSES}
    for g, p in zip(gold, predicted):
        confusion[g][p] += 1
        if g == p:
            table[g] = table[g] + PRF(tp=1)
        else:
            table[g] = table[g] + PRF(fn=1)
            table[p] = table[p] + PRF(fp=1)
    n = len(gold)
    return {"n": n, "accuracy": sum(g == p for g, p in zip(gold, predicted)) / n if n else 0.0,
            "macro_f1": macro_f1(table),
            "classes": {c: {**row.as_dict(), "support": row.support} for c, row in table.items()},
            "confusion": confusion}


def _per_split(cases: list[Case], predicted: list[str]) -> dict:
    out = {}
    for split in (*SPLITS, "all"):
        keep = [k for k, c in enumerate(cases) if split == "all" or c.split == split]
        out[split] = measures([cases[k].cls for k in keep], [predicted[k] for k in keep])
    return out


def score(cases: list[Case], found: list[tuple[str, str]], unfiltered: list[str] | None = None,
          acled: list[str] | None = None) -> dict:
    """Every measure of this set for the cases and, for each, Chronicle's (class, why) from
    `reduce_events`; `unfiltered` the classes with every modality counted, `acled` those of
    ACLED's reading of the types (`acled_class`)."""
    predicted = [cls for cls, _ in found]
    splits = _per_split(cases, predicted)
    keywords = _per_split(cases, [keyword_class(c.snippet) for c in cases])
    why = {split: dict(Counter(w for c, (_, w) in zip(cases, found) if split == "all" or c.split == split))
           for split in (*SPLITS, "all")}
    wrong = [{"id": c.id, "class": c.cls, "got": p, "why": w, "subtype": c.subtype, "snippet": c.snippet}
             for c, (p, w) in zip(cases, found) if c.split == "dev" and p != c.cls]
    result = {"macro_f1": splits["all"]["macro_f1"], "accuracy": splits["all"]["accuracy"],
              "splits": splits, "keywords": keywords, "why": why, "wrong_dev": wrong}
    if unfiltered is not None:
        result["every_modality"] = {s: {k: v for k, v in m.items() if k in ("n", "accuracy", "macro_f1")}
                                    for s, m in _per_split(cases, unfiltered).items()}
    if acled is not None:
        result["acled_reading"] = {s: {k: v for k, v in m.items() if k in ("n", "accuracy", "macro_f1")}
                                   for s, m in _per_split(cases, acled).items()}
    return result


def _describe(events) -> list[str]:
    return [f"{e.type}/{e.modality}/{e.confidence:.2f}" for e in events]


def evaluate(path: Path | str | None = None, limit: int | None = None) -> dict:
    started = time.perf_counter()
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        raise FileNotFoundError(f"snippet list not found at {path}")
    cases = read_cases(path)[:limit]
    docs = analyse_texts([(c.id, c.snippet, "2024-12-31") for c in cases])
    result = score(cases, [reduce_events(d.events) for d in docs],
                   [reduce_events(d.events, took_place=None)[0] for d in docs],
                   [reduce_events(d.events, classify=acled_class)[0] for d in docs])
    events = {c.id: _describe(d.events) for c, d in zip(cases, docs) if c.split == "dev"}
    for w in result["wrong_dev"]:
        w["events"] = events[w["id"]]
    return {"dataset": "acled_snippets.tsv", "path": str(path), "items": len(cases), **result,
            "seconds": round(time.perf_counter() - started, 1)}


def _confusion_lines(confusion: dict) -> list[str]:
    lines = ["  " + "gold/got".ljust(10) + "".join(f"{p:>9}" for p in CLASSES)]
    lines += [f"  {g:<10}" + "".join(f"{confusion[g][p]:>9}" for p in CLASSES) for g in CLASSES]
    return lines


def format_table(result: dict) -> str:
    s, k = result["splits"], result["keywords"]
    lines = [f"Chronicle's own ACLED-style snippets ({result['dataset']}): {result['items']} snippets "
             f"(dev {s['dev']['n']}, test {s['test']['n']}), {result['seconds']} s", "",
             f"{'split':<6} {'n':>4} {'macro-F1':>9} {'accuracy':>9}   {'keywords macro-F1':>17} {'accuracy':>9}"]
    lines += [f"{sp:<6} {s[sp]['n']:>4} {s[sp]['macro_f1']:>9.3f} {s[sp]['accuracy']:>9.3f}   "
              f"{k[sp]['macro_f1']:>17.3f} {k[sp]['accuracy']:>9.3f}" for sp in ("all", "dev", "test")]
    if "every_modality" in result:
        e = result["every_modality"]
        lines.append("every modality counted (no filter on asserted/claimed): macro-F1 "
                     + ", ".join(f"{sp} {e[sp]['macro_f1']:.3f}" for sp in ("all", "dev", "test")))
    if "acled_reading" in result:
        e = result["acled_reading"]
        lines.append("ACLED's reading (agreements signed and ceasefires also agree): macro-F1 "
                     + ", ".join(f"{sp} {e[sp]['macro_f1']:.3f}" for sp in ("all", "dev", "test")))
    why = result["why"]["all"]
    lines.append("how each snippet's class came (all): " + ", ".join(
        f"{w} {why.get(w, 0)}" for w in ("event", "not taken place", "other types", "no event")))
    lines += ["", f"{'class (all)':<12} {'n':>4} {'P':>7} {'R':>7} {'F1':>7}   {'keywords F1':>11}"]
    lines += [f"{c:<12} {row['support']:>4} {row['precision']:>7.3f} {row['recall']:>7.3f} {row['f1']:>7.3f}   "
              f"{k['all']['classes'][c]['f1']:>11.3f}" for c, row in s["all"]["classes"].items()]
    lines += ["", "confusion (all; rows gold, columns Chronicle):", *_confusion_lines(s["all"]["confusion"])]
    lines += ["", "test split, per class F1: " + ", ".join(
        f"{c} {row['f1']:.3f}" for c, row in s["test"]["classes"].items())]
    if result["wrong_dev"]:
        lines += ["", f"dev snippets not right ({len(result['wrong_dev'])}; the test split is not listed):"]
        lines += [f"  {w['id']} [{w['subtype']}] {w['class']} → {w['got']} ({w['why']}"
                  + (f": {' '.join(w['events'])}" if w.get("events") else "") + f"): {w['snippet']}"
                  for w in result["wrong_dev"]]
    return "\n".join(lines)
