"""An experiment (issue 18), not the shipped export: the classifier's encoder with its matrix products
as onnxruntime integer products on per-token int8 activations, instead of `MatMulNBits`.

On the Intel dev machine of sessions 16–17 (AVX-512 VNNI, AMX) onnxruntime's int8 GEMM behind
`MatMulInteger` (uint8 activations × int8 weights) runs an encoder pass in about half the CPU time of
the shipped `MatMulNBits` graph (docs/BENCHMARKS.md, session 17). Its own dynamic quantization takes one
activation scale per tensor, which session 14 measured to cost WikiEvents 0.05 document F1 and which lets
one sentence's numbers depend on another's. Here each token's row gets its own scale, as `MatMulNBits`
does per block, so a sentence's numbers are its own:

1. SmoothQuant's smoothing (Xiao et al. 2023, written here from the paper's formula): each input channel
   j of a product is divided by s_j = max|X_j|^alpha / max|W_j|^(1-alpha) and the weight's row j
   multiplied by it — the product is unchanged in exact arithmetic, and the few large activation channels
   of a BERT layer move into the weights, which are quantized per column. max|X_j| comes from a
   calibration run over sentences of our own (`data/train/events.tsv`, 300 of them, every 13th or so).
2. Each token's row of the smoothed activations is quantized to int8 around a zero point of 128
   (uint8) by `QuantizeLinear` along the rows (once per input: the query, key and value products
   share theirs), the weights to int8 per output column, and onnxruntime's `MatMulIntegerToFloat`
   multiplies and applies the columns' scales; the tokens' scales follow. Session 18: 10% less per
   pass than session 17's chain of `MatMulInteger`, casts and products (2.91–2.93 against 3.26 ms),
   the same numbers.

Products whose output name matches `keep` (a regular expression) stay `MatMulNBits`.

    python -m chronicle.scale.rowquant SRC_MODEL_DIR OUT_DIR [--alpha 0.5] [--keep 'layer\\.\\d+/output/dense']
                                       [--weights s8|u8]
    CHRONICLE_EVENT_MODEL=OUT_DIR chronicle eval all

Not shipped: measured in session 17, see docs/BENCHMARKS.md. On a CPU with AVX2 but without VNNI
onnxruntime's uint8 × int8 kernel does saturate (`python -m chronicle.scale.saturation` under
`qemu-x86_64 -cpu Haswell`): the default int8 weights then answer differently there (issue 18: class
probabilities of real sentences moved by up to 0.13). `--weights u8` stores the same integers as uint8
with a zero point of 128; onnxruntime's uint8 × uint8 kernel is exact on AVX2 too and gives this
machine's answers bit for bit, but on this VNNI/AMX CPU it runs a pass about twice as slowly as the
int8 weights (slower than the shipped `MatMulNBits` graph).
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path


def dequantized(node, inits) -> "np.ndarray":
    """The float32 weight [K, N] of an 8-bit `MatMulNBits` node (zero point 128, one scale per block)."""
    import numpy as np
    from onnx import helper, numpy_helper

    at = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    k, n = at["K"], at["N"]
    if at.get("bits", 4) != 8 or len(node.input) > 3:
        raise ValueError(f"{node.name or node.output[0]}: only 8-bit MatMulNBits without zero points")
    q = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)  # [N, blocks, block]
    scales = numpy_helper.to_array(inits[node.input[2]]).reshape(n, -1).astype(np.float32)
    return ((q - 128.0) * scales[:, :, None]).reshape(n, k).T.copy()


def activation_maxima(model, feeds) -> dict[str, "np.ndarray"]:
    """max |x| per input channel of every `MatMulNBits` input, over the calibration feeds."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    names = sorted({n.input[0] for n in model.graph.node if n.op_type == "MatMulNBits"})
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in names:
        probe.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    top: dict[str, np.ndarray] = {}
    for feed in feeds:
        for name, value in zip(names, session.run(names, feed)):
            m = np.abs(value.reshape(-1, value.shape[-1])).max(axis=0)
            top[name] = m if name not in top else np.maximum(top[name], m)
    return top


