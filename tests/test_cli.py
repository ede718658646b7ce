"""The command line as a user runs it: ingest into DuckDB, extract to stdout, list, show.

Runs the real CLI in-process (click's runner) on real files: the repository's examples, bad
inputs written at test time, and the shared samples when they are present.
"""

from __future__ import annotations

import functools
import gc
import gzip
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from chronicle.cli import cli
from chronicle.record import record_schema
from chronicle.store import Store

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SAMPLES = REPO.parent / "shared" / "samples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no shared samples at {SAMPLES}")

GOOD = ("Police detain protest leaders\n\nPolice in the capital detained 14 opposition activists "
        "on Saturday after a banned march, the interior ministry said.\n")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def counts(db: Path) -> dict:
    with Store(db, read_only=True) as s:
        return s.counts()


def stored_paths(db: Path) -> set[str]:
    with Store(db, read_only=True) as s:
        return {Path(r[0]).name for r in s.query("SELECT source_path FROM documents")[1]}


def stored_errors(db: Path) -> list[tuple]:
    with Store(db, read_only=True) as s:
        return s.query("SELECT path, item, reason FROM ingest_errors ORDER BY path")[1]


def bad_inputs(folder: Path) -> dict[str, str]:
    """Each bad input the issue lists, with a phrase its one-line error must contain."""
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.html").write_bytes(bytes(range(256)) * 40)
    (folder / "huge.html").write_bytes(b"<html><body><p>" + b"word " * 4_200_000 + b"</p></body></html>")
    (folder / "broken.rss").write_bytes(b"<rss><channel><item><title>unclosed")
    (folder / "lines.jsonl").write_text(
        '{"id": "ok-1", "text": "Soldiers were deployed to the border town on Monday."}\n'
        "this is not json\n", encoding="utf-8")
    clipped = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"x" * 5000)[:900]
    (folder / "clipped.warc.gz").write_bytes(clipped)
    return {"empty.txt": "empty", "binary.html": "not text", "huge.html": "MB",
            "broken.rss": "feed", "lines.jsonl": "line 2", "clipped.warc.gz": "warc"}


def test_bad_inputs_are_reported_one_line_each_and_good_documents_are_stored(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "latin1.txt").write_bytes(
        "Café owners protest\n\nCafé owners in Marseille protested on Monday against the new "
        "tax, calling it a naïve measure.\n".encode("cp1252"))
    expected = bad_inputs(folder)
    missing = tmp_path / "does-not-exist.txt"
    db = tmp_path / "c.duckdb"
    result = run("ingest", folder, missing, "--db", db)
    assert result.exit_code == 1  # some inputs failed, the rest was processed
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error ")]
    for name, phrase in expected.items():
        lines = [line for line in error_lines if name in line]
        assert lines, f"no error line for {name}: {result.stderr}"
        assert phrase.lower() in lines[0].lower(), lines[0]
    assert any("does-not-exist.txt" in line and "no such file" in line for line in error_lines)
    # the good inputs were stored, the legacy-encoded one decoded right
    assert {"good.txt", "latin1.txt", "lines.jsonl"} <= stored_paths(db)
    with Store(db, read_only=True) as s:
        texts = [r[0] for r in s.query("SELECT text FROM documents")[1]]
    assert any("naïve measure" in t for t in texts)
    # every error is also in the error table, with its reason
    reasons = {Path(p).name: r for p, _, r in stored_errors(db)}
    for name in list(expected) + ["does-not-exist.txt"]:
        assert name in reasons, name


def test_ingesting_the_same_inputs_twice_changes_nothing(tmp_path):
    db = tmp_path / "c.duckdb"
    run("ingest", EXAMPLES, "--db", db)
    first = counts(db)
    second_run = run("ingest", EXAMPLES, "--db", db)
    assert second_run.exit_code == 0
    assert counts(db) == first
    assert first["documents"] >= 7
    assert "already stored" in second_run.stderr


@needs_samples
def test_ingesting_the_shared_samples_twice_leaves_the_same_row_counts(tmp_path):
    db = tmp_path / "s.duckdb"
    first_run = run("ingest", SAMPLES, "--db", db)
    assert first_run.exit_code == 1  # clipped.warc.gz is a deliberately broken input
    first = counts(db)
    run("ingest", SAMPLES, "--db", db)
    assert counts(db) == first
    assert first["documents"] > 90 and first["ingest_errors"] == 1


