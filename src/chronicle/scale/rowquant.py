"""The experiment behind `extract.int8` (issue 18): the classifier's encoder with its matrix products
as onnxruntime integer products on per-token int8 activations, instead of `MatMulNBits`, written to a
model directory with the experiment's options (products kept, uint8 weights). Since session 23 the
classifier derives the same graph itself on CPUs with exact int8 products (`extract/int8.py`).

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

Measured in sessions 17, 18 and 23 (docs/BENCHMARKS.md). On a CPU with AVX2 but without VNNI
onnxruntime's uint8 × int8 kernel does saturate (`python -m chronicle.scale.saturation` under
`qemu-x86_64 -cpu Haswell`): the default int8 weights then answer differently there (issue 18: class
probabilities of real sentences moved by up to 0.13). `--weights u8` stores the same integers as uint8
with a zero point of 128; onnxruntime's uint8 × uint8 kernel is exact on AVX2 too and gives this
machine's answers bit for bit, but on this VNNI/AMX CPU it runs a pass about twice as slowly as the
int8 weights (slower than the shipped `MatMulNBits` graph) — which is why the classifier uses the int8
graph only where the CPU's int8 products are exact, and the 8-bit blocks elsewhere.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

# the rewrite and its calibration live in `extract.int8`, which the classifier uses at run time on
# CPUs with exact int8 products; this module keeps the experiment's options (`keep`, `--weights u8`)
from ..extract.int8 import MAXIMA, activation_maxima, calibration_feeds, calibration_texts, rewrite


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
    maxima = activation_maxima(model, calibration_feeds(args.src, calibration_texts()))
    rewrite(model, maxima, alpha=args.alpha, keep=args.keep, weights=args.weights)
    onnx.checker.check_model(model)
    args.out.mkdir(parents=True, exist_ok=True)
    for item in args.src.iterdir():
        # not the calibration: the graph written here is already rewritten
        if item.is_file() and item.name not in ("events.onnx", MAXIMA) and not item.name.startswith("events.opt"):
            shutil.copy2(item, args.out / item.name)
    onnx.save(model, str(args.out / "events.onnx"))
    print(f"wrote {args.out / 'events.onnx'}")


if __name__ == "__main__":
    main()