def rewrite(model, maxima: dict, alpha: float = 0.5, keep: str | None = None, weights: str = "s8"):
    """The model with its `MatMulNBits` products (but those whose output matches `keep`) as smoothed
    per-token int8 integer products (`MatMulIntegerToFloat`). Changes `model` in place and returns it.

    `weights` "s8" stores each weight as int8 (onnxruntime's uint8 × int8 kernel, which saturates without
    VNNI); "u8" stores the same integers + 128 as uint8 with a zero point of 128 (its uint8 × uint8 kernel,
    exact on every x86 CPU: `scale.saturation`). The integer products are the same."""
    if weights not in ("s8", "u8"):
        raise ValueError(f"weights must be 's8' or 'u8', not {weights!r}")
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    todo = [n for n in graph.node if n.op_type == "MatMulNBits"
            and not (keep and re.search(keep, n.output[0]))]
    floats = {id(n): dequantized(n, inits) for n in todo}
    smooth = {}
    for x in {n.input[0] for n in todo}:
        w_max = np.max([np.abs(floats[id(n)]).max(axis=1) for n in todo if n.input[0] == x], axis=0)
        smooth[x] = (np.maximum(maxima[x], 1e-5) ** alpha / np.maximum(w_max, 1e-5) ** (1 - alpha)
                     ).astype(np.float32)
    const = lambda value, name: numpy_helper.from_array(np.asarray(value), name)  # noqa: E731
    nodes, added, dropped, quantized = [], [], set(), set()
    for node in graph.node:
        if not any(node is n for n in todo):
            nodes.append(node)
            continue
        x, out = node.input[0], node.output[0]
        p = out.replace("/", "_") + "_rq_"
        xp = x.replace("/", "_") + "_rq_"
        if x not in quantized:
            # once per input (the query, key and value products share theirs): smoothed, then each
            # token's row quantized around 128 with its own scale by `QuantizeLinear` along the rows
            # of the input seen as a matrix [tokens, channels]
            k = floats[id(node)].shape[0]
            added += [const((1.0 / smooth[x]).astype(np.float32), xp + "inv"),
                      const(np.float32(1e-8), xp + "eps"), const(np.float32(1 / 127.0), xp + "c"),
                      const(np.array([-1], np.int64), xp + "flat"),
                      const(np.array([-1, k], np.int64), xp + "rows")]
            nodes += [
                helper.make_node("Mul", [x, xp + "inv"], [xp + "s"]),
                helper.make_node("Abs", [xp + "s"], [xp + "abs"]),
                helper.make_node("ReduceMax", [xp + "abs"], [xp + "max"], keepdims=1, axes=[-1]),
                helper.make_node("Max", [xp + "max", xp + "eps"], [xp + "max1"]),
                helper.make_node("Mul", [xp + "max1", xp + "c"], [xp + "scale"]),  # [..., tokens, 1]
                helper.make_node("Reshape", [xp + "scale", xp + "flat"], [xp + "scale_rows"]),
                helper.make_node("Shape", [xp + "scale_rows"], [xp + "n"]),
                helper.make_node("ConstantOfShape", [xp + "n"], [xp + "zp"],
                                 value=numpy_helper.from_array(np.array([128], np.uint8))),
                helper.make_node("Reshape", [xp + "s", xp + "rows"], [xp + "s_rows"]),
                helper.make_node("QuantizeLinear", [xp + "s_rows", xp + "scale_rows", xp + "zp"],
                                 [xp + "q_rows"], axis=0),
                helper.make_node("Shape", [xp + "s"], [xp + "shape"]),
                helper.make_node("Reshape", [xp + "q_rows", xp + "shape"], [xp + "q"]),
            ]
            quantized.add(x)
        w = floats[id(node)] * smooth[x][:, None]
        col = np.abs(w).max(axis=0)
        w_scale = np.where(col > 0, col / 127.0, 1.0).astype(np.float32)
        w_q = np.clip(np.round(w / w_scale), -127, 127)
        added += [const(w_q.astype(np.int8) if weights == "s8" else (w_q + 128).astype(np.uint8), p + "w"),
                  const(w_scale, p + "wscale"), const(np.float32(1.0), p + "one"),
                  const(np.uint8(128), p + "zp")]
        dropped |= {node.input[1], node.input[2]}
        # the integer product scaled by each column's weight scale (one contrib op of onnxruntime,
        # which replaces MatMulInteger, a cast and a product), then by each token's scale
        nodes += [
            helper.make_node("MatMulIntegerToFloat", [xp + "q", p + "w", p + "one", p + "wscale", p + "zp"]
                             + [p + "zp"] * (weights == "u8"), [p + "y"], domain="com.microsoft"),
            helper.make_node("Mul", [p + "y", xp + "scale"], [out]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [i for i in graph.initializer if i.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    return model


def calibration_feeds(model_dir: Path, count: int = 300, max_tokens: int = 96):
    """Input feeds for `activation_maxima`: `count` of our own training sentences, evenly spaced."""
    import numpy as np
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    from ..extract.train import read_corpus

    texts = [row["text"] for row in read_corpus()]
    for text in texts[::max(1, len(texts) // count)][:count]:
        yield {"input_ids": np.array([tokenizer.encode(text).ids[:max_tokens]], np.int64)}


def main(argv: list[str] | None = None) -> None:
    import onnx

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path, help="a model directory (events.onnx, card, head, tokenizer)")
    ap.add_argument("out", type=Path, help="where to write the rewritten model directory")
    ap.add_argument("--alpha", type=float, default=0.5, help="SmoothQuant's migration strength")
    ap.add_argument("--keep", default=None, help="regular expression: products left as MatMulNBits")
    ap.add_argument("--weights", choices=("s8", "u8"), default="s8",
                    help="int8 weights, or uint8 with zero point 128 (exact without VNNI)")
    args = ap.parse_args(argv)
    model = onnx.load(str(args.src / "events.onnx"))
    maxima = activation_maxima(model, calibration_feeds(args.src))
    rewrite(model, maxima, alpha=args.alpha, keep=args.keep, weights=args.weights)
    onnx.checker.check_model(model)
    args.out.mkdir(parents=True, exist_ok=True)
    for item in args.src.iterdir():
        if item.is_file() and item.name != "events.onnx" and not item.name.startswith("events.opt"):
            shutil.copy2(item, args.out / item.name)
    onnx.save(model, str(args.out / "events.onnx"))
    print(f"wrote {args.out / 'events.onnx'}")


if __name__ == "__main__":
    main()
