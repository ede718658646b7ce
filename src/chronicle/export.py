"""Exports: the cross-document events of a store as Parquet, JSON Lines, CSV, or in the column
layouts of GDELT 2.0 and ACLED, so that tools built for those data sets read Chronicle's output.

One row is one cross-document event (a cluster, see `resolve.py`), showing its representative
event's fields plus how many reports carry it and where they are. The column lists and the
PLOVER → ACLED mapping are documented in docs/EXPORTS.md; keep the two in step.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from .counts import DEATH, INJURY, count_kind, count_value

FORMATS = ("parquet", "jsonl", "csv", "gdelt", "acled")

# The flat columns of the parquet / csv / jsonl exports, in order.
EVENT_COLUMNS = [
    "id", "type", "mode", "cameo", "date", "date_precision", "modality", "confidence",
    "source_text", "source_name", "source_country", "source_sector", "source_kind",
    "target_text", "target_name", "target_country", "target_sector", "target_kind",
    "location_name", "location_country", "location_admin1", "lat", "lon", "geonameid",
    "location_feature", "quantity_value", "quantity_approx", "quantity_unit", "quantity_what",
    "num_sources", "num_articles", "first_report", "last_report", "evidence", "doc_id", "url",
    "sources", "fatalities", "injuries",
]

# GDELT 2.0 event table, in the order of the GDELT 2.0 Event Codebook.
GDELT_COLUMNS = [
    "GlobalEventID", "Day", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode",
    "Actor1Religion1Code", "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2EthnicCode",
    "Actor2Religion1Code", "Actor2Religion2Code", "Actor2Type1Code", "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code",
    "Actor1Geo_ADM2Code", "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code", "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code", "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    "DATEADDED", "SOURCEURL",
]

# ACLED's export columns (ACLED codebook); ones Chronicle cannot know stay empty.
ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
]

# PLOVER type (and mode) → ACLED (disorder_type, event_type, sub_event_type). ACLED codes
# political violence, demonstrations and a few non-violent "strategic developments"; verbal
# PLOVER types (CONSULT, SUPPORT, REQUEST, ACCUSE, REJECT, THREATEN, ...) have no ACLED
# counterpart and are left out unless `all_types` (then: Strategic developments / Other).
_ACLED_BY_MODE = {
    ("PROTEST", "riot"): ("Demonstrations", "Riots", "Violent demonstration"),
    ("PROTEST", None): ("Demonstrations", "Protests", "Peaceful protest"),
    ("ASSAULT", "explosives"): ("Political violence", "Explosions/Remote violence",
                                "Remote explosive/landmine/IED"),
    ("ASSAULT", "aerial"): ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    ("ASSAULT", "drone"): ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    ("ASSAULT", "heavy-weapons"): ("Political violence", "Explosions/Remote violence",
                                   "Shelling/artillery/missile attack"),
    ("ASSAULT", "abduct"): ("Political violence", "Violence against civilians",
                            "Abduction/forced disappearance"),
    ("ASSAULT", "crowd-control"): ("Demonstrations", "Protests", "Excessive force against protesters"),
    ("ASSAULT", "destroy"): ("Strategic developments", "Strategic developments",
                             "Looting/property destruction"),
    **{("ASSAULT", mode): ("Political violence", "Violence against civilians", "Attack")
       for mode in ("massacre", "execute", "assassinate", "torture", "beat")},
    ("ASSAULT", None): ("Political violence", "Battles", "Armed clash"),
    ("COERCE", "arrest"): ("Strategic developments", "Strategic developments", "Arrests"),
    ("COERCE", "seize"): ("Strategic developments", "Strategic developments",
                          "Looting/property destruction"),
    ("COERCE", None): ("Strategic developments", "Strategic developments", "Other"),
    ("MOBILIZE", None): ("Strategic developments", "Strategic developments",
                         "Change to group/activity"),
    ("AGREE", None): ("Strategic developments", "Strategic developments", "Agreement"),
    ("RETREAT", "ceasefire"): ("Strategic developments", "Strategic developments", "Agreement"),
    ("RETREAT", None): ("Strategic developments", "Strategic developments",
                        "Change to group/activity"),
}
_ACLED_OTHER = ("Strategic developments", "Strategic developments", "Other")
_CIVILIAN_SECTORS = {"CVL", "REF", "MED", "EDU", "REL", "HLH", "LAB", "BUS", "NGO"}
# ACLED's inter codes: 1 state forces, 2 rebels, 3 political militias, 4 identity militias,
# 5 rioters, 6 protesters, 7 civilians, 8 external/other forces.
_INTER = {"GOV": 1, "MIL": 1, "COP": 1, "JUD": 1, "LEG": 1, "REB": 2, "INS": 2, "CRM": 3,
          "PRO": 6, "OPP": 6, "PTY": 3, "IGO": 8}
_SECTOR_NAMES = {"GOV": "Government", "MIL": "Military Forces", "COP": "Police Forces",
                 "JUD": "Judiciary", "LEG": "Legislature", "PTY": "Political Party",
                 "OPP": "Opposition", "REB": "Rebel Group", "INS": "Insurgents",
                 "PRO": "Protesters", "CVL": "Civilians", "MED": "Journalists",
                 "BUS": "Business", "LAB": "Labour Group", "EDU": "Students and Teachers",
                 "REL": "Religious Group", "HLH": "Health Workers", "REF": "Refugees/IDPs",
                 "NGO": "NGO", "CRM": "Criminals"}
# CAMEO root code → GDELT QuadClass (1 verbal cooperation ... 4 material conflict)
_QUAD = {**{f"{n:02d}": 1 for n in range(1, 6)}, **{f"{n:02d}": 2 for n in range(6, 9)},
         **{f"{n:02d}": 3 for n in range(9, 14)}, **{f"{n:02d}": 4 for n in range(14, 21)}}


class ExportError(ValueError):
    """The export cannot be written (bad format, unwritable path)."""


# Member events of these types can count dead and injured: violence, and protests or coercion
# that turned violent. A count tied to a THREATEN, ACCUSE or REQUEST ("threatened to kill 100")
# is of deaths spoken of, not caused.
_CASUALTY_TYPES = {"ASSAULT", "PROTEST", "COERCE"}
# Acts not (yet) done: their counts are no one's casualties.
_UNDONE = {"intended", "hypothetical", "denied"}
_CONTEXT = 40  # characters of text either side of a count, for "left 15 dead"


def iter_events(db, **filters) -> Iterator[dict]:
    """The cross-document events of a database (a `chronicle.open` handle) matching the event
    filters of `query.py`, as flat dicts (EVENT_COLUMNS) in date order, each with `sources`,
    the list of its reports: {event_id, doc_id, title, url, path, site, published, evidence,
    start, end, reason}. Streams: reports are read alongside the events, not all at once."""
    ctes, where, params = db.event_scope(**filters)
    order = "c.date NULLS LAST, c.id"
    events_sql = f"""{ctes}
        SELECT c.id, c.type, c.mode, c.cameo, c.date, c.date_precision, c.modality, c.confidence,
               c.source, c.target, c.location, c.quantity, c.num_sources, c.num_articles,
               c.first_report, c.last_report, r.evidence_text, r.doc_id, d.source_url
        FROM clus c LEFT JOIN events r ON r.id = c.representative
        LEFT JOIN documents d ON d.id = r.doc_id{where}
        ORDER BY {order}"""
    # Each report with what its casualty counts need: the event's own count, and every count
    # in its evidence sentence with a little text either side ("left 15 dead").
    reports_sql = f"""{ctes}, picked AS (SELECT c.id, c.date FROM clus c{where})
        SELECT c.id, m.event_id, m.doc_id, m.reason, d.title, d.source_url, d.source_path, d.site,
               d.published, e.evidence_text, e.evidence_start, e.evidence_end, e.type, e.modality,
               e.quantity, epoch(d.ingested_at),
               (SELECT list({{'value': q.value, 'approx': q.approx, 'unit': q.unit,
                             'what': q.what, 'start': q.start_char,
                             'text': substr(d.text, q.start_char + 1, q.end_char - q.start_char),
                             'before': substr(d.text, greatest(q.start_char - {_CONTEXT}, 0) + 1,
                                              q.start_char - greatest(q.start_char - {_CONTEXT}, 0)),
                             'after': substr(d.text, q.end_char + 1, {_CONTEXT})}} ORDER BY q.n)
                FROM quantities q WHERE q.doc_id = e.doc_id AND (
                    (q.start_char >= e.evidence_start AND q.start_char < e.evidence_end)
                    OR q.start_char = TRY_CAST(json_extract(e.quantity, '$.start') AS INTEGER)))
        FROM picked c JOIN members m ON m.cluster_id = c.id JOIN events e ON e.id = m.event_id
        LEFT JOIN documents d ON d.id = m.doc_id
        ORDER BY {order}, d.published NULLS LAST, m.event_id"""
    with db.cursor() as events_cur, db.cursor() as reports_cur:
        events_cur.execute(events_sql, params)
        reports_cur.execute(reports_sql, params)
        pending: list = []
        reports = _batches(reports_cur)
        while rows := events_cur.fetchmany(1000):
            for (cid, typ, mode, cameo, date, prec, modality, conf, src, tgt, loc, qty, n_src,
                 n_art, first, last, evidence, doc_id, url) in rows:
                # both queries walk the events in the same order: take this event's reports
                mine = []
                while True:
                    if not pending:
                        pending = next(reports, [])
                        if not pending:
                            break
                    if pending[0][0] != cid:
                        break
                    mine.append(_Report(*pending.pop(0)))
                src, tgt, loc, qty = (json.loads(x) if x else {} for x in (src, tgt, loc, qty))
                row = dict(id=cid, type=typ, mode=mode, cameo=cameo, date=date,
                           date_precision=prec, modality=modality, confidence=conf)
                for role, actor in (("source", src), ("target", tgt)):
                    for key in ("text", "name", "country", "sector", "kind"):
                        row[f"{role}_{key}"] = actor.get(key)
                deaths, injuries = _casualties(mine)
                row.update(location_name=loc.get("name"), location_country=loc.get("country"),
                           location_admin1=loc.get("admin1"), lat=loc.get("lat"),
                           lon=loc.get("lon"), geonameid=loc.get("geonameid"),
                           location_feature=loc.get("feature"), quantity_value=qty.get("value"),
                           quantity_approx=qty.get("approx"), quantity_unit=qty.get("unit"),
                           quantity_what=qty.get("what"), num_sources=n_src, num_articles=n_art,
                           first_report=first, last_report=last, evidence=evidence,
                           doc_id=doc_id, url=url, sources=[_report(r) for r in mine],
                           fatalities=deaths, injuries=injuries)
                # not a column: when the event last changed (ACLED's timestamp)
                row["_ingested"] = max((r.ingested for r in mine if r.ingested is not None),
                                       default=None)
                yield row


def _batches(cur) -> Iterator[list]:
    while rows := cur.fetchmany(1000):
        yield list(rows)


class _Report(NamedTuple):
    """One report of an event, as `iter_events` reads it (the columns of its reports query)."""
    cluster_id: str
    event_id: str
    doc_id: str
    reason: str | None
    title: str | None
    url: str | None
    path: str | None
    site: str | None
    published: str | None
    evidence: str | None
    start: int | None
    end: int | None
    type: str
    modality: str | None
    quantity: str | None   # the event's own count, JSON
    ingested: float | None  # Unix seconds
    counts: list | None    # the counts of its sentence (and its own), with text either side


def _report(r: _Report) -> dict:
    return dict(event_id=r.event_id, doc_id=r.doc_id, title=r.title, url=r.url, path=r.path,
                site=r.site, published=r.published, evidence=r.evidence, start=r.start,
                end=r.end, reason=r.reason)


def _casualties(reports: list[_Report]) -> tuple[int | None, int | None]:
    """(dead, injured) of one event from its reports, None where no report gives the count.

    A report's counts are its event's own count and, for an ASSAULT (one per sentence, see
    extract), every count of its evidence sentence ("killed 7 and wounded 20"). Within a report
    the largest of each kind counts (a part, "including 3 children", is never added to its
    whole); across reports the smallest, ACLED's rule: "the most conservative estimate"."""
    per_report: dict[str, list[int]] = {DEATH: [], INJURY: []}
    for r in reports:
        if r.type not in _CASUALTY_TYPES or r.modality in _UNDONE:
            continue
        own_start = json.loads(r.quantity).get("start") if r.quantity else None
        best: dict[str, int] = {}
        for q in r.counts or []:
            if r.type != "ASSAULT" and q["start"] != own_start:
                continue  # a protest's or an arrest's sentence may tell of other deaths
            kind = count_kind(q, q["before"] or "", q["after"] or "")
            value = count_value(q, q["text"] or "")
            if kind and value is not None:
                best[kind] = max(best.get(kind, 0), value)
        for kind, value in best.items():
            per_report[kind].append(value)
    return (min(per_report[DEATH], default=None), min(per_report[INJURY], default=None))


