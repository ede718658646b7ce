"""Command line: a thin layer turning arguments into calls of the library.

Exit codes: 0 when every input was read, 1 when some failed (the rest still processed),
2 on bad usage or when Chronicle cannot run at all (missing model, unreadable database).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from . import __version__
from .progress import IngestProgress
from .query import EVENT_ORDERS  # light: the database driver loads on first use

FORMATS = click.Choice(["table", "csv", "jsonl"])


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


# Set by a command that loaded the models (`_exit_after_analysis`): `main` then freezes the
# objects alive before the process exits.
_freeze_at_exit = False


def _exit_after_analysis(code: int) -> None:
    """Exit once a command that loaded the models is done, so that `main` leaves the objects
    alive out of the interpreter's last garbage collections. At exit CPython runs several full
    collections, and each walks every reference in the models' tables and Chronicle's own
    (≈0.06 CPU s each, finding nothing): ≈0.25 of a cold `chronicle extract`'s ≈1.5 CPU s
    (docs/BENCHMARKS.md, session 13). atexit handlers still run and modules are still released
    one by one; what is no longer done is collecting reference cycles among these objects, whose
    memory goes back with the process. Everything these commands write is flushed or closed
    before this (each record as it is written, the store by its `with`). Only `main`, the
    process's own entry point, freezes: a caller running the command in its own process
    (click's test runner) keeps its garbage collection as it was."""
    global _freeze_at_exit
    _freeze_at_exit = True
    sys.exit(code)


def _fatal(message: str) -> None:
    click.echo(f"chronicle: error: {message}", err=True)
    sys.exit(2)


def _print_error(console, err) -> None:
    where = err.path + (f" [{err.item}]" if err.item else "")
    from rich.markup import escape

    console.print(f"[red]error[/red] {escape(where)}: {escape(err.reason)}", soft_wrap=True)


def _summary(console, report, stored_counts: dict | None = None) -> None:
    fmt = ", ".join(f"{n} {k}" for k, n in sorted(report.by_format.items())) or "none"
    line = (f"read {report.read} documents ({fmt}) in {report.seconds:.1f}s: "
            f"{report.written} written, {report.unchanged} already stored, "
            f"{report.duplicates} near/exact duplicates, {report.repeated} named twice, "
            f"{len(report.errors)} errors")
    console.print(line, highlight=False)
    if report.skipped:
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.skipped.items()))
        console.print(f"skipped records: {skipped}", highlight=False)
    if stored_counts:
        console.print("database now holds: " + ", ".join(f"{n} {t}" for t, n in stored_counts.items()),
                      highlight=False)


def _run_pipeline(paths, sink, *, date, store, force, max_bytes, workers, sink_batches=False):
    from .extract.classifier import ClassifierMissingError
    from .nlp import ModelMissingError
    from .pipeline import run

    console = _stderr()

    def on_error(err):
        _print_error(console, err)
        if store is not None:
            store.write_error(err)  # at once, so an interrupted run still has it

    try:
        with IngestProgress(console, "reading", paths) as progress:
            report = run(paths, sink, date=date, store=store, force=force, max_bytes=max_bytes,
                         workers=workers, on_error=on_error, on_progress=progress.update,
                         sink_batches=sink_batches)
    except (ModelMissingError, ClassifierMissingError) as err:
        _fatal(str(err))
    return console, report


def _run_on_ray(paths, sink, *, store, force, date, max_bytes, workers, address, shards_dir,
                shard_size, sink_batches=False):
    """`--engine ray`: the same contract as `_run_pipeline`, the work spread over a Ray cluster."""
    from .scale import ScaleError
    from .scale.ray_engine import run

    console = _stderr()

    def on_error(err):
        _print_error(console, err)
        store.write_error(err)

    def on_notice(message):
        from rich.markup import escape

        console.print(f"[yellow]warning[/yellow] {escape(message)}", soft_wrap=True)

    options = {"shard_size": shard_size} if shard_size else {}
    try:
        with IngestProgress(console, "coding shards") as progress:
            report = run(paths, sink, store=store, force=force, date=date, max_bytes=max_bytes,
                         workers=workers, address=address, shards_dir=shards_dir, on_error=on_error,
                         on_progress=progress.update, on_notice=on_notice, sink_batches=sink_batches,
                         **options)
    except ScaleError as err:
        _fatal(str(err))
    return console, report


