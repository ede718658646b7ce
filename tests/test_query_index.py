"""The filter index (`filter_index.py`): the page's filters answered from it give what the plain
scan gives — the same events in the same order, counts, timeline, places and actors — on the demo
store and on generated stores written in batches and re-ingested; and it is read only while it
describes the store as it is."""

from __future__ import annotations

import random

import pytest

import chronicle
from chronicle import filter_index
from chronicle.resolve import resolve_store
from chronicle.store import Store


def _answers(db, **filters):
    return (db.event_records(**filters, order="-date"), db.count_events(**filters),
            db.timeline(**filters), db.place_records(**filters), db.actor_records(**filters))


def _same_answers(db, filters: list[dict]) -> int:
    """Every filter answered from the index and from the scan: the same. Returns how many of
    them found something (a comparison of empty answers proves little)."""
    assert db._indexed()
    found = 0
    for f in filters:
        db.use_index = True
        indexed = _answers(db, **f)
        db.use_index = False
        scanned = _answers(db, **f)
        db.use_index = True
        assert indexed == scanned, f
        found += indexed[1] > 0
    return found


def _substrings(texts: list[str], rng: random.Random, n: int) -> list[str]:
    """Pieces of the stored texts cut anywhere (inside words, across spaces and punctuation),
    in their case as stored: the filter lower-cases them."""
    pieces = []
    for _ in range(n):
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        piece = text[start:start + rng.randint(1, 25)].strip()
        if piece:
            pieces.append(piece)
    return pieces


# needles that probe the edges: SQL and LIKE metacharacters, separators at the ends or alone,
# '_' (punctuation to the index), a NUL (the index cannot hold one: the scan answers)
ODD_NEEDLES = ["'", "%", "_", "a", "e", ".", ", ", "--", "—", "“", "a_b", "x\0y", "gov\0", "100%",
               "said.", "(", "almaty,", "Ａ", "İstanbul", "ß"]


def _filters(texts: list[str], actors: list[str], rng: random.Random) -> list[dict]:
    filters = [{"text": t} for t in _substrings(texts, rng, 25) + ODD_NEEDLES]
    filters += [{"actor": a} for a in _substrings(actors, rng, 12) + ODD_NEEDLES]
    filters += [{"actor": s} for s in ("GOV", "mil", "cop", "LAB", "igo", "REB")]
    filters += [{"country": "KAZ"}, {"country": ["USA", "RUS"]}, {"event_country": "SEN"},
                {"event_country": "RUS"}, {"country": "FRA", "text": "protest"}]
    return filters


def _texts_and_actors(db) -> tuple[list[str], list[str]]:
    texts = [t for (t,) in db._rows("SELECT evidence_text FROM events UNION "
                                    "SELECT title FROM documents WHERE title IS NOT NULL")[1]]
    actors = [a for (a,) in db._rows(
        "SELECT DISTINCT coalesce(json_extract_string(a, '$.name'), '') || ' | ' || "
        "coalesce(json_extract_string(a, '$.text'), '') FROM "
        "(SELECT unnest([source, target]) AS a FROM events) WHERE a IS NOT NULL")[1]]
    return texts, actors


def test_the_demo_store_answers_every_filter_from_the_index_as_the_scan_does():
    from demo_db import demo_db

    with chronicle.open(demo_db()) as db:
        texts, actors = _texts_and_actors(db)
        filters = _filters(texts, actors, random.Random(5))
        assert _same_answers(db, filters) > len(filters) // 2


def _snapshot_index(con) -> set:
    """The index's content by cluster (its keys left out: they depend on the order of writes;
    postings of removed rows, and repeated ones, find nothing more and are left out too)."""
    words = [row for kind in ("words", "pairs") for row in con.execute(
        f"""SELECT '{kind}', i.id, list_sort(list(DISTINCT s.term)) FROM cluster_{kind} w
            JOIN search_{kind} s ON s.id = w.term JOIN cluster_index i ON i.k = w.k
            GROUP BY i.id""").fetchall()]
    rows = con.execute(f"SELECT {', '.join(filter_index.CLUSTER_COLUMNS)}, location_country, "
                       "location_feature, actors, sectors FROM cluster_index").fetchall()
    (dupes,), = con.execute("SELECT count(*) - count(DISTINCT k) FROM cluster_index").fetchall()
    assert dupes == 0
    return set(rows) | {tuple(map(str, w)) for w in words}


