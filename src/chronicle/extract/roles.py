"""Who did it, to whom, and how sure the text is: roles and modality from the dependency parse."""

from __future__ import annotations

from ..nlp import POSSESSIVE_PRONOUNS

_SUBJ = ("nsubj", "csubj")
_PASSIVE_SUBJ = ("nsubjpass", "csubjpass")
# Types whose direct object is what is moved or given (troops, aid), not whom it is aimed at.
_OBJECT_IS_MATERIAL = {"MOBILIZE", "AID", "RETREAT", "COOPERATE"}
_TARGET_PREPS = ("to", "against", "on", "with", "at", "from", "toward", "towards", "into", "for")
_LOCATIVE_PREPS = {"in", "at", "near", "outside", "inside", "into", "across", "around", "throughout"}
_DESTINATION_PREPS = {"to", "into", "toward", "towards", "from", "on", "at", "for"}
_PLACE_LABELS = {"GPE", "LOC", "FAC"}

# ("decided to impose sanctions" is not among them: a decision taken is the act itself)
_INTENT_HEADS = {"plan", "intend", "promise", "pledge", "vow", "prepare", "aim", "agree",
                 "threaten", "offer", "want", "seek", "expect", "hope", "propose", "consider",
                 "swear", "resolve",
                 # adjectives of readiness: "is ready to contribute troops", "set to impose"
                 "ready", "willing", "prepared", "determined"}
# Heads under which a negated act is a refusal, not a report that it did not happen.
_REFUSAL_HEADS = {"refuse", "decline", "unwilling", "vow", "swear", "promise", "pledge"}
# Verbs that report what someone said; "would" under them is the reported "will".
_REPORTING = {"say", "announce", "tell", "state", "confirm", "declare", "add", "insist",
              "indicate", "reiterate", "warn", "vow", "promise", "pledge", "signal", "write",
              "report", "stress", "repeat", "affirm", "agree", "decide", "threaten"}
_DENIAL_HEADS = {"deny", "refute", "dismiss", "reject", "refuse", "decline", "unwilling"}
_CLAIM_HEADS = {"claim", "allege", "assert", "insist", "contend", "purport"}
_HYPOTHETICAL_MARKS = {"if", "unless", "whether"}
_HYPOTHETICAL_AUX = {"could", "might", "may", "would"}
_FUTURE_AUX = {"will", "shall", "'ll"}


def _subject_of(verb):
    for child in verb.children:
        if child.dep_ in _SUBJ:
            return child
    return None


def _inherited_subject(tok):
    """The subject a predicate shares with the verb it depends on ("agreed to send", "met and
    signed", "troops who landed", "is willing to send")."""
    cur = tok
    for _ in range(4):
        if cur.dep_ in ("xcomp", "conj", "advcl", "acl", "acomp") and cur.head is not cur:
            head = cur.head
            if cur.dep_ == "acl" and head.lemma_.lower() in _COMMITMENT_NOUNS | _STATEMENT_NOUNS:
                # "Egypt and Sudan reached a consensus to exchange data": who reached it; "the
                # party issued a declaration demanding …": who issued it
                return _support_verb_subject(head)
            if cur.dep_ == "acl" and head.pos_ in ("NOUN", "PROPN"):
                # "students protesting fee increases": the noun does it; "the protests sparked
                # by X", "troops deployed in Y": it does not
                return head if cur.tag_ == "VBG" and cur is tok else None
            subj = _subject_of(head)
            if subj is None and cur.dep_ == "xcomp":
                # "Japan is expected to send aid", "the talks are set to resume": the raised
                # subject of the passive is who does it
                subj = next((c for c in head.children if c.dep_ in _PASSIVE_SUBJ), None)
            if subj is not None:
                return subj
            cur = head
        elif cur.dep_ == "relcl":
            return cur.head
        else:
            return None
    return None


# Verbs that only carry a nominal event, whose subject is the event's agent: "held talks",
# "launched an attack", "promised to continue military aid", "signed an agreement". Verbs that
# judge or report an event ("condemned the attack", "denied the arrests") are not among them: their
# subject is not who acted.
_SUPPORT_VERBS = {"hold", "launch", "stage", "conduct", "carry", "make", "give", "pay", "begin",
                  "start", "continue", "resume", "sign", "reach", "conclude", "provide", "offer",
                  "deliver", "send", "impose", "issue", "file", "lodge", "mount", "open", "take",
                  "extend", "grant", "order", "step", "intensify", "escalate", "declare",
                  "organize", "organise", "lead", "host", "end", "announce", "pursue"}
# Verbs of going whose purpose phrase names the event: "arrived on a visit", "returned for talks".
_MOTION_VERBS = {"arrive", "come", "go", "travel", "return", "fly", "head", "leave", "set",
                 # and of gathering: "converged on the capital for a rally"
                 "converge", "gather", "assemble", "march", "turn"}

# Verbs of being in a state an event noun names: "remained on alert", "are on strike".
_STATE_VERBS = {"remain", "stay", "be", "stand"}
# Nouns for what someone issues to say something: a participle on one is its issuer's act ("issued
# a declaration demanding …", "released a statement calling for …").
_STATEMENT_NOUNS = {"statement", "declaration", "communique", "communiqué", "letter", "resolution",
                    "decree", "message", "note", "memorandum", "ultimatum", "appeal", "petition"}


def _is_verb(tok, lemmas: set[str]) -> bool:
    """Whether a verb is one of `lemmas`. The small model's lemmatizer misses some regular forms
    ("staged" → "stag"), so a past or -s form whose stem is in the set counts too."""
    if tok.lemma_.lower() in lemmas:
        return True
    word = tok.lower_
    return any(word.endswith(end) and (word[:-len(end)] in lemmas or word[:-len(end)] + "e" in lemmas)
               for end in ("ed", "es", "s", "d", "ing"))


