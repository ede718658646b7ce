"""What the classifier says about each candidate, and what it takes to be an event.

`second_reading` asks again about candidates an aside may have drowned or that their own phrase
dates; `accepted` turns one answer into an act type and confidence, or nothing:
the lexicon as a prior on the type (`with_lexicon_prior`), the type an announced, refused,
demanded or reported act is coded as (`stated_act`), the confidence it needs
(`confidence_needed`), and two readings that are no act (`topic_not_noun`, `not_an_act`).
Each is a named step of the extractor (`extract.CANDIDATE_STEPS`) that `disable` switches off.
"""

from __future__ import annotations

from dataclasses import replace

from ..actors import code_span, is_actor
from .build import act_type, own_date
from .candidates import phrase_alone, triggers_for, without_asides
from .gate import worth_rereading
from .intent import PROMISE_TYPES, REFUSABLE_TYPES, STATEMENT_TYPES, THREAT_TYPES, reversal
from .roles import conditional, demand_speaker, halted, modality, prevented, refused, unstated

# An event needs P(no event) < 0.5 (see classifier.predict) and its type at least this probability.
MIN_CONFIDENCE = 0.5
# ... or this much for a verb whose type the trigger lexicon also gives (`confidence_needed`).
AGREEING_VERB_CONFIDENCE = 0.45
# How much more likely a type is, a priori, when the trigger lexicon lists it for the word
# (`with_lexicon_prior`).
LEXICON_PRIOR = 3.0
# A candidate its whole sentence reads as no event with at least this probability (4 to 1) is not
# asked again without its asides (`second_reading`); 1 asks every one. An aside drowns an act by
# pulling its answer towards "no event", so an act it drowned still shows as doubt; what the
# sentence rules out that surely is the word's own reading ("called", "law", "provide"), which
# leaving clauses out does not change. On the bench corpus (session 13's model), of 892 candidates
# asked again 38 became events, 32 of them with P(no event) < 0.8; the 610 at or above it cost 511
# of the encoder's 2,830 passes, and no evaluation set loses anything (docs/BENCHMARKS.md, session 14).
SURE_NO_EVENT = 0.8


_REPORTING_VERBS = {"say", "charge", "allege", "report", "claim", "accuse", "state", "tell"}


def _reported(tok) -> bool:
    """A verb told as what someone said happened ("…, Human Rights Watch said")."""
    return tok.pos_ == "VERB" and tok.dep_ == "ccomp" and tok.head.lemma_.lower() in _REPORTING_VERBS





def second_reading(model, predictions, work):
    """The classifier's predictions, with two kinds of candidates asked again; and the indices
    of the candidates the second question made events told in passing.

    First, candidates read as no event are asked again without their sentence's asides
    (appositions and relative clauses about other things, `candidates.without_asides`). This is
    a second reading, not a replacement: read that way every time, the PLOVER GSR sentences lose
    more acts than they gain (macro-F1 0.765 → 0.751), since an aside often says who acted or
    what about. Asked only when the whole sentence reads as no event, it finds acts an aside had
    drowned ("transport planes landed at the airport of Almaty, the economic capital, at the
    heart of the riots that have shaken the country"). Second, event nouns their own phrase dates
    are asked as that phrase (`dated_phrase`). What either finds must pass the same bars as any
    event. On the development sets the two add one event to the PLOVER GSR sentences (right) and
    five to WikiEvents (four right; the fifth, "fire me" read as shooting, `not_an_act` now
    drops) — see docs/EVALUATION.md. A candidate the gate scores as an unlikely event is read
    only once (`gate.REREAD_BAR`), and one the whole sentence reads as surely no event is not
    asked without its asides (`SURE_NO_EVENT`)."""
    rereadable = worth_rereading([c[3] for c in work])
    again = [k for k, pred in enumerate(predictions) if pred.label == "NONE" and rereadable[k]
             and (SURE_NO_EVENT >= 1.0 or pred.none_probability < SURE_NO_EVENT)]
    views = {k: without_asides(work[k][2], work[k][3]) for k in again}
    asked = [k for k in again if views[k] is not None]
    for k, pred in zip(asked, model.predict([views[k] for k in asked])):
        if pred.label != "NONE":
            predictions[k] = pred
    # event nouns dated in their own phrase, read in the sentence as no event, a doubtful one or
    # an act the noun cannot name: the phrase alone is asked (see `dated_phrase`)
    again = [k for k, pred in enumerate(predictions) if rereadable[k] and (
             pred.label == "NONE" or pred.confidence < MIN_CONFIDENCE
             or topic_not_noun(work[k][3], pred.label))]
    views = {k: dated_phrase(work[k][1], work[k][3], work[k][0].reference_date) for k in again}
    asked = [k for k in again if views[k] is not None]
    passing = set()
    for k, pred in zip(asked, model.predict([views[k] for k in asked])):
        if pred.label != "NONE":
            predictions[k] = pred
            passing.add(k)
    return predictions, passing


