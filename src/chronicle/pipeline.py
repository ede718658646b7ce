"""The pipeline: ingest → clean → nlp → extract → resolve → store.

`analyse(docs)` is the batch-first pure function that every execution engine calls (one process
today; a worker pool or Ray actors later run the same function on their share). The driver `run`
streams inputs, keeps the cross-document state (near-duplicate index, what is already stored),
and hands each finished document to a sink — the store, or stdout for `chronicle extract`.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .clean import Deduplicator, clean
from .ingest import read
from .extract import extract_events
from .extract.classifier import ClassifierMissingError
from .nlp import ModelMissingError, annotate_with_parses
from .record import Document, IngestError, text_id
from .workers import Budget, Pool, alarm_available, analyse_in_process

BATCH_SIZE = 32
# Documents spaCy parses at once inside a batch: at most PARSE_BATCH_SIZE of them and, past the
# first, at most PARSE_CHARS characters together. The parser's working arrays grow with the tokens
# parsed together: on the benchmark's articles a worker peaked ≈185 MB above its loaded models at
# 16 documents, ≈130 MB with 30,000 characters, ≈100 MB with 20,000 (session 11). 20,000 since
# session 16: on an Intel Xeon (AVX-512) the pool's peak tree RSS at 30,000 was 1.22 GB, over the
# 1.2 GB target, and 1.04 GB at 20,000, the parse's CPU seconds the same (13.6 s; docs/BENCHMARKS.md,
# "Session 16"). The documents are taken shortest first, so that each part holds texts of like
# length (the parser steps through the longest text of a part: mixed lengths waste steps), at no
# measurable parse time. The parses are the same whatever the parts.
PARSE_BATCH_SIZE = 16
PARSE_CHARS = 20_000
SETUP_ERRORS = (ModelMissingError, ClassifierMissingError)


def parse_parts(docs: list[Document]) -> Iterator[list[Document]]:
    part: list[Document] = []
    chars = 0
    for doc in sorted(docs, key=lambda d: len(d.text or "")):
        if part and (len(part) >= PARSE_BATCH_SIZE or chars + len(doc.text or "") > PARSE_CHARS):
            yield part
            part, chars = [], 0
        part.append(doc)
        chars += len(doc.text or "")
    if part:
        yield part


def analyse(docs: list[Document]) -> list[Document]:
    """nlp → extract over a batch of cleaned documents, in their order. The parse is handed from
    one stage to the next in memory, never recomputed."""
    parsed = {id(pair[0]): pair for part in parse_parts(docs)
              for pair in annotate_with_parses(part, batch_size=len(part))}
    return extract_events([parsed[id(doc)] for doc in docs])


@dataclass
class RunReport:
    read: int = 0
    written: int = 0
    unchanged: int = 0
    duplicates: int = 0
    repeated: int = 0  # the same input (same source, same text) met twice in one run
    errors: list[IngestError] = field(default_factory=list)
    by_format: Counter = field(default_factory=Counter)
    skipped: dict = field(default_factory=dict)
    seconds: float = 0.0
    # for progress: every input before this one (in reading order) is read, analysed and handed
    # to the sink; None until the first batch is through
    position: str | None = None

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def _batched(items: Iterable, n: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def _assign_id(doc: Document, caller_id: str, is_taken: Callable[[str], tuple | None]) -> None:
    """Keep the caller's id, else use the hash of the cleaned text. Two inputs with the same text
    (the same report saved twice) must stay two documents, so a clash with a document from
    another source gets an id salted with this source."""
    if caller_id:
        doc.id = caller_id
        return
    doc.id = text_id(doc.text)
    here = (doc.source.path, doc.source.url)
    other = is_taken(doc.id)
    if other is not None and other != here:
        doc.id = text_id(f"{doc.source.path}\n{doc.source.url}\n{doc.text}")


class Admission:
    """The cross-document state of one run, kept by its driver: which ids are taken and by which
    source, the near-duplicate index, and what the store already holds.

    Every engine passes each cleaned document through `assign_id` and `admit`, in input order —
    the local pool in `run`, the Ray engine when it loads coded shards (`chronicle.scale`) — so
    ids, duplicate flags and skips are the same whichever engine analysed the text. The analysis
    reads neither the flags nor the id except to name events `<doc id>-e<n>`."""

    def __init__(self, store=None, force: bool = False):
        self.store, self.force = store, force
        self.dedup = Deduplicator()
        self.seen_sources: dict[str, tuple] = {}
        self.stored = None
        if store is not None:  # stored texts are registered when a text may duplicate them
            from .dedup_index import StoredCandidates

            self.stored = StoredCandidates(store, self.dedup)

    def prepare(self, docs: list[tuple[Document, str]]) -> None:
        """Look up, for a batch of cleaned documents (with their callers' ids) about to be
        admitted, the stored documents they may duplicate: one query instead of one per text.
        Documents already stored under the id they will get are skipped (not `force`)."""
        if self.stored is None or self.stored.empty or not docs:
            return
        wanted = {(caller_id or text_id(doc.text)): doc.text for doc, caller_id in docs}
        if not self.force:
            for (doc_id,) in self.store.con.execute(
                    "SELECT id FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[]))",
                    [list(wanted)]).fetchall():
                wanted.pop(doc_id, None)
        self.stored.prepare(wanted.values())

    def is_taken(self, doc_id: str):
        if doc_id in self.seen_sources:
            return self.seen_sources[doc_id]
        return self.store.document_source(doc_id) if self.store is not None else None

    def assign_id(self, doc: Document, caller_id: str) -> None:
        _assign_id(doc, caller_id, self.is_taken)

    def admit(self, doc: Document) -> str:
        """'repeated' (the same input met before in this run), 'unchanged' (already stored, and
        not `force`), else 'new': registered, with ``flags.duplicate_of`` set when it copies an
        earlier document."""
        if doc.id in self.seen_sources:
            return "repeated"
        self.seen_sources[doc.id] = (doc.source.path, doc.source.url)
        if self.store is not None and not self.force and self.store.has_document(doc.id):
            return "unchanged"
        if self.stored is not None and not self.stored.is_prepared(doc.text):
            self.stored.prepare([doc.text])
        self.dedup.check(doc)
        return "new"

    def take(self, doc: Document, report) -> bool:
        """`admit`, counted in a run's report: whether the document is to be analysed."""
        verdict = self.admit(doc)
        if verdict == "repeated":  # the same input named twice in one run
            report.repeated += 1
            return False
        if verdict == "unchanged":
            report.unchanged += 1
            return False
        if doc.flags.duplicate_of:
            report.duplicates += 1
        return True


def analyse_safely(docs: list[Document]) -> tuple[list[Document], list[IngestError]]:
    """`analyse`, but a text that breaks the analysis costs only itself: on failure the batch is
    retried one document at a time. Setup errors (missing model) still stop everything."""
    try:
        return analyse(docs), []
    except SETUP_ERRORS:
        raise
    except Exception:
        done, errors = [], []
        for doc in docs:
            try:
                done.extend(analyse([doc]))
            except SETUP_ERRORS:
                raise
            except Exception as err:
                errors.append(IngestError(path=doc.source.path or "-", item=doc.source.url,
                                          reason=f"analysis failed: {err}"))
        return done, errors


def _worker_init() -> None:
    """Each worker process: one thread for the numeric libraries (the pool already uses every
    core), then the models, loaded once before the first batch arrives."""
    import os

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    from .extract import classifier as classifier_module
    from .nlp import load_pipeline

    load_pipeline()
    classifier_module.THREADS = 1
    classifier_module.classifier()


def _load_models() -> None:
    """The models the analysis needs, loaded in this process (cached: once per process)."""
    from .extract.classifier import classifier
    from .nlp import load_pipeline

    load_pipeline()
    classifier()


def _worker_start(parent: int) -> None:
    """A worker ends with its parent however the parent ends (SIGTERM, SIGKILL): on Linux the
    kernel sends it SIGTERM then (PR_SET_PDEATHSIG); a parent already gone is seen at once."""
    import ctypes
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)
    _worker_init()



