"""Load coded shards into the store on the driver, in input order, as a local run would write them.

Workers code documents in isolation; what depends on the other documents of the run is decided
here, by the pipeline's own `Admission` (final ids salted on a clash with another source, the
same input met twice, what the store already holds, near-duplicate flags), for each row in input
order. A document whose id had to be salted has its events renamed (`<id>-e<n>`), the only place
the analysis uses the id. Rows are decoded one row group at a time, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from ..pipeline import Admission, RunReport
from ..record import Document, IngestError, from_json
from .parquet import ShardFile


def rename_document(doc: Document, new_id: str) -> None:
    """Give `doc` the id `new_id`, and its events the names that go with it."""
    prefix = f"{doc.id}-e"
    for event in doc.events:
        if event.id.startswith(prefix):
            event.id = f"{new_id}-e{event.id[len(prefix):]}"
    doc.id = new_id


def load_shard(shard: ShardFile, admission: Admission, report: RunReport, sink: Callable,
               fail: Callable[[IngestError], None], batches: bool = False,
               batch_size: int = 256) -> int:
    """Replay one coded shard: every row through the run's admission, new documents to `sink` —
    one at a time, or with `batches` as lists of up to `batch_size` in input order (so that the
    store writes each list in one transaction, `Store.write_documents`). Returns the number of
    documents written."""
    written = 0
    pending: list[Document] = []

    def flush() -> None:
        if pending:
            sink(list(pending))
            pending.clear()
    for reason, n in shard.meta.get("skipped", {}).items():
        report.skipped[reason] = report.skipped.get(reason, 0) + n
    for row in shard.rows():
        kind = row["kind"]
        error = msgspec.json.decode(row["error"], type=IngestError) if row["error"] else None
        if kind == "read_error":
            fail(error)
            continue
        report.read += 1
        report.by_format[row["format"]] += 1
        if kind == "clean_failed":
            fail(error)
            continue
        doc = from_json(row["record"])
        provisional = doc.id
        admission.assign_id(doc, row["caller_id"] or "")
        if not admission.take(doc, report):
            continue
        if kind == "analysis_failed":
            fail(error)
            continue
        if doc.id != provisional:
            new_id, doc.id = doc.id, provisional
            rename_document(doc, new_id)
        if batches:
            pending.append(doc)
            if len(pending) >= batch_size:
                flush()
        else:
            sink(doc)
        report.written += 1
        written += 1
    flush()
    return written
