"""Cross-document resolution: the same happening in several reports becomes one event."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronicle.pipeline import run
from chronicle.resolve import _Event, match, resolve_store
from chronicle.store import Store

ROOT = Path(__file__).resolve().parents[1]
HTML_REPORT = ROOT / "examples" / "border-talks.html"


def _ingest(db: Path, paths: list[str]) -> Store:
    store = Store(db)
    written = []

    def sink(doc):
        store.write_document(doc)
        written.append(doc.id)

    run(paths, sink, store=store)
    resolve_store(store, doc_ids=written)
    return store


@pytest.fixture(scope="module")
def text_copy(tmp_path_factory) -> Path:
    """The HTML example republished as plain text: what a second outlet's copy looks like."""
    folder = tmp_path_factory.mktemp("copy")
    store = _ingest(folder / "html.duckdb", [str(HTML_REPORT)])
    doc = store.get_document(store.query("SELECT id FROM documents")[1][0][0])
    store.close()
    path = folder / "border-talks-copy.txt"
    path.write_text(f"{doc.title}\n\n{doc.text}\n", encoding="utf-8")
    return path


def _clusters(store: Store) -> set[frozenset[str]]:
    _, rows = store.query("SELECT cluster_id, list(event_id) FROM cluster_members GROUP BY cluster_id")
    return {frozenset(ids) for _, ids in rows}


def test_html_and_text_copies_are_one_event_with_two_articles(tmp_path, text_copy):
    store = _ingest(tmp_path / "db.duckdb", [str(HTML_REPORT), str(text_copy)])
    _, docs = store.query("SELECT id, source_format, duplicate_of FROM documents ORDER BY source_format")
    assert [d[1] for d in docs] == ["html", "txt"]
    assert docs[1][2] == docs[0][0]  # cleaning saw the copy
    n_events = store.query("SELECT count(*) FROM events")[1][0][0]
    _, clusters = store.query("SELECT num_articles, num_sources FROM clusters")
    assert n_events >= 2 and len(clusters) == n_events // 2
    # every event of the report has its twin from the copy; the copy is not a second outlet
    assert all(row == (2, 1) for row in clusters)
    _, reasons = store.query("SELECT reason FROM cluster_members WHERE reason <> 'first report'")
    assert reasons and all("same sentence in near-duplicate reports" in r for (r,) in reasons)
    store.close()


def test_incremental_equals_full_and_ingest_order_does_not_matter(tmp_path, text_copy):
    one = _ingest(tmp_path / "a.duckdb", [str(HTML_REPORT)])
    one.close()
    one = _ingest(tmp_path / "a.duckdb", [str(text_copy)])  # a later ingest updates the clusters
    incremental = _clusters(one)
    resolve_store(one)
    assert _clusters(one) == incremental
    ids_one = one.query("SELECT id FROM clusters ORDER BY id")[1]
    one.close()
    two = _ingest(tmp_path / "b.duckdb", [str(text_copy), str(HTML_REPORT)])
    # the copy came first here, so it is the original and the HTML the duplicate: same groups
    assert len(_clusters(two)) == len(incremental)
    assert two.query("SELECT sum(num_articles) FROM clusters")[1] == \
        [(sum(len(c) for c in incremental),)]
    assert len(ids_one) == len(incremental)
    two.close()


def test_reingesting_a_document_keeps_every_event_in_exactly_one_cluster(tmp_path, text_copy):
    store = _ingest(tmp_path / "db.duckdb", [str(HTML_REPORT), str(text_copy)])
    store.close()
    store = Store(tmp_path / "db.duckdb")
    written = []
    run([str(text_copy)], lambda d: (store.write_document(d), written.append(d.id)), store=store,
        force=True)
    resolve_store(store, doc_ids=written)
    _, rows = store.query("""SELECT count(*) FILTER (WHERE m.event_id IS NULL),
                                    (SELECT count(*) FROM cluster_members),
                                    (SELECT count(*) FROM events)
                             FROM events e LEFT JOIN cluster_members m ON m.event_id = e.id""")
    unclustered, members, events = rows[0]
    assert unclustered == 0 and members == events
    store.close()


def _event(**kw) -> _Event:
    base = dict(id="d1-e1", doc_id="d1", type="MOBILIZE", mode="troops",
                source={"text": "Russian troops", "country": "RUS", "sector": "MIL", "kind": "group"},
                target=None, date="2022-01-07", precision="day",
                location={"name": "Almaty", "lat": 43.25, "lon": 76.92, "country": "KAZ",
                          "feature": "city"},
                modality="asserted", confidence=0.9, published=None, outlet="a.example",
                family="d1", evidence="Russian troops landed in Almaty on Friday.")
    base.update(kw)
    return _Event(**base)