def dated_phrase(parsed, tok, ref) -> tuple[str, int, int] | None:
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
    if tok.pos_ != "NOUN" or own_date(parsed, tok, ref)[0] is None:
        return None
    return phrase_alone(tok)


def with_lexicon_prior(tok, pred):
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
    order = sorted(pred.probabilities)  # a fixed order of summation (see stated_act)
    weighted = {t: pred.probabilities[t] * (LEXICON_PRIOR if t in listed else 1.0) for t in order}
    scale = sum(pred.probabilities[t] for t in order) / sum(weighted[t] for t in order)
    probabilities = {t: weighted[t] * scale for t in order}
    label = max(order, key=lambda t: probabilities[t])
    if label == pred.label:
        return pred
    # the type changes; its confidence is no more than the classifier gave its own first choice
    return replace(pred, label=label, confidence=min(probabilities[label], pred.confidence))


def riot_or_assault(tok, pred):
    """For a word of violence, PROTEST and ASSAULT are one act told apart by its doers: PLOVER
    codes violence by a crowd as PROTEST `riot` and other violence as ASSAULT (docs/CODING.md).
    When the classifier is unsure who did it, it splits its answer between the two
    ("demonstrators … set fire to a police post": PROTEST 0.49, ASSAULT 0.45; "a mob lynched a
    student": 0.49, 0.41), and neither type alone reaches the bar though it is sure of the act.
    The act's confidence is then the two together, its type the likelier one, which
    `build.act_type` settles by the doers (a crowd: riot)."""
    if pred.label not in ("PROTEST", "ASSAULT") or not pred.probabilities:
        return pred
    if not any(t.type == "ASSAULT" or (t.type == "PROTEST" and t.mode == "riot") for t in triggers_for(tok)):
        return pred
    mass = pred.probabilities.get("ASSAULT", 0.0) + pred.probabilities.get("PROTEST", 0.0)
    return replace(pred, confidence=mass) if mass > pred.confidence else pred


def confidence_needed(tok, label: str) -> float:
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


def topic_not_noun(tok, label: str) -> bool:
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
    if not named or label in named or label in STATEMENT_TYPES:
        return False
    if label == "PROTEST" and "ASSAULT" in named:
        # a word of violence names a riot as well as an assault: PLOVER's PROTEST `riot` is
        # violence by a crowd ("angry residents set fire to a police station"), and the
        # classifier hears the crowd where the parse may not (`build.act_type` gives the mode)
        return False
    if act_type(tok, label)[0] in named:  # "mounted an invasion": MOBILIZE read as the ASSAULT it names
        return False
    return modality(tok, label) in ("asserted", "claimed")


_ACCIDENTAL = {"accidental", "accidentally", "inadvertent", "inadvertently", "unintentional",
               "unintentionally"}
# What a deployment moves, beside a person who travels with it.
_FORCE_WORDS = {"troop", "troops", "soldier", "force", "forces", "contingent", "battalion", "unit",
                "police", "policeman", "officer", "marine", "paratrooper", "army", "militia",
                "fighter", "tank", "warship", "aircraft", "jet", "plane", "weapon", "guard",
                "aid", "food", "medicine", "supply", "supplies", "relief", "doctor", "peacekeeper"}
