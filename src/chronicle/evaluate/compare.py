"""Several runs of `chronicle eval all --json` side by side, one column per model (or recipe).

    python -m chronicle.evaluate.compare r13=a.json r13=b.json ea=c.json ea=d.json

Every headline of every set (`suite.HEADLINES`) is a row. Files given under the same name are
runs of one recipe (other seeds, say): the column shows their mean and, beside it, the range
[lowest–highest]. One training run of a model is one draw: a difference between two recipes
means something only where it is larger than the spread of each recipe's own runs, so a recipe
is compared by the runs it gives, not by its luckiest one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import mean

from .suite import SETS, headline


def rows(results: dict[str, dict]) -> list[tuple[str, str, float | None]]:
    """(set, headline label, value) for one `eval all --json` result."""
    out = []
    for name, result in results.items():
        if not isinstance(result, dict):
            continue
        for label, value in headline(name, result):
            out.append((name, label, value if isinstance(value, (int, float)) else None))
    return out


def table(groups: dict[str, list[dict]]) -> str:
    """The text table: a row per (set, headline), a column per group (mean [min–max] when the
    group holds more than one run)."""
    cells: dict[tuple[str, str], dict[str, list[float]]] = {}
    for group, runs in groups.items():
        for results in runs:
            for name, label, value in rows(results):
                cells.setdefault((name, label), {}).setdefault(group, [])
                if value is not None:
                    cells[(name, label)][group].append(value)
    heads = [f"{g} ({len(runs)})" if len(runs) > 1 else g for g, runs in groups.items()]
    width = max([21] + [len(h) for h in heads])
    lines = [f"{'set':<11} {'headline':<24} " + " ".join(f"{h:>{width}}" for h in heads)]
    for (name, label), by_group in cells.items():
        texts = []
        for group in groups:
            values = by_group.get(group, [])
            if not values:
                texts.append("-")
            elif len(values) == 1:
                texts.append(f"{values[0]:.3f}")
            else:
                texts.append(f"{mean(values):.3f} [{min(values):.3f}–{max(values):.3f}]")
        lines.append(f"{name:<11} {label:<24} " + " ".join(f"{t:>{width}}" for t in texts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", metavar="NAME=FILE",
                    help="a name and a file written by `chronicle eval all --json`; "
                         "files under one name are runs of one recipe")
    args = ap.parse_args(argv)
    groups: dict[str, list[dict]] = {}
    for item in args.runs:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            ap.error(f"{item!r}: give NAME=FILE")
        try:
            results = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            print(f"error: {path}: {err}", file=sys.stderr)
            return 2
        if not isinstance(results, dict) or not set(results) & set(SETS):
            print(f"error: {path} is not what `chronicle eval all --json` writes (no set by name: "
                  f"{', '.join(SETS)})", file=sys.stderr)
            return 2
        groups.setdefault(name, []).append(results)
    print(table(groups))
    return 0


if __name__ == "__main__":
    sys.exit(main())
