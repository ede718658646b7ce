"""The `resolve` stage: one happening reported by many documents becomes one event.

Every stored event belongs to exactly one *cluster* (table `clusters`, membership in
`cluster_members`). Two events join the same cluster when they describe the same happening:

- the same PLOVER type and a compatible modality (a denial is not the act it denies);
- compatible actors: where both sides name a source (or target) country, it is the same one;
  an IGO matches the same IGO;
- overlapping dates: both day-precise and at most `DAY_WINDOW` days apart, or one a month/year that
  contains the other;
- the same place: both within `PLACE_KM` km, or one is the country the other lies in;
- and something positive besides the type and date — the same source country, target country or
  place — so that two bare "protests on Tuesday" in unrelated reports stay apart.

Events of documents that cleaning marked as near-duplicates of each other merge when their
evidence sentence is the same: they are the same text, whatever the dates and places resolved to. Every merge records its reason (`cluster_members.reason`).

The clustering is deterministic: within a type, events are visited in a fixed order (date, then the
report's publication date, then id) and each joins the best-matching cluster whose founding event it
matches, else founds a new one. Because the result depends only on what is stored, not on the order
of ingestion, resolution is incremental by recomputing only the types that new documents touch
(`resolve_store(store, doc_ids=...)`). We wrote this by hand: the record-linkage libraries on PyPI
(dedupe, recordlinkage) learn weights from labelled pairs we do not have, and the rules here are
few and must be explainable line by line.

`num_articles` counts distinct documents; `num_sources` counts distinct outlets (the document's
site, else the URL's host), where a document without either counts as its own outlet and
near-duplicate documents count once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as Date, timedelta
from urllib.parse import urlsplit

from . import filter_index
from .store import new_clusters, new_generation, sql_list, sql_literal

DAY_WINDOW = 1
PLACE_KM = 50.0
_COMPATIBLE_MODALITY = {"asserted": "fact", "claimed": "fact", "intended": "intended",
                        "denied": "denied", "hypothetical": "hypothetical"}


@dataclass
class _Event:
    id: str
    doc_id: str
    type: str
    mode: str | None
    source: dict | None
    target: dict | None
    date: str | None
    precision: str
    location: dict | None
    modality: str
    confidence: float
    published: str | None
    outlet: str
    family: str  # the near-duplicate group: the id of the document this one duplicates, or its own
    evidence: str = ""
    quantity: dict | None = None
    old: tuple[str, str] | None = None  # (cluster id, reason) stored before this resolve
    sentence: int | None = None  # the evidence sentence's key (`_sentence_key`)

    def __post_init__(self):
        if self.sentence is None:
            self.sentence = _sentence_key(self.evidence)

    @functools.cached_property
    def keys(self) -> tuple:
        """(modality class, source key, target key): what `match` compares first."""
        return (_COMPATIBLE_MODALITY.get(self.modality), _actor_key(self.source),
                _actor_key(self.target))

    @property
    def day(self) -> Date | None:
        if self.precision == "day" and self.date and len(self.date) == 10:
            try:
                return Date.fromisoformat(self.date)
            except ValueError:
                return None
        return None


@dataclass
class _Cluster:
    founder: _Event
    members: list[tuple[_Event, str]] = field(default_factory=list)
    key: tuple = ()  # the founder's place in the visiting order


def _haversine_km(a: dict, b: dict) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _sentence_key(text: str) -> int:
    """A 64-bit key of a sentence with its spacing normalised: copies of a report tell an event
    in the same sentence (`match`), and `resolve_events` keeps this key rather than the text."""
    digest = hashlib.blake2b(" ".join(text.split()).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _actor_key(actor: dict | None) -> str | None:
    if not actor:
        return None
    if actor.get("kind") == "igo":
        return "igo:" + (actor.get("name") or actor.get("text") or "").upper()
    return actor.get("country")


def _dates_overlap(a: _Event, b: _Event) -> str | None:
    """Why the two dates overlap, or None when they don't (or are unknown)."""
    if not a.date or not b.date:
        return None
    da, db = a.day, b.day
    if da and db:
        gap = abs((da - db).days)
        return f"dates {a.date} and {b.date} {gap} day(s) apart" if gap <= DAY_WINDOW else None
    short, long_ = sorted((a.date, b.date), key=len)
    return f"date {long_} falls within {short}" if long_.startswith(short) else None


def _places(a: _Event, b: _Event) -> tuple[bool, str | None]:
    """(compatible, positive reason)."""
    pa, pb = a.location, b.location
    if not pa or not pb:
        return True, None
    if pa.get("feature") == "country" or pb.get("feature") == "country":
        ca, cb = pa.get("country"), pb.get("country")
        if ca and ca == cb:
            return True, f"place {pa['name']} / {pb['name']} in the same country"
        return (False, None)
    km = _haversine_km(pa, pb)
    if km <= PLACE_KM:
        return True, f"places {pa['name']} and {pb['name']} {km:.0f} km apart"
    return False, None


