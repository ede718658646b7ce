"""Acts that are announced, demanded, refused, stopped, prevented or defied, coded the way PLOVER
and CAMEO code them.

The classifier names the act a predicate describes ("send aid", "boycott the elections"); the
parse says whether the act happened or was only announced (`roles.modality`). PLOVER does not code
an announced act as that act: a promise, offer or stated plan to cooperate, help, meet, release or
ease is AGREE (CAMEO 03x, "express intent to …"); a stated plan to sanction, coerce, attack,
boycott or strike is THREATEN (CAMEO 13x: "threaten to boycott", "threaten to impose curfew",
"threaten to halt mediation", "threaten with military force"); refusing to do a cooperative act
("will not accept", "would not meet") is REJECT (CAMEO 12x). The PLOVER codebook says the same
from the other side: RETREAT, AID and the like cover only acts "actually occurring", and
THREATEN's `restrict` mode lists boycotts, strikes, blockades and curfews.

This is a table of the codebook's conventions, written by hand from CAMEO2PLOVER-2021 and the
PLOVER codebook, not a dictionary of verbs: which act is meant still comes from the classifier.
MOBILIZE keeps its type (a planned deployment is neither a promise nor, by itself, a threat), and
so do ACCUSE, REQUEST, REJECT and THREATEN, which are already statements.

An act reported as what *someone else* must or should do ("Russia said Sudan must return the
helicopter") is a demand (CAMEO 10x, PLOVER REQUEST) by the speaker on the one who must act;
`roles.demand_speaker` finds those in the parse.

The same holds for what a verb does to the event a noun names: stopping it (`reversal`: a visit
cancelled is SANCTION, a strike called off CONCEDE, a curfew lifted RETREAT), keeping a protest
from happening (`prevention`: COERCE), defying a ban or a truce (`defiance`) and giving in to a
demand (`concession`). `roles.halted`, `prevented`, `defied` and `granted` find the verb; the
extractor (`build.code_act`) applies these tables.
"""

from __future__ import annotations

# Acts whose announcement is a promise (AGREE), with the CAMEO "express intent to …" code for each
# of the act's modes (None: any mode).
_PROMISE_CAMEO = {
    "AID": {"economic": "0331", "military": "0332", "humanitarian": "0333",
            "peacekeeping": "0334", None: "033"},
    "CONSULT": {"third-party": "039", None: "036"},
    "SUPPORT": {None: "032"},
    "COOPERATE": {None: "031"},
    "RETREAT": {"release": "0353", "return": "0353", "ease": "0354", "access": "0355",
                "ceasefire": "0356", "withdraw": "0356", "disarm": "0356", None: "035"},
    "CONCEDE": {None: "034"},
}

# Acts whose announcement is a threat (THREATEN), with the threat's PLOVER mode and CAMEO code
# per mode of the act (None: any other mode).
_THREAT = {
    "SANCTION": {"expel": ("expel", "136"), "discontinue": ("relations", "1311"),
                 None: ("relations", "131")},
    "COERCE": {"arrest": ("arrest", "137"), "curfew": ("restrict", "1323"),
               "martial-law": ("restrict", "1324"), "ban": ("ban", "1322"),
               "restrict": ("restrict", "1312"), "censor": ("rights", "1321"),
               "deport": ("expel", "136"), None: ("restrict", "132")},
    "ASSAULT": {None: ("violence", "1383")},
    "PROTEST": {"demo": ("relations", "133"), None: ("restrict", "133")},
}

# What refusing a cooperative act is: PLOVER mode and CAMEO code, per mode of the act.
_REFUSAL = {
    "AGREE": {None: ("meet", "127")},
    "AID": {None: ("assist", "122")},
    "CONSULT": {"third-party": ("meet", "126"), None: ("meet", "125")},
    "SUPPORT": {None: (None, "120")},
    "COOPERATE": {None: ("assist", "121")},
    "RETREAT": {"release": ("yield", "1243"), "return": ("yield", "1243"),
                "ease": ("yield", "1244"), "access": ("yield", "1245"), None: ("yield", "1246")},
    "CONCEDE": {None: ("change", "124")},
}


# What demanding an act of someone is ("X said Y must …"), in PLOVER mode and CAMEO code.
_DEMAND = {
    "AID": {"economic": ("assist", "1031"), "military": ("assist", "1032"),
            "humanitarian": ("assist", "1033"), "peacekeeping": ("assist", "1034"),
            None: ("assist", "103")},
    "COOPERATE": {None: ("assist", "101")},
    "SUPPORT": {None: ("assist", "102")},
    "CONCEDE": {None: ("change", "1042")},
    "RETREAT": {"release": ("yield", "1053"), "return": ("yield", "1053"),
                "ease": ("yield", "1054"), "access": ("yield", "1055"),
                None: ("yield", "1056")},
    "CONSULT": {"third-party": ("meet", "108"), None: ("meet", "106")},
    "AGREE": {None: ("meet", "107")},
}


