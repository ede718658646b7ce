"""Stated intentions, refusals and demands coded the PLOVER/CAMEO way (`extract/intent.py`,
`roles.demand_speaker`, `roles.refused`, `roles.conditional`), on sentences written for these tests."""

from __future__ import annotations

import pytest

from chronicle.clean import clean
from chronicle.extract.intent import demand, recode
from chronicle.extract.roles import conditional, demand_speaker, modality, refused
from chronicle.nlp import load_pipeline
from chronicle.pipeline import analyse
from chronicle.record import Document


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def token(nlp, text, word):
    doc = nlp(text)
    return next(t for t in doc if t.text == word)


def events(text):
    return analyse([clean(Document(id="t", text=text))])[0].events


# -- the table ---------------------------------------------------------------------------------

@pytest.mark.parametrize("act,mode,expected", [
    ("AID", "humanitarian", ("AGREE", None, "0333")),
    ("RETREAT", "release", ("AGREE", None, "0353")),
    ("CONSULT", "visit", ("AGREE", None, "036")),
    ("SANCTION", "expel", ("THREATEN", "expel", "136")),
    ("COERCE", "curfew", ("THREATEN", "restrict", "1323")),
    ("PROTEST", "boycott", ("THREATEN", "restrict", "133")),
    ("ASSAULT", None, ("THREATEN", "violence", "1383")),
])
def test_an_announced_act_is_a_promise_or_a_threat(act, mode, expected):
    assert recode(act, mode, "x", "intended") == (*expected, "asserted")


def test_acts_that_are_statements_or_deployments_keep_their_type():
    for act in ("MOBILIZE", "ACCUSE", "REQUEST", "REJECT", "THREATEN", "AGREE"):
        assert recode(act, None, "x", "intended") == (act, None, "x", "intended")


def test_an_act_that_happened_or_was_only_possible_is_left_alone():
    assert recode("SANCTION", None, "163", "asserted") == ("SANCTION", None, "163", "asserted")
    assert recode("SANCTION", None, "163", "hypothetical") == ("SANCTION", None, "163", "hypothetical")


def test_a_hostile_act_on_a_condition_is_a_threat_and_a_refused_one_a_rejection():
    assert recode("SANCTION", None, "16", "hypothetical", conditional=True)[0] == "THREATEN"
    assert recode("RETREAT", "release", "0841", "denied", refused=True) == ("REJECT", "yield", "1243", "asserted")
    # "did not release": a report that it did not happen, not a refusal
    assert recode("RETREAT", "release", "0841", "denied") == ("RETREAT", "release", "0841", "denied")


def test_a_demand_takes_its_mode_and_code_from_the_act_demanded():
    assert demand("RETREAT", "release") == ("REQUEST", "yield", "1053")
    assert demand("AID", "humanitarian") == ("REQUEST", "assist", "1033")
    assert demand("ACCUSE", "allege") == ("REQUEST", None, "100")


# -- the parse ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text,word,expected", [
    ("The ministry said it would not accept any more refugees.", "accept", True),
    ("The junta refused to release the detained ministers.", "release", True),
    ("The junta did not release the detained ministers.", "release", False),
])
def test_refused(nlp, text, word, expected):
    tok = token(nlp, text, word)
    assert modality(tok, "RETREAT") == "denied"
    assert refused(tok) is expected


def test_conditional(nlp):
    assert conditional(token(nlp, "Chad will recall its troops unless the rebels disarm.", "recall"))
    assert not conditional(token(nlp, "Chad will recall its troops next month.", "recall"))


@pytest.mark.parametrize("text,word,speaker", [
    ("Germany said Belarus must release the two journalists.", "release", "Germany"),
    ("The League insisted that Damascus has to withdraw its forces.", "withdraw", "League"),
    ("Canada said the two sides must be ready to negotiate.", "negotiate", "Canada"),
    ("Peru said the rebels should reach an agreement soon.", "agreement", "Peru"),
])
def test_what_someone_else_must_do_is_demanded_by_the_speaker(nlp, text, word, speaker):
    found = demand_speaker(token(nlp, text, word))
    assert found is not None and found.text == speaker


@pytest.mark.parametrize("text,word", [
    ("We must rebuild our towns, the mayor said.", "rebuild"),
    ("The two ministers agreed that their countries should cooperate on border security.", "cooperate"),
    ("Germany released the two journalists.", "released"),
    ("Candidates must register with the commission by June.", "register"),
])
def test_no_demand_without_someone_else_reported_as_obliged(nlp, text, word):
    assert demand_speaker(token(nlp, text, word)) is None


