"""Exports open in pandas with the documented columns, one row per cross-document event."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from chronicle.export import (ACLED_COLUMNS, EVENT_COLUMNS, GDELT_COLUMNS, acled_type, export)
from chronicle.pipeline import run
from chronicle.resolve import resolve_store
from chronicle.store import Store

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "EXPORTS.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "examples.duckdb"
    with Store(path) as store:
        run([str(ROOT / "examples")], store.write_document, store=store)
        resolve_store(store)
    return path


@pytest.fixture(scope="module")
def store(db):
    with Store(db, read_only=True) as s:
        yield s


def _documented(section: str) -> list[str]:
    """The backquoted column names listed under a heading of docs/EXPORTS.md."""
    body = DOCS.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    block = body.split("Columns:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"`([^`]+)`", block)


@pytest.mark.parametrize("section, columns", [
    ("Events (parquet, jsonl, csv)", EVENT_COLUMNS), ("GDELT", GDELT_COLUMNS), ("ACLED", ACLED_COLUMNS)])
def test_docs_list_the_columns_the_code_writes(section, columns):
    assert _documented(section) == columns


def test_parquet_csv_jsonl_hold_every_cluster_with_its_sources(store, tmp_path):
    n_clusters = store.query("SELECT count(*) FROM clusters")[1][0][0]
    n_events = store.query("SELECT count(*) FROM events")[1][0][0]
    assert n_clusters > 5
    frames = {}
    for fmt, reader in (("parquet", pd.read_parquet), ("csv", pd.read_csv),
                        ("jsonl", lambda p: pd.read_json(p, lines=True))):
        out = tmp_path / f"events.{fmt}"
        assert export(store, fmt, out) == n_clusters
        frames[fmt] = reader(out)
        assert list(frames[fmt].columns) == EVENT_COLUMNS
        assert len(frames[fmt]) == n_clusters
    # every stored event is a source of exactly one exported event
    assert sum(len(s) for s in frames["parquet"]["sources"]) == n_events
    assert sorted(frames["parquet"]["id"]) == sorted(frames["csv"]["id"]) == sorted(frames["jsonl"]["id"])
    # evidence is the sentence of the representative event, found in its document's text
    row = frames["jsonl"].iloc[0]
    doc = store.get_document(row["doc_id"])
    assert row["evidence"] in doc.text


def test_gdelt_export_fills_what_chronicle_knows(store, tmp_path):
    out = tmp_path / "events.gdelt.tsv"
    export(store, "gdelt", out)
    df = pd.read_csv(out, sep="\t", dtype=str, keep_default_na=False)
    assert list(df.columns) == GDELT_COLUMNS
    day = df[df["Day"] != ""]
    assert len(day) and day["Day"].str.fullmatch(r"\d{8}").all()
    coded = df[df["EventCode"] != ""]
    assert (coded["EventRootCode"] == coded["EventCode"].str[:2]).all()
    assert set(coded["QuadClass"]) <= {"1", "2", "3", "4"}
    placed = df[df["ActionGeo_Lat"] != ""]
    assert len(placed) and placed["ActionGeo_Lat"].astype(float).between(-90, 90).all()


def test_acled_export_maps_types_and_leaves_out_verbal_ones(store, tmp_path):
    out = tmp_path / "events.acled.csv"
    n = export(store, "acled", out)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns) == ACLED_COLUMNS and len(df) == n
    assert set(df["event_type"]) <= {"Battles", "Violence against civilians", "Explosions/Remote violence",
                                     "Riots", "Protests", "Strategic developments"}
    kinds = store.query("SELECT type FROM clusters")[1]
    mapped = sum(1 for (t,) in kinds if acled_type(t, None, None))
    assert n == mapped < len(kinds)  # CONSULT, REQUEST ... have no ACLED type
    assert export(store, "acled", out, all_types=True) == len(kinds)


def test_acled_mapping():
    assert acled_type("PROTEST", "riot", None)[1] == "Riots"
    assert acled_type("PROTEST", "demo", None)[1:] == ("Protests", "Peaceful protest")
    assert acled_type("COERCE", "arrest", None)[2] == "Arrests"
    assert acled_type("ASSAULT", "firearms", "MIL")[1] == "Battles"
    assert acled_type("ASSAULT", "firearms", "CVL")[1] == "Violence against civilians"
    assert acled_type("REQUEST", None, None) is None


def test_cli_export_errors_are_one_line(db, tmp_path):
    cmd = [sys.executable, "-m", "chronicle.cli", "export", "--db", str(db), "--format", "csv"]
    bad = subprocess.run(cmd + ["--out", str(tmp_path / "missing" / "x.csv")], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and len(bad.stderr.splitlines()) == 1
    none = subprocess.run([sys.executable, "-m", "chronicle.cli", "export", "--db",
                           str(tmp_path / "nope.duckdb"), "--format", "csv", "--out", "x.csv"],
                          capture_output=True, text=True)
    assert none.returncode == 2 and "no database" in none.stderr


def test_cli_export_takes_the_event_filters(db, tmp_path):
    out = tmp_path / "filtered.jsonl"
    done = subprocess.run([sys.executable, "-m", "chronicle.cli", "export", "--db", str(db), "--format",
                           "jsonl", "--out", str(out), "--type", "AGREE"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = pd.read_json(out, lines=True)
    with Store(db, read_only=True) as store:
        n_agree = store.query("SELECT count(*) FROM clusters WHERE type = 'AGREE'")[1][0][0]
    assert n_agree and len(rows) == n_agree and set(rows["type"]) == {"AGREE"}
