"""The Ray engine: `chronicle ingest --engine ray` stores what the local engine stores, survives a
lost worker, and reports a bad shard without losing the others.

The tests marked `ray` start one local Ray instance for the module (2 CPUs, no dashboard); the
actors they start keep their models loaded from one run to the next, as they would in a notebook.
The others check the parts without Ray: shard planning, the Parquet files, renaming.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.cli import cli
from chronicle.ingest import read
from chronicle.record import Document, Event, Evidence, IngestError, text_id
from chronicle.scale import ScaleError
from chronicle.scale.load import rename_document
from chronicle.scale.parquet import ShardFolder
from chronicle.scale.shards import plan, read_shard
from chronicle.store import Store

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SAMPLES = REPO.parent / "shared" / "samples"

# Short reports written for these tests (invented events, real places), as JSON Lines: with and
# without caller ids, a blank line, a line that is not JSON, and a copy of an earlier text.
WIRE = [
    {"id": "w-1", "text": "Border guards detained 12 migrants near the Polish town of Terespol on Monday, "
                          "the regional police said.", "date": "2024-03-04"},
    {"text": "Farmers blocked the main road into Warsaw with tractors on Tuesday to protest against "
             "grain imports, the interior ministry said.", "date": "2024-03-05"},
    {"text": "Lithuania's foreign minister met his Latvian counterpart in Riga on Wednesday to discuss "
             "air defence cooperation.", "date": "2024-03-06"},
    None,  # a blank line
    "this line is not JSON",
    {"id": "w-5", "text": "Estonian police arrested three men suspected of vandalising a monument in "
                          "Tallinn, prosecutors said on Thursday.", "date": "2024-03-07"},
    {"text": "Farmers blocked the main road into Warsaw with tractors on Tuesday to protest against "
             "grain imports, the interior ministry said.", "url": "https://example.org/copy"},
    {"text": "The Polish government sent 500 soldiers to reinforce the border with Belarus, the "
             "defence minister announced on Friday.", "date": "2024-03-08"},
]


def write_wire(path: Path) -> Path:
    lines = ["" if item is None else item if isinstance(item, str) else json.dumps(item)
             for item in WIRE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def json_columns(con, table: str) -> set[str]:
    return {name for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall() if kind == "JSON"}


TABLES = {"documents": "id", "entities": "doc_id, n", "events": "id", "quotes": "doc_id, n",
          "quantities": "doc_id, n", "clusters": "id", "cluster_members": "event_id"}


def stored_rows(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table but the ingest time. JSON columns are compared as JSON values: a
    count the analysis produced as the int 2 comes back from the JSON round trip as 2.0."""
    with Store(db, read_only=True) as store:
        con = store.con
        out = {}
        for table, order in TABLES.items():
            columns = [name for name, *_ in con.execute(f"DESCRIBE {table}").fetchall()
                       if name != "ingested_at"]
            parse = json_columns(con, table)
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()
            out[table] = [tuple(json.loads(v) if c in parse and v is not None else v
                                for c, v in zip(columns, row)) for row in rows]
        out["ingest_errors"] = con.execute(
            "SELECT path, item, reason FROM ingest_errors ORDER BY ALL").fetchall()
    return out


def shards_line(output: str) -> dict[str, int]:
    match = re.search(r"shards: (\d+) planned, (\d+) already coded, (\d+) coded now", output)
    assert match, output
    return dict(zip(("planned", "already", "coded"), map(int, match.groups())))


# --- without Ray: planning, shard files, renaming ------------------------------------------------

def test_shards_together_read_exactly_what_the_local_reader_reads(tmp_path):
    wire = write_wire(tmp_path / "wire.jsonl")
    paths = [str(EXAMPLES), str(wire), str(tmp_path / "missing.txt")]
    the_plan = plan(paths, shard_size=2)
    kinds = {entry.kind for entry in the_plan.shards}
    assert kinds == {"files", "warc", "jsonl-block"}

    def key(item):
        if isinstance(item, IngestError):
            return ("error", item.path, item.item, item.reason)
        return ("doc", item.id, item.source.path, item.source.url, item.text, item.published)

    stats: dict = {}
    sharded = []
    for entry in the_plan.entries:
        if isinstance(entry, list):
            sharded += [key(e) for e in entry]
        else:
            sharded += [key(item) for item in read_shard(entry, date="2024-01-01", max_bytes=10_000_000,
                                                         stats=stats)]
    local_stats: dict = {}
    local = [key(item) for item in read(paths, date="2024-01-01", stats=local_stats)]
    assert sharded == local
    assert ("error", str(wire), "line 5", "line 5 is not valid JSON (Expecting value at column 1)") in local
    assert Counter(stats["skipped"]) + the_plan.skipped == Counter(local_stats["skipped"])


