"""The event-coding evaluations: the scoring on small hand-made gold and predictions (exact numbers),
the gold readers' mappings, and one end-to-end run on the shared gold when it and the model exist."""

import pytest

from chronicle.evaluate import plover_gsr, wikievents
from chronicle.evaluate.scoring import NOTHING, PRF, compare, confusions, macro_f1, per_label
from chronicle.extract.classifier import MODEL_DIR
from chronicle.record import Actor, Event, Evidence, Quantity


def event(type_, confidence=0.9, source=None, target=None, start=0, end=100, quantity=None, source_kind=None):
    def actor(country):
        if country is None and source_kind is None:
            return None
        return Actor(text=country or "UN", country=country, kind=source_kind or "state")
    return Event(id="x", type=type_, confidence=confidence, source=actor(source),
                 target=Actor(text=target, country=target) if target else None, quantity=quantity,
                 evidence=Evidence(text="", start=start, end=end))


# --- scoring -------------------------------------------------------------------------------------

def test_compare_counts_items_once_and_gives_micro_precision_recall_f1():
    result = compare(["a", "b", "c", "c"], ["b", "c", "d", "e"])
    assert (result.tp, result.fp, result.fn) == (2, 2, 1)
    assert result.precision == 0.5
    assert result.recall == pytest.approx(2 / 3)
    assert result.f1 == pytest.approx(4 / 7)


def test_nothing_predicted_and_nothing_gold_score_zero_not_an_error():
    assert compare([], []).as_dict() == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 0}
    assert compare(["a"], []).recall == 0.0
    assert macro_f1({}) == 0.0


def test_per_type_table_and_macro_f1_average_over_types_seen_on_either_side():
    gold = {("s1", "AGREE"), ("s2", "ASSAULT"), ("s3", "ASSAULT")}
    pred = {("s1", "AGREE"), ("s2", "ASSAULT"), ("s3", "PROTEST")}
    table = per_label(gold, pred, label=lambda item: item[1])
    assert list(table) == ["AGREE", "ASSAULT", "PROTEST"]
    assert table["AGREE"] == PRF(tp=1)
    assert table["ASSAULT"] == PRF(tp=1, fn=1)
    assert table["ASSAULT"].f1 == pytest.approx(2 / 3)
    assert table["PROTEST"] == PRF(fp=1)
    assert macro_f1(table) == pytest.approx((1 + 2 / 3 + 0) / 3)
    # a type in neither gold nor predictions does not drag the mean down
    assert macro_f1({**table, "AID": PRF()}) == pytest.approx(5 / 9)


def test_confusions_pair_each_missed_gold_type_with_each_wrong_prediction():
    gold = {"s1": {"ASSAULT"}, "s2": {"ASSAULT"}, "s3": {"AGREE"}, "s4": {"REQUEST"}}
    pred = {"s1": {"COERCE"}, "s2": {"COERCE", "PROTEST"}, "s3": {"AGREE", "CONSULT"}, "s4": set()}
    assert confusions(gold, pred) == [
        ("ASSAULT", "COERCE", 2),
        (NOTHING, "CONSULT", 1),
        ("ASSAULT", "PROTEST", 1),
        ("REQUEST", NOTHING, 1),
    ]
    assert confusions(gold, pred, top=1) == [("ASSAULT", "COERCE", 2)]


# --- PLOVER GSR ----------------------------------------------------------------------------------

def test_draft_05_types_are_read_as_current_plover():
    assert plover_gsr.gold_type("DEMAND") == "REQUEST"
    assert plover_gsr.gold_type("FIGHT") == "ASSAULT"
    assert plover_gsr.gold_type("DISAPPROVE") == "ACCUSE"
    assert plover_gsr.gold_type("AGREE") == "AGREE"
    assert plover_gsr.gold_type("INVESTIGATE") == "ACCUSE"
    assert plover_gsr.gold_type("INVESTIGATE", "COERCE") == "COERCE"
    assert plover_gsr.gold_type("INVESTIGATE", "drop") is None
    assert plover_gsr.gold_type("DOCUMENT") is None
    with pytest.raises(ValueError, match="investigate must be one of"):
        plover_gsr.gold_type("INVESTIGATE", "SANCTION")


