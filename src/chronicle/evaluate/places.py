"""Toponyms measured on Chronicle's own test set (`data/eval/places.tsv`): 100-odd sentences written
by hand for issue 16, each with one toponym of a kind GeoWebNews has few of — US counties and
parishes, namesakes told apart by a qualifier or the sentence, places inside the names of
organisations and facilities, datelines, and names the small model misreads as people or
organisations. The file's header says how it was made.

Each sentence is parsed as a document of its own by the production steps (`nlp.extract_entities`,
`places.geocode_entities`). A toponym is *found* when an entity overlapping it has a Place, and
*right* when that Place is the expected one: the same country, first-level region and name, where
the file gives them. Unlike GeoWebNews this set needs no shared/ folder: it ships in the package.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .scoring import read_table


@dataclass
class Case:
    kind: str
    sentence: str
    toponym: str
    name: str
    country: str
    admin1: str


def default_path() -> Path:
    return Path(str(resources.files("chronicle") / "data" / "eval" / "places.tsv"))


def read_cases(path: Path) -> list[Case]:
    rows = read_table(path)
    return [Case(**{k: (row.get(k) or "").strip() for k in Case.__dataclass_fields__}) for row in rows]


def is_right(place, case: Case) -> bool:
    """Whether a Place is the one the case expects (country, region and name, where given)."""
    from ..places import normalise

    return (place is not None
            and (not case.country or place.country == case.country)
            and (not case.admin1 or place.admin1 == case.admin1)
            and (not case.name or normalise(place.name) == normalise(case.name)))


def evaluate(path: Path | str | None = None, limit: int | None = None, details: bool = False) -> dict:
    from ..nlp import extract_entities, load_pipeline
    from ..places import geocode_entities

    started = time.perf_counter()
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        raise FileNotFoundError(f"places test set not found at {path}")
    cases = read_cases(path)[:limit]
    nlp = load_pipeline()
    found, right, total = Counter(), Counter(), Counter()
    listing = []
    for case, parsed in zip(cases, nlp.pipe(c.sentence for c in cases)):
        start = case.sentence.find(case.toponym)
        end = start + len(case.toponym)
        entities = geocode_entities(extract_entities(parsed), case.sentence)
        hit = next((e for e in entities if e.place is not None and e.start < end and start < e.end), None)
        place = hit.place if hit is not None else None
        ok = is_right(place, case)
        for key in (case.kind, "all"):
            total[key] += 1
            found[key] += place is not None
            right[key] += ok
        if details or not ok:
            listing.append({"kind": case.kind, "sentence": case.sentence, "toponym": case.toponym,
                            "expected": f"{case.name}, {case.admin1 or '-'}, {case.country or '-'}",
                            "got": None if place is None else f"{place.name}, {place.admin1 or '-'}, {place.country}",
                            "entity": None if hit is None else f"{hit.text} ({hit.label})", "right": ok})
    rows = [{"kind": kind, "n": total[kind], "found": found[kind] / total[kind],
             "right": right[kind] / total[kind]} for kind in sorted(total, key=lambda k: (k == "all", k))]
    return {"dataset": "places.tsv", "path": str(path), "sentences": len(cases), "rows": rows,
            "seconds": round(time.perf_counter() - started, 1), "cases": listing}


def format_table(result: dict) -> str:
    header = f"{'kind':<10} {'n':>4} {'found':>7} {'right':>7}"
    lines = [f"Chronicle toponym test set ({result['dataset']}): {result['sentences']} sentences, "
             f"{result['seconds']} s", header, "-" * len(header)]
    for row in result["rows"]:
        lines.append(f"{row['kind']:<10} {row['n']:>4} {row['found']:>7.1%} {row['right']:>7.1%}")
    wrong = [c for c in result["cases"] if not c["right"]]
    if wrong:
        lines += ["", "not right:"]
        for c in wrong:
            lines.append(f"  [{c['kind']}] {c['toponym']!r}: expected {c['expected']}; got {c['got']} "
                         f"({c['entity'] or 'no entity'})")
    return "\n".join(lines)
