"""Databases and a live server shared by the read-side tests (test_query, test_serve, test_browser).

`demo_db()` ingests, once per test run, what `make demo` shows a user: the repository's examples,
the shared Moscow/Kazakhstan sample when it is beside the repository, and three reports written
here: one report published twice (an HTML page and the same text as plain text) and one whose text
contains markup that must never run in the page.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SEED = REPO.parent / "shared" / "samples" / "moscow-kazakhstan.txt"

COPY_TITLE = "Kyrgyz police detain activists after Bishkek rally"
COPY_PARAGRAPHS = [
    "Police in Bishkek detained 23 activists on Saturday, 7 March 2026, after a rally against a "
    "proposed media law outside the parliament building, the interior ministry said.",
    "Organisers said the demonstrators had been peaceful and called for their immediate release.",
    "The bill would require online outlets to register with the culture ministry and to remove "
    "reports the ministry finds false within a day.",
]
COPY_EVIDENCE = COPY_PARAGRAPHS[0]

XSS_TITLE = "Banner at Osh fuel protest quoted web code"
XSS_SCRIPT = "<script>window.__chronicleXss = 'script'</script>"
XSS_IMG = "<img src=x onerror=\"window.__chronicleXss = 'img'\">"
XSS_TEXT = (
    f"{XSS_TITLE}\n\n"
    "Hundreds of protesters rallied outside the regional administration in Osh on Sunday, "
    "8 March 2026, demanding lower fuel prices, local reporters said.\n\n"
    f"One banner carried the words {XSS_SCRIPT} in large red letters.\n\n"
    f"Another banner read {XSS_IMG} beside a drawing of a fuel pump.\n\n"
    "Police dispersed the crowd in the evening and detained 12 people, a rights group said.\n")

_cache: dict[str, Path] = {}
_lock = threading.Lock()


def _write_extra_reports(folder: Path) -> None:
    body = "".join(f"<p>{p}</p>\n" for p in COPY_PARAGRAPHS)
    (folder / "bishkek-rally.html").write_text(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{COPY_TITLE} | Steppe Wire</title>"
        "<meta property=\"og:site_name\" content=\"Steppe Wire\">"
        "<meta property=\"article:published_time\" content=\"2026-03-07T18:00:00Z\">"
        "</head><body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>"
        f"<article><h1>{COPY_TITLE}</h1>\n{body}</article>"
        "<footer>© Steppe Wire</footer></body></html>\n", encoding="utf-8")
    (folder / "bishkek-rally-copy.txt").write_text(
        COPY_TITLE + "\n\n" + "\n\n".join(COPY_PARAGRAPHS) + "\n", encoding="utf-8")
    (folder / "osh-banner.txt").write_text(XSS_TEXT, encoding="utf-8")


def ingest(db: Path, *paths: Path) -> None:
    from chronicle.cli import cli

    result = CliRunner().invoke(cli, ["ingest", *map(str, paths), "--db", str(db), "--workers", "1"],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output


def demo_db() -> Path:
    """The demo database (built on first use, then reused by every test in the run)."""
    with _lock:
        if "demo" not in _cache:
            folder = Path(tempfile.mkdtemp(prefix="chronicle-demo-"))
            extra = folder / "reports"
            extra.mkdir()
            _write_extra_reports(extra)
            inputs = [EXAMPLES, extra] + ([SEED] if SEED.is_file() else [])
            ingest(folder / "demo.duckdb", *inputs)
            _cache["demo"] = folder / "demo.duckdb"
        return _cache["demo"]


def empty_db() -> Path:
    """A Chronicle database with every table and no documents."""
    from chronicle.store import Store

    with _lock:
        if "empty" not in _cache:
            path = Path(tempfile.mkdtemp(prefix="chronicle-empty-")) / "empty.duckdb"
            Store(path).close()
            _cache["empty"] = path
        return _cache["empty"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(db: Path):
    """`chronicle serve` in a thread on a free port; yields the base URL."""
    import uvicorn

    from chronicle.serve import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def edit_reports(docs, empty_first: bool = False) -> None:
    """Change stored reports as a re-ingest of their new versions does, under the same event ids
    (shared by test_query and test_resolve): every third loses its last event, the next has its
    day-precise dates moved, the next its types swapped; with `empty_first`, the first loses all."""
    for k, doc in enumerate(docs):
        if empty_first and k == 0:
            doc.events = []
        elif k % 3 == 0:
            doc.events = doc.events[:-1]
        for ev in doc.events:
            if k % 3 == 1 and ev.date and len(ev.date) == 10:
                ev.date = ev.date[:8] + "%02d" % (int(ev.date[8:]) % 27 + 1)
            elif k % 3 == 2:
                ev.type = "PROTEST" if ev.type != "PROTEST" else "ASSAULT"