def test_gold_actor_codes_become_countries_only_when_they_are_countries():
    assert plover_gsr.country_code("USA") == "USA"
    assert plover_gsr.country_code("PSE") == "PSE"
    assert plover_gsr.country_code("JAP") == "JPN"  # legacy CAMEO code
    assert plover_gsr.country_code("ITL") == "ITA"
    assert plover_gsr.country_code("IGO") is None
    assert plover_gsr.country_code("NGO") is None
    assert plover_gsr.country_code("") is None


def gsr_items():
    G, A = plover_gsr.GoldSentence, plover_gsr.GoldActor
    s1 = G(id="s1", text="…", event="AGREE", sources=[A("Hungarian", "HUN"), A("Romanian", "ROU")])
    s2 = G(id="s2", text="…", event="FIGHT", sources=[A("Israeli troops", "ISR", "MIL")],
           targets=[A("Palestinian", "PSE")])
    s3 = G(id="s3", text="…", event="DEMAND", sources=[A("U.N.", "IGO")], targets=[A("Iraq", "IRQ")])
    return [
        (s1, [event("AGREE", 0.9, source="HUN"), event("CONSULT", 0.6, source="HUN")], {"HUN", "ROU"}),
        (s2, [event("ASSAULT", 0.8, source="ISR", target="PSE")], set()),
        (s3, [], set()),
    ]


def test_plover_gsr_scores_types_actors_and_false_events_exactly():
    result = plover_gsr.score(gsr_items())
    assert result["sentences"] == 3
    assert result["type"] == {"precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3),
                              "f1": pytest.approx(2 / 3), "tp": 2, "fp": 1, "fn": 1}
    assert result["macro_f1"] == pytest.approx(0.5)  # AGREE 1, ASSAULT 1, CONSULT 0, REQUEST 0
    assert result["top1_accuracy"] == pytest.approx(2 / 3)
    assert result["false_events_per_gold"] == pytest.approx(1 / 3)
    assert result["sentences_without_event"] == 1
    # HUN and ROU are both gold sources of s1: one event with HUN finds half of them
    ts = result["type_source"]
    assert (ts["tp"], ts["fp"], ts["fn"], ts["sentences"]) == (2, 1, 1, 2)
    tst = result["type_source_target"]
    assert (tst["tp"], tst["fp"], tst["fn"], tst["sentences"]) == (1, 0, 0, 1)
    actors = result["actor_country"]
    assert actors["gold_actors"] == 3
    assert actors["right_type"] == pytest.approx(2 / 3)
    assert actors["any_event"] == pytest.approx(2 / 3)
    assert actors["any_entity"] == pytest.approx(2 / 3)
    assert (actors["igo_sentences"], actors["igo_right_type"]) == (1, 0.0)
    rows = {row["type"]: row for row in result["per_type"]}
    assert (rows["REQUEST"]["support"], rows["REQUEST"]["predicted"], rows["REQUEST"]["recall"]) == (1, 0, 0.0)
    assert {(c["gold"], c["predicted"], c["count"]) for c in result["confusions"]} == {
        (NOTHING, "CONSULT", 1), ("REQUEST", NOTHING, 1)}
    # calibration: AGREE 0.9 right, ASSAULT 0.8 right, CONSULT 0.6 wrong
    cal = result["calibration"]
    assert cal["at_least_0_8"] == {"events": 2, "right": 1.0}
    assert [(b["from"], b["events"], b["right"]) for b in cal["bands"]] == [
        (0.0, 0, 0.0), (0.6, 1, 0.0), (0.8, 1, 1.0), (0.9, 1, 1.0)]
    assert "of our 2 events at ≥ 0.8, 100.0% have the gold type" in plover_gsr._calibration_line(cal)


def test_igo_source_counts_when_our_event_of_the_gold_type_has_an_igo_source():
    G, A = plover_gsr.GoldSentence, plover_gsr.GoldActor
    sent = G(id="s", text="…", event="DEMAND", sources=[A("U.N.", "IGO")])
    result = plover_gsr.score([(sent, [event("REQUEST", source_kind="igo")], set())])
    assert result["actor_country"]["igo_right_type"] == 1.0
    assert result["type_source"]["sentences"] == 0  # no country-like source: not in that metric


