"""The ACLED-style snippet list (`chronicle eval snippets`): the reduction of a snippet's events to one
of five classes, the keyword baseline, macro-F1 on a hand-made confusion, the file itself, and one
short end-to-end run."""

import pytest

from chronicle.evaluate import snippets, suite
from chronicle.evaluate.snippets import (CLASSES, Case, keyword_class, measures, read_cases, reduce_events,
                                         score)
from chronicle.record import Event, Evidence


def event(type_, confidence=0.9, start=0, modality="asserted"):
    return Event(id=f"{type_}{start}", type=type_, confidence=confidence, modality=modality,
                 evidence=Evidence(text="", start=start, end=start + 10))


# --- reducing a snippet's events to one class ----------------------------------------------------

def test_the_surest_event_of_the_four_types_gives_the_class():
    assert reduce_events([event("PROTEST", 0.7), event("ASSAULT", 0.9, start=40)]) == ("assault", "event")
    assert reduce_events([event("PROTEST", 0.95), event("COERCE", 0.9, start=40)]) == ("protest", "event")
    # other PLOVER types do not compete, however sure
    assert reduce_events([event("CONSULT", 0.99), event("AGREE", 0.6, start=30)]) == ("agree", "event")


def test_acleds_reading_counts_agreements_signed_and_ceasefires_as_agree_and_plovers_does_not():
    from chronicle.evaluate.snippets import acled_class

    signed = event("SUPPORT", 0.9)
    signed.cameo = "057"
    truce = event("RETREAT", 0.9)
    truce.mode, truce.cameo = "ceasefire", "0871"
    praised = event("SUPPORT", 0.9)
    praised.cameo = "051"
    for ev in (signed, truce):
        assert reduce_events([ev]) == ("none", "other types")
        assert reduce_events([ev], classify=acled_class) == ("agree", "event")
    assert reduce_events([praised], classify=acled_class) == ("none", "other types")
    assert reduce_events([event("PROTEST")], classify=acled_class) == ("protest", "event")


def test_a_tie_goes_to_the_event_first_in_the_text():
    assert reduce_events([event("COERCE", 0.8, start=50), event("PROTEST", 0.8, start=5)])[0] == "protest"
    assert reduce_events([event("COERCE", 0.8, start=5), event("PROTEST", 0.8, start=50)])[0] == "coerce"


def test_no_event_of_the_four_types_is_none_and_says_why():
    assert reduce_events([]) == ("none", "no event")
    assert reduce_events([event("CONSULT"), event("MOBILIZE", start=20)]) == ("none", "other types")
    # an act denied or only foreseen did not take place; claimed acts count
    assert reduce_events([event("ASSAULT", modality="denied")]) == ("none", "not taken place")
    assert reduce_events([event("PROTEST", modality="intended")]) == ("none", "not taken place")
    assert reduce_events([event("ASSAULT", modality="claimed")]) == ("assault", "event")
    assert reduce_events([event("ASSAULT", 0.95, modality="hypothetical"), event("COERCE", 0.6, start=30)]) \
        == ("coerce", "event")
    assert reduce_events([event("ASSAULT", modality="denied")], took_place=None) == ("assault", "event")


def test_the_keyword_baseline_takes_the_first_of_six_keywords():
    assert keyword_class("Police arrested 40 people after protesters attacked a bank.") == "coerce"
    assert keyword_class("Thousands demonstrated in Lomé; police arrested ten.") == "protest"
    assert keyword_class("Floods killed 40 people in Sindh.") == "assault"  # what keywords get wrong
    assert keyword_class("The two sides AGREED to a truce.") == "agree"
    assert keyword_class("Rebels shelled the town.") == "none"
    assert keyword_class("A skilled worker was hired.") == "none"  # 'kill' only at a word's start


# --- measures ------------------------------------------------------------------------------------