# Verbs (by stem: the small model's lemmas of rare verbs vary) that make a device safe, and the
# nouns a controlled one names: bomb disposal.
_MADE_SAFE = ("defus", "deactivat", "dismantl", "dispos")
_BLASTS = {"explosion", "detonation", "blast"}
_WORKERS = {"worker", "employee", "staff", "coach", "manager", "director", "editor", "teacher"}


# Nouns of a weapon (not of its use: "bombing", "shelling" name the act).
_WEAPON_NOUNS = {"bomb", "grenade", "rocket", "missile", "drone", "mortar", "shell", "mine", "explosive"}
# Verbs that find, hold, show or trade a thing: their object is not used.
_HOLDING_VERBS = {"find", "discover", "uncover", "unearth", "recover", "locate", "detect", "seize",
                  "confiscate", "capture", "display", "show", "parade", "exhibit", "store", "stockpile",
                  "hide", "possess", "own", "keep", "carry", "buy", "purchase", "acquire", "sell", "import",
                  "export", "smuggle", "produce", "manufacture", "make", "assemble", "build", "develop", "test",
                  "collect"}


def _weapon_held(tok) -> bool:
    """A weapon noun (or one coordinated with it: "two rockets and a drone") that is the object of
    a verb of finding, holding, showing or trading, active or passive."""
    if tok.pos_ not in ("NOUN", "PROPN") or tok.lemma_.lower() not in _WEAPON_NOUNS:
        return False
    head = tok
    while head.dep_ == "conj" and head.head is not head:
        head = head.head
    if head.dep_ == "pobj" and head.head.dep_ == "prep" and head.head.head.pos_ == "NOUN":
        head = head.head.head  # "a shipment of grenades", "a cache of rockets"
    return head.dep_ in ("dobj", "nsubjpass") and head.head.lemma_.lower() in _HOLDING_VERBS


# Sectors of people who are no force a state or group deploys (the actor coder's codes).
_CIVILIAN_SECTORS = {"CVL", "EDU", "MED", "REF", "LAB", "BUS", "REL", "JUD", "HRI", "PRO", "AGR"}
_CARE_PLACES = {"hospital", "clinic", "ward", "care", "infirmary"}


def _civilians(tok) -> bool:
    """A phrase naming civilians ("scores of civilians", "students"), not forces."""
    actor = code_span(tok.doc, tok)
    if actor is not None and actor.sector in _CIVILIAN_SECTORS:
        return True
    # a quantity of them: "scores of civilians", "hundreds of students"
    of = [o for c in tok.children if c.dep_ == "prep" and c.lower_ == "of" for o in c.children if o.dep_ == "pobj"]
    return bool(of) and _civilians(of[0])


def _kept_for_care(tok) -> bool:
    """"Ninety people were detained in hospital": kept for treatment, not arrested."""
    return tok.lemma_.lower() in ("detain", "hold", "keep") and any(
        c.dep_ == "prep" and c.lower_ in ("in", "at") and any(
            o.dep_ == "pobj" and o.lemma_.lower() in _CARE_PLACES for o in c.children)
        for c in tok.children)