def test_investigate_choice_changes_only_the_investigation_sentences():
    sent = plover_gsr.GoldSentence(id="s4", text="…", event="INVESTIGATE")
    items = gsr_items() + [(sent, [event("ACCUSE")], set())]
    as_accuse = plover_gsr.score(items, "ACCUSE")
    assert (as_accuse["sentences"], as_accuse["type"]["tp"]) == (4, 3)
    as_coerce = plover_gsr.score(items, "COERCE")
    assert (as_coerce["type"]["tp"], as_coerce["type"]["fp"], as_coerce["type"]["fn"]) == (2, 2, 2)
    dropped = plover_gsr.score(items, "drop")
    assert dropped["sentences"] == 3 and dropped["type"]["tp"] == 2


# --- WikiEvents ----------------------------------------------------------------------------------

def test_kairos_types_map_to_plover_and_transport_needs_an_armed_mover():
    assert wikievents.plover_type("Conflict.Attack.DetonateExplode") == "ASSAULT"
    assert wikievents.plover_type("Conflict.Demonstrate.DemonstrateWithViolence") == "PROTEST"
    assert wikievents.plover_type("Justice.ArrestJailDetain.Unspecified") == "COERCE"
    assert wikievents.plover_type("Contact.RequestCommand.Meet") == "REQUEST"
    assert wikievents.plover_type("Contact.Contact.Meet") == "CONSULT"
    assert wikievents.plover_type("Contact.Contact.Broadcast") is None
    assert wikievents.plover_type("Life.Die.Unspecified") is None
    moved = "Movement.Transportation.Unspecified"
    assert wikievents.plover_type(moved, [{"role": "Transporter", "text": "army"}]) == "MOBILIZE"
    assert wikievents.plover_type(moved, [{"role": "PassengerArtifact", "text": "troops"}]) == "MOBILIZE"
    assert wikievents.plover_type(moved, [{"role": "Transporter", "text": "McVeigh"}]) is None
    assert wikievents.plover_type(moved, [{"role": "Destination", "text": "army base"}]) is None


def test_offsets_follow_the_words_through_cleaning():
    raw = "Troops  moved north.\n\nRead more\n\nThey arrived."
    cleaned = "Troops moved north.\n\nThey arrived."
    to_cleaned = wikievents.offset_map(raw, cleaned)
    assert to_cleaned(raw.index("moved")) == cleaned.index("moved")
    assert to_cleaned(raw.index("arrived") + 2) == cleaned.index("arrived") + 2
    assert to_cleaned(raw.index("more")) is None  # dropped by cleaning
    assert to_cleaned(raw.index("\n")) is None  # whitespace is no word


def test_articles_are_rebuilt_with_sentences_at_their_gold_offsets():
    sentences = [([["Blast", 0, 5], ["kills", 6, 11], ["two", 12, 15]], "Blast kills two"),
                 ([["Police", 16, 22], ["came", 23, 27], [".", 27, 28]], "Police came."),
                 ([["Then", 29, 33], ["rain", 34, 38]], "Then rain"),
                 ([["End", 40, 43]], "End")]
    text = wikievents._article_text(sentences)
    assert text == "Blast kills two\nPolice came. Then rain\n\nEnd"
    assert text[34:38] == "rain"


def wiki_article():
    text = ("Rebels attacked the base. Police arrested ten men. The minister said it was sad. "
            "Two soldiers died in the blast.")
    s = [0, text.index("Police"), text.index("The minister"), text.index("Two"), len(text)]
    M = wikievents.GoldMention
    mentions = [M("m1", "Conflict.Attack.Unspecified", "ASSAULT", "attacked", text.index("attacked")),
                M("m2", "Justice.ArrestJailDetain.Unspecified", "COERCE", "arrested", text.index("arrested")),
                M("m3", "Contact.Contact.Broadcast", None, "said", text.index("said")),
                M("m4", "Life.Die.Unspecified", None, "died", text.index("died"))]
    events = [event("ASSAULT", start=s[0], end=s[1]),
              event("COERCE", start=s[2], end=s[3]),
              event("ASSAULT", start=s[3], end=s[4], quantity=Quantity(value=2, approx="exact", unit="soldier",
                                                                       start=s[3], end=s[3] + 3)),
              event("AGREE", start=s[2], end=s[3])]
    return wikievents.Article(id="a1", text=text, mentions=mentions), events


