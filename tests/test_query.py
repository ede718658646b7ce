"""The read side's one filter implementation (`chronicle.open`), and `chronicle events` on top of it.

Most tests run on a small store written here from records, with clusters as resolve writes them,
so every expected row is known exactly: two reports of Russian troops landing in Almaty (one
cross-document event with two articles), a request by Tokayev to the CSTO, a Dakar dock strike
dated only to a month, protests in France dated only to a year, an undated accusation, and a
truncated, machine-translated report with no events.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

import chronicle
from chronicle.cli import cli
from chronicle.record import (Actor, Document, Event, Evidence, Flags, Place, Quantity, Removed,
                              Source)
from chronicle.store import Store, StoreError

ALMATY = Place(text="Almaty", name="Almaty", lat=43.25, lon=76.91, country="KAZ", geonameid=1526384)
ASTANA = Place(text="Nur-Sultan", name="Astana", lat=51.18, lon=71.45, country="KAZ")
DAKAR = Place(text="Dakar", name="Dakar", lat=14.69, lon=-17.44, country="SEN")
FRANCE = Place(text="France", name="France", lat=46.0, lon=2.0, country="FRA", feature="country")


def _doc(doc_id, fmt, title, published, sentences, events, **extra) -> Document:
    """A document whose text is `sentences`; each event is (sentence index, Event fields)."""
    text = "\n\n".join(sentences)
    evs = []
    for n, (i, fields) in enumerate(events, 1):
        start = text.index(sentences[i])
        evs.append(Event(id=f"{doc_id}-e{n}", evidence=Evidence(
            text=sentences[i], start=start, end=start + len(sentences[i])), **fields))
    return Document(id=doc_id, text=text, title=title, published=published, language="en",
                    source=Source(path=f"in/{doc_id}.{fmt}", format=fmt), events=evs, **extra)


DOCS = [
    _doc("d-kaz-1", "html", "Russian troops land in Almaty", "2022-01-07",
         ["Russian paratroopers landed in Almaty on Thursday to guard the airport.",
          "President Tokayev asked the CSTO for help on Wednesday, speaking from Nur-Sultan."],
         [(0, dict(type="MOBILIZE", mode="troops", cameo="152", date="2022-01-06",
                   date_precision="day", location=ALMATY, confidence=0.9,
                   quantity=Quantity(value=3000, approx="about", unit="soldier", what=None,
                                     start=0, end=20),
                   source=Actor(text="Russian paratroopers", country="RUS", sector="MIL",
                                kind="group"))),
          (1, dict(type="REQUEST", mode="assist", cameo="021", date="2022-01-05",
                   date_precision="day", location=ASTANA, confidence=0.8,
                   source=Actor(text="President Tokayev", name="Kassym-Jomart Tokayev",
                                country="KAZ", sector="GOV", kind="person"),
                   target=Actor(text="the CSTO", name="CSTO", sector="IGO", kind="igo")))],
         site="Steppe Wire"),
    _doc("d-kaz-2", "txt", "Paratroopers guard Almaty airport", "2022-01-08",
         ["Russian airborne forces landed in Almaty on Thursday, officials said."],
         [(0, dict(type="MOBILIZE", mode="troops", cameo="152", date="2022-01-06",
                   date_precision="day", location=ALMATY, confidence=0.7,
                   source=Actor(text="Russian airborne forces", country="RUS", sector="MIL",
                                kind="group")))]),
    _doc("d-sen", "rss", "Dakar dockers strike", "2023-03-20",
         ["Dock workers in Dakar went on strike in March.",
          "The union accused the government of bad faith."],
         [(0, dict(type="PROTEST", mode="demo", cameo="141", date="2023-03",
                   date_precision="month", location=DAKAR, confidence=0.85,
                   source=Actor(text="Dock workers", country="SEN", sector="LAB", kind="group"))),
          (1, dict(type="ACCUSE", mode="allege", cameo="112", confidence=0.6,
                   source=Actor(text="The union", country="SEN", sector="LAB", kind="group"),
                   target=Actor(text="the government", country="SEN", sector="GOV",
                                kind="state")))]),
    _doc("d-fr", "jsonl", "A year of protest", "2024-01-02",
         ["Protests spread across France in 2023, with 100% of unions taking part."],
         [(0, dict(type="PROTEST", date="2023", date_precision="year", location=FRANCE,
                   confidence=0.75,
                   source=Actor(text="unions", country="FRA", sector="LAB", kind="group")))]),
    _doc("d-none", "txt", "Fuel prices rise again", None,
         ["Fuel prices rose again this week.", "Analysts expect further increases."], [],
         flags=Flags(truncated=True, read_fraction=0.4, machine_translated=True,
                     translated_from="fr",
                     removed=[Removed(text="You have 60% of this article to read.",
                                      reason="paywall: 'You have N% of this article to read' notice")])),
]
# What resolve writes for these documents: the two Almaty landings are one event.
CLUSTERS = {"c-mob": ["d-kaz-1-e1", "d-kaz-2-e1"], "c-req": ["d-kaz-1-e2"],
            "c-dock": ["d-sen-e1"], "c-acc": ["d-sen-e2"], "c-fr": ["d-fr-e1"]}


def _write_clusters(store: Store) -> None:
    for cid, members in CLUSTERS.items():
        rep = members[0]
        docs = {m.rsplit("-e", 1)[0] for m in members}
        store.con.execute(
            """INSERT INTO clusters SELECT ?, type, mode, cameo, source, target, source_country,
                      target_country, date, date_precision, location, location_name, lat, lon,
                      quantity, modality, confidence, ?, ?, NULL, NULL, id
               FROM events WHERE id = ?""", [cid, len(docs), len(docs), rep])
        for n, member in enumerate(members):
            store.con.execute("INSERT INTO cluster_members VALUES (?, ?, ?, ?)",
                              [member, cid, member.rsplit("-e", 1)[0],
                               "first report" if n == 0 else "same type MOBILIZE; same place"])


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("query") / "small.duckdb"
    with Store(path) as store:
        for doc in DOCS:
            store.write_document(doc)
        _write_clusters(store)
    return path


@pytest.fixture(scope="module")
def db(db_path):
    with chronicle.open(db_path) as handle:
        yield handle


def ids(df) -> set[str]:
    return set(df["id"])


def test_one_row_per_cross_document_event_with_its_report_counts(db):
    events = db.events()
    assert len(events) == db.count_events() == len(CLUSTERS)
    landing = events.set_index("id").loc["c-mob"]
    assert (landing.num_articles, landing.num_sources) == (2, 2)
    assert landing.source_name == "Russian paratroopers" and landing.source_sector == "MIL"
    assert (landing.location_name, landing.location_country) == ("Almaty", "KAZ")
    assert landing.quantity_value == 3000 and landing.quantity_unit == "soldier"
    assert landing.evidence.startswith("Russian paratroopers landed in Almaty")


def test_event_lists_every_source_with_document_and_evidence_offsets(db):
    event = db.event("c-mob")
    assert event["type"] == "MOBILIZE" and event["location"]["name"] == "Almaty"
    assert [s["doc_id"] for s in event["sources"]] == ["d-kaz-1", "d-kaz-2"]  # representative first
    assert event["sources"][1]["reason"] == "same type MOBILIZE; same place"
    assert event["sources"][1]["document"]["title"] == "Paratroopers guard Almaty airport"
    for source in event["sources"]:
        text = db.document(source["doc_id"])["text"]
        ev = source["evidence"]
        assert text[ev["start"]:ev["end"]] == ev["text"]


def test_event_is_found_by_the_id_of_any_member_event_and_unknown_ids_give_none(db):
    assert db.event("d-kaz-2-e1")["id"] == "c-mob"
    assert db.event("no-such-event") is None
    assert db.document("no-such-document") is None


def test_country_matches_source_target_or_location_country(db):
    # the landing's actor is Russian, but it happened in Kazakhstan
    assert ids(db.events(country="KAZ")) == {"c-mob", "c-req"}
    assert ids(db.events(country="rus")) == {"c-mob"}
    assert ids(db.events(country=["SEN", "FRA"])) == {"c-dock", "c-acc", "c-fr"}
    assert ids(db.events(country="SEN,FRA")) == {"c-dock", "c-acc", "c-fr"}
    with pytest.raises(ValueError, match="alpha-3"):
        db.events(country="Kazakhstan")


def test_event_country_matches_where_the_event_happened_only(db):
    # Russian troops landing in Almaty happened in Kazakhstan, not in Russia
    assert ids(db.events(event_country="KAZ")) == {"c-mob", "c-req"}
    assert ids(db.events(event_country="RUS")) == set() and ids(db.events(country="RUS")) == {"c-mob"}
    # the union's accusation has no place
    assert ids(db.events(event_country=["SEN", "FRA"])) == {"c-dock", "c-fr"}
    assert ids(db.events(country="KAZ", event_country="KAZ", actor="russian")) == {"c-mob"}
    assert db.count_events(event_country="SEN") == 1
    assert {c["country"]: c["events"] for c in db.overview()["event_countries"]} == \
        {"KAZ": 2, "SEN": 1, "FRA": 1}
    with pytest.raises(ValueError, match="event_country must be an ISO 3166 alpha-3"):
        db.events(event_country="Senegal")


def test_actor_matches_name_text_or_sector_case_insensitively(db):
    assert ids(db.events(actor="tokayev")) == {"c-req"}            # the actor's name
    assert ids(db.events(actor="PARATROOPERS")) == {"c-mob"}       # the text as written
    assert ids(db.events(actor="airborne")) == {"c-mob"}           # the second report's wording
    assert ids(db.events(actor="igo")) == {"c-req"}                # the target's sector
    assert ids(db.events(actor="lab")) == {"c-dock", "c-acc", "c-fr"}


def test_type_and_mode_filters(db):
    assert ids(db.events(type="protest")) == {"c-dock", "c-fr"}
    assert ids(db.events(type="PROTEST", mode="demo")) == {"c-dock"}
    assert ids(db.events(type=["MOBILIZE", "REQUEST"])) == {"c-mob", "c-req"}
    with pytest.raises(ValueError, match="PLOVER"):
        db.events(type="PROTESTS")


def test_partial_dates_match_when_their_period_overlaps_the_range(db):
    assert ids(db.events(since="2023-03-10")) == {"c-dock", "c-fr"}  # 2023-03 and 2023 overlap
    assert ids(db.events(since="2023-04")) == {"c-fr"}
    assert ids(db.events(until="2022-12-31")) == {"c-mob", "c-req"}
    assert ids(db.events(since="2022-01-06", until="2022-01-06")) == {"c-mob"}
    assert ids(db.events(since="2022", until="2022")) == {"c-mob", "c-req"}
    # an undated event is in no date range
    assert "c-acc" not in ids(db.events(since="1900", until="2100"))


@pytest.mark.parametrize("bounds, message", [
    (dict(since="2022-02-30"), "not a real date"),
    (dict(until="yesterday"), "YYYY"),
    (dict(since="2023-01-01", until="2022-12-31"), "after"),
])
def test_bad_dates_are_refused_with_a_reason(db, bounds, message):
    with pytest.raises(ValueError, match=message):
        db.events(**bounds)


def test_near_keeps_events_within_the_great_circle_radius(db):
    assert ids(db.events(near=(43.3, 76.9, 10))) == {"c-mob"}
    # Astana is about 960 km from Almaty
    assert ids(db.events(near="43.25,76.91,900")) == {"c-mob"}
    assert ids(db.events(near="43.25,76.91,1000")) == {"c-mob", "c-req"}
    for bad, message in [("43.2,76.9", "LAT,LON,KM"), ((95, 0, 10), "latitude"),
                         ((0, 200, 10), "longitude"), ((0, 0, 0), "radius")]:
        with pytest.raises(ValueError, match=message):
            db.events(near=bad)


def test_text_searches_evidence_sentences_and_titles(db):
    assert ids(db.events(text="LANDED IN")) == {"c-mob"}
    assert ids(db.events(text="paratroopers guard")) == {"c-mob"}  # only in a title
    assert ids(db.events(text="bad faith")) == {"c-acc"}
    assert db.events(text="nothing like this").empty


def test_values_are_bound_as_parameters_never_read_as_sql_or_patterns(db):
    assert db.events(actor="x' OR 1=1 --").empty
    assert db.events(text="') OR TRUE OR ('").empty
    assert db.events(text="%").pipe(ids) == {"c-fr"}  # a literal percent sign, not a wildcard
    assert db.events(text="_").empty
    with pytest.raises(ValueError):
        db.events(order="date; DROP TABLE events")
    assert db.count_events() == len(CLUSTERS)


def test_paging_and_order(db):
    by_date = db.events(order="date")
    assert list(by_date["date"].iloc[:2]) == ["2022-01-05", "2022-01-06"]
    assert by_date["id"].iloc[-1] == "c-acc" and pd.isna(by_date["date"].iloc[-1])  # undated last
    pages = [db.events(order="date", limit=2, offset=n) for n in (0, 2, 4)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum((list(p["id"]) for p in pages), []) == list(by_date["id"])
    assert list(db.events(order="-articles")["id"])[0] == "c-mob"
    for bad in (dict(limit=0), dict(offset=-1), dict(limit="10")):
        with pytest.raises(ValueError):
            db.events(**bad)


def test_actors_and_places_are_counted_per_event(db):
    places = db.places().set_index("name")
    assert places.loc["Almaty", "events"] == 1 and places.loc["Almaty", "articles"] == 2
    assert set(places.index) == {"Almaty", "Astana", "Dakar", "France"}
    assert list(db.places(country="SEN")["name"]) == ["Dakar"]
    actors = db.actors()
    tokayev = actors[actors["name"] == "Kassym-Jomart Tokayev"].iloc[0]
    assert (tokayev.country, tokayev.sector, tokayev.as_source, tokayev.as_target) == ("KAZ", "GOV", 1, 0)
    assert actors[actors["name"] == "CSTO"].iloc[0].as_target == 1


def test_timeline_counts_day_precision_events_per_day_and_type(db):
    assert db.timeline() == [{"date": "2022-01-05", "type": "REQUEST", "events": 1},
                             {"date": "2022-01-06", "type": "MOBILIZE", "events": 1}]
    assert db.timeline(type="PROTEST") == []


def test_document_shows_flags_removed_lines_and_its_events(db):
    doc = db.document("d-none")
    assert doc["flags"]["truncated"] and doc["flags"]["read_fraction"] == 0.4
    assert doc["flags"]["machine_translated"] and doc["flags"]["translated_from"] == "fr"
    assert doc["removed"] == [{"text": "You have 60% of this article to read.",
                               "reason": "paywall: 'You have N% of this article to read' notice"}]
    assert doc["events"] == []
    kaz = db.document("d-kaz-1")
    assert kaz["source"] == {"path": "in/d-kaz-1.html", "url": None, "format": "html"}
    assert [(e["id"], e["cluster_id"]) for e in kaz["events"]] == [("d-kaz-1-e1", "c-mob"),
                                                                    ("d-kaz-1-e2", "c-req")]


def test_documents_filters(db):
    assert set(db.documents(format="txt")["id"]) == {"d-kaz-2", "d-none"}
    assert set(db.documents(translated=True)["id"]) == {"d-none"}
    assert set(db.documents(truncated=False)["id"]) == {"d-kaz-1", "d-kaz-2", "d-sen", "d-fr"}
    assert set(db.documents(text="AIRBORNE")["id"]) == {"d-kaz-2"}
    assert db.count_documents() == 5
    with pytest.raises(ValueError, match="format"):
        db.documents(format="pdf")
    found = db.search("almaty")
    # an event matches through its evidence or the title of a report carrying it
    assert ids(found["events"]) == {"c-mob", "c-req"}
    assert set(found["documents"]["id"]) == {"d-kaz-1", "d-kaz-2"}


def test_overview_lists_types_countries_and_date_range(db):
    o = db.overview()
    assert (o["documents"], o["events"], o["reporting_documents"]) == (5, 5, 4)
    assert (o["first_date"], o["last_date"]) == ("2022-01-05", "2023-03")
    assert {c["country"]: c["events"] for c in o["countries"]} == {
        "KAZ": 2, "RUS": 1, "SEN": 2, "FRA": 1}


def test_events_no_cluster_holds_yet_stand_as_events_of_their_own(db_path, tmp_path):
    # a database written before resolve ran: clusters empty, or no cluster tables at all
    for drop in (False, True):
        path = tmp_path / f"unresolved-{drop}.duckdb"
        shutil.copy(db_path, path)
        con = duckdb.connect(str(path))
        con.execute("DELETE FROM cluster_members WHERE cluster_id = 'c-mob'")
        con.execute("DELETE FROM clusters WHERE id = 'c-mob'")
        if drop:
            con.execute("DROP TABLE cluster_members")
            con.execute("DROP TABLE clusters")
        con.close()
        with chronicle.open(path) as unresolved:
            events = unresolved.events()
            assert {"d-kaz-1-e1", "d-kaz-2-e1"} <= set(events["id"])
            assert len(events) == 6 and set(events["num_articles"]) == {1}
            single = unresolved.event("d-kaz-2-e1")
            assert [s["doc_id"] for s in single["sources"]] == ["d-kaz-2"]
            assert ids(unresolved.events(country="KAZ")) >= {"d-kaz-1-e1", "d-kaz-2-e1"}


def test_open_names_the_fix_for_a_missing_or_foreign_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="chronicle ingest"):
        chronicle.open(tmp_path / "missing.duckdb")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (x INTEGER)").close()
    with pytest.raises(StoreError, match="not a Chronicle database"):
        chronicle.open(other)


def test_one_handle_serves_many_threads_at_once(db):
    queries = [dict(country="KAZ"), dict(type="PROTEST"), dict(actor="lab"), dict(text="almaty"),
               dict(since="2023"), dict(near=(43.25, 76.91, 50))]
    expected = [ids(db.events(**q)) for q in queries]
    failures = []

    def worker(n):
        try:
            for i in range(15):
                k = (n + i) % len(queries)
                if ids(db.events(**queries[k])) != expected[k]:
                    failures.append((n, i))
        except Exception as err:  # noqa: BLE001 - collected and asserted below
            failures.append(repr(err))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# --- `chronicle events`: the same filters on the command line -----------------------------------


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_cli_events_filters_are_the_query_filters(db, db_path):
    result = run("events", "--db", db_path, "--country", "KAZ", "--actor", "russian",
                 "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == list(db.events(country="KAZ", actor="russian")["id"])
    assert rows[0]["num_articles"] == 2 and rows[0]["location_name"] == "Almaty"
    result = run("events", "--db", db_path, "--near", "14.7,-17.4,20", "--since", "2023",
                 "--type", "protest", "--mode", "demo", "--text", "dakar", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,date,") and [line.split(",")[0] for line in lines[1:]] == ["c-dock"]


def test_cli_events_table_keeps_the_old_options(db_path):
    result = run("events", "--db", db_path, "--type", "MOBILIZE", "--country", "KAZ",
                 "--since", "2022-01-01", "--until", "2022-01-31", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert "c-mob" in result.stdout and "Russian paratroopers [RUS/MIL]" in result.stdout
    assert "c-req" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--near", "43,76"], "LAT,LON,KM"),
    (["--country", "Kazakhstan"], "alpha-3"),
    (["--since", "2022-13-01"], "date"),
])
def test_cli_events_bad_filter_exits_2_with_the_reason(db_path, args, message):
    result = run("events", "--db", db_path, *args)
    assert result.exit_code == 2 and message in result.output


def test_cli_events_missing_database_exits_2_naming_the_fix(tmp_path):
    result = run("events", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 2 and "chronicle ingest" in result.output


def test_cli_events_pages_with_offset_and_order(db, db_path):
    def listed(*args):
        result = run("events", "--db", db_path, "--format", "jsonl", *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["id"] for line in result.stdout.splitlines()]

    newest_first = list(db.events(order="-date")["id"])
    assert listed("--order", "-date") == newest_first
    assert listed("--order", "-date", "--limit", "2", "--offset", "1") == newest_first[1:3]
    assert listed("--order", "-articles", "--limit", "1") == ["c-mob"]
    assert listed("--event-country", "SEN") == ["c-dock"]
    bad = run("events", "--db", db_path, "--order", "random()")
    assert bad.exit_code == 2 and "date" in bad.output
    assert run("events", "--db", db_path, "--offset", "-1").exit_code == 2


def test_cli_documents_and_errors_print_whole_columns_when_piped(tmp_path):
    """CliRunner's stdout is no terminal, as in `chronicle documents | grep …`."""
    from chronicle.record import IngestError

    title = "Protesters in Almaty and Astana demand the release of everyone detained since January 5"
    path = "archive/2022/01/kazakhstan/reports-from-the-regions/almaty-protest-detentions-follow-up.txt"
    reason = ("WARC record 7 is not a response: its Content-Type is text/dns, which carries no "
              "article (skip DNS records when you crawl)")
    db = tmp_path / "long.duckdb"
    with Store(db) as store:
        store.write_document(Document(id="long-doc", text="Protesters gathered.", title=title,
                                      language="en", source=Source(path=path, format="txt")))
        store.write_error(IngestError(path=path, item="record 7", reason=reason))
    documents = run("documents", "--db", db)
    assert documents.exit_code == 0, documents.output
    row = next(line for line in documents.stdout.splitlines() if "long-doc" in line)
    assert title in row and path in row
    errors = run("errors", "--db", db)
    row = next(line for line in errors.stdout.splitlines() if "record 7" in line)
    assert path in row and reason in row