def _support_verb_subject(noun):
    """The agent of a nominal event carried by a support verb or a verb of going, if any."""
    head = noun.head
    if noun.dep_ in ("dobj", "conj") and head.pos_ == "VERB" and _is_verb(head, _SUPPORT_VERBS):
        verb = head
    elif noun.dep_ == "pobj" and head.lower_ in ("on", "for") and head.head.pos_ in ("VERB", "AUX") \
            and (_is_verb(head.head, _MOTION_VERBS)
                 or (head.lower_ == "on" and _is_verb(head.head, _STATE_VERBS))):
        verb = head.head
    else:
        return None
    if any(c.dep_ in _PASSIVE_SUBJ for c in verb.children):
        return None  # "talks were held": no agent named
    return _subject_of(verb) or _inherited_subject(verb)


# Verbs that put someone in a state a noun names, through a preposition: "take into custody",
# "place under arrest", "remand to police custody", "keep in detention", "send to jail".
_PLACING_VERBS = {"take", "place", "put", "keep", "hold", "remand", "send", "hand"}


def _placing_verb(noun):
    """The verb that puts someone in the state `noun` names ("taken [into custody]"), if any."""
    prep = noun.head
    if noun.dep_ == "pobj" and prep.dep_ == "prep" and prep.lower_ in ("into", "in", "under", "to") \
            and prep.head.pos_ == "VERB" and _is_verb(prep.head, _PLACING_VERBS):
        return prep.head
    return None


def _destination(noun):
    """Whom a visit is paid to: the place the visitor went ("arrived in Amman on a visit")."""
    head = noun.head
    if not (noun.dep_ == "pobj" and head.lower_ in ("on", "for") and head.head.pos_ == "VERB"
            and head.head.lemma_.lower() in _MOTION_VERBS):
        return None
    for prep in head.head.children:
        if prep.dep_ == "prep" and prep.lower_ in ("in", "to", "into"):
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if obj is not None and obj.ent_type_ == "GPE":
                return obj
    return None


# Common nouns that name where something happens, never who: "landed at the airport of
# Almaty", "sent troops to the border".
_PLACE_NOUNS = {"airport", "airfield", "airbase", "airstrip", "port", "harbour", "harbor",
                "border", "frontier", "crossing", "checkpoint", "square", "town", "village",
                "city", "province", "district", "region", "valley", "island", "coast", "gate",
                "road", "street", "highway", "bridge", "railway"}


def _is_place(tok) -> bool:
    """A place: a name by the entity recogniser, or — where the small model takes "Niger" for a
    person — because the word is a country or capital in the actor lexicon; or a noun that
    names a kind of place."""
    if tok.ent_type_ in _PLACE_LABELS or (tok.pos_ == "NOUN" and tok.lemma_.lower() in _PLACE_NOUNS):
        return True
    from ..actors import lexicon

    found = lexicon().countries.get(tok.text)
    return found is not None and found[1] != "demonyms"


def _is_country(tok) -> bool:
    """A country named by its name (not a city, not a demonym)."""
    from ..actors import lexicon

    found = lexicon().countries.get(tok.text)
    return found is not None and found[1] == "aliases"


_NOT_PARTIES = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}


def _can_be_party(tok) -> bool:
    """Whether a token can head the phrase of a participant: not a date ("on Friday"), an amount,
    or a relative pronoun ("with which")."""
    return tok.ent_type_ not in _NOT_PARTIES and tok.tag_ not in ("WDT", "WP", "WP$")


def _bare_dative(tok, is_party):
    """A bare indirect object of a verb: "offered Kyiv more weapons"."""
    return next((c for c in tok.children if c.dep_ == "dative" and c.pos_ in ("PROPN", "NOUN")
                 and _can_be_party(c) and is_party(c)), None)


def _is_amount(tok) -> bool:
    """A counted or priced thing ("50 million euros", "300 million kroner"): what is given, not
    who gives it. Counted people ("3,000 soldiers") are left to the actor coder."""
    counted = any(c.dep_ in ("nummod", "compound")
                  and (c.like_num or c.ent_type_ in ("CARDINAL", "MONEY")) for c in tok.children)
    return tok.ent_type_ == "MONEY" or (counted and not _codes_as_actor(tok))


def _indirect_object(tok, is_party):
    """An indirect object: "will give Tanzania a grant", "offered Kyiv more weapons", "gave a
    grant to Kenya" (a place only when it is a country)."""
    bare = _bare_dative(tok, is_party)
    if bare is not None:
        return bare
    for child in tok.children:
        if child.dep_ in ("dative", "prep") and child.lower_ == "to":
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and _can_be_party(obj) and (not _is_place(obj) or _is_country(obj)) \
                    and is_party(obj):
                return obj
    return None


_AGENT_PREPS = {"by", "from"}


def _agent_of_object_act(tok, is_party):
    """When what is acted on is another act or a thing someone made, whoever did or made it:
    "denounced Serbia's suppression of the unrest", "rejected calls by Belarus's rulers",
    "violated a ban by General Aoun", "rejected a motion by Mubarak" — the act's possessor, or
    its "by"/"from" agent."""
    from .candidates import triggers_for

    for obj in (c for c in tok.children if c.dep_ == "dobj"):
        if not triggers_for(obj) and is_party(obj):
            # an object that is someone is the target itself; one that is an act or a thing
            # someone did or made ("rejected a motion by Mubarak", "defended Brazil's
            # policies") points to its author
            continue
        for child in obj.children:
            agent = child if child.dep_ == "poss" else None
            if child.dep_ == "prep" and child.lower_ in _AGENT_PREPS:
                agent = next((c for c in child.children if c.dep_ == "pobj"), None)
            if agent is not None and _can_be_party(agent) and agent.lower_ not in _POSSESSIVE_PRONOUNS \
                    and is_party(agent):
                return agent
    return None


_POSSESSIVE_PRONOUNS = POSSESSIVE_PRONOUNS | {"our", "my", "your"}


# Types whose passive subject, when it is an armed or police force, is the one acting.
_MOVES_FORCES = {"MOBILIZE", "AID"}


