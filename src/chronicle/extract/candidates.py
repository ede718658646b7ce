"""Candidate events from the parse: predicates that may carry an event, and the classifier input.

A candidate is a verb or an event noun ("the deployment", "arrests") whose lemma is in the trigger
lexicon (`data/event_triggers.tsv`), or, in the whole-sentence modes (`MODE` below), any verb of
the sentence ("torched", "nabbed": acts the lexicon never listed) that a learned gate (`gate.py`)
lets through. None decides that there is an event: the classifier decides whether each is an
event at all ("no event" is its default class) and of which type, and the lexicon's types for the
word weigh in as a prior on the type (`reading.with_lexicon_prior`).
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# The marker tells the classifier which predicate is asked about when a sentence has several.
OPEN, CLOSE = "[[", "]]"
MAX_CHARS = 600


@dataclass(frozen=True)
class Trigger:
    type: str
    mode: str | None
    cameo: str | None


@lru_cache(maxsize=1)
def trigger_lexicon() -> dict[tuple[str, str], list[Trigger]]:
    """(lemma, 'VERB'|'NOUN') → the event types that lemma can signal, with mode and CAMEO code."""
    table: dict[tuple[str, str], list[Trigger]] = defaultdict(list)
    with resources.files("chronicle.data").joinpath("event_triggers.tsv").open(encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        for row in rows:
            table[(row["lemma"], row["pos"])].append(
                Trigger(row["type"], row["mode"] or None, row["cameo"] or None))
    return dict(table)


def _key(tok) -> tuple[str, str] | None:
    if tok.pos_ == "VERB" or (tok.pos_ == "AUX" and tok.dep_ == "ROOT" and tok.lemma_ != "be"):
        pos = "VERB"
    elif tok.pos_ in ("NOUN", "PROPN"):
        pos = "NOUN"
    else:
        return None
    return (tok.lemma_.lower(), pos)


# Nouns that name an act only with a modifier: "martial law" is military rule imposed, "the
# law" or "a new law" the legal order (WikiEvents' "I thought the law protected me!" and "take
# the law into their own hands" were curfews).
_ONLY_WITH_MODIFIER = {"law": {"martial"}}
# Nouns that name an act only as the head of their phrase: "opened fire", "set fire to", "came
# under fire" are acts; as a modifier of another noun the word names a kind of thing ("the fire
# brigade", "fire-crackers", "a fire station").
_NEVER_AS_MODIFIER = {"fire"}
# Verbs whose lexicon rows do not hold with such a direct object: one holds a person (an arrest) but
# holds talks, an election or a ceremony (convenes them). Protests held are left to the verb's reading
# ("holding a march" stays a candidate the classifier reads as the protest).
_GATHERINGS = {"talk", "talks", "meeting", "meetings", "election", "elections", "vote", "referendum",
               "conference", "summit", "ceremony", "funeral", "session", "exercise", "exercises", "drill",
               "drills", "hearing", "consultation", "consultations", "negotiation", "negotiations",
               "dialogue", "poll", "polls", "primary", "event", "festival", "celebration", "service",
               "prayer", "prayers", "parade", "congress", "convention"}
_NOT_WITH_OBJECT = {"hold": _GATHERINGS}


def triggers_for(tok, narrowed: bool = True) -> list[Trigger]:
    """The lexicon's rows for a word as used here. `narrowed` False keeps the rows a word's
    phrase narrows away (a cyber attack's row on an attack nobody calls cyber): the candidate
    gate's view, which `make train` fitted on them."""
    key = _key(tok)
    if key is None:
        return []
    lex = trigger_lexicon()
    if key[1] == "VERB":
        # a phrasal verb is its own entry: "cracked down on protesters", "picked up activists"; the verb
        # alone ("cracked the code", "picked a date") is not
        particle = next((c.lower_ for c in tok.children if c.dep_ == "prt"), None)
        if particle is not None and (phrasal := lex.get((f"{key[0]} {particle}", "VERB"))):
            return phrasal
    found = lex.get(key)
    if found is None and key[1] == "VERB" and (stem := _undoubled_stem(tok)):
        found = lex.get((stem, "VERB"))
    if found and key[1] == "VERB" and (unlike := _NOT_WITH_OBJECT.get(key[0])) and any(
            c.dep_ == "dobj" and (c.lemma_.lower() in unlike or c.lower_ in unlike) for c in tok.children):
        return []  # "held talks", "will hold elections": convened, not held in custody
    if found is None and key[1] == "NOUN":
        found = lex.get((tok.lower_, "NOUN"))  # plural nouns the lemmatizer left alone
    if found is None and key[1] == "NOUN" and (joined := _hyphen_joined(tok)):
        found = lex.get((f"{joined}{key[0]}", "NOUN")) or lex.get((f"{joined}{tok.lower_}", "NOUN"))
    needed = _ONLY_WITH_MODIFIER.get(key[0]) if key[1] == "NOUN" else None
    if found and needed and not any(c.lower_ in needed for c in tok.children):
        return []
    if found and key[1] == "NOUN" and key[0] in _NEVER_AS_MODIFIER and tok.dep_ == "compound":
        return []
    if narrowed and found and any(t.mode == "cyber" for t in found) and not _cyber_word(tok) \
            and not any(_cyber_word(c) for c in tok.children):
        # "attack" is a cyber attack (COERCE, CAMEO 176) only when the phrase says so
        found = [t for t in found if t.mode != "cyber"]
    return found or []


def _undoubled_stem(tok) -> str | None:
    """The verb of a regular past form the small model's lemmatizer cut one letter short: "raped" →
    "rap", where the past of "rap" doubles its consonant ("rapped"), so a one-syllable stem of one
    vowel and one final consonant left undoubled before "-ed" is the stem of a verb in "-e" ("rape",
    as "taped", "hoped"). Other wrong stems ("cordoned" → "cordone") are not guessed at."""
    word, lemma = tok.lower_, tok.lemma_.lower()
    if tok.tag_ in ("VBD", "VBN") and word == lemma + "ed" and re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", lemma):
        return lemma + "e"
    return None


def _hyphen_joined(tok) -> str | None:
    """The first part and hyphen of a hyphenated compound ending in `tok` ("sit-" of "sit-in"):
    spaCy's tokenizer splits words at inner hyphens ("sit", "-", "in"), and the compound's last
    part heads it, so a lexicon row written with its hyphen ("sit-in", "build-up") is looked up
    from there. Only a hyphen with no space on either side joins."""
    i, doc = tok.i, tok.doc
    if i < 2 or doc[i - 1].text != "-" or doc[i - 1].whitespace_ or doc[i - 2].whitespace_:
        return None
    return f"{doc[i - 2].lower_}-"


# Words that may stand in a fronted time phrase beside its date: "On 3 February 2022,", "Late on
# Sunday,", "Early this morning,".
_TIME_PHRASE_WORDS = {"on", "in", "at", "by", "late", "early", "earlier", "later", "during", "since",
                      "from", "until", "the", "this", "that", "of", "and", "around", "about"}


def fronted_time(sent) -> int:
    """Characters to leave out at the start of a sentence that opens with a time phrase and a
    comma ("On 3 February 2022, nurses demonstrated …"), else 0.

    The act's date is read from the whole sentence (`dates.py`); the classifier, which pools every
    word of the sentence, reads the fronted date as part of the act's context, and news that opens
    each report with one (event notes, wire leads) loses confidence in plain acts with it. A time
    phrase says when, never what: the classifier is asked about the rest."""
    toks = list(sent)
    for k, t in enumerate(toks[:9]):
        if t.text == ",":
            head = toks[:k]
            if k and any(h.ent_type_ in ("DATE", "TIME") for h in head) and all(
                    h.ent_type_ in ("DATE", "TIME") or h.lower_ in _TIME_PHRASE_WORDS for h in head) \
                    and k + 1 < len(toks):
                return toks[k + 1].idx - sent.start_char
            return 0
    return 0


def trigger_first(tok):
    """The first token of the trigger `tok` ends: itself, or the first part of its hyphenated
    compound ("sit" of "sit-in"), so that the classifier reads the whole word as the trigger."""
    return tok.doc[tok.i - 2] if triggers_for(tok) and _hyphen_joined(tok) and not lex_has_word(tok) else tok


def lex_has_word(tok) -> bool:
    """Whether the lexicon lists the token's own word (not only as part of a compound)."""
    key = _key(tok)
    lex = trigger_lexicon()
    return key is not None and (key in lex or (tok.lower_, key[1]) in lex)


def trigger_chars(tok) -> tuple[int, int]:
    """The trigger's character span in its document (`trigger_first` to the end of `tok`)."""
    return trigger_first(tok).idx, tok.idx + len(tok.text)


def _cyber_word(tok) -> bool:
    word = tok.lower_
    return word.startswith(("cyber", "hack", "ransomware")) or word in ("computer", "online", "digital")


# A word inside a date or a number is not a predicate: "March" the month is no march, and "a
# second" is no support. (Names are left to the classifier: the small model's entity
# spans are too often wrong to exclude a predicate on their word.)
_NOT_PREDICATES = {"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"}


_BULLETS = ("*", "•", "·", "-", "–", "—", "+")


def is_fragment(sent) -> bool:
    """A line that predicates nothing: no verb, and either a list item ("* 2014 airfield
    bombing") or a bare phrase of one or two words (a caption, a menu entry, a heading
    like "Car bombs"). Its event nouns name a topic, not an act that took place."""
    if any(t.pos_ in ("VERB", "AUX") for t in sent):
        return False
    words = [t for t in sent if not (t.is_punct or t.is_space)]
    return sent.text.lstrip().startswith(_BULLETS) or len(words) <= 2


def _demanded(tok) -> bool:
    """A verb reported as what someone must or should do ("said Libya must hand over the
    suspects"): a demand whatever the verb, so a candidate even when the lexicon lacks it."""
    from .roles import obliged

    return tok.pos_ == "VERB" and tok.dep_ == "ccomp" and obliged(tok)


def _names_an_actor(tok) -> bool:
    """An event noun that only says what kind of people its head noun is: "aid agencies",
    "protest leaders", "rescue workers" name actors, not an aid delivery or a protest."""
    if tok.dep_ != "compound" or tok.head.pos_ != "NOUN":
        return False
    from ..actors import lexicon

    roles = lexicon().roles
    head = tok.head
    return any(word in roles for word in (head.lower_, head.lemma_.lower(),
                                          f"{tok.lower_} {head.lower_}"))


# Verbs that only carry another verb ("began withdrawing", "has been", "did not go"): never acts
# of their own. Their complement is the candidate.
_CARRIERS = {"be", "have", "do", "get", "become", "seem", "appear", "remain", "keep", "begin",
             "start", "continue", "stop", "try", "go", "come", "let", "make", "take", "use"}


# Which candidates the classifier is asked about (CHRONICLE_CANDIDATES):
# - "lexicon" (the default): the words the trigger lexicon lists, and verbs told as demanded;
# - "union": those, and every other verb the learned gate (`gate.py`) lets through;
# - "gate": every verb and listed noun, the gate alone deciding.
# Measured in session 7 with the models trained on real news (docs/EVALUATION.md,
# `evaluate/ablate.py`): the whole-sentence modes gain on the held-out real news (PLV macro-F1
# +0.010 to +0.026 for "union") and lose on both development sets (GSR macro-F1 −0.006 to −0.015,
# more false events), so the default stays "lexicon" until the classifier reads unlisted verbs
# better.
MODE = os.environ.get("CHRONICLE_CANDIDATES", "lexicon")
if MODE not in ("lexicon", "union", "gate"):
    raise ValueError(f"CHRONICLE_CANDIDATES={MODE!r}: use lexicon, union or gate")


def is_predicate(tok, every_verb: bool = False) -> bool:
    """A word that may name an act: a verb (a carrier verb only when the lexicon lists it), or a
    noun the trigger lexicon lists. In the lexicon mode only listed words, unless `every_verb`."""
    if triggers_for(tok):
        return True
    if MODE == "lexicon" and not every_verb:
        return False
    return tok.pos_ == "VERB" and tok.lemma_.lower() not in _CARRIERS and tok.is_alpha


def candidates(sent, gated: bool = True) -> list:
    """Tokens of a sentence span that may be event predicates, as `MODE` says; with `gated`
    False, every verb and listed event noun whatever the mode (what training teaches the
    classifier and the gate about)."""
    if is_fragment(sent):
        return []
    found = [tok for tok in sent if tok.ent_type_ not in _NOT_PREDICATES
             and (is_predicate(tok, every_verb=not gated) or _demanded(tok))
             and not _names_an_actor(tok)]
    if gated and found and MODE != "lexicon":
        from .gate import gate

        if MODE == "union":
            listed = [t for t in found if triggers_for(t) or _demanded(t)]
            kept = {t.i for t in gate().keep([t for t in found if t not in listed], extra=True)}
            found = [t for t in found if t in listed or t.i in kept]
        else:
            found = gate().keep(found)
    return found


# Dependencies that hang an aside on a word: an apposition ("Almaty, the economic capital of
# Kazakhstan"), a relative clause ("the riots that have shaken the country"), an adverbial
# clause that tells the circumstances of another act ("To legitimize his request, …", "after
# having cited a figure of …"). Adverbial clauses since session 8: with the session 6 model no
# set changes; with a model trained on real news too, WikiEvents document F1 0.775 → 0.785 and
# sentence F1 0.536 → 0.541, PLOVER GSR unchanged, PLV macro-F1 0.718 → 0.717.
_ASIDES = ("appos", "relcl", "advcl")


def without_asides(sent, tok) -> tuple[str, int, int] | None:
    """The sentence with its asides left out, and the trigger's span in that text; None when the
    sentence has no aside outside the trigger's own.

    The classifier reads a candidate together with its whole sentence, and was taught on short
    plain sentences. In a long news sentence an aside about something else ("…landed at the
    airport of Almaty, the economic capital, at the heart of the riots that have shaken the
    country") can outweigh the act and make it read as no event. The sentence without its
    appositions, relative and adverbial clauses keeps the act, its arguments and its time and place; a
    comma before an aside goes with it. Asides that contain the trigger are kept."""
    drop: set[int] = set()
    for t in sent:
        if t.dep_ in _ASIDES and not t.left_edge.i <= tok.i <= t.right_edge.i:
            lo, hi = t.left_edge.i, t.right_edge.i
            if lo > sent.start and sent.doc[lo - 1].text == ",":
                lo -= 1
            elif lo == sent.start and hi + 1 < sent.end and sent.doc[hi + 1].text == ",":
                hi += 1  # an aside that opens the sentence takes the comma after it
            drop.update(range(lo, hi + 1))
    if not drop:
        return None
    # the fronted time phrase the first reading left out (`fronted_time`) stays out
    cut = sent.start_char + fronted_time(sent)
    if cut > sent.start_char and tok.idx >= cut:
        drop.update(t.i for t in sent if t.idx < cut)
    parts: list[str] = []
    at = start = 0
    first, end = trigger_chars(tok)
    for t in sent:
        if t.i in drop:
            continue
        if t.idx == first:
            start = at
        parts.append(t.text_with_ws)
        at += len(t.text_with_ws)
    return "".join(parts).strip(), start, start + end - first


def phrase_alone(tok) -> tuple[str, int, int]:
    """The noun phrase headed by `tok` as a sentence of its own, and the trigger's span in it:
    without its determiner or possessive and without the punctuation that set its modifiers off
    in the sentence ("the protests, sparked by …" → "Protests sparked by …")."""
    lo = trigger_first(tok).i  # a hyphenated trigger keeps its parts and hyphen
    words = [t for t in tok.subtree if lo <= t.i <= tok.i or (
             not (t.i < tok.i and t.head.i == tok.i and t.dep_ in ("det", "poss"))
             and not (t.is_punct and t.head.i == tok.i))]
    parts: list[str] = []
    at = start = 0
    first, end = trigger_chars(tok)
    for t, after in zip(words, words[1:] + [None]):
        if t.idx == first:
            start = at
        # a space where the sentence had one, or where a left-out word stood
        piece = t.text + (" " if t.whitespace_ or (after is not None and after.i > t.i + 1) else "")
        parts.append(piece)
        at += len(piece)
    text = "".join(parts).rstrip()
    return text[:1].upper() + text[1:] + ".", start, start + end - first


def mark_span(text: str, a: int, b: int) -> str:
    """`text` with the characters a..b marked, as the classifier sees it (training and runtime)."""
    marked = f"{text[:a]}{OPEN} {text[a:b]} {CLOSE}{text[b:]}"
    if len(marked) > MAX_CHARS:  # keep a window around the predicate for very long sentences
        lo = max(0, a - MAX_CHARS // 2)
        marked = marked[lo:lo + MAX_CHARS]
    return " ".join(marked.split())


def lexicon_defaults(tok, event_type: str) -> Trigger:
    """Mode and CAMEO for a predicate once its type is decided: the lexicon's row for this lemma
    and type, else the type's generic code."""
    for trig in triggers_for(tok):
        if trig.type == event_type:
            return trig
    return Trigger(event_type, None, GENERIC_CAMEO.get(event_type))


# The root CAMEO code of each PLOVER type, for predicates the lexicon has no row for.
GENERIC_CAMEO = {
    "AGREE": "030", "CONSULT": "040", "SUPPORT": "051", "CONCEDE": "08", "COOPERATE": "061",
    "AID": "07", "RETREAT": "087", "REQUEST": "020", "ACCUSE": "112", "REJECT": "120",
    "THREATEN": "130", "PROTEST": "140", "SANCTION": "160", "MOBILIZE": "150", "COERCE": "170",
    "ASSAULT": "190",
}
EVENT_TYPES = tuple(GENERIC_CAMEO)
