"""The `store` stage: one DuckDB file holding documents, entities, events, quotes, quantities and
ingest errors.

Tables mirror the record (`record.py`): scalar fields become columns, nested objects (actors, places,
flags) are kept as JSON text so the record round-trips exactly. Documents are written a batch at a
time (`write_documents`), each batch in its own transaction, so an interrupted run keeps every
batch already written, and writing a document whose id is already stored replaces it — ingesting
the same input twice leaves the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import msgspec

from .record import (Document, Entity, Event, Evidence, Flags, IngestError, Quantity, Quote,
                     ReferenceDate, Source)

SCHEMA_VERSION = 1

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS documents (
        id VARCHAR PRIMARY KEY,
        source_path VARCHAR, source_url VARCHAR, source_format VARCHAR,
        title VARCHAR, author VARCHAR, site VARCHAR, published VARCHAR, reference_date JSON, language VARCHAR,
        text VARCHAR, flags JSON,
        truncated BOOLEAN, read_fraction DOUBLE, machine_translated BOOLEAN,
        translated_from VARCHAR, duplicate_of VARCHAR,
        errors JSON, ingested_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS entities (
        doc_id VARCHAR, n INTEGER, text VARCHAR, label VARCHAR, start_char INTEGER,
        end_char INTEGER, actor JSON, place JSON, PRIMARY KEY (doc_id, n))""",
    """CREATE TABLE IF NOT EXISTS events (
        id VARCHAR PRIMARY KEY, doc_id VARCHAR, type VARCHAR, mode VARCHAR, cameo VARCHAR,
        source JSON, target JSON, source_country VARCHAR, target_country VARCHAR,
        date VARCHAR, date_precision VARCHAR, location JSON, location_name VARCHAR,
        lat DOUBLE, lon DOUBLE, quantity JSON, modality VARCHAR, confidence DOUBLE,
        evidence_text VARCHAR, evidence_start INTEGER, evidence_end INTEGER,
        mention_of VARCHAR)""",
    # stores made before events kept their retellings (Event.mention_of) gain the column
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS mention_of VARCHAR",
    """CREATE TABLE IF NOT EXISTS quotes (
        doc_id VARCHAR, n INTEGER, text VARCHAR, start_char INTEGER, end_char INTEGER,
        speaker JSON, PRIMARY KEY (doc_id, n))""",
    """CREATE TABLE IF NOT EXISTS quantities (
        doc_id VARCHAR, n INTEGER, value DOUBLE, approx VARCHAR, unit VARCHAR, what VARCHAR,
        start_char INTEGER, end_char INTEGER, PRIMARY KEY (doc_id, n))""",
    # Cross-document events (`resolve.py`): every stored event belongs to exactly one cluster; a
    # cluster shows the fields of its representative event plus how many reports carry it.
    """CREATE TABLE IF NOT EXISTS clusters (
        id VARCHAR PRIMARY KEY, type VARCHAR, mode VARCHAR, cameo VARCHAR,
        source JSON, target JSON, source_country VARCHAR, target_country VARCHAR,
        date VARCHAR, date_precision VARCHAR, location JSON, location_name VARCHAR,
        lat DOUBLE, lon DOUBLE, quantity JSON, modality VARCHAR, confidence DOUBLE,
        num_sources INTEGER, num_articles INTEGER, first_report VARCHAR, last_report VARCHAR,
        representative VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS cluster_members (
        event_id VARCHAR PRIMARY KEY, cluster_id VARCHAR, doc_id VARCHAR, reason VARCHAR)""",
    # the page's unfiltered views computed after each resolve (`query.refresh_summaries`), valid
    # while meta's `generation` (changed by every write) is the one they were computed at
    """CREATE TABLE IF NOT EXISTS summaries (name VARCHAR PRIMARY KEY, generation VARCHAR, value VARCHAR)""",
    # the near-duplicate index's keys of each stored text (`dedup_index.py`)
    """CREATE TABLE IF NOT EXISTS near_duplicate_keys (key INTEGER, doc_id VARCHAR)""",
    # resolve's own copy of what it compares per event (`resolve.py`): the event's keys, its
    # report's date, outlet and near-duplicate family, and its cluster — one table read by type and
    # date, instead of events joined with documents and cluster_members (scans of both at 10^6)
    """CREATE TABLE IF NOT EXISTS resolve_events (
        event_id VARCHAR, doc_id VARCHAR, type VARCHAR, date VARCHAR, date_precision VARCHAR,
        modality VARCHAR, confidence DOUBLE, source_key VARCHAR, target_key VARCHAR,
        located BOOLEAN, location_name VARCHAR, location_feature VARCHAR, location_country VARCHAR,
        lat DOUBLE, lon DOUBLE, sentence BIGINT, quantity VARCHAR, published VARCHAR,
        outlet VARCHAR, family VARCHAR, cluster_id VARCHAR, reason VARCHAR)""",
    # what makes the page's filters fast on a large store (`filter_index.py`): the clusters with an
    # integer key, their place's country and their actors as text; the words of their sentences
    # and their pairs of neighbouring words, with the clusters holding each
    """CREATE TABLE IF NOT EXISTS cluster_index (
        k INTEGER, id VARCHAR, type VARCHAR, mode VARCHAR, cameo VARCHAR,
        source JSON, target JSON, source_country VARCHAR, target_country VARCHAR,
        date VARCHAR, date_precision VARCHAR, location JSON, location_name VARCHAR,
        lat DOUBLE, lon DOUBLE, quantity JSON, modality VARCHAR, confidence DOUBLE,
        num_sources INTEGER, num_articles INTEGER, first_report VARCHAR, last_report VARCHAR,
        representative VARCHAR, location_country VARCHAR, location_feature VARCHAR,
        actors VARCHAR, sectors VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS search_words (id INTEGER, term VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS cluster_words (term INTEGER, k INTEGER)""",
    """CREATE TABLE IF NOT EXISTS search_pairs (id INTEGER, term VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS cluster_pairs (term INTEGER, k INTEGER)""",
    # documents written since the last resolve (`write_documents` adds them, `resolve_store` takes
    # them): what an incremental resolve must visit, even after a run stopped before resolving
    """CREATE TABLE IF NOT EXISTS unresolved_documents (id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS ingest_errors (
        path VARCHAR, item VARCHAR, reason VARCHAR, first_seen TIMESTAMP, last_seen TIMESTAMP,
        PRIMARY KEY (path, item, reason))""",
]
CHILD_TABLES = ("entities", "events", "quotes", "quantities")
# Free blocks above this share of the file make `chronicle ingest` compact it: a third was free
# after a first ingest (issue 18); an ingest that adds little to a large store frees little.
COMPACT_ABOVE = 0.25
COMPACT_MIN_FREE_BYTES = 8 << 20  # a small file is not worth rewriting on every ingest


