"""Event coding measured on WikiEvents (Li et al. 2021, MIT): full news articles with gold KAIROS
event mentions (type, trigger, arguments).

KAIROS types are read as PLOVER types where one is plainly the other:
  Conflict.Attack.*            → ASSAULT      Contact.ThreatenCoerce.* → THREATEN
  Conflict.Demonstrate.*       → PROTEST      Contact.RequestCommand.* → REQUEST
  Justice.ArrestJailDetain.*   → COERCE       Contact.Contact.Meet     → CONSULT
  Movement.Transportation.*    → MOBILIZE, only when an armed agent moves: a Transporter or
                                  PassengerArtifact argument names armed forces (MILITARY_WORDS:
                                  army, troops, soldiers, forces, militia, fighters …; the gold
                                  argument text is a head word such as "army")
Every other KAIROS type (Contact.Contact.Broadcast, Justice.ChargeIndict, Life.Die …) is not gold:
KAIROS does not annotate all that PLOVER codes, nor the other way round.

Scored types are the PLOVER types some KAIROS type maps to (above). Our events of any other type
(AGREE, ACCUSE, SANCTION …) are counted by type and reported apart, never as false events: this
gold cannot say whether they are right.

Articles are rebuilt from the gold sentences at their gold character offsets (the gold `text` field
lost its line breaks), cleaned and analysed as one document each; gold trigger offsets are carried
into the cleaned text by aligning the words of the two texts. A trigger whose words cleaning
dropped stays gold and cannot be found.

Metrics:
- document-level type: per article, the set of mapped gold types vs the set of our scored types;
  micro P/R/F1 over (article, type).
- event mentions: an event of ours *covers* a gold mention when it has the mapped type and its
  evidence sentence contains the trigger's first character. Mention recall = covered gold mentions /
  gold mentions. One event may cover two mentions of its type in one sentence ("attack … blast"),
  as we report one event per sentence and type.
- sentence recall: the same over distinct (gold sentence, type) pairs, since we report one event
  per sentence and type while KAIROS annotates every trigger ("the bombing … the blast").
- false events per gold mention: our scored events that cover no gold mention of their type, over
  the number of gold mentions. Also given without ASSAULT events in a sentence holding a gold
  Life.Die or Life.Injure: PLOVER codes a killing as an assault, KAIROS as a death, so those are a
  disagreement of schemes rather than plain errors.
- Life.Die / Life.Injure are consequences, not events: we report how many of their mentions lie in a
  sentence with one of our ASSAULT events, and how many of our ASSAULT events carry a count.
The gold is read, never tuned on.
"""

from __future__ import annotations

import bisect
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path

from ..record import Document, Event
from .scoring import gold_path, PRF, analyse_texts, compare, model_card, per_label, ratio

_RELATIVE = Path("shared") / "eval" / "wikievents" / "dev.jsonl"
KAIROS_TO_PLOVER = (  # (KAIROS type prefix, PLOVER type), first match wins
    ("Conflict.Attack.", "ASSAULT"),
    ("Conflict.Demonstrate.", "PROTEST"),
    ("Justice.ArrestJailDetain.", "COERCE"),
    ("Contact.ThreatenCoerce.", "THREATEN"),
    ("Contact.RequestCommand.", "REQUEST"),
    ("Contact.Contact.Meet", "CONSULT"),
)
TRANSPORT = "Movement.Transportation."
SCORED_TYPES = frozenset({t for _, t in KAIROS_TO_PLOVER} | {"MOBILIZE"})
CONSEQUENCES = ("Life.Die.", "Life.Injure.")
MILITARY_WORDS = re.compile(
    r"\b(armies|army|troops?|soldiers?|forces?|military|militar(?:y|ies)|navy|navies|marines?|"
    r"militias?|militiam[ae]n|fighters?|battalions?|brigades?|regiments?|divisions?|platoons?|"
    r"paratroopers?|peacekeepers?|warships?|tanks?|gunboats?|servicem[ae]n|guards?men)\b", re.I)
_MOVERS = {"Transporter", "PassengerArtifact"}


@dataclass
class GoldMention:
    id: str
    kairos: str
    plover: str | None
    trigger: str
    start: int | None  # character offset of the trigger in the article text; None if cleaning dropped it
    sentence: int | None = None  # index of the gold sentence


@dataclass
class Article:
    id: str
    text: str
    mentions: list[GoldMention] = field(default_factory=list)


def default_path() -> Path:
    """dev.jsonl in the shared/ folder beside the repository (or beside the working directory)."""
    return gold_path(_RELATIVE)


