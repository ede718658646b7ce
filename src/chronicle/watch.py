"""`chronicle watch`: keep a database current from RSS/Atom feeds, folders and WARC drop folders.

Every `every` seconds each source is polled and only what is new goes through the same path as
`chronicle ingest` (`pipeline.run` into the store, then `resolve_store`):

- a feed (an http:// or https:// URL) is fetched with a conditional GET (ETag / If-Modified-Since)
  and a User-Agent naming Chronicle and its version; its entries are read by the feed reader and
  entries already stored are skipped by the pipeline's own idempotency (same id, same source);
- a folder (a WARC drop, a crawler's output) or a file is re-read when a file is new or changed
  (size, modification time), once it has not changed for `settle` seconds (a crawler may still
  be writing it).

A source that is down or returns garbage costs only itself: one line on the log, a retry after
1, 2, 4 … minutes (never later than four polling intervals), and the other sources go on.

What was fetched is only marked as seen (the feed's ETag, the file's signature, kept in the
database's `watch_sources` / `watch_files` tables) after its documents are stored, and documents
are stored a batch per transaction: stopping (Ctrl-C, SIGTERM, `stop()`) ends the poll after the
batch being written, and whatever was not stored is fetched again on the next start.

Alerts (`AlertRule`) are filters of `chronicle events` plus report and confidence thresholds; a
stored, resolved event that a new report touched and that matches prints one line (and runs
`alert_cmd` with the event as JSON on stdin), once per event and rule, across restarts.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from . import __version__

USER_AGENT = (f"Chronicle/{__version__} (news event watcher; polls politely with conditional "
              "requests, at most once per interval)")
RETRY_FIRST = 60.0  # seconds before the first retry of a failing source; doubled each time
RETRY_CAP_INTERVALS = 4  # ... and never later than this many polling intervals
FETCH_TIMEOUT = 30.0
ALERT_CMD_TIMEOUT = 60.0

_DDL = [
    """CREATE TABLE IF NOT EXISTS watch_sources (
        source VARCHAR PRIMARY KEY, etag VARCHAR, last_modified VARCHAR, last_ok TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS watch_files (
        path VARCHAR PRIMARY KEY, size BIGINT, mtime_ns BIGINT)""",
    """CREATE TABLE IF NOT EXISTS watch_alerts (
        rule VARCHAR, event_id VARCHAR, cluster_id VARCHAR, alerted_at TIMESTAMP,
        PRIMARY KEY (rule, event_id))""",
]


class WatchError(ValueError):
    """A source or an alert rule the user wrote wrongly; the message names the fix."""


class _Stopped(Exception):
    """Raised between two stored batches when a stop was asked for."""


# --- intervals and alert rules -----------------------------------------------------------------

_INTERVAL = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


def parse_interval(text: str) -> float:
    """'15m', '1h', '1h30m', '90s', '90' (seconds) -> seconds."""
    found = _INTERVAL.match(str(text).strip().lower())
    if not found or not any(found.groups()):
        raise WatchError(f"--every: {text!r} is not an interval; write e.g. 15m, 1h, 90s")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise WatchError(f"--every: {text!r} must be longer than 0 seconds")
    return total


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


FILTER_KEYS = ("country", "event_country", "actor", "type", "mode", "since", "until", "near", "text")
THRESHOLD_KEYS = {"min_reports": int, "min_sources": int, "min_confidence": float}


@dataclass
class AlertRule:
    """`type=ASSAULT country=KAZ min_reports=2`: the filters of `chronicle events` (country,
    event_country, actor, type, mode, since, until, near, text) and thresholds on the merged event (min_reports: how
    many reports carry it, min_sources: how many outlets, min_confidence)."""

    text: str
    filters: dict = field(default_factory=dict)
    min_reports: int = 1
    min_sources: int = 1
    min_confidence: float = 0.0

    @classmethod
    def parse(cls, text: str) -> AlertRule:
        try:
            words = shlex.split(text)
        except ValueError as err:
            raise WatchError(f"--alert {text!r}: {err}") from None
        if not words:
            raise WatchError("--alert: the rule is empty; write e.g. 'type=ASSAULT country=KAZ'")
        rule = cls(text=" ".join(words))
        for word in words:
            key, sep, value = word.partition("=")
            key = key.strip().lower().replace("-", "_")
            if not sep or not value.strip():
                raise WatchError(f"--alert {text!r}: {word!r} is not key=value")
            if key in FILTER_KEYS:
                rule.filters[key] = value.strip()
            elif key in THRESHOLD_KEYS:
                try:
                    setattr(rule, key, THRESHOLD_KEYS[key](value))
                except ValueError:
                    raise WatchError(f"--alert {text!r}: {key} must be a number, not {value!r}") from None
            else:
                known = ", ".join(FILTER_KEYS + tuple(THRESHOLD_KEYS))
                raise WatchError(f"--alert {text!r}: unknown key {key!r}; use {known}")
        return rule

    def accepts(self, event: dict) -> bool:
        return ((event.get("num_articles") or 1) >= self.min_reports
                and (event.get("num_sources") or 1) >= self.min_sources
                and (event.get("confidence") or 0.0) >= self.min_confidence)


# --- sources -----------------------------------------------------------------------------------


@dataclass
class _Source:
    name: str
    failures: int = 0
    next_due: float = 0.0

    def backoff(self, every: float) -> float:
        return min(RETRY_FIRST * 2 ** (self.failures - 1), max(every, RETRY_FIRST) * RETRY_CAP_INTERVALS)


class _Failed(Exception):
    """A source that could not be polled this time; the message is the log line's reason."""


@dataclass
class FeedSource(_Source):
    etag: str | None = None
    last_modified: str | None = None

    def fetch(self, max_bytes: int, timeout: float) -> tuple[bytes | None, str | None, str | None]:
        """(body or None when not modified, ETag, Last-Modified)."""
        import http.client
        import urllib.error
        import urllib.request

        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                   "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                             "text/xml;q=0.9, */*;q=0.5"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        handlers = []
        if _is_loopback(self.name):  # a proxy set for the outside world cannot reach this machine
            handlers.append(urllib.request.ProxyHandler({}))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(urllib.request.Request(self.name, headers=headers), timeout=timeout) as resp:
                body = resp.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise _Failed(f"the feed is over the {max_bytes:,}-byte limit (--max-bytes)")
                return body, resp.headers.get("ETag"), resp.headers.get("Last-Modified")
        except urllib.error.HTTPError as err:
            if err.code == 304:
                return None, self.etag, self.last_modified
            raise _Failed(f"HTTP {err.code} {err.reason}") from None
        except urllib.error.URLError as err:
            reason = err.reason
            raise _Failed(f"cannot reach it ({getattr(reason, 'strerror', None) or reason})") from None
        except TimeoutError:
            raise _Failed(f"no answer within {timeout:.0f}s") from None
        except (http.client.HTTPException, OSError, ValueError) as err:
            raise _Failed(f"the connection failed ({type(err).__name__}: {err})") from None


@dataclass
class PathSource(_Source):
    """A folder (every supported file under it) or one file."""

    def changed_files(self, seen: dict[str, tuple[int, int]], settle: float) -> list[tuple[str, tuple[int, int]]]:
        from .ingest import input_files

        if not os.path.exists(self.name):
            raise _Failed("no such file or folder")
        now = time.time()
        changed = []
        for path in input_files([self.name]):
            try:
                st = os.stat(path)
            except OSError:
                continue  # removed between the listing and now
            sig = (st.st_size, st.st_mtime_ns)
            if seen.get(path) == sig or now - st.st_mtime < settle:
                continue
            changed.append((path, sig))
        return changed


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "localhost" or host.startswith("127.") or host == "::1"


def make_source(given: str) -> _Source:
    if re.match(r"^https?://", given, re.I):
        if not urlsplit(given).hostname:
            raise WatchError(f"{given}: a feed URL needs a host, e.g. https://example.org/feed.xml")
        return FeedSource(given)
    if "://" in given:
        raise WatchError(f"{given}: only http:// and https:// feeds can be watched")
    if not os.path.exists(given):
        raise WatchError(f"{given}: no such file or folder (a feed must start with http:// or https://)")
    from .ingest import SUPPORTED_EXTENSIONS

    if os.path.isfile(given) and not given.lower().endswith(SUPPORTED_EXTENSIONS):
        raise WatchError(f"{given}: unsupported file type; expected one of {', '.join(SUPPORTED_EXTENSIONS)}")
    return PathSource(given)


# --- the watcher -------------------------------------------------------------------------------


@dataclass
class PollReport:
    """One poll cycle: what it stored, and which sources failed."""

    polled: int = 0
    written: int = 0
    unchanged: int = 0
    errors: int = 0
    failed: list[str] = field(default_factory=list)
    alerts: int = 0
    stopped: bool = False


def _now_text() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


class Watcher:
    """Polls `sources` into `store` (a read-write `Store`) every `every` seconds.

    `log` receives the one-line messages (the CLI prints them on stderr), `emit` the alert lines
    (stdout). Thread-safe to `stop()` from another thread or a signal handler; `run` then returns
    after the batch being stored."""

    def __init__(self, sources: Iterable[str], store, *, every: float = 900.0,
                 alerts: Iterable[str | AlertRule] = (), alert_cmd: str | None = None,
                 log: Callable[[str], None] = print, emit: Callable[[str], None] = print,
                 workers: int = 1, max_bytes: int = 10_000_000, timeout: float = FETCH_TIMEOUT,
                 settle: float = 2.0):
        self.sources = [make_source(s) for s in dict.fromkeys(str(s) for s in sources)]
        if not self.sources:
            raise WatchError("give at least one feed URL, folder or file to watch")
        self.rules = [r if isinstance(r, AlertRule) else AlertRule.parse(r) for r in alerts]
        self.store, self.every, self.alert_cmd = store, float(every), alert_cmd
        self.log, self.emit = log, emit
        self.workers, self.max_bytes, self.timeout, self.settle = workers, max_bytes, timeout, settle
        self._stop = threading.Event()
        self._admission = None
        self._chronicle = None
        con = store.con
        for ddl in _DDL:
            con.execute(ddl)
        for src in self.sources:
            if isinstance(src, FeedSource):
                row = con.execute("SELECT etag, last_modified FROM watch_sources WHERE source = ?",
                                  [src.name]).fetchone()
                if row:
                    src.etag, src.last_modified = row
        self._seen_files = {p: (size, mtime) for p, size, mtime in
                            con.execute("SELECT path, size, mtime_ns FROM watch_files").fetchall()}
        for rule in self.rules:  # a bad filter value is the user's mistake: say so before polling
            try:
                self.chronicle.count_events(**rule.filters)
            except ValueError as err:
                raise WatchError(f"--alert {rule.text!r}: {err}") from None

    # --- control -------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, once: bool = False) -> bool:
        """Poll until stopped (or one cycle with `once`). True when the last cycle had no failing
        source and no unreadable input. A poll that breaks on something other than a source (the
        disk, the database) is one log line and is tried again at the next interval; a missing
        model is raised, as nothing can work without it."""
        from .pipeline import SETUP_ERRORS

        while True:
            try:
                report = self.poll(all_sources=once)
            except SETUP_ERRORS:
                raise
            except Exception as err:
                if once:
                    raise
                self.log(f"{_now_text()} watch: poll failed ({type(err).__name__}: {err}); "
                         f"trying again in {_duration(self.every)}")
                if self._stop.wait(self.every):
                    return True
                continue
            if once or report.stopped or self.stopping:
                return not report.failed and not report.errors
            wait = max(0.0, min(s.next_due for s in self.sources) - time.monotonic())
            if self._stop.wait(wait):
                return True

    def run_logged(self) -> None:
        """`run` in a background thread (`serve --watch`): a missing model is one log line (the
        page stays up), and the database is checkpointed when the watcher stops."""
        from .pipeline import SETUP_ERRORS

        try:
            self.run()
        except SETUP_ERRORS as err:
            self.log(f"{_now_text()} watch: stopped: {err}")
        finally:
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Fold the write-ahead log into the file: a server stopped by a signal may exit before
        the store is closed (the log would still be replayed on the next open)."""
        import duckdb

        try:
            self.store.con.execute("CHECKPOINT")
        except duckdb.Error:
            pass  # a reader's transaction is open; the log stays and is replayed next time

    @property
    def chronicle(self):
        """The read side over the watcher's own database (alerts use `chronicle events`' filters)."""
        if self._chronicle is None:
            from .query import Chronicle

            self._chronicle = Chronicle(self.store.path, connection=self.store.con.cursor())
        return self._chronicle

    # --- one cycle ------------------------------------------------------------------------------

    def poll(self, all_sources: bool = False) -> PollReport:
        """Poll every source that is due (every source with `all_sources`), store what is new,
        resolve the events it touched and raise alerts."""
        from .pipeline import Admission

        report = PollReport()
        written: list[str] = []
        if self._admission is None:
            self._admission = Admission(self.store)
        now = time.monotonic()
        try:
            for src in self.sources:
                if self.stopping:
                    report.stopped = True
                    break
                if not all_sources and src.next_due > now:
                    continue
                report.polled += 1
                try:
                    self._poll_source(src, report, written)
                except _Failed as err:
                    src.failures += 1
                    delay = src.backoff(self.every)
                    src.next_due = time.monotonic() + delay
                    report.failed.append(src.name)
                    self._record_error(src.name, str(err))
                    self.log(f"{_now_text()} watch: {src.name}: {err}; retry in {_duration(delay)}"
                             f" (failure {src.failures})")
                    continue
                except _Stopped:
                    report.stopped = True
                    break
                except Exception:
                    # the store or the analysis broke mid-run: forget what the admission thinks
                    # it let through, so those documents are offered again
                    self._admission = None
                    raise
                if src.failures:
                    self.log(f"{_now_text()} watch: {src.name}: back after {src.failures} failure(s)")
                src.failures = 0
                src.next_due = time.monotonic() + self.every
        finally:
            if written:
                from .resolve import resolve_store

                resolve_store(self.store, doc_ids=written)
                report.alerts = self._raise_alerts(written)
        self.log(f"{_now_text()} watch: polled {report.polled} source(s): {report.written} new "
                 f"document(s), {report.unchanged} already stored, {report.errors} error(s)"
                 + (f", {len(report.failed)} source(s) failing" if report.failed else "")
                 + (f", {report.alerts} alert(s)" if report.alerts else "")
                 + ("; stopped" if report.stopped else ""))
        return report

    def _poll_source(self, src: _Source, report: PollReport, written: list[str]) -> None:
        if isinstance(src, FeedSource):
            body, etag, last_modified = src.fetch(self.max_bytes, self.timeout)
            if body is not None:
                items = self._read_feed(src.name, body)
                self._ingest(items, report, written)
            src.etag, src.last_modified = etag, last_modified
            self.store.con.execute(
                "INSERT OR REPLACE INTO watch_sources VALUES (?, ?, ?, now()::TIMESTAMP)",
                [src.name, etag, last_modified])
            return
        changed = src.changed_files(self._seen_files, self.settle)
        if not changed:
            return
        self._ingest(None, report, written, paths=[p for p, _ in changed])
        for path, sig in changed:  # only now: an interrupted ingest offers them again
            self._seen_files[path] = sig
        self.store.con.executemany("INSERT OR REPLACE INTO watch_files VALUES (?, ?, ?)",
                                   [[p, size, mtime] for p, (size, mtime) in changed])

    def _read_feed(self, url: str, body: bytes) -> list:
        """The feed's entries as Documents (and IngestErrors for bad entries), named by the URL.
        A body that is no feed at all fails the source."""
        from .ingest.common import UnreadableInput, crash_reason
        from .ingest.feeds import read_feed
        from .record import IngestError

        fd, tmp = tempfile.mkstemp(suffix=".xml", prefix="chronicle-feed-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            try:
                items = list(read_feed(tmp, max_bytes=self.max_bytes))
            except UnreadableInput as err:
                raise _Failed(str(err)) from None
            except Exception as err:  # noqa: BLE001 - the parser's own failure on garbage
                raise _Failed(crash_reason(err)) from None
        finally:
            os.unlink(tmp)
        for item in items:
            if isinstance(item, IngestError):
                item.path = url
            else:
                item.source.path = url
        return items

    def _ingest(self, items, report: PollReport, written: list[str], paths=()) -> None:
        from .pipeline import run

        def sink(docs):
            self.store.write_documents(docs)
            written.extend(doc.id for doc in docs)

        def on_error(err):
            where = err.path + (f" [{err.item}]" if err.item else "")
            self.log(f"{_now_text()} watch: error {where}: {err.reason}")
            self.store.write_error(err)

        def on_progress(_):
            if self.stopping:
                raise _Stopped

        before = len(written)
        try:
            result = run(list(paths), sink, store=self.store, items=items, admission=self._admission,
                         on_error=on_error, on_progress=on_progress, max_bytes=self.max_bytes,
                         workers=self.workers, sink_batches=True)
        except _Stopped:
            report.written += len(written) - before
            raise
        report.written += result.written
        report.unchanged += result.unchanged + result.repeated
        report.errors += len(result.errors)

    def _record_error(self, source: str, reason: str) -> None:
        from .record import IngestError

        self.store.write_error(IngestError(path=source, reason=reason))

    # --- alerts ----------------------------------------------------------------------------------

    def _raise_alerts(self, doc_ids: list[str]) -> int:
        if not self.rules:
            return 0
        con = self.store.con
        touched = {cid for (cid,) in con.execute(
            "SELECT DISTINCT cluster_id FROM cluster_members WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(doc_ids)]).fetchall()}
        if not touched:
            return 0
        raised = 0
        for rule in self.rules:
            for event in self.chronicle.event_records(**rule.filters):
                if event["id"] not in touched or not rule.accepts(event):
                    continue
                members = [eid for (eid,) in con.execute(
                    "SELECT event_id FROM cluster_members WHERE cluster_id = ?", [event["id"]]).fetchall()]
                # once per event: a cluster that grows, or is renamed when an earlier report
                # founds it, still holds an event this rule has already announced
                if con.execute("SELECT 1 FROM watch_alerts WHERE rule = ? AND event_id IN "
                               "(SELECT unnest(?::VARCHAR[])) LIMIT 1", [rule.text, members]).fetchone():
                    continue
                con.executemany("INSERT OR REPLACE INTO watch_alerts VALUES (?, ?, ?, now()::TIMESTAMP)",
                                [[rule.text, eid, event["id"]] for eid in members])
                self.emit(alert_line(rule, event))
                if self.alert_cmd:
                    self._run_alert_cmd(rule, event["id"])
                raised += 1
        return raised

    def _run_alert_cmd(self, rule: AlertRule, event_id: str) -> None:
        event = self.chronicle.event(event_id) or {"id": event_id}
        payload = json.dumps(dict(event, alert=rule.text), ensure_ascii=False, default=str)
        try:
            done = subprocess.run(self.alert_cmd, shell=True, input=payload, text=True,
                                  timeout=ALERT_CMD_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            self.log(f"{_now_text()} watch: --alert-cmd failed for {event_id}: {err}")
            return
        if done.returncode:
            self.log(f"{_now_text()} watch: --alert-cmd exited {done.returncode} for {event_id}")


def _actor(name, country, sector) -> str:
    code = "/".join(x for x in (country, sector) if x)
    return f"{name or '-'}{f' [{code}]' if code else ''}"


def alert_line(rule: AlertRule, event: dict) -> str:
    what = event["type"] + (f"/{event['mode']}" if event.get("mode") else "")
    where = event.get("location_name") or "-"
    if event.get("location_country"):
        where += f", {event['location_country']}"
    evidence = " ".join((event.get("evidence") or "").split())
    if len(evidence) > 120:
        evidence = evidence[:119] + "…"
    return (f"ALERT [{rule.text}] {event['id']} {event.get('date') or 'undated'} {what}: "
            f"{_actor(event.get('source_name'), event.get('source_country'), event.get('source_sector'))}"
            f" → {_actor(event.get('target_name'), event.get('target_country'), event.get('target_sector'))}"
            f" · {where} · {event.get('num_articles') or 1} report(s), {event.get('num_sources') or 1} "
            f"source(s) · \"{evidence}\"")


def stop_on_signals(watcher: Watcher) -> None:
    """Ctrl-C or SIGTERM asks the watcher to stop after the batch being stored; a second Ctrl-C
    stops at once (the batch's transaction is rolled back, so nothing half-written remains)."""

    def handler(signum, frame):
        if watcher.stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt
        watcher.log(f"{_now_text()} watch: stopping after the current batch (Ctrl-C again to stop now)")
        watcher.stop()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
