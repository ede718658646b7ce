"""What the two bars an event must pass are worth: every set scored at other bars.

`python -m chronicle.evaluate.bars [--sets plover-gsr,wikievents,plv,police,events,snippets]
[--bars 0.29:0.5,0.2:0.5,0.29:0.4]` prints, for each pair NONE:TYPE, each set's headline next to
the model's own bars (the first row). NONE is the probability of "no event" a candidate must stay
under (the card's `none_threshold`); TYPE the probability its type needs (`reading.MIN_CONFIDENCE`;
the lower bar of a verb whose lexicon rows agree, `reading.AGREEING_VERB_CONFIDENCE`, moves with it).
The texts are parsed once and the classifier's probabilities are remembered, so a pair costs only
the extraction. Both bars are global: a pair that gains on one set and loses on another is no gain
(docs/EVALUATION.md, session 21, has the sweep of the shipped model).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from . import ablate, scoring, suite

SETS = "plover-gsr,wikievents,plv,police,events,snippets"


def _remember_probabilities(model) -> None:
    """Make the classifier compute each (sentence, span)'s probabilities once per process: the
    bars are applied to them afresh (`EventClassifier.predict`)."""
    ablate.remember(model, "probabilities", copy=lambda row: row,
                    collect=lambda rows: np.array(rows).reshape(len(rows), len(model.labels)))


def parse_bars(text: str) -> list[tuple[float, float]]:
    """"0.29:0.5,0.2:0.5" → [(0.29, 0.5), (0.2, 0.5)]; a ValueError names a malformed pair."""
    pairs = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            none, kind = (float(x) for x in part.split(":"))
        except ValueError:
            raise ValueError(f"{part!r}: a pair of bars is NONE:TYPE, e.g. 0.29:0.5") from None
        if not (0.0 <= none <= 1.0 and 0.0 <= kind <= 1.0):
            raise ValueError(f"{part!r}: bars are probabilities, between 0 and 1")
        pairs.append((none, kind))
    return pairs


def run(sets: list[str], bars: list[tuple[float, float]],
        limit: int | None = None) -> list[tuple[str, dict]]:
    """[(label, {set: result})]: the model's own bars first, then each pair of `bars`. The bars
    are put back as they were afterwards."""
    from ..extract import reading
    from ..extract.classifier import classifier

    model = classifier()
    scoring.PARSE_CACHE = {}
    _remember_probabilities(model)
    own = (model.none_threshold, reading.MIN_CONFIDENCE, reading.AGREEING_VERB_CONFIDENCE)
    rows = [(f"own bars {own[0]:g}:{own[1]:g}",
             {name: suite.load(name).evaluate(limit=limit) for name in sets})]
    try:
        for none, kind in bars:
            model.none_threshold = none
            reading.MIN_CONFIDENCE = kind
            reading.AGREEING_VERB_CONFIDENCE = own[2] - (own[1] - kind)
            rows.append((f"bars {none:g}:{kind:g}",
                         {name: suite.load(name).evaluate(limit=limit) for name in sets}))
            print(ablate.format_rows(rows[:1] + rows[-1:]), file=sys.stderr, flush=True)
    finally:
        model.none_threshold, reading.MIN_CONFIDENCE, reading.AGREEING_VERB_CONFIDENCE = own
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chronicle.evaluate.bars",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=SETS)
    ap.add_argument("--bars", default="0.2:0.5,0.4:0.5,0.29:0.4,0.29:0.6",
                    help="comma-separated NONE:TYPE pairs (default: %(default)s)")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in sets if s not in suite.SETS]
    if unknown:
        ap.error(f"unknown sets {unknown}; known: {list(suite.SETS)}")
    try:
        bars = parse_bars(args.bars)
    except ValueError as err:
        ap.error(str(err))
    print(ablate.format_rows(run(sets, bars, args.limit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
