"""The event encoder's matrix products as per-token int8 integer products, on CPUs whose integer
dot products are exact (issue 18, item 1: the classifier's cost).

The shipped `events.onnx` stores its products as 8-bit blocks (`MatMulNBits`, `train.quantize_weights`):
one file that answers the same on every CPU. On a CPU with VNNI (AVX-512 VNNI, AVX-VNNI) or AMX,
onnxruntime's uint8 × int8 product runs an encoder pass in a little over half the time
(docs/BENCHMARKS.md, sessions 17–18 and 23), so there `classifier.open_session` can rewrite the graph
once into this form and keep the result in the cache folder beside the optimised graph (when: `wanted`):

1. SmoothQuant's smoothing (Xiao et al. 2023, written here from the paper's formula): each input
   channel j of a product is divided by s_j = max|X_j|^alpha / max|W_j|^(1-alpha) and the weight's
   row j multiplied by it — the product is unchanged in exact arithmetic, and the few large
   activation channels of a BERT layer move into the weights, which are quantized per column.
   max|X_j| comes from a calibration run over 300 of our own training sentences
   (`data/train/events.tsv`), done when the model is exported and kept beside it (`MAXIMA`), so
   that every machine derives the same graph.
2. Each token's row of the smoothed activations is quantized to uint8 around 128 with its own
   scale (`QuantizeLinear` along the rows, once per input: the query, key and value products share
   it) — so a sentence's numbers never depend on another's in the batch — the weights to int8 per
   output column, and onnxruntime's `MatMulIntegerToFloat` multiplies and applies the columns'
   scales; the tokens' scales follow.

Why not everywhere: without VNNI (AVX2's `vpmaddubsw`) onnxruntime sums pairs of uint8 × int8
products in int16, which saturates (`python -m chronicle.scale.saturation`, measured under
`qemu-x86_64 -cpu Haswell`), so the same graph would answer differently there; the 8-bit blocks are
exact on every CPU. Accuracy: over eight models (four draws of two recipes) the rewritten graph moves
no evaluation headline by more than 0.008 on average (docs/EVALUATION.md, session 23), but one model's
answers move more than that (the shipped r19: WikiEvents document F1 −0.025, and the seed report loses
the spreading protest), so a model runs it by default only when its card says so, after its own
check; `CHRONICLE_INT8=1` asks for it, `0` refuses it, and `chronicle eval` says which graph answered.
A card may also keep the encoder's first layers as blocks (`blocks_layers`): their rounding is what
the later layers carry furthest (session 24: r19 with its first three layers kept is closer to the
blocks than the blocks are to float products and keeps the seed's events; its default from session
24 to 25, then on request only: the blocks give the same answers on every CPU, WikiEvents' document
F1 read 0.0104 lower through the graph, and without it `make bench` meets its CPU target since spaCy's
parser lost its profiling hooks, `spacy_build.py`).

The rewrite and the calibration use the `onnx` package, imported only when a graph is (re)built.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

# beside events.onnx: the calibration's activation maxima per product input, and alpha
MAXIMA = "events_int8.npz"
ALPHA = 0.5
CALIBRATION_SENTENCES = 300


def cpu_has_exact_int8(features: dict | None = None, cpuinfo: Path | None = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies uint8 × int8 without int16 pair sums: x86 with AVX-512 VNNI,
    AVX-VNNI or AMX-INT8. numpy reports AVX-512 VNNI on every OS (`features`: its table, by
    default numpy's own); Linux's `cpuinfo` flags add the other two."""
    if features is None:
        try:
            from numpy._core._multiarray_umath import __cpu_features__ as features
        except ImportError:  # numpy < 2
            from numpy.core._multiarray_umath import __cpu_features__ as features
    if features.get("AVX512VNNI"):
        return True
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return bool(set(line.split(":", 1)[1].split()) & {"avx_vnni", "amx_int8"})
    except (OSError, TypeError):  # not Linux (no such file), or no file to read
        pass
    return False


