"""Event coding measured on the PLOVER gold-standard records (openeventdata/PLOVER, CC BY-SA 4.0):
321 edited CAMEO-manual sentences, each with one PLOVER event, its source and target actors.

Each gold sentence is run through Chronicle as a one-sentence document (clean → analyse). Every
event we find in it is a prediction for that sentence.

Gold types are PLOVER draft 0.5; they are read as today's 16 types: DEMAND→REQUEST, FIGHT→ASSAULT,
DISAPPROVE→ACCUSE. INVESTIGATE is mapped to ACCUSE by default, because current PLOVER (CAMEO2PLOVER
2021, the NGEC codebook) codes investigations as ACCUSE with mode `investigate`; the result also
gives the headline numbers with INVESTIGATE→COERCE and with those sentences dropped.

Gold actor codes are mostly ISO alpha-3 country codes; a few are legacy CAMEO codes for a country
(JAP, ITL, VTN, read as JPN, ITA, VNM) and some are not countries at all (IGO, NGO, IMG, ISM). A code
is "country-like" when it is an ISO 3166 alpha-3 code (or XKX, Kosovo) after that reading.

Metrics (items are decided once; our pipeline reports at most one event per sentence and type):
- type: gold items are (sentence, gold type), predicted items (sentence, type of each of our
  events); micro P/R/F1, per-type table, macro F1 over the types seen in gold or predictions.
- top-1 accuracy: the type of our most confident event in the sentence is the gold type (a sentence
  where we find nothing counts as wrong).
- type+source: over sentences with at least one country-like gold source; gold items are
  (sentence, type, code) for every such source, predicted items (sentence, type, source country or
  None) for every event of ours — an event without a coded source is a wrong claim here. A sentence
  whose gold has two source countries ("Hungarian and Romanian officials agreed") needs two events to
  reach full recall, which our one-event-per-sentence-and-type output cannot give.
- type+source+target: the same with (type, source, target), over sentences whose gold has both a
  country-like source and a country-like target.
- false events per gold event: our events whose type is not the sentence's gold type, divided by the
  number of gold events.
- calibration: of our events at confidence ≥ 0.8 (and in bands below and above), the share whose
  type is the sentence's gold type — what the record's `confidence` promises (≥ ~80% at ≥ 0.8).
- actor country, over gold source actors with a country-like code (one per code and sentence):
  `right_type` — one of our events of the gold type has that source country; `any_event` — one of
  our events in the sentence has it as source or target; `any_entity` — our actor coder gave it to
  some entity of the sentence (independent of event extraction). IGO sources are counted apart: hit
  when our event of the gold type has an IGO source.

`chronicle eval plover-gsr --errors` lists every sentence whose types are not exactly the gold's,
then every sentence whose gold type we found without the gold's source country, or with it but
without the gold's target country (what type+source and type+source+target count as missed), with
what was missed and the actors we gave.

Gold dates are a placeholder (2000-01-01) and are passed as the publication date only so that
relative dates resolve; dates are not scored. Draft 0.5 modes differ from today's and are not scored.
The gold is read, never tuned on.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from ..record import Document, Event
from .scoring import (gold_path, NOTHING, analyse_texts, compare, confusions, macro_f1, model_card,
                      per_label, ratio)

_RELATIVE = Path("shared") / "eval" / "plover_gsr" / "PLOVER_GSR_CAMEO.txt"
DRAFT05_TO_CURRENT = {"DEMAND": "REQUEST", "FIGHT": "ASSAULT", "DISAPPROVE": "ACCUSE"}
INVESTIGATE_CHOICES = ("ACCUSE", "COERCE", "drop")
PLOVER_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
                "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")
# Legacy CAMEO country codes met in the gold, and the ISO code they stand for.
CAMEO_COUNTRY_CODES = {"JAP": "JPN", "ITL": "ITA", "VTN": "VNM"}
_EXTRA_COUNTRY_CODES = {"XKX"}  # Kosovo: user-assigned, used by Chronicle's country table


@dataclass
class GoldActor:
    text: str
    code: str
    sector: str | None = None

    @property
    def country(self) -> str | None:
        return country_code(self.code)


@dataclass
class GoldSentence:
    id: str
    text: str
    event: str  # as written in the gold (draft 0.5 name)
    date: str | None = None
    sources: list[GoldActor] = field(default_factory=list)
    targets: list[GoldActor] = field(default_factory=list)


def default_path() -> Path:
    """PLOVER_GSR_CAMEO.txt in the shared/ folder beside the repository (or the working directory)."""
    return gold_path(_RELATIVE)


def country_code(code: str | None) -> str | None:
    """The ISO alpha-3 country a gold actor code stands for, or None for IGO, NGO and the like."""
    if not code:
        return None
    code = CAMEO_COUNTRY_CODES.get(code.upper(), code.upper())
    if code in _EXTRA_COUNTRY_CODES or pycountry.countries.get(alpha_3=code) is not None:
        return code
    return None


def gold_type(event: str, investigate: str = "ACCUSE") -> str | None:
    """Today's PLOVER type for a draft-0.5 gold event; None when the sentence is not scored."""
    if investigate not in INVESTIGATE_CHOICES:
        raise ValueError(f"investigate must be one of {', '.join(INVESTIGATE_CHOICES)}, not {investigate!r}")
    if event == "INVESTIGATE":
        return None if investigate == "drop" else investigate
    event = DRAFT05_TO_CURRENT.get(event, event)
    return event if event in PLOVER_TYPES else None