def match(a: _Event, b: _Event) -> str | None:
    """The reason `b` describes the same happening as `a`, or None."""
    if a.type != b.type:
        return None
    if _COMPATIBLE_MODALITY.get(a.modality) != _COMPATIBLE_MODALITY.get(b.modality):
        return None
    if a.family == b.family and a.doc_id != b.doc_id and a.sentence == b.sentence:
        return (f"same type {a.type}; same sentence in near-duplicate reports "
                f"({b.doc_id} repeats {a.family})")
    reasons = [f"same type {a.type}"]
    positive = 0
    for role in ("source", "target"):
        ka, kb = _actor_key(getattr(a, role)), _actor_key(getattr(b, role))
        if ka and kb:
            if ka != kb:
                return None
            reasons.append(f"same {role} {ka}")
            positive += 1
    ok, why = _places(a, b)
    if not ok:
        return None
    if why:
        reasons.append(why)
        positive += 1
    when = _dates_overlap(a, b)
    if when is None or positive == 0:
        return None
    reasons.append(when)
    return "; ".join(reasons)


def _cannot_match(a: _Event, b: _Event) -> bool:
    """A quick no for most pairs `match` would refuse (other modality, other actors), before it
    computes distances and reasons: at a million events a new event meets hundreds of founders."""
    ka, kb = a.keys, b.keys
    if ka[0] != kb[0]:
        return True
    if a.family == b.family and a.doc_id != b.doc_id:
        return False  # copies of one report: the same sentence joins them whatever the actors
    return bool((ka[1] and kb[1] and ka[1] != kb[1]) or (ka[2] and kb[2] and ka[2] != kb[2]))


def _score(reason: str) -> int:
    """How much two events agree on: the same sentence beats any number of matching fields."""
    return 10 if "same sentence" in reason else reason.count(";")


def _key(ev: _Event) -> tuple:
    """The fixed order in which events are visited (see the module docstring)."""
    return (ev.date or "9999", ev.published or "9999", ev.doc_id, ev.id)


class _Founders:
    """The clusters founded so far, indexed the way `match` can succeed: by near-duplicate family,
    by day, and by date string for founders dated to a month or year. A candidate list keeps the
    order the first version of this module scanned them in (family, the day before, the day, the
    day after, then the less precise dates, each in founding order), because of ties: the first
    of equally good clusters wins."""

    def __init__(self):
        self.family: dict[str, list[_Cluster]] = defaultdict(list)
        # the same, by report: an undated event can join only a copy's founder (the same sentence
        # in another report), and scanning its own report's founders made one report of 16,000
        # undated events quadratic (`make fuzz`)
        self.family_reports: dict[str, dict[str, list[_Cluster]]] = defaultdict(lambda: defaultdict(list))
        self.day: dict[int, list[_Cluster]] = defaultdict(list)
        self.dated: dict[str, list[_Cluster]] = defaultdict(list)  # a date but no day
        self.ids: set[str] = set()
        self.dead: set[str] = set()  # founders an incremental resolve has since decided to join another

    def add(self, cl: _Cluster) -> None:
        ev = cl.founder
        if ev.id in self.ids:
            return
        self.ids.add(ev.id)
        cl.key = _key(ev)
        self.family[ev.family].append(cl)
        self.family_reports[ev.family][ev.doc_id].append(cl)
        day = ev.day
        if day:
            self.day[day.toordinal()].append(cl)
        elif ev.date:
            self.dated[ev.date].append(cl)
        # undated founders match only through their family: no other index holds them

    def candidates(self, ev: _Event) -> list[_Cluster]:
        by_key = lambda cl: cl.key  # noqa: E731
        if not ev.date:  # `match` needs a date but for the same sentence in another report
            reports = self.family_reports.get(ev.family, {})
            return sorted((cl for doc_id, cls in reports.items() if doc_id != ev.doc_id for cl in cls),
                          key=by_key)
        out = sorted(self.family.get(ev.family, ()), key=by_key)
        day = ev.day
        if day:
            for offset in range(-DAY_WINDOW, DAY_WINDOW + 1):
                out += sorted(self.day.get(day.toordinal() + offset, ()), key=by_key)
        # less precise founders whose date contains this one (earlier in the order, so shorter)
        out += sorted((cl for n in range(1, len(ev.date) + 1)
                       for cl in self.dated.get(ev.date[:n], ())), key=by_key)
        if not day:
            same = _day_of(ev.date) if len(ev.date) == 10 else None
            if same:  # a day-precise founder on the very date this less precise event names
                out += sorted(self.day.get(same.toordinal(), ()), key=by_key)
        return out

    def decide(self, ev: _Event) -> tuple[_Cluster, str]:
        """Join the best-matching earlier cluster, else found one."""
        key = _key(ev)
        best, best_reason = None, None
        seen = set()
        for cl in self.candidates(ev):
            if cl.key >= key or id(cl) in seen or cl.founder.id in self.dead:
                continue  # only clusters founded before it in the order, and still founded
            seen.add(id(cl))
            if _cannot_match(cl.founder, ev):
                continue
            reason = match(cl.founder, ev)
            if reason and (best is None or _score(reason) > _score(best_reason)):
                best, best_reason = cl, reason
        if best is not None:
            best.members.append((ev, best_reason))
            return best, best_reason
        cl = _Cluster(founder=ev, members=[(ev, "first report")])
        self.add(cl)
        return cl, "first report"


def _day_of(date: str) -> Date | None:
    try:
        return Date.fromisoformat(date)
    except ValueError:
        return None


def cluster_events(events: list[_Event]) -> list[_Cluster]:
    """Greedy, order-fixed clustering of events of one type (see the module docstring)."""
    founders = _Founders()
    clusters: list[_Cluster] = []
    for ev in sorted(events, key=_key):
        cl, reason = founders.decide(ev)
        if reason == "first report":
            clusters.append(cl)
    return clusters


