"""One event from one accepted candidate: its act as PLOVER codes it, its roles, modality,
date, place and count (`build_event`)."""

from __future__ import annotations

import msgspec

from ..actors import DOMESTIC_SECTORS, VEHICLES, is_actor
from ..record import Actor, Document, Event, Evidence, Quantity
from ..spans import starting_within
from .candidates import Trigger, lexicon_defaults, triggers_for
from .context import actor_at, first_person_speaker, same_party
from .intent import (PROMISE_TYPES, STATEMENT_TYPES, THREAT_TYPES, concession, defiance, demand,
                     prevention, recode, reversal)
from .roles import (agreed_to, conditional, defied, demand_speaker, granted, halted,
                    infinitive_complements, modality, prevented, refused, source_and_target,
                    unstated)
from .roles import implied_state_agent

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



def own_date(parsed, tok, ref) -> tuple[str | None, str]:
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


def build_event(doc, parsed, sent, tok, event_type, confidence, registry) -> list[Event]:
    """The event a candidate names, and one more for each party of another country coordinated
    with its target or its source (`co_sources`)."""
    from ..dates import date_for_span
    from ..places import event_location

    event_type, trig = act_type(tok, event_type)
    src_tok, tgt_tok = source_and_target(tok, event_type, is_party=_party_test(parsed, registry))
    source = first_person_speaker(doc, src_tok) or actor_at(parsed, src_tok, registry)
    target = first_person_speaker(doc, tgt_tok) or actor_at(parsed, tgt_tok, registry)
    named_source, named_target = source, target
    if source is not None and not is_actor(source):
        source = source if source.kind != "unknown" else None
    if target is not None and not is_actor(target):
        target = None
    if target is None and event_type in _STATED_THROUGH_AN_ACT:
        target = _complement_target(parsed, tok, event_type, registry, source)
    mood = modality(tok, event_type)
    if event_type == "ACCUSE" and trig.mode == "allege" and mood == "asserted":
        mood = "claimed"  # an accusation is the accuser's unverified assertion about another
    coded_type, mode, cameo, mood, source, target = code_act(
        doc, parsed, tok, event_type, trig, mood, source, target, registry)
    date, precision = own_date(parsed, tok, doc.reference_date)
    if date is None and (tok.dep_ == "ROOT" or tok.head == sent.root):
        date, precision, _ = date_for_span(sent, doc.reference_date)
    location = event_location(tok, doc.entities, target)
    for actor in (source, target):
        if actor is not None and actor.country is None and actor.sector in DOMESTIC_SECTORS \
                and actor.kind != "igo" and location is not None and location.country:
            actor.country = location.country  # "the police" in Almaty are Kazakh police
    source = _placed_by_sentence(source, target, sent, doc, location)
    target = _placed_by_its_state(target, source, coded_type, location)
    if source is None and (implied := implied_state_agent(coded_type, mode, tok, location)) is not None:
        # an arrest or a shutdown with no doer named is the act of the state where it happened
        source = Actor(text=location.text, name=_country_name(implied[0]), country=implied[0],
                       sector=implied[1], kind="state")
    if same_party(source, target):
        # "Obama … the executive order that President Obama plans to sign", "he had been falsely
        # accused" resolved to the speaker: an act aimed at its own doer is a misread target
        target = None
    if source is not None and source.kind == "state" and (
            (coded_type == "PROTEST" and mode in (None, "demo"))
            or (coded_type == "ACCUSE" and tok.lemma_.lower() == "protest")):
        # a state "protests" by complaining officially (CAMEO 114: ACCUSE), whether the classifier
        # heard the word as dissent or as a complaint; PLOVER's PROTEST is dissent in the street:
        # "Serbia lodged an official protest with Albania", "Peru protested to Chile"
        coded_type, mode, cameo = "ACCUSE", "allege", "114"
    event = Event(
        id="", type=coded_type, mode=mode, cameo=cameo, source=source, target=target,
        date=date, date_precision=precision if date else "unknown", location=location,
        quantity=quantity_for(doc, parsed, sent, tok, event_type), modality=mood,
        confidence=round(confidence, 4),
        evidence=Evidence(text=sent.text, start=sent.start_char, end=sent.end_char))
    events = [event]
    # (only when the role is the phrase's own: not a demander, a stopper or the state put there)
    if tgt_tok is not None and target is not None and target is named_target and target.country:
        # "threatened to break off relations with Congo and Costa Rica": the act aimed at each
        # (not when the target is the source's own partner: "Chad and Sudan resumed talks")
        if src_tok is None or tgt_tok not in src_tok.conjuncts:
            events += [msgspec.structs.replace(event, target=other)
                       for other in co_sources(parsed, tgt_tok, target, registry)
                       if source is None or other.country != source.country]
    if src_tok is None or source is None or source is not named_source or source.country is None:
        return events
    for other in co_sources(parsed, src_tok, source, registry):
        partner = event.target
        if event.target is not None and event.target.country == other.country:
            partner = source  # the roles already made the other doer the partner: the converse
        elif coded_type in RECIPROCAL_TYPES and event.target is None:
            event.target, partner = other, source  # "X and Y agreed": each agreed with the other
        events.append(msgspec.structs.replace(event, source=other, target=partner))
    return events