class StoreError(RuntimeError):
    """The database file cannot be opened or is not a Chronicle store."""


def _json(obj) -> str | None:
    return None if obj is None else msgspec.json.encode(obj).decode()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    """A Chronicle database. `Store(path)` creates the file and tables when needed."""

    def __init__(self, path: str | Path, read_only: bool = False):
        import duckdb  # imported here so `chronicle extract` never pays for it

        self.path = str(path)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as err:
            raise StoreError(f"cannot open database {self.path}: {err}") from err
        if not read_only:
            for ddl in _DDL:
                self.con.execute(ddl)
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                             [str(SCHEMA_VERSION)])
            # a store without events has nothing resolve must copy: its `resolve_events` is
            # complete (a store of an earlier version with events gets it from a full resolve)
            self.con.execute("""INSERT INTO meta SELECT 'resolve_events', '1'
                                WHERE NOT EXISTS (SELECT 1 FROM events)
                                AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'resolve_events')""")
        self._types: dict[str, list[str]] = {}

    def close(self) -> None:
        self.con.close()

    # --- compaction --------------------------------------------------------------------------

    def free_blocks(self) -> tuple[int, int]:
        """(free bytes, file bytes) of the blocks DuckDB holds free: deleted or rewritten rows
        leave them behind; a later write reuses them, but the file never shrinks by itself."""
        self.con.execute("CHECKPOINT")
        _, _, block, total, _, free, *_ = self.con.execute("PRAGMA database_size").fetchone()
        return free * block, total * block

    def free_fraction(self) -> float:
        free, total = self.free_blocks()
        return free / total if total else 0.0

    def compact(self) -> None:
        """Rewrite the file without its free blocks: every table copied into a new file (with its
        keys), which then replaces this one. Readers that open the file after see the new one."""
        import os

        import duckdb

        target = Path(self.path + ".compacting")
        target.unlink(missing_ok=True)
        name = self.con.execute("SELECT current_database()").fetchone()[0]
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"ATTACH {sql_literal(target)} AS chronicle_compacted")
        try:
            self.con.execute(f'COPY FROM DATABASE "{name}" TO chronicle_compacted')
        finally:
            self.con.execute("DETACH chronicle_compacted")
        self.con.close()
        os.replace(target, self.path)
        self.con = duckdb.connect(self.path)
        self._types.clear()

    def compact_if_sparse(self, threshold: float = COMPACT_ABOVE,
                          min_free_bytes: int = COMPACT_MIN_FREE_BYTES) -> bool:
        """`compact` when free blocks are more than `threshold` of the file and at least
        `min_free_bytes` (after a large ingest or a re-ingest); whether it did."""
        free, total = self.free_blocks()
        if not total or free / total <= threshold or free < min_free_bytes:
            return False
        self.compact()
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- writing -----------------------------------------------------------------------------

    def write_document(self, doc: Document) -> None:
        """Insert or replace one document and all its parts, atomically."""
        self.write_documents([doc])

    def write_documents(self, docs: Iterable[Document]) -> None:
        """Insert or replace a batch of documents and all their parts in one transaction: after it
        the store holds every document of the batch or, if anything failed (or the run was
        interrupted), none of them and the previous versions intact. A document given twice
        counts once, its last version, as writing them one after the other would leave it.

        Few statements whatever the batch size: per table one DELETE of the batch's ids and one
        INSERT whose columns are passed as lists and unnested by DuckDB. (Per-row `executemany`
        and one transaction per document cost ~25 ms a document, most of a run's store time.)"""
        batch = list({doc.id: doc for doc in docs}.values())
        if not batch:
            return
        rows: dict[str, list[tuple]] = {table: [] for table in ("documents",) + CHILD_TABLES}
        now = _now()
        for doc in batch:
            _add_rows(rows, doc, now)
        ids = [doc.id for doc in batch]
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for table in CHILD_TABLES:
                con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            con.execute("DELETE FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            new_generation(con)
            con.execute("INSERT INTO unresolved_documents SELECT unnest(?::VARCHAR[])", [ids])
            for table, table_rows in rows.items():
                if table_rows:
                    columns = ", ".join(f"unnest(?::{sql_type}[])" for sql_type in self._column_types(table))
                    con.execute(f"INSERT INTO {table} SELECT {columns}", [list(c) for c in zip(*table_rows)])
            con.execute("COMMIT")
        except BaseException:  # KeyboardInterrupt too: never leave the transaction open
            con.execute("ROLLBACK")
            raise

    def _mention_column(self) -> str:
        """`mention_of`, or NULL in a store written before events kept their retellings and
        opened read-only (so not migrated)."""
        return "mention_of" if len(self._column_types("events")) > 21 else "NULL"

    def _column_types(self, table: str) -> list[str]:
        """The SQL types of `table`'s columns, in order (read once from the catalog)."""
        types = self._types.get(table)
        if types is None:
            types = self._types[table] = [t for (t,) in self.con.execute(
                "SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
                "ORDER BY column_index", [table]).fetchall()]
        return types

    def write_error(self, err: IngestError) -> None:
        now = _now()
        self.con.execute(
            """INSERT INTO ingest_errors VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (path, item, reason) DO UPDATE SET last_seen = excluded.last_seen""",
            [err.path, err.item or "", err.reason, now, now])

    # --- reading -----------------------------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        return self.con.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone() is not None

    def document_source(self, doc_id: str) -> tuple[str | None, str | None] | None:
        row = self.con.execute("SELECT source_path, source_url FROM documents WHERE id = ?",
                               [doc_id]).fetchone()
        return None if row is None else (row[0], row[1])

    def iter_texts(self) -> Iterator[tuple[str, str, str | None]]:
        """(id, text, duplicate_of) of every stored document, for seeding the near-duplicate index."""
        cur = self.con.execute("SELECT id, text, duplicate_of FROM documents ORDER BY id")
        while rows := cur.fetchmany(1000):
            yield from rows

    def counts(self) -> dict[str, int]:
        tables = ("documents",) + CHILD_TABLES + ("clusters", "ingest_errors")
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def query(self, sql: str, params: Iterable = ()) -> tuple[list[str], list[tuple]]:
        cur = self.con.execute(sql, list(params))
        cols = [d[0] for d in cur.description]
        return cols, cur.fetchall()

    def get_document(self, doc_id: str) -> Document | None:
        """Rebuild the full record of one stored document."""
        row = self.con.execute(
            """SELECT id, source_path, source_url, source_format, title, author, site, published,
                      reference_date, language, text, flags, errors
               FROM documents WHERE id = ?""", [doc_id]).fetchone()
        if row is None:
            return None
        (did, path, url, fmt, title, author, site, published, ref, language, text, flags,
         errors) = row
        doc = Document(
            id=did, text=text, source=Source(path=path, url=url, format=fmt), title=title,
            author=author, site=site, published=published,
            reference_date=msgspec.json.decode(ref, type=ReferenceDate) if ref else None,
            language=language, flags=msgspec.json.decode(flags, type=Flags),
            errors=json.loads(errors) if errors else [])
        doc.entities = [
            Entity(text=t, label=lab, start=s, end=e,
                   actor=_load(actor, "Actor"), place=_load(place, "Place"))
            for t, lab, s, e, actor, place in self.con.execute(
                "SELECT text, label, start_char, end_char, actor, place FROM entities "
                "WHERE doc_id = ? ORDER BY n", [did]).fetchall()]
        doc.quotes = [
            Quote(text=t, start=s, end=e, speaker=_load(sp, "Actor"))
            for t, s, e, sp in self.con.execute(
                "SELECT text, start_char, end_char, speaker FROM quotes WHERE doc_id = ? ORDER BY n",
                [did]).fetchall()]
        doc.quantities = [
            Quantity(value=v, approx=a, unit=u, what=w, start=s, end=e)
            for v, a, u, w, s, e in self.con.execute(
                "SELECT value, approx, unit, what, start_char, end_char FROM quantities "
                "WHERE doc_id = ? ORDER BY n", [did]).fetchall()]
        doc.events = [
            Event(id=eid, type=typ, mode=mode, cameo=cameo, source=_load(src, "Actor"),
                  target=_load(tgt, "Actor"), date=date, date_precision=prec,
                  location=_load(loc, "Place"), quantity=_load(qty, "Quantity"), modality=modal,
                  confidence=conf, evidence=Evidence(text=et, start=es, end=ee), mention_of=mof)
            for (eid, typ, mode, cameo, src, tgt, date, prec, loc, qty, modal, conf, et, es, ee, mof)
            in self.con.execute(
                f"""SELECT id, type, mode, cameo, source, target, date, date_precision, location,
                          quantity, modality, confidence, evidence_text, evidence_start, evidence_end,
                          {self._mention_column()}
                   FROM events WHERE doc_id = ? ORDER BY evidence_start, id""", [did]).fetchall()]
        return doc


def _add_rows(rows: dict[str, list[tuple]], doc: Document, now: datetime) -> None:
    """Append the rows of one document to `rows` (table -> rows, columns in table order)."""
    f = doc.flags
    rows["documents"].append((
        doc.id, doc.source.path, doc.source.url, doc.source.format, doc.title, doc.author, doc.site,
        doc.published, _json(doc.reference_date), doc.language, doc.text, _json(f), f.truncated,
        f.read_fraction, f.machine_translated, f.translated_from, f.duplicate_of, _json(doc.errors), now))
    rows["entities"].extend(
        (doc.id, n, e.text, e.label, e.start, e.end, _json(e.actor), _json(e.place))
        for n, e in enumerate(doc.entities))
    rows["events"].extend(
        (ev.id, doc.id, ev.type, ev.mode, ev.cameo, _json(ev.source), _json(ev.target),
         ev.source.country if ev.source else None, ev.target.country if ev.target else None,
         ev.date, ev.date_precision, _json(ev.location), ev.location.name if ev.location else None,
         ev.location.lat if ev.location else None, ev.location.lon if ev.location else None,
         _json(ev.quantity), ev.modality, ev.confidence, ev.evidence.text, ev.evidence.start,
         ev.evidence.end, ev.mention_of)
        for ev in doc.events)
    rows["quotes"].extend(
        (doc.id, n, q.text, q.start, q.end, _json(q.speaker)) for n, q in enumerate(doc.quotes))
    rows["quantities"].extend(
        (doc.id, n, q.value, q.approx, q.unit, q.what, q.start, q.end)
        for n, q in enumerate(doc.quantities))


def new_generation(con) -> None:
    """Mark the store changed (inside the writer's transaction): summaries computed before no
    longer hold."""
    import uuid

    con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", [uuid.uuid4().hex])


def new_clusters(con) -> None:
    """Mark the clusters changed (inside resolve's transaction): the kept summaries say which
    state of the clusters they describe (`query.refresh_summaries`)."""
    import uuid

    con.execute("INSERT OR REPLACE INTO meta VALUES ('clusters', ?)", [uuid.uuid4().hex])


def sql_literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values) -> str:
    """Values as an SQL literal list, e.g. for `id IN {sql_list(ids)}`. DuckDB pushes a literal
    IN list into the table scan (and into a key's index); a list passed as a parameter is joined
    after reading every row of the table (at 10^6 rows, ≈100 ms against a few)."""
    return "(" + ", ".join(sql_literal(v) for v in values) + ")" if values else "(NULL)"


def _load(raw: str | None, kind: str):
    if raw is None:
        return None
    from . import record

    return msgspec.json.decode(raw, type=getattr(record, kind))