def test_macro_f1_accuracy_and_confusion_on_a_hand_made_list():
    gold = ["protest", "protest", "assault", "none", "coerce"]
    got = ["protest", "assault", "assault", "none", "none"]
    m = measures(gold, got)
    assert m["n"] == 5 and m["accuracy"] == pytest.approx(3 / 5)
    # protest P 1 R 1/2; assault P 1/2 R 1; none P 1/2 R 1; coerce and agree 0
    assert m["classes"]["protest"]["f1"] == pytest.approx(2 / 3)
    assert m["classes"]["assault"]["f1"] == pytest.approx(2 / 3)
    assert m["classes"]["none"]["precision"] == pytest.approx(0.5)
    assert m["classes"]["none"]["f1"] == pytest.approx(2 / 3)
    assert m["classes"]["coerce"]["support"] == 1 and m["classes"]["coerce"]["f1"] == 0.0
    assert m["macro_f1"] == pytest.approx((2 / 3 * 3 + 0) / 4)  # agree on neither side: not averaged
    assert m["confusion"]["protest"] == {"protest": 1, "assault": 1, "coerce": 0, "agree": 0, "none": 0}
    assert m["confusion"]["coerce"]["none"] == 1
    assert sum(sum(row.values()) for row in m["confusion"].values()) == 5
    assert measures(gold, gold)["macro_f1"] == 1.0 and measures(gold, gold)["accuracy"] == 1.0


def test_score_splits_the_list_and_lists_only_dev_cases():
    cases = [Case("a1", "dev", "protest", "peaceful", "Teachers protested in Accra."),
             Case("a2", "test", "protest", "peaceful", "Nurses marched in Lagos."),
             Case("a3", "dev", "none", "disaster", "Floods killed 40 people."),
             Case("a4", "test", "coerce", "arrests", "Police detained nine students.")]
    found = [("protest", "event"), ("none", "no event"), ("assault", "event"), ("none", "other types")]
    result = score(cases, found)
    assert result["splits"]["dev"]["accuracy"] == 0.5 and result["splits"]["test"]["accuracy"] == 0.0
    assert result["splits"]["all"]["n"] == 4 and result["accuracy"] == 0.25
    assert [w["id"] for w in result["wrong_dev"]] == ["a3"]
    assert result["why"]["test"] == {"no event": 1, "other types": 1}
    # keywords: protest, none, assault, none
    assert result["keywords"]["all"]["accuracy"] == 0.25
    assert result["keywords"]["dev"]["confusion"]["none"]["assault"] == 1


# --- the file ------------------------------------------------------------------------------------

def test_the_snippet_file_parses_and_both_splits_hold_every_class_and_subtype():
    cases = read_cases(snippets.default_path())
    assert len(cases) >= 200 and len({c.id for c in cases}) == len(cases)
    assert all(c.cls in CLASSES and c.split in ("dev", "test") and c.snippet and c.subtype for c in cases)
    for split in ("dev", "test"):
        assert {c.cls for c in cases if c.split == split} == set(CLASSES)
        assert {c.subtype for c in cases if c.split == split} == {c.subtype for c in cases}
    assert all("\t" not in c.snippet for c in cases)


def test_a_row_with_an_unknown_class_is_refused(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("# made\nid\tsplit\tclass\tsubtype\tsnippet\na1\tdev\triot\tmob\tA mob burned a car.\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="riot"):
        read_cases(path)


def test_registered_in_the_suite_with_all_and_test_macro_f1():
    assert "snippets" in suite.SETS and suite.load("snippets") is snippets
    cases = [Case("a1", "dev", "protest", "p", "Teachers protested."), Case("a2", "test", "agree", "c", "x")]
    line = suite.format_all({"snippets": {"items": 2, "seconds": 0.1,
                                          **score(cases, [("protest", "event"), ("none", "no event")])}})
    # all: protest F1 1, agree 0, none 0; test: agree 0, none 0
    assert "macro-F1 all 0.333" in line and "macro-F1 test 0.000" in line


def test_a_short_run_end_to_end_lists_no_test_case():
    result = snippets.evaluate(limit=6)
    assert result["items"] == 6 and result["splits"]["dev"]["n"] == 3
    assert all(w["id"] in {"a001", "a003", "a005"} for w in result["wrong_dev"])
    table = snippets.format_table(result)
    assert "keywords macro-F1" in table and "a002" not in table
