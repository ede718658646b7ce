"""Toponym resolution measured on GeoWebNews (Gritta et al. 2019, GPL-3.0): 200 news articles whose
toponyms carry gold coordinates.

Two questions, answered separately:

- resolution: given a gold toponym (its text, in its article), how far from the gold point does our
  geocoder put it? Each article is parsed by our pipeline; the gold spans join the entities it
  found, and `geocode_entities` resolves them all together, so a toponym is read in the same
  document context it would have in production. Adjectival toponyms ("Russian" for Russia), which
  GeoWebNews counts and Chronicle does not treat as places, are read as their country through the
  demonym table and reported on their own line.
- recognition: of the gold noun toponyms, how many does our NER find (as GPE, LOC or FAC) and
  geocode, and how many of those land within 161 km? And of the entities we place, how many
  overlap a gold toponym (GeoWebNews marks every toponym, so the rest are mostly our mistakes)?

Only toponyms with gold coordinates are scored. A toponym we cannot resolve counts as an error of
20,039 km (half the Earth's circumference) in the median.

GeoWebNews is a development set: its errors were read while writing the place rules. A fixed fifth of
it, the articles whose id is 4 modulo 5 (`HELD_OUT`), was never read: every figure is given for the
development part, the held-out part and both, and a rule that helps only the first is suspect.
"""

from __future__ import annotations

import statistics
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..nlp import extract_entities, load_pipeline
from ..places import GEOCODED_LABELS, distance_km, dominant_place, gazetteer, geocode_entities
from .scoring import gold_path
from ..record import Entity

MAX_ERROR_KM = 20_039.0
THRESHOLDS_KM = (25.0, 161.0)  # 161 km = 100 miles, the customary "accuracy" radius
_RELATIVE = Path("shared") / "eval" / "geowebnews" / "GWN.xml"
PARTS = ("development", "held-out", "all")


def held_out(article_id: str) -> bool:
    """Whether an article is in the held-out fifth (ids are the numbers 0-199)."""
    return article_id.isdigit() and int(article_id) % 5 == 4


@dataclass
class GoldToponym:
    text: str
    start: int
    end: int
    lat: float
    lon: float
    kind: str  # GeoWebNews type: Literal, Metonymic, Non_Literal_Modifier …
    adjectival: bool


@dataclass
class Article:
    id: str
    text: str
    toponyms: list[GoldToponym] = field(default_factory=list)


def default_path() -> Path:
    """GWN.xml in the shared/ folder beside the repository (or beside the working directory)."""
    return gold_path(_RELATIVE)


def read_articles(path: Path) -> list[Article]:
    """Articles with their gold toponyms that have coordinates and whose span matches the text."""
    root = ET.parse(path).getroot()
    articles = []
    for node in root.iter("article"):
        text = node.findtext("text") or ""
        article = Article(id=node.get("file", str(len(articles))), text=text)
        for top in node.iter("toponym"):
            lat, lon = top.findtext("latitude"), top.findtext("longitude")
            if not lat or not lon:
                continue
            start, end = int(top.findtext("start")), int(top.findtext("end"))
            name = top.findtext("extractedName") or ""
            if text[start:end] != name:
                continue  # a handful of gold offsets point elsewhere; skip rather than guess
            article.toponyms.append(GoldToponym(
                text=name, start=start, end=end, lat=float(lat), lon=float(lon),
                kind=top.findtext("type") or "", adjectival=(top.findtext("modifierType") == "Adjective")))
        articles.append(article)
    return articles


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _score(errors: list[float | None]) -> dict:
    n = len(errors)
    filled = [MAX_ERROR_KM if e is None else e for e in errors]
    row = {"n": n, "answered": sum(e is not None for e in errors)}
    for km in THRESHOLDS_KM:
        row[f"within_{int(km)}km"] = (sum(e <= km for e in filled) / n) if n else 0.0
    answered = [e for e in errors if e is not None]
    # How often an answer is right: what a user of the places we do output sees.
    row["answered_within_161km"] = (sum(e <= 161.0 for e in answered) / len(answered)) if answered else 0.0
    row["median_km"] = statistics.median(filled) if n else 0.0
    return row


