"""Document context every event needs: the reference date, geocoded places and coded actors
(`prepare`), and who a phrase, pronoun or possessive stands for (`actor_at`)."""

from __future__ import annotations

from ..actors import DocumentActors, code_span, is_actor
from ..nlp import POSSESSIVE_PRONOUNS
from ..record import Actor, Document

_PRONOUNS = {"he", "she", "it", "they", "we", "i", "who", "which", "that"}
_ACTOR_LABELS = {"PERSON", "ORG", "NORP", "GPE"}


def prepare(doc: Document, parsed) -> DocumentActors:
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
                return actor_at(parsed, span.root, registry) or actor
    return actor


def actor_at(parsed, head, registry: DocumentActors, depth: int = 0) -> Actor | None:
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
        owner_actor = actor_at(parsed, owner, registry, depth + 1) if owner is not None else None
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


def same_party(a: Actor | None, b: Actor | None) -> bool:
    """Whether two actors are one person or one phrase (not merely of one country)."""
    if a is None or b is None:
        return False
    return (a.name is not None and a.name == b.name and a.kind == "person" == b.kind) or a.text == b.text


_FIRST_PERSON = {"we", "i", "us", "me"}


def first_person_speaker(doc: Document, tok) -> Actor | None:
    """Who "we" or "I" is inside a quotation: its speaker ("“We will not return to the quays”,
    declared its secretary general"), not the subject of the sentence before."""
    if tok is None or tok.lower_ not in _FIRST_PERSON:
        return None
    quote = next((q for q in doc.quotes if q.start <= tok.idx < q.end), None)
    return quote.speaker if quote is not None and is_actor(quote.speaker) else None

