"""Which of the encoder's layers the int8 graph leaves as 8-bit blocks (issue 18, session 24).

    python -m chronicle.scale.mixed [--layers 0,1,2,3,6] [--rounds 3]

For the shipped model (or `CHRONICLE_EVENT_MODEL`), and for each N of `--layers`, the int8 graph
(`extract/int8.py`) with its first N layers left as the shipped blocks (N = 0: every product int8,
N = 6: none) is compared with the blocks themselves on every candidate of our own contrast and
conventions sentences (`data/train/events_contrast.tsv`, `events_conventions.tsv`: read by no
evaluation and not by the calibration, which reads `events.tsv`):

- the mean KL divergence of its class probabilities from the blocks', and how many candidates
  change side of the event bar (the card's `none_threshold`);
- CPU ms per encoder pass, one thread, over the same windows (median of `--rounds`).

Beside them, the blocks' own distance from float arithmetic with the same weights (`float_graph`):
the error the shipped graph already carries. The rule session 24 wrote before running this: the
classifier's int8 graph keeps the fewest first layers as blocks whose mean KL from the blocks is no
larger than that (docs/EVALUATION.md, session 24, tells what was seen before the rule).
"""

from __future__ import annotations

import argparse
import statistics
import time


def own_candidates(nlp) -> list[tuple[str, int, int]]:
    """Every candidate (the classifier's gate, as at run time) of our contrast and conventions
    sentences."""
    from ..extract.candidates import candidates
    from ..extract.train import CONTRAST, CONVENTIONS, read_corpus

    texts = [row["text"] for path in (CONTRAST, CONVENTIONS) for row in read_corpus(path)]
    items = []
    for doc in nlp.pipe(texts, batch_size=64):
        for sent in doc.sents:
            for tok in candidates(sent):
                items.append((sent.text, tok.idx - sent.start_char, tok.idx - sent.start_char + len(tok.text)))
    return items


def float_graph(model) -> bytes:
    """The graph with each 8-bit block product as a float `MatMul` of its dequantized weights
    (`int8.dequantized`): the same weights without the blocks' rounding of the activations."""
    from onnx import helper, numpy_helper

    from ..extract.int8 import dequantized

    inits = {i.name: i for i in model.graph.initializer}
    nodes, added = [], []
    for node in model.graph.node:
        if node.op_type != "MatMulNBits":
            nodes.append(node)
            continue
        name = node.input[1] + "_float"
        added.append(numpy_helper.from_array(dequantized(node, inits), name))
        nodes.append(helper.make_node("MatMul", [node.input[0], name], list(node.output)))
    used = {name for node in nodes for name in node.input}
    kept = [i for i in model.graph.initializer if i.name in used]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept + added)
    return model.SerializeToString()


def kl(p, q) -> "np.ndarray":
    import numpy as np

    p, q = np.clip(p, 1e-9, 1.0), np.clip(q, 1e-9, 1.0)
    return (p * np.log(p / q)).sum(1)


def main(argv: list[str] | None = None) -> int:
    import os

    import numpy as np
    import onnx
    import onnxruntime as ort

    os.environ["CHRONICLE_INT8"] = "0"
    from ..extract import int8
    from ..extract.classifier import MODEL_DIR, EventClassifier, _options
    from ..nlp import load_pipeline

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", default="0,1,2,3,6", help="numbers of first layers left as blocks")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    if not int8.cpu_has_exact_int8():
        print("this CPU's int8 products are not exact: the int8 graph is not used here")
        return 1
    items = own_candidates(load_pipeline())
    clf = EventClassifier(MODEL_DIR, threads=1)
    none = clf.labels.index("NONE")
    bar = clf.none_threshold
    blocks = clf.probabilities(items)
    sentences = sorted({text for text, _, _ in items})
    print(f"{len(items)} candidates of {len(sentences)} sentences of ours; event bar P(no event) < {bar}")

    # the blocks against float products of the same weights
    clf.session = ort.InferenceSession(float_graph(onnx.load(str(MODEL_DIR / "events.onnx"))),
                                       _options(1), providers=["CPUExecutionProvider"])
    floats = clf.probabilities(items)
    d = kl(floats, blocks)
    flips = int(((floats[:, none] < bar) != (blocks[:, none] < bar)).sum())
    print(f"float products (same weights) vs blocks: mean KL {d.mean():.5f}, {flips} candidates change side")

    maxima, alpha = int8.read_maxima(MODEL_DIR / int8.MAXIMA)
    ids = [np.array([[clf.cls_id, *clf.tokenizer.encode(t, add_special_tokens=False).ids[:clf.max_tokens - 2],
                      clf.sep_id]]) for t in sentences]
    for n in [int(x) for x in args.layers.split(",")]:
        # n at or above the encoder's depth keeps every product as blocks: the blocks' own graph
        graph = int8.rewrite(onnx.load(str(MODEL_DIR / "events.onnx")), maxima, alpha=alpha,
                             keep=int8.keep_pattern(n)).SerializeToString()
        clf.session = ort.InferenceSession(graph, _options(1), providers=["CPUExecutionProvider"])
        probs = clf.probabilities(items)
        d = kl(probs, blocks)
        flips = int(((probs[:, none] < bar) != (blocks[:, none] < bar)).sum())
        times = []
        for _ in range(args.rounds):
            start = time.process_time()
            for x in ids:
                clf.hidden(x)
            times.append((time.process_time() - start) / len(ids) * 1000)
        print(f"first {n} layers as blocks: mean KL {d.mean():.5f}, {flips} candidates change side, "
              f"{statistics.median(times):.2f} ms a pass")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