def test_shard_ids_are_stable_and_change_with_the_input_or_the_options(tmp_path):
    wire = write_wire(tmp_path / "wire.jsonl")
    first = [s.id for s in plan([str(EXAMPLES), str(wire)], shard_size=3).shards]
    assert first == [s.id for s in plan([str(EXAMPLES), str(wire)], shard_size=3).shards]
    assert len(set(first)) == len(first)
    with_date = [s.id for s in plan([str(EXAMPLES), str(wire)], shard_size=3, date="2024-01-01").shards]
    assert not set(with_date) & set(first)
    with open(wire, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "Police dispersed a rally in Minsk on Saturday."}) + "\n")
    changed = plan([str(EXAMPLES), str(wire)], shard_size=3).shards
    untouched = [s.id for s in changed if s.first_path != str(wire)]
    assert set(untouched) <= set(first)  # only the shards reading the changed file are new
    assert {s.id for s in changed if s.first_path == str(wire)}.isdisjoint(first)


def test_a_file_added_to_a_folder_changes_only_the_shards_around_it(tmp_path):
    for n in range(40):
        (tmp_path / f"report-{n:02d}.txt").write_text(f"Report {n}\n\nPolice said {n} people were "
                                                      "arrested.\n", encoding="utf-8")
    before = plan([str(tmp_path)], shard_size=6).shards
    assert len(before) >= 4
    for added in ("report-17b.txt", "report-00a.txt", "report-39z.txt"):
        (tmp_path / added).write_text("Added\n\nA late report.\n", encoding="utf-8")
        after = plan([str(tmp_path)], shard_size=6).shards
        new = [s for s in after if s.id not in {b.id for b in before}]
        assert 1 <= len(new) <= 2 and any(added in {Path(f.path).name for f in s.files} for s in new)
        assert len({b.id for b in before} - {s.id for s in after}) == 1  # the chunk it joined
        before = after


def test_stdin_needs_the_local_engine():
    with pytest.raises(ScaleError, match="local engine"):
        plan(["-"])


def test_a_shard_is_complete_or_absent(tmp_path):
    folder = ShardFolder(tmp_path / "shards")
    folder.ensure()
    row = {"kind": "read_error", "caller_id": "", "doc_id": None, "format": None,
           "source_path": "x.txt", "source_url": None, "record": None, "error": b"{}"}
    with pytest.raises(RuntimeError), folder.writer("abc") as writer:
        writer.write([dict(row)])
        raise RuntimeError("the worker broke mid-shard")
    assert list((tmp_path / "shards").iterdir()) == []  # no shard, no temporary file
    with folder.writer("abc") as writer:
        writer.write([dict(row), dict(row)])
        writer.commit({"id": "abc", "skipped": {"WARC request record": 1}})
    assert folder.coded() == {"abc"}
    shard = folder.open("abc")
    assert shard.meta["skipped"] == {"WARC request record": 1}
    assert [r["seq"] for r in shard.rows()] == [0, 1]


def test_a_damaged_shard_file_is_reported_and_removed_to_be_coded_again(tmp_path):
    from chronicle.scale import ray_engine

    shards_dir = tmp_path / "shards"
    shards_dir.mkdir()
    (shard,) = plan([str(EXAMPLES / "wire.rss")]).shards
    (shards_dir / f"{shard.id}.parquet").write_bytes(b"not parquet at all")  # a disk error
    notices, written = [], []
    report = ray_engine.run([str(EXAMPLES / "wire.rss")], written.append, shards_dir=str(shards_dir),
                            on_notice=notices.append)  # nothing to code: Ray is not even started
    assert report.failed and report.lost_shards == [shard.label] and not written
    assert any("could not be loaded" in n and shard.id in n for n in notices)
    assert not (shards_dir / f"{shard.id}.parquet").exists()