def _party_test(parsed, registry):
    """Whether the phrase a token heads names someone who can act or be acted on (the actor coder)."""
    return lambda t: is_actor(actor_at(parsed, t, registry))


def doer_token(parsed, tok, label: str, registry):
    """The token heading the phrase that names who did the act a candidate read as `label` names
    (its subject, agent or possessor, as `build_event` reads its source), or None."""
    event_type, _ = act_type(tok, label)
    return source_and_target(tok, event_type, is_party=_party_test(parsed, registry))[0]


# Acts two parties do with each other: "Israel and Lebanon renewed negotiations" is each one's
# talks with the other (CAMEO codes the dyad both ways).
RECIPROCAL_TYPES = {"AGREE", "CONSULT", "COOPERATE"}


def co_sources(parsed, src_tok, source: Actor, registry) -> list[Actor]:
    """The doers of another country coordinated with the source: "The United States and Jordan
    have agreed", "Senior Hungarian and Romanian officials agreed", "U.S. and Russian negotiators
    return to Geneva". CAMEO and PLOVER code one event per doer; the text says each did the act.
    Doers of the source's own country ("police and soldiers fired") stay one event: one state's
    act, however many arms of it took part."""
    found: list[Actor] = []
    seen = {source.country}
    for conj in src_tok.conjuncts:
        actor = actor_at(parsed, conj, registry)
        if actor is not None and is_actor(actor) and actor.country and actor.country not in seen:
            seen.add(actor.country)
            found.append(actor)
    # coordinated nationalities on one noun: "Hungarian and Romanian officials"
    for mod in src_tok.children:
        if mod.dep_ not in ("amod", "compound", "nmod"):
            continue
        for conj in mod.conjuncts:
            if conj.head is src_tok or conj.i > src_tok.i:
                continue
            actor = actor_at(parsed, conj, registry)
            if actor is not None and actor.country and actor.country not in seen:
                seen.add(actor.country)
                found.append(msgspec.structs.replace(source, country=actor.country))
    return found



def _country_name(alpha3: str) -> str | None:
    from ..actors import lexicon

    return lexicon().country_names.get(alpha3)


def act_type(tok, event_type: str) -> tuple[str, Trigger]:
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
    if event_type == "ASSAULT" and (_says_rioted(tok) or _done_while_rioting(tok)):
        # the verb says its doers rioted, or the act is what they did while rioting ("prisoners
        # rioted, setting fire to their mattresses"): PLOVER codes riots and mob violence PROTEST
        # `riot` (CAMEO 145) whatever the rioters hurt (docs/CODING.md); the classifier often
        # hears the violence as an assault. (A noun read as an assault is the sentence's topic:
        # "the worst attack since the uprising".)
        return "PROTEST", Trigger("PROTEST", "riot", "145")
    elif (event_type == "ASSAULT" or (event_type == "PROTEST" and any(
            t.type == "ASSAULT" for t in triggers_for(tok)))) and _crowd_did_it(tok):
        # a crowd as such did it ("a mob torched the market", "protesters stormed the parliament"):
        # mob violence, PLOVER's PROTEST `riot` (CAMEO 145) whatever it hurt (docs/CODING.md) —
        # also when the classifier already heard a protest in a verb of violence
        return "PROTEST", Trigger("PROTEST", "riot", "145")
    if event_type == "PROTEST" and _names_only_violence(tok):
        # a protest told by a word of violence alone ("set fire to", "torched", "stoned"): a riot
        return "PROTEST", Trigger("PROTEST", "riot", "145")
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


def _names_only_violence(tok) -> bool:
    """A word the trigger lexicon lists as an assault and never as a protest."""
    kinds = {t.type for t in triggers_for(tok)}
    return "ASSAULT" in kinds and "PROTEST" not in kinds


def _says_rioted(tok) -> bool:
    """A verb the trigger lexicon lists only as rioting ("rioted")."""
    named = triggers_for(tok) if tok.pos_ == "VERB" else []
    return bool(named) and all(t.type == "PROTEST" and t.mode == "riot" for t in named)


