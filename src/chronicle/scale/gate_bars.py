"""What the gate's reading bars (`extract/gate.py`: READ_BAR, REREAD_BAR) save and cost.

`python -m chronicle.scale.gate_bars --bars 0:0,0.05:0,0.05:1` runs, for each READ:REREAD pair
(fractions of the shipped gate's own threshold), the analysis of the benchmark corpus's article
texts in this process, counting the encoder's passes and the classifier's CPU seconds; then every
evaluation set that reads events, each set's headline beside the first pair's. Re-run it after a
retrained model is installed before changing the defaults: the gate decides what the classifier
never reads, so a gate that disagrees with its classifier costs events the bars cannot see.
(The `places` set reads no events and cannot move; the seed is checked with `chronicle extract`.)
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

# the modules, not the functions `chronicle.extract` re-exports under the same names
gate = importlib.import_module("chronicle.extract.gate")
classifier_module = importlib.import_module("chronicle.extract.classifier")

SETS = ("plover-gsr", "wikievents", "plv", "police")


def parse_bars(text: str) -> list[tuple[float, float]]:
    pairs = []
    for item in text.split(","):
        read, _, reread = item.partition(":")
        pairs.append((float(read), float(reread or 0)))
    return pairs


def encoder_passes(docs: list, bars: list[tuple[float, float]], log=print) -> list[dict]:
    """For each pair of bars: the encoder's passes, events and CPU seconds of analysing `docs`."""
    from .. import pipeline

    from ..profile import timed_classifier

    passes = {"n": 0}
    encode = classifier_module.EventClassifier.encode

    def counted_encode(self, ids):
        passes["n"] += 1
        return encode(self, ids)

    classifier_module.EventClassifier.encode = counted_encode
    saved = gate.READ_BAR, gate.REREAD_BAR
    rows = []
    try:
        pipeline.analyse(docs[:1])  # the models, loaded outside the measurement
        with timed_classifier(time.process_time) as classifier:
            for read, reread in bars:
                gate.READ_BAR, gate.REREAD_BAR = read, reread
                passes["n"], classifier["seconds"] = 0, 0.0
                started, events = time.process_time(), 0
                for k in range(0, len(docs), pipeline.BATCH_SIZE):
                    events += sum(len(d.events) for d in pipeline.analyse(docs[k:k + pipeline.BATCH_SIZE]))
                rows.append({"read": read, "reread": reread, "documents": len(docs),
                             "passes": passes["n"], "events": events,
                             "cpu": time.process_time() - started, "classifier_cpu": classifier["seconds"]})
                log(f"  bars {read}:{reread}: {passes['n']} passes")
    finally:
        classifier_module.EventClassifier.encode = encode
        gate.READ_BAR, gate.REREAD_BAR = saved
    return rows


def evaluation_sets(bars: list[tuple[float, float]], sets=SETS) -> list[tuple[str, dict]]:
    """Each set's result per pair of bars; texts parsed once, each classifier answer asked once."""
    from ..evaluate import ablate, scoring, suite

    scoring.PARSE_CACHE = {}
    ablate._remember_predictions()
    saved = gate.READ_BAR, gate.REREAD_BAR
    rows = []
    try:
        for read, reread in bars:
            gate.READ_BAR, gate.REREAD_BAR = read, reread
            rows.append((f"bars {read}:{reread}", {name: suite.load(name).evaluate() for name in sets}))
    finally:
        gate.READ_BAR, gate.REREAD_BAR = saved
        scoring.PARSE_CACHE = None
    return rows


def main(argv: list[str] | None = None) -> int:
    from ..bench import load_corpus
    from ..clean import clean
    from ..evaluate.ablate import format_rows
    from ..ingest import read
    from ..record import Document

    ap = argparse.ArgumentParser(prog="python -m chronicle.scale.gate_bars", description=__doc__.split("\n\n")[0])
    ap.add_argument("--bars", default="0:0,0.05:0", help="READ:REREAD pairs, comma-separated")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--no-passes", action="store_true", help="only the evaluation sets")
    args = ap.parse_args(argv)
    bars = parse_bars(args.bars)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    if not args.no_passes:
        corpus = load_corpus()
        corpus.sample_paths = []
        with tempfile.TemporaryDirectory(prefix="chronicle-gate-") as tmp:
            docs = [clean(d) for d in read(corpus.write_inputs(Path(tmp))) if isinstance(d, Document)]
        rows = encoder_passes(docs, bars, log)
        print(f"{'bars':<12} {'passes':>7} {'events':>7} {'CPU s':>7} {'classifier CPU s':>17}")
        for r in rows:
            print(f"{r['read']}:{r['reread']:<8} {r['passes']:>7} {r['events']:>7} {r['cpu']:>7.1f} "
                  f"{r['classifier_cpu']:>17.1f}")
    print(format_rows(evaluation_sets(bars, [s.strip() for s in args.sets.split(",")])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
