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


PLV_HEADER = "\tsentence_id\tsentence\tgold_penta\tgold_root\n"


def _plv_file(tmp_path, rows):
    path = tmp_path / "PLV_train.tsv"
    path.write_text(PLV_HEADER + "".join(f"{i}\t{i}\t{text}\t{penta}\t{root}\n"
                                         for i, (text, penta, root) in enumerate(rows)),
                    encoding="utf-8")
    return path


def test_each_type_s_quad_classes_are_those_the_cameo_file_codes_its_plv_sentences_in(tmp_path):
    path = _plv_file(tmp_path, [
        ("Rebels shelled the town.", "4", "ASSAULT"),
        ("Gunmen attacked a convoy.", "4", "ASSAULT"),
        ("The EU froze the assets of six officials.", "4", "SANCTION"),
        ("Police detained the mayor.", "4", "COERCE"),
        ("Police arrested 12 students.", "4", "COERCE"),
        ("Soldiers detained two journalists.", "4", "COERCE"),
        ("Police seized the newspaper's presses.", "4", "COERCE"),
        ("Troops arrested the spies for treason.", "4", "COERCE"),
        ("The junta freed 40 prisoners.", "2", "YIELD"),    # YIELD: both of our types
        ("They met in Geneva.", "1", "INVESTIGATE"),        # not one of ours: no entry
        ("The minister condemned the raid.", "3", "ACCUSE"),  # not in the CAMEO file: no entry
    ])
    cameo = tmp_path / "cameo.tsv"
    cameo.write_text("Rebels shelled the town.\t4\n"
                     "Gunmen attacked a convoy!\t4\n"                 # compared without punctuation
                     "The EU froze the assets of six officials.\t3\n"  # its own numbering wins
                     "Police detained the mayor.\t4\nPolice arrested 12 students.\t4\n"
                     "Soldiers detained two journalists.\t4\nPolice seized the newspaper's presses.\t4\n"
                     "Troops arrested the spies for treason.\t3\n"     # one in five: a class too
                     "The junta freed 40 prisoners.\t2\nThey met in Geneva.\t1\n"
                     "A sentence PLV does not hold.\t4\n", encoding="utf-8")
    assert sources.type_quads(cameo, path) == {
        "ASSAULT": (4,), "COERCE": (4, 3), "CONCEDE": (2,), "RETREAT": (2,), "SANCTION": (3,)}
    assert sources.type_quads(cameo, path, share=0.3)["COERCE"] == (4,)


def test_cameo_reader_drops_plv_sentences_whatever_their_punctuation_and_marks_rows_untyped(tmp_path):
    plv = _plv_file(tmp_path, [("Troops \u201cwithdrew\u201d from the border - officials said.", "2",
                                "YIELD")])
    cameo = tmp_path / "cameo.tsv"
    cameo.write_text("Troops \"withdrew\" from the border -- officials said.\t2\n"
                     "Police  fired tear gas at the marchers.\t4\n"
                     "Police fired tear gas at the marchers.\t4\n"          # the same sentence again
                     "The spokesman spoke to reporters.\t0\n"
                     "\t3\n", encoding="utf-8")
    rows = sources.read_cameo(cameo, plv)
    assert [(r.text, r.extra["quad"]) for r in rows] == [
        ("Police fired tear gas at the marchers.", 4), ("The spokesman spoke to reporters.", 0)]
    assert all(r.types == [] and r.extra["untyped"] and r.source == "cameo" for r in rows)
    assert rows[0].split == sources.split_of(rows[0].key)


def test_weak_bags_hold_every_candidate_of_a_train_sentence_of_acts_and_nothing_else():
    from chronicle.extract.train import WEAK, gate_examples, source_items, weak_items
    from chronicle.nlp import load_pipeline

    nlp = load_pipeline()
    acts = "Soldiers opened fire on the crowd and arrested dozens of students after the rally."

    def row(text, quad, split="train"):
        return sources.Labelled(text, [], "cameo", "cameo:x", split, {"quad": quad, "untyped": True})

    rows = [row(acts, 4), row("The spokesman spoke to reporters on Monday.", 0),
            row(acts, 4, split="test"), row(acts, 4, split="dev")]
    bags = weak_items(rows, nlp)
    assert len(bags) == 1  # statements give nothing; test and dev sentences never come here
    words = {bags[0].text[a:b] for a, b, _ in bags[0].spans}
    assert {"fire", "arrested"} <= words or {"opened", "arrested"} <= words
    assert {lab for _, _, lab in bags[0].spans} == {f"{WEAK}4"}
    # the same rows are neither positives nor negatives of the labelled sources
    assert source_items(rows, nlp, negatives=10, seed=1) == ([], [])


def test_a_full_retrain_refuses_the_weak_bags_it_would_leave_out():
    """`train --full` retrains on our own sentences only: with `--weak-weight` the final model would
    not see the bags its card counts, so the combination is refused before any work."""
    from chronicle.extract.train import train

    with pytest.raises(SystemExit, match="--full .* does not take --weak-weight"):
        train("sentence", full=True, weak_weight=1.0)
    with pytest.raises(SystemExit, match="--init-from"):
        train("sentence", full=True, init_from="somewhere")
