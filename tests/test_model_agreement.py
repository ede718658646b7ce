"""`python -m chronicle.scale.model_agreement`: where two exports of the classifier differ."""

import pytest

from chronicle.extract.classifier import MODEL_DIR, Prediction
from chronicle.scale import model_agreement


def _p(label: str, none: float) -> Prediction:
    return Prediction(label, 1 - none if label != "NONE" else none, none)


def test_compare_counts_changed_decisions_labels_and_the_mean_none_change():
    reference = [_p("PROTEST", 0.1), _p("NONE", 0.9), _p("ASSAULT", 0.2), _p("AGREE", 0.3)]
    other = [_p("PROTEST", 0.2), _p("COERCE", 0.4), _p("NONE", 0.6), _p("CONSULT", 0.3)]
    assert model_agreement.compare(reference, other) == {
        "candidates": 4, "reference_events": 3,
        "event_or_not_changed": 2,  # the second and third candidates
        "label_changed": 3,  # … and AGREE → CONSULT, an event either way
        "mean_none_change": round((0.1 + 0.5 + 0.4 + 0.0) / 4, 4)}


@pytest.mark.skipif(not model_agreement.WIKIEVENTS.is_file()
                    or not (MODEL_DIR / "events.onnx").is_file(),
                    reason="needs ../shared/eval beside the repository and the trained model")
def test_the_shipped_model_agrees_with_itself_on_real_candidates(capsys):
    items = model_agreement.wikievents_candidates(limit=12)
    assert len(items) > 12  # several candidates a sentence
    for sentence, start, end in items:
        assert 0 <= start < end <= len(sentence) and sentence[start:end].strip()
    assert model_agreement.main([str(MODEL_DIR), str(MODEL_DIR), "--sentences", "12"]) == 0
    out = capsys.readouterr().out
    assert '"event_or_not_changed": 0' in out and '"label_changed": 0' in out
