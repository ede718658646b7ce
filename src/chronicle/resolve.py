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

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as Date
from urllib.parse import urlsplit

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


def _haversine_km(a: dict, b: dict) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


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
    if (a.family == b.family and a.doc_id != b.doc_id
            and " ".join(a.evidence.split()) == " ".join(b.evidence.split())):
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


def _score(reason: str) -> int:
    """How much two events agree on: the same sentence beats any number of matching fields."""
    return 10 if "same sentence" in reason else reason.count(";")


def cluster_events(events: list[_Event]) -> list[_Cluster]:
    """Greedy, order-fixed clustering of events of one type (see the module docstring)."""
    order = sorted(events, key=lambda e: (e.date or "9999", e.published or "9999", e.doc_id, e.id))
    clusters: list[_Cluster] = []
    by_family: dict[str, list[_Cluster]] = defaultdict(list)
    by_day: dict[int, list[_Cluster]] = defaultdict(list)
    partial: list[_Cluster] = []  # founders without a day: few, checked against everything
    for ev in order:
        candidates: list[_Cluster] = list(by_family.get(ev.family, ()))
        day = ev.day
        if day:
            for offset in range(-DAY_WINDOW, DAY_WINDOW + 1):
                candidates += by_day.get(day.toordinal() + offset, ())
            candidates += partial
        elif ev.date:
            candidates += partial
            year = ev.date[:4]
            candidates += [c for cl in by_day.values() for c in cl
                           if c.founder.date and c.founder.date.startswith(ev.date[:len(ev.date)])
                           and c.founder.date[:4] == year]
        best, best_reason = None, None
        seen = set()
        for cl in candidates:
            if id(cl) in seen:
                continue
            seen.add(id(cl))
            reason = match(cl.founder, ev)
            if reason and (best is None or _score(reason) > _score(best_reason)):
                best, best_reason = cl, reason
        if best is not None:
            best.members.append((ev, best_reason))
            continue
        cl = _Cluster(founder=ev, members=[(ev, "first report")])
        clusters.append(cl)
        by_family[ev.family].append(cl)
        if day:
            by_day[day.toordinal()].append(cl)
        else:
            partial.append(cl)
    return clusters


def _outlet(site: str | None, url: str | None, doc_id: str) -> str:
    if site:
        return site.lower().removeprefix("www.")
    if url:
        host = urlsplit(url).hostname
        if host:
            return host.lower().removeprefix("www.")
    return "doc:" + doc_id


def _load_events(con, types: list[str] | None) -> list[_Event]:
    where, params = "", []
    if types is not None:
        where = f"WHERE e.type IN ({','.join('?' * len(types))})"
        params = list(types)
    rows = con.execute(
        f"""SELECT e.id, e.doc_id, e.type, e.mode, e.source, e.target, e.date, e.date_precision,
                   e.location, e.modality, e.confidence, d.published, d.site, d.source_url,
                   d.duplicate_of, e.evidence_text, e.quantity
            FROM events e JOIN documents d ON d.id = e.doc_id {where}""", params).fetchall()
    out = []
    for (eid, doc_id, typ, mode, src, tgt, date, prec, loc, modality, conf, published, site, url,
         dup, evidence, quantity) in rows:
        out.append(_Event(
            id=eid, doc_id=doc_id, type=typ, mode=mode, source=json.loads(src) if src else None,
            target=json.loads(tgt) if tgt else None, date=date, precision=prec or "unknown",
            location=json.loads(loc) if loc else None, modality=modality or "asserted",
            confidence=conf or 0.0, published=published, outlet=_outlet(site, url, doc_id),
            family=dup or doc_id, evidence=evidence or "",
            quantity=json.loads(quantity) if quantity else None))
    return out


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
    best = max(counted, key=lambda ev: (len(support[(ev.quantity["value"], ev.quantity.get("unit"))]),
                                        ev.confidence, -counted.index(ev)))
    return dict(best.quantity, event_id=best.id, doc_id=best.doc_id)


