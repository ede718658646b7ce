"""Steps over one document's events, once each accepted candidate is an event: drop what another
event already codes (an announced act's content, a condition, a protest's demand), keep one event
per sentence and type, give implicit targets, link retellings to the event first told and date
them by it. Each takes the document's `Found` and is a named step of the extractor
(`extract.DOCUMENT_STEPS`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..record import Actor, Document, Event
from . import build
from .candidates import lexicon_defaults, triggers_for
from .context import same_party
from .intent import STATEMENT_TYPES, THREAT_TYPES
from .roles import agreed_to, infinitive_complements, modality, unnamed_attacker


@dataclass
class Found:
    """A document's events while the steps work on them, with what each step needs to know of
    an event beyond its record (keyed by `id(event)`)."""
    doc: Document
    parsed: object
    events: list[Event] = field(default_factory=list)
    triggers: dict[int, int] = field(default_factory=dict)  # → its trigger token's index
    clauses: dict[int, int] = field(default_factory=dict)  # → the token heading its trigger's clause
    # → (the tokens of the act it announces, its whole phrase, the act's type)
    statements: dict[int, tuple[set[int], set[int], str]] = field(default_factory=dict)
    in_passing: set[int] = field(default_factory=set)  # read from their dated phrase
    first_told: dict[int, Event] = field(default_factory=dict)  # → the event it tells again
    # event nouns the classifier read as no event (`background_mentions`): (sentence, token,
    # the parse's actor registry)
    unread: list[tuple] = field(default_factory=list)
    # → the event whose act it is, done by a doer coordinated with that event's source
    co_sourced: dict[int, Event] = field(default_factory=dict)
    offers: set[int] = field(default_factory=set)  # AGREE read as such, with what it would do
    # → the trigger tokens of the same-type events of its sentence merged into it
    merged_triggers: dict[int, list[int]] = field(default_factory=dict)
    # → the token heading the phrase its trigger names as the doer (`build.doer_token`)
    doers: dict[int, int] = field(default_factory=dict)
    # → (sentence, token, registry, prediction) of an event read from an event noun, which goes to
    # `unread` if `one_per_sentence_and_type` drops it as a weaker second act of its sentence
    noun_reads: dict[int, tuple] = field(default_factory=dict)

    def add(self, event: Event, tok, label: str, told_in_passing: bool = False,
            co_source_of: Event | None = None, doer=None) -> None:
        """An event built from the candidate `tok`, which the classifier read as `label`; with
        `co_source_of`, the same act by a doer coordinated with that event's source; `doer`, the
        token naming who did it."""
        self.events.append(event)
        if doer is not None:
            self.doers[id(event)] = doer.i
        if co_source_of is not None:
            self.co_sourced[id(event)] = co_source_of
        self.triggers[id(event)] = tok.i
        self.clauses[id(event)] = clause_of(tok).i
        if told_in_passing:
            self.in_passing.add(id(event))
        if event.type != label and event.type in STATEMENT_TYPES:
            self.statements[id(event)] = (act_tokens(tok), {t.i for t in tok.subtree}, label)
        elif event.type == "REQUEST":
            # the clause a request asks for is its content, not an act done: "demanded that its
            # partners refuse to recognise …", "its demand that Israel ease restrictions"
            asked = {t.i for c in tok.children if c.dep_ in ("ccomp", "xcomp", "acl")
                     for t in c.subtree}
            self.statements[id(event)] = (asked, asked, label)
        elif event.type == label == "AGREE" and tok.pos_ == "VERB" \
                and (offered := infinitive_complements(tok)):
            # an offer or a promise the classifier read as such ("offered to host talks",
            # "pledged to send aid"; the parser may hang the infinitive as an adverbial clause):
            # what it would do is its content, not an act done
            content = set().union(*(act_tokens(c) for c in offered))
            self.statements[id(event)] = (content, content, label)
            self.offers.add(id(event))

    def numbered(self) -> list[Event]:
        """The events with their ids, each retelling pointing at the event first told."""
        for n, ev in enumerate(self.events, start=1):
            ev.id = f"{self.doc.id}-e{n}"
        for ev in self.events:
            if id(ev) in self.first_told:
                ev.mention_of = self.first_told[id(ev)].id
        return self.events


SECOND_EVENT_CONFIDENCE = 0.9
OTHER_CLAUSE_CONFIDENCE = 0.6

def retellings(found: Found) -> list[Event]:
    """An event told in passing (`dated_phrase`) that the report also tells as an act of its
    own — the same type on the same date — is that act named again: kept as a mention of it
    (`Event.mention_of`, see docs/CODING.md), not counted as a second event."""
    events, told_in_passing, first_told = found.events, found.in_passing, found.first_told
    told = {}
    for ev in events:
        if id(ev) not in told_in_passing:
            told.setdefault((ev.type, ev.date), ev)
    for ev in events:
        if id(ev) in told_in_passing and (ev.type, ev.date) in told:
            first_told[id(ev)] = told[(ev.type, ev.date)]
    return events


_DEFINITE = {"the", "this", "that", "these", "those", "its", "their", "his", "her", "our", "my",
             "your"}


def _definite(tok) -> bool:
    """A noun phrase that names something already known: a definite or possessive determiner
    ("the attack", "its offensive"), or a possessive phrase, which makes a noun phrase definite as
    the article does ("Saturday's attack", "the group's bombings")."""
    return any((c.dep_ in ("det", "poss") and c.lower_ in _DEFINITE)
               or (c.dep_ == "poss" and c.pos_ in ("NOUN", "PROPN")) for c in tok.children)


# How much of the event mass the classifier gives a background noun's type (it reads the noun as
# no event, but says which act it would be): "the law protected me" is no martial law, "with the
# aid of Russia" no aid delivery, "the drone" no strike (WikiEvents dev, session 8).
MENTION_SHARE = 0.4


def background_mentions(found: Found) -> list[Event]:
    """An event noun in the background of a later sentence ("the bombing killed 12", "after the
    attack, the army closed the road") names again an act the report has told: kept as a mention
    of that act (`Event.mention_of`, docs/CODING.md), not dropped and not a new event.

    The classifier, which reads a sentence for the act it reports, calls such a noun no event,
    too weak an event, or the act the sentence reports ("police arrested 12 people in connection
    with the attack" reads "attack" as the arrest, which the noun cannot name); each is left here
    (`Found.unread`, since session 16; before, only nouns read as no event were).
    A definite noun phrase — a definite or possessive determiner or a possessive phrase,
    "Saturday's attack" (`_definite`), which says the act is one already known, as in
    `dated_by_first_telling` — that the trigger lexicon lists for the type of an event told
    in an earlier sentence of the document, asserted (not feared, denied or planned), with no
    date of its own or the same date, and no doer of another country, is a mention of the
    nearest such event whose type the classifier leans to (`MENTION_SHARE`); it takes that
    event's confidence, since whether the act took place was decided there. A bare or
    indefinite noun ("drones", "a missile", "social unrest") names a kind of thing, not that
    act; and a noun with nothing told before it stays no event: a report's first mention of an
    act in passing is not enough to say it took place (that is the classifier's and the second
    reading's question)."""
    events = found.events
    told = [e for e in events if id(e) not in found.in_passing]
    typed_at = {(e.evidence.start, e.type) for e in events}
    for sent, tok, registry, pred in found.unread:
        if not _definite(tok):
            continue
        named = {t.type for t in triggers_for(tok)}
        earlier = {}  # type → the nearest earlier event of that type told in a sentence before
        for e in told:
            if e.type in named and e.evidence.start < sent.start_char \
                    and (sent.start_char, e.type) not in typed_at:
                earlier[e.type] = e
        if not earlier or not pred.probabilities:
            continue
        events_mass = max(1.0 - pred.none_probability, 1e-9)
        kind = max(sorted(earlier), key=lambda t: pred.probabilities.get(t, 0.0))
        if pred.probabilities.get(kind, 0.0) / events_mass < MENTION_SHARE \
                or modality(tok, kind) != "asserted":
            continue
        first = earlier[kind]
        ev = build.build_event(found.doc, found.parsed, sent, tok, kind, first.confidence, registry)[0]
        if ev.type != kind or (ev.date is not None and ev.date != first.date) or (
                ev.source is not None and first.source is not None and ev.source.country
                and first.source.country and ev.source.country != first.source.country):
            continue
        ev.modality = first.modality
        found.first_told[id(ev)] = found.first_told.get(id(first), first)
        found.triggers[id(ev)] = tok.i
        typed_at.add((sent.start_char, ev.type))
        events.append(ev)
    return sorted(events, key=lambda e: (e.evidence.start, e.type))


def dated_by_first_telling(found: Found) -> list[Event]:
    """An undated event told again as a definite noun takes the date of its first telling.

    "Twelve Russian military transport planes landed on Friday, January 7 … The massive
    deployment of Russian troops is out of step with …": "the deployment" points back at an act
    already told (that is what the definite article says), here the landing, which has a date.
    So an event noun with a definite or possessive determiner and no date of its own takes the
    date of the nearest earlier event of the same type in the document whose source is of the
    same country; with no such event, or sources of different countries, it stays `unknown`. The
    noun is then a mention of that event (`first_told`), dated or not: "Gunmen attacked a police
    station … Residents said the attack lasted two hours" tells one attack twice, whether or not
    the report says when."""
    events, triggers, parsed, first_told = found.events, found.triggers, found.parsed, found.first_told
    for k, ev in enumerate(events):
        if ev.date is not None or id(ev) not in triggers or ev.source is None \
                or ev.source.country is None:
            continue
        # the sentence's words for the act, whichever the classifier was surest of ("the
        # massive deployment … the soldiers dispatched": the definite noun tells it again)
        told_by = [parsed[triggers[id(ev)]]]
        told_by += [parsed[i] for i in found.merged_triggers.get(id(ev), ())]
        if not any(tok.pos_ == "NOUN" and _definite(tok) for tok in told_by):
            continue
        earlier = [e for e in events[:k] if e.type == ev.type and e.evidence.start < ev.evidence.start
                   and e.source is not None and e.source.country == ev.source.country]
        dated = [e for e in earlier if e.date is not None]
        if dated:
            ev.date, ev.date_precision = dated[-1].date, dated[-1].date_precision
        if earlier:
            first = (dated or earlier)[-1]
            first_told.setdefault(id(ev), first_told.get(id(first), first))
    return events


def act_tokens(tok) -> set[int]:
    """The tokens that describe an announced act: its predicate's phrase, without the clauses
    that tell of something else ("aid to refugees [who fled the fighting]")."""
    inside = set()
    stack = [tok]
    while stack:
        t = stack.pop()
        inside.add(t.i)
        stack.extend(c for c in t.children if c.dep_ not in ("relcl", "acl", "advcl", "parataxis"))
    return inside


def without_announced_acts(found: Found) -> list[Event]:
    """Drop the events found inside an act that another event codes as announced: "will provide
    [food aid]" is one promise, not a promise and an aid delivery; "must [reach an agreement
    that ends the fighting]" is one demand. Within the act's own words any event goes; in a
    clause inside it ("aid to refugees [who fled the fighting]") only one of the same type as
    the act, which is the act told again."""
    events, triggers, statements = found.events, found.triggers, found.statements
    # a hostile act agreed on is coded as the act decided (`build.code_act`: "the ministers agreed
    # to impose sanctions" is the sanction), so the agreeing verb above it is that decision, not
    # an agreement of its own, and the act is no promise's content
    decided = {id(ev) for ev in events if ev.type in THREAT_TYPES and ev.modality == "asserted"
               and agreed_to(found.parsed[triggers[id(ev)]])}
    absorbed = set()
    for ev in events:
        if id(ev) not in statements:
            continue
        own, whole, act_type = statements[id(ev)]
        for other in events:
            if other is ev or id(other) in statements or id(other) in decided \
                    or other.evidence.start != ev.evidence.start:
                continue
            if other.type == ev.type == "AGREE" and id(ev) in found.offers:
                continue  # the promise told twice ("agreed to lift"): one event, merged later
            at = triggers[id(other)]
            if at in own or (at in whole and other.type in (act_type, ev.type)):
                absorbed.add(id(other))
                if ev.type == "AGREE" and ev.target is None and other.target is not None \
                        and not same_party(other.target, ev.source) and not (
                            ev.source is not None and ev.source.country
                            and ev.source.country == other.target.country):
                    # "offered to host talks with Iran": whom the promise is to is in its content
                    ev.target = other.target
    for ev in events:
        if id(ev) in decided:
            act = found.parsed[triggers[id(ev)]]
            for other in events:
                if other.type == "AGREE" and other.evidence.start == ev.evidence.start \
                        and found.parsed[triggers[id(other)]] in act.ancestors:
                    absorbed.add(id(other))
    return [ev for ev in events if id(ev) not in absorbed]


_CONDITION_MARKS = {"if", "unless", "provided"}


def without_conditions(found: Found) -> list[Event]:
    """Drop the events that are only another event's condition: "threatened to launch an
    offensive [unless Baghdad accepted its conditions]", "will boycott the elections [if the
    president does not agree]" are one threat each; what the other side would have to do is
    not an act of its own."""
    events, triggers, parsed = found.events, found.triggers, found.parsed
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


def protest_demands(found: Found) -> list[Event]:
    """A demand made by protesting is the protest: "thousands demonstrated, calling for
    independence", "blocked roads demanding that he be reinstated", "continued their hunger
    strike to demand his resignation" are each one PROTEST (CAMEO 14x codes the protest by what it
    demands), not a protest and a request. The demand is a clause hanging from the protest's verb;
    when the classifier found no protest there but the verb or its object is a protest word, the
    event becomes that protest."""
    events, triggers, parsed = found.events, found.triggers, found.parsed
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


# dissent is aimed at the government where it takes place ("thousands demonstrated in Kirkuk":
# Iraq's), and force or restrictions used at a place fall on that country ("imposed a curfew in
# Abidjan", "shelled Juba"), as restrictions eased there do ("lifted the state of emergency in
# West Darfur": the CONCEDE undoes a COERCE of the same state; session 27). This is the coding
# convention of PLOVER and its predecessors for domestic events, which name no target because the
# text's readers know it. Aid delivered at a
# place and given to no one named goes to that country ("provided $340 million for relief in
# northern Iraq", peacekeepers arriving in Monrovia: CAMEO's 07 codes the receiving country).
_TARGET_BY_PLACE = {"PROTEST": "GOV", "COERCE": None, "ASSAULT": None, "SANCTION": None,
                    "THREATEN": None, "AID": None, "CONCEDE": None}


def targets_where(found: Found) -> list[Event]:
    """Give each event still without a target, once the triggers of a sentence are merged (a
    named target found by one of them wins), its implicit target (`target_where`)."""
    from ..places import locate

    doc, parsed, events, triggers = found.doc, found.parsed, found.events, found.triggers
    for ev in events:
        if ev.target is None and ev.type in _TARGET_BY_PLACE and id(ev) in triggers:
            ev.target = target_where(ev.type, ev.source, locate(parsed[triggers[id(ev)]], doc.entities))
    return events


def attackers_where(found: Found) -> list[Event]:
    """An attack still without a doer once the triggers of a sentence are merged (a doer named
    by one of them wins) is the act of unidentified attackers of the country where it happened
    (`roles.unnamed_attacker`): an actor with no text, since the sentence names nobody."""
    parsed, triggers = found.parsed, found.triggers
    for ev in found.events:
        if ev.source is None and id(ev) in triggers and \
                (where := unnamed_attacker(ev.type, parsed[triggers[id(ev)]], ev.location)):
            ev.source = Actor(text="", name=f"unidentified attackers ({build._country_name(where)})",
                              country=where, sector=None, kind="unknown")
    return found.events


def target_where(event_type: str, source: Actor | None, place) -> Actor | None:
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


_FILLABLE = ("source", "target", "date", "location", "quantity")
_ROLE_OTHER = {"source": "target", "target": "source"}


def one_per_sentence_and_type(found: Found) -> list[Event]:
    """Two triggers of one type in one sentence ("agreed … to cooperate") are one event: the more
    confident one, completed with what the other knows — unless they name two doers, who did two
    acts (`different_doers`: "Kenyan police arrested 40 students while Ugandan police detained 12
    traders"). A second event type in a sentence must be
    more certain than the first: wire sentences mostly report one act, with the rest background —
    unless it is told in a clause of its own ("Despite the shutdown, which came as the movement
    spread, …"), where it needs only `OTHER_CLAUSE_CONFIDENCE`. The same act by a doer coordinated
    with an event's source (`build.co_sources`) is kept with that event."""
    events, clauses = found.events, found.clauses
    groups: dict[tuple, list[Event]] = {}
    for ev in sorted(events, key=lambda e: -e.confidence):
        if id(ev) not in found.co_sourced:
            groups.setdefault((ev.evidence.start, ev.type), []).append(ev)
    merged = []
    into: dict[int, Event] = {}  # id(event) → the event it was merged into
    for group in (act for same_type in groups.values() for act in _acts(found, same_type)):
        best = group[0]
        for other in group[1:]:
            into[id(other)] = best
            if _consequence_of(found, best, other) and other.target is not None \
                    and not same_party(other.target, best.source):
                best.target = other.target  # "ambushed a convoy, killing seven": the convoy
            if id(other) in found.triggers:
                found.merged_triggers.setdefault(id(best), []).append(found.triggers[id(other)])
            for name in _FILLABLE:
                if getattr(best, name) is None and getattr(other, name) is not None:
                    if name in _ROLE_OTHER and same_party(getattr(other, name),
                                                           getattr(best, _ROLE_OTHER[name])):
                        continue  # the doer of one trigger is not the target of the other
                    setattr(best, name, getattr(other, name))
                    if name == "date":
                        best.date_precision = other.date_precision
            if other.cameo and len(other.cameo) > len(best.cameo or "") \
                    and other.cameo.startswith(best.cameo or ""):
                # CAMEO codes nest: the other trigger says more of the same act ("called off
                # [the strike]": the verb read as a concession, 08; what is conceded, a protest
                # called off, 082)
                best.cameo, best.mode = other.cameo, other.mode or best.mode
        merged.append(best)
    kept = []
    by_sentence: dict[int, list[Event]] = {}
    for ev in merged:
        by_sentence.setdefault(ev.evidence.start, []).append(ev)
    # the clauses an event is told in: those of every trigger merged into it ("demonstrated …,
    # where … were killed in riots": the protest is told in the main clause, whichever of its
    # words the classifier was surest of)
    told_in = {id(ev): {clauses.get(id(ev))} for ev in merged}
    for other_id, ev in into.items():
        if other_id in clauses and id(ev) in told_in:
            told_in[id(ev)].add(clauses[other_id])
    for evs in by_sentence.values():
        evs.sort(key=lambda e: -e.confidence)
        first = evs[0]
        kept.append(first)
        taken = set(told_in[id(first)])
        for e in evs[1:]:
            own_clause = id(e) in clauses and bool(told_in[id(e)] - taken - {None})
            if e.confidence >= SECOND_EVENT_CONFIDENCE or (own_clause and e.confidence >= OTHER_CLAUSE_CONFIDENCE):
                kept.append(e)
                taken |= told_in[id(e)]
            elif id(e) in found.noun_reads:
                # too weak a second act to stand as a new event, an event noun may still name
                # again an act told before ("charged with complicity in the assassination")
                found.unread.append(found.noun_reads[id(e)])
    # the same act by a coordinated doer stands or falls with the event it was read with
    kept_ids = {id(e) for e in kept}
    # (the kept event, a coordinated party's dyad): one event each
    doers: set[tuple] = set()
    for ev in events:
        if id(ev) in found.co_sourced:
            main = found.co_sourced[id(ev)]
            main = into.get(id(main), main)
            dyad = (id(main), ev.source and ev.source.country, ev.target and ev.target.country)
            if id(main) in kept_ids and dyad not in doers:
                doers.add(dyad)
                kept.append(ev)
    return sorted(kept, key=lambda e: (e.evidence.start, e.type))


def _consequence_of(found: Found, event: Event, other: Event) -> bool:
    """Whether `event`'s trigger is a participle telling what `other`'s act did ("torched a
    village, killing 11 civilians", "shelled the town, wounding 40"): the act is `other`'s, and
    whom it was aimed at is its object, not the people the participle counts."""
    if id(event) not in found.triggers or id(other) not in found.triggers:
        return False
    tok, main = found.parsed[found.triggers[id(event)]], found.parsed[found.triggers[id(other)]]
    return tok.dep_ == "advcl" and tok.tag_ == "VBG" and tok.head.i == main.i


def _acts(found: Found, events: list[Event]) -> list[list[Event]]:
    """Events of one type in one sentence grouped into acts: two triggers are one act unless they
    name different doers (`different_doers`), and an act is every trigger linked to it that way.
    Each group keeps the order of `events`."""
    act_of = list(range(len(events)))

    def root(k: int) -> int:
        while act_of[k] != k:
            k = act_of[k]
        return k

    for i in range(len(events)):
        for j in range(i):
            if not different_doers(found, events[j], events[i]):
                act_of[root(i)] = root(j)
    acts: dict[int, list[Event]] = {}
    for k, ev in enumerate(events):
        acts.setdefault(root(k), []).append(ev)
    return list(acts.values())


def different_doers(found: Found, a: Event, b: Event) -> bool:
    """Whether two triggers of one type in one sentence name two parties doing the act, and so two
    acts: "Russia sent 3,000 troops to Almaty and Belarus dispatched 500 soldiers" is a deployment
    by each (CAMEO and PLOVER code one event per doer, as `build.co_sources` does for doers
    coordinated in one phrase). Two parties when each trigger names its own doer and either their
    actors are of different countries, or one doer is named as distinct from the rest ("other
    states", "another group": the words say it is not the party named before). A trigger with no
    doer of its own ("the deployment was criticised") may be the same act told again, and merges;
    so do a trigger inside the other's own phrase, which describes that act ("launched an
    investigation into crimes committed by …", "held talks …, the first delegation to visit …"),
    and one of another modality, which is a condition, plan or denial of it
    (`without_conditions` merges a condition of the threat's own type into the threat). And a
    second act must be read as surely as any second act of a sentence (`SECOND_EVENT_CONFIDENCE`:
    wire sentences mostly report one act); a doubtful one is another reading of the first."""
    da, db = found.doers.get(id(a)), found.doers.get(id(b))
    if da is None or db is None or da == db or a.modality != b.modality \
            or min(a.confidence, b.confidence) < SECOND_EVENT_CONFIDENCE:
        return False
    ta, tb = (found.parsed[found.triggers[id(e)]] for e in (a, b))
    if _describes(ta, tb) or _describes(tb, ta):
        return False
    if a.source is not None and b.source is not None and a.source.country and b.source.country:
        return a.source.country != b.source.country
    return any(c.dep_ in ("amod", "det") and c.lower_ in _DISTINCT
               for t in (found.parsed[da], found.parsed[db]) for c in t.children)


def _describes(tok, head) -> bool:
    """Whether `tok` stands in the phrase `head` heads: not in a clause coordinated with it or
    adverbial to it ("… arrested 40 students while Ugandan police detained 12 traders"), which
    tells an act of its own."""
    for t in (tok, *tok.ancestors):
        if t.i == head.i:
            return True
        if t.dep_ in ("conj", "advcl", "parataxis"):
            return False
    return False


# Words that set a party apart from one named before: "other states", "another militia".
_DISTINCT = {"other", "another"}


_CLAUSE_DEPS = {"ROOT", "ccomp", "advcl", "relcl", "conj", "parataxis", "csubj"}


def clause_of(tok):
    """The verb heading the clause a trigger stands in (the trigger itself for a clause's verb)."""
    cur = tok
    for _ in range(12):
        if cur.pos_ in ("VERB", "AUX") and cur.dep_ in _CLAUSE_DEPS or cur.head.i == cur.i:
            return cur
        cur = cur.head
    return cur