# A run of one batch this small is analysed in this process: starting worker processes (each
# loads the models) would cost more than the analysis. It is held to the same CPU-time budget by
# a signal (`workers.analyse_in_process`; memory is bounded by the batch's size). Anything larger,
# any run of several batches, or a run outside the main thread goes to the workers, where each
# document is held to the whole budget.
IN_PROCESS_MAX_CHARS = 200_000


class _Engine:
    """Runs `analyse_safely` on batches, in this process or a pool of worker processes
    (`chronicle.workers`: each document under a `Budget`), and hands results back in submission
    order — so output is the same whatever the number of workers."""

    def __init__(self, workers: int, budget: Budget | None = None):
        self.workers = workers
        self.budget = budget or Budget()
        self.pool: Pool | None = None
        self.first: list[Document] | None = None  # held back until we know the run is not tiny

    def _start_pool(self) -> None:
        import functools
        import os

        # the workers end with this process however it ends (`_worker_start`)
        self.pool = Pool(self.workers, functools.partial(_worker_start, os.getpid()), self.budget,
                         fatal_errors=SETUP_ERRORS)

    def _submit(self, docs: list[Document]) -> None:
        # looked up at each call, so that `make bench` can wrap it (`bench.instrumented`)
        self.pool.submit(analyse_safely, docs)

    def submit(self, docs: list[Document]) -> Iterator[tuple[list[Document], list[IngestError]]]:
        """Queue a batch; yield the results that are ready to hand on, oldest first."""
        if self.pool is None:
            if self.first is None:
                # one batch is not worth starting processes for (a cold `chronicle extract` of a
                # single report would pay for loading the models in every worker)
                self.first = docs
                return
            self._start_pool()
            self._submit(self.first)
            self.first = None
        self._submit(docs)
        # bounded: memory stays flat on long runs
        yield from self.pool.results(keep=2 * self.workers)

    def drain(self) -> Iterator[tuple[list[Document], list[IngestError]]]:
        if self.first is not None:
            first, self.first = self.first, None
            if sum(len(d.text) for d in first) <= IN_PROCESS_MAX_CHARS and alarm_available():
                _load_models()  # once per process, before the alarm: not any document's cost
                yield analyse_in_process(analyse_safely, first, self.budget)
                return
            self._start_pool()
            self._submit(first)
        if self.pool is not None:
            yield from self.pool.results()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def run(paths: Iterable[str], sink: Callable[[Document], None], *, date: str | None = None,
        store=None, force: bool = False, on_error: Callable[[IngestError], None] | None = None,
        on_progress: Callable[[RunReport], None] | None = None, max_bytes: int = 10_000_000,
        batch_size: int = BATCH_SIZE, workers: int = 1, sink_batches: bool = False,
        items: Iterable[Document | IngestError] | None = None,
        admission: Admission | None = None,
        budget: Budget | None = None) -> RunReport:
    """Read, clean, analyse and hand every document to `sink`; report errors as they happen.

    Reading, cleaning and the cross-document state (duplicates, what is stored) stay in this
    process; the analysis of each batch runs on `workers` processes. With a `store`, documents
    already stored (same id and source) are skipped unless `force`, and the near-duplicate index
    is seeded from the stored documents. With `sink_batches`, `sink` is called once per analysed
    batch with its documents (a list, in input order) instead of once per document — so a store
    can write a batch in one transaction (`Store.write_documents`). `budget` is what analysing one
    document may cost in a worker (`chronicle.workers.Budget`; the default is generous).

    `items` replaces reading `paths` with documents (and errors) a caller has read itself — the
    watcher's fetched feeds. An `admission` kept by the caller carries the cross-document state
    over several runs, so a long-lived caller does not re-seed it from the store every time.
    """
    report = RunReport()
    started = time.perf_counter()
    if admission is None:
        admission = Admission(store, force)

    def fail(err: IngestError) -> None:
        report.errors.append(err)
        if on_error:
            on_error(err)

    marks: deque = deque()  # the reader's position when each batch in the engine was cut

    def deliver(results) -> None:
        for done, errors in results:
            report.position = marks.popleft()
            for err in errors:
                fail(err)
            if sink_batches:
                if done:
                    sink(done)
                    report.written += len(done)
            else:
                for doc in done:
                    sink(doc)
                    report.written += 1
            if on_progress:
                on_progress(report)

    stats: dict = {}
    engine = _Engine(workers, budget)
    try:
        if items is None:
            items = read(paths, date=date, max_bytes=max_bytes, stats=stats)
        position = None
        for batch in _batched(items, batch_size):
            ready: list[Document] = []
            cleaned: list[tuple[Document, str]] = []
            for item in batch:
                position = item.path if isinstance(item, IngestError) else item.source.path
                if isinstance(item, IngestError):
                    fail(item)
                    continue
                report.read += 1
                report.by_format[item.source.format] += 1
                try:
                    cleaned.append((clean(item), item.id))
                except Exception as err:  # one bad document must not stop the batch
                    fail(IngestError(path=item.source.path or item.source.url or "-",
                                     item=item.source.url, reason=f"cleaning failed: {err}"))
                    continue
                if on_progress and not report.read % 8:  # reading may be slow: show it moving
                    on_progress(report)
            admission.prepare(cleaned)  # the stored texts they may copy, in one look-up
            for doc, caller_id in cleaned:
                try:
                    admission.assign_id(doc, caller_id)
                except Exception as err:
                    fail(IngestError(path=doc.source.path or doc.source.url or "-",
                                     item=doc.source.url, reason=f"cleaning failed: {err}"))
                    continue
                if admission.take(doc, report):
                    ready.append(doc)
            if ready:
                marks.append(position)
                if on_progress:  # what is read shows before the batch is analysed
                    on_progress(report)
                deliver(engine.submit(ready))
            else:
                if marks:  # the skipped inputs are done when the batch before them is
                    marks[-1] = position
                else:
                    report.position = position
                if on_progress:
                    on_progress(report)
        deliver(engine.drain())
    finally:
        engine.close()
    report.skipped = stats.get("skipped", {})
    report.seconds = time.perf_counter() - started
    return report