def _has_recipient(verb) -> bool:
    """Whether a verb names to whom something goes ("returned the paintings to the museum")."""
    return any(c.dep_ in ("prep", "dative") and c.lower_ == "to" for c in verb.children)


def _are_people(tok) -> bool:
    """Whether a phrase names people (a person, or a group the coder gives a sector), not just
    a thing of some country ("Iraqi artefacts")."""
    from ..actors import code_span

    actor = code_span(tok.doc, tok)
    return actor.kind == "person" or actor.sector is not None


def _is_force(tok) -> bool:
    from ..actors import code_span

    actor = code_span(tok.doc, tok)
    return actor.sector in ("MIL", "COP") and actor.kind == "group"


def _codes_as_actor(tok) -> bool:
    from ..actors import code_span, is_actor

    return is_actor(code_span(tok.doc, tok))


_STANCE_PARTICIPLES = {"commit", "determine", "prepare", "dedicate", "resolve", "oppose",
                       "opposed", "committed", "determined", "prepared"}


def source_and_target(tok, event_type: str, is_party=_codes_as_actor):
    """(source head token | None, target head token | None) for a predicate token.

    `is_party(token)` says whether the phrase a token heads names someone who can act or be acted
    on (the actor coder); objects that are not ("blamed the unrest on terrorist groups") are
    passed over for the next candidate."""
    source = target = None
    if tok.pos_ in ("NOUN", "PROPN"):
        # nominal event: "Russia's deployment", "the deployment of Russian troops by Moscow",
        # "Kazakh protests", "the arrest of opposition leaders"
        for child in tok.children:
            if child.dep_ == "poss":
                source = child
            elif child.dep_ == "prep" and child.lower_ == "by":
                source = next((c for c in child.children if c.dep_ == "pobj"), source)
            elif child.dep_ == "prep" and child.lower_ == "of":
                obj = _party_of(child)
                # "a grant of 300 million kroner": an amount is what is given, not who gives
                if obj is not None and not _is_place(obj) and _can_be_party(obj) \
                        and not _is_amount(obj):
                    if tok.lemma_.lower() in _DONE_TO_ITS_OF and not _is_force(obj) and _are_people(obj):
                        target = target or obj  # "the release of 37 prisoners": the freed
                    elif event_type in _OBJECT_IS_MATERIAL or event_type in ("PROTEST", "ASSAULT"):
                        source = source or obj
                    else:
                        target = target or obj
            elif child.dep_ == "prep" and child.lower_ in ("against", "on", "with", "to", "into"):
                obj = _party_of(child)
                # not a date: "talks on Monday"
                if obj is not None and _can_be_party(obj) \
                        and not (_is_place(obj) and event_type in _OBJECT_IS_MATERIAL):
                    target = target or obj
        if source is None:
            for child in tok.children:
                if child.dep_ in ("amod", "compound") and child.ent_type_ in ("NORP", "GPE", "ORG"):
                    source = child
        placing = _placing_verb(tok) if event_type == "COERCE" else None
        if placing is not None:
            # "took 40 people into custody", "were placed under arrest by the police": the verb
            # that puts someone in the state the noun names does the act, on whom it puts there
            by, on = source_and_target(placing, event_type, is_party)
            source, target = source or by, target or on
        if source is None:
            source = _support_verb_subject(tok)
        if target is None and tok.dep_ == "dobj" and _is_verb(tok.head, _SUPPORT_VERBS):
            target = _indirect_object(tok.head, is_party)  # "will give Tanzania a grant"
            if target is None:
                # the parser hangs the phrase on the verb that carries the act: "filed charges
                # against the president", "opened investigations against banks"
                target = _aimed_at(tok.head, event_type, is_party)
        if target is None and event_type == "CONSULT":
            target = _destination(tok)
        # "the protests began": no agent inside the phrase, so the source stays unknown
        target = _reciprocal_partner(source, target, event_type) or target
        return source, _owner_of_thing(target, is_party) or target

    passive = any(c.dep_ in _PASSIVE_SUBJ for c in tok.children)
    # "Vietnam is committed to opening up", "Turkey is determined to": a stance, not something
    # done to the subject, which holds it
    stance = passive and _is_verb(tok, _STANCE_PARTICIPLES) and not any(
        c.dep_ == "agent" for c in tok.children)
    for child in tok.children:
        if child.dep_ in _SUBJ and source is None:  # the first subject; later ones are parse slips
            source = child
        elif child.dep_ in _PASSIVE_SUBJ and stance and source is None:
            source = child
        elif child.dep_ in _PASSIVE_SUBJ and target is None and not stance:
            target = child
        elif child.dep_ == "agent":  # "were arrested by police"
            source = next((c for c in child.children if c.dep_ == "pobj"), source)
        elif child.dep_ == "dobj" and target is None and is_party(child):
            if event_type not in _OBJECT_IS_MATERIAL or child.ent_type_ in ("GPE", "NORP", "PERSON") \
                    or (event_type == "RETREAT" and not _is_force(child)
                        and (_are_people(child) or not _has_recipient(tok))):
                # what is moved or given is no target ("sent troops", "delivered aid"); but
                # people or property freed are whom a release is for ("freed 37 prisoners",
                # "released the Iranian tanker"), unlike forces withdrawn ("pulled out 500
                # soldiers") or things returned to someone ("returned six artefacts to Iraq")
                target = child
    if source is None and not passive:
        source = _inherited_subject(tok)
    if source is None and target is not None and event_type in _MOVES_FORCES \
            and _is_force(target):
        # "Chinese troops were deployed to the valley": forces moved are their state's act;
        # whom it is aimed at is still to be found
        source, target = target, None
    if target is None:
        # "appealed to Moscow", "shared evidence with the U.S."; and where the parser hangs the
        # phrase on the object: "granted asylum to five officers", "imposed sanctions on Iran"
        objects = [c for c in tok.children if c.dep_ == "dobj"]
        preps = [c for c in tok.children if c.dep_ in ("prep", "dative")] + [
            c for o in objects for c in o.children if c.dep_ == "prep" and c.lower_ != "of"]
        for child in preps:
            if child.lower_ not in _TARGET_PREPS:
                continue
            obj = _party_of(child)
            if obj is None or not _can_be_party(obj) or not is_party(obj):
                continue
            if _is_place(obj) and (child.lower_ in _LOCATIVE_PREPS or (
                    event_type in _OBJECT_IS_MATERIAL and child.lower_ in _DESTINATION_PREPS)) \
                    and not (event_type == "AID" and child.lower_ == "to" and _is_country(obj)):
                # "landed at Almaty", "sent troops to Syria": where, not whom. But aid sent to a
                # country is given to it: "sent 1,000 police officers to Haiti"
                continue
            target = obj
            break
    if target is None:
        target = _bare_dative(tok, is_party) or _agent_of_object_act(tok, is_party)
    if target is None and event_type == "MOBILIZE":
        target = _purpose_target(tok, is_party)
    if target is None:
        target = _purpose_object(tok, source, is_party)
    if target is None and event_type == "REQUEST":
        target = _asked_for_refuge(tok)
    if target is None and event_type in _ANSWERS:
        target = _who_asked(tok, is_party)
    if target is None and event_type in _STATED_ACT_TYPES:
        target = _target_of_stated_act(tok, is_party)
    if target is None and event_type == "REQUEST":
        # "demanded that the US cancel the sale": who is asked is the subject of what is asked
        for child in tok.children:
            if child.dep_ == "ccomp":
                subj = _subject_of(child)
                if subj is not None and _can_be_party(subj) and is_party(subj):
                    target = subj
                    break
    partner = _reciprocal_partner(source, target, event_type)
    if partner is not None:
        target = partner
    if target is None and event_type == "RETREAT" and tok.pos_ == "VERB":
        target = _country_moved_between(tok, event_type)  # "withdrew from Chad": Chad's concern
    if target is not None and (_own_forces(target) or _forces_withdrawn(target, source, event_type)):
        # "withdraw its troops from Lebanon", "offered its troops to Lebanon": the forces are
        # what is moved; whom it concerns is the country they leave or are sent to
        target = _country_moved_between(tok, event_type)
    target = _owner_of_thing(target, is_party) or target
    source, target = (_counted(t) or t if t is not None else None for t in (source, target))
    if source is not None and (not _can_be_party(source) or _only_a_place(source)):
        source = None
    return source, target