def plover_type(kairos: str, arguments: list[dict] = ()) -> str | None:
    """The PLOVER type a KAIROS mention counts as, or None when it is not scored."""
    for prefix, plover in KAIROS_TO_PLOVER:
        if kairos.startswith(prefix):
            return plover
    if kairos.startswith(TRANSPORT) and any(
            a.get("role") in _MOVERS and MILITARY_WORDS.search(a.get("text", "")) for a in arguments):
        return "MOBILIZE"
    return None


def _article_text(sentences: list) -> str:
    """The article with each gold sentence at its gold offset. The gaps held line breaks or
    spaces that the gold lost: a one-character gap after a sentence-final mark is a space, any
    other gap is filled with line breaks (a headline, a caption, a paragraph end)."""
    parts, pos = [], 0
    for tokens, sentence in sentences:
        start = tokens[0][1]
        gap = start - pos
        if parts and gap > 0:
            parts.append(" " if gap == 1 and parts[-1].rstrip()[-1:] in ".!?\"”’)" else "\n" * gap)
        parts.append(sentence)
        pos = start + len(sentence)
    return "".join(parts)


def read_articles(path: Path) -> list[Article]:
    articles = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        token_start = [start for tokens, _ in raw["sentences"] for _, start, _ in tokens]
        article = Article(id=raw["doc_id"], text=_article_text(raw["sentences"]))
        for m in raw["event_mentions"]:
            trig = m["trigger"]
            article.mentions.append(GoldMention(
                id=m["id"], kairos=m["event_type"], plover=plover_type(m["event_type"], m.get("arguments", [])),
                trigger=trig["text"], start=token_start[trig["start"]], sentence=trig.get("sent_idx")))
        articles.append(article)
    return articles


_WORD = re.compile(r"\S+")


def offset_map(raw: str, cleaned: str):
    """A function taking a character offset in `raw` to the same character in `cleaned`, or None
    when cleaning dropped or rewrote the word it falls in. Words are aligned, not characters:
    cleaning mostly changes whitespace and drops whole lines."""
    a = [(m.start(), m.group()) for m in _WORD.finditer(raw)]
    b = [(m.start(), m.group()) for m in _WORD.finditer(cleaned)]
    matcher = SequenceMatcher(None, [w for _, w in a], [w for _, w in b], autojunk=False)
    word_to = {}
    for i, j, n in matcher.get_matching_blocks():
        for k in range(n):
            word_to[i + k] = j + k
    starts = [s for s, _ in a]

    def to_cleaned(offset: int) -> int | None:
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0 or offset >= starts[i] + len(a[i][1]) or i not in word_to:
            return None
        return b[word_to[i]][0] + (offset - starts[i])

    return to_cleaned


def _covers(event: Event, offset: int | None) -> bool:
    return offset is not None and event.evidence.start <= offset < event.evidence.end