def test_a_ray_worker_holds_each_document_to_its_time_budget(tmp_path):
    # what a Ray actor runs, without Ray: a document over its CPU time is its shard's error, the
    # rest of the shard is coded
    import msgspec

    from chronicle.scale.coder import CodingOptions, code_shard
    from chronicle.workers import Budget

    short = "Police arrested 40 protesters in Almaty on Friday, officials said."
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": t, "language": "en"}) + "\n" for i, t in
                              # every sentence its own: no stage may shorten the slow text as repeats
                              (("a", short), ("slow", " ".join(f"Police arrested {n} protesters in "
                                                               f"Almaty on day {n}, officials said."
                                                               for n in range(3000))), ("b", short))))
    (shard,) = plan([str(source)]).shards
    folder = ShardFolder(tmp_path / "shards")
    folder.ensure()
    summary = code_shard(shard, folder, CodingOptions(budget=Budget(seconds=2, seconds_per_char=0)))
    assert (summary["documents"], summary["errors"]) == (2, 1)
    rows = list(folder.open(shard.id).rows())
    assert [r["kind"] for r in rows] == ["document", "analysis_failed", "document"]
    reason = msgspec.json.decode(rows[1]["error"])["reason"]
    assert reason.startswith("analysis stopped: over its time budget (2 s of CPU for ")

def test_a_salted_id_renames_the_events_with_it():
    doc = Document(id="abc", text="t", events=[
        Event(id=f"abc-e{n}", type="PROTEST", evidence=Evidence(text="t", start=0, end=1))
        for n in (1, 2)])
    rename_document(doc, "def")
    assert doc.id == "def" and [e.id for e in doc.events] == ["def-e1", "def-e2"]


def test_engine_options_need_the_ray_engine(tmp_path):
    result = run("ingest", EXAMPLES, "--db", tmp_path / "c.duckdb", "--address", "auto")
    assert result.exit_code == 2 and "only with --engine ray" in result.stderr