_OWN = {"its", "their", "his", "her", "our"}


# Acts that answer what someone asked, offered or demanded: aimed at who did ("rejected an offer
# made by the Taliban", "refused to respond to a request from Haaretz", "conceded to demands from
# UNITA"). An object the actor coder codes by its own phrase ("accepted the proposal of the EU")
# is the target already, as any object is.
_ANSWERS = {"REJECT", "CONCEDE", "AGREE"}
_ASKINGS = {"request", "demand", "offer", "appeal", "call", "proposal", "plea", "ultimatum",
            "invitation", "petition", "bid", "overture", "suggestion"}


def _who_asked(verb, is_party, depth: int = 0):
    """Who made the request, offer or demand that an answering act takes up — as its object, after
    "to", or in the verb it states ("refused to respond to a request from …"): the possessor of the
    asking noun, or the object of its "from", "by" or "of", or the agent of a participle on it
    ("an offer made by …"). None when the act takes up no such noun or it names no one."""
    nouns = [c for c in verb.children if c.dep_ == "dobj"] + [
        o for p in verb.children if p.dep_ == "prep" and p.lower_ == "to"
        for o in p.children if o.dep_ == "pobj"]
    for noun in (n for n in nouns if n.lemma_.lower() in _ASKINGS):
        for c in noun.children:
            if c.dep_ == "poss":
                who = c
            elif c.dep_ == "prep" and c.lower_ in ("from", "by", "of"):
                who = _party_of(c)
            elif c.dep_ == "acl":
                who = next((_party_of(a) for a in c.children if a.dep_ == "agent"), None)
            else:
                continue
            if who is not None and who.lower_ not in _POSSESSIVE_PRONOUNS and _can_be_party(who) \
                    and is_party(who):
                return who
    if depth == 0:
        for c in verb.children:
            if c.dep_ == "xcomp" and c.pos_ == "VERB":
                found = _who_asked(c, is_party, depth + 1)
                if found is not None:
                    return found
    return None


# What is asked of the state where one asks for it: "sought refuge in Bangladesh", "requested asylum in
# Canada" ask Bangladesh, Canada (CAMEO's 0234 and PLOVER code the host country as the target).
_REFUGE_NOUNS = {"refuge", "asylum", "sanctuary", "shelter"}


def _asked_for_refuge(verb):
    """The country in which refuge or asylum is sought: the place of an "in" phrase on the verb of
    asking or on its object, when that object is refuge or asylum. None otherwise."""
    objects = [c for c in verb.children if c.dep_ == "dobj" and c.lemma_.lower() in _REFUGE_NOUNS]
    if not objects:
        return None
    for prep in (c for h in (verb, *objects) for c in h.children if c.dep_ == "prep" and c.lower_ == "in"):
        place = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if place is not None and _is_country(place):
            return place
    return None


# Nouns of acts done to someone that name the one it is done to in their 'of' phrase ("the release
# of 37 prisoners", "the repatriation of refugees"), where "the withdrawal of troops" names who withdraw.
_DONE_TO_ITS_OF = {"release", "freeing", "liberation", "repatriation", "evacuation", "pardon"}