# -- end to end --------------------------------------------------------------------------------

def test_an_announced_boycott_is_coded_as_a_threat():
    found = events("The opposition alliance said on Monday it would boycott the presidential "
                   "election in Togo.")
    assert [(e.type, e.modality) for e in found] == [("THREATEN", "asserted")]
    assert found[0].cameo.startswith("13")


def test_a_reported_obligation_is_a_demand_by_the_speaker_on_the_one_obliged():
    found = events("France said on Tuesday that Iran must release the two French teachers "
                   "held in Tehran.")
    demands = [e for e in found if e.type == "REQUEST"]
    assert demands, [e.type for e in found]
    assert demands[0].source.country == "FRA" and demands[0].target.country == "IRN"
    assert demands[0].cameo == "1053"


def test_a_stated_intention_read_as_agreement_is_a_threat_when_the_act_can_only_be_hostile():
    # the classifier hears "said it was prepared to …" as a statement of intent (AGREE); the act
    # intended decides whether it is a promise or a threat
    found = events("The interim government said it was prepared to impose martial law in the capital.")
    assert [(e.type, e.modality) for e in found] == [("THREATEN", "asserted")]
    found = events("The government said it would release the 40 detained students.")
    assert [(e.type, e.cameo) for e in found] == [("AGREE", "0353")]


def test_an_announced_act_is_one_event_not_a_promise_and_the_act():
    found = events("The United Nations will provide nearly 25,000 tons of emergency food aid to "
                   "refugees in Liberia.")
    assert [(e.type, e.cameo) for e in found] == [("AGREE", "033")]
    found = events("Canada said on Friday that the two sides must reach an agreement that ends "
                   "the fighting.")
    assert [e.type for e in found] == ["REQUEST"]


# -- stopping an event -------------------------------------------------------------------------

def test_the_stopping_table():
    from chronicle.extract.intent import reversal

    assert reversal("CONSULT", "visit") == ("SANCTION", "withdraw", "164")
    assert reversal("CONSULT", "third-party") == ("SANCTION", "withdraw", "165")
    assert reversal("PROTEST", "strike") == ("CONCEDE", None, "082")
    assert reversal("COERCE", "curfew") == ("RETREAT", None, "0813")
    assert reversal("ACCUSE", "allege") is None


@pytest.mark.parametrize("text,word,verb", [
    ("The minister cancelled a planned visit to Haiti.", "visit", "cancelled"),
    ("The union called off its strike on Monday.", "strike", "called"),
    ("The army lifted the curfew in the capital.", "curfew", "lifted"),
])
def test_halted(nlp, text, word, verb):
    from chronicle.extract.roles import halted

    found = halted(token(nlp, text, word))
    assert found is not None and found.text == verb


def test_a_cancelled_visit_is_a_sanction_by_who_cancelled_it_and_a_strike_called_off_a_concession():
    found = events("The French foreign minister cancelled a planned visit to Haiti on Sunday.")
    assert [(e.type, e.cameo) for e in found] == [("SANCTION", "164")]
    assert found[0].source.country == "FRA" and found[0].target.country == "HTI"
    found = events("The teachers' union called off its four-day strike after talks with the government.")
    assert [(e.type, e.cameo) for e in found] == [("CONCEDE", "082")]


def test_an_international_presence_pulled_out_is_involvement_withdrawn_not_a_retreat():
    found = events("Eighty UN peacekeepers were pulled out of the enclave of Srebrenica on Friday.")
    assert [(e.type, e.cameo) for e in found] == [("SANCTION", "1661")]
    found = events("The UN secretary-general announced that he will withdraw the weapons inspectors "
                   "from Iraq.")
    assert [(e.type, e.cameo) for e in found] == [("THREATEN", "136")]


@pytest.mark.parametrize("text,expected", [
    ("Turkish police prevented a demonstration by students near the party offices in Sivas.",
     ("COERCE", "172", "TUR")),
    ("Nepal's government banned the opposition rally planned for Friday.", ("COERCE", "172", "NPL")),
    ("The rebels broke the ceasefire on Sunday, shelling the town of Kidal.", ("ASSAULT", "196", None)),
])
def test_a_protest_kept_from_happening_is_coercion_and_a_broken_truce_is_fighting(text, expected):
    found = events(text)
    assert found and (found[0].type, found[0].cameo) == expected[:2]
    if expected[2]:
        assert found[0].source.country == expected[2]


