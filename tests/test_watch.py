"""`chronicle watch` and `chronicle serve --watch`: feeds served over HTTP by a server started here,
on 127.0.0.1 only, whose feeds change between polls; a feed that fails with 500, one that returns
garbage; folders where files are dropped. The reports are written for these tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chronicle import __version__
from chronicle.store import Store
from chronicle.watch import AlertRule, Watcher, WatchError, parse_interval

REPO = Path(__file__).resolve().parents[1]

# (link, title, text): one wire report each. The two Almaty reports tell one shooting.
ALMATY_A = ("https://steppe.example/2022/01/almaty-shooting", "Police fire on Almaty protesters",
            "Kazakh police fired on protesters in Almaty on Wednesday, 5 January 2022, killing at "
            "least eight people, witnesses said.")
ALMATY_B = ("https://wire.example/kz/almaty-deaths", "Eight killed in Almaty",
            "Kazakh police fired on demonstrators in Almaty on Wednesday, 5 January 2022, killing "
            "eight people, a rights group said.")
BISHKEK = ("https://wire.example/kg/bishkek-rally", "Activists detained in Bishkek",
           "Kyrgyz police detained 23 activists in Bishkek on Saturday, 7 March 2026, after a rally "
           "against a proposed media law, the interior ministry said.")
DAKAR = ("https://coast.example/sn/dakar-port", "Dock workers strike in Dakar",
         "Hundreds of dock workers went on strike at the port of Dakar on Monday, 2 March 2026, "
         "demanding higher wages, union leaders said.")


def rss(*items) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Thu, 06 Jan 2022 10:00:00 GMT</pubDate><description>{text}</description></item>"
        for link, title, text in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test wire'
            f"</title><link>https://wire.example/</link><language>en</language>{entries}"
            "</channel></rss>").encode()


class FeedServer:
    """An HTTP server on 127.0.0.1 whose pages the test changes: path -> (status, body). It
    answers a conditional request with 304 when the body is unchanged (ETag and Last-Modified),
    and remembers every request's headers."""

    def __init__(self):
        self.pages: dict[str, tuple[int, bytes]] = {}
        self.requests: list[tuple[str, dict]] = []
        self._stamps: dict[str, tuple[bytes, str]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                server.requests.append((self.path, dict(self.headers)))
                status, body = server.pages.get(self.path, (404, b"not found"))
                if status != 200:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                etag = f'"{abs(hash(body))}"'
                if self.path not in server._stamps or server._stamps[self.path][0] != body:
                    server._stamps[self.path] = (body, formatdate(usegmt=True))
                modified = server._stamps[self.path][1]
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def hits(self, path: str) -> list[dict]:
        return [headers for p, headers in self.requests if p == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = FeedServer()
    yield srv
    srv.close()


class Lines(list):
    def __call__(self, line):
        self.append(line)


def watcher_for(store, sources, **kw):
    log, emit = Lines(), Lines()
    kw.setdefault("settle", 0)
    w = Watcher(sources, store, log=log, emit=emit, **kw)
    return w, log, emit


def stored(store) -> dict[str, str]:
    _, rows = store.query("SELECT source_url, title FROM documents ORDER BY source_url")
    return dict(rows)


def test_a_feed_is_polled_with_conditional_requests_and_only_new_items_are_ingested(tmp_path, server):
    server.pages["/wire.rss"] = (200, rss(ALMATY_A, BISHKEK))
    store = Store(tmp_path / "db.duckdb")
    w, log, _ = watcher_for(store, [server.url("/wire.rss")])

    first = w.poll(all_sources=True)
    assert first.written == 2 and not first.failed
    assert set(stored(store)) == {ALMATY_A[0], BISHKEK[0]}
    _, paths = store.query("SELECT DISTINCT source_path FROM documents")
    assert paths == [(server.url("/wire.rss"),)]  # the feed's URL names where they came from
    agent = server.hits("/wire.rss")[0]["User-Agent"]
    assert agent.startswith(f"Chronicle/{__version__} ")

    again = w.poll(all_sources=True)  # nothing changed: the server says so with a 304
    assert again.written == 0
    second = server.hits("/wire.rss")[1]
    assert second.get("If-None-Match") and second.get("If-Modified-Since")

    server.pages["/wire.rss"] = (200, rss(DAKAR, ALMATY_A, BISHKEK))  # one new item on top
    third = w.poll(all_sources=True)
    assert third.written == 1 and third.unchanged == 2
    assert set(stored(store)) == {ALMATY_A[0], BISHKEK[0], DAKAR[0]}
    # the events are resolved as `chronicle ingest` resolves them
    assert store.query("SELECT count(*) FROM events WHERE id NOT IN "
                       "(SELECT event_id FROM cluster_members)")[1] == [(0,)]
    store.close()

    # a restart keeps the feed's ETag: the first request is already conditional
    store = Store(tmp_path / "db.duckdb")
    w, _, _ = watcher_for(store, [server.url("/wire.rss")])
    assert w.poll(all_sources=True).written == 0
    assert server.hits("/wire.rss")[-1].get("If-None-Match")
    store.close()


def test_a_feed_that_is_down_or_returns_garbage_costs_only_itself_and_is_retried(tmp_path, server):
    server.pages["/good.rss"] = (200, rss(BISHKEK))
    server.pages["/down.rss"] = (500, b"Internal Server Error")
    server.pages["/junk.rss"] = (200, b"\x89PNG\r\n\x1a\n garbage, not a feed <<<>>>")
    store = Store(tmp_path / "db.duckdb")
    sources = [server.url("/down.rss"), server.url("/junk.rss"), server.url("/good.rss"),
               server.url("/gone.rss"), "http://127.0.0.1:9/refused.rss"]
    w, log, _ = watcher_for(store, sources, every=600)

    report = w.poll()
    assert report.written == 1 and set(stored(store)) == {BISHKEK[0]}
    assert sorted(report.failed) == sorted(s for s in sources if "good" not in s)
    failing = [line for line in log if "retry in" in line]
    assert len(failing) == 4  # one line each
    assert any("/down.rss: HTTP 500" in line for line in failing)
    assert any("/gone.rss: HTTP 404" in line for line in failing)
    assert any("/junk.rss: not" in line and "feed" in line for line in failing)
    assert any("refused.rss: cannot reach it" in line for line in failing)
    assert all("\n" not in line for line in log)
    # back-off: a failing source is retried after a minute, the good one waits the whole interval
    down = next(s for s in w.sources if s.name.endswith("/down.rss"))
    good = next(s for s in w.sources if s.name.endswith("/good.rss"))
    assert 50 < down.next_due - time.monotonic() <= 60 < good.next_due - time.monotonic()
    # the failures are on record, as `chronicle errors` shows them
    _, errors = store.query("SELECT path, reason FROM ingest_errors ORDER BY path")
    assert (server.url("/down.rss"), "HTTP 500 Internal Server Error") in errors

    down.next_due = 0  # time passes; the feed is up again; a second failure doubles the wait
    server.pages["/down.rss"] = (200, rss(DAKAR))
    junk = next(s for s in w.sources if s.name.endswith("/junk.rss"))
    junk.next_due = 0
    report = w.poll()
    assert report.written == 1 and DAKAR[0] in stored(store)
    assert any("/down.rss: back after 1 failure" in line for line in log)
    assert junk.failures == 2 and 110 < junk.next_due - time.monotonic() <= 120
    store.close()


def test_folders_and_warc_drops_are_ingested_once_each_file_is_new_or_changed(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    store = Store(tmp_path / "db.duckdb")
    w, log, _ = watcher_for(store, [str(drop)])
    assert w.poll(all_sources=True).written == 0

    (drop / "bishkek.txt").write_text(BISHKEK[1] + "\n\n" + BISHKEK[2] + "\n", encoding="utf-8")
    (drop / "crawl.warc.gz").write_bytes((REPO / "examples" / "crawl.warc.gz").read_bytes())
    (drop / "crawl.warc.gz.open").write_bytes(b"a crawler still writing")  # not a supported name
    report = w.poll(all_sources=True)
    n_after_drop = store.query("SELECT count(*) FROM documents")[1][0][0]
    assert report.written == n_after_drop >= 2
    _, formats = store.query("SELECT DISTINCT source_format FROM documents ORDER BY 1")
    assert formats == [("txt",), ("warc",)]

    assert w.poll(all_sources=True).written == 0  # nothing new: no file is read again
    (drop / "dakar.txt").write_text(DAKAR[1] + "\n\n" + DAKAR[2] + "\n", encoding="utf-8")
    report = w.poll(all_sources=True)
    assert report.written == 1 and report.unchanged == 0
    store.close()


def test_a_file_still_being_written_waits_until_it_settles(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    store = Store(tmp_path / "db.duckdb")
    w, _, _ = watcher_for(store, [str(drop)], settle=3600)
    (drop / "bishkek.txt").write_text(BISHKEK[2], encoding="utf-8")
    assert w.poll(all_sources=True).written == 0
    w.settle = 0
    assert w.poll(all_sources=True).written == 1
    store.close()


def test_alerts_fire_once_per_matching_event_and_run_the_command_with_its_json(tmp_path, server):
    server.pages["/a.rss"] = (200, rss(ALMATY_A, BISHKEK))
    server.pages["/b.rss"] = (200, rss(DAKAR))
    store = Store(tmp_path / "db.duckdb")
    out = tmp_path / "alerts.jsonl"
    cmd = f"{sys.executable} -c \"import sys; open({str(out)!r}, 'a').write(sys.stdin.read().strip() + chr(10))\""
    w, log, emit = watcher_for(store, [server.url("/a.rss"), server.url("/b.rss")],
                               alerts=["type=ASSAULT country=KAZ min_reports=2",
                                       "type=COERCE country=KGZ"], alert_cmd=cmd)
    w.poll(all_sources=True)
    # the arrests in Bishkek match the second rule at once; the shooting has one report so far
    assert len(emit) == 1 and emit[0].startswith("ALERT [type=COERCE country=KGZ] ")
    assert "Bishkek" in emit[0] and "1 report(s)" in emit[0]

    server.pages["/b.rss"] = (200, rss(ALMATY_B, DAKAR))  # a second outlet reports the shooting
    w.poll(all_sources=True)
    assert len(emit) == 2, emit
    line = emit[1]
    assert line.startswith("ALERT [type=ASSAULT country=KAZ min_reports=2] c-")
    assert "ASSAULT" in line and "Almaty, KAZ" in line and "2 report(s), 2 source(s)" in line

    events = [json.loads(x) for x in out.read_text().splitlines()]
    assert [e["alert"] for e in events] == ["type=COERCE country=KGZ",
                                            "type=ASSAULT country=KAZ min_reports=2"]
    shooting = events[1]
    assert shooting["type"] == "ASSAULT" and shooting["num_articles"] == 2
    assert {s["document"]["url"] for s in shooting["sources"]} == {ALMATY_A[0], ALMATY_B[0]}

    # once per event: polling again, or restarting, announces nothing twice
    server.pages["/a.rss"] = (200, rss(ALMATY_A, BISHKEK, DAKAR))
    w.poll(all_sources=True)
    store.close()
    store = Store(tmp_path / "db.duckdb")
    w2, _, emit2 = watcher_for(store, [server.url("/a.rss")],
                               alerts=["type=ASSAULT country=KAZ min_reports=2"])
    server.pages["/a.rss"] = (200, rss(ALMATY_B))  # the second report again, from another feed
    assert w2.poll(all_sources=True).written == 1
    assert store.query("SELECT max(num_articles) FROM clusters WHERE type = 'ASSAULT'")[1] == [(3,)]
    assert len(emit) == 2 and emit2 == []
    store.close()


def test_stopping_mid_poll_loses_no_document(tmp_path, server):
    items = [(f"https://wire.example/n/{i}", f"Report {i}",
              f"Police in Osh detained {i + 2} traders on Monday, 2 March 2026, after a protest "
              f"over market fees number {i}, officials said.") for i in range(40)]
    server.pages["/many.rss"] = (200, rss(*items))
    store = Store(tmp_path / "db.duckdb")
    w, log, _ = watcher_for(store, [server.url("/many.rss")])
    write = store.write_documents

    def write_then_stop(docs):  # Ctrl-C arrives while the first batch is being stored
        write(docs)
        w.stop()

    store.write_documents = write_then_stop
    report = w.poll(all_sources=True)
    assert report.stopped and 0 < report.written < 40
    assert store.query("SELECT count(*) FROM documents")[1] == [(report.written,)]
    store.close()

    store = Store(tmp_path / "db.duckdb")  # the next start fetches the feed again (no ETag kept)
    w, _, _ = watcher_for(store, [server.url("/many.rss")])
    again = w.poll(all_sources=True)
    assert again.written == 40 - report.written
    assert store.query("SELECT count(*) FROM documents")[1] == [(40,)]
    store.close()


def test_a_poll_that_breaks_is_one_line_and_the_next_poll_stores_everything(tmp_path, server):
    server.pages["/wire.rss"] = (200, rss(BISHKEK, DAKAR))
    store = Store(tmp_path / "db.duckdb")
    w, log, _ = watcher_for(store, [server.url("/wire.rss")], every=0.2)
    write, calls = store.write_documents, []

    def disk_full_once(docs):
        calls.append(len(docs))
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        write(docs)
        w.stop()

    store.write_documents = disk_full_once
    assert w.run() is True
    assert set(stored(store)) == {BISHKEK[0], DAKAR[0]}
    assert [line for line in log if "poll failed (OSError" in line and "trying again in" in line]
    store.close()


def test_rules_and_sources_the_user_writes_wrongly_are_one_line_errors(tmp_path):
    assert parse_interval("15m") == 900 and parse_interval("1h30m") == 5400
    assert parse_interval("90s") == 90 == parse_interval("90")
    with pytest.raises(WatchError, match="15m"):
        parse_interval("soon")
    rule = AlertRule.parse("type=ASSAULT event_country=KAZ min_reports=2 text='tear gas'")
    assert rule.filters == {"type": "ASSAULT", "event_country": "KAZ", "text": "tear gas"}
    assert rule.min_reports == 2
    with pytest.raises(WatchError, match="unknown key 'colour'"):
        AlertRule.parse("colour=red")
    store = Store(tmp_path / "db.duckdb")
    with pytest.raises(WatchError, match="no such file or folder"):
        Watcher([str(tmp_path / "missing")], store)
    with pytest.raises(WatchError, match="only http:// and https://"):
        Watcher(["ftp://example.org/feed.xml"], store)
    with pytest.raises(WatchError, match="--alert 'country=Kazakhstan'"):
        Watcher([str(tmp_path)], store, alerts=["country=Kazakhstan"])
    store.close()


def test_chronicle_watch_once_and_a_sigterm_stop_cleanly(tmp_path, server):
    server.pages["/wire.rss"] = (200, rss(BISHKEK, DAKAR))
    db = tmp_path / "db.duckdb"
    exe = [sys.executable, "-m", "chronicle.cli"]
    done = subprocess.run(exe + ["watch", server.url("/wire.rss"), server.url("/down.rss"),
                                 "--db", str(db), "--once", "--alert", "type=COERCE"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # a source failed
    assert "/down.rss: HTTP 404" in done.stderr and "2 new document(s)" in done.stderr
    assert done.stdout.startswith("ALERT [type=COERCE] ")
    bad = subprocess.run(exe + ["watch", "--db", str(db), str(tmp_path / "nowhere")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no such file or folder" in bad.stderr
    assert "Traceback" not in bad.stderr

    server.pages["/wire.rss"] = (200, rss(ALMATY_A, BISHKEK, DAKAR))
    proc = subprocess.Popen(exe + ["watch", server.url("/wire.rss"), "--db", str(db), "--every", "1s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(server.hits("/wire.rss")) < 3:
        time.sleep(0.2)  # the first poll ingests the new report, the next ones get 304
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopping" in err and "1 new document(s)" in err
    with Store(db) as store:
        assert len(stored(store)) == 3


def test_serve_with_watch_shows_reports_the_watcher_ingests(tmp_path, server):
    from fastapi.testclient import TestClient

    from chronicle.query import Chronicle
    from chronicle.serve import create_app

    server.pages["/wire.rss"] = (200, rss(BISHKEK))
    store = Store(tmp_path / "db.duckdb")
    w, log, _ = watcher_for(store, [server.url("/wire.rss")], every=0.2)
    app = create_app(store.path, connection=store.con.cursor(), background=w)

    def wait_for(check):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(0.1)
        return False

    with TestClient(app) as client:
        def titles():
            docs = client.get("/api/documents").json()["documents"]
            return {d["title"] for d in docs}

        assert wait_for(lambda: BISHKEK[1] in titles()), log
        server.pages["/wire.rss"] = (200, rss(DAKAR, BISHKEK))  # a new report while the page is up
        assert wait_for(lambda: DAKAR[1] in titles()), log
        found = client.get("/api/events", params={"text": "detained 23 activists"}).json()
        assert found["total"] == 1
    # leaving the app stopped the watcher
    assert w.stopping
    store.close()
    with Chronicle(tmp_path / "db.duckdb") as chron:
        assert chron.count_documents() == 2