def not_an_act(tok, label: str) -> bool:
    """A word the classifier reads as an act, in a use that is none:
    - an accident ("militants were killed in two accidental explosions", "the device detonated
      accidentally, killing the three"): PLOVER codes what actors do to one another;
    - a question ("Hayden asked the agent if there was any evidence", "'Did you sign it?' he
      asked", "Mendeloff asked."): a request asks for something to be done;
    - a dismissal ("didn't think they'd fire me", "fired the coach"): firing a person is no
      shooting — that is "fire on/at" someone or "fire" shots, rockets, tear gas;
    - a blow ("had to strike hysterical girls"): workers strike without an object; striking
      someone or something is no strike;
    - a person travelling ("President X arrived in Amman on a visit", "sent his envoy to
      Cairo"), or civilians sent somewhere ("scores of civilians have been sent into the military
      courts"): a verb of moving forces read as MOBILIZE or AID moves troops, police, weapons or
      relief, and a leader, envoy, suspect or civilians arriving or sent are neither — unless
      forces go with them ("arrived with 300 troops");
    - care ("ninety people were detained in hospital"): kept for treatment is no arrest;
    - bomb disposal ("police defused a bomb", "detonated the shells in a controlled explosion"):
      making a device safe is no attack (docs/CODING.md, the codebook's ASSAULT is force used
      against someone);
    - a weapon found, held or shown ("a bomb from the war was found", "police discovered two
      rockets", "the army displayed captured missiles"): the noun names the thing, and what is
      done to it is no use of it."""
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
    if label in ("MOBILIZE", "AID") and tok.pos_ == "VERB" \
            and any(t.type == "MOBILIZE" for t in triggers_for(tok)):
        moved = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")] \
            or [c for c in tok.children if c.dep_ == "nsubj"]
        if moved and all(m.ent_type_ == "PERSON" or _civilians(m) for m in moved) \
                and not any(t.lemma_.lower() in _FORCE_WORDS for t in tok.subtree):
            return True
    if label == "COERCE" and tok.pos_ == "VERB" and _kept_for_care(tok):
        return True
    if label == "ASSAULT" and (
            (tok.dep_ in ("dobj", "nsubjpass") and tok.head.lower_.startswith(_MADE_SAFE))
            or any(t.lower_ == "controlled" and t.head.lemma_.lower() in _BLASTS for t in near)):
        return True
    if label == "ASSAULT" and _weapon_held(tok):
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


def statement_kind(tok, label: str) -> str | None:
    """"refusal" when the act is refused ("would not meet", "refused to release"),
    "announcement" when it is promised, threatened or offered on a condition ("said it would
    boycott the vote", "is ready to talk if …"), else None (asserted, or only expected).
    Such an act is coded as the statement about it (`stated_act`); training puts a statement's
    label on it for the same reason (`train._stated_act`)."""
    mood = modality(tok, label)
    if mood == "denied" and refused(tok):
        return "refusal"
    if (mood == "intended" and not unstated(tok)) or (mood == "hypothetical" and conditional(tok)):
        return "announcement"
    return None


def stated_act(tok, pred) -> tuple[str, float]:
    """The act type and confidence of a candidate the classifier calls an event.

    When the act is only announced ("have sworn to fight until …"), every type that is coded
    the same way once announced is one answer: THREATEN and ASSAULT and SANCTION all come out as
    a threat, AGREE and AID and CONSULT all as a promise. Their probabilities are then summed, and
    the act is the likeliest type among them — so an announcement the classifier is sure of but
    splits between a threat and the act threatened is not lost under the 0.5 bar. Likewise an
    act someone is told they must do is a demand whatever its type."""
    if not pred.probabilities:
        return pred.label, pred.confidence
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
    if halted(tok) is not None:
        # "the union called off its strike", "lifted the curfew": the act a noun names and its
        # stopping are one answer too; the label is the act's, which the extractor recodes
        # with the code of the reversal (CONCEDE 082, RETREAT 0813, `intent.reversal`)
        for act, mode in sorted({(t.type, t.mode or "") for t in triggers_for(tok)}):
            stopped = reversal(act, mode or None)
            if stopped is not None and label in (act, stopped[0]):
                mass = pred.probabilities.get(act, 0.0) + pred.probabilities.get(stopped[0], 0.0)
                if mass > confidence:
                    return act, mass
    kind = statement_kind(tok, label)
    if kind == "refusal":
        groups = (REFUSABLE_TYPES | {"REJECT"},)  # "would not meet", "refused to release"
    elif kind == "announcement":
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


def accepted(tok, pred, off: frozenset = frozenset()) -> tuple[str, float] | None:
    """The act type and confidence of a candidate the classifier calls an event, or None when
    it is no event after all; the steps named in `off` are skipped."""
    if "lexicon prior" not in off:
        pred = with_lexicon_prior(tok, pred)
    if "riot or assault" not in off:
        pred = riot_or_assault(tok, pred)
    label, confidence = stated_act(tok, pred) if "stated act recoding" not in off \
        else (pred.label, pred.confidence)
    needed = confidence_needed(tok, label) if "agreeing-verb bar" not in off else MIN_CONFIDENCE
    if confidence < needed:
        return None
    if "noun names only its acts" not in off and topic_not_noun(tok, label):
        return None
    if "not an act" not in off and not_an_act(tok, label):
        return None
    return label, confidence
