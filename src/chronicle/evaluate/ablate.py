"""What each hand-written step of the extractor is worth: every set scored with the step switched off.

`python -m chronicle.evaluate.ablate [--sets plover-gsr,wikievents,plv,police] [--steps a,b]`
prints, for every step, each set's headline next to the full pipeline's. The texts are parsed
once and the classifier's answers are remembered, so a step costs only the extraction itself.
A step earns its place when switching it off loses on some set and gains on none.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import replace

from .. import extract
from . import scoring, suite

# the module, not the function `extract.candidates` that the package re-exports under its name
candidates = importlib.import_module("chronicle.extract.candidates")

# Not a step but a mode: the candidates of every verb the gate passes, beside the lexicon's.
LEXICON_ONLY = "lexicon-only candidates"
# Every step of the extractor (`extract.STEP_NAMES`), switched off by name; and the mode above.
STEPS = (LEXICON_ONLY, *extract.STEP_NAMES)


def remember(model, method: str, copy=replace, collect=list) -> None:
    """Make `model.method(items)` — one answer per (sentence, span) item — compute each item's
    answer once per process; every caller gets `copy` of it (callers change predictions), the
    answers of a call gathered by `collect`."""
    flag = f"_remembered_{method}"
    if getattr(model, flag, False):
        return
    compute, memo = getattr(model, method), {}

    def remembered(items):
        keys = [item if isinstance(item, str) else tuple(item) for item in items]
        missing = [k for k in dict.fromkeys(keys) if k not in memo]
        if missing:
            for k, answer in zip(missing, compute(missing)):
                memo[k] = answer
        return collect([copy(memo[k]) for k in keys])

    setattr(model, method, remembered)
    setattr(model, flag, True)


def _remember_predictions() -> None:
    """Make the classifier answer each (sentence, span) once per process."""
    from ..extract.classifier import classifier

    remember(classifier(), "predict")


def run(sets: list[str], steps: list[str], limit: int | None = None) -> list[tuple[str, dict]]:
    scoring.PARSE_CACHE = {}
    _remember_predictions()
    rows = [("full pipeline", {name: suite.load(name).evaluate(limit=limit) for name in sets})]
    mode = candidates.MODE
    for step in steps:
        try:
            if step == LEXICON_ONLY:
                candidates.MODE = "union"
            else:
                scoring.DISABLED_STEPS = frozenset({step})
            rows.append((f"without {step}", {name: suite.load(name).evaluate(limit=limit) for name in sets}))
        finally:
            candidates.MODE, scoring.DISABLED_STEPS = mode, frozenset()
        print(format_rows(rows[:1] + rows[-1:]), file=sys.stderr, flush=True)
    return rows


def format_rows(rows: list[tuple[str, dict]]) -> str:
    base = rows[0][1]
    lines = []
    for label, results in rows:
        lines.append(label)
        for name, result in results.items():
            cells = []
            for (metric, value), (_, ref) in zip(suite.headline(name, result), suite.headline(name, base[name])):
                if value is None:
                    continue
                delta = "" if label == rows[0][0] or ref is None else f" ({value - ref:+.3f})"
                cells.append(f"{metric} {value:.3f}{delta}")
            lines.append(f"  {name:<11} " + "  ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chronicle.evaluate.ablate", description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="plover-gsr,wikievents,plv,police")
    ap.add_argument("--steps", default=",".join(STEPS), help="comma-separated step names (default: all)")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args(argv)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        ap.error(f"unknown steps {unknown}; known: {list(STEPS)}")
    rows = run([s.strip() for s in args.sets.split(",")], steps, args.limit)
    print(format_rows(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
