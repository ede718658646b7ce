"""The DuckDB store: round trips, idempotence, one transaction per batch of documents."""

import msgspec
import pytest

from chronicle.record import IngestError
from chronicle.store import Store
from test_record import full_document


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.duckdb") as s:
        yield s


def test_document_round_trips_through_the_store(store):
    doc = full_document()
    store.write_document(doc)
    assert store.get_document("d1") == doc


def test_writing_the_same_document_twice_keeps_the_same_rows(store):
    store.write_document(full_document())
    first = store.counts()
    store.write_document(full_document())
    assert store.counts() == first
    assert first["documents"] == 1 and first["events"] == 1 and first["entities"] == 1


def test_a_failed_write_leaves_the_previous_version_intact(store, monkeypatch):
    store.write_document(full_document())
    broken = full_document()
    broken.title = "changed"
    # a quote with an offset DuckDB cannot store as INTEGER makes the insert fail mid-document
    from chronicle.record import Quote
    broken.quotes = [Quote(text="x", start=2**40, end=2**40 + 1)]
    with pytest.raises(Exception):
        store.write_document(broken)
    kept = store.get_document("d1")
    assert kept.title == "Troops land" and kept.quotes == []


def test_errors_are_recorded_once_per_input_and_reason(store):
    err = IngestError(path="a.html", reason="empty file")
    store.write_error(err)
    store.write_error(err)
    assert store.counts()["ingest_errors"] == 1


def test_documents_survive_reopening(tmp_path):
    path = tmp_path / "x.duckdb"
    with Store(path) as s:
        s.write_document(full_document())
    with Store(path, read_only=True) as s:
        assert s.has_document("d1")


def test_a_batch_is_written_whole_or_not_at_all(store):
    from chronicle.record import Quote

    first = full_document()
    store.write_documents([first])
    changed = full_document()
    changed.title = "changed"
    other = full_document()
    other.id = "d2"
    broken = full_document()
    broken.id = "d3"
    broken.quotes = [Quote(text="x", start=2**40, end=2**40 + 1)]  # cannot be stored as INTEGER
    with pytest.raises(Exception):
        store.write_documents([changed, other, broken])
    assert store.counts()["documents"] == 1 and store.get_document("d1") == first
    assert store.get_document("d2") is None


def test_a_batch_writes_the_same_rows_as_one_document_at_a_time(tmp_path):
    docs = []
    for n in range(5):
        doc = full_document()
        doc.id = f"d{n}"
        doc.events[0].id = f"d{n}-e1"
        docs.append(doc)
    with Store(tmp_path / "one.duckdb") as one, Store(tmp_path / "batch.duckdb") as batch:
        for doc in docs:
            one.write_document(doc)
        batch.write_documents(docs[:3])
        batch.write_documents(docs[1:] + docs[2:3])  # rewrites replace; a repeat counts once
        assert batch.counts() == one.counts()
        for doc in docs:
            assert batch.get_document(doc.id) == one.get_document(doc.id) == doc


def test_a_retelling_keeps_the_id_of_the_event_it_tells_again(store):
    doc = full_document()
    first = doc.events[0]
    again = msgspec.structs.replace(first, id=first.id + "-again", mention_of=first.id)
    doc.events = [first, again]
    store.write_document(doc)
    loaded = store.get_document(doc.id)
    assert [e.mention_of for e in loaded.events] == [None, first.id]


def test_a_store_made_before_mentions_opens_read_only_and_gains_the_column_when_written(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        s.write_document(full_document())
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE events DROP COLUMN mention_of")
    con.close()
    with Store(path, read_only=True) as s:
        assert all(e.mention_of is None for e in s.get_document(full_document().id).events)
    with Store(path) as s:  # opened for writing: migrated
        assert s.get_document(full_document().id).events


def test_compacting_drops_free_blocks_and_keeps_every_row_and_key(tmp_path):
    from chronicle.scale.simulate import documents

    path = tmp_path / "c.duckdb"
    with Store(path) as store:
        docs = list(documents(400, seed=3))
        store.write_documents(docs)
        store.con.execute("CHECKPOINT")  # on disk, as a finished ingest leaves them
        store.write_documents(docs[:300])  # rewritten: their old rows leave free blocks
        before = store.counts()
        assert store.free_fraction() > 0.1
        size = path.stat().st_size
        assert not store.compact_if_sparse()  # a few MB: not worth rewriting on every ingest
        assert store.compact_if_sparse(threshold=0.1, min_free_bytes=0)
        assert store.counts() == before and store.free_fraction() == 0.0
        assert path.stat().st_size < size
        assert store.get_document(docs[5].id) == docs[5]
        store.write_documents(docs[:1])  # keys still hold: a rewrite replaces, never duplicates
        assert store.counts() == before
    assert not (tmp_path / "c.duckdb.compacting").exists()