def _check_date(ctx, param, value):
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in YYYY-MM-DD form") from None


_date_option = click.option("--date", callback=_check_date, metavar="YYYY-MM-DD",
                            help="Publication date for inputs that carry none.")
def _default_workers() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


_workers_option = click.option(
    "--workers", type=click.IntRange(min=1), default=_default_workers, show_default="all cores",
    help="Processes analysing documents; output is identical whatever the number.")
_max_bytes_option = click.option("--max-bytes", type=click.IntRange(min=1), default=10_000_000,
                                 show_default=True, help="Skip (and report) inputs larger than this.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chronicle")
def cli():
    """Chronicle: turn news reports into verifiable political event data."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@_date_option
@_max_bytes_option
@_workers_option
def extract(paths, date, max_bytes, workers):
    """Print one JSON record per document (JSON Lines) for PATHS, or '-' for JSON Lines on stdin."""
    from .record import to_json

    out = sys.stdout.buffer

    def sink(doc):
        out.write(to_json(doc) + b"\n")
        out.flush()

    console, report = _run_pipeline(paths, sink, date=date, store=None, force=False,
                                    max_bytes=max_bytes, workers=workers)
    _summary(console, report)
    _exit_after_analysis(1 if report.failed else 0)


def _open_store(db, read_only=False, wait=None):
    from .store import Store, StoreError

    if wait is not None:
        return _open_store_waiting(db, wait)
    try:
        return Store(db, read_only=read_only)
    except StoreError as err:
        _fatal(str(err))


def _open_store_waiting(db, wait: float):
    """Open `db` for writing. While another process holds it (`chronicle serve`, another ingest),
    wait up to `wait` seconds, saying so once; then say what to run instead."""
    import re
    import time

    from .store import Store, StoreError

    deadline, told = None, False
    while True:
        try:
            return Store(db)
        except StoreError as err:
            held = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(err))
            if not held:
                _fatal(str(err))
            # the wait starts at the first refusal: opening the first time may itself take seconds
            deadline = deadline or time.monotonic() + wait
            holder = f"process {held.group(2)} ({held.group(1).rsplit('/', 1)[-1]}, e.g. `chronicle serve`)"
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait:g} s" if wait else ""
                _fatal(f"{db} is in use by {holder}{waited}; to serve and "
                       f"ingest at once run `chronicle serve --db {db} --watch PATH...`, or stop "
                       f"that process, or pass `--wait SECONDS` to wait for it")
            if not told:
                click.echo(f"chronicle: {db} is in use by {holder}; waiting up to {wait:g} s for "
                           "it (Ctrl-C to stop)", err=True)
                told = True
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", default="chronicle.duckdb", show_default=True, help="Database file.")
@_date_option
@_max_bytes_option
@click.option("--force", is_flag=True, help="Re-analyse documents that are already stored.")
@_workers_option
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="While another process (e.g. `chronicle serve`) holds the database, wait this "
                   "long for it.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: worker processes on this machine; ray: shards coded on a Ray cluster, "
                   "same records (docs/SCALING.md).")
@click.option("--address", metavar="auto|HOST:PORT|ray://HOST:PORT",
              help="--engine ray: the cluster to join (default: a local Ray instance with --workers CPUs).")
@click.option("--shards-dir", metavar="DIR|URI",
              help="--engine ray: where coded shards are kept, to resume (default: DB.shards); on a "
                   "cluster, a path every node sees or an object-store URI.")
@click.option("--shard-size", type=click.IntRange(min=1), metavar="N",
              help="--engine ray: documents per shard (lines of a JSON Lines file, files of a folder; "
                   "a WARC file is one shard) [default: 200].")
def ingest(paths, db, date, max_bytes, force, workers, wait, engine, address, shards_dir,
           shard_size):
    """Read PATHS into the database (idempotent: re-running adds nothing twice)."""
    from . import dedup_index
    from .resolve import resolve_store

    ray_only = {"--address": address, "--shards-dir": shards_dir, "--shard-size": shard_size}
    if engine != "ray" and any(v is not None for v in ray_only.values()):
        given = ", ".join(k for k, v in ray_only.items() if v is not None)
        raise click.UsageError(f"{given}: only with --engine ray")
    if engine == "ray" and address and click.get_current_context().get_parameter_source(
            "workers") == click.core.ParameterSource.DEFAULT:
        workers = None  # on a cluster: all of its CPUs, not this machine's
    store = _open_store(db, wait=wait)
    with store:
        written: list[str] = []

        def write(docs):  # both engines hand over batches of documents: one transaction each
            store.write_documents(docs)
            written.extend(doc.id for doc in docs)

        if engine == "ray":
            console, report = _run_on_ray(paths, write, store=store, force=force, date=date,
                                          max_bytes=max_bytes, workers=workers, address=address,
                                          shards_dir=shards_dir, shard_size=shard_size,
                                          sink_batches=True)
        else:
            console, report = _run_pipeline(paths, write, date=date, store=store, force=force,
                                            max_bytes=max_bytes, workers=workers, sink_batches=True)
        # cross-document events: recompute the clusters of the event types the new documents touch
        resolve_store(store, doc_ids=written)
        dedup_index.sync(store)  # the new texts' near-duplicate keys, for the next run
        store.compact_if_sparse()  # a large ingest leaves a third of the file free blocks
        _summary(console, report, store.counts())
        if engine == "ray":
            console.print(report.describe(), highlight=False, soft_wrap=True)
    _exit_after_analysis(1 if report.failed else 0)


def _interval(ctx, param, value):
    from .watch import WatchError, parse_interval

    try:
        return parse_interval(value)
    except WatchError as err:
        raise click.BadParameter(str(err).removeprefix("--every: ")) from None


_every_option = click.option("--every", default="15m", show_default=True, callback=_interval,
                             metavar="INTERVAL", help="How often to poll: 15m, 1h, 90s …")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--db", default="chronicle.duckdb", show_default=True, help="Database file.")
@_every_option
@click.option("--alert", "alerts", multiple=True, metavar="RULE",
              help="Print a line when a stored event matches, e.g. 'type=ASSAULT country=KAZ "
                   "min_reports=2' (the filters of `chronicle events`, min_reports, min_sources, "
                   "min_confidence). Repeatable.")
@click.option("--alert-cmd", metavar="CMD", help="Also run CMD for each alert, the event as JSON on stdin.")
@click.option("--once", is_flag=True, help="Poll every source once, then exit (for scripts).")
@_max_bytes_option
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes analysing new documents.")
def watch(sources, db, every, alerts, alert_cmd, once, max_bytes, workers):
    """Keep DB current: poll RSS/Atom feed URLs, folders and WARC drop folders, ingest what is new."""
    from .watch import Watcher, WatchError, stop_on_signals

    with _open_store(db) as store:
        try:
            watcher = Watcher(sources, store, every=every, alerts=alerts, alert_cmd=alert_cmd,
                              log=lambda line: click.echo(line, err=True),
                              emit=lambda line: click.echo(line), workers=workers,
                              max_bytes=max_bytes)
        except WatchError as err:
            raise click.UsageError(str(err)) from None
        stop_on_signals(watcher)
        from .pipeline import SETUP_ERRORS

        click.echo(f"watching {len(watcher.sources)} source(s) into {db} every "
                   f"{every:g}s{' (once)' if once else ''}; Ctrl-C to stop", err=True)
        try:
            ok = watcher.run(once=once)
        except SETUP_ERRORS as err:
            _fatal(str(err))
    sys.exit(0 if ok or not once else 1)


def _query_and_emit(db, sql, params, fmt):
    with _open_store(db, read_only=True) as store:
        cols, rows = store.query(sql, params)
    _emit(cols, rows, fmt)


def _emit(columns, rows, fmt):
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=str))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        cells = [["" if v is None else " ".join(str(v).split()) for v in row] for row in rows]
        console = Console(highlight=False)
        piped = not console.is_terminal
        if piped:  # into a file, grep or a pager: every column whole, however wide the table
            widths = [max([len(col)] + [len(r[i]) for r in cells]) for i, col in enumerate(columns)]
            console = Console(highlight=False, width=sum(widths) + 3 * len(columns) + 4)
        table = Table(show_lines=False, highlight=False)
        for col in columns:
            table.add_column(col, overflow="ellipsis", no_wrap=True, min_width=len(col),
                             max_width=None if piped else
                             60 if col in ("title", "evidence", "reason", "source") else 24)
        for row in cells:
            table.add_row(*(escape(v) for v in row))
        console.print(table)
        click.echo(f"{len(rows)} rows", err=True)


@cli.command()
@click.option("--db", default="chronicle.duckdb", show_default=True)
@click.option("--language", help="ISO 639-1 code, e.g. en.")
@click.option("--format-in", "source_format", type=click.Choice(["txt", "html", "warc", "rss", "jsonl"]),
              help="Only documents read from this input format.")
@click.option("--truncated/--complete", default=None, help="Only truncated / only complete texts.")
@click.option("--translated", is_flag=True, default=None, help="Only machine-translated texts.")
@click.option("--no-duplicates", is_flag=True, help="Leave out near/exact duplicates.")
@click.option("--search", help="Text that must appear in the title or text (case-insensitive).")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def documents(db, language, source_format, truncated, translated, no_duplicates, search, limit, fmt):
    """List stored documents with their cleaning flags."""
    where, params = [], []
    if language:
        where.append("language = ?")
        params.append(language)
    if source_format:
        where.append("source_format = ?")
        params.append(source_format)
    if truncated is not None:
        where.append("truncated = ?")
        params.append(truncated)
    if translated:
        where.append("machine_translated")
    if no_duplicates:
        where.append("duplicate_of IS NULL")
    if search:
        where.append("(title ILIKE ? OR text ILIKE ?)")
        params += [f"%{search}%", f"%{search}%"]
    sql = f"""SELECT d.id, source_format AS format, language AS lang, title, published,
                     concat_ws(' ',
                       CASE WHEN truncated THEN 'truncated' ||
                            coalesce('(' || round(read_fraction, 2) || ')', '') END,
                       CASE WHEN machine_translated THEN 'translated' ||
                            coalesce('(' || translated_from || ')', '') END,
                       CASE WHEN duplicate_of IS NOT NULL THEN 'dup-of:' || duplicate_of END) AS flags,
                     json_array_length(json_extract(flags, '$.removed')) AS removed,
                     (SELECT count(*) FROM entities e WHERE e.doc_id = d.id) AS entities,
                     (SELECT count(*) FROM events v WHERE v.doc_id = d.id) AS events,
                     coalesce(source_url, source_path) AS source
              FROM documents d {'WHERE ' + ' AND '.join(where) if where else ''}
              ORDER BY source, d.id LIMIT ?"""
    _query_and_emit(db, sql, params + [limit], fmt)


def _open_query(db):
    from .query import Chronicle
    from .store import StoreError

    try:
        return Chronicle(db)
    except (FileNotFoundError, StoreError) as err:
        _fatal(str(err))


def _event_filters(command):
    """The event filters `chronicle events` and `chronicle export` share (see `query.py`)."""
    options = [
        click.option("--country", help="ISO alpha-3 code(s), comma-separated: source, target or "
                                       "location country."),
        click.option("--event-country", metavar="ISO3[,ISO3]",
                     help="Where the event happened: the place's country only (ACLED's country)."),
        click.option("--actor", help="Part of an actor's name or text, or a sector code (GOV, MIL, PRO …)."),
        click.option("--type", "event_type", help="PLOVER event type(s), comma-separated, e.g. PROTEST."),
        click.option("--mode", help="PLOVER mode, e.g. troops."),
        click.option("--since", metavar="YYYY[-MM[-DD]]", help="On or after this date (inclusive)."),
        click.option("--until", metavar="YYYY[-MM[-DD]]", help="On or before this date (inclusive)."),
        click.option("--near", metavar="LAT,LON,KM", help="Within KM kilometres of a point."),
        click.option("--text", help="Words in an evidence sentence or a report's title."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _actor_label(name, country, sector):
    code = "/".join(x for x in (country, sector) if x)
    return f"{name or '-'} [{code}]" if code else (name or "")


@cli.command()
@click.option("--db", default="chronicle.duckdb", show_default=True)
@_event_filters
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many events first (with --limit: one page of results).")
@click.option("--order", type=click.Choice(list(EVENT_ORDERS)), default="date", show_default=True,
              help="date / -date: oldest / newest first; -articles: most reported; -confidence.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def events(db, country, event_country, actor, event_type, mode, since, until, near, text, limit,
           offset, order, fmt):
    """List events (one row per cross-document event, however many reports carry it)."""
    with _open_query(db) as chron:
        try:
            rows = chron.event_records(country=country, actor=actor, type=event_type, mode=mode,
                                       since=since, until=until, near=near, text=text,
                                       limit=limit, offset=offset, order=order,
                                       event_country=event_country)
        except ValueError as err:
            raise click.UsageError(str(err)) from None
        columns = chron.event_columns()
    if fmt != "table":
        _emit(columns, [[r[c] for c in columns] for r in rows], fmt)
        return
    _emit(["id", "date", "type", "source", "target", "place", "articles", "conf", "evidence"], [
        [r["id"], r["date"], r["type"] + (f"/{r['mode']}" if r["mode"] else ""),
         _actor_label(r["source_name"], r["source_country"], r["source_sector"]),
         _actor_label(r["target_name"], r["target_country"], r["target_sector"]),
         r["location_name"], r["num_articles"],
         None if r["confidence"] is None else round(r["confidence"], 2),
         " ".join((r["evidence"] or "").split())[:80]]
        for r in rows], fmt)


@cli.command()
@click.option("--db", default="chronicle.duckdb", show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def errors(db, fmt):
    """List inputs that could not be read, and why."""
    _query_and_emit(db, "SELECT path, item, reason, last_seen FROM ingest_errors ORDER BY path, item",
                    [], fmt)


@cli.command()
@click.argument("doc_id", required=False)
@click.option("--db", default="chronicle.duckdb", show_default=True)
@click.option("--path", "source", help="Pick the document by its input path or URL instead of its id.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(doc_id, db, source, fmt):
    """Show one stored document: flags, what cleaning removed and why, entities, events."""
    if not doc_id and not source:
        raise click.UsageError("give a document id or --path")
    store = _open_store(db, read_only=True)
    with store:
        if source:
            _, rows = store.query("SELECT id FROM documents WHERE source_path = ? OR source_url = ? "
                                  "ORDER BY id LIMIT 1", [source, source])
            if not rows:
                _fatal(f"no document from {source} in {db}")
            doc_id = rows[0][0]
        doc = store.get_document(doc_id)
    if doc is None:
        _fatal(f"no document {doc_id} in {db}")
    if fmt == "json":
        from .record import to_json

        click.echo(to_json(doc).decode())
        return
    from .report import render_document

    render_document(doc)


@cli.command()
@click.option("--db", default="chronicle.duckdb", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["parquet", "jsonl", "csv", "gdelt", "acled"]),
              required=True, help="gdelt/acled: those data sets' columns (docs/EXPORTS.md).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--all-types", is_flag=True,
              help="acled: also export PLOVER types ACLED does not code, as 'Strategic developments/Other'.")
@_event_filters
def export(db, fmt, out, all_types, country, event_country, actor, event_type, mode, since,
           until, near, text):
    """Write the cross-document events (one row per event, with its sources) to a file."""
    from .export import ExportError, export as write_export

    if not Path(db).exists():
        _fatal(f"no database at {db}; run `chronicle ingest PATH --db {db}` first")
    filters = dict(country=country, event_country=event_country, actor=actor, type=event_type,
                   mode=mode, since=since, until=until, near=near, text=text)
    with _open_query(db) as chron:
        try:
            n = write_export(chron, fmt, out, all_types=all_types, **filters)
        except ExportError as err:
            _fatal(str(err))
        except ValueError as err:
            raise click.UsageError(str(err)) from None
    click.echo(f"wrote {n} events to {out} ({fmt})", err=True)


@cli.command()
@click.argument("phrase")
@click.option("--date", help="Code as of this day (YYYY-MM-DD, YYYY-MM or YYYY): a person's code is the one valid then.")
@click.option("--json", "as_json", is_flag=True, help="Print the coding as JSON.")
def actor(phrase, date, as_json):
    """Code one actor phrase: country, sector, kind, and which knowledge matched."""
    from .actors import code_actor

    try:
        coding = code_actor(phrase, date)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if as_json:
        click.echo(json.dumps(coding.as_dict(), ensure_ascii=False))
        return
    a = coding.actor
    click.echo(f"{a.text}: {a.country or '-'} {a.sector or '-'} {a.kind}" + (f" ({a.name})" if a.name else ""))
    for line in coding.matched or ["nothing matched: no knowledge codes this phrase"]:
        click.echo(f"  {line}")


def _eval_sets() -> list[str]:
    from .evaluate.suite import SETS

    return list(SETS)


@cli.command(name="eval")
@click.argument("goldset", type=click.Choice(sorted(_eval_sets()) + ["all"]))
@click.option("--path", type=click.Path(exists=True, dir_okay=False),
              help="Gold file (default: ../shared/eval/… beside the repository).")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N items (quick look).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.option("--errors", is_flag=True,
              help="Also list every error, with its text (development gold only: plover-gsr, wikievents, "
                   "geowebnews).")
def evaluate(goldset, path, limit, as_json, errors):
    """Score Chronicle against a gold set and print the tables (`all`: every set, side by side:
    the development gold of ../shared/eval and the held-out splits of ../shared/train)."""
    from .evaluate import suite

    one = suite.load(goldset) if goldset != "all" else None
    if errors and not hasattr(one, "format_errors"):
        raise click.UsageError("--errors lists the development sets' errors: give plover-gsr, wikievents or "
                               "geowebnews (held-out sets are reported as numbers only; `snippets` lists its "
                               "dev half always)")

    names = list(suite.SETS) if goldset == "all" else [goldset]
    results: dict = {}
    for name in names:
        runner = suite.load(name)
        try:
            # GeoWebNews lists its toponyms only when asked (`details`)
            more = {"details": True} if errors and name == "geowebnews" else {}
            results[name] = runner.evaluate(path=path if goldset != "all" else None, limit=limit, **more)
        except FileNotFoundError as err:
            if goldset != "all":
                _fatal(f"gold data not found ({err}); pass --path or put ../shared beside the repository")
            results[name] = str(err)
            continue
        if goldset == "all" and not as_json:
            click.echo(f"== {name}\n{runner.format_table(results[name])}\n", err=True)
    if as_json:
        click.echo(json.dumps(results if goldset == "all" else results[goldset], indent=2, default=str))
    elif goldset == "all":
        click.echo(suite.format_all(results))
    else:
        click.echo(one.format_table(results[goldset]))
        if errors:
            click.echo("\n" + one.format_errors(results[goldset]))


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.pass_context
def bench(ctx):
    """Measure speed against the bare spaCy parse (same options as `python -m chronicle.bench`)."""
    from .bench import main as bench_main

    sys.exit(bench_main(ctx.args, prog="chronicle bench"))


@cli.command()
def schema():
    """Print the JSON Schema of the Document record."""
    from .record import record_schema

    click.echo(json.dumps(record_schema(), indent=2))


@cli.command(name="cache")
@click.option("--prune", is_flag=True, help="Remove the stale files now (the policy printed below).")
@click.option("--clear", is_flag=True, help="Remove every file Chronicle keeps there (remade when needed).")
def cache_command(prune, clear):
    """Show Chronicle's cache folder (derived data: gazetteer, language model …), its size per kind."""
    from . import cache

    if prune and clear:
        raise click.UsageError("--prune and --clear: give one")
    if prune or clear:
        removed = cache.clear() if clear else cache.prune()
        click.echo(f"removed {len(removed)} files ({cache.size_text(sum(e.size for e in removed))})")
    for line in cache.describe(cache.entries(), cache.folder()):
        click.echo(line)


