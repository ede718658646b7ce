"""Where Chronicle's time goes, below the stages `make bench` reports (issue #4).

`make profile` (= `python -m chronicle.profile`) on the benchmark corpus (`chronicle.bench`):

1. **spaCy, component by component**: the English texts are tokenised, then each component of
   Chronicle's pipeline runs over all of them in turn (`component.pipe`, batches of 32), timed on
   its own, in one process, median of `--repeat` runs; then the event classifier (tokeniser +
   ONNX encoder + head) over every candidate predicate those parses give. This is what one
   worker does, with the work split by component instead of interleaved.
2. **py-spy** (when installed: `make profile` installs it into the virtual environment): one
   `chronicle ingest` of the whole corpus with its worker processes, sampled 100 times a second
   (Python frames). Each sample goes to the category of the frame nearest the leaf that a
   category below names (model loading wins wherever it is on the stack). Samples of processes
   waiting (the main process while workers parse) are not taken, so the shares are of CPU spent.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

# (category, markers): the first category with a marker in a sample's stack takes the sample.
CATEGORIES = [
    ("imports, model loading", ("load_pipeline", "_worker_init", "spacy.load", "util.py:load_model",
                                 "EventClassifier.__init__", "_find_and_load", "gazetteer(")),
    ("event classifier (onnxruntime)", ("onnxruntime",)),
    ("event classifier (tokenizer, head)", ("chronicle/extract/classifier.py",)),
    # Without native frames the components cannot be told apart reliably (spaCy's Cython loops
    # leave no Python frame), so spaCy is one category here; part 1 splits it by component.
    ("spaCy pipeline (all components)", ("spacy/", "thinc/", "FastAttributeRuler",
                                         "_line_breaks_end_sentences", "blis")),
    ("store (DuckDB)", ("chronicle/store.py", "duckdb")),
    ("cross-document resolution", ("chronicle/resolve.py",)),
    ("read (format readers)", ("chronicle/ingest", "trafilatura", "warcio", "feedparser")),
    ("clean", ("chronicle/clean.py",)),
    ("near-duplicates (MinHash)", ("datasketch", "Deduplicator")),
    ("language identification", ("langid", "py3langid")),
    ("dates", ("chronicle/dates.py", "dateparser")),
    ("places", ("chronicle/places.py",)),
    ("actors", ("chronicle/actors.py",)),
    ("roles, candidates, events", ("chronicle/extract",)),
    ("entities, quantities, quotes", ("chronicle/nlp.py",)),
    ("passing documents between processes", ("pickle", "multiprocessing", "concurrent/futures")),
    ("Chronicle, other", ("chronicle/",)),
]


def component_times(texts: list[str], repeat: int = 3, log=print) -> dict:
    """Seconds per spaCy component and for the classifier, medians over `repeat` runs."""
    from .extract.candidates import candidates
    from .nlp import load_pipeline

    nlp = load_pipeline()
    runs: dict[str, list[float]] = {}
    items: list[tuple[str, int, int]] = []
    for rep in range(repeat):
        started = time.perf_counter()
        docs = [nlp.make_doc(text) for text in texts]
        runs.setdefault("tokenizer", []).append(time.perf_counter() - started)
        for name, proc in nlp.pipeline:
            started = time.perf_counter()
            if hasattr(proc, "pipe"):
                docs = list(proc.pipe(docs, batch_size=32))
            else:
                docs = [proc(doc) for doc in docs]
            runs.setdefault(name, []).append(time.perf_counter() - started)
        if rep == 0:
            for doc in docs:
                for sent in doc.sents:
                    for tok in candidates(sent):
                        start = tok.idx - sent.start_char
                        items.append((sent.text, start, start + len(tok.text)))
        log(f"  spaCy components, run {rep + 1}/{repeat}: "
            f"{sum(v[-1] for v in runs.values()):.1f} s")
    # The classifier as the extract stage calls it: candidates, then the second readings it asks
    # again (the candidates alone left out ~12% of its time), every call timed.
    calls = {}
    for rep in range(repeat):
        calls = classifier_calls(texts)
        runs.setdefault("event classifier", []).append(calls["seconds"])
    return {"seconds": {name: statistics.median(v) for name, v in runs.items()},
            "candidates": len(items), "classifier_inputs": calls.get("inputs", 0),
            "classifier_calls": calls.get("calls", 0),
            "words": sum(len(t.split()) for t in texts), "texts": len(texts)}


@contextmanager
def timed_classifier(clock=time.perf_counter):
    """Within the block, the seconds (by `clock`), calls and inputs of every
    `EventClassifier.predict` call, added up in the dict it yields."""
    from .extract.classifier import EventClassifier

    totals = {"seconds": 0.0, "calls": 0, "inputs": 0}
    original = EventClassifier.predict

    def timed(self, items):
        started = clock()
        try:
            return original(self, items)
        finally:
            totals["seconds"] += clock() - started
            totals["calls"] += 1
            totals["inputs"] += len(items)

    EventClassifier.predict = timed
    try:
        yield totals
    finally:
        EventClassifier.predict = original


def classifier_calls(texts: list[str]) -> dict:
    """Seconds, calls and inputs of every `EventClassifier.predict` call that analysing `texts`
    makes (`pipeline.analyse`: candidates and second readings), on one thread as in a worker."""
    from .extract import classifier as classifier_module
    from .pipeline import analyse
    from .record import Document

    threads, classifier_module.THREADS = classifier_module.THREADS, 1
    try:
        with timed_classifier() as totals:
            analyse([Document(id=f"p{n}", text=text, language="en") for n, text in enumerate(texts)])
    finally:
        classifier_module.THREADS = threads
    return totals


def _category(frames: list[str]) -> str:
    """Loading anywhere on the stack makes a sample loading; otherwise the frame nearest the leaf
    that any category knows decides. (Not the first marker anywhere: spaCy chains its components
    as generators, so a sample inside the parser has the later components' frames above it.)"""
    loading = CATEGORIES[0]
    if any(m in frame for frame in frames for m in loading[1]):
        return loading[0]
    for frame in reversed(frames):
        for name, markers in CATEGORIES[1:]:
            if any(m in frame for m in markers):
                return name
    return "other (interpreter, libraries)"


def summarise_raw(raw: Path) -> tuple[Counter, int]:
    """Samples per category from py-spy's raw (collapsed stack) output."""
    counts: Counter = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        counts[_category(stack.split(";"))] += int(n)
    return counts, total


def py_spy(paths: list[str], workdir: Path, log=print) -> tuple[Counter, int] | None:
    exe = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if exe is None:
        log("py-spy is not installed (`make profile` installs it): skipping the sampled profile")
        return None
    raw = workdir / "profile.raw"
    # no --native: py-spy's native unwinding crashed (SIGSEGV) on the full corpus here; the
    # Python frames (thinc's layers, spaCy's pipes) are enough to tell the components apart
    cmd = [exe, "record", "--subprocesses", "--rate", "100", "--format", "raw",
           "-o", str(raw), "--", sys.executable, "-m", "chronicle.cli", "ingest", *paths,
           "--db", str(workdir / "profile.duckdb")]
    log("  sampling `chronicle ingest` with py-spy …")
    done = subprocess.run(cmd, capture_output=True, text=True)
    # `chronicle ingest` exits 1 when some inputs could not be read (the samples hold a cut WARC)
    if done.returncode not in (0, 1) or not raw.exists():
        log(f"py-spy failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
        return None
    return summarise_raw(raw)


def format_report(components: dict, sampled: tuple[Counter, int] | None) -> str:
    lines = [f"spaCy components and the event classifier, one process, medians "
             f"({components['texts']} English texts, {components['words']:,} words, "
             f"{components['candidates']:,} candidates; the classifier row is every call extract "
             f"makes: {components.get('classifier_inputs', 0):,} inputs with the second readings, "
             f"{components.get('classifier_calls', 0):,} calls):"]
    secs = components["seconds"]
    total = sum(secs.values())
    for name, value in sorted(secs.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:<40} {value:7.2f} s  {value / total:6.1%}")
    lines.append(f"  {'total':<40} {total:7.2f} s")
    if sampled is not None:
        counts, n = sampled
        lines.append("")
        lines.append(f"py-spy, `chronicle ingest` of the corpus with its workers ({n:,} samples of "
                     "CPU at 100/s, all processes):")
        for name, value in counts.most_common():
            lines.append(f"  {name:<66} {value / n:6.1%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from .bench import load_corpus
    from .clean import clean
    from .ingest import read
    from .record import Document

    ap = argparse.ArgumentParser(prog="python -m chronicle.profile", description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, help="the shared/ folder (default: beside the repository)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-py-spy", action="store_true", help="only the component timings")
    args = ap.parse_args(argv)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    try:
        corpus = load_corpus(args.shared)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="chronicle-profile-") as tmp:
        paths = corpus.write_inputs(Path(tmp))
        docs = [clean(doc) for doc in read(paths) if isinstance(doc, Document)]
        texts = [d.text for d in docs if d.text and d.language == "en"]
        log(f"{len(texts)} English texts")
        components = component_times(texts, args.repeat, log)
        sampled = None if args.no_py_spy else py_spy(paths, Path(tmp), log)
    print(format_report(components, sampled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