def _cluster_row(cl: _Cluster) -> list:
    members = [ev for ev, _ in cl.members]
    rep = max(members, key=lambda e: (e.confidence, -members.index(e)))
    outlets = {}
    for ev in members:  # near-duplicate reports count once, under their family
        outlets.setdefault(ev.family, ev.outlet)
    published = sorted(ev.published for ev in members if ev.published)
    cid = "c-" + hashlib.sha1(cl.founder.id.encode()).hexdigest()[:12]
    quantity = best_quantity(members)
    return [cid, rep.id, len(set(outlets.values())), len({ev.doc_id for ev in members}),
            published[0] if published else None, published[-1] if published else None,
            json.dumps(quantity) if quantity else None]


def resolve_store(store, doc_ids: list[str] | None = None) -> dict[str, int]:
    """Recompute the clusters of the event types that `doc_ids` touch (all types when None).

    Returns counts: events and clusters in the recomputed types. Runs in one transaction, so
    readers see the old clusters or the new ones, never half.
    """
    con = store.con
    types: list[str] | None = None
    if doc_ids is not None:
        ids = list(doc_ids)
        types = set()
        for chunk in range(0, len(ids), 1000):
            part = ids[chunk:chunk + 1000]
            marks = ",".join("?" * len(part))
            types.update(t for (t,) in con.execute(
                f"SELECT DISTINCT type FROM events WHERE doc_id IN ({marks})", part).fetchall())
            # a re-ingested document may have lost events of a type it no longer has
            types.update(t for (t,) in con.execute(
                f"""SELECT DISTINCT c.type FROM cluster_members m JOIN clusters c ON c.id = m.cluster_id
                    WHERE m.doc_id IN ({marks})""", part).fetchall())
        # events a crashed or interrupted earlier run stored but never clustered
        types.update(t for (t,) in con.execute(
            """SELECT DISTINCT type FROM events WHERE id NOT IN
               (SELECT event_id FROM cluster_members)""").fetchall())
        types = sorted(types)
        if not types:
            return {"events": 0, "clusters": 0}
    events = _load_events(con, types)
    by_type: dict[str, list[_Event]] = defaultdict(list)
    for ev in events:
        by_type[ev.type].append(ev)
    cluster_rows, member_rows = [], []
    for typ in sorted(by_type):
        for cl in cluster_events(by_type[typ]):
            row = _cluster_row(cl)
            cluster_rows.append(row)
            member_rows += [[ev.id, row[0], ev.doc_id, reason] for ev, reason in cl.members]
    con.execute("BEGIN TRANSACTION")
    try:
        if types is None:
            con.execute("DELETE FROM cluster_members")
            con.execute("DELETE FROM clusters")
        else:
            marks = ",".join("?" * len(types))
            con.execute(f"""DELETE FROM cluster_members WHERE cluster_id IN
                            (SELECT id FROM clusters WHERE type IN ({marks}))""", types)
            con.execute(f"DELETE FROM clusters WHERE type IN ({marks})", types)
        # members whose event is gone (a re-ingested document) or whose cluster was dropped
        con.execute("DELETE FROM cluster_members WHERE event_id NOT IN (SELECT id FROM events)")
        if cluster_rows:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS _new_clusters (id VARCHAR, rep VARCHAR, "
                        "num_sources INTEGER, num_articles INTEGER, first_report VARCHAR, "
                        "last_report VARCHAR, quantity JSON)")
            con.execute("DELETE FROM _new_clusters")
            con.executemany("INSERT INTO _new_clusters VALUES (?,?,?,?,?,?,?)", cluster_rows)
            con.execute(
                """INSERT INTO clusters
                   SELECT n.id, e.type, e.mode, e.cameo, e.source, e.target, e.source_country,
                          e.target_country, e.date, e.date_precision, e.location, e.location_name,
                          e.lat, e.lon, n.quantity, e.modality, e.confidence, n.num_sources,
                          n.num_articles, n.first_report, n.last_report, n.rep
                   FROM _new_clusters n JOIN events e ON e.id = n.rep""")
            con.executemany("INSERT OR REPLACE INTO cluster_members VALUES (?,?,?,?)", member_rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {"events": len(events), "clusters": len(cluster_rows)}