def _outlet(site: str | None, url: str | None, doc_id: str) -> str:
    if site:
        return site.lower().removeprefix("www.")
    if url:
        host = urlsplit(url).hostname
        if host:
            return host.lower().removeprefix("www.")
    return "doc:" + doc_id


_EVENT_SQL = """SELECT e.id, e.doc_id, e.type, e.mode, e.source, e.target, e.date, e.date_precision,
                       e.location, e.modality, e.confidence, d.published, d.site, d.source_url,
                       d.duplicate_of, e.evidence_text, m.cluster_id, m.reason, e.quantity
                FROM (SELECT * FROM events e {where}) e JOIN documents d ON d.id = e.doc_id
                LEFT JOIN cluster_members m ON m.event_id = e.id {outer}"""


def _events(con, where: str = "", params: list | None = None, outer: str = "") -> list[_Event]:
    """Events (with their report's fields and their current cluster) matching a WHERE clause on
    `events e` (applied before the joins, so that they read only its rows) and one on the joined
    rows (`outer`, e.g. on the membership `m`)."""
    out = []
    for (eid, doc_id, typ, mode, src, tgt, date, prec, loc, modality, conf, published, site, url,
         dup, evidence, cluster_id, reason, quantity) in con.execute(
            _EVENT_SQL.format(where=where, outer=outer), params or []).fetchall():
        ev = _event_of_row((eid, doc_id, typ, mode, src, tgt, date, prec, loc, modality, conf,
                            evidence, quantity), (published, site, url, dup))
        ev.old = (cluster_id, reason) if cluster_id else None
        out.append(ev)
    return out


def _event_of_row(event: tuple, report: tuple) -> _Event:
    """An `_Event` from an events row (id, doc_id, type, mode, source, target, date,
    date_precision, location, modality, confidence, evidence_text, quantity) and its report's
    (published, site, source_url, duplicate_of)."""
    eid, doc_id, typ, mode, src, tgt, date, prec, loc, modality, conf, evidence, quantity = event
    published, site, url, dup = report
    return _Event(
        id=eid, doc_id=doc_id, type=typ, mode=mode, source=json.loads(src) if src else None,
        target=json.loads(tgt) if tgt else None, date=date, precision=prec or "unknown",
        location=json.loads(loc) if loc else None, modality=modality or "asserted",
        confidence=conf or 0.0, published=published, outlet=_outlet(site, url, doc_id),
        family=dup or doc_id, evidence=evidence or "",
        quantity=json.loads(quantity) if quantity else None)


def _fresh_events(con, docs: list[str], old: dict[str, tuple[str, str]]) -> list[_Event]:
    """The events `docs` hold, with their report's fields and their cluster (`old`: event id ->
    (cluster id, reason)), read by key: a join would scan documents and memberships whole."""
    if not docs:
        return []
    ids = [i for (i,) in con.execute(f"SELECT id FROM events WHERE doc_id IN {sql_list(docs)}").fetchall()]
    if not ids:
        return []
    reports = {d: row for d, *row in con.execute(
        f"SELECT id, published, site, source_url, duplicate_of FROM documents WHERE id IN {sql_list(docs)}").fetchall()}
    out = []
    for row in con.execute(
            f"""SELECT id, doc_id, type, mode, source, target, date, date_precision, location, modality,
                       confidence, evidence_text, quantity FROM events WHERE id IN {sql_list(ids)}""").fetchall():
        ev = _event_of_row(row, reports[row[1]])
        ev.old = old.get(ev.id)
        out.append(ev)
    return out


# `resolve_events` (see store.py): one row per clustered event with what `match`, the visiting
# order and the cluster rows read, so that an incremental resolve reads one table by type and date
_SIDE = (("event_id", "VARCHAR"), ("doc_id", "VARCHAR"), ("type", "VARCHAR"), ("date", "VARCHAR"),
         ("date_precision", "VARCHAR"), ("modality", "VARCHAR"), ("confidence", "DOUBLE"),
         ("source_key", "VARCHAR"), ("target_key", "VARCHAR"), ("located", "BOOLEAN"),
         ("location_name", "VARCHAR"), ("location_feature", "VARCHAR"),
         ("location_country", "VARCHAR"), ("lat", "DOUBLE"), ("lon", "DOUBLE"),
         ("sentence", "BIGINT"), ("quantity", "VARCHAR"), ("published", "VARCHAR"),
         ("outlet", "VARCHAR"), ("family", "VARCHAR"), ("cluster_id", "VARCHAR"), ("reason", "VARCHAR"))
_SIDE_COLUMNS = ", ".join(f"r.{name}" for name, _ in _SIDE)


def _side_row(ev: _Event, cluster_id: str, reason: str) -> list:
    loc = ev.location or {}
    return [ev.id, ev.doc_id, ev.type, ev.date, ev.precision, ev.modality, ev.confidence,
            _actor_key(ev.source), _actor_key(ev.target), bool(loc), loc.get("name"),
            loc.get("feature"), loc.get("country"), loc.get("lat"), loc.get("lon"), ev.sentence,
            json.dumps(ev.quantity) if ev.quantity else None, ev.published, ev.outlet, ev.family,
            cluster_id, reason]


def _actor_of_key(key: str | None) -> dict | None:
    """An actor that `_actor_key` gives `key` for: all that `match` reads of it."""
    if key is None:
        return None
    return {"kind": "igo", "name": key[4:]} if key.startswith("igo:") else {"country": key}