def test_match_needs_type_actors_date_and_place_to_agree():
    a = _event()
    b = _event(id="d2-e1", doc_id="d2", family="d2", date="2022-01-08",
               evidence="Russian paratroopers arrived in Almaty.")
    why = match(a, b)
    assert why and "same source RUS" in why and "Almaty" in why and "1 day(s) apart" in why
    assert match(a, _event(id="x", doc_id="d2", family="d2", type="AID")) is None
    assert match(a, _event(id="x", doc_id="d2", family="d2", date="2022-01-11")) is None
    other_actor = dict(a.source, country="BLR")
    assert match(a, _event(id="x", doc_id="d2", family="d2", source=other_actor)) is None
    astana = {"name": "Astana", "lat": 51.17, "lon": 71.45, "country": "KAZ", "feature": "city"}
    assert match(a, _event(id="x", doc_id="d2", family="d2", location=astana)) is None
    assert match(a, _event(id="x", doc_id="d2", family="d2", modality="denied")) is None
    # a month-precise report of the same deployment still overlaps the day
    assert match(a, _event(id="x", doc_id="d2", family="d2", date="2022-01", precision="month"))
    # type and date alone are not enough: nothing positive ties two bare events together
    bare = dict(source=None, target=None, location=None)
    assert match(_event(**bare), _event(id="x", doc_id="d2", family="d2", **bare)) is None
    # a country-level place is compatible with a city inside it
    kaz = {"name": "Kazakhstan", "lat": 48.0, "lon": 68.0, "country": "KAZ", "feature": "country"}
    assert match(a, _event(id="x", doc_id="d2", family="d2", location=kaz))


