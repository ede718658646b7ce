"""Windows of one length in one encoder pass (issue 18, session 23): what it saves, and whether a
window's numbers stay those it gets alone, for both of the classifier's graphs.

    python -m chronicle.scale.batching [--rounds 3]

1. CPU ms per window (one thread, 16 random windows of each length, best of `rounds`) encoded alone and
   in batches of 2, 4, 8 and 16, for the 8-bit blocks and — on a CPU with exact int8 products — the
   int8 graph (`extract/int8.py`).
2. For every length 4–96, four windows encoded alone and in batches of 2 and 4: the lengths where any
   hidden state differs, and by how much. `EventClassifier.windows_logits` batches every length of the
   int8 graph, for which this list is empty, and the blocks' even lengths (they differ at every odd
   length, on the Intel and the AMD dev machines alike; `classifier.batch_exact` checks at load).

The windows are random subword ids between [CLS] and [SEP]: timing and exactness do not depend on what
they say. Uses the shipped model unless `CHRONICLE_EVENT_MODEL` names another.
"""

from __future__ import annotations

import argparse
import os
import time

from ..extract.classifier import random_windows


def graphs() -> list[tuple[str, "EventClassifier"]]:
    from ..extract import int8
    from ..extract.classifier import MODEL_DIR, EventClassifier

    out = []
    # "all": every product int8 (a card may keep its first layers as blocks, `int8.blocks_layers`,
    # and such a graph batches like the blocks)
    for name, choice in (("8-bit blocks", "0"), ("per-token int8", "all")):
        os.environ["CHRONICLE_INT8"] = choice
        clf = EventClassifier(MODEL_DIR, threads=1)
        if (choice == "all") == clf.int8:
            out.append((name, clf))
        elif choice == "all":
            why = "this CPU lacks exact int8 products" if (MODEL_DIR / int8.MAXIMA).is_file() else "no calibration"
            print(f"(no int8 graph here: {why})")
    os.environ.pop("CHRONICLE_INT8", None)
    return out


def per_window_ms(clf, length: int, batch: int, rounds: int, rng) -> float:
    x = random_windows(rng, 16, length)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for k in range(0, 16, batch):
            clf.hidden(x[k:k + batch])
        best = min(best, time.process_time() - start)
    return best / 16 * 1000


def batch_changes(clf, rng, lengths=range(4, 97)) -> list[tuple[int, float]]:
    """(length, largest difference) wherever batching changes a window's hidden states."""
    import numpy as np

    moved = []
    for length in lengths:
        x = random_windows(rng, 4, length)
        alone = np.concatenate([clf.hidden(x[k:k + 1]) for k in range(4)])
        worst = max(float(np.abs(alone - np.concatenate([clf.hidden(x[k:k + b]) for k in range(0, 4, b)])).max())
                    for b in (2, 4))
        if worst > 0:
            moved.append((length, worst))
    return moved


def main(argv: list[str] | None = None) -> None:
    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    for name, clf in graphs():
        rng = np.random.default_rng(0)
        print(f"{name}: CPU ms per window, alone and by batch size")
        for length in (8, 20, 32, 48):
            cells = ", ".join(f"{b}: {per_window_ms(clf, length, b, args.rounds, rng):.2f}" for b in (1, 2, 4, 8, 16))
            print(f"  {length:2d} subwords  {cells}")
        moved = batch_changes(clf, np.random.default_rng(1))
        if moved:
            print(f"  batching changes the hidden states at {len(moved)} of 93 lengths "
                  f"(e.g. {', '.join(str(n) for n, _ in moved[:6])}), by up to {max(d for _, d in moved):.3f}")
        else:
            print("  batching changes no hidden state at any length 4–96 (batches of 2 and 4)")


if __name__ == "__main__":
    main()