def test_police_ending_a_protest_is_not_the_protesters_conceding():
    found = events("Riot police ended the sit-in outside parliament in Nairobi on Monday.")
    assert "CONCEDE" not in [e.type for e in found]


def test_types_coded_alike_once_announced_pool_their_probability(nlp):
    from chronicle.extract.reading import stated_act as _stated_act
    from chronicle.extract.classifier import Prediction

    split = {"THREATEN": 0.40, "ASSAULT": 0.30, "AGREE": 0.20, "AID": 0.05}
    announced = token(nlp, "The rebels vowed to attack the town at dawn.", "attack")
    assert _stated_act(announced, Prediction("THREATEN", 0.40, 0.05, split)) == ("THREATEN", pytest.approx(0.70))
    # the promise side wins when it holds more: AGREE and AID are both a promise once announced
    leaning = {"AGREE": 0.30, "AID": 0.35, "THREATEN": 0.25}
    assert _stated_act(announced, Prediction("AID", 0.35, 0.05, leaning)) == ("AID", pytest.approx(0.65))
    # an act that happened keeps the classifier's own answer
    done = token(nlp, "The rebels attacked the town at dawn.", "attacked")
    assert _stated_act(done, Prediction("THREATEN", 0.40, 0.05, split)) == ("THREATEN", 0.40)
    # what another party is told it must do is a demand, whichever act the classifier leans to
    demanded = token(nlp, "France said on Tuesday that Iran must release the two teachers.", "release")
    assert _stated_act(demanded, Prediction("AGREE", 0.30, 0.20, leaning)) == ("AGREE", pytest.approx(0.80))


def test_a_refusal_said_with_not_is_an_asserted_rejection_and_pools_the_acts_refused(nlp):
    from chronicle.extract.reading import stated_act as _stated_act
    from chronicle.extract.classifier import Prediction

    found = events("The French government said it would not meet the kidnappers' demands to "
                   "release prisoners in Mali.")
    assert [(e.type, e.modality) for e in found[:1]] == [("REJECT", "asserted")]
    assert recode("REJECT", None, "120", "denied", refused=True) == ("REJECT", None, "120", "asserted")
    refusal = token(nlp, "The junta refused to release the detained ministers.", "release")
    split = {"RETREAT": 0.35, "REJECT": 0.30, "AGREE": 0.10}
    assert _stated_act(refusal, Prediction("RETREAT", 0.35, 0.2, split)) == ("RETREAT", pytest.approx(0.75))


def test_an_act_only_expected_or_attempted_is_not_a_promise_or_threat(nlp):
    from chronicle.extract.roles import unstated

    assert unstated(token(nlp, "Japan is expected to send aid to the Philippines.", "send"))
    assert unstated(token(nlp, "Hackers tried to hack into the ministry's servers.", "hack"))
    assert not unstated(token(nlp, "Japan said it would send aid to the Philippines.", "send"))
    found = events("Japan is expected to send emergency aid to the Philippines.")
    assert [(e.type, e.modality) for e in found[:1]] == [("AID", "intended")]
    assert found[0].source.country == "JPN"  # the raised subject of "is expected to" sends it


def test_what_parties_agree_to_do_is_decided_or_conceded_not_threatened():
    found = events("EU foreign ministers agreed to impose sanctions on Belarus.")
    assert [(e.type, e.modality) for e in found] == [("SANCTION", "asserted")]
    found = events("Leaders of the opposition coalition agreed to postpone the demonstration in "
                   "Tirana until November.")
    assert "THREATEN" not in [e.type for e in found] and found[0].type == "AGREE"


def test_giving_in_to_demands_is_a_concession_by_who_gave_in():
    found = events("The government accepted the union's demands for higher pay on Monday.")
    assert found and found[0].type == "CONCEDE" and found[0].source.sector == "GOV"


def test_an_act_reported_by_a_third_party_is_the_act_not_the_report():
    found = events("Security forces in Togo have tortured dozens of opposition supporters, "
                   "Amnesty International said on Thursday.")
    assert found and (found[0].type, found[0].cameo) == ("ASSAULT", "1822")
    assert found[0].source.country == "TGO"