def _table(name: str, key: str) -> dict[str, dict]:
    with resources.files("chronicle.data").joinpath(name).open(encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {row[key]: row for row in rows}


@lru_cache(maxsize=1)
def _goldstein_table() -> dict[str, float]:
    return {code: float(row["goldstein"]) for code, row in _table("goldstein.tsv", "cameo").items()}


def goldstein(cameo: str | None) -> float | None:
    """The Goldstein scale score of a CAMEO code (data/goldstein.tsv): the code's own, else its
    three-digit base code's, else its root's; None for no code."""
    if not cameo:
        return None
    table = _goldstein_table()
    for code in (cameo, cameo[:3], cameo[:2]):
        if code in table:
            return table[code]
    return None


@lru_cache(maxsize=1)
def _fips_table() -> dict[str, str]:
    return {a3: row["fips"] for a3, row in _table("fips_codes.tsv", "alpha3").items()}


def fips_code(alpha3: str | None, place: str | None = None) -> str:
    """The FIPS 10-4 code of a country (data/fips_codes.tsv), "" when it has none. Palestine has
    two: GZ for a place in the Gaza Strip, WE otherwise."""
    if not alpha3:
        return ""
    if alpha3 == "PSE" and place and "gaza" in place.lower():
        return "GZ"
    return _fips_table().get(alpha3, "")


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    return {a3: row["region"] for a3, row in _table("acled_regions.tsv", "alpha3").items()}


def acled_region(alpha3: str | None) -> str:
    """ACLED's region of a country (data/acled_regions.tsv), "" when unknown."""
    return _regions().get(alpha3 or "", "")


def _country_name(alpha3: str | None) -> str:
    if not alpha3:
        return ""
    import pycountry

    country = pycountry.countries.get(alpha_3=alpha3)
    return getattr(country, "common_name", None) or (country.name if country else alpha3)


def _country_numeric(alpha3: str | None) -> str:
    if not alpha3:
        return ""
    import pycountry

    country = pycountry.countries.get(alpha_3=alpha3)
    return str(int(country.numeric)) if country else ""


def _actor_code(row: dict, role: str) -> str:
    """CAMEO-style actor code: country + sector ("RUSMIL"); IGOs by their short name."""
    if row[f"{role}_kind"] == "igo":
        return (row[f"{role}_name"] or "").upper()
    return (row[f"{role}_country"] or "") + (row[f"{role}_sector"] or "")


def _actor_label(row: dict, role: str) -> str:
    """An ACLED-style actor name: "Military Forces of Russia", "Protesters (Kazakhstan)"."""
    kind, sector, country = row[f"{role}_kind"], row[f"{role}_sector"], row[f"{role}_country"]
    if kind == "igo":
        return row[f"{role}_name"] or row[f"{role}_text"] or ""
    if kind == "person" and row[f"{role}_name"]:
        return row[f"{role}_name"]
    name = _country_name(country)
    label = _SECTOR_NAMES.get(sector or "")
    if label and name:
        if sector in ("PRO", "CVL", "REF", "MED", "LAB", "EDU", "REL", "HLH", "BUS"):
            return f"{label} ({name})"
        return f"{label} of {name}"
    return label or name or (row[f"{role}_text"] or "")


def to_gdelt(row: dict) -> dict:
    date = row["date"] or ""
    day = date.replace("-", "") if row["date_precision"] == "day" else ""
    cameo = row["cameo"] or ""
    score = goldstein(cameo)
    out = dict.fromkeys(GDELT_COLUMNS, "")
    out.update(
        GlobalEventID=row["id"], Day=day, MonthYear=date[:7].replace("-", "") if len(date) >= 7 else "",
        Year=date[:4], FractionDate="",
        Actor1Code=_actor_code(row, "source"), Actor1Name=(row["source_name"] or row["source_text"] or ""),
        Actor1CountryCode=row["source_country"] or "", Actor1Type1Code=row["source_sector"] or "",
        Actor2Code=_actor_code(row, "target"), Actor2Name=(row["target_name"] or row["target_text"] or ""),
        Actor2CountryCode=row["target_country"] or "", Actor2Type1Code=row["target_sector"] or "",
        IsRootEvent=1, EventCode=cameo, EventBaseCode=cameo[:3], EventRootCode=cameo[:2],
        QuadClass=_QUAD.get(cameo[:2], ""), GoldsteinScale="" if score is None else score,
        NumMentions=len(row["sources"]), NumSources=row["num_sources"],
        NumArticles=row["num_articles"], SOURCEURL=row["url"] or "",
        DATEADDED=(row["first_report"] or "").replace("-", ""))
    if row["lat"] is not None:
        feature = row["location_feature"]
        geo_type = {"country": 1, "admin": 2, "city": 4, "site": 4}.get(feature, 4)
        country = row["location_country"]
        fips = fips_code(country, " ".join(filter(None, (row["location_name"],
                                                         row["location_admin1"]))))
        # GDELT's full name reads "city, region, country"; its ADM1Code is a FIPS code, which
        # for a country match is the country's own and below that one Chronicle does not carry
        parts = [row["location_name"]] if feature != "country" else []
        parts += [row["location_admin1"], _country_name(country)]
        seen: list[str] = []
        for part in parts:
            if part and part not in seen:
                seen.append(part)
        out.update(ActionGeo_Type=geo_type, ActionGeo_FullName=", ".join(seen),
                   ActionGeo_CountryCode=fips,
                   ActionGeo_ADM1Code=fips if geo_type == 1 else "", ActionGeo_Lat=row["lat"],
                   ActionGeo_Long=row["lon"], ActionGeo_FeatureID=row["geonameid"] or "")
    return out


def acled_type(plover: str, mode: str | None, target_sector: str | None) -> tuple[str, str, str] | None:
    """(disorder_type, event_type, sub_event_type) for a PLOVER type and mode, or None."""
    hit = _ACLED_BY_MODE.get((plover, mode)) or _ACLED_BY_MODE.get((plover, None))
    if plover == "ASSAULT" and hit and hit[1] == "Battles" and target_sector in _CIVILIAN_SECTORS:
        return ("Political violence", "Violence against civilians", "Attack")
    return hit


def to_acled(row: dict, all_types: bool = False) -> dict | None:
    kinds = acled_type(row["type"], row["mode"], row["target_sector"])
    if kinds is None:
        if not all_types:
            return None
        kinds = _ACLED_OTHER
    date = row["date"] or ""
    country = row["location_country"] or row["source_country"] or ""
    inter1 = _INTER.get(row["source_sector"] or "", 8 if row["source_sector"] else "")
    inter2 = _INTER.get(row["target_sector"] or "", 7 if row["target_sector"] in _CIVILIAN_SECTORS
                        else (8 if row["target_sector"] else ""))
    if kinds[1] == "Riots" and inter1 == 6:
        inter1 = 5
    ingested = row.get("_ingested")
    out = dict.fromkeys(ACLED_COLUMNS, "")
    out.update(
        event_id_cnty=row["id"], event_date=date, year=date[:4],
        time_precision={"day": 1, "month": 2, "year": 3}.get(row["date_precision"], ""),
        disorder_type=kinds[0], event_type=kinds[1], sub_event_type=kinds[2],
        actor1=_actor_label(row, "source"), inter1=inter1, actor2=_actor_label(row, "target"),
        inter2=inter2, interaction=f"{inter1}{inter2}" if inter1 != "" and inter2 != "" else "",
        civilian_targeting="Civilian targeting" if kinds[1] == "Violence against civilians" else "",
        iso=_country_numeric(country), region=acled_region(country),
        country=_country_name(country),
        admin1=row["location_admin1"] or "", location=row["location_name"] or "",
        latitude=row["lat"] if row["lat"] is not None else "",
        longitude=row["lon"] if row["lon"] is not None else "",
        geo_precision={"city": 1, "site": 1, "admin": 2, "country": 3}.get(
            row["location_feature"] or "", ""),
        source="; ".join(sorted({s["site"] or s["url"] or s["path"] or s["doc_id"]
                                 for s in row["sources"]})),
        notes=row["evidence"] or "",
        # ACLED writes 0 when no report gives a death toll
        fatalities=row["fatalities"] or 0,
        tags=f"PLOVER {row['type']}" + (f" {row['mode']}" if row["mode"] else "")
        + (f"; CAMEO {row['cameo']}" if row["cameo"] else ""),
        timestamp="" if ingested is None else int(ingested))
    return out


# --- writing -----------------------------------------------------------------------------------

# What a download is called and sent as, by format.
MEDIA_TYPES = {"parquet": "application/vnd.apache.parquet", "jsonl": "application/x-ndjson",
               "csv": "text/csv; charset=utf-8",
               "gdelt": "text/tab-separated-values; charset=utf-8",
               "acled": "text/csv; charset=utf-8"}
FILE_NAMES = {"parquet": "events.parquet", "jsonl": "events.jsonl", "csv": "events.csv",
              "gdelt": "events.gdelt.tsv", "acled": "events.acled.csv"}
_CHUNK = 1 << 16


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _text_rows(fmt: str, rows: Iterator[dict], all_types: bool) -> Iterator[str]:
    """The lines of a text format, header first (CSV quoting where a field needs it)."""
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(_public(row), ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    columns = {"csv": EVENT_COLUMNS, "gdelt": GDELT_COLUMNS, "acled": ACLED_COLUMNS}[fmt]
    # GDELT's own files are tab-separated; ours carry a header row so that pandas and
    # spreadsheets name the columns (`pandas.read_csv(path, sep="\t")`).
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter="\t" if fmt == "gdelt" else ",",
                            extrasaction="ignore")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield take()
    for row in rows:
        if fmt == "csv":
            line = dict(row, sources=json.dumps(row["sources"], ensure_ascii=False))
        elif fmt == "gdelt":
            line = to_gdelt(row)
        else:
            line = to_acled(row, all_types=all_types)
            if line is None:
                continue
        writer.writerow(line)
        yield take()


def _write_parquet(rows: Iterator[dict], target) -> int:
    """Row groups of 10,000 events, so memory stays flat however large the export."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema()
    n = 0
    with pq.ParquetWriter(target, schema) as writer:
        batch: list[dict] = []
        for row in rows:
            batch.append(_public(row))
            if len(batch) == 10_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch or not n:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema) if batch
                               else schema.empty_table())
            n += len(batch)
    return n


def stream(db, fmt: str, *, all_types: bool = False, **filters) -> Iterator[bytes]:
    """The export of the events matching `filters` as chunks of bytes, for a download. Bad
    formats and filters raise before the first chunk (ExportError, ValueError)."""
    _check_format(fmt)
    db.event_scope(**filters)  # refuses bad filters now, not halfway through a response
    return _stream(db, fmt, all_types, filters)


def _stream(db, fmt: str, all_types: bool, filters: dict) -> Iterator[bytes]:
    if fmt == "parquet":  # a Parquet file ends with its index: it is written whole, then sent
        with tempfile.TemporaryDirectory(prefix="chronicle-export-") as folder:
            path = Path(folder) / "events.parquet"
            _write_parquet(iter_events(db, **filters), str(path))
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    yield chunk
        return
    pending: list[str] = []
    size = 0
    for text in _text_rows(fmt, iter_events(db, **filters), all_types):
        pending.append(text)
        size += len(text)
        if size >= _CHUNK:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode("utf-8")


def export(db, fmt: str, out: str | Path, *, all_types: bool = False, **filters) -> int:
    """Write the events of `db` (a `chronicle.open` handle) matching the event filters of
    `query.py` to `out` in `fmt`; returns the number of rows. `chronicle export` and
    `GET /api/export` are this code."""
    _check_format(fmt)
    db.event_scope(**filters)
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise ExportError(f"cannot write {out}: folder {out.parent} does not exist")
    tmp = out.with_name(out.name + ".part")  # readers never see a half-written export
    n = 0
    try:
        rows = iter_events(db, **filters)
        if fmt == "parquet":
            n = _write_parquet(rows, str(tmp))
        else:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                lines = _text_rows(fmt, rows, all_types)
                if fmt != "jsonl":
                    fh.write(next(lines))  # the header is no row
                for line in lines:
                    fh.write(line)
                    n += 1
        tmp.replace(out)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {out}: {err.strerror or err}") from err
    return n


def _arrow_schema():
    import pyarrow as pa

    s, f, i = pa.string(), pa.float64(), pa.int64()
    types = {"confidence": f, "lat": f, "lon": f, "geonameid": i, "quantity_value": f,
             "num_sources": i, "num_articles": i, "fatalities": i, "injuries": i}
    source = pa.struct([("event_id", s), ("doc_id", s), ("title", s), ("url", s), ("path", s),
                        ("site", s), ("published", s), ("evidence", s), ("start", i), ("end", i),
                        ("reason", s)])
    return pa.schema([(c, pa.list_(source) if c == "sources" else types.get(c, s))
                      for c in EVENT_COLUMNS])