def _purpose_object(verb, source, is_party):
    """Whom an act told as the purpose of another is aimed at, when it names no one itself: the
    object of the act it is the purpose of — "summoned the ambassador to complain", "received the
    envoy to discuss ties". Not a force sent to do it ("deployed troops to protect the border"),
    and not what an object is asked to do ("urged Iran to withdraw" is Iran's withdrawal: an
    object-controlled complement, not a purpose clause)."""
    if verb.dep_ != "advcl" or verb.pos_ != "VERB" or not any(
            c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        return None
    obj = next((c for c in verb.head.children if c.dep_ == "dobj"), None)
    if obj is None or obj is source or not _can_be_party(obj) or not is_party(obj) or _is_force(obj):
        return None
    return obj


# Acts told by the act they promise, threaten or refuse: "threatened to shell Iraqi towns",
# "agreed to open its borders to refugees", "refused to lift the embargo on Cuba".
_STATED_ACT_TYPES = {"THREATEN", "AGREE", "REJECT"}


def _target_of_stated_act(verb, is_party, depth: int = 0):
    """Whom a threat, an offer or a refusal is aimed at: whom the act it names is aimed at, or
    whoever must meet its condition ("threatened to hold a general strike unless Israel
    rescinded the annexation")."""
    from .candidates import triggers_for

    if verb.pos_ not in ("VERB", "AUX", "ADJ") or depth > 2:
        return None
    for act in (c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"):
        kinds = [t.type for t in triggers_for(act)]
        _, target = source_and_target(act, kinds[0] if kinds else "ASSAULT", is_party)
        if target is not None:
            return target
        condition = _condition_subject(act, is_party) or _target_of_stated_act(act, is_party, depth + 1)
        if condition is not None:
            return condition
    return _condition_subject(verb, is_party)


def _condition_subject(verb, is_party):
    """The subject of an "if" or "unless" clause on a verb: who must act for the threat to be
    carried out or lifted."""
    for clause in (c for c in verb.children if c.dep_ == "advcl"):
        if any(m.dep_ == "mark" and m.lower_ in ("if", "unless") for m in clause.children):
            subj = _subject_of(clause)
            if subj is not None and _can_be_party(subj) and is_party(subj):
                return subj
    return None


def _aimed_at(verb, event_type: str, is_party):
    """The party a verb's "against", "on", "with" or "into" phrase names ("filed charges against X",
    "imposed sanctions on X", "held talks with X", "opened an inquiry into X"); not a place an act
    moving something goes to."""
    for child in verb.children:
        if child.dep_ != "prep" or child.lower_ not in ("against", "on", "with", "into"):
            continue
        obj = _party_of(child)
        if obj is not None and _can_be_party(obj) and is_party(obj) \
                and not (_is_place(obj) and event_type in _OBJECT_IS_MATERIAL):
            return obj
    return None


def _purpose_target(verb, is_party):
    """Forces mobilised for an act against someone are aimed at them: "mobilised troops for a
    ground assault against Gaza", "put the army on alert for a war with Iraq"."""
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ in ("for", "on")):
        act = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if act is not None and act.pos_ == "NOUN":
            found = _aimed_at(act, "ASSAULT", is_party)
            if found is not None:
                return found
    return None


def _owner_of_thing(tok, is_party):
    """The owner of a thing named as a target: "defended Germany's decision" is aimed at Germany,
    "condemned China's expansion of the reefs" at China. Not people or forces of someone
    ("Nigeria's president", "Russia's troops"), who are the target themselves."""
    if tok is None or tok.pos_ != "NOUN" or tok.ent_type_:
        return None
    owner = next((c for c in tok.children if c.dep_ == "poss"), None)
    if owner is None or owner.lower_ in _POSSESSIVE_PRONOUNS or not _can_be_party(owner) \
            or not is_party(owner):
        return None
    if _names_people(tok):
        return None
    return owner


def _names_people(tok) -> bool:
    """Whether a common noun by itself names people: a role ("president", "troops") or an
    agent noun of the knowledge base ("smugglers")."""
    from ..actorbase import lookup
    from ..actors import lexicon

    roles = lexicon().roles
    compounds = [c for c in tok.children if c.dep_ in ("compound", "amod") and c.i == tok.i - 1]
    words = [tok.lower_, tok.lemma_.lower()] + [f"{c.lower_} {w}" for c in compounds
                                                for w in (tok.lower_, tok.lemma_.lower())]
    if any(w in roles for w in words):
        return True  # "president", "troops", "peacekeeping force"
    fact = lookup(tok.text, kinds={"agent"}) or lookup(tok.lemma_, kinds={"agent"})
    return fact is not None and bool(fact.sector)


def _forces_withdrawn(target, source, event_type: str) -> bool:
    """Forces of the doer's own, or of no one named, withdrawn: "the UN withdrew peacekeepers
    from Rwanda" is about Rwanda. Foreign forces expelled stay the target ("expelled Russian
    soldiers")."""
    if event_type not in ("RETREAT", "SANCTION") or target.dep_ != "dobj" or not _is_force(target):
        return False
    from ..actors import code_span

    country = code_span(target.doc, target).country
    own = code_span(source.doc, source).country if source is not None else None
    return country is None or country == own


def _own_forces(tok) -> bool:
    """Whether a phrase is the actor's own forces or people ("its troops", "their peacekeeping
    force"), named by a possessive pronoun."""
    return any(c.dep_ == "poss" and c.lower_ in _OWN for c in tok.children) and _is_force(tok)


def _country_moved_between(tok, event_type: str):
    """The country forces are taken from (a withdrawal) or sent to (an offer, a deployment)."""
    preps = ("from", "out") if event_type in ("RETREAT", "SANCTION") else ("to", "into")
    verb = tok if tok.pos_ == "VERB" else tok.head
    for child in list(verb.children) + [c for o in verb.children if o.dep_ == "dobj" for c in o.children]:
        if child.dep_ in ("prep", "dative") and child.lower_ in preps:
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and (_is_country(obj) or obj.ent_type_ == "GPE"):
                return obj
            poss = next((c for c in obj.children if c.dep_ == "poss"), None) if obj is not None else None
            if poss is not None and _is_country(poss):
                return obj  # "to Lebanon's new President"
    return None


def _only_a_place(tok) -> bool:
    """Whether a subject is a place that cannot act: a city, region or site ("Almaty saw new
    protests", "Kirkuk erupted") — not a country, capital or seat of government, which stand
    for its state ("Moscow said"), nor a place heading an actor phrase ("Almaty police")."""
    if tok.pos_ != "PROPN":
        return False
    if tok.ent_type_ not in _PLACE_LABELS:
        # a name the recogniser missed: a place if the knowledge base knows it only as a city
        # or region
        from ..actorbase import kb_key, knowledge_base

        kinds = {f.kind for f in knowledge_base().facts(kb_key(tok.text))}
        if not kinds or not kinds <= {"city", "region"}:
            return False
    if any(c.dep_ == "compound" and c.i > tok.i for c in tok.children):
        return False
    from ..actors import lexicon

    if lexicon().countries.get(tok.text) is not None:
        return False
    from ..actors import code_span

    actor = code_span(tok.doc, tok)
    return actor.sector is None and actor.kind not in ("person", "igo", "ngo") and actor.name is None


_RECIPROCAL_TYPES = {"CONSULT", "COOPERATE"}


def _reciprocal_partner(source, target, event_type: str):
    """The second of two subjects who act on each other: "Chad and Sudan resumed negotiations",
    "Kenya and Somalia upgraded their ties" — the first is the source, the other the target.
    Only for acts that take two sides (talks, cooperation) or whose object is theirs together
    ("their ties", "their dispute"); "Russia and China vetoed the resolution" has no target."""
    if source is None or source.dep_ not in _SUBJ:
        return None
    partner = next((c for c in source.children if c.dep_ == "conj"), None)
    if partner is None or not _can_be_party(partner):
        return None
    shared = target is not None and any(c.dep_ == "poss" and c.lower_ == "their" for c in target.children)
    mutual = any(c.dep_ == "dobj" and c.lemma_.lower() in _MUTUAL_NOUNS for c in source.head.children)
    if (target is None and (event_type in _RECIPROCAL_TYPES or mutual)) or shared:
        return partner
    return None


# What two sides make together: who sign, reach or conclude one are each other's counterpart
# ("The US and China signed an agreement", "Kuwait and its allies reached a deal"), whatever
# type the act is coded as.
_MUTUAL_NOUNS = {"agreement", "deal", "accord", "treaty", "pact", "memorandum", "truce", "ceasefire",
                 "cease-fire", "armistice", "compromise", "settlement", "understanding", "contract"}


_PARTITIVES = {"ten", "hundred", "thousand", "million", "dozen", "score", "number", "group",
               "crowd", "handful", "majority", "minority", "some", "many", "most", "several",
               "all", "dozens", "hundreds", "thousands", "tens", "millions", "scores"}


def _party_of(prep):
    """The object of a preposition as a party: the people it counts when it is a number or a
    quantity word ("against hundreds of banks", "on thousands of protesters": the banks, the
    protesters), else the object itself; None when it has none."""
    obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
    return None if obj is None else _counted(obj) or obj


def _counted(head):
    """The people a number or quantity word counts ("tens of thousands of students", "hundreds
    of them", "a group of lawmakers"): the noun at the end of its 'of' chain, or None."""
    found = None
    for _ in range(3):
        if not (head.like_num or head.lower_ in _PARTITIVES or head.lemma_.lower() in _PARTITIVES):
            break
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if obj is None:
            break
        found = head = obj
    return found


def infinitive_complements(tok) -> list:
    """The acts a verb states as its complement: "refused [to deploy]", "offered on Tuesday [to
    host]" — an xcomp, or an infinitive the parser hung as an adverbial clause."""
    return [c for c in tok.children if c.dep_ == "xcomp" or (
        c.dep_ == "advcl" and any(a.lower_ == "to" and a.dep_ == "aux" for a in c.children))]


def _content_clause(tok) -> bool:
    """A clause that tells what a noun says ("reports that soldiers had opened fire", "claims that
    the army shelled the town"): its act is the noun's content, asserted or denied as the noun is."""
    return tok.dep_ == "acl" and tok.head.pos_ == "NOUN" and any(
        c.dep_ == "mark" and c.lower_ == "that" for c in tok.children)


def _chain(tok) -> list:
    """The predicate and the verbs it hangs from: "did not agree to send"."""
    chain = [tok]
    cur = tok
    for _ in range(3):
        if (cur.dep_ in ("xcomp", "ccomp", "pobj", "pcomp", "dobj", "nsubj", "nsubjpass") or _content_clause(cur)) \
                and cur.head is not cur:
            cur = cur.head
            chain.append(cur)
        else:
            break
    return chain


# Heads under which an intended act is someone's expectation or attempt, not a statement the
# actor made: "is expected to sign", "hopes to visit", "tried to hack", "is about to launch".
_UNSTATED_HEADS = {"expect", "hope", "want", "seek", "consider", "try", "attempt", "wish", "likely"}


def agreed_to(tok) -> bool:
    """Whether the act is what someone agreed (or decided together) to do: "agreed to impose
    sanctions" is the sanction decided, "agreed to postpone the march" a concession, "a deal to
    suspend the vote" a deal's term — not a threat or a promise made to someone else."""
    return any(t.lemma_.lower() == "agree" for t in _chain(tok)[1:]) or _what_was_agreed(tok)


def unstated(tok) -> bool:
    """Whether an intended act is expected or attempted rather than announced by its actor."""
    heads = {t.lemma_.lower() for t in _chain(tok)[1:]}
    verb = tok.head if tok.pos_ != "VERB" and tok.dep_ in ("dobj", "nsubjpass") else tok
    return bool(heads & _UNSTATED_HEADS) or _about_to(verb)


def modality(tok, event_type: str) -> str:
    """asserted | intended | denied | hypothetical | claimed for the predicate `tok`."""
    chain = _chain(tok)
    for t in chain:
        if any(c.dep_ == "neg" for c in t.children):
            return "denied"
    for t in chain[1:]:
        if t.lemma_.lower() in _DENIAL_HEADS:
            return "denied"
    for t in chain:
        for c in t.children:
            if c.dep_ == "mark" and c.lower_ in _HYPOTHETICAL_MARKS:
                return "hypothetical"
    if tok.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in _HYPOTHETICAL_MARKS
                                   for c in tok.children):
        return "hypothetical"
    auxes = {c.lower_ for t in chain[:2] for c in t.children if c.dep_ == "aux"}
    heads = {t.lemma_.lower() for t in chain[1:]}
    # an event noun that is a verb's object takes the verb's tense: "will impose a curfew",
    # "offered aid", "would tighten the blockade"
    verb = tok.head if tok.pos_ != "VERB" and tok.dep_ in ("dobj", "nsubjpass") else tok
    if _what_was_agreed(tok):
        return "intended"
    if verb.pos_ == "VERB" and (heads & _INTENT_HEADS or auxes & _FUTURE_AUX
                                or (verb.dep_ == "xcomp" and verb.head.lemma_ == "go")
                                or _about_to(verb)):
        return "intended"
    if auxes & (_HYPOTHETICAL_AUX - {"would"}) or ("would" in auxes and not _reported_future(verb)):
        return "hypothetical"  # "could attack", "may halt"; but "said it would send" is a plan
    if auxes & {"would"}:
        return "intended"  # reported future: "said it would send troops"
    if heads & _CLAIM_HEADS or _according_to(tok):
        return "claimed"
    return "asserted"