def _side_event(row: tuple) -> _Event:
    (eid, doc_id, typ, date, prec, modality, conf, src, tgt, located, name, feature, country, lat,
     lon, sentence, quantity, published, outlet, family, cluster_id, reason) = row
    location = ({"name": name, "feature": feature, "country": country, "lat": lat, "lon": lon}
                if located else None)
    ev = _Event(id=eid, doc_id=doc_id, type=typ, mode=None, source=_actor_of_key(src),
                target=_actor_of_key(tgt), date=date, precision=prec, location=location,
                modality=modality, confidence=conf, published=published, outlet=outlet,
                family=family, quantity=json.loads(quantity) if quantity else None,
                sentence=sentence)
    ev.old = (cluster_id, reason) if cluster_id else None
    return ev


def _insert_side(con, rows: list[list]) -> None:
    if rows:
        con.execute(f"INSERT INTO resolve_events SELECT {_unnest(tuple(t for _, t in _SIDE))}",
                    _columns(rows))


def best_quantity(members: list[_Event]) -> dict | None:
    """The count a merged event shows: the one most of its reports give (same value and unit; a
    near-duplicate copy counts once), ties going to the more confident report — so a count one
    report carries is not lost because another report is the representative. It names the event
    and the report it came from (`event_id`, `doc_id`): its offsets point into that report."""
    counted = [ev for ev in members if ev.quantity and ev.quantity.get("value") is not None]
    if not counted:
        return None
    support: dict[tuple, set[str]] = defaultdict(set)
    for ev in counted:
        support[(ev.quantity["value"], ev.quantity.get("unit"))].add(ev.family)
    # ties go to the earlier report (positions, not `list.index`: that compares whole events)
    _, best = max(enumerate(counted), key=lambda pair: (
        len(support[(pair[1].quantity["value"], pair[1].quantity.get("unit"))]),
        pair[1].confidence, -pair[0]))
    return dict(best.quantity, event_id=best.id, doc_id=best.doc_id)


def _cluster_id(founder_id: str) -> str:
    return "c-" + hashlib.sha1(founder_id.encode()).hexdigest()[:12]


def _cluster_row(cid: str, members: list[_Event]) -> list:
    """(id, representative, num_sources, num_articles, first and last report) of a cluster whose
    members are given in the visiting order."""
    # the most confident, ties to the first in the visiting order (`list.index` would compare
    # whole events field by field: quadratic in a cluster of thousands of reports)
    _, rep = max(enumerate(members), key=lambda pair: (pair[1].confidence, -pair[0]))
    outlets = {}
    for ev in members:  # near-duplicate reports count once, under their family
        outlets.setdefault(ev.family, ev.outlet)
    published = sorted(ev.published for ev in members if ev.published)
    quantity = best_quantity(members)
    return [cid, rep.id, len(set(outlets.values())), len({ev.doc_id for ev in members}),
            published[0] if published else None, published[-1] if published else None,
            json.dumps(quantity) if quantity else None]


_CLUSTER_ROW_TYPES = ("VARCHAR", "VARCHAR", "INTEGER", "INTEGER", "VARCHAR", "VARCHAR", "VARCHAR")
_MEMBER_TYPES = ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR")


def _unnest(types: tuple[str, ...]) -> str:
    return ", ".join(f"unnest(?::{t}[])" for t in types)


def _columns(rows: list[list]) -> list[list]:
    return [list(col) for col in zip(*rows)]


def _write(con, cluster_rows: list[list], member_rows: list[list], *, drop_clusters: list[str],
           drop_members: list[str], side_rows: list[list], drop_side: list[str],
           docs: list[str], grown: dict | None = None) -> None:
    """Replace clusters, memberships and their `resolve_events` rows in one transaction, with a
    handful of statements whatever the number of rows (row-by-row `executemany` cost 10 of 10.6 s
    at 1,600 documents), and mark `docs` resolved."""
    con.execute("BEGIN TRANSACTION")
    try:
        if drop_side:
            con.execute(f"DELETE FROM resolve_events WHERE event_id IN {sql_list(drop_side)}")
        _insert_side(con, side_rows)
        if docs:
            con.execute(f"DELETE FROM unresolved_documents WHERE id IN {sql_list(docs)}")
        if drop_members:
            con.execute(f"DELETE FROM cluster_members WHERE event_id IN {sql_list(drop_members)}")
        if drop_clusters:
            con.execute(f"DELETE FROM clusters WHERE id IN {sql_list(drop_clusters)}")
        _insert(con, cluster_rows, member_rows, by_key=True)
        before = con.execute("SELECT value FROM meta WHERE key = 'clusters'").fetchone()
        new_generation(con)
        new_clusters(con)
        filter_index.update(con, before[0] if before else None, drop_clusters,
                            [row[0] for row in cluster_rows], grown)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def resolve_store(store, doc_ids: list[str] | None = None) -> dict[str, int]:
    """Bring the clusters up to date with the stored events.

    With `doc_ids` (the documents an ingest just wrote), only what those documents can change is
    visited (`_Incremental`); without, every cluster is recomputed. Both give the clusters a
    full recomputation gives. Returns counts: events decided, clusters written, and (incremental)
    the event rows read from the store. Runs in one transaction, so readers see the old clusters
    or the new ones, never half.
    """
    from .query import refresh_summaries

    ready = store.con.execute("SELECT 1 FROM meta WHERE key = 'resolve_events'").fetchone()
    change = None
    if doc_ids is not None and ready:
        job = _Incremental(store.con, list(doc_ids))
        counts, change = job.run(), job.change
    else:  # or a store of an earlier version, which this fills `resolve_events` of
        counts = _resolve_all(store.con)
    refresh_summaries(store.con, change)  # the page's unfiltered views, kept here
    return counts