def _actors(value) -> list[GoldActor]:
    if not isinstance(value, list):  # a few records carry "" or a stray word instead of a list
        return []
    return [GoldActor(text=a.get("actorText", ""), code=a.get("code", ""), sector=a.get("sector"))
            for a in value if isinstance(a, dict) and a.get("code")]


def read_sentences(path: Path) -> list[GoldSentence]:
    """The gold records in file order, without the DOCUMENT header record."""
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    return [GoldSentence(id=r["id"], text=r["text"], event=r["event"], date=r.get("date"),
                         sources=_actors(r.get("source")), targets=_actors(r.get("target")))
            for r in records if r.get("event") != "DOCUMENT" and r.get("text")]


def _countries(actors: list[GoldActor]) -> list[str]:
    return list(dict.fromkeys(c for c in (a.country for a in actors) if c))


# Confidence bands for the calibration table (the record promises: of events at ≥ 0.8, at least
# ~80% right). An event is right when its type is the sentence's gold type.
CONFIDENCE_BANDS = ((0.0, 0.6), (0.6, 0.8), (0.8, 0.9), (0.9, 1.01))


def score(items: list[tuple[GoldSentence, list[Event], list[str]]], investigate: str = "ACCUSE") -> dict:
    """All metrics for (gold sentence, our events in it, countries our actor coder gave to the
    sentence's entities) triples. Sentences whose gold type maps to nothing are skipped."""
    gold_types: dict[str, set] = {}
    pred_types: dict[str, set] = {}
    top1 = empty = false_events = 0
    src_gold, src_pred, pair_gold, pair_pred = set(), set(), set(), set()
    actor = Counter()
    scored = [(s, events, ents, t) for s, events, ents in items if (t := gold_type(s.event, investigate))]
    for sent, events, entity_countries, gtype in scored:
        gold_types[sent.id] = {gtype}
        pred_types[sent.id] = {e.type for e in events}
        false_events += sum(e.type != gtype for e in events)
        if not events:
            empty += 1
        elif max(events, key=lambda e: e.confidence).type == gtype:
            top1 += 1
        sources, targets = _countries(sent.sources), _countries(sent.targets)
        if sources:
            src_gold |= {(sent.id, gtype, c) for c in sources}
            src_pred |= {(sent.id, e.type, e.source.country if e.source else None) for e in events}
        if sources and targets:
            pair_gold |= {(sent.id, gtype, s, t) for s in sources for t in targets}
            pair_pred |= {(sent.id, e.type, e.source.country if e.source else None,
                           e.target.country if e.target else None) for e in events}
        for code in sources:
            actor["n"] += 1
            actor["right_type"] += any(e.type == gtype and e.source and e.source.country == code for e in events)
            actor["any_event"] += any(code in ((e.source and e.source.country), (e.target and e.target.country))
                                      for e in events)
            actor["any_entity"] += code in entity_countries
        if any(a.code.upper() == "IGO" for a in sent.sources):
            actor["igo_n"] += 1
            actor["igo_right_type"] += any(e.type == gtype and e.source and e.source.kind == "igo" for e in events)

    gold_items = {(k, t) for k, ts in gold_types.items() for t in ts}
    pred_items = {(k, t) for k, ts in pred_types.items() for t in ts}
    by_type = per_label(gold_items, pred_items, label=lambda item: item[1])
    # calibration: how often an event of a given confidence has the sentence's gold type
    bands = []
    for lo, hi in CONFIDENCE_BANDS:
        inside = [e.type == gtype for _, events, _, gtype in scored for e in events
                  if lo <= e.confidence < hi]
        bands.append({"from": lo, "to": min(hi, 1.0), "events": len(inside),
                      "right": ratio(sum(inside), len(inside))})
    confident = [e.type == gtype for _, events, _, gtype in scored for e in events if e.confidence >= 0.8]
    n = len(scored)
    return {
        "investigate": investigate,
        "sentences": n,
        "sentences_without_event": empty,
        "type": compare(gold_items, pred_items).as_dict(),
        "macro_f1": macro_f1(by_type),
        "top1_accuracy": ratio(top1, n),
        "false_events_per_gold": ratio(false_events, n),
        "predicted_events": sum(len(events) for _, events, _, _ in scored),
        "type_source": {**compare(src_gold, src_pred).as_dict(),
                        "sentences": len({k for k, _, _ in src_gold})},
        "type_source_target": {**compare(pair_gold, pair_pred).as_dict(),
                               "sentences": len({k for k, *_ in pair_gold})},
        "actor_country": {
            "gold_actors": actor["n"],
            "right_type": ratio(actor["right_type"], actor["n"]),
            "any_event": ratio(actor["any_event"], actor["n"]),
            "any_entity": ratio(actor["any_entity"], actor["n"]),
            "igo_sentences": actor["igo_n"],
            "igo_right_type": ratio(actor["igo_right_type"], actor["igo_n"]),
        },
        "calibration": {"bands": bands, "at_least_0_8": {"events": len(confident),
                                                          "right": ratio(sum(confident), len(confident))}},
        "per_type": [{"type": t, "support": row.support, "predicted": row.predicted, **row.as_dict()}
                     for t, row in by_type.items()],
        "confusions": [{"gold": g, "predicted": p, "count": c}
                       for g, p, c in confusions(gold_types, pred_types, top=10)],
        # every sentence whose types are not exactly the gold's
        "wrong": [{"id": sent.id, "gold": gtype, "ours": sorted(pred_types[sent.id]), "text": sent.text}
                  for sent, _, _, gtype in scored if pred_types[sent.id] != {gtype}],
        # every sentence with the gold type found whose source, or source and target, were not
        "wrong_actors": [row for sent, events, _, gtype in scored
                         if (row := _wrong_actors(sent, [e for e in events if e.type == gtype]))],
    }