def _can_open_browser() -> bool:
    """Only where a graphical browser can appear: on a bare server `webbrowser` may start a
    text-mode browser that takes over the terminal."""
    import os

    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@cli.command()
@click.option("--db", default="chronicle.duckdb", show_default=True, help="Database file.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@click.option("--no-serve", is_flag=True,
              help="Check that the database opens, print the URL and exit (for CI).")
@click.option("--watch", "watch_sources", multiple=True, metavar="SOURCE",
              help="Also watch this feed URL, folder or file (repeatable), as `chronicle watch` "
                   "does, in this process: the page shows new reports as they are stored.")
@_every_option
def serve(db, host, port, no_browser, no_serve, watch_sources, every):
    """Serve the web page and the HTTP API (/api, docs at /docs) for a database, read-only."""
    import socket

    from .store import StoreError

    store = None
    try:
        from .serve import create_app

        if watch_sources:  # one process holds the file: the watcher writes, the page reads
            from .watch import Watcher, WatchError

            store = _open_store(db)
            try:
                watcher = Watcher(watch_sources, store, every=every,
                                  log=lambda line: click.echo(line, err=True))
            except WatchError as err:
                raise click.UsageError(str(err)) from None
            app = create_app(db, connection=store.con.cursor(), background=watcher)
        else:
            app = create_app(db)
    except (FileNotFoundError, StoreError) as err:
        _fatal(str(err))
    overview = app.state.db.overview()
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    click.echo(f"{db}: {overview['events']} events from {overview['documents']} documents")
    if no_serve:
        app.state.db.close()
        click.echo(f"Chronicle would be at {url} (--no-serve: not started)")
        return
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as err:
        _fatal(f"cannot listen on {host}:{port} ({err.strerror}); pass another --port")
    import uvicorn

    click.echo(f"Chronicle is at {url} (Ctrl-C to stop)")
    if not no_browser and _can_open_browser():
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, [url]).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
    if store is not None:
        store.close()


def main():
    # Importing spaCy and loading the models makes millions of objects that live as long as the
    # process; at CPython's default threshold (700) the collector walks them again and again and
    # finds almost nothing: ≈0.09 of a cold `chronicle extract`'s ≈1.5 CPU s (docs/BENCHMARKS.md,
    # session 11). Worker processes start with the default.
    import gc

    gc.set_threshold(10_000, 10, 10)
    try:
        cli(prog_name="chronicle")
    finally:
        if _freeze_at_exit:
            gc.freeze()


if __name__ == "__main__":
    main()
