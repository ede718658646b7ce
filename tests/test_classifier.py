"""Loading the event classifier: the optimised graph kept in the cache folder must give exactly the
probabilities a freshly optimised session gives, and a bad cache file must never break a run — for
the shipped 8-bit blocks and, on CPUs with exact int8 products, the per-token int8 graph derived from
them (`extract/int8.py`)."""

from __future__ import annotations

import numpy as np
import pytest

from chronicle.extract import int8
from chronicle.extract.classifier import (MODEL_DIR, ClassifierMissingError, EventClassifier,
                                         optimised_model_path)

pytestmark = pytest.mark.skipif(not (MODEL_DIR / "events.onnx").exists(),
                                reason="no event classifier in the package")

SENTENCES = [
    ("Police arrested three protesters in Nairobi on Monday, officials said.", "arrested"),
    ("The government announced new sanctions against the militia.", "sanctions"),
    ("Rebels shelled the town overnight, killing at least 12 civilians, the UN said.", "shelled"),
    ("Rebels shelled the town overnight, killing at least 12 civilians, the UN said.", "killing"),
    ("Talks between the two sides will resume in Geneva next week.", "Talks"),
    ("The minister denied that troops had been sent to the border.", "sent"),
]


def candidates():
    return [(text, text.index(word), text.index(word) + len(word)) for text, word in SENTENCES]


MODEL = MODEL_DIR / "events.onnx"


@pytest.fixture(scope="module", params=["8-bit blocks", "per-token int8"])
def kind(request):
    if request.param == "per-token int8" and not (int8.cpu_has_exact_int8()
                                                   and (MODEL_DIR / int8.MAXIMA).is_file()):
        pytest.skip("the int8 graph is used only on CPUs with exact int8 products (VNNI, AMX)")
    return request.param


@pytest.fixture(autouse=True)
def graph(kind, monkeypatch):
    """Every test of this module runs with each graph the classifier may use: CHRONICLE_INT8=0
    keeps the 8-bit blocks; =1, a CPU with exact int8 products runs the int8 graph."""
    monkeypatch.setenv("CHRONICLE_INT8", "0" if kind == "8-bit blocks" else "1")
    return kind == "per-token int8"


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONICLE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def fresh_probabilities(kind):
    """What a session onnxruntime optimises itself, with its default options, gives."""
    import onnxruntime as ort

    reference = EventClassifier()
    graph = int8.graph(MODEL) if kind == "per-token int8" else str(MODEL)
    reference.session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    return reference.probabilities(candidates())


def test_the_cached_optimised_graph_gives_the_fresh_sessions_probabilities(cache_folder, graph,
                                                                         fresh_probabilities):
    first = EventClassifier()  # optimises and writes the graph
    assert first.int8 == graph
    cached = optimised_model_path(MODEL, graph)
    assert cached.parent == cache_folder and cached.is_file()
    second = EventClassifier()  # reads it, optimisation off
    assert second.session._model_path == str(cached)
    for clf in (first, second):
        probs = clf.probabilities(candidates())
        assert np.array_equal(probs, fresh_probabilities)
    # the shipped model does call some of these events, so the comparison covers real decisions
    assert {p.label for p in second.predict(candidates())} - {"NONE"}


