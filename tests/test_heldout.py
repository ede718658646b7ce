"""Held-out scoring of the training sources, `chronicle eval all` and the rule ablation."""

import pytest

from chronicle.evaluate import ablate, heldout, suite
from chronicle.extract import sources
from chronicle.extract.classifier import MODEL_DIR

needs_model = pytest.mark.skipif(not (MODEL_DIR / "events.json").exists(),
                                 reason="no event classifier in the package yet: run `make train`")


def _plv(text, typ, source="", target=""):
    return sources.Labelled(text, [typ], "plv", f"plv:{text[:10]}", "test",
                            {"source_span": source, "target_span": target, "modality": "past",
                             "gold_root": typ})


@needs_model
def test_plv_held_out_scores_types_and_source_overlap_end_to_end(monkeypatch):
    rows = [_plv("Nigerian police arrested 40 protesters in Lagos on Monday.", "COERCE",
                 "Nigerian police", "40 protesters"),
            _plv("The weather in Lagos was hot and humid on Monday.", "AGREE")]
    monkeypatch.setattr(sources, "read_plv", lambda path=None: rows)
    result = heldout.evaluate_plv()
    assert result["items"] == 2
    assert ("COERCE" in {r["type"] for r in result["per_type"] if r["predicted"]})
    assert result["type"]["tp"] == 1 and result["type"]["fn"] == 1  # the weather is no agreement
    assert result["source_scored"] == 1 and result["source_overlap"] == 1.0
    assert "macro-F1 over types" in heldout.format_plv(result)


@needs_model
def test_plv_s_train_split_scores_its_roles_from_the_command_line(monkeypatch, capsys):
    train = sources.Labelled("Kenyan police arrested 12 traders in Nairobi.", ["COERCE"], "plv", "plv:k",
                             "train", {"source_span": "Kenyan police", "target_span": "12 traders",
                                       "modality": "past", "gold_root": "COERCE"})
    test = _plv("The weather in Lagos was hot and humid on Monday.", "AGREE")
    monkeypatch.setattr(sources, "read_plv", lambda path=None: [train, test])
    heldout.main(["plv", "--split", "train"])
    out = capsys.readouterr().out
    assert out.startswith("PLV train split (the classifier learnt from it): 1 sentences")
    assert "source overlaps the marked source 100.0% of 1, target 100.0% of 1" in out


@needs_model
def test_police_held_out_finds_labelled_arrests_in_their_sentence(monkeypatch):
    sents = ["ahmedabad: police arrested 25 persons for rioting in the old city on tuesday.",
             "the market remained closed for the third day."]
    rows = [sources.Labelled(t, types, "police", "police:1", "test",
                             {"labels": labels, "sent_id": i, "untyped": False})
            for i, (t, types, labels) in enumerate(zip(sents, [["COERCE"], []],
                                                       [["ANY_ACTION", "ARREST"], []]))]
    monkeypatch.setattr(sources, "read_police", lambda path=None: rows)
    result = heldout.evaluate_police()
    assert result["articles"] == 1 and result["sentences"] == 2 and result["labelled_sentences"] == 1
    assert result["recall"]["ARREST"] == {"found": 1, "labelled": 1, "recall": 1.0}
    assert result["recall"]["KILL"]["labelled"] == 0
    assert "ARREST" in heldout.format_police(result)


@needs_model
def test_cameo_held_out_puts_a_sentence_in_its_likeliest_event_s_class_or_in_statement(monkeypatch):
    def row(text, quad):
        return sources.Labelled(text, [], "cameo", f"cameo:{text[:8]}", "test",
                                {"quad": quad, "untyped": True})

    rows = [row("Nigerian police arrested 40 protesters in Lagos on Monday.", 4),
            row("The weather in Lagos was hot and humid on Monday.", 0)]
    monkeypatch.setattr(sources, "read_cameo", lambda path=None, plv_path=None: rows)
    result = heldout.evaluate_cameo()
    assert result["items"] == 2 and result["accuracy"] == 1.0 and result["macro_f1"] == 1.0
    assert result["act_sentences"] == 1 and result["act_in_class"] == 1.0
    assert {r["class"]: r["support"] for r in result["per_class"]} == {
        "statement": 1, "material conflict": 1}
    assert "quad class macro-F1 1.000" in heldout.format_cameo(result)