def score(items: list[tuple[Article, list[Event]]]) -> dict:
    """All metrics for (article, our events) pairs, the mention offsets pointing into the text the
    events' evidence offsets point into."""
    doc_gold, doc_pred = set(), set()
    mention_hits: dict[str, PRF] = {}
    sentence_hits: dict[tuple, bool] = {}  # (article, gold sentence, type) → covered
    false_by_type, unscored, unmatched_context = Counter(), Counter(), Counter()
    pred_sentences: dict[tuple, bool] = {}  # (article, our evidence sentence, type) → right
    false_events = false_not_killing = gold_n = lost = 0
    missed: list[dict] = []  # gold mentions no event of ours covers
    false_listed: list[dict] = []  # our events of scored types that cover no gold mention
    consequences = consequences_with_assault = assaults = assaults_with_count = 0
    for article, events in items:
        gold = [m for m in article.mentions if m.plover]
        gold_n += len(gold)
        lost += sum(m.start is None for m in gold)
        doc_gold |= {(article.id, m.plover) for m in gold}
        scored = [e for e in events if e.type in SCORED_TYPES]
        doc_pred |= {(article.id, e.type) for e in scored}
        unscored.update(e.type for e in events if e.type not in SCORED_TYPES)
        for m in gold:
            hit = any(e.type == m.plover and _covers(e, m.start) for e in scored)
            mention_hits[m.plover] = mention_hits.get(m.plover, PRF()) + PRF(tp=int(hit), fn=int(not hit))
            if not hit:
                missed.append({"article": article.id, "type": m.plover, "kairos": m.kairos, "trigger": m.trigger,
                               "text": _around(article.text, m.start),
                               "ours": sorted({e.type for e in events if _covers(e, m.start)})})
            key = (article.id, m.id if m.sentence is None else m.sentence, m.plover)
            sentence_hits[key] = sentence_hits.get(key, False) or hit
        for key in {(e.evidence.start, e.type) for e in scored}:
            pred_sentences[(article.id, *key)] = any(
                m.plover == key[1] and _covers(e, m.start) for m in gold for e in scored
                if (e.evidence.start, e.type) == key)
        for e in scored:
            if any(m.plover == e.type and _covers(e, m.start) for m in gold):
                continue
            false_events += 1
            false_by_type[e.type] += 1
            inside = sorted({m.kairos for m in article.mentions if _covers(e, m.start)})
            false_listed.append({"article": article.id, "type": e.type, "mention_of": e.mention_of,
                                 "text": e.evidence.text, "gold_in_sentence": inside})
            unmatched_context[(e.type, ", ".join(inside) or "(no gold event)")] += 1
            killing = e.type == "ASSAULT" and any(m.kairos.startswith(CONSEQUENCES) for m in article.mentions
                                                  if _covers(e, m.start))
            false_not_killing += not killing
        for m in article.mentions:
            if m.kairos.startswith(CONSEQUENCES):
                consequences += 1
                consequences_with_assault += any(e.type == "ASSAULT" and _covers(e, m.start) for e in events)
        for e in events:
            if e.type == "ASSAULT":
                assaults += 1
                assaults_with_count += e.quantity is not None

    doc_table = per_label(doc_gold, doc_pred, label=lambda item: item[1])
    predicted_scored = Counter()
    for _, events in items:
        predicted_scored.update(e.type for e in events if e.type in SCORED_TYPES)
    recalled = sum(row.tp for row in mention_hits.values())
    per_type = []
    for t in sorted(SCORED_TYPES):
        hits, doc = mention_hits.get(t, PRF()), doc_table.get(t, PRF())
        per_type.append({"type": t, "gold_mentions": hits.support, "mention_recall": hits.recall,
                         "predicted_events": predicted_scored[t], "false_events": false_by_type[t],
                         "doc_gold": doc.support, "doc_predicted": doc.predicted, "doc_f1": doc.f1})
    return {
        "articles": len(items),
        "gold_mentions": gold_n,
        "gold_mentions_lost_in_cleaning": lost,
        "document_type": compare(doc_gold, doc_pred).as_dict(),
        "mention_recall": ratio(recalled, gold_n),
        "gold_sentences": len(sentence_hits),
        "sentence_recall": ratio(sum(sentence_hits.values()), len(sentence_hits)),
        # our (sentence, type) pairs that hold a gold mention of the type, over all our pairs
        "sentence_precision": ratio(sum(pred_sentences.values()), len(pred_sentences)),
        "sentence_f1": _f1(ratio(sum(pred_sentences.values()), len(pred_sentences)),
                           ratio(sum(sentence_hits.values()), len(sentence_hits))),
        "predicted_scored_events": sum(predicted_scored.values()),
        "false_events": false_events,
        "false_events_per_gold": ratio(false_events, gold_n),
        "false_events_per_gold_killings_as_assault": ratio(false_not_killing, gold_n),
        "per_type": per_type,
        "unscored_predictions": dict(unscored.most_common()),
        "unmatched_in_sentence_with": [{"predicted": p, "gold_in_sentence": g, "count": n}
                                       for (p, g), n in unmatched_context.most_common(10)],
        "missed": missed,
        "false": false_listed,
        "consequences": {"gold_die_injure_mentions": consequences,
                         "in_sentence_with_our_assault": consequences_with_assault,
                         "assault_events": assaults, "assault_events_with_count": assaults_with_count},
    }


