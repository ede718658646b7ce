"""Held-out splits of the training sources: real news the classifier never trained or was tuned on.

`chronicle eval plv` scores the PLV test sentences (`extract/sources.py` fixes the split by a hash
of each sentence id): one PLOVER type per sentence, the source and target spans marked.
`chronicle eval police` scores the test articles of the India Police Events set (split by
article): each article is analysed whole, and a sentence labelled ARREST counts as found when an
event of type COERCE has it as evidence, KILL or FORCE when an ASSAULT does. Those labels cover
police acts only, so an event in an unlabelled sentence is not necessarily false: the report
counts them and lists a fixed random sample for reading (`--json`).
`chronicle eval cameo` scores the test split of the ConfliBERT sentences coded with a CAMEO quad
class only (statement, verbal or material cooperation or conflict; `sources.read_cameo`). CAMEO's
statement class holds some acts that Chronicle codes by its conventions (docs/CODING.md): a claim
of responsibility is the attack claimed, a denial of charges an accusation, "called for reform" a
REQUEST. Its statement recall is therefore low by design; the act classes are the better read.

`python -m chronicle.evaluate.heldout plv --split train` scores PLV's training split the same way.
The classifier was trained on it, so its types say nothing; its sources and targets are the roles'
development set: the hand-written role rules (`extract/roles.py`) have learnt nothing from these
spans, and a role rule is read against the train split's errors, then kept only where it also
gains on another set (the test split, the GSR's type + source + target) and loses on none.
"""

from __future__ import annotations

import random
import time

from ..extract import sources
from .scoring import analyse_texts, compare, macro_f1, model_card, per_label, ratio

# events predicted per item beyond the gold type count as false, like the GSR scorer
PLV_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
             "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")


def _word(w: str) -> str:
    """A word as compared: lower case, without surrounding punctuation or a possessive ending
    ("Netanyahu's" is Netanyahu)."""
    w = w.strip(".,'\"").lower()
    return w[:-2] if w.endswith(("'s", "’s")) else w


def _overlaps(actor_text: str | None, span: str) -> bool:
    """Our actor's words and the marked span share a content word."""
    if not actor_text or not span:
        return False
    ours = {_word(w) for w in actor_text.split()}
    gold = {_word(w) for w in span.split()}
    ours -= {"the", "a", "an", "of", "'s", ""}
    return bool(ours & gold)


