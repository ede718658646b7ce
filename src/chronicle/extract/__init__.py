"""The `extract` stage: PLOVER events with actors, date, place, count, modality and evidence.

`extract_events(pairs)` takes documents with their spaCy parses (from `nlp.annotate_with_parses`)
and, batch-first:
1. resolves the document's reference date, geocodes its places and codes its actors;
2. collects candidate predicates (`candidates.py`) from every sentence of every document;
3. classifies all candidates in one batch (`classifier.py`; "no event" is the default class),
   and asks again, in a second reading, about candidates an aside may have drowned and event
   nouns dated in passing (`_second_reading`);
4. builds an Event for each accepted candidate: roles and modality from the parse (`roles.py`),
   date (`dates.py`), place (`places.py`), count (the document's quantities), evidence sentence.
Every field points at text: the evidence sentence holds the trigger, actors and date expression
— except that a count may stand elsewhere in the paragraph ("this contingent of nearly 3,000
soldiers"), and an event named again by a definite noun ("the deployment") takes the date of
its first telling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import msgspec

from ..actors import DOMESTIC_SECTORS, VEHICLES, DocumentActors, code_span, is_actor
from ..nlp import POSSESSIVE_PRONOUNS
from ..record import Actor, Document, Event, Evidence, Quantity
from .candidates import (Trigger, candidates, lexicon_defaults, phrase_alone, triggers_for,
                         without_asides)
from .intent import (PROMISE_TYPES, REFUSABLE_TYPES, THREAT_TYPES, concession, defiance, demand,
                     prevention, recode, reversal)
from .roles import (agreed_to, conditional, defied, demand_speaker, granted, halted, modality,
                    prevented, refused, source_and_target, unstated)
from .roles import implied_state_agent

# An event needs P(no event) < 0.5 (see classifier.predict) and its type at least this probability.
MIN_CONFIDENCE = 0.5
# ... or this much for a verb whose type the trigger lexicon also gives (`_confidence_needed`).
AGREEING_VERB_CONFIDENCE = 0.45
# How much more likely a type is, a priori, when the trigger lexicon lists it for the word
# (`_with_lexicon_prior`).
LEXICON_PRIOR = 3.0
SECOND_EVENT_CONFIDENCE = 0.9
OTHER_CLAUSE_CONFIDENCE = 0.6
_PRONOUNS = {"he", "she", "it", "they", "we", "i", "who", "which", "that"}
_ACTOR_LABELS = {"PERSON", "ORG", "NORP", "GPE"}
# Units that count what a type of event moves or affects, for tying a count to its event when
# the count sits elsewhere in the paragraph ("this contingent of nearly 3,000 soldiers").
_EVENT_UNITS = {
    "MOBILIZE": {"soldier", "troop", "paratrooper", "serviceman", "personnel", "peacekeeper",
                 "police", "officer", "reservist", "marine", "aircraft", "plane", "tank", "ship"},
    "AID": {"soldier", "troop", "peacekeeper", "ton", "tonne", "doctor", "dose", "personnel"},
    "COERCE": {"people", "protester", "demonstrator", "activist", "person", "journalist",
               "member", "suspect", "opposition", "student"},
    "ASSAULT": {"people", "civilian", "soldier", "person", "child", "protester", "killed", "dead"},
    "PROTEST": {"people", "protester", "demonstrator", "worker", "student", "supporter"},
}


def extract_events(pairs: Sequence[tuple[Document, object]]) -> list[Document]:
    from .classifier import classifier

    work = []  # (doc, parsed, sentence, trigger token, registry)
    texts = []
    prepared = []
    for doc, parsed in pairs:
        if parsed is None:
            prepared.append((doc, None, None))
            continue
        registry = _prepare(doc, parsed)
        prepared.append((doc, parsed, registry))
        for sent in parsed.sents:
            for tok in candidates(sent):
                work.append((doc, parsed, sent, tok, registry))
                start = tok.idx - sent.start_char  # the sentence and its trigger's span in it
                texts.append((sent.text, start, start + len(tok.text)))
    predictions, in_passing = _second_reading(classifier(), classifier().predict(texts), work)
    found: dict[int, list[Event]] = {}
    clauses: dict[int, int] = {}  # id(event) → the token heading its trigger's clause
    triggers: dict[int, int] = {}  # id(event) → its trigger token
    # id(event) → (the tokens of the act it announces, its whole phrase, the act's type)
    statements: dict[int, tuple[set[int], set[int], str]] = {}
    told_in_passing: set[int] = set()  # id(event) of events read from their dated phrase
    for k, ((doc, parsed, sent, tok, registry), pred) in enumerate(zip(work, predictions)):
        if pred.label == "NONE":
            continue
        label, confidence = _stated_act(tok, pred)
        if confidence < _confidence_needed(tok, label) or _topic_not_noun(tok, label) \
                or _not_an_act(tok, label):
            continue
        event = _build_event(doc, parsed, sent, tok, label, confidence, registry)
        clauses[id(event)] = _clause_of(tok).i
        if k in in_passing:
            told_in_passing.add(id(event))
        triggers[id(event)] = tok.i
        if event.type != label and event.type in _STATEMENT_TYPES:
            statements[id(event)] = (_act_tokens(tok), {t.i for t in tok.subtree}, label)
        elif event.type == "REQUEST":
            # the clause a request asks for is its content, not an act done: "demanded that its
            # partners refuse to recognise …", "its demand that Israel ease restrictions"
            asked = {t.i for c in tok.children if c.dep_ in ("ccomp", "xcomp", "acl")
                     for t in c.subtree}
            statements[id(event)] = (asked, asked, label)
        found.setdefault(id(doc), []).append(event)
    for doc, parsed, _ in prepared:
        events = _without_announced_acts(found.get(id(doc), []), triggers, statements)
        events = _protest_demands(events, triggers, parsed)
        events = _without_conditions(events, triggers, parsed)
        events = _one_per_sentence_and_type(events, clauses)
        _targets_where(doc, parsed, events, triggers)
        first_told: dict[int, Event] = {}  # id(event) → the event it tells again
        events = _retellings(events, told_in_passing, first_told)
        events = _dated_by_first_telling(events, triggers, parsed, first_told)
        for n, ev in enumerate(events, start=1):
            ev.id = f"{doc.id}-e{n}"
        for ev in events:
            if id(ev) in first_told:
                ev.mention_of = first_told[id(ev)].id
        doc.events = events
    return [doc for doc, _, _ in prepared]


def _second_reading(model, predictions, work):
    """The classifier's predictions, with two kinds of candidates asked again; and the indices
    of the candidates the second question made events told in passing.

    First, candidates read as no event are asked again without their sentence's asides
    (appositions and relative clauses about other things, `candidates.without_asides`). This is
    a second reading, not a replacement: read that way every time, the PLOVER GSR sentences lose
    more acts than they gain (macro-F1 0.765 → 0.751), since an aside often says who acted or
    what about. Asked only when the whole sentence reads as no event, it finds acts an aside had
    drowned ("transport planes landed at the airport of Almaty, the economic capital, at the
    heart of the riots that have shaken the country"). Second, event nouns their own phrase dates
    are asked as that phrase (`_dated_phrase`). What either finds must pass the same bars as any
    event. On the development sets the two add one event to the PLOVER GSR sentences (right) and
    five to WikiEvents (four right; the fifth, "fire me" read as shooting, `_not_an_act` now
    drops) — see docs/EVALUATION.md."""
    again = [k for k, pred in enumerate(predictions) if pred.label == "NONE"]
    views = {k: without_asides(work[k][2], work[k][3]) for k in again}
    asked = [k for k in again if views[k] is not None]
    for k, pred in zip(asked, model.predict([views[k] for k in asked])):
        if pred.label != "NONE":
            predictions[k] = pred
    # event nouns dated in their own phrase, read in the sentence as no event, a doubtful one or
    # an act the noun cannot name: the phrase alone is asked (see `_dated_phrase`)
    again = [k for k, pred in enumerate(predictions)
             if pred.label == "NONE" or pred.confidence < MIN_CONFIDENCE
             or _topic_not_noun(work[k][3], pred.label)]
    views = {k: _dated_phrase(work[k][1], work[k][3], work[k][0].reference_date) for k in again}
    asked = [k for k in again if views[k] is not None]
    passing = set()
    for k, pred in zip(asked, model.predict([views[k] for k in asked])):
        if pred.label != "NONE":
            predictions[k] = pred
            passing.add(k)
    return predictions, passing


def _dated_phrase(parsed, tok, ref) -> tuple[str, int, int] | None:
    """An event noun that its own phrase dates ("an attack on 13 September 1974", "the protests,
    sparked by the rise in fuel prices on 1 January"): the phrase alone, as the classifier is
    asked about it. None for other candidates.

    Such a noun is an event told in passing: its sentence is about something else, and the
    classifier, taught that an event named in the background of another act is not a new one
    ("after the protests, the minister resigned"), reads it as no event. But a report that gives
    the event its own date records it, and often nowhere else. Read alone — without the
    determiner, which says only that the event was known, and without the commas that set its
    modifiers off inside the sentence — the phrase says whether the noun names an act, and
    which (`phrase_alone`)."""
    if tok.pos_ != "NOUN" or _own_date(parsed, tok, ref)[0] is None:
        return None
    return phrase_alone(tok)


def _with_lexicon_prior(tok, pred):
    """The classifier's prediction with the trigger lexicon as a prior over event types.

    The classifier reads the whole sentence and sometimes lets its topic outweigh the word
    ("reimposed blockades", "retook the town", "renewed negotiations" typed by what the sentence
    is about). The lexicon knows which acts the word itself can name. Once the classifier has
    said the candidate is an event (its top type at least MIN_CONFIDENCE), each type the lexicon
    lists for the word counts LEXICON_PRIOR times, and the type is the most likely one under
    that product of the two experts. The prior only chooses among types: it never makes an event
    of a candidate the classifier did not call one (that raised false events on WikiEvents), and
    a type it picks gets no more confidence than the classifier gave its own first choice, so
    the classifier's calibration still decides which events are kept. The value 3 was set on the
    PLOVER GSR development sentences with the single-run model, where it was worth +0.018 macro-F1;
    with the averaged model it leaves GSR as it is and gains a WikiEvents document type and fewer
    false events (docs/EVALUATION.md)."""
    if pred.confidence < MIN_CONFIDENCE or not pred.probabilities:
        return pred
    listed = {t.type for t in triggers_for(tok)}
    if not listed:
        return pred
    order = sorted(pred.probabilities)  # a fixed order of summation (see _stated_act)
    weighted = {t: pred.probabilities[t] * (LEXICON_PRIOR if t in listed else 1.0) for t in order}
    scale = sum(pred.probabilities[t] for t in order) / sum(weighted[t] for t in order)
    probabilities = {t: weighted[t] * scale for t in order}
    label = max(order, key=lambda t: probabilities[t])
    if label == pred.label:
        return pred
    # the type changes; its confidence is no more than the classifier gave its own first choice
    return replace(pred, label=label, confidence=min(probabilities[label], pred.confidence))


def _confidence_needed(tok, label: str) -> float:
    """The confidence an event of type `label` needs: MIN_CONFIDENCE, or a little less for a verb
    whose lexicon rows include that type — the classifier and the dictionary agree on the act
    ("confiscated", "dismissed an appeal", "upgraded ties"). Verbs only: event nouns that agree
    are often an earlier event named again ("after the bombing"), which are not new events; and
    acts told as done only: a condition ("unless Baghdad accepts") is no act at all."""
    if tok.pos_ == "VERB" and any(t.type == label for t in triggers_for(tok)) \
            and modality(tok, label) in ("asserted", "claimed"):
        return AGREEING_VERB_CONFIDENCE
    return MIN_CONFIDENCE


def _is_role_noun(tok) -> bool:
    """A noun that names people who act ("peacekeepers", "troops"): as a trigger it stands for
    what is done with them ("peacekeepers were pulled out"), which no lexicon row of its own says."""
    from ..actors import lexicon

    roles = lexicon().roles
    return tok.lower_ in roles or tok.lemma_.lower() in roles


def _topic_not_noun(tok, label: str) -> bool:
    """An event noun typed as an act it cannot name: the sentence's topic, not the noun.

    The classifier pools each trigger with its whole sentence, so a noun in the background of a
    sentence about something else takes that something's type: "after months of protests, the
    minister stepped down" makes "protests" a CONCEDE, "a day after clashes" in a sentence about
    talks makes "clashes" a CONSULT. A noun names only the acts the lexicon lists for it (and the
    statement types an announced, demanded or refused act is recoded to), so another type is not
    this noun's event. Only for acts told as done: what is announced or refused is recoded later
    (`intent.py`). Verbs are not held to this: a verb's act depends on its arguments more than a
    noun's does, and the lexicon lists fewer of them."""
    if tok.pos_ not in ("NOUN", "PROPN") or _is_role_noun(tok):
        return False
    named = {t.type for t in triggers_for(tok)}
    if not named or label in named or label in _STATEMENT_TYPES:
        return False
    if _act_type(tok, label)[0] in named:  # "mounted an invasion": MOBILIZE read as the ASSAULT it names
        return False
    return modality(tok, label) in ("asserted", "claimed")


_ACCIDENTAL = {"accidental", "accidentally", "inadvertent", "inadvertently", "unintentional",
               "unintentionally"}
_WORKERS = {"worker", "employee", "staff", "coach", "manager", "director", "editor", "teacher"}


def _not_an_act(tok, label: str) -> bool:
    """A word the classifier reads as an act, in a use that is none:
    - an accident ("militants were killed in two accidental explosions", "the device detonated
      accidentally, killing the three"): PLOVER codes what actors do to one another;
    - a question ("Hayden asked the agent if there was any evidence", "'Did you sign it?' he
      asked", "Mendeloff asked."): a request asks for something to be done;
    - a dismissal ("didn't think they'd fire me", "fired the coach"): firing a person is no
      shooting — that is "fire on/at" someone or "fire" shots, rockets, tear gas;
    - a blow ("had to strike hysterical girls"): workers strike without an object; striking
      someone or something is no strike."""
    near = list(tok.subtree)
    if tok.dep_ in ("advcl", "xcomp", "conj"):
        near += list(tok.head.children)
    if label in ("ASSAULT", "COERCE") and any(t.lemma_.lower() in _ACCIDENTAL for t in near):
        return True
    if label == "REQUEST" and tok.lemma_.lower() == "ask" and tok.pos_ == "VERB":
        clauses = [c for c in tok.children if c.dep_ in ("ccomp", "advcl")]
        if "?" in tok.sent.text or any(
                any(m.dep_ == "mark" and m.lower_ in ("if", "whether") for m in c.children)
                or c.left_edge.tag_ in ("WDT", "WP", "WRB") for c in clauses):
            return True
        if not any(c.dep_ in ("dobj", "xcomp", "prep", "ccomp", "dative") for c in tok.children):
            return True
    if label == "PROTEST" and tok.lemma_.lower() == "strike" and tok.pos_ == "VERB" \
            and any(c.dep_ == "dobj" for c in tok.children):
        return True
    if label == "ASSAULT" and tok.lemma_.lower() == "fire" and tok.pos_ == "VERB":
        obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        aimed = any(c.dep_ == "prep" and c.lower_ in ("on", "at", "into", "upon") for c in tok.children)
        if obj is not None and not aimed and (
                obj.pos_ == "PRON" or obj.ent_type_ == "PERSON" or obj.lemma_.lower() in _WORKERS):
            return True
    return False


def _stated_act(tok, pred) -> tuple[str, float]:
    """The act type and confidence of a candidate the classifier calls an event.

    When the act is only announced ("have sworn to fight until …"), every type that is coded
    the same way once announced is one answer: THREATEN and ASSAULT and SANCTION all come out as
    a threat, AGREE and AID and CONSULT all as a promise. Their probabilities are then summed, and
    the act is the likeliest type among them — so an announcement the classifier is sure of but
    splits between a threat and the act threatened is not lost under the 0.5 bar. Likewise an
    act someone is told they must do is a demand whatever its type."""
    if not pred.probabilities:
        return pred.label, pred.confidence
    pred = _with_lexicon_prior(tok, pred)
    label, confidence = pred.label, pred.confidence
    speaker = demand_speaker(tok)
    if speaker is not None and is_actor(code_span(tok.doc, speaker)):
        # what someone must do is a demand whatever the act: every event type is one answer
        return label, 1.0 - pred.none_probability
    acts = {t.type for t in triggers_for(tok)} - {"ACCUSE"}
    if label in acts | {"ACCUSE"} and len(acts) == 1 and _reported(tok):
        # "security forces tortured refugees, a rights group said": the act reported and the
        # accusation are one answer; the act is what the verb names
        act = next(iter(acts))
        mass = pred.probabilities.get(act, 0.0) + pred.probabilities.get("ACCUSE", 0.0)
        if mass > confidence:
            return act, mass
    if label in ("PROTEST", "COERCE") and prevented(tok) is not None:
        # "police prevented a demonstration": the protest and its suppression are one answer
        # (the extractor codes a protest the state prevents as COERCE 172)
        mass = pred.probabilities.get("COERCE", 0.0) + pred.probabilities.get("PROTEST", 0.0)
        if mass > confidence:
            return "PROTEST", mass
    mood = modality(tok, label)
    if mood == "denied" and refused(tok):
        groups = (REFUSABLE_TYPES | {"REJECT"},)  # "would not meet", "refused to release"
    elif (mood == "intended" and not unstated(tok)) or (mood == "hypothetical" and conditional(tok)):
        groups = (PROMISE_TYPES | {"AGREE"}, THREAT_TYPES | {"THREATEN"})
    else:
        return label, confidence
    for group in groups:
        # a fixed order of summation: sets iterate by string hash, which differs between
        # processes, and the last bit of a sum must not depend on which worker coded the text
        group = sorted(group)
        mass = sum(pred.probabilities.get(t, 0.0) for t in group)
        if mass > confidence and label not in group:
            label = max(group, key=lambda t: pred.probabilities.get(t, 0.0))
            confidence = mass
        elif mass > confidence:
            confidence = mass
    return label, confidence


def _retellings(events: list[Event], told_in_passing: set[int],
               first_told: dict[int, Event]) -> list[Event]:
    """An event told in passing (`_dated_phrase`) that the report also tells as an act of its
    own — the same type on the same date — is that act named again: kept as a mention of it
    (`Event.mention_of`, see docs/CODING.md), not counted as a second event."""
    told = {}
    for ev in events:
        if id(ev) not in told_in_passing:
            told.setdefault((ev.type, ev.date), ev)
    for ev in events:
        if id(ev) in told_in_passing and (ev.type, ev.date) in told:
            first_told[id(ev)] = told[(ev.type, ev.date)]
    return events


_DEFINITE = {"the", "this", "that", "these", "those", "its", "their", "his", "her"}


def _dated_by_first_telling(events: list[Event], triggers: dict[int, int], parsed,
                            first_told: dict[int, Event] | None = None) -> list[Event]:
    """An undated event told again as a definite noun takes the date of its first telling.

    "Twelve Russian military transport planes landed on Friday, January 7 … The massive
    deployment of Russian troops is out of step with …": "the deployment" points back at an act
    already told (that is what the definite article says), here the landing, which has a date.
    So an event noun with a definite or possessive determiner and no date of its own takes the
    date of the nearest earlier event of the same type in the document whose source is of the
    same country; with no such event, or sources of different countries, it stays `unknown`. The
    noun is then a mention of that event (`first_told`)."""
    for k, ev in enumerate(events):
        if ev.date is not None or id(ev) not in triggers or ev.source is None \
                or ev.source.country is None:
            continue
        tok = parsed[triggers[id(ev)]]
        if tok.pos_ != "NOUN" or not any(c.dep_ in ("det", "poss") and c.lower_ in _DEFINITE
                                         for c in tok.children):
            continue
        earlier = [e for e in events[:k] if e.type == ev.type and e.date is not None
                   and e.source is not None and e.source.country == ev.source.country]
        if earlier:
            ev.date, ev.date_precision = earlier[-1].date, earlier[-1].date_precision
            if first_told is not None:
                first_told.setdefault(id(ev), first_told.get(id(earlier[-1]), earlier[-1]))
    return events


_REPORTING_VERBS = {"say", "charge", "allege", "report", "claim", "accuse", "state", "tell"}


def _reported(tok) -> bool:
    """A verb told as what someone said happened ("…, Human Rights Watch said")."""
    return tok.pos_ == "VERB" and tok.dep_ == "ccomp" and tok.head.lemma_.lower() in _REPORTING_VERBS


# Types an act is recoded to when it is only announced, demanded or refused (`intent.py`).
_STATEMENT_TYPES = {"AGREE", "THREATEN", "REQUEST", "REJECT"}


def _act_tokens(tok) -> set[int]:
    """The tokens that describe an announced act: its predicate's phrase, without the clauses
    that tell of something else ("aid to refugees [who fled the fighting]")."""
    inside = set()
    stack = [tok]
    while stack:
        t = stack.pop()
        inside.add(t.i)
        stack.extend(c for c in t.children if c.dep_ not in ("relcl", "acl", "advcl", "parataxis"))
    return inside


def _without_announced_acts(events: list[Event], triggers: dict[int, int],
                            statements: dict[int, tuple[set[int], set[int], str]]) -> list[Event]:
    """Drop the events found inside an act that another event codes as announced: "will provide
    [food aid]" is one promise, not a promise and an aid delivery; "must [reach an agreement
    that ends the fighting]" is one demand. Within the act's own words any event goes; in a
    clause inside it ("aid to refugees [who fled the fighting]") only one of the same type as
    the act, which is the act told again."""
    absorbed = set()
    for ev in events:
        if id(ev) not in statements:
            continue
        own, whole, act_type = statements[id(ev)]
        for other in events:
            if other is ev or id(other) in statements or other.evidence.start != ev.evidence.start:
                continue
            at = triggers[id(other)]
            if at in own or (at in whole and other.type in (act_type, ev.type)):
                absorbed.add(id(other))
    return [ev for ev in events if id(ev) not in absorbed]


_CONDITION_MARKS = {"if", "unless", "provided"}


def _without_conditions(events: list[Event], triggers: dict[int, int], parsed) -> list[Event]:
    """Drop the events that are only another event's condition: "threatened to launch an
    offensive [unless Baghdad accepted its conditions]", "will boycott the elections [if the
    president does not agree]" are one threat each; what the other side would have to do is
    not an act of its own."""
    types_at: dict[int, set[str]] = {}
    for ev in events:
        types_at.setdefault(triggers[id(ev)], set()).add(ev.type)
    kept = []
    for ev in events:
        tok = parsed[triggers[id(ev)]]
        clause = next((a for a in [tok, *tok.ancestors] if a.dep_ == "advcl"
                       and any(c.dep_ == "mark" and c.lower_ in _CONDITION_MARKS for c in a.children)),
                      None)
        governing = next((types_at[a.i] for a in clause.ancestors if a.i in types_at), None) \
            if clause is not None else None
        # one of the same type is the threat told again, and merges with it (bringing its target)
        if governing is not None and ev.type not in governing:
            continue
        kept.append(ev)
    return kept


def _protest_demands(events: list[Event], triggers: dict[int, int], parsed) -> list[Event]:
    """A demand made by protesting is the protest: "thousands demonstrated, calling for
    independence", "blocked roads demanding that he be reinstated", "continued their hunger
    strike to demand his resignation" are each one PROTEST (CAMEO 14x codes the protest by what it
    demands), not a protest and a request. The demand is a clause hanging from the protest's verb;
    when the classifier found no protest there but the verb or its object is a protest word, the
    event becomes that protest."""
    protests = {triggers[id(ev)] for ev in events if ev.type == "PROTEST"}
    kept = []
    for ev in events:
        tok = parsed[triggers[id(ev)]] if ev.type == "REQUEST" else None
        if tok is not None and tok.dep_ in ("advcl", "xcomp") and tok.head.pos_ in ("VERB", "AUX"):
            near = [tok.head] + [c for c in tok.head.children if c.dep_ in ("dobj", "nsubj", "attr")]
            if any(t.i in protests for t in near):
                continue
            word = next((t for t in near if t.i != tok.i
                         and any(tr.type == "PROTEST" for tr in triggers_for(t))), None)
            if word is not None:
                trig = lexicon_defaults(word, "PROTEST")
                ev.type, ev.mode, ev.cameo = "PROTEST", trig.mode, trig.cameo
        kept.append(ev)
    return kept


def _prepare(doc: Document, parsed) -> DocumentActors:
    """Document-level context every event needs: reference date, places, coded actors."""
    from ..dates import resolve_reference_date
    from ..places import geocode_entities

    if doc.reference_date is None:
        doc.reference_date = resolve_reference_date(doc.text, doc.published, parsed)
    ref = doc.reference_date
    # actors are coded as of the report's date: a person's code is the one valid then
    parsed.user_data["chronicle.date"] = (ref.date or str(ref.year)) if ref else doc.published
    geocode_entities(doc.entities, doc.text)
    registry = DocumentActors()
    for ent in doc.entities:
        if ent.label not in _ACTOR_LABELS:
            continue
        span = parsed.char_span(ent.start, ent.end, alignment_mode="expand")
        if span is None:
            continue
        head = span.root
        if ent.label == "GPE" and head.dep_ == "pobj" and head.head.lower_ in (
                "in", "at", "near", "from", "into", "across", "outside", "inside", "of"):
            continue  # a place named as a place, not a state acting
        actor = code_span(parsed, head)
        if ent.label == "PERSON":
            actor.kind = "person"
            actor.name = actor.name or ent.text
        registry.register(parsed, head, actor)
        actor = registry.resolve(actor)
        if is_actor(actor):
            ent.actor = actor
    for quote in doc.quotes:
        if quote.speaker is not None:
            quote.speaker = _code_text(parsed, quote.speaker, registry)
    return registry


def _code_text(parsed, actor: Actor, registry: DocumentActors) -> Actor:
    """Re-code an actor the nlp stage only knows by its text, via the token heading that text."""
    for sent in parsed.sents:
        start = sent.text.find(actor.text)
        if start >= 0:
            span = parsed.char_span(sent.start_char + start, sent.start_char + start + len(actor.text),
                                    alignment_mode="expand")
            if span is not None:
                return _actor_at(parsed, span.root, registry) or actor
    return actor


def _actor_at(parsed, head, registry: DocumentActors, depth: int = 0) -> Actor | None:
    if head is None or depth > 2:
        return None
    if head.lower_ in _PRONOUNS:
        head = _antecedent(head)
        if head is None:
            return None
    elif head.lower_ in _POSSESSIVES:
        head = _possessor(head)
        if head is None:
            return None
    actor = registry.resolve(code_span(parsed, head))
    if actor.country is None and actor.kind != "person" and head.lemma_.lower() not in _RELATIONAL:
        # "their forces": whose forces the possessive says (not "its neighbour")
        owner = next((c for c in head.children if c.dep_ == "poss" and c.lower_ in _POSSESSIVES), None)
        owner_actor = _actor_at(parsed, owner, registry, depth + 1) if owner is not None else None
        if owner_actor is not None and owner_actor.country is not None:
            actor.country = owner_actor.country
    return actor


_POSSESSIVES = POSSESSIVE_PRONOUNS
# Nouns for another party, whose possessor is not their country: "its neighbour", "their rivals".
_RELATIONAL = {"neighbour", "neighbor", "rival", "enemy", "foe", "counterpart", "ally",
               "partner", "opponent", "adversary", "critic"}


def _possessor(pronoun):
    """Whom a possessive refers to ("Serbian officials said their forces had completed their
    withdrawal"): the subject of the nearest clause above the possessed noun that is not that
    noun itself nor another pronoun."""
    noun = pronoun.head
    cur = noun
    for _ in range(6):
        if cur.head.i == cur.i:  # the root
            return None
        cur = cur.head
        if cur.pos_ not in ("VERB", "AUX"):
            continue
        subj = next((c for c in cur.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None and subj.i != noun.i and subj.lower_ not in _PRONOUNS | _POSSESSIVES:
            return subj
    return None


def _antecedent(pronoun):
    """A pronoun subject's antecedent: the subject of the clause it is reported in ("Moscow said
    it would…"), else the subject of the previous sentence."""
    cur = pronoun.head
    for _ in range(4):
        if cur.dep_ in ("ccomp", "xcomp", "advcl", "conj") and cur.head is not cur:
            cur = cur.head
            subj = next((c for c in cur.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is not None and subj.lower_ not in _PRONOUNS:
                return subj
        else:
            break
    if pronoun.dep_ == "nsubj" and pronoun.lower_ in ("who", "which", "that"):
        return pronoun.head.head if pronoun.head.dep_ == "relcl" else None
    sent = pronoun.sent
    if sent.start == 0:
        return None
    prev = pronoun.doc[sent.start - 1].sent
    subj = next((t for t in prev if t.dep_ == "nsubj" and t.head == prev.root), None)
    if subj is not None and subj.lower_ not in _PRONOUNS:
        return subj
    return None


def _own_date(parsed, tok, ref) -> tuple[str | None, str]:
    """The date the predicate's own phrase gives it, and its precision."""
    from ..dates import date_for_span

    date, precision, _ = date_for_span(parsed[tok.left_edge.i:tok.right_edge.i + 1], ref)
    if date is None and tok.pos_ in ("NOUN", "PROPN"):
        # "the protests, sparked by the rise in fuel prices on 1 January": a clause describing
        # the nominal event dates it
        for clause in (c for c in tok.children if c.dep_ in ("acl", "relcl")):
            date, precision, _ = date_for_span(parsed[clause.left_edge.i:clause.right_edge.i + 1],
                                               ref)
            if date:
                break
    return date, precision


def _build_event(doc, parsed, sent, tok, event_type, confidence, registry) -> Event:
    from ..dates import date_for_span
    from ..places import event_location

    event_type, trig = _act_type(tok, event_type)
    src_tok, tgt_tok = source_and_target(
        tok, event_type, is_party=lambda t: is_actor(_actor_at(parsed, t, registry)))
    source = _first_person_speaker(doc, src_tok) or _actor_at(parsed, src_tok, registry)
    target = _first_person_speaker(doc, tgt_tok) or _actor_at(parsed, tgt_tok, registry)
    if source is not None and not is_actor(source):
        source = source if source.kind != "unknown" else None
    if target is not None and not is_actor(target):
        target = None
    mood = modality(tok, event_type)
    if event_type == "ACCUSE" and trig.mode == "allege" and mood == "asserted":
        mood = "claimed"  # an accusation is the accuser's unverified assertion about another
    coded_type, mode, cameo, mood, source, target = _code_act(
        doc, parsed, tok, event_type, trig, mood, source, target, registry)
    date, precision = _own_date(parsed, tok, doc.reference_date)
    if date is None and (tok.dep_ == "ROOT" or tok.head == sent.root):
        date, precision, _ = date_for_span(sent, doc.reference_date)
    location = event_location(tok, doc.entities, target)
    for actor in (source, target):
        if actor is not None and actor.country is None and actor.sector in DOMESTIC_SECTORS \
                and actor.kind != "igo" and location is not None and location.country:
            actor.country = location.country  # "the police" in Almaty are Kazakh police
    source = _placed_by_sentence(source, target, sent, doc, location)
    if source is None and (implied := implied_state_agent(coded_type, mode, tok, location)) is not None:
        # an arrest or a shutdown with no doer named is the act of the state where it happened
        source = Actor(text=location.text, name=_country_name(implied[0]), country=implied[0],
                       sector=implied[1], kind="state")
    if _same_party(source, target):
        # "Obama … the executive order that President Obama plans to sign", "he had been falsely
        # accused" resolved to the speaker: an act aimed at its own doer is a misread target
        target = None
    if coded_type == "PROTEST" and source is not None and source.kind == "state" \
            and mode in (None, "demo"):
        # a state "protests" by complaining officially (CAMEO 114: ACCUSE); PLOVER's PROTEST is
        # dissent in the street: "Serbia lodged an official protest with Albania"
        coded_type, mode, cameo = "ACCUSE", "allege", "114"
    return Event(
        id="", type=coded_type, mode=mode, cameo=cameo, source=source, target=target,
        date=date, date_precision=precision if date else "unknown", location=location,
        quantity=_quantity_for(doc, parsed, sent, tok, event_type), modality=mood,
        confidence=round(confidence, 4),
        evidence=Evidence(text=sent.text, start=sent.start_char, end=sent.end_char))


# Acts whose target, when the sentence names none, is the state where the sentence puts them:
# dissent is aimed at the government where it takes place ("thousands demonstrated in Kirkuk":
# Iraq's), and force or restrictions used at a place fall on that country ("imposed a curfew in
# Abidjan", "shelled Juba"). This is the coding convention of PLOVER and its predecessors for
# domestic events, which name no target because the text's readers know it.
_TARGET_BY_PLACE = {"PROTEST": "GOV", "COERCE": None, "ASSAULT": None, "SANCTION": None,
                    "THREATEN": None}


def _targets_where(doc: Document, parsed, events: list[Event], triggers: dict[int, int]) -> None:
    """Give each event still without a target, once the triggers of a sentence are merged (a
    named target found by one of them wins), its implicit target (`_target_where`)."""
    from ..places import locate

    for ev in events:
        if ev.target is None and ev.type in _TARGET_BY_PLACE and id(ev) in triggers:
            ev.target = _target_where(ev.type, ev.source, locate(parsed[triggers[id(ev)]], doc.entities))


def _target_where(event_type: str, source: Actor | None, place) -> Actor | None:
    """The implicit target of an act with no named target: the state at the place the sentence
    itself gives (`places.locate`, never the document's dominant place), as an actor whose text
    is the place's name. None for types not in `_TARGET_BY_PLACE` (a deployment is not aimed at
    where it goes), for places without a country, and for a state's own protest at home."""
    if event_type not in _TARGET_BY_PLACE or place is None or not place.country:
        return None
    if source is not None and source.kind == "state" and source.country == place.country \
            and event_type == "PROTEST":
        return None  # a state's own protest at home is no dissent against itself
    return Actor(text=place.text, name=None, country=place.country,
                 sector=_TARGET_BY_PLACE[event_type], kind="state")


def _country_name(alpha3: str) -> str | None:
    from ..actors import lexicon

    return lexicon().country_names.get(alpha3)


def _same_party(a: Actor | None, b: Actor | None) -> bool:
    """Whether two actors are one person or one phrase (not merely of one country)."""
    if a is None or b is None:
        return False
    return (a.name is not None and a.name == b.name and a.kind == "person" == b.kind) or a.text == b.text


_FIRST_PERSON = {"we", "i", "us", "me"}


def _first_person_speaker(doc: Document, tok) -> Actor | None:
    """Who "we" or "I" is inside a quotation: its speaker ("“We will not return to the quays”,
    declared its secretary general"), not the subject of the sentence before."""
    if tok is None or tok.lower_ not in _FIRST_PERSON:
        return None
    quote = next((q for q in doc.quotes if q.start <= tok.idx < q.end), None)
    return quote.speaker if quote is not None and is_actor(quote.speaker) else None


def _act_type(tok, event_type: str) -> tuple[str, Trigger]:
    """The act a predicate names, once the classifier has typed it, with its lexicon mode and
    CAMEO code: the classifier's type, unless the parse says which of two neighbouring types
    the codebook means (fighting vs a deployment, peacekeepers sent or withdrawn)."""
    if event_type == "MOBILIZE" and (tok.pos_ == "VERB" or tok.dep_ in ("dobj", "nsubj", "nsubjpass")):
        kinds = {t.type for t in triggers_for(tok)}
        weapons = any(t.type == "ASSAULT" and t.mode for t in triggers_for(tok))
        if "ASSAULT" in kinds and "MOBILIZE" not in kinds and not weapons:
            # the classifier heard military action; the predicate says fighting, not a deployment
            # ("mounted an invasion", "retook the town"). Not a weapon named ("drones"), nor an
            # event mentioned in passing ("within days of the attacks").
            event_type = "ASSAULT"
    if event_type == "MOBILIZE" and _peacekeepers(tok):
        # forces sent as peacekeepers are peacekeeping provided (CAMEO 074), not a show of force
        event_type = "AID"
    if event_type in ("MOBILIZE", "AID") and _investigators_sent(tok):
        # "the IAEA dispatched inspectors to the plant": an investigation (CAMEO 09), not forces
        return "ACCUSE", Trigger("ACCUSE", "investigate", "09")
    if event_type == "SANCTION" and _own_forces_withdrawn(tok):
        # "Israel withdrew its troops from the town": a military withdrawal (RETREAT), not the
        # withdrawal of an ambassador or of support (SANCTION)
        event_type = "RETREAT"
    trig = lexicon_defaults(tok, event_type)
    presence = _presence_withdrawn(tok) if (event_type == "RETREAT" and trig.mode in (
        "withdraw", "disarm", None)) or (event_type == "SANCTION" and trig.cameo in ("16", "160")) \
        else None
    if presence is not None:
        # peacekeepers, observers or aid agencies pulled out: international involvement
        # withdrawn (CAMEO 166x), not a military retreat
        event_type, trig = "SANCTION", Trigger("SANCTION", "expel", presence)
    if event_type == "AID" and trig.mode is None and _peacekeepers(tok):
        trig = Trigger("AID", "peacekeeping", "074")
    return event_type, trig


def _allowed_party(parsed, tok, registry) -> Actor | None:
    """Whom "allow" lets act: its object, or the subject of the clause it governs ("allowed
    [the candidate] to run")."""
    who = next((c for c in tok.children if c.dep_ == "dobj"), None)
    if who is None:
        clause = next((c for c in tok.children if c.dep_ in ("ccomp", "xcomp")), None)
        who = next((c for c in clause.children if c.dep_ == "nsubj"), None) if clause is not None else None
    return _actor_at(parsed, who, registry) if who is not None else None


# The domestic actors a government restricts or lets act: opposition, parties, press, unions,
# activists, clergy, students.
_DISSENT_SECTORS = {"OPP", "PTY", "MED", "CVL", "LAB", "EDU", "REL", "PRO"}


def _code_act(doc, parsed, tok, event_type: str, trig: Trigger, mood: str, source, target,
              registry) -> tuple[str, str | None, str | None, str, Actor | None, Actor | None]:
    """(type, mode, cameo, modality, source, target) of the act as PLOVER codes it, from what the
    parse says is done to it (`intent.py`): stopped, prevented, defied or given in to by the verb
    governing it; announced (a promise or a threat), refused, or demanded of someone else."""
    allowed = _allowed_party(parsed, tok, registry) if event_type == "RETREAT" \
        and trig.mode == "access" else None
    if allowed is not None and allowed.sector in _DISSENT_SECTORS:
        target = target or allowed
        # letting in the opposition, the press or a candidate is not international access (086)
        # but easing restrictions on political freedoms (CAMEO 0811/0812, CONCEDE): "allowed the
        # opposition leader to hold his rally", "allowed the candidate to run"
        code = "0812" if allowed.sector in ("OPP", "PTY") else "0811"
        event_type, trig = "CONCEDE", Trigger("CONCEDE", None, code)
    # what a verb does to the event a noun names: stops it ("cancelled a planned visit", "called
    # off the strike"), keeps it from happening ("police prevented the demonstration") or defies
    # it ("violated the ban"). The act is then that verb's, done by its subject.
    stopper, recoded = None, None
    if mood != "denied":
        if (verb := prevented(tok)) is not None and _security_subject(
                parsed, verb, registry, sectors=("COP", "MIL", "SPY", "GOV", "JUD")):
            stopper, recoded = verb, prevention(event_type)
        if recoded is None and (verb := halted(tok)) is not None and not (
                event_type == "PROTEST" and _security_subject(parsed, verb, registry)):
            stopper, recoded = verb, reversal(event_type, trig.mode)
        if recoded is None and (verb := defied(tok)) is not None:
            stopper, recoded = verb, defiance(event_type, trig.mode)
        if recoded is None and (verb := granted(tok)) is not None:
            stopper, recoded = verb, concession(event_type)
    if recoded is not None:
        event_type, trig = recoded[0], Trigger(*recoded)
        subject = next((c for c in stopper.children if c.dep_ == "nsubj"), None)
        stopped_by = _actor_at(parsed, subject, registry) if subject is not None else None
        if stopped_by is not None and is_actor(stopped_by):
            if event_type == "COERCE" and target is None:
                target = source  # the protesters kept from protesting
            source = stopped_by  # who cancelled the visit, not who would have made it
    # a promised or threatened act is coded as the promise or threat (PLOVER's AGREE, THREATEN);
    # the count still belongs to the act ("will send 3,000 troops")
    if mood == "intended" and unstated(tok):
        # "is expected to send aid", "tried to hack": nobody announced it; the act stays, intended
        stated = False
        coded_type, mode, cameo = event_type, trig.mode, trig.cameo
    elif mood == "intended" and event_type in THREAT_TYPES and agreed_to(tok):
        # "the ministers agreed to impose sanctions": decided, not threatened; "a deal to suspend
        # the vote" names what a deal would do, still intended
        stated = False
        coded_type, mode, cameo = event_type, trig.mode, trig.cameo
        mood = "intended" if tok.dep_ == "acl" else "asserted"
    else:
        stated = mood == "intended" or (mood == "hypothetical" and conditional(tok))
        if stated and event_type in ("AGREE", "THREATEN"):
            mood = "asserted"  # the promise or threat itself was made
        coded_type, mode, cameo, mood = recode(event_type, trig.mode, trig.cameo, mood,
                                               refused=mood == "denied" and refused(tok),
                                               conditional=conditional(tok))
    if coded_type == "AGREE" and stated and recoded is None and not agreed_to(tok):
        # the classifier heard a statement of intent; what is intended is the predicate's act
        # ("would tighten the blockade", "is prepared to impose martial law"): when every act the
        # lexicon knows for the word is hostile, the statement is a threat, not a promise
        acts = [t for t in triggers_for(tok) if t.type != "AGREE"]
        presence = _presence_withdrawn(tok) if acts and all(t.type == "RETREAT" for t in acts) else None
        if presence is not None:  # "will withdraw the weapons inspectors"
            acts = [Trigger("SANCTION", "expel", presence)]
        if acts and all(t.type in THREAT_TYPES for t in acts):
            coded_type, mode, cameo, mood = recode(acts[0].type, acts[0].mode, acts[0].cameo, "intended")
            if len({t.type for t in acts}) > 1:  # "impose": sanctions or martial law, not said here
                mode, cameo = None, "130"
    if coded_type == event_type and mood == "asserted" \
            and any(q.start <= tok.idx < q.end for q in doc.quotes):
        # an act named inside someone's quoted words ("To shoot to kill") is their word for it,
        # not something the report says happened
        mood = "intended" if tok.tag_ == "VB" else "claimed"
    speaker = demand_speaker(tok)
    if speaker is not None and mood != "denied":
        demander = _actor_at(parsed, speaker, registry)
        if demander is not None and is_actor(demander):
            coded_type, mode, cameo = demand(event_type, trig.mode)
            mood = "asserted"
            # the one who must act is the target; a pronoun there ("a reminder to Iraq that it
            # must …") was resolved by the roles above only if it was the act's source
            target = source if source is not None and source is not demander else target
            source = demander
    return coded_type, mode, cameo, mood, source, target


_PRESENCE = {"peacekeeper": "1661", "peacekeeping": "1661", "observer": "1662", "inspector": "1662",
             "monitor": "1662", "aid worker": "1663", "aid agency": "1663", "relief worker": "1663",
             "humanitarian worker": "1663"}


def _presence_withdrawn(tok) -> str | None:
    """The CAMEO code when what a withdrawal moves is an international presence: peacekeepers
    (1661), observers or inspectors (1662), aid agencies or workers (1663)."""
    if tok.pos_ in ("NOUN", "PROPN"):  # "UN peacekeepers were pulled out"
        moved = [tok]
    else:
        moved = [c for c in tok.children if c.dep_ in ("nsubj", "dobj", "nsubjpass")]
    text = " ".join(t.lemma_.lower() for m in moved for t in m.subtree
                    if t.dep_ in ("compound", "amod", "nmod") or t is m)
    found = next((code for word, code in _PRESENCE.items() if word in text), None)
    if found is None and any(m.lemma_.lower() in _FORCES and any(
            c.lower_ in _MISSION_OWNERS for c in m.children if c.dep_ in ("compound", "amod", "nmod"))
            for m in moved):
        found = "1661"  # "UN troops", "NATO forces" leaving are a mission withdrawn
    return found


_FORCES = {"troop", "soldier", "force", "contingent", "battalion", "unit"}


def _investigators_sent(tok) -> bool:
    """Whether what a deployment sends is inspectors or investigators."""
    moved = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass", "nsubj")]
    return any(m.lemma_.lower() in ("inspector", "investigator") or any(
        c.lower_ == "fact-finding" for c in m.subtree) for m in moved)


def _own_forces_withdrawn(tok) -> bool:
    """A withdrawal verb whose object is armed forces not of an international mission."""
    if tok.pos_ != "VERB" or not any(t.type == "RETREAT" for t in triggers_for(tok)):
        return False
    moved = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    return any(m.lemma_.lower() in _FORCES and not any(
        c.lower_ in _MISSION_OWNERS for c in m.children) for m in moved)
_MISSION_OWNERS = {"un", "u.n.", "nato", "au", "ecowas", "osce", "eu", "sadc", "igad"}


def _placed_by_sentence(source: Actor | None, target: Actor | None, sent, doc: Document,
                        location) -> Actor | None:
    """A source the actor coder could not place, placed by the sentence (a copy: other events of
    the same actor keep their own reading).

    - An ethnic group is coded by where it lives (CAMEO's convention): "ethnic Albanians
      demonstrated in Serbia" are Serbia's.
    - An official or a named person whose country the text gives only elsewhere in the sentence
      ("Lt. Gen. X resigned to allow Haiti's first democratic elections"): the one country the
      sentence names, unless that is the other party's."""
    if source is None:
        return None
    words = source.text.lower().split()
    if "ethnic" in words and source.kind == "group" and location is not None \
            and location.country and location.country != source.country:
        return msgspec.structs.replace(source, country=location.country)
    if source.country is None and (source.kind == "person" or source.sector in ("GOV", "MIL", "JUD", "LEG")):
        named = {c for e in doc.entities if sent.start_char <= e.start < sent.end_char
                 for c in ((e.actor.country if e.actor else None), (e.place.country if e.place else None))
                 if c}
        if len(named) == 1 and (target is None or target.country not in named):
            return msgspec.structs.replace(source, country=named.pop())
    return source


def _security_subject(parsed, verb, registry, sectors=("COP", "MIL", "SPY")) -> bool:
    """Whether the verb's subject is police, army or another arm of the state's force (or of the
    state, with `sectors`)."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    actor = _actor_at(parsed, subj, registry) if subj is not None else None
    return actor is not None and (actor.sector in sectors or (actor.kind == "state" and "GOV" in sectors))


def _peacekeepers(tok) -> bool:
    """Whether the forces a deployment moves are peacekeepers ("NATO peacekeeping troops
    arrived", "deployed 800 peacekeepers")."""
    forces = [c for c in tok.children
              if c.dep_ in ("nsubj", "dobj", "nsubjpass", "compound", "amod")
              or (c.dep_ == "prep" and c.lower_ == "of")]  # "the deployment of … troops"
    words = [tok] + [t for f in forces for t in f.subtree if t.dep_ not in ("relcl", "acl")]
    return any(t.lower_.startswith("peacekeep") for t in words)


def _quantity_for(doc: Document, parsed, sent, tok, event_type: str) -> Quantity | None:
    """The count that belongs to the event (see `_counted`). For a deployment, the people sent
    are its size: "twelve transport planes landed … this contingent of nearly 3,000 soldiers"
    is a deployment of ~3,000, so a count of vehicles gives way to a count of people of the
    kind the event moves in the same paragraph, when one is told and no other act claims it."""
    found = _counted(doc, parsed, sent, tok, event_type)
    # what forces travel in: counted, they say how a deployment came, not how large it is
    if found is None or found.unit not in VEHICLES:
        return found
    units = _EVENT_UNITS.get(event_type, set()) - VEHICLES
    own = (None, tok.text.lower(), tok.lemma_.lower())
    people = [q for q in _paragraph_quantities(doc, sent) if q.unit in units and q.what in own]
    if people:
        return min(people, key=lambda q: abs(q.start - sent.start_char))
    return found


def _paragraph_quantities(doc: Document, sent) -> list[Quantity]:
    para_start = doc.text.rfind("\n\n", 0, sent.start_char) + 1
    para_end = doc.text.find("\n\n", sent.end_char)
    para_end = len(doc.text) if para_end == -1 else para_end
    return [q for q in doc.quantities if para_start <= q.start < para_end]


def _counted(doc: Document, parsed, sent, tok, event_type: str) -> Quantity | None:
    lo = parsed[tok.left_edge.i].idx
    hi = parsed[tok.right_edge.i].idx + len(parsed[tok.right_edge.i].text)
    in_sentence = [q for q in doc.quantities if sent.start_char <= q.start < sent.end_char]
    for q in in_sentence:
        if q.what and q.what in (tok.text.lower(), tok.lemma_.lower()):
            return q
    for q in in_sentence:
        if lo <= q.start < hi:
            return q
    units = _EVENT_UNITS.get(event_type)
    if not units:
        return None
    # beyond the predicate's own phrase, only counts not already tied to another verb
    # ("3,800 … arrested" belongs to the arrests, not to the protest next to it)
    for q in in_sentence:
        if q.unit in units and q.what is None:
            return q
    # the count may sit in the same paragraph ("…landed in Almaty. This contingent of nearly
    # 3,000 soldiers…"): take the nearest one of a unit this type of event moves
    nearby = [q for q in _paragraph_quantities(doc, sent) if q.unit in units and q.what is None]
    if nearby:
        return min(nearby, key=lambda q: abs(q.start - sent.start_char))
    return None


_FILLABLE = ("source", "target", "date", "location", "quantity")
_ROLE_OTHER = {"source": "target", "target": "source"}


def _one_per_sentence_and_type(events: list[Event], clauses: dict[int, int] | None = None) -> list[Event]:
    """Two triggers of one type in one sentence ("agreed … to cooperate") are one event: the more
    confident one, completed with what the other knows. A second event type in a sentence must be
    more certain than the first: wire sentences mostly report one act, with the rest background —
    unless it is told in a clause of its own ("Despite the shutdown, which came as the movement
    spread, …"), where it needs only `OTHER_CLAUSE_CONFIDENCE`."""
    groups: dict[tuple, list[Event]] = {}
    for ev in events:
        groups.setdefault((ev.evidence.start, ev.type), []).append(ev)
    merged = []
    for group in groups.values():
        group.sort(key=lambda e: -e.confidence)
        best = group[0]
        for other in group[1:]:
            for name in _FILLABLE:
                if getattr(best, name) is None and getattr(other, name) is not None:
                    if name in _ROLE_OTHER and _same_party(getattr(other, name),
                                                           getattr(best, _ROLE_OTHER[name])):
                        continue  # the doer of one trigger is not the target of the other
                    setattr(best, name, getattr(other, name))
                    if name == "date":
                        best.date_precision = other.date_precision
        merged.append(best)
    kept = []
    by_sentence: dict[int, list[Event]] = {}
    for ev in merged:
        by_sentence.setdefault(ev.evidence.start, []).append(ev)
    clauses = clauses or {}
    for evs in by_sentence.values():
        evs.sort(key=lambda e: -e.confidence)
        first = evs[0]
        kept.append(first)
        taken = {clauses.get(id(first))}
        for e in evs[1:]:
            own_clause = id(e) in clauses and clauses[id(e)] not in taken
            if e.confidence >= SECOND_EVENT_CONFIDENCE or (own_clause and e.confidence >= OTHER_CLAUSE_CONFIDENCE):
                kept.append(e)
                taken.add(clauses.get(id(e)))
    return sorted(kept, key=lambda e: (e.evidence.start, e.type))


_CLAUSE_DEPS = {"ROOT", "ccomp", "advcl", "relcl", "conj", "parataxis", "csubj"}


def _clause_of(tok):
    """The verb heading the clause a trigger stands in (the trigger itself for a clause's verb)."""
    cur = tok
    for _ in range(12):
        if cur.pos_ in ("VERB", "AUX") and cur.dep_ in _CLAUSE_DEPS or cur.head.i == cur.i:
            return cur
        cur = cur.head
    return cur