def test_the_unfiltered_views_are_kept_after_resolve_and_equal_what_is_computed_live(tmp_path):
    """The page's default view at a million events aggregates every cluster: resolve keeps the
    results (`refresh_summaries`), readers use them while nothing was written since, and they
    are what the live queries give."""
    import chronicle
    from chronicle.resolve import resolve_store
    from chronicle.scale.simulate import documents
    from chronicle.store import Store

    path = tmp_path / "s.duckdb"
    docs = list(documents(300, seed=6, days=60))
    with Store(path) as store:
        store.write_documents(docs[:200])
        resolve_store(store, doc_ids=[d.id for d in docs[:200]])
    with chronicle.open(path) as db:
        assert db._summary("overview") is not None
        assert db.overview() == db._overview()
        assert db.timeline() == db._timeline()
        assert db.place_records(limit=5, offset=2) == db._place_records(limit=5, offset=2)
        assert db.place_records() == db._place_records()
        assert db.timeline(type="PROTEST") == db._timeline(type="PROTEST")  # filtered: live
        before = db.overview()["documents"]
    with Store(path) as store:  # written, not yet resolved: the kept views no longer hold
        store.write_documents(docs[200:])
    with chronicle.open(path) as db:
        assert db._summary("overview") is None
        assert db.overview()["documents"] == before + 100