def _done_while_rioting(tok) -> bool:
    """An act told as part of a riot: a verb, or the object of a verb ("setting fire", "smashing
    furniture"), in a clause hung on a verb that says its doers rioted ("inmates rioted, setting
    fire to their mattresses", "rioted and burned cars")."""
    verb = tok if tok.pos_ == "VERB" else tok.head if tok.dep_ == "dobj" else None
    return verb is not None and verb.dep_ in ("advcl", "conj", "xcomp") and _says_rioted(verb.head)


# Nouns that name a crowd as such, whoever is in it. A crowd that attacks is rioting in PLOVER's
# codebook (PROTEST `riot`: "distinct, continuous and violent action directed toward members of a
# distinct 'other' group or government authorities"), where armed groups, soldiers or a named
# person attack (ASSAULT). Words for who is in the crowd ("villagers", "students", "supporters")
# are not here: those people also act otherwise than as a crowd.
CROWD_NOUNS = frozenset({"mob", "crowd", "rioter", "protester", "protestor", "demonstrator",
                         "marcher", "agitator", "throng"})


def _crowd_did_it(tok) -> bool:
    """Whether the act's doer is named as a crowd: its subject or agent ("a mob torched the
    shops", "the police station was attacked by rioters"), counted ("hundreds of protesters
    stormed …"), or a crowd of someone ("a crowd of villagers lynched …"); for a weapon the doer
    of the verb that handles it."""
    doer, _ = source_and_target(tok, "ASSAULT", is_party=lambda t: True)
    if doer is None and tok.pos_ in ("NOUN", "PROPN"):
        # a weapon or act named as what a verb handles: "hurling petrol bombs", "pelted the
        # police with stones" — whoever does the verb
        verb = tok.head if tok.dep_ == "dobj" else tok.head.head if (
            tok.dep_ == "pobj" and tok.head.dep_ == "prep") else None
        if verb is not None and verb.pos_ == "VERB":
            doer, _ = source_and_target(verb, "ASSAULT", is_party=lambda t: True)
    if doer is None:
        return False
    words = {doer.lemma_.lower(), doer.lower_}
    if doer.dep_ == "pobj" and doer.head.lower_ == "of":
        words.add(doer.head.head.lemma_.lower())  # source_and_target gives the counted noun
    return not words.isdisjoint(CROWD_NOUNS)


# Statements about an act written as a verb with the act as its complement: "refused to deploy
# peacekeepers in Iraq", "is willing to send material to help defend Saudi Arabia", "threatened to
# expel the envoy of Chad", "asked Japan to lift the ban".
_STATED_THROUGH_AN_ACT = frozenset({"REJECT", "AGREE", "THREATEN", "REQUEST"})


def _complement_target(parsed, tok, event_type: str, registry, source) -> Actor | None:
    """Whom a refusal, promise, threat or demand with no target of its own is about: the party the
    act it states is aimed at, read from that act's own phrase (its complement, two deep at most:
    "willing to send material to help defend Saudi Arabia"); never the statement's own source."""
    inner = tok
    for _ in range(2):
        inner = next(iter(infinitive_complements(inner)), None)
        if inner is None or inner.pos_ != "VERB":
            return None
        _, tgt_tok = source_and_target(
            inner, event_type, is_party=lambda t: is_actor(actor_at(parsed, t, registry)))
        target = actor_at(parsed, tgt_tok, registry) if tgt_tok is not None else None
        if target is not None and is_actor(target) and not same_party(target, source):
            return target
    return None


def _allowed_party(parsed, tok, registry) -> Actor | None:
    """Whom "allow" lets act: its object, or the subject of the clause it governs ("allowed
    [the candidate] to run")."""
    who = next((c for c in tok.children if c.dep_ == "dobj"), None)
    if who is None:
        clause = next((c for c in tok.children if c.dep_ in ("ccomp", "xcomp")), None)
        who = next((c for c in clause.children if c.dep_ == "nsubj"), None) if clause is not None else None
    return actor_at(parsed, who, registry) if who is not None else None


# The domestic actors a government restricts or lets act: opposition, parties, press, unions,
# activists, clergy, students.
_DISSENT_SECTORS = {"OPP", "PTY", "MED", "CVL", "LAB", "EDU", "REL", "PRO"}