def evaluate(path: Path | str | None = None, limit: int | None = None, details: bool = False) -> dict:
    """Score resolution and recognition on the first `limit` articles (all by default), for the
    development part, the held-out part (`held_out`) and both. The top-level `rows` and
    `recognition` are those of all articles. With `details`, the result also lists every scored
    toponym with our answer, for error analysis (development articles only, unless asked for all
    by `details="all"`)."""
    started = time.perf_counter()
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        raise FileNotFoundError(f"GeoWebNews gold not found at {path}: put the shared/ folder beside the repository")
    articles = read_articles(path)[:limit]
    gaz = gazetteer()
    nlp = load_pipeline()

    # per part: gold, error, error w/ fallback
    resolution: dict[str, list[tuple[GoldToponym, float | None, float | None]]] = {p: [] for p in PARTS}
    counts = {p: dict.fromkeys(("found", "found_right", "found_right_25", "noun_gold", "ours", "ours_gold"), 0)
              for p in PARTS}
    listing: list[dict] = []
    for article, parsed in zip(articles, nlp.pipe((a.text for a in articles), batch_size=16)):
        parts = ("held-out" if held_out(article.id) else "development", "all")
        ner = extract_entities(parsed)

        # Resolution of the gold spans, in the context of everything our NER found.
        gold_entities = []
        for top in article.toponyms:
            # Our NER's reading of the span decides how it is treated: a NORP is a demonym, not a
            # place; a span it missed or called something else is geocoded as a GPE.
            label = next((e.label for e in ner if _overlaps(e.start, e.end, top.start, top.end)
                          and e.label in GEOCODED_LABELS | {"NORP"}), "GPE")
            if gaz.demonym_place(top.text) and not gaz.lookup(top.text):
                label = "NORP"
            gold_entities.append(Entity(text=top.text, label=label, start=top.start, end=top.end))
        others = [e for e in ner if not any(_overlaps(e.start, e.end, g.start, g.end) for g in gold_entities)]
        entities = geocode_entities(others + gold_entities, article.text)
        main_place = dominant_place(entities)
        for top, ent in zip(article.toponyms, gold_entities):
            place = ent.place
            if place is None and ent.label == "NORP":
                place = gaz.demonym_place(top.text)
            error = None if place is None else distance_km(place.lat, place.lon, top.lat, top.lon)
            fallback = place or main_place
            fallback_error = None if fallback is None else distance_km(fallback.lat, fallback.lon, top.lat, top.lon)
            for part in parts:
                resolution[part].append((top, error, fallback_error))
            if details and (details == "all" or parts[0] == "development"):
                listing.append({"article": article.id, "text": top.text, "type": top.kind, "label": ent.label,
                                "gold": (top.lat, top.lon), "place": place and place.to_dict(),
                                "error_km": error, "context": article.text[max(0, top.start - 80):top.end + 80]})

        # Recognition: the pipeline as it runs in production, on its own entities.
        pipeline_entities = geocode_entities(extract_entities(parsed), article.text)
        placed = [e for e in pipeline_entities if e.place is not None]
        tally = {"ours": len(placed),
                 "ours_gold": sum(any(_overlaps(e.start, e.end, t.start, t.end) for t in article.toponyms)
                                  for e in placed),
                 "noun_gold": 0, "found": 0, "found_right": 0, "found_right_25": 0}
        for top in article.toponyms:
            if top.adjectival:
                continue
            tally["noun_gold"] += 1
            hit = next((e for e in pipeline_entities if e.place is not None
                        and _overlaps(e.start, e.end, top.start, top.end)), None)
            if hit is not None:
                tally["found"] += 1
                km = distance_km(hit.place.lat, hit.place.lon, top.lat, top.lon)
                tally["found_right"] += km <= 161.0
                tally["found_right_25"] += km <= 25.0
            elif details and parts[0] == "development":
                listing.append({"article": article.id, "missed": top.text, "type": top.kind,
                                "ours": [(e.text, e.label) for e in pipeline_entities
                                         if _overlaps(e.start, e.end, top.start, top.end)],
                                "context": article.text[max(0, top.start - 80):top.end + 80]})
        if details and parts[0] == "development":
            for e in placed:
                if not any(_overlaps(e.start, e.end, t.start, t.end) for t in article.toponyms):
                    listing.append({"article": article.id, "spurious": e.text, "label": e.label,
                                    "place": e.place.to_dict(),
                                    "context": article.text[max(0, e.start - 80):e.end + 80]})
        for part in parts:
            for key, value in tally.items():
                counts[part][key] += value

    def summary(part: str) -> dict:
        scored = resolution[part]
        c = counts[part]
        rows = [
            ("all gold toponyms with coordinates", _score([e for _, e, _ in scored])),
            ("  nouns (Paris, Russia)", _score([e for t, e, _ in scored if not t.adjectival])),
            ("  adjectives, as their country (Russian)", _score([e for t, e, _ in scored if t.adjectival])),
            ("all, unresolved -> article's main place", _score([f for _, _, f in scored])),
        ]
        nouns = c["noun_gold"]
        return {
            "articles": sum(1 for a in articles if part == "all" or (part == "held-out") == held_out(a.id)),
            "rows": [{"name": name, **row} for name, row in rows],
            "recognition": {
                "gold_nouns": nouns,
                "found": c["found"],
                "recall": c["found"] / nouns if nouns else 0.0,
                "found_within_161km": c["found_right"],
                "found_within_25km": c["found_right_25"],
                "end_to_end_within_161km": c["found_right"] / nouns if nouns else 0.0,
                "end_to_end_within_25km": c["found_right_25"] / nouns if nouns else 0.0,
                "our_places": c["ours"],
                "our_places_gold": c["ours_gold"],
                "precision": c["ours_gold"] / c["ours"] if c["ours"] else 0.0,
            },
        }

    parts = {part: summary(part) for part in PARTS}
    return {
        "dataset": "GeoWebNews",
        "path": str(path),
        "articles": len(articles),
        "rows": parts["all"]["rows"],
        "recognition": parts["all"]["recognition"],
        "parts": parts,
        "seconds": round(time.perf_counter() - started, 1),
        **({"toponyms": listing} if details else {}),
    }