def test_two_triggers_of_one_type_in_a_gold_sentence_are_one_sentence_to_find():
    text = "A bomb exploded and the attack killed two. Nothing else happened."
    M = wikievents.GoldMention
    article = wikievents.Article(id="a", text=text, mentions=[
        M("m1", "Conflict.Attack.DetonateExplode", "ASSAULT", "exploded", text.index("exploded"), sentence=0),
        M("m2", "Conflict.Attack.Unspecified", "ASSAULT", "attack", text.index("attack"), sentence=0)])
    result = wikievents.score([(article, [event("ASSAULT", start=0, end=text.index("Nothing"))])])
    assert (result["mention_recall"], result["gold_sentences"], result["sentence_recall"]) == (1.0, 1, 1.0)
    assert result["false_events"] == 0
    missed = wikievents.score([(article, [event("ASSAULT", start=text.index("Nothing"), end=len(text))])])
    assert (missed["mention_recall"], missed["sentence_recall"], missed["false_events"]) == (0.0, 0.0, 1)


def test_wikievents_scores_documents_mentions_and_false_events_exactly():
    result = wikievents.score([wiki_article()])
    assert result["gold_mentions"] == 2
    assert result["document_type"]["f1"] == 1.0  # the article has an ASSAULT and a COERCE, and so do we
    assert result["mention_recall"] == 0.5  # our COERCE sits in the wrong sentence
    assert (result["gold_sentences"], result["sentence_recall"]) == (2, 0.5)
    # of our three (sentence, type) pairs of scored types only the attack's holds a gold mention
    assert result["sentence_precision"] == pytest.approx(1 / 3)
    assert result["sentence_f1"] == pytest.approx(0.4)
    assert result["predicted_scored_events"] == 3
    assert result["false_events"] == 2
    assert result["false_events_per_gold"] == 1.0
    assert result["false_events_per_gold_killings_as_assault"] == 0.5
    assert result["unscored_predictions"] == {"AGREE": 1}
    assert {(u["predicted"], u["gold_in_sentence"], u["count"]) for u in result["unmatched_in_sentence_with"]} == {
        ("COERCE", "Contact.Contact.Broadcast", 1), ("ASSAULT", "Life.Die.Unspecified", 1)}
    assert result["consequences"] == {"gold_die_injure_mentions": 1, "in_sentence_with_our_assault": 1,
                                      "assault_events": 2, "assault_events_with_count": 1}
    rows = {row["type"]: row for row in result["per_type"]}
    assert (rows["COERCE"]["gold_mentions"], rows["COERCE"]["mention_recall"], rows["COERCE"]["false_events"]) \
        == (1, 0.0, 1)
    assert rows["MOBILIZE"]["gold_mentions"] == 0


def test_wikievents_lists_each_missed_mention_and_each_false_event_with_its_text():
    article, events = wiki_article()
    events[1].evidence.text = "The minister said it was sad."
    result = wikievents.score([(article, events)])
    # the arrest is missed (our COERCE sits in the next sentence), and no event of ours covers it
    assert [(m["type"], m["trigger"], m["ours"]) for m in result["missed"]] == [("COERCE", "arrested", [])]
    assert result["missed"][0]["text"] == article.text  # the article is one line, shorter than the cut
    assert [(f["type"], f["gold_in_sentence"], f["text"]) for f in result["false"]] == [
        ("COERCE", ["Contact.Contact.Broadcast"], "The minister said it was sad."),
        ("ASSAULT", ["Life.Die.Unspecified"], "")]
    listing = wikievents.format_errors(result)
    assert "COERCE [arrested] Justice.ArrestJailDetain.Unspecified; ours: nothing" in listing
    assert "COERCE | Contact.Contact.Broadcast\n      The minister said it was sad." in listing


def test_the_text_around_a_missed_trigger_is_its_line_cut_around_it():
    text = "Headline\n" + "word " * 100 + "TRIGGER " + "word " * 100 + "\nnext line"
    around = wikievents._around(text, text.index("TRIGGER"))
    assert "TRIGGER" in around and "Headline" not in around and "next line" not in around
    assert around.startswith("…") and around.endswith("…") and len(around) <= 245
    assert wikievents._around("Police came.\nRain fell.", 14) == "Rain fell."
    assert wikievents._around("anything", None) == ""


