"""The int8 export of the event encoder (`train.quantize_weights`): what it writes and why.

Built on small graphs made here (a matrix product and an embedding lookup, random weights),
so the checks run without torch and without the trained model."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from chronicle.extract.train import _block_size, quantize_weights  # noqa: E402


def _graph(tmp_path, k: int, n: int = 192):
    """x (batch, tokens, k) → MatMul(W) → y, and ids → Gather(table) → rows."""
    rng = np.random.default_rng(7)
    w = rng.normal(0, 0.05, (k, n)).astype(np.float32)
    table = rng.normal(0, 0.1, (1000, 96)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="dense"),
             helper.make_node("Gather", ["word_embeddings", "ids"], ["rows"], name="lookup")]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", k]),
         helper.make_tensor_value_info("ids", TensorProto.INT64, ["b", "t"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", "t", n]),
         helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["b", "t", 96])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(table, "word_embeddings")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    src, dst = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    onnx.save(model, str(src))
    quantize_weights(src, dst)
    return src, dst


def _run(path, x, ids):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x, "ids": ids})


def test_block_size_is_the_largest_power_of_two_dividing_the_inputs():
    assert _block_size(384) == 128
    assert _block_size(1536) == 128
    assert _block_size(96) == 32
    assert _block_size(100) == 0  # 4 is below the kernel's least block: keeps the old layout


def test_matrix_products_become_8_bit_blocks_and_tables_int8_rows(tmp_path):
    _, dst = _graph(tmp_path, k=384)
    nodes = onnx.load(str(dst)).graph.node
    (nbits,) = [n for n in nodes if n.op_type == "MatMulNBits"]
    attrs = {a.name: helper.get_attribute_value(a) for a in nbits.attribute}
    assert attrs == {"K": 384, "N": 192, "bits": 8, "block_size": 128, "accuracy_level": 4}
    assert not [n for n in nodes if n.op_type == "MatMul"]
    # the table is looked up as int8 rows, then only those rows are scaled
    assert [n.op_type for n in nodes if "lookup" in n.name] == [
        "Gather", "Cast", "Gather", "Unsqueeze", "Mul"]
    assert (tmp_path / "int8.onnx").stat().st_size < 0.3 * (tmp_path / "fp32.onnx").stat().st_size


def test_the_int8_model_stays_close_to_the_float_one(tmp_path):
    src, dst = _graph(tmp_path, k=384)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (2, 9, 384)).astype(np.float32)
    ids = rng.integers(0, 1000, (2, 9))
    (y32, rows32), (y8, rows8) = _run(src, x, ids), _run(dst, x, ids)
    assert np.abs(y8 - y32).max() < 0.02 * np.abs(y32).max()
    assert np.abs(rows8 - rows32).max() <= np.abs(rows32).max() / 127


def _alone_and_beside_a_loud_neighbour(path):
    rng = np.random.default_rng(2)
    sentence = rng.normal(0, 1, (1, 7, 384)).astype(np.float32)
    loud = 100 * rng.normal(0, 1, (1, 7, 384)).astype(np.float32)
    ids = rng.integers(0, 1000, (1, 7))
    alone = _run(path, sentence, ids)[0][0]
    batched = _run(path, np.concatenate([loud, sentence]), np.concatenate([ids, ids]))[0][1]
    first_tokens = _run(path, sentence[:, :3], ids[:, :3])[0][0]
    return alone, batched, first_tokens


def test_a_sentence_gets_the_same_numbers_alone_or_beside_any_other(tmp_path):
    """Every scale is one token's: a neighbour with activations a hundred times larger changes
    nothing beyond float rounding (the kernel sums in another order for another batch shape),
    and neither do the other tokens of the sentence's own window."""
    _, dst = _graph(tmp_path, k=384)
    alone, batched, first_tokens = _alone_and_beside_a_loud_neighbour(dst)
    assert np.allclose(alone, batched, rtol=0, atol=1e-5)
    assert np.allclose(first_tokens, alone[:3], rtol=0, atol=1e-5)


def test_a_per_tensor_activation_scale_would_not_keep_sentences_apart(tmp_path):
    """What the check above guards against: onnxruntime's dynamic quantization of the same
    graph takes one activation scale over the whole input, and the loud neighbour moves the
    sentence's numbers by far more than rounding."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src, _ = _graph(tmp_path, k=384)
    dynamic = tmp_path / "dynamic.onnx"
    quantize_dynamic(str(src), str(dynamic), weight_type=QuantType.QInt8, per_channel=True)
    alone, batched, _ = _alone_and_beside_a_loud_neighbour(dynamic)
    assert np.abs(alone - batched).max() > 100 * 1e-5


def test_a_matrix_no_block_divides_keeps_one_scale_per_column(tmp_path):
    src, dst = _graph(tmp_path, k=392)  # 392 = 8 × 49: no block of 16 or more divides it
    ops = [n.op_type for n in onnx.load(str(dst)).graph.node]
    assert "MatMulNBits" not in ops and ops.count("DequantizeLinear") == 1
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (1, 5, 392)).astype(np.float32)
    ids = rng.integers(0, 1000, (1, 5))
    y32, y8 = _run(src, x, ids)[0], _run(dst, x, ids)[0]
    assert np.abs(y8 - y32).max() < 0.02 * np.abs(y32).max()


def test_per_token_integer_products_stay_close_and_keep_sentences_apart(tmp_path):
    """`scale.rowquant` (an experiment, issue 18): the 8-bit blocks rewritten as smoothed per-token
    int8 MatMulInteger products stay close to the float model, and each token's scale is its own."""
    from chronicle.scale.rowquant import activation_maxima, rewrite

    src, dst = _graph(tmp_path, k=384)
    model = onnx.load(str(dst))
    assert any(n.op_type == "MatMulNBits" for n in model.graph.node)
    rng = np.random.default_rng(3)
    feeds = [{"x": rng.normal(0, 1, (1, 9, 384)).astype(np.float32), "ids": rng.integers(0, 1000, (1, 9))}
             for _ in range(4)]
    rewrite(model, activation_maxima(model, feeds), alpha=0.5)
    assert not any(n.op_type == "MatMulNBits" for n in model.graph.node)
    assert sum(n.op_type == "MatMulIntegerToFloat" for n in model.graph.node) == 1
    out = tmp_path / "rowquant.onnx"
    onnx.save(model, str(out))
    x, ids = feeds[0]["x"], feeds[0]["ids"]
    (y32, _), (yq, _) = _run(src, x, ids), _run(out, x, ids)
    assert np.abs(yq - y32).max() < 0.03 * np.abs(y32).max()
    alone, batched, first_tokens = _alone_and_beside_a_loud_neighbour(out)
    assert np.allclose(alone, batched, rtol=0, atol=1e-5)
    assert np.allclose(first_tokens, alone[:3], rtol=0, atol=1e-5)
