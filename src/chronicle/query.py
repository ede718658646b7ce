"""The read side: one filter implementation for the Python API, the CLI and the HTTP API.

    >>> import chronicle
    >>> db = chronicle.open("chronicle.duckdb")
    >>> db.events(country="KAZ", since="2022-01")           # DataFrame, one row per event
    >>> db.event(db.events(type="MOBILIZE").id[0])          # that event with every report of it

An analyst's "event" is a cross-document cluster (`clusters`, filled by `resolve.py`): one row
however many reports carry it, with `num_sources`/`num_articles`, and its sources are the member
events, each with its document and evidence sentence. A stored event that no cluster holds yet
(a database written before resolve ran) is shown as an event of its own, with one source.

Every value a caller gives is bound as a `?` parameter; column names and sort orders come only
from the fixed tables below. Inputs a user can get wrong raise ValueError with a one-line reason.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path
from typing import Any

from .filter_index import text_terms

EVENT_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
               "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE",
               "ASSAULT")
SOURCE_FORMATS = ("txt", "html", "warc", "rss", "jsonl")
EARTH_RADIUS_KM = 6371.0088

# Sort orders by name: the only ORDER BY clauses ever put into SQL.
EVENT_ORDERS = {
    "date": "c.date ASC NULLS LAST, c.id",
    "-date": "c.date DESC NULLS LAST, c.id",
    "-articles": "c.num_articles DESC, c.date DESC NULLS LAST, c.id",
    "-confidence": "c.confidence DESC, c.id",
}

_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_ISO3_RE = re.compile(r"^[A-Za-z]{3}$")


def _actor_columns(alias: str, col: str, prefix: str) -> str:
    return (f"coalesce(json_extract_string({alias}.{col}, '$.name'), "
            f"json_extract_string({alias}.{col}, '$.text')) AS {prefix}_name, "
            f"{alias}.{col}_country AS {prefix}_country, "
            f"json_extract_string({alias}.{col}, '$.sector') AS {prefix}_sector, "
            f"json_extract_string({alias}.{col}, '$.kind') AS {prefix}_kind")


# The flat columns of `events()`, in order.
_EVENT_SELECT = f"""c.id, c.date, c.date_precision, c.type, c.mode, c.cameo,
    {_actor_columns('c', 'source', 'source')},
    {_actor_columns('c', 'target', 'target')},
    c.location_name, json_extract_string(c.location, '$.country') AS location_country, c.lat, c.lon,
    TRY_CAST(json_extract(c.quantity, '$.value') AS DOUBLE) AS quantity_value,
    json_extract_string(c.quantity, '$.approx') AS quantity_approx,
    json_extract_string(c.quantity, '$.unit') AS quantity_unit,
    c.modality, c.confidence, c.num_sources, c.num_articles, c.first_report, c.last_report,
    c.representative, r.doc_id AS doc_id, trim(r.evidence_text, ' ' || chr(9) || chr(10) || chr(13)) AS evidence"""

_CLUSTER_COLUMNS = ("id", "type", "mode", "cameo", "source", "target", "source_country",
                    "target_country", "date", "date_precision", "location", "location_name", "lat",
                    "lon", "quantity", "modality", "confidence", "num_sources", "num_articles",
                    "first_report", "last_report", "representative")
_JSON_FIELDS = {"source", "target", "location", "quantity", "reference_date", "flags", "errors",
                "actor", "place", "speaker"}


def open(path: str | Path) -> Chronicle:  # noqa: A001 - `chronicle.open(path)` is the public name
    """Open a Chronicle database read-only."""
    return Chronicle(path)


class Chronicle:
    """A read-only view of one Chronicle database. Safe to share between threads: every call
    works on its own DuckDB cursor."""

    def __init__(self, path: str | Path, connection=None):
        import duckdb

        from .store import StoreError

        self.path = str(path)
        if connection is not None:
            # a writer in this process holds the file (`serve --watch`): DuckDB lets one process
            # open a file once, so the reader works on a cursor of the writer's database
            self._con = connection
        elif not Path(self.path).is_file():
            raise FileNotFoundError(
                f"no database at {self.path}; create one with `chronicle ingest PATH --db {self.path}`")
        else:
            try:
                self._con = duckdb.connect(self.path, read_only=True)
            except duckdb.Error as err:
                raise StoreError(f"cannot open database {self.path}: {err}") from err
        self._lock = threading.Lock()
        tables = {row[0] for row in self._con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if "documents" not in tables or "events" not in tables:
            self._con.close()
            raise StoreError(f"{self.path} is not a Chronicle database (no documents/events tables)")
        self._with_clusters = {"clusters", "cluster_members"} <= tables
        # after `chronicle ingest` every event is in a cluster: then no query needs to look for
        # the unclustered ones (an anti-join of every event on every call). Read-only, and DuckDB
        # lets no other process write while we are open, so this holds while we are.
        self._all_clustered = self._with_clusters and not self._con.execute(
            "SELECT 1 FROM events e ANTI JOIN cluster_members m ON m.event_id = e.id LIMIT 1").fetchone()
        self._ctes = self._build_ctes()
        self._with_summaries = "summaries" in tables and "meta" in tables
        self._with_index = ({"cluster_index", "cluster_words", "cluster_pairs", "meta"} <= tables
                            and self._all_clustered)

    # The filter index (`filter_index.py`) is read while it describes the store as it is; False
    # makes every call read the plain tables (the tests compare the two).
    use_index = True

    # --- plumbing ----------------------------------------------------------------------------

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"chronicle.open({self.path!r})"

    @contextmanager
    def _cursor(self):
        with self._lock:  # creating a cursor touches the shared connection
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def _rows(self, sql: str, params: Sequence = ()) -> tuple[list[str], list[tuple]]:
        with self._cursor() as cur:
            result = cur.execute(sql, list(params))
            return [d[0] for d in result.description], result.fetchall()

    def _dicts(self, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
        cols, rows = self._rows(sql, params)
        return [dict(zip(cols, row)) for row in rows]

    def _build_ctes(self) -> str:
        """`members` (cluster_id, event_id, doc_id, reason) and `clus` (the clusters), with every
        event that no cluster holds standing as a cluster of its own."""
        singles_events = ("SELECT * FROM events e WHERE NOT EXISTS "
                          "(SELECT 1 FROM cluster_members m WHERE m.event_id = e.id)"
                          if self._with_clusters else "SELECT * FROM events e")
        singles = f"""
            SELECT s.id, s.type, s.mode, s.cameo, s.source, s.target, s.source_country,
                   s.target_country, s.date, s.date_precision, s.location, s.location_name, s.lat,
                   s.lon, s.quantity, s.modality, s.confidence, 1 AS num_sources, 1 AS num_articles,
                   d.published AS first_report, d.published AS last_report, s.id AS representative
            FROM ({singles_events}) s LEFT JOIN documents d ON d.id = s.doc_id"""
        single_members = (f"SELECT s.id AS cluster_id, s.id AS event_id, s.doc_id, "
                          f"CAST(NULL AS VARCHAR) AS reason FROM ({singles_events}) s")
        if self._all_clustered:
            return ("WITH members AS (SELECT cluster_id, event_id, doc_id, reason FROM cluster_members), "
                    f"clus AS (SELECT {', '.join(_CLUSTER_COLUMNS)} FROM clusters)")
        if self._with_clusters:
            cols = ", ".join(_CLUSTER_COLUMNS)
            return f"""WITH members AS (
                    SELECT cluster_id, event_id, doc_id, reason FROM cluster_members
                    UNION ALL {single_members}),
                clus AS (SELECT {cols} FROM clusters UNION ALL {singles})"""
        return f"WITH members AS ({single_members}), clus AS ({singles})"

    # --- filters -----------------------------------------------------------------------------

    def _indexed(self) -> bool:
        """Whether calls now read the filter index (see `filter_index.py`)."""
        if not (self.use_index and self._with_index):
            return False
        from .filter_index import is_current

        with self._cursor() as cur:
            return is_current(cur)

    def _scope(self, **filters) -> tuple[str, str, list, bool]:
        """The WITH clause, the WHERE clause on `clus c` and its parameters for these filters,
        from the filter index when it is current (the same rows, found faster), else from the plain
        tables; and which of the two."""
        indexed = self._indexed()
        where, params = self._where(**filters, indexed=indexed)
        return (self._index_ctes if indexed else self._ctes), where, params, indexed

    @property
    def _index_ctes(self) -> str:
        from .filter_index import CLUSTER_COLUMNS

        return ("WITH members AS (SELECT cluster_id, event_id, doc_id, reason FROM cluster_members), "
                f"clus AS (SELECT {', '.join(CLUSTER_COLUMNS)}, k, location_country, location_feature, "
                "actors, sectors FROM cluster_index)")

    def _where(self, country=None, actor=None, type=None, mode=None, since=None, until=None,
               near=None, text=None, event_country=None, indexed=False) -> tuple[str, list]:
        """The WHERE clause (on clusters aliased `c`) and its parameters for the event filters;
        `indexed`: on `cluster_index`, whose columns find the same rows faster."""
        clauses: list[str] = []
        params: list = []
        place_country = "c.location_country" if indexed else "json_extract_string(c.location, '$.country')"
        countries = _countries(country)
        if countries:
            marks = ", ".join("?" * len(countries))
            clauses.append(f"(c.source_country IN ({marks}) OR c.target_country IN ({marks}) "
                           f"OR {place_country} IN ({marks}))")
            params += countries * 3
        places = _countries(event_country, "event_country")
        if places:  # where the event happened, as ACLED users filter: the place's country only
            clauses.append(f"{place_country} IN ({', '.join('?' * len(places))})")
            params += places
        needle = _text(actor, "actor") if actor is not None else None
        if needle is not None and indexed and "\0" not in needle:
            # each actor string and sector is between NULs in the index: a needle without one
            # matches the same strings as `contains` on each, a sector between NULs equals one
            clauses.append("(contains(c.actors, ?) OR contains(c.sectors, ?))")
            params += [needle, "\0" + needle.upper() + "\0"]
        elif needle is not None:
            sector = needle.upper()
            match = ("(contains(lower(concat_ws(' | ', json_extract_string({a}, '$.name'), "
                     "json_extract_string({a}, '$.text'))), ?) "
                     "OR upper(json_extract_string({a}, '$.sector')) = ?)")
            clauses.append(
                "(" + " OR ".join(match.format(a=a) for a in ("c.source", "c.target"))
                + " OR EXISTS (SELECT 1 FROM members m JOIN events e ON e.id = m.event_id "
                  "WHERE m.cluster_id = c.id AND ("
                + " OR ".join(match.format(a=a) for a in ("e.source", "e.target")) + ")))")
            params += [needle, sector] * 4
        types = _types(type)
        if types:
            clauses.append(f"c.type IN ({', '.join('?' * len(types))})")
            params += types
        if mode is not None:
            clauses.append("lower(c.mode) = ?")
            params.append(_text(mode, "mode"))
        since, until = _date_bound(since, "since"), _date_bound(until, "until")
        if since and until:
            n = min(len(since), len(until))
            if since[:n] > until[:n]:
                raise ValueError(f"since ({since}) is after until ({until})")
        # Dates may be partial (YYYY, YYYY-MM): compare on the common prefix, so an event dated
        # "2022-01" is inside since=2022-01-05 (its month overlaps the range).
        if since:
            clauses.append("left(c.date, least(length(c.date), length(?))) >= "
                           "left(?, least(length(c.date), length(?)))")
            params += [since, since, since]
        if until:
            clauses.append("left(c.date, least(length(c.date), length(?))) <= "
                           "left(?, least(length(c.date), length(?)))")
            params += [until, until, until]
        if near is not None:
            lat, lon, km = parse_near(near)
            clauses.append(
                "c.lat IS NOT NULL AND 2 * ? * asin(sqrt(pow(sin(radians(c.lat - ?) / 2), 2) + "
                "cos(radians(?)) * cos(radians(c.lat)) * pow(sin(radians(c.lon - ?) / 2), 2))) <= ?")
            params += [EARTH_RADIUS_KM, lat, lat, lon, km]
        if text is not None:
            needle = _text(text, "text")
            terms, exact = text_terms(needle) if indexed else ([], False)
            for kind, term in terms:  # the clusters holding a word (or pair) that holds each
                clauses.append(f"c.k IN (SELECT k FROM cluster_{kind} WHERE term IN "
                               f"(SELECT id FROM search_{kind} WHERE contains(term, ?)))")
                params.append(term)
        if text is not None and not exact:  # else the candidates are the answer
            clauses.append(
                "EXISTS (SELECT 1 FROM members m JOIN events e ON e.id = m.event_id "
                "LEFT JOIN documents d ON d.id = m.doc_id WHERE m.cluster_id = c.id AND "
                "(contains(lower(e.evidence_text), ?) OR contains(lower(coalesce(d.title, '')), ?)))")
            params += [needle, needle]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # --- events ------------------------------------------------------------------------------

    def event_records(self, country=None, actor=None, type=None, mode=None, since=None,
                      until=None, near=None, text=None, limit=None, offset=0,
                      order="date", event_country=None) -> list[dict[str, Any]]:
        """`events()` as a list of plain dicts (what the HTTP API sends)."""
        ctes, where, params, _ = self._scope(
            country=country, actor=actor, type=type, mode=mode, since=since, until=until, near=near,
            text=text, event_country=event_country)
        if order not in EVENT_ORDERS:
            raise ValueError(f"order must be one of {', '.join(EVENT_ORDERS)}, not {order!r}")
        page, page_params = _page(limit, offset)
        # the page first, then its representatives' evidence and the JSON fields: a million
        # clusters are sorted on plain columns, and only the page is joined and unpacked
        order_by = EVENT_ORDERS[order]
        sql = (f"{ctes} SELECT {_EVENT_SELECT} FROM (SELECT * FROM clus c{where} "
               f"ORDER BY {order_by}{page}) c "
               f"LEFT JOIN events r ON r.id = c.representative ORDER BY {order_by}")
        return self._dicts(sql, params + page_params)

    def events(self, country=None, actor=None, type=None, mode=None, since=None, until=None,
               near=None, text=None, limit=None, offset=0, order="date", event_country=None):
        """Cross-document events matching every filter given, as a pandas DataFrame.

        country: ISO alpha-3 (or a list), matched against the source's, the target's and the
        location's country. event_country: the same, matched against where the event happened
        (the location's country) only. actor: part of an actor's name or text, or a sector code
        (GOV, MIL …), case-insensitive. type: PLOVER type(s). mode: PLOVER mode. since/until:
        YYYY[-MM[-DD]], inclusive; partial dates match when their period overlaps. near: (lat, lon, radius_km) or
        "lat,lon,km". text: words in an evidence sentence or a report's title. order: one of
        EVENT_ORDERS.
        """
        import pandas as pd

        records = self.event_records(country, actor, type, mode, since, until, near, text, limit,
                                     offset, order, event_country)
        cols = self.event_columns()
        return pd.DataFrame.from_records(records, columns=cols)

    def event_columns(self) -> list[str]:
        """The columns of `events()`, in order."""
        cols, _ = self._rows(f"{self._ctes} SELECT {_EVENT_SELECT} FROM clus c "
                             "LEFT JOIN events r ON r.id = c.representative LIMIT 0")
        return cols

    def count_events(self, country=None, actor=None, type=None, mode=None, since=None,
                     until=None, near=None, text=None, event_country=None) -> int:
        ctes, where, params, _ = self._scope(
            country=country, actor=actor, type=type, mode=mode, since=since, until=until, near=near,
            text=text, event_country=event_country)
        return self._rows(f"{ctes} SELECT count(*) FROM clus c{where}", params)[1][0][0]

    def event_scope(self, **filters) -> tuple[str, str, list]:
        """For readers that choose their own columns (the exports): the WITH clause that defines
        `clus` (the cross-document events) and `members` (their member events), the WHERE clause
        of the event filters on `clus` aliased `c`, and its parameters. Bad filters raise
        ValueError here, before anything is read."""
        ctes, where, params, _ = self._scope(**filters)
        return ctes, where, params

    def cursor(self):
        """A context manager giving a DuckDB cursor of its own (for readers that stream)."""
        return self._cursor()

    def event(self, event_id: str) -> dict[str, Any] | None:
        """One cross-document event with every source reporting it, or None when unknown.

        Accepts a cluster id or the id of any member event (`<doc id>-e<n>`)."""
        event_id = _text(event_id, "event id", lower=False)
        rows = self._dicts(f"{self._ctes} SELECT * FROM clus c WHERE c.id = ?", [event_id])
        if not rows:
            rows = self._dicts(f"{self._ctes} SELECT c.* FROM clus c JOIN members m "
                               "ON m.cluster_id = c.id WHERE m.event_id = ?", [event_id])
        if not rows:
            return None
        cluster = _decode(rows[0])
        sources = self._dicts(
            f"""{self._ctes}
            SELECT e.id AS event_id, m.reason, e.type, e.mode, e.cameo, e.source, e.target,
                   e.date, e.date_precision, e.location, e.quantity, e.modality, e.confidence,
                   e.evidence_text, e.evidence_start, e.evidence_end,
                   d.id AS doc_id, d.title, d.source_url AS url, d.source_path AS path,
                   d.source_format, d.site, d.published, d.language, d.truncated,
                   d.read_fraction, d.machine_translated, d.translated_from, d.duplicate_of
            FROM members m JOIN events e ON e.id = m.event_id
            LEFT JOIN documents d ON d.id = m.doc_id
            WHERE m.cluster_id = ?
            ORDER BY e.id = ? DESC, d.published NULLS LAST, d.id, e.id""",
            [cluster["id"], cluster["representative"]])
        cluster["sources"] = [_source(_decode(s)) for s in sources]
        return cluster

    def _summary(self, name: str):
        """The stored result of an unfiltered view (`refresh_summaries`), when it was computed at
        the store's current generation; else None."""
        if not self._with_summaries or not self._all_clustered:
            return None
        rows = self._rows("SELECT s.value FROM summaries s JOIN meta m ON m.key = 'generation' "
                          "AND m.value = s.generation WHERE s.name = ?", [name])[1]
        return json.loads(rows[0][0]) if rows else None

    def timeline(self, **filters) -> list[dict[str, Any]]:
        """Events per day and type (day-precision dates only), for the same filters as events()."""
        if not any(v is not None for v in filters.values()):
            cached = self._summary("timeline")
            if cached is not None:
                return cached
        return self._timeline(**filters)

    def _timeline(self, **filters) -> list[dict[str, Any]]:
        ctes, where, params, _ = self._scope(**filters)
        where += (" AND " if where else " WHERE ") + "length(c.date) = 10"
        # tens of thousands of rows on a large store: built as dicts directly, not by zip
        return [{"date": d, "type": t, "events": n} for d, t, n in self._rows(
            f"{ctes} SELECT c.date, c.type, count(*) AS events FROM clus c{where} "
            "GROUP BY c.date, c.type ORDER BY c.date, c.type", params)[1]]

    # --- actors and places -------------------------------------------------------------------

    def actor_records(self, limit=None, offset=0, **filters) -> list[dict[str, Any]]:
        ctes, where, params, _ = self._scope(**filters)
        page, page_params = _page(limit, offset)
        sql = f"""{ctes}, roles AS (
                SELECT c.id, 'source' AS role, c.source AS actor FROM clus c{where}
                UNION ALL SELECT c.id, 'target', c.target FROM clus c{where})
            SELECT coalesce(json_extract_string(actor, '$.name'),
                            json_extract_string(actor, '$.text')) AS name,
                   json_extract_string(actor, '$.country') AS country,
                   json_extract_string(actor, '$.sector') AS sector,
                   json_extract_string(actor, '$.kind') AS kind,
                   count(DISTINCT id) AS events,
                   count(*) FILTER (WHERE role = 'source') AS as_source,
                   count(*) FILTER (WHERE role = 'target') AS as_target
            FROM roles WHERE actor IS NOT NULL
            GROUP BY ALL ORDER BY events DESC, name, country NULLS LAST, sector NULLS LAST{page}"""
        return self._dicts(sql, params + params + page_params)

    def actors(self, limit=None, offset=0, **filters):
        """Actors (by name or text, country, sector, kind) with how many events they appear in."""
        import pandas as pd

        return pd.DataFrame.from_records(
            self.actor_records(limit, offset, **filters),
            columns=["name", "country", "sector", "kind", "events", "as_source", "as_target"])

    def place_records(self, limit=None, offset=0, **filters) -> list[dict[str, Any]]:
        if not any(v is not None for v in filters.values()):
            _page(limit, offset)  # the same checks of limit and offset
            cached = self._summary("places")
            if cached is not None:
                start = offset or 0
                return cached[start:start + limit] if limit is not None else cached[start:]
        return self._place_records(limit, offset, **filters)

    def _place_records(self, limit=None, offset=0, **filters) -> list[dict[str, Any]]:
        ctes, where, params, indexed = self._scope(**filters)
        where += (" AND " if where else " WHERE ") + "c.lat IS NOT NULL AND c.lon IS NOT NULL"
        page, page_params = _page(limit, offset)
        place = ("c.location_country AS country, c.location_feature AS feature" if indexed else
                 "json_extract_string(c.location, '$.country') AS country, "
                 "json_extract_string(c.location, '$.feature') AS feature")
        sql = f"""{ctes}
            SELECT c.location_name AS name, {place}, c.lat, c.lon,
                   count(*) AS events, sum(c.num_articles) AS articles
            FROM clus c{where}
            GROUP BY ALL ORDER BY events DESC, name, country NULLS LAST, feature NULLS LAST, c.lat,
                c.lon{page}"""
        return self._dicts(sql, params + page_params)

    def places(self, limit=None, offset=0, **filters):
        """Event locations with how many events (and reports) each has."""
        import pandas as pd

        return pd.DataFrame.from_records(
            self.place_records(limit, offset, **filters),
            columns=["name", "country", "feature", "lat", "lon", "events", "articles"])

    # --- documents ---------------------------------------------------------------------------

    def _doc_where(self, language=None, format=None, truncated=None, translated=None,
                   duplicates=True, text=None) -> tuple[str, list]:
        clauses, params = [], []
        if language is not None:
            clauses.append("d.language = ?")
            params.append(_text(language, "language"))
        if format is not None:
            if format not in SOURCE_FORMATS:
                raise ValueError(f"format must be one of {', '.join(SOURCE_FORMATS)}, not {format!r}")
            clauses.append("d.source_format = ?")
            params.append(format)
        if truncated is not None:
            clauses.append("d.truncated = ?")
            params.append(bool(truncated))
        if translated is not None:
            clauses.append("d.machine_translated = ?")
            params.append(bool(translated))
        if not duplicates:
            clauses.append("d.duplicate_of IS NULL")
        if text is not None:
            needle = _text(text, "text")
            clauses.append("(contains(lower(coalesce(d.title, '')), ?) OR contains(lower(d.text), ?))")
            params += [needle, needle]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def document_records(self, language=None, format=None, truncated=None, translated=None,
                         duplicates=True, text=None, limit=None, offset=0) -> list[dict[str, Any]]:
        where, params = self._doc_where(language, format, truncated, translated, duplicates, text)
        page, page_params = _page(limit, offset)
        sql = f"""SELECT d.id, d.title, d.site, d.published, d.source_format, d.source_path,
                         d.source_url, d.language, d.truncated, d.read_fraction,
                         d.machine_translated, d.translated_from, d.duplicate_of,
                         coalesce(json_array_length(json_extract(d.flags, '$.removed')), 0) AS removed,
                         (SELECT count(*) FROM events e WHERE e.doc_id = d.id) AS events
                  FROM documents d{where}
                  ORDER BY d.published DESC NULLS LAST, d.title, d.id{page}"""
        return self._dicts(sql, params + page_params)

    def documents(self, language=None, format=None, truncated=None, translated=None,
                  duplicates=True, text=None, limit=None, offset=0):
        """Stored documents with their cleaning flags, as a pandas DataFrame.

        format: the input format; truncated/translated: True or False to keep only those;
        duplicates=False leaves out near/exact duplicates; text: words in the title or text."""
        import pandas as pd

        return pd.DataFrame.from_records(
            self.document_records(language, format, truncated, translated, duplicates, text,
                                  limit, offset),
            columns=["id", "title", "site", "published", "source_format", "source_path",
                     "source_url", "language", "truncated", "read_fraction", "machine_translated",
                     "translated_from", "duplicate_of", "removed", "events"])

    def count_documents(self, language=None, format=None, truncated=None, translated=None,
                        duplicates=True, text=None) -> int:
        where, params = self._doc_where(language, format, truncated, translated, duplicates, text)
        return self._rows(f"SELECT count(*) FROM documents d{where}", params)[1][0][0]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """One document: text, flags (with what cleaning removed and why), and its events (each
        with the id of the cross-document event it belongs to), entities, quotes, quantities."""
        doc_id = _text(doc_id, "document id", lower=False)
        rows = self._dicts(
            """SELECT id, source_path, source_url, source_format, title, author, site, published,
                      reference_date, language, text, flags, errors, ingested_at
               FROM documents WHERE id = ?""", [doc_id])
        if not rows:
            return None
        doc = _decode(rows[0])
        doc["source"] = {"path": doc.pop("source_path"), "url": doc.pop("source_url"),
                         "format": doc.pop("source_format")}
        if doc.get("ingested_at") is not None:
            doc["ingested_at"] = doc["ingested_at"].isoformat()
        doc["flags"] = doc.get("flags") or {}
        doc["removed"] = doc["flags"].get("removed", [])
        doc["events"] = [_decode(e) for e in self._dicts(
            f"""{self._ctes}
            SELECT e.id, m.cluster_id, e.type, e.mode, e.cameo, e.source, e.target, e.date,
                   e.date_precision, e.location, e.quantity, e.modality, e.confidence,
                   e.evidence_text, e.evidence_start, e.evidence_end
            FROM events e LEFT JOIN members m ON m.event_id = e.id
            WHERE e.doc_id = ? ORDER BY e.evidence_start, e.id""", [doc_id])]
        for ev in doc["events"]:
            ev["evidence"] = {"text": ev.pop("evidence_text"), "start": ev.pop("evidence_start"),
                              "end": ev.pop("evidence_end")}
        doc["entities"] = [_decode(e) for e in self._dicts(
            "SELECT text, label, start_char AS start, end_char AS \"end\", actor, place "
            "FROM entities WHERE doc_id = ? ORDER BY n", [doc_id])]
        doc["quotes"] = [_decode(q) for q in self._dicts(
            "SELECT text, start_char AS start, end_char AS \"end\", speaker FROM quotes "
            "WHERE doc_id = ? ORDER BY n", [doc_id])]
        doc["quantities"] = self._dicts(
            "SELECT value, approx, unit, what, start_char AS start, end_char AS \"end\" "
            "FROM quantities WHERE doc_id = ? ORDER BY n", [doc_id])
        return doc

    # --- search and overview -----------------------------------------------------------------

    def search(self, text: str, limit: int = 50) -> dict[str, Any]:
        """Events whose evidence sentences or report titles contain `text`, and documents whose
        title or text does: {"events": DataFrame, "documents": DataFrame}."""
        return {"events": self.events(text=text, limit=limit, order="-date"),
                "documents": self.documents(text=text, limit=limit)}

    def overview(self) -> dict[str, Any]:
        """Counts and the values present, for pickers: types, countries (any role), the
        countries where events happened, date range."""
        cached = self._summary("overview")
        return cached if cached is not None else self._overview()

    def _overview(self) -> dict[str, Any]:
        ctes = self._ctes
        (docs, events, articles, first, last), = self._rows(
            f"""{ctes} SELECT (SELECT count(*) FROM documents), count(*),
                       (SELECT count(DISTINCT doc_id) FROM members), min(left(c.date, 10)),
                       max(left(c.date, 10)) FROM clus c""")[1]
        types = self._dicts(f"{ctes} SELECT c.type, count(*) AS events FROM clus c "
                            "GROUP BY c.type ORDER BY events DESC, c.type")
        countries = self._dicts(
            f"""{ctes}, involved AS (
                    SELECT c.id, unnest([c.source_country, c.target_country,
                                         json_extract_string(c.location, '$.country')]) AS country
                    FROM clus c)
                SELECT country, count(DISTINCT id) AS events FROM involved
                WHERE country IS NOT NULL GROUP BY country ORDER BY events DESC, country""")
        event_countries = self._dicts(
            f"""{ctes} SELECT json_extract_string(c.location, '$.country') AS country,
                       count(*) AS events FROM clus c
                WHERE json_extract_string(c.location, '$.country') IS NOT NULL
                GROUP BY 1 ORDER BY events DESC, country""")
        return {"documents": docs, "events": events, "reporting_documents": articles,
                "first_date": first, "last_date": last, "types": types, "countries": countries,
                "event_countries": event_countries}


def refresh_summaries(con, change: ClusterChange | None = None) -> None:
    """Compute the page's unfiltered views (overview, timeline, places) on the writer's
    connection and keep them in table `summaries` for the store's current generation: at a
    million events each aggregates every cluster (hundreds of milliseconds), and the page asks
    for them on every visit. Any later write changes the generation, and readers compute live
    until the next resolve refreshes them.

    With `change` (what an incremental resolve replaced), the views kept for the clusters as they
    were before it are updated by the difference — what a small ingest adds to a large store
    costs what it changes, not a pass over every cluster — and recomputed when none are kept
    for that state."""
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    generation = meta.get("generation")
    if generation is None:
        return
    values = None
    if change is not None and meta.get("summaries_clusters") == change.before:
        kept = dict(con.execute("SELECT name, value FROM summaries").fetchall())
        if {"overview", "timeline", "places"} <= set(kept):
            values = _updated_summaries({k: json.loads(v) for k, v in kept.items()}, con, change)
    if values is None:
        db = Chronicle("", connection=con.cursor())
        try:
            if not db._with_summaries or not db._all_clustered:
                return
            values = {"overview": db._overview(), "timeline": db._timeline(),
                      "places": db._place_records()}
        finally:
            db.close()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM summaries")
        con.execute("INSERT INTO summaries SELECT unnest(?::VARCHAR[]), ?, unnest(?::VARCHAR[])",
                    [list(values), generation,
                     [json.dumps(v, default=str) for v in values.values()]])
        # which clusters they describe: the next incremental resolve updates them from there
        con.execute("INSERT OR REPLACE INTO meta SELECT 'summaries_clusters', value FROM meta "
                    "WHERE key = 'clusters'")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@dataclass
class ClusterChange:
    """What an incremental resolve replaced: the clusters' state (meta `clusters`) before it, the
    summary rows (`cluster_summary_rows`) of the clusters it removed and of those it wrote, and
    how many documents gained (or, negative, lost) their last clustered event."""

    before: str | None
    removed: list[tuple]
    added: list[tuple]
    reporting: int


def cluster_summary_rows(con, ids: list[str]) -> list[tuple]:
    """What the kept views count of each of these clusters, read by key."""
    if not ids:
        return []
    from .store import sql_list

    return con.execute(
        f"""SELECT type, date, source_country, target_country,
                   json_extract_string(location, '$.country'), location_name,
                   json_extract_string(location, '$.feature'), lat, lon, num_articles
            FROM clusters WHERE id IN {sql_list(ids)}""").fetchall()


def _ranked(counts: dict, key: str) -> list[dict]:
    """[{key: value, "events": n}] by events, most first, then value (nulls last), as the SQL."""
    return [{key: k, "events": n} for k, n in sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or "")) if n]


