"""`chronicle serve`: the HTTP API over the demo database, as the page and a script use it.

The demo database is what `make demo` builds (examples/, the Moscow/Kazakhstan sample when present)
plus a report published twice — an HTML page and the same text as plain text — which must come
back as one event reported by two articles.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import chronicle
from chronicle.cli import cli
from chronicle.serve import create_app
from chronicle.serve.app import STATIC
from demo_db import COPY_EVIDENCE, SEED, demo_db, empty_db, live_server


@pytest.fixture(scope="module")
def db_path():
    return demo_db()


@pytest.fixture(scope="module")
def client(db_path):
    with TestClient(create_app(db_path)) as c:
        yield c


def test_a_report_published_as_html_and_as_text_is_one_event_with_two_articles(client):
    found = client.get("/api/events", params={"text": "detained 23 activists"}).json()
    assert found["total"] >= 1
    detention = [e for e in found["events"] if e["evidence"] == COPY_EVIDENCE]
    assert len(detention) == 1, found["events"]
    event = client.get(f"/api/events/{detention[0]['id']}").json()
    assert event["num_articles"] == 2
    formats = sorted(s["document"]["source_format"] for s in event["sources"])
    assert formats == ["html", "txt"]
    for source in event["sources"]:
        doc = client.get(f"/api/documents/{source['doc_id']}").json()
        ev = source["evidence"]
        assert doc["text"][ev["start"]:ev["end"]].strip() == COPY_EVIDENCE


def test_events_page_through_all_results_with_a_total(client):
    everything = client.get("/api/events", params={"limit": 500}).json()
    total = everything["total"]
    assert total == len(everything["events"]) > 10
    pages, offset = [], 0
    while offset < total:
        page = client.get("/api/events", params={"limit": 7, "offset": offset}).json()
        assert page["total"] == total and page["offset"] == offset
        pages += [e["id"] for e in page["events"]]
        offset += 7
    assert pages == [e["id"] for e in everything["events"]]
    assert client.get("/api/events", params={"limit": 100000}).json()["limit"] == 500


def test_api_filters_are_the_python_api_filters(client, db_path):
    params = {"country": "KAZ", "type": "MOBILIZE,AID,REQUEST,ACCUSE,PROTEST"}
    api_ids = [e["id"] for e in client.get("/api/events", params=params | {"order": "date"}).json()["events"]]
    with chronicle.open(db_path) as db:
        assert api_ids == list(db.events(country="KAZ", type=params["type"].split(","))["id"])
        assert client.get("/api/places", params={"country": "KAZ"}).json()["places"] == \
            db.place_records(country="KAZ")
    # an empty form field is no filter
    assert client.get("/api/events", params={"country": "", "text": ""}).json()["total"] == \
        client.get("/api/events").json()["total"]


@pytest.mark.skipif(not SEED.is_file(), reason=f"the shared sample {SEED} is absent")
def test_kazakhstan_deployment_is_at_almaty_with_its_evidence_in_the_text(client):
    events = client.get("/api/events", params={"country": "KAZ", "type": "MOBILIZE,AID"}).json()["events"]
    almaty = [e for e in events if e["location_name"] == "Almaty"]
    assert almaty, events
    event = client.get(f"/api/events/{almaty[0]['id']}").json()
    assert event["location"]["country"] == "KAZ" and round(event["location"]["lat"]) == 43
    source = event["sources"][0]
    assert source["document"]["machine_translated"] and source["document"]["truncated"]
    doc = client.get(f"/api/documents/{source['doc_id']}").json()
    assert doc["text"][source["evidence"]["start"]:source["evidence"]["end"]] == source["evidence"]["text"]
    assert any(r["reason"].startswith("paywall") for r in doc["removed"])
    assert any(e["cluster_id"] == event["id"] for e in doc["events"])


def test_document_shows_what_cleaning_removed_and_why(client):
    docs = client.get("/api/documents", params={"translated": "true", "limit": 500}).json()
    strike = [d for d in docs["documents"] if d["source_path"].endswith("harbour-strike-translated.txt")]
    assert strike and strike[0]["removed"] > 0
    doc = client.get(f"/api/documents/{strike[0]['id']}").json()
    assert doc["flags"]["machine_translated"] and doc["flags"]["truncated"]
    assert len(doc["removed"]) == strike[0]["removed"]
    assert all(r["text"] and r["reason"] for r in doc["removed"])
    assert any("paywall" in r["reason"] for r in doc["removed"])
    # the removed lines are gone from the cleaned text
    assert not any(r["text"] in doc["text"] for r in doc["removed"] if r["reason"].startswith("paywall"))


def test_search_finds_events_by_evidence_and_documents_by_text(client):
    found = client.get("/api/search", params={"q": "Bishkek"}).json()
    assert found["q"] == "Bishkek"
    assert any(e["evidence"] == COPY_EVIDENCE for e in found["events"])
    assert {d["source_format"] for d in found["documents"]} == {"html", "txt"}


def test_actors_and_overview(client):
    actors = client.get("/api/actors").json()["actors"]
    assert actors and all(a["events"] >= 1 and a["as_source"] + a["as_target"] >= 1 for a in actors)
    overview = client.get("/api/overview").json()
    assert overview["events"] == client.get("/api/events").json()["total"]
    assert {t["type"] for t in overview["types"]} <= set(chronicle.query.EVENT_TYPES)


def test_event_country_is_where_the_event_happened_in_the_api_and_the_python_api(client, db_path):
    overview = client.get("/api/overview").json()
    places = {c["country"]: c["events"] for c in overview["event_countries"]}
    assert places and sum(places.values()) <= overview["events"]
    country, count = max(places.items(), key=lambda kv: kv[1])
    found = client.get("/api/events", params={"event_country": country, "limit": 500}).json()
    assert found["total"] == count
    assert {e["location_country"] for e in found["events"]} == {country}
    with chronicle.open(db_path) as db:
        assert [e["id"] for e in found["events"]] == list(
            db.events(event_country=country, order="-date")["id"])
    # `country` also matches the actors' countries: never fewer events
    assert client.get("/api/events", params={"country": country}).json()["total"] >= count


def _export_file(db_path, fmt, tmp_path, **filters):
    from chronicle.export import export

    out = tmp_path / f"expected.{fmt}"
    with chronicle.open(db_path) as db:
        export(db, fmt, out, **filters)
    return out.read_bytes()


@pytest.mark.parametrize("fmt, media_type, name", [
    ("csv", "text/csv", "events.csv"), ("jsonl", "application/x-ndjson", "events.jsonl"),
    ("gdelt", "text/tab-separated-values", "events.gdelt.tsv"),
    ("acled", "text/csv", "events.acled.csv"),
])
def test_a_download_of_the_filtered_events_is_what_chronicle_export_writes(client, db_path, tmp_path,
                                                                          fmt, media_type, name):
    params = {"format": fmt, "type": "PROTEST,COERCE,ASSAULT", "since": "2020"}
    response = client.get("/api/export", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    expected = _export_file(db_path, fmt, tmp_path, type="PROTEST,COERCE,ASSAULT", since="2020")
    assert response.content == expected and len(expected.splitlines()) > 2


def test_a_parquet_download_opens_in_pandas_with_the_filtered_rows(client, db_path, tmp_path):
    import pandas as pd

    from chronicle.export import EVENT_COLUMNS

    response = client.get("/api/export", params={"format": "parquet", "text": "Bishkek"})
    assert response.status_code == 200
    (tmp_path / "got.parquet").write_bytes(response.content)
    df = pd.read_parquet(tmp_path / "got.parquet")
    assert list(df.columns) == EVENT_COLUMNS
    assert sorted(df["id"]) == sorted(e["id"] for e in client.get(
        "/api/events", params={"text": "Bishkek", "limit": 500}).json()["events"])


def test_a_download_is_streamed_in_chunks_on_a_live_server(db_path):
    with live_server(db_path) as base, httpx.Client(base_url=base, timeout=30) as http:
        with http.stream("GET", "/api/export", params={"format": "jsonl"}) as response:
            assert response.status_code == 200
            assert "content-length" not in response.headers  # sent as it is written
            lines = b"".join(response.iter_bytes()).decode("utf-8").splitlines()
        assert len(lines) == http.get("/api/events").json()["total"]


@pytest.mark.parametrize("url, status, message", [
    ("/api/export?format=xlsx", 400, "unknown export format"),
    ("/api/export?format=csv&event_country=Kyrgyzstan", 400, "alpha-3"),
    ("/api/events?event_country=KG", 400, "event_country"),
    ("/api/events/not-an-event", 404, "no event"),
    ("/api/documents/not-a-document", 404, "no document"),
    ("/api/no-such-endpoint", 404, "Not Found"),
    ("/api/events?country=Kazakhstan", 400, "alpha-3"),
    ("/api/events?type=RIOT", 400, "PLOVER"),
    ("/api/events?since=2022-02-30", 400, "not a real date"),
    ("/api/events?near=1,2", 400, "LAT,LON,KM"),
    ("/api/events?order=random()", 400, "order"),
    ("/api/events?limit=abc", 422, "limit"),
    ("/api/events?limit=0", 422, "limit"),
    ("/api/events?offset=-5", 422, "offset"),
    ("/api/documents?format=pdf", 400, "format"),
    ("/api/search", 422, "q"),
])
def test_errors_are_json_with_a_reason_and_status(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert message in response.json()["error"]


def test_page_loads_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("index.html", "app.js", "style.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        # the only absolute URL allowed is the SVG namespace, an identifier that is never fetched
        urls = set(re.findall(r"https?://[^\s\"'`)]+", text)) - {"http://www.w3.org/2000/svg"}
        urls |= set(re.findall(r"""(?:src|href|url)\s*[=(]\s*["']?//[^\s"')]+""", text))  # protocol-relative
        assert not urls, (name, urls)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset
    world = client.get("/static/world.json").json()
    codes = {c["iso"] for c in world["countries"]}
    assert len(world["countries"]) > 150 and {"KAZ", "RUS", "FRA", "SEN", "USA"} <= codes
    assert "Natural Earth" in world["source"]


def test_api_docs_are_served_without_a_cdn(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", docs.text)
    assert assets and not [a for a in assets if "//" in a]
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    schema = client.get("/openapi.json").json()
    assert {"/api/events", "/api/events/{event_id}", "/api/documents/{doc_id}", "/api/search"} <= set(schema["paths"])


def test_an_empty_database_gives_empty_answers():
    with TestClient(create_app(empty_db())) as c:
        assert c.get("/api/events").json() == {"total": 0, "limit": 100, "offset": 0, "events": []}
        assert c.get("/api/places").json() == {"places": []}
        assert c.get("/api/timeline").json() == {"days": []}
        assert c.get("/api/actors").json() == {"actors": []}
        assert c.get("/api/search", params={"q": "x"}).json()["events"] == []
        overview = c.get("/api/overview").json()
        assert (overview["events"], overview["documents"], overview["types"]) == (0, 0, [])


def test_concurrent_requests_on_a_live_server_all_succeed(db_path):
    queries = [{"country": "KAZ"}, {"type": "AGREE"}, {"text": "police"}, {"since": "2026"},
               {"near": "43.25,76.91,100"}, {"actor": "gov"}]
    with live_server(db_path) as base, httpx.Client(base_url=base, timeout=30) as http:
        expected = [http.get("/api/events", params=q).json()["total"] for q in queries]

        def fetch(i):
            with httpx.Client(base_url=base, timeout=30) as own:
                r = own.get("/api/events", params=queries[i % len(queries)])
                return r.status_code, r.json()["total"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(fetch, range(48)))
    assert results == [(200, expected[i % len(queries)]) for i in range(48)]


# --- the `serve` command -----------------------------------------------------------------------


def test_serve_no_serve_checks_the_database_and_prints_the_url(db_path):
    result = CliRunner().invoke(cli, ["serve", "--db", str(db_path), "--port", "8123", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output and "events from" in result.output


def test_serve_without_a_database_exits_2_naming_the_fix(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "nothing.duckdb")])
    assert result.exit_code == 2
    assert "no database" in result.output and "chronicle ingest" in result.output


def test_serve_refuses_a_port_in_use(db_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--db", str(db_path), "--port", str(port),
                                          "--no-browser"])
    assert result.exit_code == 2 and "another --port" in result.output


def test_serve_starts_and_answers(db_path):
    """The real command in a thread: the page and the API answer on the chosen port."""
    from demo_db import free_port

    port = free_port()
    runner = threading.Thread(target=CliRunner().invoke, daemon=True, args=(
        cli, ["serve", "--db", str(db_path), "--port", str(port), "--no-browser"]))
    runner.start()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        for _ in range(100):
            try:
                page = http.get("/")
                break
            except httpx.TransportError:
                threading.Event().wait(0.1)
        else:
            pytest.fail("chronicle serve did not start")
        assert page.status_code == 200 and "<title>Chronicle</title>" in page.text
        assert http.get("/api/events", params={"limit": 1}).json()["total"] > 0