def test_what_a_deal_or_consensus_is_to_do_is_agreed_by_who_reached_it():
    found = events("Egypt and Sudan reached a consensus to exchange information on water resources "
                   "at the talks in Cairo.")
    assert found and found[0].type == "AGREE" and found[0].source.country == "EGY"


def test_an_amount_given_is_not_the_giver():
    found = events("Norway will give Malawi a grant of 300 million kroner over three years.")
    assert found and (found[0].type, found[0].source.country) == ("AGREE", "NOR")


def test_letting_the_opposition_act_is_a_concession_and_letting_inspectors_in_is_access():
    found = events("The interior minister allowed opposition leader Musa Bello to bring out his "
                   "rally in Kano on Friday.")
    assert found and (found[0].type, found[0].cameo) == ("CONCEDE", "0812")
    found = events("Khartoum allowed UN inspectors into the camps.")
    assert found and (found[0].type, found[0].mode) == ("RETREAT", "access")


def test_a_country_withdrawing_its_troops_retreats_and_a_un_contingent_leaving_is_a_mission_withdrawn():
    found = events("Israel withdrew its troops from the southern town on Sunday.")
    assert [e.type for e in found] == ["RETREAT"]
    found = events("Eighty UN peacekeepers were shipped out of the eastern enclave on Friday, leaving "
                   "just 100 UN troops to follow them later this month.")
    assert [(e.type, e.cameo) for e in found] == [("SANCTION", "1661")]


def test_inspectors_sent_are_an_investigation_not_a_deployment():
    found = events("The IAEA has dispatched inspectors to the Arak plant in central Iran.")
    assert [(e.type, e.mode) for e in found] == [("ACCUSE", "investigate")]
    found = events("Russia dispatched 500 paratroopers to the capital on Thursday.")
    assert [e.type for e in found] == ["MOBILIZE"]


def test_what_a_deal_would_do_is_not_a_threat():
    found = events("The opposition leader played down the chances of any deal to suspend the referendum.")
    assert "THREATEN" not in [e.type for e in found]


def test_what_a_request_asks_for_is_its_content_not_a_second_act():
    found = events("Greece demanded that its partners in the European Union refuse to recognise "
                   "the new republic.")
    assert [e.type for e in found] == ["REQUEST"]


@pytest.mark.parametrize("text,expected", [
    ("Ghana has refused to send troops to Mali, its defence minister said on Monday.", ("REJECT", "GHA", "MLI")),
    ("Brazil threatened on Friday to expel the ambassador of Nicaragua.", ("THREATEN", "BRA", "NIC")),
])
def test_a_statement_about_an_act_is_aimed_where_the_act_is(nlp, text, expected):
    from chronicle.extract import build, context
    from chronicle.nlp import annotate_with_parses

    doc, parsed = next(annotate_with_parses([clean(Document(id="t", text=text))]))
    registry = context.prepare(doc, parsed)
    verb = next(t for t in parsed if t.lemma_ in ("refuse", "threaten"))
    event = build.build_event(doc, parsed, verb.sent, verb, expected[0], 0.9, registry)[0]
    assert (event.type, event.source.country, event.target and event.target.country) == expected


@pytest.mark.parametrize("text,word,label,expected", [
    # a promise heard on the word of the one act promised is coded by that act
    ("The junta said it would release the jailed reporters before the holiday.", "release",
     "AGREE", ("AGREE", "0353")),
    # a demand heard on the word of the one act demanded: a demand for that act
    ("Poland said on Monday that Belarus must release the detained Polish journalist.", "release",
     "AGREE", ("REQUEST", "1053")),
    ("Poland said on Monday that Belarus must release the detained Polish journalist.", "release",
     "REQUEST", ("REQUEST", "1053")),
    # the act's own type, as before
    ("The junta said it would release the jailed reporters before the holiday.", "release",
     "RETREAT", ("AGREE", "0353")),
])
def test_a_statement_heard_on_the_word_of_an_act_is_coded_by_that_act(text, word, label, expected):
    from chronicle.extract import build, context
    from chronicle.nlp import annotate_with_parses

    doc, parsed = next(annotate_with_parses([clean(Document(id="t", text=text))]))
    registry = context.prepare(doc, parsed)
    tok = next(t for t in parsed if t.text == word)
    event = build.build_event(doc, parsed, tok.sent, tok, label, 0.9, registry)[0]
    assert (event.type, event.cameo) == expected