# Nouns whose infinitive says what is to be done: "reached a consensus to exchange data",
# "signed a deal to release the hostages", "a pledge to withdraw".
_COMMITMENT_NOUNS = {"agreement", "deal", "consensus", "accord", "pact", "understanding",
                     "pledge", "promise", "commitment", "offer", "plan", "undertaking"}


def _what_was_agreed(tok) -> bool:
    return tok.pos_ == "VERB" and tok.dep_ == "acl" and tok.head.lemma_.lower() in _COMMITMENT_NOUNS \
        and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def _about_to(tok) -> bool:
    """Whether the predicate is "about to" (or "set to", "due to", "poised to") happen: it hangs
    off that word, or the word precedes it. Not "setting off an explosion": only as xcomp."""
    head = tok.head
    words = ("about", "set", "due", "poised")
    return tok.dep_ == "xcomp" and (
        head.lower_ in words or any(c.lower_ in words for c in head.children if c.i < tok.i))


def _reported_future(tok) -> bool:
    head = tok.head
    return tok.dep_ == "ccomp" and head.lemma_.lower() in _REPORTING


def refused(tok) -> bool:
    """Whether a negated predicate is refused rather than reported as not having happened: it is
    future or willed ("will not accept", "would not meet", "refused to release", "vowed never to
    return"), not past ("did not release")."""
    chain = [tok]
    if tok.dep_ in ("xcomp", "ccomp") and tok.head is not tok:
        chain.append(tok.head)
    if any(t.lemma_.lower() in _REFUSAL_HEADS for t in chain[1:]):
        return True
    auxes = {c.lower_ for t in chain for c in t.children if c.dep_ == "aux"}
    return bool(auxes & (_FUTURE_AUX | {"would", "wo", "can", "ca"}))