def test_without_ray_installed_the_message_names_the_extra(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    result = run("ingest", EXAMPLES / "wire.rss", "--db", tmp_path / "c.duckdb", "--engine", "ray")
    assert result.exit_code == 2
    assert "pip install 'chronicle[ray]'" in result.stderr


def test_an_unreachable_cluster_is_a_clear_error_at_once(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("ingest", EXAMPLES / "wire.rss", "--db", tmp_path / "c.duckdb", "--engine", "ray",
                 "--address", f"127.0.0.1:{port}")
    assert result.exit_code == 2
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in result.stderr
    assert "ray start --head" in result.stderr


# --- on a local Ray instance ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR,
             log_to_driver=False, object_store_memory=200 * 1024 ** 2)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    """The examples (every input format), the JSON Lines above, and when present a few shared
    samples: the seed report and the WARC folder, whose clipped.warc.gz is broken on purpose."""
    folder = tmp_path_factory.mktemp("inputs")
    paths = [str(EXAMPLES), str(write_wire(folder / "wire.jsonl"))]
    if SAMPLES.is_dir():
        paths += [str(SAMPLES / "moscow-kazakhstan.txt"), str(SAMPLES / "warc")]
    return paths


@pytest.fixture(scope="module")
def local_db(corpus, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("local") / "local.duckdb"
    result = run("ingest", *corpus, "--db", db, "--workers", "1")
    assert result.exit_code == 1, result.stderr  # the bad JSON line (and clipped.warc.gz)
    return db


@pytest.mark.ray
def test_ray_run_stores_exactly_the_local_runs_rows(ray_instance, corpus, local_db, tmp_path):
    db = tmp_path / "ray.duckdb"
    result = run("ingest", *corpus, "--db", db, "--engine", "ray", "--shard-size", "3")
    assert result.exit_code == 1, result.stderr  # the same bad inputs as locally
    shards = shards_line(result.stderr)
    assert shards["planned"] >= 5 and shards["coded"] == shards["planned"]
    assert "line 5 is not valid JSON" in result.stderr
    assert len(list(Path(f"{db}.shards").glob("*.parquet"))) == shards["planned"]

    local, ray_rows = stored_rows(local_db), stored_rows(db)
    assert local["documents"] and local["events"] and local["clusters"]
    for table in local:
        assert ray_rows[table] == local[table], table

    # export and the API see the same result
    exports = {}
    for name, source in (("local", local_db), ("ray", db)):
        out = tmp_path / f"{name}.jsonl"
        assert run("export", "--db", source, "--format", "jsonl", "--out", out).exit_code == 0
        exports[name] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert exports["ray"] == exports["local"] and exports["local"]
    from fastapi.testclient import TestClient

    from chronicle.serve import create_app

    answers = {}
    for name, source in (("local", local_db), ("ray", db)):
        with TestClient(create_app(source)) as client:
            answers[name] = [client.get(url).json() for url in
                             ("/api/overview", "/api/events?limit=500", "/api/documents?limit=500")]
    assert answers["ray"] == answers["local"]

    # the cross-document cases are really in there: a text met again from another source has a
    # salted id (and its events are named after it) and is marked as a copy of the first
    with Store(db, read_only=True) as store:
        docs = store.query("SELECT id, text, duplicate_of FROM documents")[1]
        salted = [doc_id for doc_id, text, _ in docs
                  if re.fullmatch("[0-9a-f]{16}", doc_id) and doc_id != text_id(text)]
        assert salted and all(dup for doc_id, _, dup in docs if doc_id in salted)
        events_of_salted = store.query("SELECT id, doc_id FROM events WHERE doc_id IN "
                                       f"({', '.join('?' * len(salted))})", salted)[1]
        assert all(event_id.startswith(f"{doc_id}-e") for event_id, doc_id in events_of_salted)


@pytest.mark.ray
def test_a_rerun_codes_nothing_again_and_changes_nothing(ray_instance, corpus, local_db, tmp_path):
    db = tmp_path / "ray.duckdb"
    run("ingest", *corpus, "--db", db, "--engine", "ray", "--shard-size", "3")
    first = stored_rows(db)
    again = run("ingest", *corpus, "--db", db, "--engine", "ray", "--shard-size", "3")
    shards = shards_line(again.stderr)
    assert shards["coded"] == 0 and shards["already"] == shards["planned"]
    assert "0 written" in again.stderr
    assert stored_rows(db) == first


@pytest.mark.ray
def test_a_ray_worker_codes_a_shard_into_a_local_folder_without_arrow_s_parquet(ray_instance, tmp_path):
    # Ray imports pyarrow itself in a worker that is given arguments (its serializers for Ray
    # Data, whenever pyarrow is installed); coding a shard adds nothing of Arrow's to that, where
    # writing it with pyarrow added Parquet, its filesystems and codecs: ≈60 MB a worker
    # (docs/BENCHMARKS.md, session 18). No CPU asked: the engine's idle actors, kept from the
    # tests before, hold both.
    @ray_instance.remote(num_cpus=0)
    def code_in_a_worker(paths: list[str], location: str) -> dict:
        import sys

        from chronicle.scale.coder import CodingOptions, code_shard

        arrow = lambda: sorted(m for m in sys.modules if m.split(".")[0] == "pyarrow")  # noqa: E731
        before = arrow()
        folder = ShardFolder(location)
        folder.ensure()
        summaries = [code_shard(shard, folder, CodingOptions()) for shard in plan(paths).shards]
        return {"before": before, "after": arrow(), "documents": sum(s["documents"] for s in summaries)}

    out = ray_instance.get(code_in_a_worker.remote([str(EXAMPLES / "wire.rss")], str(tmp_path / "shards")))
    assert out["after"] == out["before"]
    assert not {"pyarrow.parquet", "pyarrow._parquet", "pyarrow.fs", "pyarrow._fs"} & set(out["after"])
    (shard_id,) = ShardFolder(tmp_path / "shards").coded()
    rows = list(ShardFolder(tmp_path / "shards").open(shard_id).rows())
    assert out["documents"] == len(rows) > 0 and {r["kind"] for r in rows} == {"document"}


@pytest.mark.ray
def test_a_worker_killed_mid_run_costs_only_its_shards_and_a_rerun_completes(
        ray_instance, corpus, local_db, tmp_path, monkeypatch):
    db = tmp_path / "ray.duckdb"
    shards_dir = tmp_path / "shards"
    monkeypatch.setenv("CHRONICLE_TEST_KILL_AFTER", "2")  # the worker coding the 2nd shard dies
    killed = run("ingest", *corpus, "--db", db, "--engine", "ray", "--shard-size", "3",
                 "--shards-dir", shards_dir)
    assert killed.exit_code == 1
    assert "lost with its worker" in killed.stderr and "re-run the same command" in killed.stderr
    planned = shards_line(killed.stderr)["planned"]
    coded = len(list(shards_dir.glob("*.parquet")))
    # only the shard being coded is lost; the one queued behind it went to another worker
    assert coded == planned - 1
    assert len(list(shards_dir.glob("*.lost"))) == 1
    with Store(db, read_only=True) as store:
        partial = store.counts()["documents"]
    assert 0 < partial < len(stored_rows(local_db)["documents"])  # loaded up to the lost shard

    monkeypatch.delenv("CHRONICLE_TEST_KILL_AFTER")
    rerun = run("ingest", *corpus, "--db", db, "--engine", "ray", "--shard-size", "3",
                "--shards-dir", shards_dir)
    shards = shards_line(rerun.stderr)
    assert shards["coded"] == 1  # only the lost shard is coded again
    assert "lost with its worker" not in rerun.stderr
    assert not list(shards_dir.glob("*.lost")) and not list(shards_dir.glob(".*.tmp"))
    assert stored_rows(db) == stored_rows(local_db)  # no document lost, none twice


@pytest.mark.ray
def test_a_bad_shard_is_reported_and_skipped_and_the_others_are_stored(
        ray_instance, tmp_path, monkeypatch):
    from chronicle.scale import ray_engine

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-good.txt").write_text(
        "Police detain protest leaders\n\nPolice in Minsk detained 14 opposition activists on "
        "Saturday after a banned march, the interior ministry said.\n", encoding="utf-8")
    (folder / "b-corrupt.warc.gz").write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(3000))
    changing = write_wire(folder / "c-changing.jsonl")
    (folder / "d-good.txt").write_text(
        "Strike at the port\n\nDock workers in Gdansk went on strike on Monday over pay, the union "
        "said.\n", encoding="utf-8")

    real_plan = ray_engine.plan

    def plan_then_change_a_file(*args, **kwargs):
        planned = real_plan(*args, **kwargs)
        with open(changing, "a", encoding="utf-8") as fh:  # changed while the run goes on
            fh.write(json.dumps({"text": "Late addition."}) + "\n")
        return planned

    monkeypatch.setattr(ray_engine, "plan", plan_then_change_a_file)
    db = tmp_path / "c.duckdb"
    result = run("ingest", folder, "--db", db, "--engine", "ray", "--shard-size", "2")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error ")]
    bad = [line for line in errors if "c-changing.jsonl" in line]
    assert bad and all("changed after the run was planned" in line for line in bad)
    assert re.search(r"shard [0-9a-f]{24} failed", bad[0])
    assert any("b-corrupt.warc.gz" in line and "gzip" in line for line in errors)
    with Store(db, read_only=True) as store:
        paths = {Path(p).name for (p,) in store.query("SELECT source_path FROM documents")[1]}
        stored_errors = store.query("SELECT path, reason FROM ingest_errors")[1]
    assert {"a-good.txt", "d-good.txt"} <= paths and "c-changing.jsonl" not in paths
    assert any("changed after the run was planned" in reason for _, reason in stored_errors)

    monkeypatch.setattr(ray_engine, "plan", real_plan)
    rerun = run("ingest", folder, "--db", db, "--engine", "ray", "--shard-size", "2")
    assert rerun.exit_code == 1  # the corrupt WARC is still corrupt
    assert "changed after the run was planned" not in rerun.stderr
    with Store(db, read_only=True) as store:
        paths = {Path(p).name for (p,) in store.query("SELECT source_path FROM documents")[1]}
    assert "c-changing.jsonl" in paths


@pytest.mark.ray
def test_ray_started_by_chronicle_imports_no_arrow_for_its_own_serializers(tmp_path):
    # Ray imports pyarrow in the driver at ray.init and in a worker at its first arguments, to
    # register serializers for Arrow objects (≈35 MB a process); Chronicle passes none through
    # Ray, so the Ray it starts skips that (`without_arrow_serializers`: in the driver, and in the
    # workers as the actor starts, created with no arguments). A fresh process: the module-scoped
    # instance above is started by the tests.
    import subprocess
    import sys

    script = tmp_path / "probe.py"
    script.write_text(
        "import json, sys, ray\n"
        "from chronicle.scale.ray_engine import _cluster, _coder_class\n"
        "from chronicle.scale.shards import code_fingerprint\n"
        "with _cluster(ray, None, 1) as (where, started):\n"
        "    actor = _coder_class(ray, json.dumps(code_fingerprint(), sort_keys=True)).remote()\n"
        "    print(ray.get(actor.loaded.remote('pyarrow')), 'pyarrow' in sys.modules)\n",
        encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[] False"