def test_eval_all_prints_each_set_on_its_own_line_and_says_which_did_not_run():
    results = {"plover-gsr": {"items": 322, "seconds": 9.0, "macro_f1": 0.8, "type": {"f1": 0.81},
                              "type_source": {"f1": 0.7}, "type_source_target": {"f1": 0.5},
                              "false_events_per_gold": 0.3},
               "police": "gold not found"}
    table = suite.format_all(results)
    lines = table.splitlines()
    assert lines[1].startswith("plover-gsr") and "type macro-F1 0.800" in lines[1]
    assert "type+source+target F1 0.500" in lines[1]
    assert lines[2].startswith("police") and "not run: gold not found" in lines[2]


def test_every_ablation_step_is_a_step_the_extractor_switches_off_by_name():
    from chronicle import extract
    from chronicle.clean import clean
    from chronicle.nlp import annotate_with_parses
    from chronicle.record import Document

    assert set(ablate.STEPS) == {ablate.LEXICON_ONLY, *extract.STEP_NAMES}

    def found(text, disable=()):
        pairs = list(annotate_with_parses([clean(Document(id="t", text=text))]))
        return [e.type for e in extract.extract_events(pairs, disable=disable)[0].events]

    # two arrests in one sentence are one event; with that step off, two
    text = "Police arrested 40 protesters in Lagos on Monday and detained three of their leaders."
    assert found(text) == ["COERCE"]
    assert found(text, disable={"one event per sentence and type"}) == ["COERCE", "COERCE"]
    with pytest.raises(ValueError, match="no such extraction step: retelling"):
        found(text, disable={"retelling"})

def test_an_actor_overlaps_a_marked_span_by_a_content_word_whatever_its_possessive_ending():
    assert heldout._overlaps("Netanyahu", "Netanyahu's hardline policies")
    assert heldout._overlaps("Cuba's", "Cuba")
    assert not heldout._overlaps("the government", "the opposition")
    assert not heldout._overlaps(None, "Cuba")


def test_bars_are_read_as_pairs_and_a_malformed_pair_is_named():
    from chronicle.evaluate import bars

    assert bars.parse_bars("0.29:0.5, 0.2:0.45,") == [(0.29, 0.5), (0.2, 0.45)]
    for bad in ("0.29", "0.2:x", "1.5:0.5"):
        with pytest.raises(ValueError, match=bad.replace(".", r"\.")):
            bars.parse_bars(bad)


@needs_model
def test_bars_score_our_list_at_other_bars_and_put_the_model_s_back():
    from chronicle.evaluate import bars
    from chronicle.extract import reading
    from chronicle.extract.classifier import classifier

    own = (classifier().none_threshold, reading.MIN_CONFIDENCE, reading.AGREEING_VERB_CONFIDENCE)
    rows = bars.run(["events"], [(own[0], own[1]), (0.0, own[1]), (1.0, 0.2)])
    mine, again, none_bar_0, low = (r["events"]["type"] for _, r in rows)
    # the model's own bars, given again, score as the first row does
    assert again == mine and mine["tp"] > 40
    # nothing stays under a "no event" bar of 0: no event at all
    assert none_bar_0["tp"] == 0 and none_bar_0["fp"] == 0
    # with no "no event" bar and a low type bar, more candidates' likeliest types are events
    assert low["tp"] + low["fp"] > mine["tp"] + mine["fp"] and low["tp"] >= mine["tp"]
    assert (classifier().none_threshold, reading.MIN_CONFIDENCE,
            reading.AGREEING_VERB_CONFIDENCE) == own