def code_act(doc, parsed, tok, event_type: str, trig: Trigger, mood: str, source, target,
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
        stopped_by = actor_at(parsed, subject, registry) if subject is not None else None
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
        elif acts and len({t.type for t in acts}) == 1 and acts[0].type in PROMISE_TYPES:
            # a promise of the one act the word names is coded by that act ("would release the
            # students": 0353, a promise to release)
            coded_type, mode, cameo, mood = recode(acts[0].type, acts[0].mode, acts[0].cameo, "intended")
    if coded_type == event_type and mood == "asserted" \
            and any(q.start <= tok.idx < q.end for q in doc.quotes):
        # an act named inside someone's quoted words ("To shoot to kill") is their word for it,
        # not something the report says happened
        mood = "intended" if tok.tag_ == "VB" else "claimed"
    speaker = demand_speaker(tok)
    if speaker is not None and mood != "denied":
        demander = actor_at(parsed, speaker, registry)
        if demander is not None and is_actor(demander):
            act, act_mode = event_type, trig.mode
            named = [t for t in triggers_for(tok) if t.type not in STATEMENT_TYPES]
            if event_type in STATEMENT_TYPES and named and len({t.type for t in named}) == 1:
                # the classifier heard the demand (or a promise); the word names the one act
                # demanded ("must release": a demand for a release, 1053)
                act, act_mode = named[0].type, named[0].mode
            coded_type, mode, cameo = demand(act, act_mode)
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
    - Any other actor the coder gave no country, but an IGO — an official or a named person, a
      group of people — whose country the text gives only elsewhere in the sentence ("Lt. Gen. X
      resigned to allow Haiti's first democratic elections", "Islamic fundamentalists demanded
      the resignation of the Algerian President"): the one country the sentence names, unless
      that is the other party's and the source is no organ of a state. (Session 8 widened this
      from officials and persons to groups: PLOVER GSR type+source 0.701 → 0.705, PLV source
      overlap unchanged.)"""
    if source is None:
        return None
    words = source.text.lower().split()
    if "ethnic" in words and source.kind == "group" and location is not None \
            and location.country and location.country != source.country:
        return msgspec.structs.replace(source, country=location.country)
    if source.country is None and source.kind != "igo":
        named = {c for e in doc.entities if sent.start_char <= e.start < sent.end_char
                 for c in ((e.actor.country if e.actor else None), (e.place.country if e.place else None))
                 if c}
        # (a state's own organ may share it with the target: a judge, police or a ministry
        # act at home on their own people, the mirror of `_placed_by_its_state`)
        if len(named) == 1 and (target is None or target.country not in named
                                or source.sector in _STATE_SECTORS):
            return msgspec.structs.replace(source, country=named.pop())
    return source


# The state's own organs, which act at home on their own people when nothing says otherwise.
_STATE_SECTORS = {"GOV", "COP", "MIL", "JUD", "LEG", "SPY"}


def _placed_by_its_state(target: Actor | None, source: Actor | None, event_type: str,
                         location) -> Actor | None:
    """A target the actor coder could not place, acted on by a state's own organ at home, is of
    that state: "Egyptian police opened fire to disperse Moslem fundamentalist demonstrators",
    "the Mozambique government accepted demands from Shona rebels", "the interior minister allowed
    the opposition leader to hold his rally". Not for attacks and deployments, which cross borders
    ("troops killed three militants" says nothing of whose militants), nor when the act's place
    is in another country (a copy: other events of the actor keep their own reading)."""
    if target is None or target.country is not None or target.kind == "igo" or source is None \
            or not source.country or not (source.kind == "state" or source.sector in _STATE_SECTORS) \
            or event_type in ("ASSAULT", "MOBILIZE") \
            or (location is not None and location.country and location.country != source.country):
        return target
    return msgspec.structs.replace(target, country=source.country)


def _security_subject(parsed, verb, registry, sectors=("COP", "MIL", "SPY")) -> bool:
    """Whether the verb's subject is police, army or another arm of the state's force (or of the
    state, with `sectors`)."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    actor = actor_at(parsed, subj, registry) if subj is not None else None
    return actor is not None and (actor.sector in sectors or (actor.kind == "state" and "GOV" in sectors))


def _peacekeepers(tok) -> bool:
    """Whether the forces a deployment moves are peacekeepers ("NATO peacekeeping troops
    arrived", "deployed 800 peacekeepers")."""
    forces = [c for c in tok.children
              if c.dep_ in ("nsubj", "dobj", "nsubjpass", "compound", "amod")
              or (c.dep_ == "prep" and c.lower_ == "of")]  # "the deployment of … troops"
    words = [tok] + [t for f in forces for t in f.subtree if t.dep_ not in ("relcl", "acl")]
    return any(t.lower_.startswith("peacekeep") for t in words)


def quantity_for(doc: Document, parsed, sent, tok, event_type: str) -> Quantity | None:
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
    return starting_within(sent.doc, doc.quantities, para_start, para_end)


def _counted(doc: Document, parsed, sent, tok, event_type: str) -> Quantity | None:
    lo = parsed[tok.left_edge.i].idx
    hi = parsed[tok.right_edge.i].idx + len(parsed[tok.right_edge.i].text)
    in_sentence = starting_within(sent.doc, doc.quantities, sent.start_char, sent.end_char)
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