def _updated_summaries(kept: dict, con, change: ClusterChange) -> dict:
    """The kept views with `change.removed` taken out and `change.added` put in (the same
    aggregates as `_overview`, `_timeline` and `_place_records`, kept in the same order)."""
    from collections import Counter

    overview = kept["overview"]
    types = Counter({t["type"]: t["events"] for t in overview["types"]})
    countries = Counter({c["country"]: c["events"] for c in overview["countries"]})
    event_countries = Counter({c["country"]: c["events"] for c in overview["event_countries"]})
    timeline = Counter({(t["date"], t["type"]): t["events"] for t in kept["timeline"]})
    places: dict[tuple, list] = {(p["name"], p["country"], p["feature"], p["lat"], p["lon"]):
                                 [p["events"], p["articles"]] for p in kept["places"]}
    first, last = overview["first_date"], overview["last_date"]
    recount_dates = False
    for sign, rows in ((-1, change.removed), (1, change.added)):
        for typ, date, src, tgt, country, name, feature, lat, lon, articles in rows:
            types[typ] += sign
            for c in {src, tgt, country} - {None}:
                countries[c] += sign
            if country is not None:
                event_countries[country] += sign
            if date is not None and len(date) == 10:
                timeline[(date, typ)] += sign
            if lat is not None and lon is not None:
                place = places.setdefault((name, country, feature, lat, lon), [0, 0])
                place[0] += sign
                place[1] += sign * articles
            if date is not None:
                day = date[:10]
                if sign < 0 and day in (first, last):
                    recount_dates = True  # it may have been the only one so early or late
                elif sign > 0:
                    first = day if first is None or day < first else first
                    last = day if last is None or day > last else last
    if recount_dates:
        first, last = con.execute("SELECT min(left(date, 10)), max(left(date, 10)) FROM clusters").fetchone()
    (documents,), = con.execute("SELECT count(*) FROM documents").fetchall()
    (events,), = con.execute("SELECT count(*) FROM clusters").fetchall()
    return {
        "overview": dict(overview, documents=documents, events=events,
                         reporting_documents=overview["reporting_documents"] + change.reporting,
                         first_date=first, last_date=last, types=_ranked(types, "type"),
                         countries=_ranked(countries, "country"),
                         event_countries=_ranked(event_countries, "country")),
        "timeline": [{"date": d, "type": t, "events": n} for (d, t), n in sorted(
            timeline.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or "")) if n],
        "places": [{"name": k[0], "country": k[1], "feature": k[2], "lat": k[3], "lon": k[4],
                    "events": n, "articles": a} for k, (n, a) in sorted(
            places.items(), key=lambda kv: (-kv[1][0], kv[0][0] is None, kv[0][0] or "",
                                            kv[0][1] is None, kv[0][1] or "", kv[0][2] is None,
                                            kv[0][2] or "", kv[0][3], kv[0][4])) if n],
    }