def _resolve_all(con) -> dict[str, int]:
    """Every cluster recomputed."""
    types = [t for (t,) in con.execute("SELECT DISTINCT type FROM events ORDER BY type").fetchall()]
    n_events = n_clusters = 0
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM cluster_members")
        con.execute("DELETE FROM clusters")
        con.execute("DELETE FROM resolve_events")
        con.execute("DELETE FROM unresolved_documents")
        for typ in types:  # one type at a time: memory holds one type's events, not the store's
            events = _events(con, "WHERE e.type = ?", [typ])
            cluster_rows, member_rows, side = [], [], {}
            for cl in cluster_events(events):
                cid = _cluster_id(cl.founder.id)
                cluster_rows.append(_cluster_row(cid, [ev for ev, _ in cl.members]))
                member_rows += [[ev.id, cid, ev.doc_id, reason] for ev, reason in cl.members]
                side.update((ev.id, _side_row(ev, cid, reason)) for ev, reason in cl.members)
            _insert(con, cluster_rows, member_rows)
            # in the visiting order: a read by type and date then touches few row groups
            _insert_side(con, [side[ev.id] for ev in sorted(events, key=_key)])
            n_events += len(events)
            n_clusters += len(cluster_rows)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('resolve_events', '1')")
        new_generation(con)
        new_clusters(con)
        filter_index.rebuild(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"events": n_events, "clusters": n_clusters}


def _next_day(day: Date, offset: int) -> str | None:
    try:
        return (day + timedelta(days=offset)).isoformat()
    except OverflowError:
        return None


# How far apart (degrees of latitude) two places within PLACE_KM can be, with room for rounding
_LAT_DEGREES = PLACE_KM / 111.0 + 0.01


