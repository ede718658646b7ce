"""What the reading bars (`extract/gate.py`: READ_BAR, REREAD_BAR; `extract/reading.py`:
SURE_NO_EVENT) save and cost.

`python -m chronicle.scale.gate_bars --bars 0:0,0.05:0,0.05:1,0:0:0.9` runs, for each
READ:REREAD[:SURE] triple (the first two fractions of the shipped gate's own threshold, the third
a probability of no event, 1 when left out), the analysis of the benchmark corpus's article texts
in this process, counting the classifier's inputs (first readings and second), the encoder's
passes and the classifier's CPU seconds; then every evaluation set that reads events, each set's
headline beside the first triple's. Re-run it after a
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
reading = importlib.import_module("chronicle.extract.reading")
classifier_module = importlib.import_module("chronicle.extract.classifier")

SETS = ("plover-gsr", "wikievents", "plv", "police")


def parse_bars(text: str) -> list[tuple[float, float, float]]:
    triples = []
    for item in text.split(","):
        read, reread, sure = (item.split(":") + ["", ""])[:3]
        triples.append((float(read), float(reread or 0), float(sure or 1)))
    return triples


class _Bars:
    """Within the block, the extractor reads with `bars` (READ, REREAD, SURE)."""

    def __init__(self, bars: tuple[float, float, float]):
        self.bars = bars

    def __enter__(self):
        self.saved = gate.READ_BAR, gate.REREAD_BAR, reading.SURE_NO_EVENT
        gate.READ_BAR, gate.REREAD_BAR, reading.SURE_NO_EVENT = self.bars

    def __exit__(self, *exc):
        gate.READ_BAR, gate.REREAD_BAR, reading.SURE_NO_EVENT = self.saved


def _label(bars: tuple[float, float, float]) -> str:
    return ":".join(f"{b:g}" for b in (bars if bars[2] < 1 else bars[:2]))


def encoder_passes(docs: list, bars: list[tuple[float, float, float]], log=print) -> list[dict]:
    """For each triple of bars: the classifier's inputs (and how many are second readings), the
    encoder's passes, events and CPU seconds of analysing `docs`."""
    from .. import pipeline

    from ..profile import timed_classifier

    passes = {"n": 0}
    encode = classifier_module.EventClassifier.encode
    second_reading = reading.second_reading

    def counted_encode(self, ids):
        passes["n"] += 1
        return encode(self, ids)

    def counted_second_reading(model, predictions, work):
        before = classifier["inputs"]
        try:
            return second_reading(model, predictions, work)
        finally:
            classifier["second"] += classifier["inputs"] - before

    classifier_module.EventClassifier.encode = counted_encode
    reading.second_reading = counted_second_reading
    rows = []
    classifier = {"inputs": 0, "second": 0}  # the warm-up's; the block below counts its own
    try:
        pipeline.analyse(docs[:1])  # the models, loaded outside the measurement
        with timed_classifier(time.process_time) as classifier:
            for triple in bars:
                with _Bars(triple):
                    passes["n"] = classifier["inputs"] = classifier["second"] = 0
                    classifier["seconds"] = 0.0
                    started, events = time.process_time(), 0
                    for k in range(0, len(docs), pipeline.BATCH_SIZE):
                        batch = docs[k:k + pipeline.BATCH_SIZE]
                        events += sum(len(d.events) for d in pipeline.analyse(batch))
                rows.append({"bars": _label(triple), "documents": len(docs), "inputs": classifier["inputs"],
                             "second": classifier["second"], "passes": passes["n"], "events": events,
                             "cpu": time.process_time() - started, "classifier_cpu": classifier["seconds"]})
                log(f"  bars {_label(triple)}: {classifier['inputs']} inputs, {passes['n']} passes")
    finally:
        classifier_module.EventClassifier.encode = encode
        reading.second_reading = second_reading
    return rows


def evaluation_sets(bars: list[tuple[float, float, float]], sets=SETS) -> list[tuple[str, dict]]:
    """Each set's result per triple of bars; texts parsed once, each classifier answer asked once."""
    from ..evaluate import ablate, scoring, suite

    scoring.PARSE_CACHE = {}
    ablate._remember_predictions()
    rows = []
    try:
        for triple in bars:
            with _Bars(triple):
                rows.append((f"bars {_label(triple)}", {name: suite.load(name).evaluate() for name in sets}))
    finally:
        scoring.PARSE_CACHE = None
    return rows


def main(argv: list[str] | None = None) -> int:
    from ..bench import load_corpus
    from ..clean import clean
    from ..evaluate.ablate import format_rows
    from ..ingest import read
    from ..record import Document

    ap = argparse.ArgumentParser(prog="python -m chronicle.scale.gate_bars", description=__doc__.split("\n\n")[0])
    ap.add_argument("--bars", default="0:0,0.05:0", help="READ:REREAD[:SURE] triples, comma-separated")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--no-passes", action="store_true", help="only the evaluation sets")
    ap.add_argument("--samples", action="store_true",
                    help="read the sample files too, as `make bench` does (its classifier inputs)")
    args = ap.parse_args(argv)
    bars = parse_bars(args.bars)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    if not args.no_passes:
        corpus = load_corpus()
        if not args.samples:
            corpus.sample_paths = []
        with tempfile.TemporaryDirectory(prefix="chronicle-gate-") as tmp:
            docs = [clean(d) for d in read(corpus.write_inputs(Path(tmp))) if isinstance(d, Document)]
        rows = encoder_passes(docs, bars, log)
        print(f"{'bars':<14} {'inputs':>7} {'second':>7} {'passes':>7} {'events':>7} {'CPU s':>7} "
              f"{'classifier CPU s':>17}")
        for r in rows:
            print(f"{r['bars']:<14} {r['inputs']:>7} {r['second']:>7} {r['passes']:>7} {r['events']:>7} "
                  f"{r['cpu']:>7.1f} {r['classifier_cpu']:>17.1f}")
    print(format_rows(evaluation_sets(bars, [s.strip() for s in args.sets.split(",")])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