@pytest.mark.parametrize("seed", [1])
def test_a_generated_store_written_in_batches_and_reingested_answers_as_the_scan_does(tmp_path, seed):
    """Reports written in random batches, each resolved incrementally (the index updated by what
    changed), then re-ingested with other events and titles: after each step the index holds
    what a rebuild holds, and every filter gives the scan's answer."""
    from demo_db import edit_reports

    from chronicle.scale.simulate import documents

    rng = random.Random(seed)
    docs = list(documents(150, seed=seed, days=20, countries=5))
    rng.shuffle(docs)
    path = tmp_path / "g.duckdb"
    store = Store(path)
    while docs:
        size = rng.randint(10, 60)
        batch, docs = docs[:size], docs[size:]
        store.write_documents(batch)
        resolve_store(store, doc_ids=[d.id for d in batch])
    ids = [r[0] for r in store.query("SELECT id FROM documents ORDER BY id")[1]]
    changed = [store.get_document(i) for i in rng.sample(ids, 15)]
    edit_reports(changed, empty_first=True)
    for n, doc in enumerate(changed):
        doc.title = f"Ceasefire talks {n} collapse after shelling"
    store.write_documents(changed)
    resolve_store(store, doc_ids=[d.id for d in changed])
    incremental = _snapshot_index(store.con)
    store.con.execute("BEGIN TRANSACTION")
    filter_index.rebuild(store.con)
    store.con.execute("COMMIT")
    assert _snapshot_index(store.con) == incremental
    store.close()
    with chronicle.open(path) as db:
        texts, actors = _texts_and_actors(db)
        filters = _filters(texts, actors, rng) + [{"text": "talks 1 collapse"},
                                                  {"text": "collapse after"}]
        assert _same_answers(db, filters) > len(filters) // 2
        assert db.count_events(text="talks 1 collapse") >= 1  # a new title found


def test_the_index_is_read_only_while_it_describes_the_store(tmp_path):
    """A write since the last resolve (the next resolve catches up), or a store of a version
    without the index (its first resolve builds it): the plain tables are read meanwhile. A
    compacted store keeps its index."""
    from chronicle.scale.simulate import documents

    docs = list(documents(60, seed=3, days=10, countries=3))
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.write_documents(docs[:40])
        resolve_store(store, doc_ids=[d.id for d in docs[:40]])
        assert filter_index.is_current(store.con)
        store.write_documents(docs[40:50])
        assert not filter_index.is_current(store.con)
    with chronicle.open(path) as db:
        assert not db._indexed()
        everything = db.count_events()
    with Store(path) as store:
        resolve_store(store, doc_ids=[d.id for d in docs[40:50]])
        # a store written before the index: no index, and meta says nothing of one
        store.con.execute("DELETE FROM meta WHERE key LIKE 'filter_index%'")
        for table in ("cluster_index",) + filter_index.TERM_TABLES:
            store.con.execute(f"DELETE FROM {table}")
        store.write_documents(docs[50:])
        resolve_store(store, doc_ids=[d.id for d in docs[50:]])
        assert filter_index.is_current(store.con)
        (indexed,), = store.con.execute("SELECT count(*) FROM cluster_index").fetchall()
        (clusters,), = store.con.execute("SELECT count(*) FROM clusters").fetchall()
        assert indexed == clusters > everything
        store.compact()  # what `chronicle ingest` does to a sparse file: the index goes along
        assert filter_index.is_current(store.con)
    with chronicle.open(path) as db:
        texts, actors = _texts_and_actors(db)
        assert _same_answers(db, _filters(texts, actors, random.Random(9)))