def _around(text: str, offset: int | None, width: int = 240) -> str:
    """The line of `text` holding `offset`, cut to about `width` characters around it ("" when
    cleaning dropped the word)."""
    if offset is None:
        return ""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    start = max(start, offset - width // 2)
    end = min(end, max(offset + width // 2, start + width))
    return ("…" if start > 0 and text[start - 1] != "\n" else "") + text[start:end].strip() + \
        ("…" if end < len(text) and text[end] != "\n" else "")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(path: Path | str | None = None, limit: int | None = None, batch_size: int = 8) -> dict:
    """Run Chronicle on the first `limit` articles (all by default) and score it."""
    started = time.perf_counter()
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        raise FileNotFoundError(f"WikiEvents gold not found at {path}: put the shared/ folder beside the repository")
    articles = read_articles(path)[:limit]
    docs: list[Document] = analyse_texts([(a.id, a.text, None) for a in articles], batch_size=batch_size)
    items = []
    for article, doc in zip(articles, docs):
        to_cleaned = offset_map(article.text, doc.text)
        moved = [replace(m, start=None if m.start is None else to_cleaned(m.start)) for m in article.mentions]
        items.append((replace(article, text=doc.text, mentions=moved), list(doc.events)))
    return {
        "dataset": "WikiEvents dev",
        "path": str(path),
        "items": len(articles),
        **score(items),
        "config": {"scored_types": " ".join(sorted(SCORED_TYPES)), "batch_size": batch_size, **model_card()},
        "seconds": round(time.perf_counter() - started, 1),
    }


def format_table(result: dict) -> str:
    """The result as a plain-text report."""
    d, c = result["document_type"], result["consequences"]
    cfg = ", ".join(f"{k}={v}" for k, v in result["config"].items())
    lines = [
        f"{result['dataset']}: {result['items']} articles, {result['gold_mentions']} gold mentions of scored "
        f"types ({result['gold_mentions_lost_in_cleaning']} lost in cleaning), {result['seconds']} s",
        f"config: {cfg}",
        "",
        f"document-level type (micro): P {d['precision']:.3f}  R {d['recall']:.3f}  F1 {d['f1']:.3f}  "
        f"(tp {d['tp']}, fp {d['fp']}, fn {d['fn']})",
        f"mention recall (an event of the type in the trigger's sentence): {result['mention_recall']:.3f}; "
        f"over the {result['gold_sentences']} gold (sentence, type) pairs: {result['sentence_recall']:.3f}",
        f"sentence level (our sentence and type vs the gold's): P {result['sentence_precision']:.3f}  "
        f"R {result['sentence_recall']:.3f}  F1 {result['sentence_f1']:.3f}",
        f"our events of scored types: {result['predicted_scored_events']}; covering no gold mention: "
        f"{result['false_events']}",
        f"false events per gold mention: {result['false_events_per_gold']:.2f}  "
        f"(not counting ASSAULT on a gold Life.Die/Injure sentence: "
        f"{result['false_events_per_gold_killings_as_assault']:.2f})",
        "",
        f"{'type':<10} {'gold':>5} {'recall':>7} {'pred':>5} {'false':>6} {'docs gold':>10} {'docs pred':>10} {'doc F1':>7}",
    ]
    for row in result["per_type"]:
        lines.append(f"{row['type']:<10} {row['gold_mentions']:>5} {row['mention_recall']:>7.3f} "
                     f"{row['predicted_events']:>5} {row['false_events']:>6} {row['doc_gold']:>10} "
                     f"{row['doc_predicted']:>10} {row['doc_f1']:>7.3f}")
    lines += ["", "our unmatched events, by the gold KAIROS events in their sentence:"]
    lines += [f"  {u['count']:>3}  {u['predicted']} <- {u['gold_in_sentence']}" for u in result["unmatched_in_sentence_with"]]
    unscored = ", ".join(f"{t} {n}" for t, n in result["unscored_predictions"].items()) or "none"
    lines += ["", f"events of types this gold cannot score (not counted): {unscored}",
              f"Life.Die/Life.Injure mentions in a sentence with our ASSAULT: {c['in_sentence_with_our_assault']}"
              f"/{c['gold_die_injure_mentions']}; our ASSAULT events carrying a count: "
              f"{c['assault_events_with_count']}/{c['assault_events']}"]
    return "\n".join(lines)


def format_errors(result: dict) -> str:
    """Every gold mention missed and every false event, with its sentence (this is development
    gold: reading its errors says what goes wrong; no rule is written for one of them)."""
    lines = [f"gold mentions missed ({len(result['missed'])}): article, type [trigger] KAIROS type; our types "
             "there — then the text around the trigger"]
    for m in result["missed"]:
        ours = ", ".join(m["ours"]) or "nothing"
        lines.append(f"  {m['article']}  {m['type']} [{m['trigger']}] {m['kairos']}; ours: {ours}\n      {m['text']}")
    lines += ["", f"our events covering no gold mention ({len(result['false'])}): article, type ((mention): of an "
              "earlier event) | the gold KAIROS events in its sentence — then the sentence"]
    for f in result["false"]:
        told = " (mention)" if f["mention_of"] else ""
        gold = ", ".join(f["gold_in_sentence"]) or "no gold event"
        lines.append(f"  {f['article']}  {f['type']}{told} | {gold}\n      {' '.join(f['text'].split())}")
    return "\n".join(lines)