def _actor_view(actor) -> dict | None:
    return None if actor is None else {"text": actor.text, "country": actor.country}


def _wrong_actors(sent: GoldSentence, events: list[Event]) -> dict | None:
    """How our events of the gold type miss the gold's source or target country, or None when
    one of them has a gold source (and, where the gold has both, a gold source and target) — the
    sentences that type + source and type + source + target count as missed. What is missed:
    `source` (no country given), `source wrong` (another country), else the target's `target none`,
    `target: the source's country` (ours is the doer's own country, the gold's another), `target
    wrong`."""
    sources, targets = _countries(sent.sources), _countries(sent.targets)
    if not events or not sources:
        return None
    right_source = [e for e in events if e.source and e.source.country in sources]
    if right_source and (not targets or any(e.target and e.target.country in targets for e in right_source)):
        return None
    if not right_source:
        miss = "source wrong" if any(e.source and e.source.country for e in events) else "source"
    else:
        ours = {e.target.country for e in right_source if e.target and e.target.country}
        miss = "target none" if not ours else (
            "target: the source's country" if ours & set(sources) else "target wrong")
    return {"id": sent.id, "miss": miss, "gold_sources": sources, "gold_targets": targets,
            "ours": [{"source": _actor_view(e.source), "target": _actor_view(e.target)} for e in events],
            "text": sent.text}


def _headline(result: dict) -> dict:
    return {"sentences": result["sentences"], "type_f1": result["type"]["f1"], "macro_f1": result["macro_f1"],
            "top1_accuracy": result["top1_accuracy"], "false_events_per_gold": result["false_events_per_gold"]}


def evaluate(path: Path | str | None = None, limit: int | None = None, investigate: str = "ACCUSE",
             batch_size: int = 64) -> dict:
    """Run Chronicle on the first `limit` gold sentences (all by default) and score it."""
    started = time.perf_counter()
    gold_type("AGREE", investigate)  # reject a bad choice before the slow part
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        raise FileNotFoundError(f"PLOVER GSR gold not found at {path}: put the shared/ folder beside the repository")
    sentences = read_sentences(path)[:limit]
    docs: list[Document] = analyse_texts([(s.id, s.text, s.date) for s in sentences], batch_size=batch_size)
    items = [(s, list(d.events), {e.actor.country for e in d.entities if e.actor and e.actor.country})
             for s, d in zip(sentences, docs)]
    result = score(items, investigate)
    result["investigate_variants"] = {choice: _headline(score(items, choice)) for choice in INVESTIGATE_CHOICES}
    return {
        "dataset": "PLOVER GSR",
        "path": str(path),
        "items": len(sentences),
        **result,
        "config": {"investigate": investigate, "draft05_mapping": DRAFT05_TO_CURRENT,
                   "batch_size": batch_size, **model_card()},
        "seconds": round(time.perf_counter() - started, 1),
    }


def _confusion(gold: str, predicted: str) -> str:
    if gold == NOTHING:
        return f"extra {predicted} beside the right type"
    if predicted == NOTHING:
        return f"{gold} missed, no other event"
    return f"{gold} -> {predicted}"