# --- input checks ------------------------------------------------------------------------------


def _text(value, name: str, lower: bool = True) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    if len(value) > 500:
        raise ValueError(f"{name} is too long (at most 500 characters)")
    value = value.strip()
    return value.lower() if lower else value


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.split(",")) if v]
    if isinstance(value, Iterable):
        return list(value)
    raise ValueError(f"expected a string or a list, not {value!r}")


def _countries(value, name: str = "country") -> list[str]:
    codes = _as_list(value)
    for code in codes:
        if not isinstance(code, str) or not _ISO3_RE.match(code):
            raise ValueError(f"{name} must be an ISO 3166 alpha-3 code such as KAZ, not {code!r}")
    return [c.upper() for c in codes]


def _types(value) -> list[str]:
    types = [t.upper() if isinstance(t, str) else t for t in _as_list(value)]
    for t in types:
        if t not in EVENT_TYPES:
            raise ValueError(f"type must be a PLOVER event type ({', '.join(EVENT_TYPES)}), not {t!r}")
    return types


def _date_bound(value, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, _date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
        raise ValueError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
    value = value.strip()
    full = value + "-01-01"[len(value) - 4:] if len(value) < 10 else value
    try:
        _date.fromisoformat(full)
    except ValueError:
        raise ValueError(f"{name} is not a real date: {value!r}") from None
    return value


def parse_near(value) -> tuple[float, float, float]:
    """(lat, lon, radius_km) from a triple or the text "LAT,LON,KM"."""
    parts = value.split(",") if isinstance(value, str) else value
    try:
        lat, lon, km = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise ValueError(f"near must be LAT,LON,KM (e.g. 43.25,76.91,50), not {value!r}") from None
    if not all(math.isfinite(v) for v in (lat, lon, km)):
        raise ValueError("near must be finite numbers")
    if not -90 <= lat <= 90:
        raise ValueError(f"near: latitude {lat} is outside -90..90")
    if not -180 <= lon <= 180:
        raise ValueError(f"near: longitude {lon} is outside -180..180")
    if km <= 0:
        raise ValueError(f"near: radius must be more than 0 km, not {km}")
    return lat, lon, km


def _page(limit, offset) -> tuple[str, list]:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a whole number of at least 1, not {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be a whole number of at least 0, not {offset!r}")
    if limit is None:
        return (" OFFSET ?", [offset]) if offset else ("", [])
    return " LIMIT ? OFFSET ?", [limit, offset]


# --- shaping -----------------------------------------------------------------------------------


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """Parse the JSON-text columns of a row."""
    for key in _JSON_FIELDS & row.keys():
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


def _source(row: dict[str, Any]) -> dict[str, Any]:
    """A member event as one source of a cross-document event: its report and evidence."""
    doc_keys = ("doc_id", "title", "url", "path", "source_format", "site", "published", "language",
                "truncated", "read_fraction", "machine_translated", "translated_from",
                "duplicate_of")
    document = {k: row.pop(k) for k in doc_keys}
    document["id"] = document.pop("doc_id")
    row["document"] = document
    row["doc_id"] = document["id"]
    row["evidence"] = {"text": row.pop("evidence_text"), "start": row.pop("evidence_start"),
                       "end": row.pop("evidence_end")}
    return row