@pytest.mark.parametrize("damage", [b"not a model", "truncated", b""])
def test_a_corrupt_or_truncated_cache_file_is_rebuilt_not_fatal(cache_folder, fresh_probabilities,
                                                                damage, graph):
    EventClassifier()
    cached = optimised_model_path(MODEL, graph)
    good = cached.read_bytes()
    cached.write_bytes(good[:len(good) // 3] if damage == "truncated" else damage)
    clf = EventClassifier()
    assert np.array_equal(clf.probabilities(candidates()), fresh_probabilities)
    assert cached.read_bytes() == good  # rebuilt
    assert not list(cache_folder.glob("*.tmp"))


def test_a_cache_folder_that_cannot_be_written_costs_only_the_optimisation(tmp_path, monkeypatch,
                                                                           fresh_probabilities):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CHRONICLE_CACHE", str(blocker / "chronicle"))
    clf = EventClassifier()
    assert np.array_equal(clf.probabilities(candidates()), fresh_probabilities)


def test_a_replaced_model_is_not_served_the_old_graph(tmp_path):
    """The cache is keyed by the model file's content: a retrained model of the same name, size
    and time gets its own entry."""
    a, b = tmp_path / "a" / "events.onnx", tmp_path / "b" / "events.onnx"
    for path, content in ((a, b"model one"), (b, b"model two")):
        path.parent.mkdir()
        path.write_bytes(content)
    assert optimised_model_path(a) != optimised_model_path(b)
    assert optimised_model_path(a).name.startswith("events-")


def test_the_graph_records_its_use_and_a_new_one_prunes_the_stale(cache_folder, graph):
    # the cache's pruning keeps what was used lately: reading the graph must say so, and writing a
    # new model's graph prunes graphs of old models nobody has used for a long time
    import os
    import time

    cache_folder.mkdir(parents=True)
    old = time.time() - 30 * 86400
    stale = [cache_folder / f"events-{i:012x}-ort0.onnx" for i in range(3)]
    for n, path in enumerate(stale):
        path.write_bytes(b"an old model's graph")
        os.utime(path, (old + n, old + n))
    EventClassifier()  # writes this model's graph, then prunes
    cached = optimised_model_path(MODEL, graph)
    assert cached.is_file()
    assert [p.exists() for p in stale] == [False, False, True]  # the newest old one is kept
    os.utime(cached, (old, old))
    EventClassifier()  # reads it: its use is recorded
    assert time.time() - cached.stat().st_atime < 3600


def test_an_ensemble_answers_the_mean_of_its_members_probabilities(tmp_path, fresh_probabilities):
    """CHRONICLE_EVENT_ENSEMBLE's members each answer as they would alone; the ensemble gives the
    mean. A member differing only in its calibration (twice the temperature) moves every answer
    halfway towards its own."""
    import json
    import shutil

    hot = tmp_path / "hot"
    shutil.copytree(MODEL_DIR, hot)
    card = json.loads((hot / "events.json").read_text(encoding="utf-8"))
    card["temperature"] = 2 * card["temperature"]
    (hot / "events.json").write_text(json.dumps(card), encoding="utf-8")
    alone = EventClassifier(hot).probabilities(candidates())
    assert np.abs(alone - fresh_probabilities).max() > 0.05  # the member answers differently

    both = EventClassifier(ensemble=[hot]).probabilities(candidates())
    np.testing.assert_allclose(both, (alone + fresh_probabilities) / 2, atol=1e-5)
    np.testing.assert_allclose(both.sum(axis=1), 1.0, atol=1e-5)
    with_itself = EventClassifier(ensemble=[MODEL_DIR]).probabilities(candidates())
    np.testing.assert_allclose(with_itself, fresh_probabilities, atol=1e-5)

    card["labels"] = card["labels"][::-1]
    (hot / "events.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ValueError, match="cannot answer as one ensemble"):
        EventClassifier(ensemble=[hot])
    with pytest.raises(ClassifierMissingError, match="nowhere"):
        EventClassifier(ensemble=[tmp_path / "nowhere"])


def test_windows_of_one_length_encoded_together_get_the_numbers_they_get_alone(graph):
    """`windows_logits` encodes same-length windows in one pass, unpadded (the int8 graph every length;
    the 8-bit blocks the even lengths, where this CPU answers them exactly): each window's logits must
    be bit for bit those of encoding it alone, with either graph. Towns of one subword each give sentences of one length, odd and even; a run-on
    sentence gives windows of the maximum width."""
    import re

    from chronicle.extract.classifier import plan_windows, softmax, span_features

    clf = EventClassifier()
    towns = ["Nairobi", "Lagos", "Kano", "Gaza", "Kyiv", "Paris", "Cairo", "Tunis", "Dakar", "Lima"]
    texts = [f"Police arrested three protesters in {town} on Monday{tail}." for town in towns
             for tail in ("", ", officials said")]
    lengths = [len(clf.tokenizer.encode(t, add_special_tokens=False).ids) for t in texts]
    # windows share lengths (batches of more than one), of both parities
    assert len(set(lengths)) < len(texts) / 4 and {n % 2 for n in lengths} == {0, 1}
    run_on = ", and ".join(f"troops shelled {town} while crowds marched in {town}" for town in towns) + "."
    items = [(t, t.index("arrested"), t.index("arrested") + 8) for t in texts]
    items += [(run_on, m.start(), m.end()) for m in re.finditer(r"shelled|marched", run_on)]
    # every length of an int8 graph without blocks shares passes; a graph with blocks (all of it, or
    # the first layers the card keeps) the even lengths where this CPU answers them exactly (the
    # dev machines' CPUs do), none elsewhere
    from chronicle.extract.classifier import batch_exact

    assert clf.batch_lengths == ("all" if graph and not int8.blocks_layers(MODEL)
                                 else "even" if batch_exact(clf.hidden) else "none")
    batched = clf.probabilities(items)
    alone = np.zeros_like(batched)
    for text in dict.fromkeys(t for t, _, _ in items):
        members = [k for k, item in enumerate(items) if item[0] == text]
        enc = clf.tokenizer.encode(text, add_special_tokens=False)
        for win in plan_windows(enc.offsets, [items[k][1:] for k in members], clf.max_tokens):
            hidden = clf.encode(enc.ids[win.start:win.end])
            logits = clf.apply_head(span_features(hidden, win.spans, clf.attention))
            alone[[members[m] for m in win.members]] = logits
    # the run-on sentence is longer than a window: it is cut into several, each of the full width
    assert len(clf.tokenizer.encode(run_on, add_special_tokens=False).ids) > clf.max_tokens
    assert np.array_equal(batched, softmax(alone / clf.temperature))


def test_the_load_time_check_refuses_a_graph_whose_batched_answers_differ():
    """`batch_exact` asks the graph itself: a run whose numbers depend on the batch (as the blocks'
    product does for an odd number of rows) is refused, a row-by-row one accepted."""
    from chronicle.extract.classifier import batch_exact

    def row_by_row(x):
        return np.sin(x[:, :, None] * np.arange(1, 4)).astype(np.float32)

    def batch_dependent(x):  # a sum over the batch leaks into every window
        return row_by_row(x) + np.float32(1e-3) * len(x)

    assert batch_exact(row_by_row)
    assert not batch_exact(batch_dependent)
