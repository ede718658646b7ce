"""Candidates from the whole sentence and the learned gate in front of the classifier."""

import importlib

import pytest

from chronicle.extract.classifier import MODEL_DIR
from chronicle.nlp import load_pipeline

candidates_module = importlib.import_module("chronicle.extract.candidates")
needs_gate = pytest.mark.skipif(not (MODEL_DIR / "gate.npz").exists(),
                                reason="no candidate gate in the package yet: run `make train`")


def _words(text, **kwargs):
    parsed = load_pipeline()(text)
    return [t.text for s in parsed.sents for t in candidates_module.candidates(s, **kwargs)]


def test_the_lexicon_mode_asks_only_about_listed_words_and_training_sees_every_verb(monkeypatch):
    monkeypatch.setattr(candidates_module, "MODE", "lexicon")
    text = "Police said gunmen torched a bus and arrested the driver in Kano."
    assert "arrested" in _words(text) and "said" not in _words(text)
    every = _words(text, gated=False)
    assert {"said", "torched", "arrested"} <= set(every)


@needs_gate
def test_the_gate_scores_a_listed_act_above_the_verb_that_reports_it():
    from chronicle.extract.gate import gate

    parsed = load_pipeline()("Police said they arrested 40 people in Kano on Sunday.")
    said, arrested = (next(t for t in parsed if t.text == w) for w in ("said", "arrested"))
    low, high = gate().scores([said, arrested])
    assert high > low
    assert arrested in gate().keep([said, arrested])


@needs_gate
def test_the_union_mode_keeps_every_listed_word_and_adds_gated_verbs(monkeypatch):
    text = "Police said gunmen torched a bus and arrested the driver in Kano."
    monkeypatch.setattr(candidates_module, "MODE", "lexicon")
    listed = set(_words(text))
    monkeypatch.setattr(candidates_module, "MODE", "union")
    union = set(_words(text))
    assert listed <= union <= set(_words(text, gated=False))


def test_an_unknown_candidate_mode_is_refused_with_the_names_of_the_good_ones():
    import os
    import subprocess
    import sys

    env = {**os.environ, "CHRONICLE_CANDIDATES": "everything"}
    run = subprocess.run([sys.executable, "-c", "import chronicle.extract.candidates"],
                         env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "use lexicon, union or gate" in run.stderr