def test_the_kept_views_updated_by_each_incremental_resolve_equal_what_is_computed_live(tmp_path):
    """An incremental resolve updates the kept views by what it changed (the clusters it removed
    and wrote, the documents that gained or lost their last event) instead of aggregating every
    cluster again; after new reports, re-ingested ones with other dates, types and fewer events,
    and one emptied of its events, they are still what the live queries give."""
    import chronicle
    from chronicle.resolve import resolve_store
    from chronicle.scale.simulate import documents
    from chronicle.store import Store

    path = tmp_path / "s.duckdb"
    docs = list(documents(240, seed=8, days=40, countries=5))
    with Store(path) as store:
        store.write_documents(docs[:150])
        resolve_store(store, doc_ids=[d.id for d in docs[:150]])
    batches = [docs[150:200], docs[200:]]
    with Store(path) as store:
        changed = [store.get_document(d.id) for d in docs[10:40:3]]
    from demo_db import edit_reports

    edit_reports(changed, empty_first=True)
    batches.append(changed)
    for batch in batches:
        with Store(path) as store:
            store.write_documents(batch)
            resolve_store(store, doc_ids=[d.id for d in batch])
            summary = store.con.execute("SELECT value FROM meta WHERE key = 'summaries_clusters'").fetchone()
            clusters = store.con.execute("SELECT value FROM meta WHERE key = 'clusters'").fetchone()
            assert summary == clusters  # kept for the clusters as they are now
        with chronicle.open(path) as db:
            assert db._summary("overview") is not None
            assert db.overview() == db._overview()
            assert db.timeline() == db._timeline()
            assert db.place_records() == db._place_records()