class _Incremental:
    """Resolve after an ingest, visiting only what the new documents can change.

    The greedy clustering is causal: an event's decision depends only on the founders visited
    before it that it can match. So the events to decide again are the *triggers* (events of the
    documents just written, events no cluster holds, members of clusters that lost an event) and,
    whenever a decided event starts or stops founding a cluster (or founds one with new fields),
    the later events that can match it — found in SQL by blocking on what `match` needs: the same
    type, a date in its day window or inside its month or year (or a copy of its report), and the
    same source or target country or a place nearby or in the same country — of which only those
    that could now choose differently are queued. Events are decided in the visiting order, each
    against the stored founders of its own dates (and its report's copies), loaded once per date.
    Everything else keeps its stored decision. The result is what `resolve_store(store)`
    computes from scratch (tests/test_resolve.py checks it on random stores), and what is read
    depends on what an ingest adds and on how many stored events share its types, dates and
    places, not on the store's size (tests/test_resolve.py counts the rows).
    """

    def __init__(self, con, doc_ids: list[str]):
        self.con, self.doc_ids = con, doc_ids
        self.decided: dict[str, tuple[_Event, str, str]] = {}  # id -> (event, cluster id, reason)
        self.changed: set[str] = set()  # events whose own fields are new (or newly stored)
        self.skip: set[str] = set()  # events whose `resolve_events` row is out of date or gone
        self.copied: set[str] = set()  # families of more than one report: what `duplicate_of` names
        self.rows_read = 0  # event rows read from the store (for tests and the bench)
        self.queries = 0
        self.change = None  # what the summaries must take out and put in (`query.ClusterChange`)

    def _side(self, sql: str, params: list | None = None) -> list[_Event]:
        """Events from `resolve_events r` (`sql` follows the SELECT list), but those whose row is
        out of date (`skip`)."""
        rows = self.con.execute(f"SELECT {_SIDE_COLUMNS} {sql}", params or []).fetchall()
        self.rows_read += len(rows)
        self.queries += 1
        return [_side_event(row) for row in rows if row[0] not in self.skip]

    def run(self) -> dict[str, int]:
        con = self.con
        # the documents written since the last resolve: these, and any a stopped run wrote
        docs = sorted(set(self.doc_ids) | {d for (d,) in con.execute(
            "SELECT DISTINCT id FROM unresolved_documents").fetchall()})
        self.docs = docs
        # what resolve knew of them: the clusters their events were in ...
        before = con.execute(f"SELECT event_id, cluster_id, reason, doc_id FROM resolve_events "
                             f"WHERE doc_id IN {sql_list(docs)}").fetchall() if docs else []
        # ... the events they hold now (new, or rewritten: their fields may have changed) ...
        triggers = {ev.id: ev for ev in _fresh_events(con, docs, {e: (c, r) for e, c, r, _ in before})}
        self.rows_read += len(triggers)
        # ... and the events they no longer hold (a re-ingested document lost them)
        stale = {eid: cid for eid, cid, _, _ in before if eid not in triggers}
        self.fresh = list(triggers.values())
        self.had_events = {doc for _, _, _, doc in before}
        touched = {cid for _, cid, _, _ in before}
        self.skip = set(triggers) | set(stale)
        self.changed = set(triggers)
        self.copied = {f for (f,) in con.execute(
            "SELECT DISTINCT duplicate_of FROM documents WHERE duplicate_of IS NOT NULL").fetchall()}
        if touched:  # members of clusters that lost or may lose an event
            for ev in self._side(f"FROM resolve_events r WHERE r.cluster_id IN {sql_list(sorted(touched))}"):
                triggers.setdefault(ev.id, ev)
        by_type: dict[str, list[_Event]] = defaultdict(list)
        for ev in triggers.values():
            by_type[ev.type].append(ev)
        resolvers = [_TypeResolve(self, typ, by_type[typ]) for typ in sorted(by_type)]
        while resolvers:  # waves: every type decides what it can, then one read per kind for all
            for r in resolvers:
                r.advance()
            self._read_neighbours([r for r in resolvers if r.want_neighbours])
            self._read_founders([r for r in resolvers if r.want_dates or r.want_families])
            resolvers = [r for r in resolvers if not r.done]
        return self._write(stale, touched)

    def _read_founders(self, resolvers: list[_TypeResolve]) -> None:
        """The stored founders every type asked for (`_TypeResolve.want_dates`, `want_families`),
        in one query."""
        if not resolvers:
            return
        by_date = [(r.typ, d) for r in resolvers for d in sorted(r.want_dates)]
        by_family = [(r.typ, f) for r in resolvers for f in sorted(r.want_families)]
        # joined on plain columns: DuckDB pushes the wanted range of types and dates into the
        # scan, whose zone maps then skip the row groups of other types and years
        dates = [d for _, d in by_date] or [""]
        sql = f"""FROM resolve_events r JOIN (SELECT {_unnest(('VARCHAR', 'VARCHAR'))}) AS p(typ, d)
                  ON r.type = p.typ AND r.date = p.d WHERE r.reason = 'first report'
                  AND r.date BETWEEN {sql_literal(min(dates))} AND {sql_literal(max(dates))}"""
        params = _columns(by_date) if by_date else [[], []]
        if by_family:
            sql += f""" UNION SELECT {_SIDE_COLUMNS} FROM resolve_events r JOIN
                        (SELECT {_unnest(('VARCHAR', 'VARCHAR'))}) AS q(typ, family)
                        ON r.type = q.typ AND r.family = q.family WHERE r.reason = 'first report'
                        AND r.family IN {sql_list(sorted({f for _, f in by_family}))}"""
            params += _columns(by_family)
        by_type = defaultdict(list)
        for ev in self._side(sql, params):
            by_type[ev.type].append(ev)
        for r in resolvers:
            r.take_founders(by_type.get(r.typ, []))

    def _read_neighbours(self, resolvers: list[_TypeResolve]) -> None:
        """For each event in every type's `want_neighbours`, the stored events that can match it
        (a superset: `match` decides), in one query whatever their number: by exact date within
        the day window, by the month or year a less precise date names, and by copies of the
        report."""
        probes = [p for r in resolvers for p in r.probes()]
        if not probes:
            for r in resolvers:
                r.take_neighbours([])
            return
        con = self.con
        types = ("VARCHAR", "VARCHAR", "VARCHAR", "INTEGER", "VARCHAR", "VARCHAR", "BOOLEAN",
                 "VARCHAR", "BOOLEAN", "DOUBLE", "DOUBLE", "DOUBLE", "VARCHAR")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _resolve_probe AS SELECT * FROM
                        (SELECT {_unnest(types)}) AS p(typ, pid, dkey, dlen, src, tgt, igo, pcountry,
                        pis_country, lat, lon, dlon, family)""", _columns(probes))
        # something positive besides type and date (see `match`), as a filter that keeps every
        # event `match` could accept
        positive = f"""(r.source_key = p.src OR r.target_key = p.tgt
            OR (p.igo AND (starts_with(r.source_key, 'igo:') OR starts_with(r.target_key, 'igo:')))
            OR (r.located AND p.lat IS NOT NULL AND (
                (p.pcountry IS NOT NULL AND (p.pis_country OR r.location_feature = 'country')
                 AND r.location_country = p.pcountry)
                OR (NOT p.pis_country AND r.lat BETWEEN p.lat - {_LAT_DEGREES} AND p.lat + {_LAT_DEGREES}
                    AND abs(r.lon - p.lon) <= p.dlon))))"""
        # the dates each join can meet, as literals: zone maps skip the row groups outside them
        # ('~' sorts after every character of a date)
        selects = []
        for n in sorted({p[3] for p in probes if p[2] is not None}):
            keys = [p[2] for p in probes if p[2] is not None and p[3] == n]
            lo, hi = sql_literal(min(keys)), sql_literal(max(keys) + "~")
            on = "r.date = p.dkey" if n == 0 else f"left(r.date, {n}) = p.dkey"
            selects.append(f"""SELECT p.pid, {_SIDE_COLUMNS} FROM resolve_events r JOIN _resolve_probe p
                               ON p.dlen = {n} AND r.type = p.typ AND {on}
                               WHERE r.date >= {lo} AND r.date < {hi} AND {positive}""")
        families = sorted({p[12] for p in probes if p[12]})
        if families:
            selects.append(f"""SELECT p.pid, {_SIDE_COLUMNS} FROM resolve_events r
                               JOIN _resolve_probe p ON r.family = p.family AND r.type = p.typ
                               WHERE r.family IN {sql_list(families)}""")
        rows = con.execute(" UNION ".join(selects)).fetchall() if selects else []
        self.queries += 1
        con.execute("DROP TABLE IF EXISTS _resolve_probe")
        events: dict[str, _Event] = {}
        by_pid = defaultdict(list)
        for row in rows:
            eid = row[1]
            if eid in self.skip:
                continue
            if eid not in events:
                events[eid] = _side_event(row[1:])
            by_pid[row[0]].append((row[0], events[eid]))
        self.rows_read += len(events)
        for r in resolvers:
            r.take_neighbours([pair for pid in r.want_neighbours for pair in by_pid.get(pid, ())])

    def _write(self, stale: dict[str, str], touched: set[str]) -> dict[str, int]:
        con = self.con
        affected = set(touched)
        member_rows, drop_members = [], list(stale)
        lost = set(touched)  # clusters an event left (or changed in): the filter index redoes them
        gained: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for eid, (ev, cid, reason) in self.decided.items():
            if ev.old != (cid, reason):
                if ev.old:
                    drop_members.append(eid)
                    affected.add(ev.old[0])
                    lost.add(ev.old[0])
                member_rows.append([eid, cid, ev.doc_id, reason])
                affected.add(cid)
                gained[cid].append((eid, ev.doc_id))
            elif eid in self.changed:
                affected.add(cid)  # same cluster, but its representative's fields may differ
                lost.add(cid)
        members: dict[str, list[_Event]] = defaultdict(list)
        if affected:
            for ev in self._side(f"FROM resolve_events r WHERE r.cluster_id IN {sql_list(sorted(affected))}"):
                if ev.id not in self.decided:
                    members[ev.old[0]].append(ev)
        for ev, cid, _ in self.decided.values():
            if cid in affected:
                members[cid].append(ev)
        cluster_rows = [_cluster_row(cid, sorted(evs, key=_key)) for cid, evs in sorted(members.items())]
        from .query import ClusterChange, cluster_summary_rows

        before = con.execute("SELECT value FROM meta WHERE key = 'clusters'").fetchone()
        removed = cluster_summary_rows(con, sorted(affected))
        side_rows = [_side_row(ev, cid, reason) for ev, cid, reason in self.decided.values()
                     if ev.old != (cid, reason) or ev.id in self.changed]
        _write(con, cluster_rows, member_rows, drop_clusters=sorted(affected),
               drop_members=drop_members, side_rows=side_rows,
               drop_side=sorted(set(stale) | {row[0] for row in side_rows}), docs=self.docs,
               grown={cid: evs for cid, evs in gained.items() if cid not in lost})
        # documents that gained their first clustered event, less those that lost their last
        self.change = ClusterChange(
            before=before[0] if before else None, removed=removed,
            added=cluster_summary_rows(con, [row[0] for row in cluster_rows]),
            reporting=len({ev.doc_id for ev in self.fresh}) - len(self.had_events))
        return {"events": len(self.decided), "clusters": len(cluster_rows),
                "rows_read": self.rows_read, "queries": self.queries}


class _TypeResolve:
    """The incremental resolve of one event type (see `_Incremental`). It decides events in the
    visiting order until it needs rows it has not read (the stored founders of the dates of an
    event it will decide, or the later events that can match an event whose founding changed);
    then it says so (`wants`) and stops, and `_Incremental` reads what every type wants in one
    query per kind before resuming them all."""

    def __init__(self, job: _Incremental, typ: str, triggers: list[_Event]):
        self.job, self.typ = job, typ
        self.founders = _Founders()
        self.loaded_dates: set[str] = set()  # dates whose stored founders are in `founders`
        self.loaded_families: set[str] = set()
        self.neighbours: dict[str, list[_Event]] = {}  # event id -> later events that can match it
        self.heap: list = []
        self.queued: set[str] = set()
        self.want_dates: set[str] = set()  # founders to read before deciding anything more
        self.want_families: set[str] = set()
        self.want_neighbours: dict[str, _Event] = {}  # events whose neighbours to read
        self.waiting: list[tuple[_Event, bool, bool]] = []  # decided; propagate once neighbours are read
        self.done = False
        for ev in triggers:
            self._push(ev)
        # an event that may found may change what later events choose: read its neighbours with
        # the first wave rather than one wave per event
        self.want_neighbours = {ev.id: ev for ev in triggers if self._may_found(ev)}

    def wants(self) -> bool:
        return bool(self.want_dates or self.want_families or self.want_neighbours)

    def advance(self) -> None:
        """Decide events in order until something must be read first (`wants`) or none is left."""
        import heapq

        if self.wants():
            return
        while self.waiting:
            self._propagate(*self.waiting.pop(0))
        if self.wants():
            return
        decided = self.job.decided
        while self.heap:
            ev = self.heap[0][2]
            if ev.id in decided:
                heapq.heappop(self.heap)
                continue
            if self.want_dates or self.want_families:
                return
            heapq.heappop(self.heap)
            cl, reason = self.founders.decide(ev)
            decided[ev.id] = (ev, _cluster_id(cl.founder.id), reason)
            was = bool(ev.old) and ev.old[1] == "first report"
            now = reason == "first report"
            if was and not now:
                self.founders.dead.add(ev.id)
            if was != now or (now and ev.id in self.job.changed):
                if ev.id not in self.neighbours and not self._may_found(ev):
                    # no date and no copies: it can meet no other event (`match`), and a wave
                    # per such event was a query per event of a report of 16,000 (`make fuzz`)
                    self.neighbours[ev.id] = []
                if ev.id not in self.neighbours:
                    self.want_neighbours[ev.id] = ev
                    self.waiting.append((ev, was, now))
                    return
                self._propagate(ev, was, now)
                if self.wants():
                    return
        self.done = True

    def _may_found(self, ev: _Event) -> bool:
        return bool(ev.date) or ev.family in self.job.copied

    def _push(self, ev: _Event) -> None:
        """Queue `ev` to be decided again, and ask for the stored founders it will meet."""
        import heapq

        if ev.id not in self.queued and ev.id not in self.job.decided:
            self.queued.add(ev.id)
            heapq.heappush(self.heap, (_key(ev), ev.id, ev))
            self._want_founders([ev])

    def _propagate(self, ev: _Event, was: bool, now: bool) -> None:
        """`ev` started or stopped founding (or founds with new fields): queue the later events
        that may now decide differently."""
        key, cid = _key(ev), _cluster_id(ev.id)
        for later in self.neighbours.get(ev.id, ()):
            if _key(later) <= key or later.id in self.job.decided:
                continue
            if was and not now and later.old and later.old[0] == cid:
                self._push(later)  # its founder is gone
                continue
            if now:
                reason = match(ev, later)
                # it may prefer the new founder: anything unclustered or founding, or at least as
                # good a match as it has (ties go by the order of candidates: decide again)
                if reason and (not later.old or later.old[1] == "first report"
                               or _score(reason) >= _score(later.old[1])):
                    self._push(later)

    def _want_founders(self, events: list[_Event]) -> None:
        """Ask for the stored founders `events` may join: those of the dates their candidate
        lists read (`_Founders.candidates`) and of their report's copies."""
        for ev in events:
            if ev.family in self.job.copied and ev.family not in self.loaded_families:
                self.want_families.add(ev.family)
            if not ev.date:
                continue
            day = ev.day
            if day:
                wanted = {_next_day(day, k) for k in range(-DAY_WINDOW, DAY_WINDOW + 1)}
            else:
                wanted = {ev.date}
            wanted |= {ev.date[:n] for n in range(1, len(ev.date))}
            self.want_dates |= {d for d in wanted if d and d not in self.loaded_dates}

    def take_founders(self, rows: list[_Event]) -> None:
        """The stored founders asked for (`want_dates`, `want_families`) have been read."""
        self.loaded_dates |= self.want_dates
        self.loaded_families |= self.want_families
        self.want_dates, self.want_families = set(), set()
        decided = self.job.decided
        for ev in rows:
            if ev.id not in decided:  # a decided event's standing is its new decision
                self.founders.add(_Cluster(founder=ev, members=[]))

    def probes(self) -> list[list]:
        """One row per date key of each event in `want_neighbours` (see `_Incremental._neighbours`)."""
        probes = []  # (type, id, date key, key length, source, target, igo, place country,
        #              place is a country, lat, lon, lon degrees, family)
        for ev in self.want_neighbours.values():
            src, tgt = _actor_key(ev.source), _actor_key(ev.target)
            igo = any(k and k.startswith("igo:") for k in (src, tgt))
            src = src if src and not src.startswith("igo:") else None
            tgt = tgt if tgt and not tgt.startswith("igo:") else None
            loc = ev.location or {}
            lat, lon = loc.get("lat"), loc.get("lon")
            is_country = loc.get("feature") == "country"
            dlon = None
            if lat is not None and lon is not None and abs(lat) < 80:
                dlon = _LAT_DEGREES / math.cos(math.radians(abs(lat) + _LAT_DEGREES))
                if abs(lon) + dlon >= 180:
                    dlon = None  # across the antimeridian: no box on longitude
            family = ev.family if ev.family in self.job.copied else None
            base = [self.typ, ev.id, None, None, src, tgt, igo, loc.get("country"), is_country,
                    lat, lon, dlon if dlon is not None else 360.0, family]
            if not ev.date:
                probes.append(base)
                continue
            day = ev.day
            if day:
                for k in range(-DAY_WINDOW, DAY_WINDOW + 1):
                    probes.append(base[:2] + [_next_day(day, k), 0] + base[4:])
            else:
                probes.append(base[:2] + [ev.date, len(ev.date)] + base[4:])
        return probes

    def take_neighbours(self, pairs: list[tuple[str, _Event]]) -> None:
        """The later events that can match each event of `want_neighbours` have been read."""
        for eid in self.want_neighbours:
            self.neighbours.setdefault(eid, [])
        for pid, ev in pairs:
            if ev.id != pid:
                self.neighbours[pid].append(ev)
        self.want_neighbours = {}


def _insert(con, cluster_rows: list[list], member_rows: list[list], by_key: bool = False) -> None:
    """Insert cluster rows (their event fields taken from the representative) and memberships.
    `by_key`: few rows into a large store — the representatives are read by their keys, not by
    joining every event."""
    if cluster_rows:
        events = f"(SELECT * FROM events WHERE id IN {sql_list([r[1] for r in cluster_rows])})" if by_key else "events"
        con.execute(
            f"""INSERT INTO clusters
               SELECT n.id, e.type, e.mode, e.cameo, e.source, e.target, e.source_country,
                      e.target_country, e.date, e.date_precision, e.location, e.location_name,
                      e.lat, e.lon, n.quantity, e.modality, e.confidence, n.num_sources,
                      n.num_articles, n.first_report, n.last_report, n.rep
               FROM (SELECT {_unnest(_CLUSTER_ROW_TYPES)}) AS n(id, rep, num_sources,
                     num_articles, first_report, last_report, quantity)
               JOIN {events} e ON e.id = n.rep""", _columns(cluster_rows))
    if member_rows:
        con.execute(f"INSERT INTO cluster_members SELECT {_unnest(_MEMBER_TYPES)}",
                    _columns(member_rows))