def _snapshot(store: Store) -> tuple[set, set]:
    return (set(store.query("SELECT event_id, cluster_id, doc_id, reason FROM cluster_members")[1]),
            set(store.query("SELECT * FROM clusters")[1]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_resolve_gives_what_a_full_resolve_gives_whatever_the_ingest_order(tmp_path, seed):
    """Generated reports (a dense store: 4 countries, 12 days, copies, month/year/undated dates)
    written in random batches in random order, each batch resolved incrementally; after every
    batch the clusters equal those a full recomputation makes. Then some reports are re-ingested
    with changed events (another date, another type, one event fewer)."""
    import random

    from chronicle.scale.simulate import documents

    rng = random.Random(seed)
    docs = list(documents(160, seed=seed, days=12, countries=4))
    rng.shuffle(docs)
    store = Store(tmp_path / "r.duckdb")
    visited = []
    while docs:
        size = rng.randint(1, 40)
        batch, docs = docs[:size], docs[size:]
        store.write_documents(batch)
        visited.append(resolve_store(store, doc_ids=[d.id for d in batch])["events"])
        incremental = _snapshot(store)
        resolve_store(store)
        assert _snapshot(store) == incremental
    n_events = store.query("SELECT count(*) FROM events")[1][0][0]
    assert sum(visited) < 3 * n_events  # batches did not each revisit the whole store
    # re-ingest: a report's events change under the same ids
    ids = [r[0] for r in store.query("SELECT id FROM documents ORDER BY id")[1]]
    changed = [store.get_document(i) for i in rng.sample(ids, 12)]
    from demo_db import edit_reports

    edit_reports(changed)
    store.write_documents(changed)
    resolve_store(store, doc_ids=[d.id for d in changed])
    incremental = _snapshot(store)
    resolve_store(store)
    assert _snapshot(store) == incremental
    store.close()

def _report(doc_id: str, confidence: float, count: float | None, site: str):
    from chronicle.record import Actor, Document, Event, Evidence, Place, Quantity

    text = f"Russian troops landed in Almaty ({doc_id})."
    qty = None if count is None else Quantity(value=count, approx="about", unit="soldier",
                                               start=0, end=14, what="landed")
    almaty = Place(text="Almaty", name="Almaty", lat=43.25, lon=76.92, country="KAZ")
    event = Event(id=f"{doc_id}-e1", type="MOBILIZE", mode="troops", date="2022-01-07",
                  date_precision="day", source=Actor(text="Russian troops", country="RUS",
                                                     sector="MIL", kind="group"),
                  location=almaty, quantity=qty, confidence=confidence,
                  evidence=Evidence(text=text, start=0, end=len(text)))
    return Document(id=doc_id, text=text, site=site, events=[event])


def test_a_merged_event_keeps_the_best_supported_count_and_names_its_report(tmp_path):
    store = Store(tmp_path / "db.duckdb")
    store.write_documents([
        _report("d1", 0.97, None, "one.example"),    # the representative: no count of its own
        _report("d2", 0.60, 3000, "two.example"),
        _report("d3", 0.80, 2500, "three.example"),  # more confident, but only one report says so
        _report("d4", 0.50, 3000, "four.example"),
    ])
    resolve_store(store)
    _, rows = store.query("SELECT representative, num_articles, quantity FROM clusters")
    assert len(rows) == 1
    rep, articles, quantity = rows[0]
    import json

    quantity = json.loads(quantity)
    assert rep == "d1-e1" and articles == 4
    assert (quantity["value"], quantity["unit"], quantity["doc_id"], quantity["event_id"]) == \
        (3000, "soldier", "d2", "d2-e1")
    # the flat columns every listing and export reads see it too
    from chronicle.query import Chronicle

    store.close()
    with Chronicle(tmp_path / "db.duckdb") as chron:
        [event] = chron.event_records()
    assert event["quantity_value"] == 3000 and event["quantity_unit"] == "soldier"


def test_the_seeds_two_almaty_deployments_merge_with_the_count_one_of_them_gives():
    from demo_db import SEED, demo_db

    if not SEED.exists():
        pytest.skip("../shared/samples/moscow-kazakhstan.txt is not beside the repository")
    from chronicle.query import Chronicle

    with Chronicle(demo_db()) as chron:
        rows = [r for r in chron.event_records(type="MOBILIZE", country="KAZ")
                if r["location_name"] == "Almaty" and r["num_articles"] == 1]
        merged = [r for r in rows if len(chron.event(r["id"])["sources"]) > 1]
    assert merged, "the two deployments are one event"
    assert merged[0]["quantity_value"] == 3000 and merged[0]["quantity_unit"] == "soldier"


def test_what_an_incremental_resolve_reads_depends_on_what_is_added_not_on_the_store_size(tmp_path):
    """Six years of generated reports at one density; a small store holds the first year of them,
    a large one all six. The same 40 new reports, dated in the first year, are ingested into
    both: resolving them reads about as many stored events from the large store as from the
    small one (counted, not timed: the timing is `python -m chronicle.scale.store_bench`), and
    gives what a full resolve gives."""
    from chronicle.scale.simulate import documents

    docs = list(documents(4800, seed=5, days=6 * 365))
    small = [d for d in docs if d.published < "2015-01-01"]
    new = list(documents(40, seed=11, world_seed=5, start="2014-06-01", days=10, id_prefix="new"))
    read, decided, sizes = {}, {}, {}
    for name, base in (("small", small), ("large", docs)):
        store = Store(tmp_path / f"{name}.duckdb")
        store.write_documents(base)
        resolve_store(store)
        store.write_documents(new)
        counts = resolve_store(store, doc_ids=[d.id for d in new])
        read[name], decided[name] = counts["rows_read"], counts["events"]
        sizes[name] = store.query("SELECT count(*) FROM events")[1][0][0]
        incremental = _snapshot(store)
        resolve_store(store)
        assert _snapshot(store) == incremental
        store.close()
    assert sizes["large"] > 5 * sizes["small"]
    n_new = sum(len(d.events) for d in new)
    assert decided["small"] >= n_new and read["small"] >= n_new
    # the five later years are never read; what differs is the few reports of early year two
    # that tell of the first year's last days
    assert read["large"] <= 1.1 * read["small"] + 20, (read, decided, sizes)
    assert decided["large"] <= 1.1 * decided["small"] + 5, (read, decided, sizes)
    assert read["large"] < sizes["small"] / 2  # a small share of even the small store


def test_the_quick_refusal_only_refuses_pairs_that_match_refuses(tmp_path):
    """`_cannot_match` skips founders before `match` looks at them; it must never skip one that
    `match` would accept, or the clusters would change."""
    from chronicle.resolve import _cannot_match, _events
    from chronicle.scale.simulate import documents

    store = Store(tmp_path / "q.duckdb")
    store.write_documents(list(documents(120, seed=9, days=6, countries=3)))
    events = _events(store.con)
    store.close()
    refused = 0
    for a in events:
        for b in events:
            if a is not b and _cannot_match(a, b):
                refused += 1
                assert match(a, b) is None, (a.id, b.id)
    assert refused > len(events)  # it does refuse: most pairs differ in actors or modality


class _Recorder:
    """A connection that keeps every statement run through it (for the plan checks below)."""

    def __init__(self, con):
        self.con, self.whole, self.checked = con, [], 0

    def execute(self, sql, params=None):
        if sql.lstrip().upper().startswith(("SELECT", "DELETE", "INSERT", "WITH")):
            self.checked += 1
            if tables := _whole_table_scans(self.con, sql, params):
                self.whole.append((tables, " ".join(sql.split())[:300]))
        return self.con.execute(sql, params or [])

    def __getattr__(self, name):
        return getattr(self.con, name)


_LARGE = {"events", "documents", "cluster_members", "clusters", "resolve_events", "entities",
          "near_duplicate_keys", "cluster_index", "cluster_words", "cluster_pairs"}


def _whole_table_scans(con, sql: str, params) -> list[str]:
    """The large tables a statement reads whole: scanned with no filter pushed into the scan
    (neither a key's index nor a range zone maps can skip by)."""
    import json as _json

    plan = con.execute("EXPLAIN (FORMAT JSON) " + sql, params or []).fetchall()[0][1]
    found = []

    def walk(node):
        info = node.get("extra_info", {})
        table = str(info.get("Table", "")).split(".")[-1]
        if table in _LARGE and not info.get("Filters") and info.get("Type") != "Index Scan":
            found.append(table)
        for child in node.get("children", []):
            walk(child)

    for root in _json.loads(plan):
        walk(root)
    return found


def test_an_incremental_resolve_reads_no_large_table_whole(tmp_path):
    """What made an incremental resolve cost more in a larger store (13.8-15.4 CPU s at 10^6
    events against 0.35-0.41 into an empty one) was its joins: each read the matching events
    joined with documents and cluster_members, which DuckDB does by scanning both whole. Now every
    statement it runs (the summaries' update included) filters each large table in its scan — a
    list of keys, or the types and date ranges its blocking asks for, which zone maps skip by —
    checked on DuckDB's plans rather than timed (the time: `python -m chronicle.scale.store_bench
    --resolve`). A re-ingest (events changed and lost) is checked too, and both give what a full
    resolve gives."""
    from chronicle.scale.simulate import documents

    store = Store(tmp_path / "s.duckdb")
    store.write_documents(list(documents(600, seed=4, days=120, countries=6)))
    resolve_store(store)
    new = list(documents(30, seed=12, world_seed=4, start="2014-02-01", days=10, id_prefix="new"))
    changed = [store.get_document(d) for d in ("sim0000100", "sim0000200")]
    changed[0].events = changed[0].events[:-1]
    for ev in changed[1].events:
        ev.type = "PROTEST" if ev.type != "PROTEST" else "ASSAULT"
    for batch in (new, changed):
        store.write_documents(batch)
        recorder = _Recorder(store.con)
        store.con = recorder
        try:
            counts = resolve_store(store, doc_ids=[d.id for d in batch])
        finally:
            store.con = recorder.con
        assert counts["events"] >= sum(len(d.events) for d in batch) and recorder.checked > 10
        assert not recorder.whole, recorder.whole
        incremental = _snapshot(store)
        resolve_store(store)
        assert _snapshot(store) == incremental
    store.close()


def test_one_report_of_thousands_of_undated_events_is_resolved_without_comparing_them_all(
        tmp_path, monkeypatch):
    """A report of 16,000 undated "Police arrested 40" events (`make fuzz`): none can join
    another of the same report (`match` needs a date, or the same sentence in a copy), yet each
    was compared with every earlier one, and each, founding its own cluster, cost a query for
    neighbours it cannot have. Now none is compared or queried, and the clusters are unchanged."""
    import chronicle.resolve as resolve
    from chronicle.record import Document, Event, Evidence

    calls = []
    real_match = resolve.match
    monkeypatch.setattr(resolve, "match", lambda a, b: calls.append(1) or real_match(a, b))
    text = "Police arrested 40. " * 1_000
    events = [Event(id=f"d-e{k}", type="COERCE", mode="arrest", confidence=0.9,
                    evidence=Evidence(text="Police arrested 40.", start=20 * k, end=20 * k + 19))
              for k in range(1_000)]
    store = Store(tmp_path / "undated.duckdb")
    store.write_documents([Document(id="d", text=text, events=events)])
    counts = resolve_store(store, doc_ids=["d"])
    assert len(calls) < 1_000  # was 499,500
    assert counts["queries"] < 20  # was one per event
    incremental = _snapshot(store)
    resolve_store(store)
    assert _snapshot(store) == incremental
    assert store.query("SELECT count(*) FROM clusters")[1][0][0] == 1_000
    store.close()