def test_plover_gsr_lists_the_sentences_whose_types_are_not_exactly_the_gold():
    result = plover_gsr.score(gsr_items())
    assert [(w["id"], w["gold"], w["ours"]) for w in result["wrong"]] == [
        ("s1", "AGREE", ["AGREE", "CONSULT"]), ("s3", "REQUEST", [])]
    listing = plover_gsr.format_errors(result)
    assert "s1  AGREE → AGREE, CONSULT | …" in listing and "s3  REQUEST → no event | …" in listing


def test_plover_gsr_lists_the_right_types_whose_source_or_target_country_is_not():
    G, A = plover_gsr.GoldSentence, plover_gsr.GoldActor
    gold = dict(event="FIGHT", sources=[A("Israeli troops", "ISR")], targets=[A("Palestinian", "PSE")])
    items = [
        (G(id="right", text="…", **gold), [event("ASSAULT", source="ISR", target="PSE")], set()),
        (G(id="no source", text="…", **gold), [event("ASSAULT")], set()),
        (G(id="other source", text="…", **gold), [event("ASSAULT", source="LBN", target="PSE")], set()),
        (G(id="no target", text="…", **gold), [event("ASSAULT", source="ISR")], set()),
        (G(id="own target", text="…", **gold), [event("ASSAULT", source="ISR", target="ISR")], set()),
        (G(id="other target", text="…", **gold), [event("ASSAULT", source="ISR", target="EGY")], set()),
        # one of two events of the type right is enough; a type missed is listed with the types
        (G(id="one of two", text="…", **gold), [event("ASSAULT", source="ISR"),
                                                event("ASSAULT", source="ISR", target="PSE")], set()),
        (G(id="type missed", text="…", **gold), [event("PROTEST", source="ISR")], set()),
        # no gold target: the source alone is asked for
        (G(id="source only", text="…", event="FIGHT", sources=[A("Israeli troops", "ISR")]),
         [event("ASSAULT", source="ISR")], set()),
    ]
    result = plover_gsr.score(items)
    assert [(w["id"], w["miss"]) for w in result["wrong_actors"]] == [
        ("no source", "source"), ("other source", "source wrong"), ("no target", "target none"),
        ("own target", "target: the source's country"), ("other target", "target wrong")]
    tst = result["type_source_target"]
    assert tst["fn"] == len(result["wrong_actors"]) + 1  # and the sentence whose type was missed
    listing = plover_gsr.format_errors(result)
    assert "gold type found, its source or target country not (5: " in listing
    assert "  no target  target none | ISR → PSE | 'ISR' ISR → none | …" in listing


def test_geowebnews_lists_far_unresolved_missed_and_spurious_places():
    from chronicle.evaluate import geowebnews

    paris = {"name": "Paris", "country": "FRA", "lat": 48.85, "lon": 2.35}
    listing = [
        {"article": "0", "text": "Paris", "type": "Literal", "label": "GPE", "gold": (33.66, -95.56),
         "place": paris, "error_km": 7900.0, "context": "flew to\nParis, Texas"},
        {"article": "0", "text": "Lyon", "type": "Literal", "label": "GPE", "gold": (45.76, 4.84),
         "place": None, "error_km": None, "context": "in Lyon"},
        {"article": "0", "text": "Nice", "type": "Literal", "label": "GPE", "gold": (43.7, 7.27),
         "place": {**paris, "name": "Nice"}, "error_km": 1.0, "context": "in Nice"},
        {"article": "5", "missed": "Elm Street", "type": "Literal", "ours": [], "context": "on Elm Street"},
        {"article": "5", "spurious": "Jordan", "label": "GPE", "place": {**paris, "name": "Jordan"},
         "context": "Michael Jordan scored"},
    ]
    text = geowebnews.format_errors({"toponyms": listing})
    assert "(2, development articles)" in text and "Nice (" not in text  # 1 km is right
    assert "0  Paris (Literal, GPE) → Paris, FRA, 7,900 km\n      flew to Paris, Texas" in text
    assert "0  Lyon (Literal, GPE) → nothing, unresolved" in text
    assert "5  Elm Street (Literal) | none" in text and "5  Jordan (GPE) → Jordan" in text
    assert "no listing" in geowebnews.format_errors({"rows": []})