def test_an_interrupted_ingest_keeps_what_was_written_and_a_rerun_completes_it(tmp_path, monkeypatch):
    import chronicle.pipeline as pipeline

    db = tmp_path / "c.duckdb"
    # The store writes a batch per transaction: batches of 2 documents, so the examples make several.
    monkeypatch.setattr(pipeline, "run", functools.partial(pipeline.run, batch_size=2))
    batches = []
    original_write, original_types = Store.write_documents, Store._column_types

    def write_and_count(self, docs):
        original_write(self, docs)
        batches.append(len(docs))

    def types_then_die(self, table):  # asked between the INSERTs of a batch's transaction
        if len(batches) == 2 and table != "documents":
            # the user pressed Ctrl-C, or the machine went down, while the third batch was being
            # written: its documents' rows are inserted, the rest not yet
            raise KeyboardInterrupt
        return original_types(self, table)

    monkeypatch.setattr(Store, "write_documents", write_and_count)
    monkeypatch.setattr(Store, "_column_types", types_then_die)
    interrupted = run("ingest", EXAMPLES, "--db", db, "--workers", 1)
    assert interrupted.exit_code == 1 and "Aborted" in interrupted.stderr  # click's Ctrl-C exit
    # the two batches written are kept whole; nothing of the interrupted one
    assert batches == [2, 2] and counts(db)["documents"] == 4
    monkeypatch.undo()
    run("ingest", EXAMPLES, "--db", db, "--workers", 1)
    complete = counts(db)
    fresh = tmp_path / "fresh.duckdb"
    run("ingest", EXAMPLES, "--db", fresh)
    assert complete == counts(fresh)


def test_extract_prints_one_valid_record_per_document_and_needs_no_database(tmp_path):
    frozen = gc.get_freeze_count()
    result = run("extract", EXAMPLES / "wire.rss", EXAMPLES / "harbour-strike-translated.txt")
    assert result.exit_code == 0
    # only `main` freezes the objects alive at exit: a caller's own process keeps its collector
    assert gc.get_freeze_count() == frozen
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 4
    schema = record_schema()
    for rec in records:
        jsonschema.validate(rec, schema)
    messy = next(r for r in records if r["source"]["format"] == "txt")
    assert messy["flags"]["truncated"] and messy["flags"]["machine_translated"]
    assert "1 March" in messy["text"] and "1is March" not in messy["text"]
    assert not list(tmp_path.iterdir())


def test_extract_reads_json_lines_from_stdin_with_caller_ids():
    lines = "\n".join(json.dumps(x) for x in [
        {"id": "a", "text": "Protesters marched through Nairobi on Tuesday.", "date": "2024-06-25"},
        {"id": "b", "html": "<p>The army shelled the outskirts of the city overnight.</p>"},
    ])
    result = run("extract", "-", input=lines)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "b"]
    assert records[0]["published"] == "2024-06-25"


def test_bad_usage_exits_2_with_a_message():
    result = run("extract", "x.txt", "--date", "7 January")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_documents_and_show_list_what_cleaning_did(tmp_path):
    db = tmp_path / "c.duckdb"
    run("ingest", EXAMPLES, "--db", db)
    listing = run("documents", "--db", db, "--translated", "--format", "csv")
    rows = listing.stdout.strip().splitlines()
    assert len(rows) == 2 and "harbour-strike-translated.txt" in rows[1]
    shown = run("show", "--db", db, "--path", EXAMPLES / "harbour-strike-translated.txt")
    assert shown.exit_code == 0
    assert "You have 58.5% of this article to read" in shown.stdout
    assert "paywall" in shown.stdout and "machine-translated from fr" in shown.stdout
    as_json = run("documents", "--db", db, "--format", "jsonl", "--language", "en")
    assert all(json.loads(line)["lang"] == "en" for line in as_json.stdout.splitlines())


def test_missing_database_for_listing_is_a_clear_error(tmp_path):
    result = run("documents", "--db", tmp_path / "nope" / "x.duckdb")
    assert result.exit_code == 2
    assert "cannot open database" in result.stderr


def test_issue_19_repro_a_surrogate_title_and_a_good_file_are_both_stored(tmp_path):
    bad = tmp_path / "s.jsonl"
    bad.write_text('{"id":"a","title":"T\\udfff","text":"Police arrested 40."}\n', encoding="ascii")
    good = tmp_path / "good.txt"
    good.write_text("Troops land in Almaty\n\nRussian paratroopers landed in Almaty on Friday.\n",
                    encoding="utf-8")
    db = tmp_path / "x.duckdb"
    result = run("ingest", "--db", db, "--workers", "1", bad, good)
    assert result.exit_code == 0, result.output
    assert stored_paths(db) == {"s.jsonl", "good.txt"}


def test_extract_from_stdin_loses_no_good_line_beside_a_surrogate():
    lines = ['{"id":"bad","title":"T\\udfff","text":"Police arrested 40."}'] + [
        json.dumps({"id": f"g{i}", "text": f"Police arrested {i} protesters in Almaty."})
        for i in range(39)]
    result = run("extract", "-", "--workers", "1", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["bad"] + [f"g{i}" for i in range(39)]
    assert records[0]["title"] == "T\ufffd"


def test_ingest_into_a_database_another_process_holds_waits_or_says_what_to_run(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "served.duckdb"
    Store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True);"
         " print('held', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(cli, ["ingest", "--db", str(db), str(EXAMPLES)])
        assert result.exit_code == 2
        message = result.stderr.strip()
        assert message.count("\n") == 0 and f"is in use by process {holder.pid}" in message
        assert f"chronicle serve --db {db} --watch PATH..." in message and "--wait SECONDS" in message
        result = CliRunner().invoke(cli, ["ingest", "--db", str(db), "--wait", "1.5", str(EXAMPLES)])
        assert result.exit_code == 2
        assert "waiting up to 1.5 s" in result.stderr and "after waiting 1.5 s" in result.stderr
    finally:
        holder.stdin.close()
        holder.wait(10)