def _calibration_line(cal: dict) -> str:
    top = cal["at_least_0_8"]
    bands = "; ".join(f"{b['from']:.1f}–{b['to']:.1f}: {b['right']:.0%} of {b['events']}" for b in cal["bands"])
    return (f"confidence: of our {top['events']} events at ≥ 0.8, {top['right']:.1%} have the gold type "
            f"(by band, {bands})")


def format_table(result: dict) -> str:
    """The result as a plain-text report."""
    t, ts, tst, ac = result["type"], result["type_source"], result["type_source_target"], result["actor_country"]
    cfg = ", ".join(f"{k}={v}" for k, v in result["config"].items() if k != "draft05_mapping")
    lines = [
        f"{result['dataset']}: {result['items']} sentences ({result['sentences']} scored, "
        f"INVESTIGATE->{result['investigate']}), {result['seconds']} s",
        f"config: {cfg}",
        "",
        f"{'metric':<36} {'P':>6} {'R':>6} {'F1':>6}  n",
        f"{'event type (micro)':<36} {t['precision']:>6.3f} {t['recall']:>6.3f} {t['f1']:>6.3f}  "
        f"{result['sentences']} sentences",
        f"{'type + source country':<36} {ts['precision']:>6.3f} {ts['recall']:>6.3f} {ts['f1']:>6.3f}  "
        f"{ts['sentences']} sentences",
        f"{'type + source + target country':<36} {tst['precision']:>6.3f} {tst['recall']:>6.3f} "
        f"{tst['f1']:>6.3f}  {tst['sentences']} sentences",
        "",
        f"macro F1 over types: {result['macro_f1']:.3f}    top-1 accuracy: {result['top1_accuracy']:.3f}    "
        f"false events per gold event: {result['false_events_per_gold']:.2f}",
        f"events predicted: {result['predicted_events']}; sentences with no event: "
        f"{result['sentences_without_event']}",
        f"source-actor country ({ac['gold_actors']} gold actors): on an event of the gold type "
        f"{ac['right_type']:.1%}; on any event {ac['any_event']:.1%}; on any coded entity {ac['any_entity']:.1%}",
        f"IGO source ({ac['igo_sentences']} sentences): IGO source on an event of the gold type {ac['igo_right_type']:.1%}",
        _calibration_line(result["calibration"]),
        "",
        f"{'type':<10} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}",
    ]
    for row in result["per_type"]:
        lines.append(f"{row['type']:<10} {row['support']:>5} {row['predicted']:>5} {row['precision']:>6.3f} "
                     f"{row['recall']:>6.3f} {row['f1']:>6.3f}")
    lines += ["", "top confusions (sentences):"]
    lines += [f"  {c['count']:>3}  {_confusion(c['gold'], c['predicted'])}" for c in result["confusions"]]
    if "investigate_variants" in result:
        lines += ["", "INVESTIGATE mapped to:   sentences  type F1  macro F1  top-1  false/gold"]
        for choice, h in result["investigate_variants"].items():
            lines.append(f"  {choice:<22} {h['sentences']:>9} {h['type_f1']:>8.3f} {h['macro_f1']:>9.3f} "
                         f"{h['top1_accuracy']:>6.3f} {h['false_events_per_gold']:>10.2f}")
    return "\n".join(lines)


def format_errors(result: dict) -> str:
    """Every sentence whose types are not exactly the gold's (development gold: reading its errors
    says what goes wrong; no rule is written for one of them)."""
    lines = [f"sentences not exactly right ({len(result['wrong'])}): gold → ours | text"]
    for w in result["wrong"]:
        lines.append(f"  {w['id']}  {w['gold']} → {', '.join(w['ours']) or 'no event'} | {' '.join(w['text'].split())}")
    wrong_actors = result.get("wrong_actors", [])
    kinds = Counter(w["miss"] for w in wrong_actors)
    lines += ["", f"gold type found, its source or target country not ({len(wrong_actors)}: "
              + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()) + "):",
              "  id  what is missed | gold source → target | ours (text COUNTRY → text COUNTRY) | text"]
    for w in sorted(wrong_actors, key=lambda w: (w["miss"], w["id"])):
        ours = "; ".join(f"{_actor_text(o['source'])} → {_actor_text(o['target'])}" for o in w["ours"])
        lines.append(f"  {w['id']}  {w['miss']} | {'/'.join(w['gold_sources'])} → "
                     f"{'/'.join(w['gold_targets']) or '-'} | {ours} | {' '.join(w['text'].split())}")
    return "\n".join(lines)


def _actor_text(actor: dict | None) -> str:
    if actor is None:
        return "none"
    return f"{actor['text']!r} {actor['country'] or '?'}"