def wanted(model: Path) -> bool:
    """Whether the classifier at `model` (its events.onnx) runs the int8 graph here. Never without
    its calibration (`MAXIMA`) or on a CPU whose int8 products are not exact. Then
    `CHRONICLE_INT8=1` turns it on (`all`: on, with every product int8, `blocks_layers`), `0` off,
    and unset the model's card decides (`int8_calibration`'s `default`): a model gets the int8 graph
    by default only once its answers through it were measured on every evaluation set and the seed
    report (docs/EVALUATION.md) and found worth their difference from the blocks — the shipped r19's
    card says no (session 25; its graph with three layers kept was measured in session 24, with
    every product int8 the seed report loses an event, session 23)."""
    choice = os.environ.get("CHRONICLE_INT8", "").strip().lower()
    if choice == "0":
        return False
    calibrated = (model.parent / MAXIMA).is_file()
    if not calibrated or not cpu_has_exact_int8():
        if choice in ("1", "all"):  # asked for and refused: say why, once per process and model
            _refused(str(model), choice, "this CPU's int8 products are not exact (no AVX-512 VNNI, AVX-VNNI or AMX)"
                     if calibrated else "it carries no calibration (events_int8.npz: "
                     f"`python -m chronicle.extract.int8 {model.parent}` writes it)")
        return False
    if choice in ("1", "all"):
        return True
    try:
        card = json.loads((model.parent / "events.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool((card.get("int8_calibration") or {}).get("default", False))


_told: set[str] = set()


def _refused(model: str, choice: str, why: str) -> None:
    if model not in _told:
        _told.add(model)
        print(f"chronicle: CHRONICLE_INT8={choice} ignored for {model}: {why}; the 8-bit blocks answer",
              file=sys.stderr)


def blocks_layers(model: Path) -> int:
    """How many of the encoder's first layers the int8 graph leaves as the shipped 8-bit blocks
    (the card's `int8_calibration.blocks_layers`, 0 when it names none or `CHRONICLE_INT8=all` asks
    for every product as an int8 one: the fastest graph, a little further from the blocks). The first layers' rounding
    is carried through every layer after them: on our own contrast and conventions sentences the
    graph's distance from the blocks falls from a mean KL of 0.00078 (every product int8) to 0.00021
    with three layers kept, below the blocks' own distance from float products (0.00033), at 3.66
    against 2.78 ms a pass (the blocks 4.25): `python -m chronicle.scale.mixed`, docs/BENCHMARKS.md,
    session 24."""
    if os.environ.get("CHRONICLE_INT8", "").strip().lower() == "all":
        return 0
    try:
        card = json.loads((model.parent / "events.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    return int((card.get("int8_calibration") or {}).get("blocks_layers", 0))


def products(model: Path, used: bool) -> str:
    """What answers for the classifier at `model`, by name (`chronicle eval`, `make bench`): the
    8-bit blocks, or (`used`) the int8 graph and the layers it keeps as blocks."""
    kept = blocks_layers(model) if used else 0
    return ("8-bit blocks" if not used else "per-token int8" if not kept
            else f"per-token int8, layers 1–{kept} as 8-bit blocks")


def keep_pattern(layers: int) -> str | None:
    """`rewrite`'s `keep` expression for the encoder's first `layers` layers (None: none kept)."""
    return None if layers <= 0 else r"layer\.(" + "|".join(str(i) for i in range(layers)) + r")/"


def key(model: Path) -> str:
    """What the rewritten graph is derived from: the model file, its calibration, the layers it
    keeps as blocks, this module's method (`ALPHA` lives in the calibration file)."""
    digest = hashlib.sha1()
    for path in (model, model.parent / MAXIMA):
        with open(path, "rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha1").digest())
    digest.update(b"rowquant-v1")
    kept = blocks_layers(model)
    if kept:
        digest.update(f"blocks-layers-{kept}".encode())
    return digest.hexdigest()[:16]


# -- the rewrite ------------------------------------------------------------------------------

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


def rewrite(model, maxima: dict, alpha: float = ALPHA, keep: str | None = None, weights: str = "s8"):
    """The model with its `MatMulNBits` products (but those whose output matches `keep`) as smoothed
    per-token int8 integer products (`MatMulIntegerToFloat`). Changes `model` in place and returns it.

    `weights` "s8" stores each weight as int8 (onnxruntime's uint8 × int8 kernel, which saturates without
    VNNI); "u8" stores the same integers + 128 as uint8 with a zero point of 128 (its uint8 × uint8 kernel,
    exact on every x86 CPU but, on the VNNI dev machine, about twice as slow: `scale.rowquant`)."""
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


def calibration_texts(count: int = CALIBRATION_SENTENCES) -> list[str]:
    """`count` of our own training sentences (`data/train/events.tsv`), evenly spaced."""
    from .train import read_corpus

    texts = [row["text"] for row in read_corpus()]
    return texts[::max(1, len(texts) // count)][:count]


def calibration_feeds(model_dir: Path, texts: list[str], max_tokens: int = 96):
    """Input feeds for `activation_maxima`: each text as one window of the model's tokenizer."""
    import numpy as np
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    for text in texts:
        yield {"input_ids": np.array([tokenizer.encode(text).ids[:max_tokens]], np.int64)}


def calibrate(model_dir: Path, texts: list[str] | None = None, alpha: float = ALPHA) -> dict:
    """Write `MAXIMA` beside `model_dir`'s events.onnx from a calibration run over `texts` (default
    `calibration_texts()`); returns what the model's card records of it."""
    import numpy as np
    import onnx

    texts = calibration_texts() if texts is None else texts
    model = onnx.load(str(model_dir / "events.onnx"))
    maxima = activation_maxima(model, calibration_feeds(model_dir, texts))
    names = sorted(maxima)
    arrays = {f"x{i}": maxima[name].astype(np.float32) for i, name in enumerate(names)}
    np.savez(model_dir / MAXIMA, names=np.array(names), alpha=np.float32(alpha), **arrays)
    # `default`: whether the classifier uses the int8 graph unless told otherwise (`wanted`), and
    # `blocks_layers` (absent: 0), how many first layers it leaves as blocks: set by hand in the card
    # once the model's answers through it have been measured (`make train` carries them over to a
    # rebuild of the same weights: `recipe.keep_int8_choice`)
    return {"default": False, "sentences": len(texts), "alpha": alpha,
            "texts_sha1": hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest(),
            "sha1": hashlib.sha1((model_dir / MAXIMA).read_bytes()).hexdigest()}


def read_maxima(path: Path) -> tuple[dict, float]:
    import numpy as np

    with np.load(path) as data:
        names = [str(n) for n in data["names"]]
        return {name: data[f"x{i}"] for i, name in enumerate(names)}, float(data["alpha"])


def graph(model: Path) -> bytes:
    """The int8 graph of the classifier at `model` (events.onnx, with `MAXIMA` beside it), its first
    `blocks_layers` layers left as blocks, serialised."""
    import onnx

    proto = onnx.load(str(model))
    maxima, alpha = read_maxima(model.parent / MAXIMA)
    return rewrite(proto, maxima, alpha=alpha, keep=keep_pattern(blocks_layers(model))).SerializeToString()


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Calibrate a model directory for the int8 graph "
                                             "(writes events_int8.npz beside its events.onnx).")
    ap.add_argument("model_dir", type=Path)
    args = ap.parse_args(argv)
    if not (args.model_dir / "events.onnx").is_file():
        print(f"error: {args.model_dir} holds no events.onnx", file=sys.stderr)
        return 2
    info = calibrate(args.model_dir)
    print(f"wrote {args.model_dir / MAXIMA} ({info['sentences']} sentences, sha1 {info['sha1'][:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