def demand(event_type: str, mode: str | None) -> tuple[str, str | None, str]:
    """(type, mode, cameo) of a demand that someone do an act of `event_type`."""
    modes = _DEMAND.get(event_type, {None: (None, "100")})
    new_mode, code = modes.get(mode, modes[None])
    return "REQUEST", new_mode, code


# What stopping an event is ("cancelled the visit", "called off the strike", "lifted the
# curfew"): CAMEO codes the reversal, not the event — halting talks or mediation and cutting aid
# are SANCTION (164, 165, 162x), lifting sanctions or a curfew is RETREAT (085, 0813, 0814),
# calling off a protest is CONCEDE (082), halting an offensive RETREAT (087). Per event type and
# mode (None: any other mode): (type, mode, cameo); a type not listed keeps its coding.
_REVERSAL = {
    "CONSULT": {"third-party": ("SANCTION", "withdraw", "165"), None: ("SANCTION", "withdraw", "164")},
    "AID": {"economic": ("SANCTION", "discontinue", "1621"),
            "military": ("SANCTION", "discontinue", "1622"),
            "humanitarian": ("SANCTION", "discontinue", "1623"),
            "peacekeeping": ("SANCTION", "expel", "1661"),
            None: ("SANCTION", "discontinue", "162")},
    "COOPERATE": {None: ("SANCTION", "discontinue", "160")},
    "PROTEST": {None: ("CONCEDE", None, "082")},
    "ASSAULT": {None: ("RETREAT", "disarm", "087")},
    "SANCTION": {None: ("RETREAT", "ease", "085")},
    "COERCE": {"curfew": ("RETREAT", None, "0813"), "martial-law": ("RETREAT", None, "0814"),
               None: ("CONCEDE", None, "081")},
}


def reversal(event_type: str, mode: str | None) -> tuple[str, str | None, str] | None:
    """(type, mode, cameo) of stopping an event of `event_type`, or None to keep it as it is."""
    modes = _REVERSAL.get(event_type)
    if modes is None:
        return None
    return modes.get(mode, modes[None])


def prevention(event_type: str) -> tuple[str, str | None, str] | None:
    """(type, mode, cameo) of keeping an event from happening: a protest prevented, banned or
    broken up is the state restricting dissent (COERCE 172); None to keep other events."""
    return ("COERCE", "restrict", "172") if event_type == "PROTEST" else None


def concession(event_type: str) -> tuple[str, str | None, str] | None:
    """(type, mode, cameo) of giving in to a request or demand: CONCEDE 083."""
    return ("CONCEDE", None, "083") if event_type == "REQUEST" else None


def defiance(event_type: str, mode: str | None) -> tuple[str, str | None, str] | None:
    """(type, mode, cameo) of defying what an event imposed: violating a ban, curfew, sanction or
    order is defying norms (REJECT 128); breaking a ceasefire is fighting (ASSAULT 196)."""
    if event_type == "RETREAT" and mode == "ceasefire":
        return ("ASSAULT", None, "196")
    if event_type in ("COERCE", "SANCTION"):
        return ("REJECT", "yield", "128")
    return None


THREAT_TYPES = frozenset(_THREAT)
REFUSABLE_TYPES = frozenset(_REFUSAL)
PROMISE_TYPES = frozenset(_PROMISE_CAMEO)
# Types an act is recoded to when it is only announced, demanded or refused.
STATEMENT_TYPES = frozenset({"AGREE", "THREATEN", "REQUEST", "REJECT"})


def recode(event_type: str, mode: str | None, cameo: str | None, mood: str,
           refused: bool = False, conditional: bool = False
           ) -> tuple[str, str | None, str | None, str]:
    """(type, mode, cameo, modality) of an event once its modality is known.

    `mood` is `roles.modality`'s answer; `refused` says the negated act is a future or intended
    one ("will not accept", "refused to meet"), not a past one that did not happen; `conditional`
    says the act hangs on a condition the actor sets ("will boycott unless …"). The recoded event
    is the statement itself, which did happen, so its modality is `asserted`."""
    if mood == "intended" or (conditional and mood == "hypothetical"):
        if event_type in _PROMISE_CAMEO and mood == "intended":
            codes = _PROMISE_CAMEO[event_type]
            return "AGREE", None, codes.get(mode, codes[None]), "asserted"
        if event_type in _THREAT:
            modes = _THREAT[event_type]
            new_mode, code = modes.get(mode, modes[None])
            return "THREATEN", new_mode, code, "asserted"
    if mood == "denied" and refused and event_type == "REJECT":
        return event_type, mode, cameo, "asserted"  # "would not meet the demands": the refusal itself
    if mood == "denied" and refused and event_type in _REFUSAL:
        modes = _REFUSAL[event_type]
        new_mode, code = modes.get(mode, modes[None])
        return "REJECT", new_mode, code, "asserted"
    return event_type, mode, cameo, mood