_OBLIGATION_AUX = {"must", "should"}
_OBLIGATION_VERBS = {"have", "need"}  # "has to return", "needs to withdraw"
_DEMAND_NOUNS = {"reminder", "demand", "insistence", "warning", "call", "message", "statement"}


def obliged(tok) -> bool:
    """Whether a verb carries "must" or "should"."""
    return any(c.dep_ == "aux" and c.lower_ in _OBLIGATION_AUX for c in tok.children)


def demand_speaker(tok):
    """The speaker when a predicate is reported as what someone else must do — "Russia said
    Sudan must return the helicopter", "a reminder to Iraq that it must cooperate" — which CAMEO
    codes as a demand (10x) by the speaker on the one who must act. None otherwise, and when the
    one who must act is the speaker itself ("we must rebuild")."""
    verb = tok
    for _ in range(3):
        # up to the verb carrying the obligation: "has to return", "must agree to release",
        # "must be ready to mediate", "must reach an agreement"
        if obliged(verb) or (verb.dep_ == "xcomp" and verb.head.lemma_.lower() in _OBLIGATION_VERBS):
            break
        if verb.dep_ not in ("xcomp", "acomp", "dobj") or verb.head is verb:
            return None
        verb = verb.head
    else:
        return None
    if not obliged(verb):
        verb = verb.head  # "has to": the obligation sits on "have"
    if verb.dep_ not in ("ccomp", "acl") or verb.head is verb:
        return None
    head = verb.head
    if head.pos_ == "NOUN" and head.lemma_.lower() in _DEMAND_NOUNS:
        head = head.head  # "issued a reminder … that": the verb that issues it
    if head.lemma_.lower() not in _REPORTING | {"issue", "conclude", "make", "send", "deliver"}:
        return None
    speaker = _subject_of(head)
    subject = _subject_of(verb)
    if speaker is None or subject is None or subject.lower_ in ("we", "i") \
            or speaker.lemma_.lower() == subject.lemma_.lower() \
            or any(c.dep_ == "poss" and c.lower_ in ("their", "its", "our", "his", "her")
                   for c in subject.children):
        return None  # "officials agreed that their countries should cooperate": themselves
    return speaker


# Verbs that stop, call off or lift what their object names.
_HALTING = {"cancel", "suspend", "halt", "end", "stop", "abandon", "postpone", "scrap",
            "terminate", "freeze", "cut", "lift", "discontinue", "shelve", "drop",
            # cutting back is coded as stopping: aid reduced is CAMEO 162, a curfew shortened or
            # eased 0813, attacks reduced 087 (de-escalation)
            "reduce", "curtail", "slash", "shorten", "ease", "relax", "loosen"}
_HALTING_WITH_OFF = {"call", "break"}  # "called off the strike", "broke off talks"


def halted(tok):
    """The verb that stops or calls off the event a noun names ("cancelled a planned visit",
    "called off the strike", "lifted the curfew", "ended its mediation"), or None."""
    return _governing(tok, _HALTING, _HALTING_WITH_OFF)


