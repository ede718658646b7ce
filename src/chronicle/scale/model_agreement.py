"""How far two exports of the event classifier disagree, candidate by candidate.

`python -m chronicle.scale.model_agreement REF DIR [DIR …]` runs every model directory over the
same candidates — every candidate predicate (`candidates(sent, gated=False)`: every verb and
listed event noun) of the WikiEvents development articles' sentences — and counts, against REF,
the candidates whose decision (event or no event, at each model's own none threshold) changes,
those whose label changes, and the mean change of P(no event).

What it is for: an int8 export, a different graph of the same weights or a distilled student is
first judged by how often it answers otherwise than its reference (the fp32 export of the same
weights, `train --keep-fp32`, runs as a model directory too); the evaluation sets then say
whether the changes cost anything. The development sets' gold is not read, only their text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..evaluate.scoring import gold_path

WIKIEVENTS = gold_path(Path("shared") / "eval" / "wikievents" / "dev.jsonl")


def wikievents_candidates(limit: int = 0) -> list[tuple[str, int, int]]:
    """(sentence, start, end) of every ungated candidate of the WikiEvents dev sentences."""
    from ..extract.candidates import candidates
    from ..nlp import load_pipeline

    if not WIKIEVENTS.is_file():
        raise SystemExit(f"{WIKIEVENTS} is missing: this check reads ../shared/eval beside the "
                         "repository")
    texts = [s[1] for line in WIKIEVENTS.read_text(encoding="utf-8").splitlines() if line
             for s in json.loads(line)["sentences"]]
    texts = texts[:limit] if limit else texts
    items = []
    for doc in load_pipeline().pipe(texts, batch_size=64):
        for sent in doc.sents:
            items += [(sent.text, tok.idx - sent.start_char,
                       tok.idx - sent.start_char + len(tok.text))
                      for tok in candidates(sent, gated=False)]
    return items


def compare(reference, other) -> dict:
    """Counts of changed decisions between two lists of `Prediction`s of the same candidates."""
    return {
        "candidates": len(reference),
        "reference_events": sum(p.label != "NONE" for p in reference),
        "event_or_not_changed": sum((a.label != "NONE") != (b.label != "NONE")
                                    for a, b in zip(reference, other)),
        "label_changed": sum(a.label != b.label for a, b in zip(reference, other)),
        "mean_none_change": round(sum(abs(a.none_probability - b.none_probability)
                                      for a, b in zip(reference, other))
                                  / max(1, len(reference)), 4),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reference", type=Path, help="model directory the others are compared with")
    ap.add_argument("models", type=Path, nargs="+", help="model directories to compare")
    ap.add_argument("--sentences", type=int, default=0,
                    help="read only the first N WikiEvents sentences (default: all)")
    args = ap.parse_args(argv)
    from ..extract.classifier import EventClassifier

    items = wikievents_candidates(args.sentences)
    reference = EventClassifier(args.reference, threads=1).predict(items)
    for model in args.models:
        counts = compare(reference, EventClassifier(model, threads=1).predict(items))
        print(f"{model}: {json.dumps(counts)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