def test_errors_are_listed_for_development_sets_only():
    from click.testing import CliRunner

    from chronicle.cli import cli

    for goldset in ("plv", "all"):
        result = CliRunner().invoke(cli, ["eval", goldset, "--errors"])
        assert result.exit_code == 2 and "development sets' errors" in result.output


def test_a_trigger_lost_in_cleaning_stays_gold_and_is_missed():
    article, events = wiki_article()
    article.mentions[0].start = None
    result = wikievents.score([(article, events)])
    assert result["gold_mentions_lost_in_cleaning"] == 1
    assert result["mention_recall"] == 0.0
    assert result["false_events"] == 3


# --- end to end ----------------------------------------------------------------------------------

def test_plover_gsr_runs_end_to_end_on_the_first_sentences():
    if not plover_gsr.default_path().exists():
        pytest.skip("the shared PLOVER GSR gold (../shared/eval) is not beside the repository")
    if not (MODEL_DIR / "events.json").exists():
        pytest.skip("no event classifier in the package yet: run `make train`")
    result = plover_gsr.evaluate(limit=20)
    assert result["items"] == 20
    for key in ("type", "macro_f1", "top1_accuracy", "type_source", "type_source_target",
                "false_events_per_gold", "actor_country", "per_type", "confusions", "investigate_variants",
                "config", "seconds"):
        assert key in result
    for f1 in (result["type"]["f1"], result["macro_f1"], result["type_source"]["f1"],
               result["type_source_target"]["f1"]):
        assert 0.0 <= f1 <= 1.0
    assert "event type (micro)" in plover_gsr.format_table(result)


def test_tables_print_the_headline_numbers_of_hand_made_results():
    gsr = {"dataset": "PLOVER GSR", "path": "-", "items": 3, **plover_gsr.score(gsr_items()),
           "config": {"investigate": "ACCUSE"}, "seconds": 0.1}
    table = plover_gsr.format_table(gsr)
    assert "event type (micro)" in table and " 0.667 " in table and "REQUEST missed, no other event" in table
    wiki = {"dataset": "WikiEvents dev", "path": "-", "items": 1, **wikievents.score([wiki_article()]),
            "config": {}, "seconds": 0.1}
    table = wikievents.format_table(wiki)
    assert "mention recall" in table and "false events per gold mention: 1.00" in table
    assert "AGREE 1" in table


def test_own_event_list_scores_types_per_sentence_and_no_event_sentences():
    from chronicle.evaluate.event_sentences import Case, score

    cases = [Case("violence", "Gunmen killed four farmers.", frozenset({"ASSAULT"})),
             Case("riot", "A mob burned a police station.", frozenset({"PROTEST"})),
             Case("none", "Floods swept away dozens of homes.", frozenset())]
    result = score(cases, [{"ASSAULT"}, {"ASSAULT"}, set()])
    # pairs: one right, one wrong type (a false and a missed pair), the no-event sentence right
    assert result["type"]["tp"] == 1 and result["type"]["fp"] == 1 and result["type"]["fn"] == 1
    assert result["exact"] == 2 / 3 and result["none_right"] == 1.0
    assert [w["sentence"] for w in result["wrong"]] == ["A mob burned a police station."]
    result = score(cases, [{"ASSAULT"}, {"PROTEST"}, {"ASSAULT"}])
    assert result["none_right"] == 0.0 and result["type"]["fp"] == 1


def test_own_event_list_ships_with_the_package_and_is_mostly_right():
    from chronicle.evaluate import suite
    from chronicle.evaluate.event_sentences import default_path, evaluate, format_table, read_cases

    cases = read_cases(default_path())
    kinds = {c.kind for c in cases}
    assert len(cases) >= 70 and {"violence", "riot", "coerce", "none"} <= kinds
    assert all(c.types <= {"ASSAULT", "PROTEST", "COERCE", "AGREE", "CONSULT", "REQUEST", "THREATEN",
                           "ACCUSE", "AID", "MOBILIZE", "SANCTION", "RETREAT", "SUPPORT", "REJECT",
                           "CONCEDE", "COOPERATE"} for c in cases)
    result = evaluate()
    assert result["type"]["f1"] >= 0.85 and result["none_right"] >= 0.9
    assert "events" in suite.SETS and "type F1" in suite.format_all({"events": result})
    assert "exactly right" in format_table(result)
