"""The training sources' label mappings and fixed splits (extract/sources.py)."""

import json

import pytest

from chronicle.extract import sources


@pytest.mark.parametrize("text, modality, expected", [
    # material concessions carried out: RETREAT (release, withdraw, resign, surrender, return)
    ("The junta freed 40 political prisoners on Sunday.", "past", "RETREAT"),
    ("Turkish troops began withdrawing from the border villages.", "past", "RETREAT"),
    ("The interior minister resigned after a week of protests.", "past", "RETREAT"),
    ("Two hundred rebels surrendered to the army in the north.", "past", "RETREAT"),
    ("The museum returned a looted statue to Peru.", "past", "RETREAT"),
    # verbal concessions: CONCEDE (accepted, granted on paper, a ceasefire declared, a promise)
    ("The government accepted the main demands of the striking teachers.", "past", "CONCEDE"),
    ("The rebels declared a unilateral ceasefire for the holidays.", "past", "CONCEDE"),
    ("The court granted the opposition leader permission to travel.", "past", "CONCEDE"),
    ("The army will release the detainees next week.", "todo", "CONCEDE"),
])
def test_plv_yield_is_split_into_retreat_when_material_and_concede_when_verbal(text, modality, expected):
    assert sources.plv_type("YIELD", text, modality) == expected


def test_plv_types_that_are_ours_map_to_themselves_and_unknown_ones_to_nothing():
    assert sources.plv_type("ASSAULT", "x") == "ASSAULT"
    assert sources.plv_type("protest", "x") == "PROTEST"
    assert sources.plv_type("INVESTIGATE", "x") is None


@pytest.mark.parametrize("labels, expected", [
    (["ANY_ACTION", "ARREST"], ["COERCE"]),
    (["ANY_ACTION", "FORCE", "KILL"], ["ASSAULT"]),
    (["ANY_ACTION", "ARREST", "FORCE"], ["ASSAULT", "COERCE"]),
    ([], []),                       # a sentence with no police act: a negative
    (["ANY_ACTION"], None),         # some police act of no type we can name: not an example
    (["FAIL"], None),               # the police failing to act is not an act
])
def test_police_labels_map_arrests_to_coerce_and_killing_or_force_to_assault(labels, expected):
    assert sources.police_types(labels) == expected


def test_splits_are_fixed_by_the_key_alone_and_about_two_tenths_held_out():
    keys = [f"police:{i}" for i in range(2000)]
    splits = [sources.split_of(k) for k in keys]
    assert splits == [sources.split_of(k) for k in keys]
    share = splits.count("test") / len(splits)
    assert 0.17 < share < 0.23
    assert 0.07 < splits.count("dev") / len(splits) < 0.13


def test_mojibake_of_the_scraped_articles_is_undone_and_clean_text_left_alone():
    assert sources.fix_mojibake("the proposed \u00e2\u20ac\u02dcbhoomi puja\u00e2\u20ac\u2122") == \
        "the proposed \u2018bhoomi puja\u2019"
    assert sources.fix_mojibake("Café au lait") == "Café au lait"


def test_police_reader_groups_by_article_and_marks_untyped_sentences(tmp_path):
    path = tmp_path / "sents.jsonl"
    rows = [{"doc_id": 7, "sent_id": 0, "sent_labels": ["ANY_ACTION", "ARREST"],
             "sent_text": "police arrested 12 persons."},
            {"doc_id": 7, "sent_id": 1, "sent_labels": ["ANY_ACTION"], "sent_text": "curfew continued."},
            {"doc_id": 7, "sent_id": 2, "sent_labels": [], "sent_text": "the market reopened."}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    read = sources.read_police(path)
    assert [r.types for r in read] == [["COERCE"], [], []]
    assert [r.extra["untyped"] for r in read] == [False, True, False]
    assert len({r.split for r in read}) == 1  # one article, one side of the split


def test_a_sentence_labelled_for_police_acts_only_teaches_no_event_only_for_words_naming_no_act():
    # the police articles' missing label says "no police act": an accusation, troops deployed or a
    # protest in such a sentence is not taught as no event; words that name no act still are
    from chronicle.extract.train import gate_examples, source_items
    from chronicle.nlp import load_pipeline

    nlp = load_pipeline()
    text = ("The opposition blamed the government for the riots and said that troops were "
            "deployed in the old city.")
    rows = [sources.Labelled(text, [], "police", "police:1", "train")]
    train, dev = source_items(rows, nlp, negatives=10, seed=1)
    assert dev == [] and len(train) == 1
    taught = {train[0].text[a:b] for a, b, lab in train[0].spans if lab == "NONE"}
    assert "said" in taught
    assert not taught & {"blamed", "deployed"}
    silent = {train[0].text[a:a + 8].split()[0] for a in train[0].silent}
    assert {"blamed", "deployed"} <= silent
    # the candidate gate leaves them out too: every example it takes is a no-event word
    feats, ys = gate_examples(train, nlp)
    assert ys and set(ys) == {0} and len(ys) == len(taught)

    # the same sentence from a source that labels every act (our own NONE rows go through
    # build_items, the PLV rows always carry a type) would teach every candidate: the rule is
    # the source's, not the words'
    plv = [sources.Labelled(text, [], "plv", "plv:1", "train")]
    train, _ = source_items(plv, nlp, negatives=10, seed=1)
    assert {"blamed", "deployed"} <= {train[0].text[a:b] for a, b, _ in train[0].spans}
