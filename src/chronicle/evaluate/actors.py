"""Actor coding measured on our own list of actor phrases (`data/eval/actor_phrases.tsv`).

Each phrase is coded alone by `chronicle.code_actor` at its date and compared with the country
(ISO alpha-3, "-" for none) and sector written beside it. The list marks a fixed fifth as held
out: it is scored like the rest, but only its totals are printed — its misses are never shown,
so that nothing is tuned on them. The development part's misses are listed, to work from.
"""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path


def default_path() -> Path:
    return Path(str(resources.files("chronicle.data").joinpath("eval/actor_phrases.tsv")))


def read_phrases(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"))


def evaluate(path: str | Path | None = None, limit: int | None = None) -> dict:
    from ..actors import code_actor

    rows = read_phrases(Path(path) if path else default_path())
    if limit:
        rows = rows[:limit]
    began = time.perf_counter()
    totals: dict[str, Counter] = defaultdict(Counter)
    by_category: dict[str, Counter] = defaultdict(Counter)
    misses = []
    for row in rows:
        coded = code_actor(row["phrase"], row["date"] or None).actor
        want_country = None if row["country"] == "-" else row["country"]
        country_ok = coded.country == want_country
        sector_ok = coded.sector == row["sector"]
        split = row["split"]
        for key, ok in (("n", True), ("country", country_ok), ("sector", sector_ok),
                        ("both", country_ok and sector_ok)):
            totals[split][key] += ok
        if split == "dev":
            cat = by_category[row["category"]]
            cat["n"] += 1
            cat["country"] += country_ok
            cat["sector"] += sector_ok
            if not (country_ok and sector_ok):
                misses.append({"phrase": row["phrase"], "date": row["date"],
                               "gold": f"{row['country']} {row['sector']}",
                               "coded": f"{coded.country or '-'} {coded.sector or '-'}"})
    return {"path": str(path or default_path()), "seconds": round(time.perf_counter() - began, 1),
            "splits": {s: dict(c) for s, c in totals.items()},
            "dev_categories": {k: dict(v) for k, v in sorted(by_category.items())},
            "dev_misses": misses}


def _share(c: dict, key: str) -> str:
    return f"{c.get(key, 0) / c['n']:.3f}" if c.get("n") else "-"


def format_table(result: dict) -> str:
    lines = [f"Actor phrases: {sum(c['n'] for c in result['splits'].values())} coded in "
             f"{result['seconds']} s ({result['path']})", "",
             f"{'part':<10}{'n':>5}{'country':>9}{'sector':>8}{'both':>7}"]
    for split in ("dev", "heldout"):
        c = result["splits"].get(split)
        if c:
            lines.append(f"{split:<10}{c['n']:>5}{_share(c, 'country'):>9}{_share(c, 'sector'):>8}"
                         f"{_share(c, 'both'):>7}")
    lines += ["", "development part by category:", f"{'category':<12}{'n':>5}{'country':>9}{'sector':>8}"]
    for cat, c in result["dev_categories"].items():
        lines.append(f"{cat:<12}{c['n']:>5}{_share(c, 'country'):>9}{_share(c, 'sector'):>8}")
    if result["dev_misses"]:
        lines += ["", f"development misses ({len(result['dev_misses'])}; held-out misses are never shown):"]
        for m in result["dev_misses"]:
            lines.append(f"  {m['phrase']!r} {m['date']}: gold {m['gold']}, coded {m['coded']}")
    return "\n".join(lines)