def evaluate_plv(limit: int | None = None, split: str = "test", batch_size: int = 64) -> dict:
    started = time.perf_counter()
    rows = [r for r in sources.read_plv() if r.split == split][:limit]
    docs = analyse_texts([(r.key, r.text, None) for r in rows], batch_size=batch_size)
    gold_items, pred_items = set(), set()
    false_events = empty = 0
    src_n = src_hit = tgt_n = tgt_hit = 0
    for r, d in zip(rows, docs):
        gold = r.types[0]
        gold_items.add((r.key, gold))
        events = list(d.events)
        pred_items |= {(r.key, e.type) for e in events}
        false_events += sum(e.type != gold for e in events)
        empty += not events
        right = [e for e in events if e.type == gold]
        if right:
            best = max(right, key=lambda e: e.confidence)
            if r.extra["source_span"]:
                src_n += 1
                src_hit += _overlaps(best.source and best.source.text, r.extra["source_span"])
            if r.extra["target_span"]:
                tgt_n += 1
                tgt_hit += _overlaps(best.target and best.target.text, r.extra["target_span"])
    by_type = per_label(gold_items, pred_items, label=lambda item: item[1])
    return {
        "dataset": {"test": "PLV held-out (test)", "train": "PLV train split (the classifier learnt from it)"}.get(
            split, f"PLV {split} split"),
        "items": len(rows),
        "type": compare(gold_items, pred_items).as_dict(),
        "macro_f1": macro_f1({t: row for t, row in by_type.items() if t in PLV_TYPES}),
        "false_events_per_gold": ratio(false_events, len(rows)),
        "sentences_without_event": empty,
        "source_overlap": ratio(src_hit, src_n), "source_scored": src_n,
        "target_overlap": ratio(tgt_hit, tgt_n), "target_scored": tgt_n,
        "per_type": [{"type": t, "support": row.support, "predicted": row.predicted, **row.as_dict()}
                     for t, row in sorted(by_type.items())],
        "config": model_card(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _label_table(rows: list[dict], key: str, width: int) -> list[str]:
    """The per-label lines of a report: label, gold and predicted counts, P, R, F1."""
    lines = [f"{key:<{width}} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}"]
    for row in rows:
        lines.append(f"{row[key]:<{width}} {row['support']:>5} {row['predicted']:>5} "
                     f"{row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f}")
    return lines


def format_plv(result: dict) -> str:
    t = result["type"]
    lines = [f"{result['dataset']}: {result['items']} sentences, {result['seconds']} s",
             f"type (micro) P {t['precision']:.3f} R {t['recall']:.3f} F1 {t['f1']:.3f}; "
             f"macro-F1 over types {result['macro_f1']:.3f}; false events per gold "
             f"{result['false_events_per_gold']:.2f}; sentences with no event "
             f"{result['sentences_without_event']}",
             f"on events of the gold type: source overlaps the marked source "
             f"{result['source_overlap']:.1%} of {result['source_scored']}, target "
             f"{result['target_overlap']:.1%} of {result['target_scored']}",
             ""] + _label_table(result["per_type"], "type", 10)
    return "\n".join(lines)


def _police_articles(split: str, limit: int | None):
    articles: dict[str, list] = {}
    for r in sources.read_police():
        if r.split == split:
            articles.setdefault(r.key, []).append(r)
    keys = sorted(articles, key=lambda k: int(k.split(":")[1]))[:limit]
    return [(k, sorted(articles[k], key=lambda r: r.extra["sent_id"])) for k in keys]


def evaluate_police(limit: int | None = None, split: str = "test", sample: int = 100,
                    batch_size: int = 16) -> dict:
    """Recall of the labelled police acts in the held-out articles, and what we find elsewhere."""
    started = time.perf_counter()
    articles = _police_articles(split, limit)
    texts, bounds = [], []
    for key, sents in articles:
        # one sentence a line: the article as the reader gives it, and each sentence's span
        text, spans = "", []
        for r in sents:
            spans.append((len(text), len(text) + len(r.text), r))
            text += r.text + "\n"
        texts.append((key, text, "2002-03-15"))
        bounds.append(spans)
    docs = analyse_texts(texts, batch_size=batch_size)
    want = {"ARREST": "COERCE", "KILL": "ASSAULT", "FORCE": "ASSAULT"}
    found = {lab: [0, 0] for lab in want}  # label → [found, labelled]
    unlabelled_events, labelled_sentences, sentences = [], 0, 0
    for spans, doc in zip(bounds, docs):
        for a, b, r in spans:
            sentences += 1
            here = [e for e in doc.events if a <= e.evidence.start < b + 1 or
                    (e.evidence.start <= a < e.evidence.end)]
            labels = r.extra["labels"]
            labelled_sentences += bool(labels)
            for lab, typ in want.items():
                if lab in labels:
                    found[lab][1] += 1
                    found[lab][0] += any(e.type == typ for e in here)
            if not labels:
                unlabelled_events += [(e.type, e.modality, round(e.confidence, 2), r.text) for e in here]
    rng = random.Random(13)
    kill_force = [found["KILL"][0] + found["FORCE"][0], found["KILL"][1] + found["FORCE"][1]]
    return {
        "dataset": f"India Police Events held-out ({split})",
        "articles": len(articles), "sentences": sentences, "labelled_sentences": labelled_sentences,
        "recall": {lab: {"found": f, "labelled": n, "recall": ratio(f, n)} for lab, (f, n) in found.items()},
        "recall_kill_or_force": ratio(*kill_force),
        "events_in_unlabelled_sentences": len(unlabelled_events),
        "events_per_unlabelled_sentence": ratio(len(unlabelled_events), sentences - labelled_sentences),
        "unlabelled_sample": rng.sample(unlabelled_events, min(sample, len(unlabelled_events))),
        "config": model_card(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def format_police(result: dict) -> str:
    rec = result["recall"]
    lines = [f"{result['dataset']}: {result['articles']} articles, {result['sentences']} sentences "
             f"({result['labelled_sentences']} with a police label), {result['seconds']} s"]
    for lab, typ in (("ARREST", "COERCE"), ("KILL", "ASSAULT"), ("FORCE", "ASSAULT")):
        r = rec[lab]
        lines.append(f"  {lab:<7} sentences read as {typ:<8} {r['recall']:.3f} ({r['found']} of {r['labelled']})")
    lines.append(f"  KILL or FORCE as ASSAULT        {result['recall_kill_or_force']:.3f}")
    lines.append(f"events in sentences with no police label: {result['events_in_unlabelled_sentences']} "
                 f"({result['events_per_unlabelled_sentence']:.3f} per sentence; a sample is in --json)")
    return "\n".join(lines)


def _quad_of(events, quads: dict[str, tuple[int, ...]]) -> int:
    """The quad class a sentence's events put it in: the first class (`sources.type_quads`, most
    frequent first) of the most confident event's type; 0 (statement, no act of a PLOVER type)
    when there is none."""
    if not events:
        return 0
    return (quads.get(max(events, key=lambda e: e.confidence).type) or (0,))[0]


def evaluate_cameo(limit: int | None = None, split: str = "test", batch_size: int = 64) -> dict:
    """The test split of the ConfliBERT quad-class sentences (`sources.read_cameo`): each sentence
    analysed alone and put in the class of its most confident event's type (`sources.type_quads`),
    in "statement" when it has none; macro-F1 over the five classes, and for the four classes of
    acts how often some event of the sentence is of a type in the gold class."""
    started = time.perf_counter()
    quads = sources.type_quads()
    rows = [r for r in sources.read_cameo() if r.split == split][:limit]
    docs = analyse_texts([(r.key, r.text, None) for r in rows], batch_size=batch_size)
    gold_items, pred_items = set(), set()
    acts = acts_hit = 0
    for r, d in zip(rows, docs):
        gold = r.extra["quad"]
        events = list(d.events)
        gold_items.add((r.key, sources.QUADS[gold]))
        pred_items.add((r.key, sources.QUADS[_quad_of(events, quads)]))
        if gold:
            acts += 1
            acts_hit += any(gold in quads.get(e.type, ()) for e in events)
    by_class = per_label(gold_items, pred_items, label=lambda item: item[1])
    right = len(gold_items & pred_items)
    return {
        "dataset": f"ConfliBERT CAMEO quad classes held-out ({split})",
        "items": len(rows),
        "macro_f1": macro_f1(by_class),
        "accuracy": ratio(right, len(rows)),
        "act_in_class": ratio(acts_hit, acts), "act_sentences": acts,
        "per_class": [{"class": c, "support": row.support, "predicted": row.predicted, **row.as_dict()}
                      for c, row in sorted(by_class.items(), key=lambda kv: sources.QUADS.index(kv[0]))],
        "type_quads": quads,
        "config": model_card(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def format_cameo(result: dict) -> str:
    lines = [f"{result['dataset']}: {result['items']} sentences, {result['seconds']} s",
             f"quad class macro-F1 {result['macro_f1']:.3f}, accuracy {result['accuracy']:.3f}; "
             f"sentences of acts with an event of a type in their class "
             f"{result['act_in_class']:.3f} of {result['act_sentences']}",
             ""] + _label_table(result["per_class"], "class", 21)
    return "\n".join(lines)


# `chronicle eval` calls `evaluate(path=…, limit=…)` and `format_table(result)` on a module; these
# two thin modules-in-one give it that shape for each held-out set.
class _Set:
    def __init__(self, run, fmt):
        self.run, self.fmt = run, fmt

    def evaluate(self, path=None, limit=None):
        return self.run(limit=limit)

    def format_table(self, result):
        return self.fmt(result)


plv = _Set(evaluate_plv, format_plv)
police = _Set(evaluate_police, format_police)
cameo = _Set(evaluate_cameo, format_cameo)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m chronicle.evaluate.heldout",
                                     description="A held-out source scored on one of its splits.")
    parser.add_argument("source", choices=["plv"])
    parser.add_argument("--split", choices=["train", "dev", "test"], default="test",
                        help="train: the split the classifier learnt from (its roles are the role rules' "
                             "development set; its types mean nothing)")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    print(format_plv(evaluate_plv(limit=args.limit, split=args.split)))


if __name__ == "__main__":
    main()
