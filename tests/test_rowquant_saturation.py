"""`scale.rowquant --weights u8` (issue 18): uint8 weights with a zero point of 128, so that
onnxruntime multiplies with its uint8 × uint8 kernel, whose pairs of products are summed in int32
and cannot saturate as the uint8 × int8 kernel's int16 pairs do on CPUs without VNNI (AVX2:
measured under `qemu-x86_64 -cpu Haswell`, `python -m chronicle.scale.saturation`).

These checks run on the machine at hand only; a different CPU is not emulated here."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from chronicle.scale.saturation import _cases, matmul_integer, probe  # noqa: E402


def test_uint8_weights_give_the_exact_product_on_inputs_made_to_saturate():
    """A at 255 against weights at ±127 in adjacent pairs: 255·127 + 255·127 = 64770 overflows an
    int16 pair sum. The uint8 × uint8 product (weights + 128, zero point 128) must equal numpy's
    exact int64 product, for one token, a few, and a window of 30 at the encoder's width."""
    seen = set()
    for row in probe():
        if row["kind"] == "u8u8":
            seen.add(row["case"])
            assert row["max_abs_err"] == 0 and row["wrong"] == 0, row
    assert len(seen) == 6
    # and the probe's inputs do reach past int16 in a pair (else it would test nothing)
    _, a, b = next(_cases(1, 256, 16))
    assert 2 * int(a.max()) * int(b.max()) > 32767


def test_the_probe_compares_against_the_exact_product():
    """The probe's reference is numpy's integer product around A's zero point of 128: a product
    known by hand (one row of 255s against a column of 127s over K = 4 gives 4 · 127 · 127)."""
    a = np.full((1, 4), 255, np.uint8)
    b = np.full((4, 1), 127, np.int8)
    assert int(matmul_integer(a, (b.astype(np.int16) + 128).astype(np.uint8), 128)[0, 0]) == 4 * 127 * 127


def _graph(tmp_path):
    """x (1, t, 384) → 8-bit MatMulNBits (as the shipped export writes it) → y."""
    from chronicle.extract.train import quantize_weights

    rng = np.random.default_rng(7)
    w = rng.normal(0, 0.05, (384, 192)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"], name="dense")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", 384])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", "t", 192])],
        [numpy_helper.from_array(w, "W")])
    src, dst = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))
    quantize_weights(src, dst)
    return src, dst


def _run(model, x):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_uint8_weights_store_the_same_integers_and_answer_as_the_int8_ones(tmp_path):
    from chronicle.scale.rowquant import activation_maxima, rewrite

    src, dst = _graph(tmp_path)
    rng = np.random.default_rng(3)
    feeds = [{"x": rng.normal(0, 1, (1, 9, 384)).astype(np.float32)} for _ in range(4)]
    maxima = activation_maxima(onnx.load(str(dst)), feeds)
    s8 = rewrite(onnx.load(str(dst)), maxima, weights="s8")
    u8 = rewrite(onnx.load(str(dst)), maxima, weights="u8")
    for model in (s8, u8):
        onnx.checker.check_model(model)
    (mm_s8,) = [n for n in s8.graph.node if n.op_type == "MatMulIntegerToFloat"]
    (mm_u8,) = [n for n in u8.graph.node if n.op_type == "MatMulIntegerToFloat"]
    inits_s8 = {i.name: numpy_helper.to_array(i) for i in s8.graph.initializer}
    inits_u8 = {i.name: numpy_helper.to_array(i) for i in u8.graph.initializer}
    w8, wu = inits_s8[mm_s8.input[1]], inits_u8[mm_u8.input[1]]
    assert w8.dtype == np.int8 and wu.dtype == np.uint8 and len(mm_s8.input) == 5
    assert inits_u8[mm_u8.input[5]] == 128
    assert np.array_equal(wu.astype(np.int16) - 128, w8.astype(np.int16))
    x = feeds[0]["x"]
    y32 = _run(onnx.load(str(src)), x)
    y_u8 = _run(u8, x)
    assert np.abs(y_u8 - y32).max() < 0.03 * np.abs(y32).max()
    # the same integers multiplied exactly: the int8 model agrees wherever its kernel is exact
    # (VNNI, AMX, SSE); on AVX2 without VNNI it may not, which is what the uint8 weights are for
    if any(r["kind"] == "u8s8" and r["wrong"] for r in probe(shapes=((8, 256, 64),))):
        pytest.skip("this CPU's uint8 × int8 kernel saturates: the int8 model is not exact here")
    assert np.allclose(y_u8, _run(s8, x), rtol=0, atol=1e-6)


def test_an_unknown_weight_kind_is_refused():
    from chronicle.scale.rowquant import rewrite

    with pytest.raises(ValueError, match="weights"):
        rewrite(onnx.ModelProto(), {}, weights="s7")
