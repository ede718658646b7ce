"""Exports: the cross-document events of a store as Parquet, JSON Lines, CSV, or in the column
layouts of GDELT 2.0 and ACLED, so that tools built for those data sets read Chronicle's output.

One row is one cross-document event (a cluster, see `resolve.py`), showing its representative
event's fields plus how many reports carry it and where they are. The column lists and the
PLOVER → ACLED mapping are documented in docs/EXPORTS.md; keep the two in step.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

FORMATS = ("parquet", "jsonl", "csv", "gdelt", "acled")

# The flat columns of the parquet / csv / jsonl exports, in order.
EVENT_COLUMNS = [
    "id", "type", "mode", "cameo", "date", "date_precision", "modality", "confidence",
    "source_text", "source_name", "source_country", "source_sector", "source_kind",
    "target_text", "target_name", "target_country", "target_sector", "target_kind",
    "location_name", "location_country", "location_admin1", "lat", "lon", "geonameid",
    "location_feature", "quantity_value", "quantity_approx", "quantity_unit", "quantity_what",
    "num_sources", "num_articles", "first_report", "last_report", "evidence", "doc_id", "url",
    "sources",
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


def iter_events(store, ids: set[str] | None = None) -> Iterator[dict]:
    """Every cross-document event of the store (or those whose id is in `ids`) as a flat dict
    (EVENT_COLUMNS), with `sources` a list of {event_id, doc_id, title, url, path, site,
    published, evidence, start, end, reason}."""
    con = store.con
    sources: dict[str, list[dict]] = {}
    for (cid, eid, doc_id, reason, title, url, path, site, published, ev_text, ev_start,
         ev_end) in con.execute(
            """SELECT m.cluster_id, m.event_id, m.doc_id, m.reason, d.title, d.source_url,
                      d.source_path, d.site, d.published, e.evidence_text, e.evidence_start,
                      e.evidence_end
               FROM cluster_members m JOIN events e ON e.id = m.event_id
               JOIN documents d ON d.id = m.doc_id
               ORDER BY m.cluster_id, d.published NULLS LAST, m.event_id""").fetchall():
        sources.setdefault(cid, []).append(dict(
            event_id=eid, doc_id=doc_id, title=title, url=url, path=path, site=site,
            published=published, evidence=ev_text, start=ev_start, end=ev_end, reason=reason))
    cur = con.execute(
        """SELECT c.id, c.type, c.mode, c.cameo, c.date, c.date_precision, c.modality,
                  c.confidence, c.source, c.target, c.location, c.quantity, c.num_sources,
                  c.num_articles, c.first_report, c.last_report, e.evidence_text, e.doc_id,
                  d.source_url
           FROM clusters c JOIN events e ON e.id = c.representative
           JOIN documents d ON d.id = e.doc_id
           ORDER BY c.date NULLS LAST, c.id""")
    while rows := cur.fetchmany(1000):
        for (cid, typ, mode, cameo, date, prec, modality, conf, src, tgt, loc, qty, n_src, n_art,
             first, last, evidence, doc_id, url) in rows:
            if ids is not None and cid not in ids:
                continue
            src, tgt, loc, qty = (json.loads(x) if x else {} for x in (src, tgt, loc, qty))
            row = dict(id=cid, type=typ, mode=mode, cameo=cameo, date=date, date_precision=prec,
                       modality=modality, confidence=conf)
            for role, actor in (("source", src), ("target", tgt)):
                for key in ("text", "name", "country", "sector", "kind"):
                    row[f"{role}_{key}"] = actor.get(key)
            row.update(location_name=loc.get("name"), location_country=loc.get("country"),
                       location_admin1=loc.get("admin1"), lat=loc.get("lat"), lon=loc.get("lon"),
                       geonameid=loc.get("geonameid"), location_feature=loc.get("feature"),
                       quantity_value=qty.get("value"), quantity_approx=qty.get("approx"),
                       quantity_unit=qty.get("unit"), quantity_what=qty.get("what"),
                       num_sources=n_src, num_articles=n_art, first_report=first,
                       last_report=last, evidence=evidence, doc_id=doc_id, url=url,
                       sources=sources.get(cid, []))
            yield row


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
    out = dict.fromkeys(GDELT_COLUMNS, "")
    out.update(
        GlobalEventID=row["id"], Day=day, MonthYear=date[:7].replace("-", "") if len(date) >= 7 else "",
        Year=date[:4], FractionDate="",
        Actor1Code=_actor_code(row, "source"), Actor1Name=(row["source_name"] or row["source_text"] or ""),
        Actor1CountryCode=row["source_country"] or "", Actor1Type1Code=row["source_sector"] or "",
        Actor2Code=_actor_code(row, "target"), Actor2Name=(row["target_name"] or row["target_text"] or ""),
        Actor2CountryCode=row["target_country"] or "", Actor2Type1Code=row["target_sector"] or "",
        IsRootEvent=1, EventCode=cameo, EventBaseCode=cameo[:3], EventRootCode=cameo[:2],
        QuadClass=_QUAD.get(cameo[:2], ""), NumMentions=len(row["sources"]),
        NumSources=row["num_sources"], NumArticles=row["num_articles"],
        SOURCEURL=row["url"] or "", DATEADDED=(row["first_report"] or "").replace("-", ""))
    if row["lat"] is not None:
        geo_type = {"country": 1, "admin": 2, "city": 4, "site": 4}.get(row["location_feature"], 4)
        # GDELT's geo country codes are FIPS 10-4, which Chronicle does not carry: left empty
        out.update(ActionGeo_Type=geo_type, ActionGeo_FullName=row["location_name"] or "",
                   ActionGeo_ADM1Code=row["location_admin1"] or "", ActionGeo_Lat=row["lat"],
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
    fatalities = ""
    if row["type"] == "ASSAULT" and row["quantity_what"] in ("killed", "dead", "died"):
        fatalities = int(row["quantity_value"])
    out = dict.fromkeys(ACLED_COLUMNS, "")
    out.update(
        event_id_cnty=row["id"], event_date=date, year=date[:4],
        time_precision={"day": 1, "month": 2, "year": 3}.get(row["date_precision"], ""),
        disorder_type=kinds[0], event_type=kinds[1], sub_event_type=kinds[2],
        actor1=_actor_label(row, "source"), inter1=inter1, actor2=_actor_label(row, "target"),
        inter2=inter2, interaction=f"{inter1}{inter2}" if inter1 != "" and inter2 != "" else "",
        civilian_targeting="Civilian targeting" if kinds[1] == "Violence against civilians" else "",
        iso=_country_numeric(country), country=_country_name(country),
        admin1=row["location_admin1"] or "", location=row["location_name"] or "",
        latitude=row["lat"] if row["lat"] is not None else "",
        longitude=row["lon"] if row["lon"] is not None else "",
        geo_precision={"city": 1, "site": 1, "admin": 2, "country": 3}.get(
            row["location_feature"] or "", ""),
        source="; ".join(sorted({s["site"] or s["url"] or s["path"] or s["doc_id"]
                                 for s in row["sources"]})),
        notes=row["evidence"] or "", fatalities=fatalities,
        tags=f"PLOVER {row['type']}" + (f" {row['mode']}" if row["mode"] else "")
        + (f"; CAMEO {row['cameo']}" if row["cameo"] else ""))
    return out


def export(store, fmt: str, out: str | Path, *, all_types: bool = False,
           ids: set[str] | None = None) -> int:
    """Write the store's cross-document events (only those in `ids` when given) to `out` in
    `fmt`; returns the number of rows."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise ExportError(f"cannot write {out}: folder {out.parent} does not exist")
    tmp = out.with_name(out.name + ".part")  # readers never see a half-written export
    n = 0
    try:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            rows = list(iter_events(store, ids))
            n = len(rows)
            table = pa.Table.from_pylist(rows, schema=_arrow_schema()) if rows else \
                _arrow_schema().empty_table()
            pq.write_table(table, tmp)
        elif fmt == "jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                for row in iter_events(store, ids):
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    n += 1
        else:
            columns = {"csv": EVENT_COLUMNS, "gdelt": GDELT_COLUMNS, "acled": ACLED_COLUMNS}[fmt]
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                # GDELT's own files are tab-separated; ours carry a header row so that pandas
                # and spreadsheets name the columns (`pandas.read_csv(path, sep="\t")`).
                writer = csv.DictWriter(fh, fieldnames=columns,
                                        delimiter="\t" if fmt == "gdelt" else ",")
                writer.writeheader()
                for row in iter_events(store, ids):
                    if fmt == "csv":
                        line = dict(row, sources=json.dumps(row["sources"], ensure_ascii=False))
                    elif fmt == "gdelt":
                        line = to_gdelt(row)
                    else:
                        line = to_acled(row, all_types=all_types)
                        if line is None:
                            continue
                    writer.writerow(line)
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
             "num_sources": i, "num_articles": i}
    source = pa.struct([("event_id", s), ("doc_id", s), ("title", s), ("url", s), ("path", s),
                        ("site", s), ("published", s), ("evidence", s), ("start", i), ("end", i),
                        ("reason", s)])
    return pa.schema([(c, pa.list_(source) if c == "sources" else types.get(c, s))
                      for c in EVENT_COLUMNS])
