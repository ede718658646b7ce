"""The classifier's per-token int8 graph (`extract/int8.py`, issue 18): used only where the CPU's int8
products are exact, derived the same way on every machine from the calibration shipped beside the
model, and close to the 8-bit blocks it is derived from on sentences of ours it was not calibrated on."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from chronicle.extract import int8
from chronicle.extract.classifier import MODEL_DIR, EventClassifier, optimised_model_path

MODEL = MODEL_DIR / "events.onnx"
shipped = pytest.mark.skipif(not MODEL.exists(), reason="no event classifier in the package")


def test_only_cpus_with_exact_int8_products_are_chosen(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    assert int8.cpu_has_exact_int8({"AVX512VNNI": True}, cpuinfo=None)
    # AVX2 and AVX-512 without VNNI sum pairs of products in int16: not chosen
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse4_2 avx2 avx512f avx512bw\n")
    assert not int8.cpu_has_exact_int8({"AVX512VNNI": False, "AVX2": True}, cpuinfo)
    # AVX-VNNI (Alder Lake and later) and AMX show only in Linux's flags
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx_vnni\n")
    assert int8.cpu_has_exact_int8({"AVX512VNNI": False}, cpuinfo)
    cpuinfo.write_text("flags\t\t: avx2 amx_bf16 amx_int8 amx_tile\n")
    assert int8.cpu_has_exact_int8({}, cpuinfo)
    assert not int8.cpu_has_exact_int8({}, tmp_path / "no such file")


def test_the_graph_is_wanted_only_with_a_calibration_and_as_the_card_or_user_says(tmp_path, monkeypatch):
    monkeypatch.setattr(int8, "cpu_has_exact_int8", lambda: True)
    model = tmp_path / "events.onnx"
    model.write_bytes(b"a model")
    monkeypatch.delenv("CHRONICLE_INT8", raising=False)
    monkeypatch.setenv("CHRONICLE_INT8", "1")
    assert not int8.wanted(model)  # no calibration beside it: the 8-bit blocks, whatever is asked
    (tmp_path / int8.MAXIMA).write_bytes(b"maxima")
    assert int8.wanted(model)
    monkeypatch.delenv("CHRONICLE_INT8")
    assert not int8.wanted(model)  # no card: not by default
    card = {"labels": ["NONE"], "int8_calibration": {"default": False}}
    (tmp_path / "events.json").write_text(json.dumps(card), encoding="utf-8")
    assert not int8.wanted(model)
    card["int8_calibration"]["default"] = True  # a model whose answers through it were checked
    (tmp_path / "events.json").write_text(json.dumps(card), encoding="utf-8")
    assert int8.wanted(model)
    monkeypatch.setenv("CHRONICLE_INT8", "0")
    assert not int8.wanted(model)
    monkeypatch.setattr(int8, "cpu_has_exact_int8", lambda: False)
    monkeypatch.setenv("CHRONICLE_INT8", "1")
    assert not int8.wanted(model)  # never where the products would saturate


def test_asking_for_the_graph_where_it_cannot_run_says_why_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(int8, "cpu_has_exact_int8", lambda: False)
    monkeypatch.setattr(int8, "_told", set())
    monkeypatch.setenv("CHRONICLE_INT8", "1")
    model = tmp_path / "events.onnx"
    model.write_bytes(b"a model")
    assert not int8.wanted(model) and not int8.wanted(model)
    err = capsys.readouterr().err
    assert err.count("CHRONICLE_INT8=1 ignored") == 1 and "no calibration" in err
    (tmp_path / int8.MAXIMA).write_bytes(b"maxima")
    monkeypatch.setattr(int8, "_told", set())
    assert not int8.wanted(model)
    assert "not exact (no AVX-512 VNNI" in capsys.readouterr().err
    monkeypatch.setenv("CHRONICLE_INT8", "all")
    monkeypatch.setattr(int8, "_told", set())
    assert not int8.wanted(model) and "CHRONICLE_INT8=all ignored" in capsys.readouterr().err
    monkeypatch.setenv("CHRONICLE_INT8", "0")
    monkeypatch.setattr(int8, "_told", set())
    assert not int8.wanted(model) and not capsys.readouterr().err  # not asked for: nothing said


def test_the_cached_int8_graph_is_keyed_by_the_model_and_its_calibration(tmp_path):
    for name, model, maxima in (("a", b"model one", b"m1"), ("b", b"model one", b"m2"),
                                ("c", b"model two", b"m1"), ("d", b"model one", b"m1")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "events.onnx").write_bytes(model)
        (tmp_path / name / int8.MAXIMA).write_bytes(maxima)
    # d: a's files, but its card keeps its first two layers as blocks — another graph
    (tmp_path / "d" / "events.json").write_text(json.dumps({"int8_calibration": {"blocks_layers": 2}}))
    paths = {optimised_model_path(tmp_path / n / "events.onnx", int8=True) for n in "abcd"}
    assert len(paths) == 4
    blocks = optimised_model_path(tmp_path / "a" / "events.onnx")
    assert blocks not in paths and all(p.name.startswith("events-int8") for p in paths)


@shipped
def test_the_shipped_model_carries_the_calibration_its_card_names(monkeypatch):
    card = json.loads((MODEL_DIR / "events.json").read_text(encoding="utf-8"))
    info = card["int8_calibration"]
    # r19's answers through the int8 graph with every product int8 lost an event of the seed report
    # (session 23); with its first three layers kept as blocks they were measured on every set
    # (session 24) and are there on request: by default the blocks answer (session 25: the same
    # answers on every CPU, and issue 18's CPU target met without the graph's −0.0104 on WikiEvents)
    monkeypatch.delenv("CHRONICLE_INT8", raising=False)
    assert info["default"] is False and info["blocks_layers"] == 3 and int8.blocks_layers(MODEL) == 3
    assert int8.wanted(MODEL) is False
    monkeypatch.setenv("CHRONICLE_INT8", "1")
    assert int8.wanted(MODEL) == int8.cpu_has_exact_int8()
    assert hashlib.sha1((MODEL_DIR / int8.MAXIMA).read_bytes()).hexdigest() == info["sha1"]
    texts = int8.calibration_texts(info["sentences"])
    assert hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest() == info["texts_sha1"]
    maxima, alpha = int8.read_maxima(MODEL_DIR / int8.MAXIMA)
    assert alpha == info["alpha"]
    # one entry per input of the encoder's matrix products: 6 layers × (attention in, attention
    # out, feed-forward in, feed-forward out), each as wide as what it multiplies
    assert len(maxima) == 24 and {m.shape[0] for m in maxima.values()} == {384, 1536}
    assert all(np.all(m > 0) for m in maxima.values())


@shipped
def test_calibrating_again_writes_the_same_file(tmp_path):
    """`make train` must rebuild the shipped files bit for bit, the calibration among them."""
    import shutil

    for name in ("events.onnx", "tokenizer.json"):
        shutil.copy(MODEL_DIR / name, tmp_path / name)
    texts = int8.calibration_texts(40)
    first = int8.calibrate(tmp_path, texts)
    again = int8.calibrate(tmp_path, texts)
    assert first["sha1"] == again["sha1"] and first["sentences"] == 40


def _our_candidates(limit: int = 60):
    """Every verb and noun of the first `limit` contrast sentences (ours, not read by the
    calibration): (sentence, start, end) triples as the extractor hands them to the classifier."""
    from chronicle.extract.train import CONTRAST, read_corpus
    from chronicle.nlp import load_pipeline

    nlp = load_pipeline()
    texts = [row["text"] for row in read_corpus(CONTRAST)][:limit]
    out = []
    for doc in nlp.pipe(texts):
        out += [(doc.text, t.idx, t.idx + len(t.text)) for t in doc if t.pos_ in ("VERB", "NOUN")]
    return out


@shipped
@pytest.mark.skipif(not (int8.cpu_has_exact_int8() and (MODEL_DIR / int8.MAXIMA).is_file()),
                    reason="the int8 graph runs only on CPUs with exact int8 products (VNNI, AMX)")
def test_the_int8_graph_answers_close_to_the_blocks_it_comes_from(tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONICLE_CACHE", str(tmp_path / "cache"))
    items = _our_candidates()
    monkeypatch.setenv("CHRONICLE_INT8", "0")
    blocks = EventClassifier()
    monkeypatch.setenv("CHRONICLE_INT8", "1")
    fast = EventClassifier()
    assert (blocks.int8, fast.int8) == (False, True) and fast.products.startswith("per-token int8")
    p_blocks, p_fast = blocks.probabilities(items), fast.probabilities(items)
    assert len(items) > 300
    # session 18 measured a mean |ΔP| of 0.001 over 2,313 candidates of ours, 16 decisions moved
    assert np.abs(p_fast - p_blocks).mean() < 0.005
    decided = [p.label for p in blocks.predict(items)]
    again = [p.label for p in fast.predict(items)]
    assert sum(a == b for a, b in zip(decided, again)) >= 0.97 * len(items)
    # and the comparison covers real decisions: some candidates are events
    assert sum(p.label != "NONE" for p in fast.predict(items)) > 20


def test_the_batching_check_reports_exactly_the_lengths_where_a_batch_changes_a_window():
    """`scale.batching.batch_changes` (what decides which graph `windows_logits` batches): a graph
    whose rows do not depend on their neighbours reports nothing; one whose odd-length batches add a
    little to every row reports those lengths and the size of the change."""
    from chronicle.scale.batching import batch_changes

    class Rows:
        def __init__(self, odd_shift):
            self.odd_shift = odd_shift

        def hidden(self, x):
            out = np.repeat(x[:, :, None].astype(np.float32), 3, axis=2)
            if len(x) > 1 and x.shape[1] % 2:
                out += self.odd_shift
            return out

    rng = np.random.default_rng(0)
    assert batch_changes(Rows(0.0), rng, range(4, 12)) == []
    assert batch_changes(Rows(0.25), rng, range(4, 12)) == [(5, 0.25), (7, 0.25), (9, 0.25), (11, 0.25)]


@shipped
def test_the_card_keeps_its_first_layers_as_blocks_in_the_int8_graph(tmp_path):
    """`blocks_layers` N leaves the products of the encoder's first N layers as the shipped
    `MatMulNBits` and turns every later one into an integer product."""
    import onnx

    for name in ("events.onnx", int8.MAXIMA, "tokenizer.json"):
        (tmp_path / name).write_bytes((MODEL_DIR / name).read_bytes())
    for kept in (0, 2):
        (tmp_path / "events.json").write_text(json.dumps({"int8_calibration": {"blocks_layers": kept}}))
        graph = onnx.load_from_string(int8.graph(tmp_path / "events.onnx")).graph
        def layers(op):
            return {re.search(r"layer\.\d+", n.output[0]).group() for n in graph.node if n.op_type == op}
        blocks, integer = layers("MatMulNBits"), layers("MatMulIntegerToFloat")
        assert blocks == {f"layer.{i}" for i in range(kept)}
        assert integer == {f"layer.{i}" for i in range(kept, 6)}


@shipped
def test_the_float_reference_is_the_blocks_weights_without_their_rounding():
    """`scale.mixed` measures the int8 graph against the blocks and the blocks against float
    products of the same weights: that graph has no block product left and answers the blocks'
    hidden states within their activations' rounding."""
    import onnx
    import onnxruntime as ort

    from chronicle.scale.mixed import float_graph

    graph = float_graph(onnx.load(str(MODEL)))
    assert not any(n.op_type == "MatMulNBits" for n in onnx.load_from_string(graph).graph.node)
    x = np.array([[101, 2610, 4727, 2093, 13337, 1999, 6452, 1012, 102]])
    exact = ort.InferenceSession(graph, providers=["CPUExecutionProvider"]).run(None, {"input_ids": x})[0]
    blocks = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"]).run(None, {"input_ids": x})[0]
    assert 0 < np.abs(exact - blocks).max() < 0.3 < np.abs(blocks).max()


def test_chronicle_int8_all_asks_for_every_product_as_an_int8_one(tmp_path, monkeypatch):
    (tmp_path / "events.json").write_text(json.dumps({"int8_calibration": {"default": True, "blocks_layers": 3}}))
    model = tmp_path / "events.onnx"
    monkeypatch.delenv("CHRONICLE_INT8", raising=False)
    assert int8.blocks_layers(model) == 3
    assert int8.products(model, True) == "per-token int8, layers 1–3 as 8-bit blocks"
    monkeypatch.setenv("CHRONICLE_INT8", "all")
    assert int8.blocks_layers(model) == 0 and int8.products(model, True) == "per-token int8"
    assert int8.products(model, False) == "8-bit blocks"
