"""The `extract` stage: PLOVER events with actors, date, place, count, modality and evidence.

`extract_events(pairs)` takes documents with their spaCy parses (from `nlp.annotate_with_parses`)
and runs, batch-first, the steps below; each named step can be switched off with `disable`
(`python -m chronicle.evaluate.ablate` scores every evaluation set with each one off):

1. `context.prepare`: the document's reference date, geocoded places and coded actors;
2. `candidates`: the candidate predicates of every sentence of every document;
3. the classifier (`classifier.py`; "no event" is the default class) answers for all of them in
   one batch, then `CANDIDATE_STEPS` (`reading.py`) decide which answers are events, of which
   type and how sure;
4. `build.build_event`: an Event for each — the act as PLOVER codes it, roles and modality from the
   parse (`roles.py`, `intent.py`), date (`dates.py`), place (`places.py`), count, evidence;
5. `DOCUMENT_STEPS` (`document.py`) over each document's events, in order;
6. ids, and each retelling pointed at the event first told (`Event.mention_of`).

Every field points at text: the evidence sentence holds the trigger, actors and date expression
— except that a count may stand elsewhere in the paragraph ("this contingent of nearly 3,000
soldiers"), and an event named again by a definite noun ("the deployment") takes the date of
its first telling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from ..record import Document, Event
from . import build, context, document, reading
from .candidates import candidates, fronted_time, trigger_chars
from .document import Found
from .gate import worth_reading
from .reading import MIN_CONFIDENCE  # noqa: F401  (the bar events pass; the evaluations report it)

# What happens to the classifier's answer about a candidate, in order (`reading.py`).
CANDIDATE_STEPS = (
    "second reading",            # ask again without the asides, or the dated phrase alone
    "lexicon prior",             # the trigger lexicon weighs in on the type
    "riot or assault",           # violence's confidence is PROTEST and ASSAULT together
    "stated act recoding",       # an announced, refused, demanded or reported act is coded as such
    "agreeing-verb bar",         # a verb the lexicon agrees with needs a little less confidence
    "noun names only its acts",  # an event noun typed as the sentence's topic is no event
    "not an act",                # accidents, questions, dismissals, blows
)


class Step(NamedTuple):
    name: str
    run: Callable[[Found], list[Event]]


# What happens to a document's events once they are built, in order (`document.py`).
DOCUMENT_STEPS = (
    Step("announced acts dropped", document.without_announced_acts),
    Step("protest demands", document.protest_demands),
    Step("conditions dropped", document.without_conditions),
    Step("one event per sentence and type", document.one_per_sentence_and_type),
    Step("background mentions", document.background_mentions),
    Step("attackers where the sentence places the act", document.attackers_where),
    Step("targets where the sentence places the act", document.targets_where),
    Step("retellings linked", document.retellings),
    Step("dated by first telling", document.dated_by_first_telling),
)
STEP_NAMES = CANDIDATE_STEPS + tuple(step.name for step in DOCUMENT_STEPS)


class Candidate(NamedTuple):
    doc: Document
    parsed: object
    sent: object
    tok: object
    registry: object


def extract_events(pairs: Sequence[tuple[Document, object]], disable: Iterable[str] = ()) -> list[Document]:
    from .classifier import classifier

    off = frozenset(disable)
    if off - set(STEP_NAMES):
        raise ValueError(f"no such extraction step: {', '.join(sorted(off - set(STEP_NAMES)))} "
                         f"(the steps: {', '.join(STEP_NAMES)})")
    work: list[Candidate] = []
    found: dict[int, Found] = {}
    for doc, parsed in pairs:
        if parsed is None:
            doc.events = []
            continue
        registry = context.prepare(doc, parsed)
        found[id(doc)] = Found(doc, parsed)
        work += [Candidate(doc, parsed, sent, tok, registry)
                 for sent in parsed.sents for tok in worth_reading(candidates(sent))]
    model = classifier()
    predictions = model.predict([_view(c) for c in work])
    in_passing: set[int] = set()
    if "second reading" not in off:
        predictions, in_passing = reading.second_reading(model, predictions, work)
    for k, (cand, pred) in enumerate(zip(work, predictions)):
        answer = None if pred.label == "NONE" else reading.accepted(cand.tok, pred, off)
        if answer is None and cand.tok.pos_ == "NOUN":
            # an event noun read as no event, or as an act it cannot name (the sentence's topic:
            # "police arrested 12 people in connection with Saturday's attack"): it may still name
            # again an act told before (`document.background_mentions`)
            found[id(cand.doc)].unread.append((cand.sent, cand.tok, cand.registry, pred))
        if answer is None:
            continue
        label, confidence = answer
        event, *co_sourced = build.build_event(cand.doc, cand.parsed, cand.sent, cand.tok, label,
                                               confidence, cand.registry)
        found[id(cand.doc)].add(event, cand.tok, label, told_in_passing=k in in_passing,
                                doer=build.doer_token(cand.parsed, cand.tok, label, cand.registry))
        if cand.tok.pos_ == "NOUN":
            found[id(cand.doc)].noun_reads[id(event)] = (cand.sent, cand.tok, cand.registry, pred)
        for other in co_sourced:
            found[id(cand.doc)].add(other, cand.tok, label, told_in_passing=k in in_passing,
                                    co_source_of=event)
    for f in found.values():
        for step in DOCUMENT_STEPS:
            if step.name not in off:
                f.events = step.run(f)
        f.doc.events = f.numbered()
    return [doc for doc, _ in pairs]


def _view(cand: Candidate) -> tuple[str, int, int]:
    """What the classifier reads: the sentence and its trigger's span in it."""
    first, end = trigger_chars(cand.tok)
    cut = fronted_time(cand.sent)  # "On 3 February 2022, …": asked about what follows
    if first - cand.sent.start_char < cut:
        cut = 0
    return cand.sent.text[cut:], first - cand.sent.start_char - cut, end - cand.sent.start_char - cut