# Verbs that keep an event from happening ("police prevented the demonstration") and verbs that
# defy a rule or a truce ("violated the ban", "broke the ceasefire").
_PREVENTING = {"prevent", "ban", "forbid", "prohibit", "outlaw", "block", "disperse", "crush",
               "suppress", "stop", "end", "quell", "thwart"}
_PREVENTING_WITH_UP = {"break"}  # "broke up the rally"
_DEFYING = {"violate", "defy", "flout", "breach", "ignore", "disregard", "contravene", "break"}


def prevented(tok):
    """The verb that keeps the event a noun names from happening, or None."""
    return _governing(tok, _PREVENTING, _PREVENTING_WITH_UP, particle="up")


# Verbs that give in to what a noun asks for: "accepted the rebels' demands", "conceded to
# demands from the opposition", "bowed to calls for his resignation".
_GRANTING = {"accept", "meet", "grant", "satisfy", "heed", "concede", "accede", "yield", "bow"}


def granted(tok):
    """The verb that gives in to the request a noun names, or None."""
    found = _governing(tok, _GRANTING)
    if found is not None:
        return found
    head = tok.head  # "conceded to demands", "bowed to pressure"
    if tok.dep_ == "pobj" and head.lower_ == "to" and head.head.pos_ == "VERB" \
            and _is_verb(head.head, _GRANTING):
        return head.head
    return None


def defied(tok):
    """The verb that defies what a noun names (a ban, curfew, truce), or None."""
    return _governing(tok, _DEFYING)


def _governing(tok, lemmas: set[str], with_particle: set[str] = frozenset(), particle: str = "off"):
    """The verb of `lemmas` (or of `with_particle` + `particle`) whose object the noun is."""
    if tok.pos_ not in ("NOUN", "PROPN") or tok.dep_ not in ("dobj", "nsubjpass"):
        return None
    verb = tok.head
    if verb.pos_ != "VERB":
        return None
    if _is_verb(verb, with_particle) and any(c.dep_ == "prt" and c.lower_ == particle
                                            for c in verb.children):
        return verb
    if _is_verb(verb, lemmas) and not any(c.dep_ == "prt" for c in verb.children):
        return verb
    return None


def conditional(tok) -> bool:
    """Whether the act is made to hang on a condition: "will withdraw … unless X arranges a
    ceasefire", "may halt mediation if cooperation founders"."""
    return any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless")
                                         for m in c.children)
               for c in tok.children)


def _according_to(tok) -> bool:
    sent = tok.sent
    return any(t.lower_ == "according" and t.i + 1 < len(t.doc) and t.nbor(1).lower_ == "to"
               for t in sent)


# Acts only a state does, by the branch that does them: arrests and detentions by its police,
# shutting down the internet, curfews and states of emergency by its government.
_STATE_ACTS = {"arrest": "COP", "censor": "GOV", "curfew": "GOV"}


def implied_state_agent(event_type: str, mode: str | None, tok, location):
    """(country, sector) of the state that did an act only a state does, when the sentence names
    no doer ("more than 3,800 have been arrested", "despite the internet shutdown"): the state
    where the act took place. None when the text does not support it: the act names its agent
    (a "by" phrase or a possessor), or the place has no country."""
    if event_type != "COERCE" or mode not in _STATE_ACTS or location is None or not location.country:
        return None
    for child in tok.children:
        if child.dep_ in ("agent", "poss") or (child.dep_ == "prep" and child.lower_ == "by"):
            return None  # the text names who did it, even if we could not code it
    return location.country, _STATE_ACTS[mode]


# Entities and words that name a doer even when the actor coder could not code them.
_DOER_ENTITIES = {"PERSON", "ORG", "NORP", "GPE"}


def _names_a_doer(tok) -> bool:
    """Whether the act's own subject or "by" phrase names who did it ("gunmen", "the Taliban",
    "Hamas militants"); a weapon or a blast as the subject ("a roadside bomb killed", "killed by
    an improvised explosive device") names none."""
    from ..actors import lexicon

    roles = lexicon().roles
    if _claimed_by_someone(tok):
        return True
    verbs = [tok] + ([tok.head] if tok.pos_ == "NOUN" and tok.head.pos_ == "VERB" else [])
    for verb in verbs:
        for child in verb.children:
            heads = [child] if child.dep_ in ("nsubj", "nsubjpass", "csubj", "poss") else []
            if child.dep_ == "agent" or (child.dep_ == "prep" and child.lower_ == "by"):
                heads = [c for c in child.children if c.dep_ == "pobj"]
            for head in heads:
                if child.dep_ == "nsubjpass" and verb is tok:
                    continue  # the one the act was done to
                if head.ent_type_ in _DOER_ENTITIES or head.pos_ in ("PROPN", "PRON") \
                        or head.lemma_.lower() in roles or head.lower_ in roles:
                    return True
    return False


def _claimed_by_someone(tok) -> bool:
    """Whether the act is one a subject claims ("a group calling itself X claimed the attack",
    "militants claimed responsibility for the bombing"): whoever claims an attack names its doer,
    a common noun as much as a name, so it is no unidentified attacker's."""
    for head in [tok, *tok.ancestors][:4]:
        if head.lemma_.lower() == "claim" and head.pos_ == "VERB":
            return any(c.dep_ == "nsubj" for c in head.children)
        if head.dep_ not in ("dobj", "pobj", "prep", "relcl"):
            return False
    return False


def unnamed_attacker(event_type: str, tok, location):
    """The country of an attack whose doer the text does not name ("a roadside bombing near
    Samarra killed one U.S. soldier", "a journalist was killed in a car bomb explosion in
    Beirut"): the state where it happened, as CAMEO's coders give unidentified attackers the
    country they operate in (the Phoenix agents table codes UNIDENTIFIED_GUNMEN and
    UNIDENTIFIED_FORCES by sector alone, the country comes from where they struck). None when the
    sentence names a doer we could not code, or the place has no country."""
    if event_type != "ASSAULT" or location is None or not location.country:
        return None
    if _names_a_doer(tok):
        return None
    return location.country