def format_table(result: dict) -> str:
    """The result as a plain-text table: resolution and recognition for each part."""
    header = (f"{'GeoWebNews resolution':<42} {'n':>5} {'answered':>8} {'<=25km':>7} {'<=161km':>8} "
              f"{'median km':>10} {'answers <=161km':>16}")
    lines = [f"{result['dataset']}: {result['articles']} articles, {result['seconds']} s"]
    for part, summary in result.get("parts", {"all": result}).items():
        lines += ["", f"[{part}: {summary.get('articles', result['articles'])} articles]", header, "-" * len(header)]
        for row in summary["rows"]:
            lines.append(f"{row['name']:<42} {row['n']:>5} {row['answered']:>8} {row['within_25km']:>7.1%} "
                         f"{row['within_161km']:>8.1%} {row['median_km']:>10.1f} {row['answered_within_161km']:>16.1%}")
        rec = summary["recognition"]
        lines += [f"recognition (our NER + geocoder, gold nouns): found {rec['found']}/{rec['gold_nouns']} "
                  f"= {rec['recall']:.1%}; found and within 161 km: {rec['found_within_161km']} "
                  f"= {rec['end_to_end_within_161km']:.1%} of gold, within 25 km: "
                  f"{rec.get('found_within_25km', 0)} = {rec.get('end_to_end_within_25km', 0):.1%}",
                  f"our placed entities: {rec['our_places']}, of which {rec['our_places_gold']} "
                  f"({rec['precision']:.1%}) overlap a gold toponym"]
    return "\n".join(lines)


def format_errors(result: dict) -> str:
    """The development articles' errors (`evaluate(details=True)`): gold toponyms placed more than
    161 km away or not at all, gold nouns our NER did not place, and places of ours on no gold
    toponym. The held-out fifth is never listed."""
    listing = result.get("toponyms")
    if listing is None:
        return "no listing: evaluate with details=True (`chronicle eval geowebnews --errors` does)"
    far = [t for t in listing if "error_km" in t and (t["error_km"] is None or t["error_km"] > 161.0)]
    missed = [t for t in listing if "missed" in t]
    spurious = [t for t in listing if "spurious" in t]

    def context(t: dict) -> str:
        return " ".join(t["context"].split())

    lines = [f"gold toponyms placed more than 161 km away or not at all ({len(far)}, development articles): "
             "article, toponym (GeoWebNews type, our label) → our place, error — then the text around it"]
    for t in far:
        place = t["place"]
        where = f"{place['name']}, {place.get('country') or '-'}" if place else "nothing"
        km = "unresolved" if t["error_km"] is None else f"{t['error_km']:,.0f} km"
        lines.append(f"  {t['article']}  {t['text']} ({t['type']}, {t['label']}) → {where}, {km}\n      {context(t)}")
    lines += ["", f"gold noun toponyms our NER did not place ({len(missed)}): article, toponym (type) | our entities "
              "there — then the text around it"]
    for t in missed:
        ours = ", ".join(f"{text} {label}" for text, label in t["ours"]) or "none"
        lines.append(f"  {t['article']}  {t['missed']} ({t['type']}) | {ours}\n      {context(t)}")
    lines += ["", f"our places on no gold toponym ({len(spurious)}): article, entity (label) → our place — then "
              "the text around it"]
    for t in spurious:
        lines.append(f"  {t['article']}  {t['spurious']} ({t['label']}) → {t['place']['name']}\n      {context(t)}")
    return "\n".join(lines)
