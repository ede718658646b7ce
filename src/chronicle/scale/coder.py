"""Code one shard: read → clean → analyse, written as one Parquet file (see `parquet`).

This is what a Ray worker runs (`ray_engine.ShardCoder`), and it has no Ray in it: the same
function codes a shard in a test or a notebook. It does the per-document half of
`pipeline.run` — read, clean, then the pipeline's own batch function `analyse_safely`, each
document held to the CPU-time budget of a local run (`workers.analyse_in_process`) — and leaves
the cross-document half (final ids, near-duplicates, skipping what is stored) to the driver that
loads the shards in input order (`load`). Each document gets a provisional id here (the caller's
id or the hash of its cleaned text, as `pipeline._assign_id` gives it when nothing clashes), so
its events are named `<id>-e<n>`; the driver renames them in the rare case the id must be salted.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field

from ..clean import release_language_model
from ..record import Document, IngestError, to_json
from ..workers import Budget, alarm_available, analyse_in_process
from .parquet import ShardFolder, system_memory_pool
from .shards import Shard, read_shard


@dataclass(frozen=True)
class CodingOptions:
    date: str | None = None
    max_bytes: int = 10_000_000
    batch_size: int = 32
    budget: Budget = field(default_factory=Budget)  # what analysing one document may cost


def _error_json(err: IngestError) -> bytes:
    import msgspec

    return msgspec.json.encode(err)


def _row(kind: str, *, caller_id: str = "", doc: Document | None = None,
         error: IngestError | None = None, fmt: str | None = None) -> dict:
    return {"kind": kind, "caller_id": caller_id, "doc_id": doc.id if doc else None,
            "format": doc.source.format if doc else fmt,
            "source_path": doc.source.path if doc else (error.path if error else None),
            "source_url": doc.source.url if doc else None,  # an error's `item` stays in `error`
            "record": to_json(doc) if doc is not None else None,
            "error": _error_json(error) if error is not None else None}


def _return_freed_memory() -> None:
    """Give the memory the batch's parse freed back to the system (glibc's `malloc_trim`): malloc
    keeps it otherwise, and the next shard's cleaning maps the language model back in on top of
    it — a worker's peak, not its parse's (docs/BENCHMARKS.md, session 15). Elsewhere: nothing."""
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


@system_memory_pool
def code_shard(shard: Shard, folder: ShardFolder, options: CodingOptions,
               die_midway: bool = False) -> dict:
    """Code `shard` into `folder`; returns a summary. Raises on what stops the whole shard (an
    input that changed since planning, a missing model); the temporary file is then removed.

    `die_midway` is the test hook for a lost worker: the process exits, without cleaning up,
    after the first batch has gone into the temporary file."""
    from ..pipeline import _assign_id, analyse_safely, clean  # the local pipeline's own functions

    started = time.perf_counter()
    stats: dict = {}
    counts = {"documents": 0, "errors": 0}
    rows: list[dict] = []  # in input order; a document waiting for analysis holds its slot
    waiting: list[tuple[int, Document, str]] = []

    def analyse_waiting() -> None:
        # the shard's texts are cleaned: the language model's pages leave this process for the
        # parse (a local pool's worker never holds them; docs/BENCHMARKS.md, session 15)
        release_language_model()
        docs = [doc for _, doc, _ in waiting]
        if alarm_available():  # each document held to its CPU-time budget, as in a local worker
            done, errors = analyse_in_process(analyse_safely, docs, options.budget)
        else:
            done, errors = analyse_safely(docs)
        analysed = {id(doc) for doc in done}  # analysed in place, in this process
        failures = iter(errors)
        for slot, doc, caller_id in waiting:
            if id(doc) in analysed:
                rows[slot] = _row("document", caller_id=caller_id, doc=doc)
                counts["documents"] += 1
            else:
                err = next(failures, None) or IngestError(
                    path=doc.source.path or "-", item=doc.source.url, reason="analysis failed")
                rows[slot] = _row("analysis_failed", caller_id=caller_id, doc=doc, error=err)
                counts["errors"] += 1
        waiting.clear()
        del docs, done, errors
        _return_freed_memory()

    folder.remove_temporaries(shard.id)
    with folder.writer(shard.id) as writer:
        for item in read_shard(shard, date=options.date, max_bytes=options.max_bytes, stats=stats):
            if isinstance(item, IngestError):
                rows.append(_row("read_error", error=item))
                counts["errors"] += 1
                continue
            caller_id = item.id
            try:
                doc = clean(item)
                _assign_id(doc, caller_id, lambda _id: None)  # clashes are the driver's to salt
            except Exception as err:  # one bad document must not stop the shard (as in `run`)
                rows.append(_row("clean_failed", fmt=item.source.format, error=IngestError(
                    path=item.source.path or item.source.url or "-", item=item.source.url,
                    reason=f"cleaning failed: {err}")))
                counts["errors"] += 1
                continue
            rows.append({})  # the slot; filled once its batch is analysed
            waiting.append((len(rows) - 1, doc, caller_id))
            if len(waiting) >= options.batch_size:
                analyse_waiting()
                writer.write(rows)
                rows = []
                if die_midway:
                    writer.flush()
                    os._exit(1)  # test hook: a worker lost mid-shard, its temporary file half written
        if waiting:
            analyse_waiting()
        writer.write(rows)
        if die_midway:
            writer.flush()
            os._exit(1)
        seconds = time.perf_counter() - started
        summary = {"shard": shard.id, "label": shard.label, "rows": writer.rows, **counts,
                   "seconds": seconds, "node": socket.gethostname(), "pid": os.getpid()}
        skipped = dict(stats.get("skipped", {}))
        writer.commit({"id": shard.id, "label": shard.label, "skipped": skipped, **summary})
    return {**summary, "skipped": skipped}
