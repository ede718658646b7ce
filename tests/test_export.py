"""Exports open in pandas with the documented columns, one row per cross-document event, and
their numbers are right: tolls, Goldstein scores, FIPS codes, ACLED regions."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import chronicle
from chronicle.export import (ACLED_COLUMNS, EVENT_COLUMNS, GDELT_COLUMNS, acled_region,
                              acled_type, export, fips_code, goldstein, stream)
from chronicle.pipeline import run
from chronicle.resolve import resolve_store
from chronicle.store import Store

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "EXPORTS.md").read_text(encoding="utf-8")
COUNTRY_INFO = ROOT.parent / "shared" / "reference" / "actors" / "CountryInfo.120116.txt"

# Reports of violence written for these tests: two reports of one raid giving different tolls,
# a bombing with its dead and wounded in one sentence, deaths and injuries told without a count
# on the event, a toll in words, and a threat to kill that kills no one.
VIOLENCE = [
    dict(id="maiduguri-a", date="2024-06-25", url="https://wire-one.example/maiduguri",
         title="Gunmen kill villagers near Maiduguri",
         text="Gunmen killed at least 12 villagers in Maiduguri on Monday, police said.\n\n"
              "The attackers arrived on motorcycles and set fire to several houses."),
    dict(id="maiduguri-b", date="2024-06-26", url="https://daily-two.example/news/maiduguri-raid",
         title="Toll in Maiduguri raid rises",
         text="Gunmen killed 15 villagers in Maiduguri on Monday, a local official said."),
    dict(id="mogadishu", date="2024-06-22", url="https://wire-one.example/mogadishu",
         title="Market bombing in Mogadishu",
         text="A suicide bomber killed 7 and wounded 20 at a market in Mogadishu on Friday."),
    dict(id="nairobi", date="2024-06-26", url="https://wire-one.example/nairobi",
         title="Deaths at Nairobi protest",
         text="Five people died when police fired on demonstrators in Nairobi on Tuesday."),
    dict(id="minsk", date="2024-06-25", url="https://wire-one.example/minsk",
         title="Journalists hurt in Minsk",
         text="Two journalists were hurt when police beat demonstrators in Minsk on Monday."),
    dict(id="bama", date="2024-06-25", url="https://wire-one.example/bama", title="Dozens dead in Bama",
         text="Insurgents stormed the town of Bama on Tuesday, killing dozens of people, officials "
              "said."),
    dict(id="sanaa", date="2024-06-25", url="https://wire-one.example/sanaa",
         title="Hostage threat in Sanaa",
         text="The rebels threatened to kill 100 hostages in Sanaa unless the government met their "
              "demands."),
]


def _build(path: Path, inputs: list[str]) -> Path:
    with Store(path) as store:
        run(inputs, store.write_document, store=store)
        resolve_store(store)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("export") / "examples.duckdb", [str(ROOT / "examples")])


@pytest.fixture(scope="module")
def store(db):
    with chronicle.open(db) as handle:
        yield handle


@pytest.fixture(scope="module")
def violence_db(tmp_path_factory) -> tuple[Path, int]:
    """The reports of violence ingested, and the Unix time the ingest started."""
    folder = tmp_path_factory.mktemp("violence")
    reports = folder / "violence.jsonl"
    reports.write_text("".join(json.dumps(r) + "\n" for r in VIOLENCE), encoding="utf-8")
    started = int(time.time())
    return _build(folder / "violence.duckdb", [str(reports)]), started


@pytest.fixture(scope="module")
def violence(violence_db):
    with chronicle.open(violence_db[0]) as handle:
        yield handle


def _by_doc(rows, doc_id: str) -> dict:
    """The exported event whose reports include `doc_id` (the one with a toll, if several)."""
    mine = [r for r in rows if doc_id in {s["doc_id"] for s in r["sources"]}]
    assert mine, f"no event from {doc_id}"
    return max(mine, key=lambda r: (r["type"] == "ASSAULT", r["fatalities"] or 0, r["injuries"] or 0))


def _documented(section: str) -> list[str]:
    """The backquoted column names listed under a heading of docs/EXPORTS.md."""
    body = DOCS.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    block = body.split("Columns:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"`([^`]+)`", block)


@pytest.mark.parametrize("section, columns", [
    ("Events (parquet, jsonl, csv)", EVENT_COLUMNS), ("GDELT", GDELT_COLUMNS), ("ACLED", ACLED_COLUMNS)])
def test_docs_list_the_columns_the_code_writes(section, columns):
    assert _documented(section) == columns


def _count(db, sql: str) -> int:
    with db.cursor() as cur:
        return cur.execute(sql).fetchone()[0]


def test_parquet_csv_jsonl_hold_every_cluster_with_its_sources(store, tmp_path):
    n_clusters = _count(store, "SELECT count(*) FROM clusters")
    n_events = _count(store, "SELECT count(*) FROM events")
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
    assert row["evidence"] in store.document(row["doc_id"])["text"]


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
    with store.cursor() as cur:
        kinds = cur.execute("SELECT type FROM clusters").fetchall()
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
    with chronicle.open(db) as handle:
        n_agree = _count(handle, "SELECT count(*) FROM clusters WHERE type = 'AGREE'")
    assert n_agree and len(rows) == n_agree and set(rows["type"]) == {"AGREE"}


# --- the numbers ---------------------------------------------------------------------------------


def test_fatalities_and_injuries_come_from_every_toll_tied_to_an_event(violence):
    rows = list(chronicle.export.iter_events(violence))
    # killed 7 and wounded 20 in one sentence: the event's own count is one, both are read
    bombing = _by_doc(rows, "mogadishu")
    assert (bombing["fatalities"], bombing["injuries"]) == (7, 20)
    # the event carries no count of its own; its sentence tells the dead or the hurt
    assert _by_doc(rows, "nairobi")["fatalities"] == 5
    assert (_by_doc(rows, "minsk")["fatalities"], _by_doc(rows, "minsk")["injuries"]) == (None, 2)
    # "dozens" is ACLED's 12, not a guess of 24
    assert _by_doc(rows, "bama")["fatalities"] == 12
    # one raid, two reports: "at least 12" and "15"; ACLED keeps the most conservative figure
    raid = _by_doc(rows, "maiduguri-a")
    assert raid["num_articles"] == 2 and raid["fatalities"] == 12
    # a threat to kill kills no one
    threat = _by_doc(rows, "sanaa")
    assert threat["type"] != "ASSAULT" and threat["fatalities"] is None


def test_acled_export_writes_tolls_regions_and_timestamps(violence, violence_db, tmp_path):
    out = tmp_path / "violence.acled.csv"
    export(violence, "acled", out)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    by_place = {row["location"]: row for _, row in df.iterrows()}
    assert by_place["Mogadishu"]["fatalities"] == "7"
    assert by_place["Nairobi"]["fatalities"] == "5"
    assert by_place["Minsk"]["fatalities"] == "0"  # ACLED's "no reported fatalities"
    assert df["fatalities"].str.fullmatch(r"\d+").all()
    assert by_place["Mogadishu"]["region"] == "Eastern Africa"
    assert by_place["Maiduguri"]["region"] == "Western Africa"
    assert by_place["Minsk"]["region"] == "Europe"
    # when the row last changed, as Unix seconds: the ingest of its latest report
    stamps = df["timestamp"].astype(int)
    assert stamps.between(violence_db[1] - 5, int(time.time()) + 5).all()


def test_gdelt_export_scores_goldstein_and_codes_places_in_fips(violence, store, tmp_path):
    for db in (store, violence):  # the examples, then the reports of violence (checked below)
        out = tmp_path / "events.gdelt.tsv"
        export(db, "gdelt", out)
        df = pd.read_csv(out, sep="\t", dtype=str, keep_default_na=False)
        coded = df[df["EventCode"] != ""]
        assert len(coded) and (coded["GoldsteinScale"] != "").all()
        for _, row in coded.iterrows():
            assert float(row["GoldsteinScale"]) == goldstein(row["EventCode"])
        placed = df[df["ActionGeo_Lat"] != ""]
        # a place in no country (the Black Sea) has no code
        assert placed["ActionGeo_CountryCode"].str.fullmatch(r"[A-Z]{2}|").all()
        assert (placed["ActionGeo_CountryCode"] != "").sum() >= 0.9 * len(placed)
    by_place = {row["ActionGeo_FullName"].split(",")[0]: row for _, row in df.iterrows()}
    assert by_place["Mogadishu"]["ActionGeo_CountryCode"] == "SO"
    assert by_place["Maiduguri"]["ActionGeo_CountryCode"] == "NI"   # Nigeria; Niger is NG
    assert by_place["Minsk"]["ActionGeo_CountryCode"] == "BO"       # Belarus
    assert by_place["Maiduguri"]["GoldsteinScale"] == "-10.0"        # 190 conventional force
    # Day only for a day-precise date; the month and year whatever the precision
    for _, row in df.iterrows():
        assert (row["Day"] != "") == (len(row["Day"]) == 8)
        if row["Day"]:
            assert row["MonthYear"] == row["Day"][:6] and row["Year"] == row["Day"][:4]
    assert (df["AvgTone"] == "").all()  # documented as empty: no tone is measured


def test_goldstein_table_scores_every_code_chronicle_writes():
    table = [line.split("\t") for line in
             (ROOT / "src/chronicle/data/goldstein.tsv").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith(("#", "cameo"))]
    scores = {code: float(score) for code, score in table}
    assert len(scores) == len(table) > 250
    assert all(-10 <= v <= 10 for v in scores.values())
    # the published anchors
    assert scores["190"] == -10.0 and scores["0874"] == 10.0 and scores["010"] == 0.0
    assert scores["141"] == -6.5 and scores["173"] == -5.0 and scores["057"] == 8.0
    # every root is there, and material conflict (14-20) always scores below verbal cooperation
    assert {f"{n:02d}" for n in range(1, 21)} <= scores.keys()
    assert max(v for c, v in scores.items() if c[:2] >= "14") < min(
        v for c, v in scores.items() if "03" <= c[:2] <= "08")
    # every CAMEO code the trigger lexicon can give gets a score (a code the table lacks
    # falls back to its base or root)
    lexicon = (ROOT / "src/chronicle/data/event_triggers.tsv").read_text(encoding="utf-8")
    rows = list(csv.DictReader((line for line in lexicon.splitlines() if not line.startswith("#")),
                               delimiter="\t"))
    assert rows and all(goldstein(r["cameo"]) is not None for r in rows if r["cameo"])
    assert goldstein("176") == scores["17"] and goldstein("1512") == scores["151"]
    assert goldstein(None) is None


def test_fips_codes_are_not_iso_codes():
    assert fips_code("DEU") == "GM" and fips_code("KAZ") == "KZ" and fips_code("KGZ") == "KG"
    assert fips_code("GBR") == "UK" and fips_code("RUS") == "RS" and fips_code("NER") == "NG"
    assert fips_code("NGA") == "NI" and fips_code("SSD") == "OD" and fips_code("XKX") == "KV"
    assert fips_code("PSE", "Gaza City") == "GZ" and fips_code("PSE", "Ramallah") == "WE"
    assert fips_code(None) == "" and fips_code("UMI") == ""
    assert acled_region("KAZ") == "Caucasus and Central Asia" and acled_region("TUR") == "Middle East"
    assert acled_region("MEX") == "Central America" and acled_region(None) == ""


@pytest.mark.skipif(not COUNTRY_INFO.is_file(), reason=f"the shared reference {COUNTRY_INFO} is absent")
def test_fips_codes_agree_with_an_independent_list():
    """CountryInfo (../shared/reference) carries FIPS 10-4 codes too; where it disagrees with our
    table the reference is wrong (each case checked: it gives the ISO code, or a neighbour's),
    except Palestine, which has two FIPS codes (Gaza GZ, West Bank WE)."""
    theirs, country = {}, None
    for line in COUNTRY_INFO.read_text(encoding="latin-1").splitlines():
        if m := re.search(r"<CountryCode>(\w{3})</CountryCode>", line):
            country = m.group(1)
        elif (m := re.search(r"<FIPS-10>(\w\w)</FIPS-10>", line)) and country not in theirs:
            theirs[country] = m.group(1)
    known_errors = {"COG": "CG", "COK": "CK", "GIN": "PP", "GTM": "GP", "KGZ": "KY", "MMR": "MZ",
                    "ZAF": "SA", "PSE": "GZ"}
    compared = {a3: code for a3, code in theirs.items() if fips_code(a3)}
    assert len(compared) >= 200
    differ = {a3: code for a3, code in compared.items() if fips_code(a3) != code}
    assert differ == known_errors


# --- one code path for files and downloads -------------------------------------------------------


def test_a_download_is_the_file_byte_for_byte(violence, tmp_path):
    for fmt in ("csv", "jsonl", "gdelt", "acled"):
        out = tmp_path / f"events.{fmt}"
        export(violence, fmt, out, type="ASSAULT")
        assert b"".join(stream(violence, fmt, type="ASSAULT")) == out.read_bytes()
    parquet = tmp_path / "download.parquet"
    parquet.write_bytes(b"".join(stream(violence, "parquet", event_country="NGA")))
    df = pd.read_parquet(parquet)
    assert list(df.columns) == EVENT_COLUMNS and len(df) and set(df["location_country"]) == {"NGA"}


def test_bad_formats_and_filters_fail_before_anything_is_sent(violence):
    with pytest.raises(ValueError, match="unknown export format"):
        stream(violence, "xlsx")
    with pytest.raises(ValueError, match="alpha-3"):
        stream(violence, "csv", event_country="Nigeria")


def test_event_country_is_where_the_event_happened(db, tmp_path):
    out = tmp_path / "senegal.jsonl"
    cmd = [sys.executable, "-m", "chronicle.cli", "export", "--db", str(db), "--format", "jsonl",
           "--out", str(out)]
    done = subprocess.run(cmd + ["--event-country", "SEN"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    happened = pd.read_json(out, lines=True)
    assert len(happened) and set(happened["location_country"]) == {"SEN"}
    subprocess.run(cmd + ["--country", "SEN"], capture_output=True, text=True, check=True)
    involved = pd.read_json(out, lines=True)
    # --country also matches an actor from Senegal acting elsewhere, or an event with no place
    assert set(happened["id"]) <= set(involved["id"])
    bad = subprocess.run(cmd + ["--event-country", "Senegal"], capture_output=True, text=True)
    assert bad.returncode == 2 and "event_country" in bad.stderr
