"""Runtime of the event classifier: an int8 ONNX encoder over candidate predicates.

Loaded lazily, once per process. Needs only onnxruntime, tokenizers and numpy; the model, its
tokenizer and its card (labels, calibration temperature, architecture) are package data written by
`make train`. A candidate is given as its sentence and the character span of its trigger.

Two architectures, named by the card's `arch` (a card without one is `marked`):

- `marked` (the shipped one): one pass per candidate over the sentence with the predicate marked
  ("… [[ arrested ]] …"), the ONNX model ending in the logits. Batched, with padding masked out.
- `sentence` (`train --arch sentence`, see issue #4): each candidate sentence is encoded once,
  without markers, by the ONNX encoder (input_ids → last hidden state; encoders exported before
  session 14 also take an attention mask, which is then all ones), and every
  candidate of the sentence is classified from the contextual vectors: the mean of its trigger's
  subword vectors next to the mean of the whole window (optionally also the window pooled by the
  trigger's own attention), through a small head (`events_head.npz`, applied in numpy). A sentence
  with three candidate predicates costs one encoder pass, not three. Each pass reads one window of
  one sentence alone (batch size 1, no padding), so probabilities never depend on the batch.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import cache

# The packaged model; CHRONICLE_EVENT_MODEL=/some/dir evaluates a freshly trained one without
# installing it (the eval config and shard fingerprints read their card from here too).
MODEL_DIR = Path(os.environ.get("CHRONICLE_EVENT_MODEL")
                 or Path(__file__).resolve().parents[1] / "data" / "models")

# More models whose answers are averaged with the packaged (or CHRONICLE_EVENT_MODEL) one's,
# separated like PATH: CHRONICLE_EVENT_ENSEMBLE=/draws/s14:/draws/s15. For evaluation: one training
# recipe's draws differ by as much as two recipes do (docs/EVALUATION.md, session 20), and their
# mean answer is what the recipe reads without one draw's luck; each model costs its own passes.
# The candidate gate and the bars an event must pass stay the main model's.
ENSEMBLE = tuple(Path(p) for p in os.environ.get("CHRONICLE_EVENT_ENSEMBLE", "").split(os.pathsep)
                 if p)

# A candidate: the sentence text and the character span of its trigger within it.
Candidate = tuple[str, int, int]


class ClassifierMissingError(RuntimeError):
    """The trained event classifier is not in the package."""


@dataclass
class Prediction:
    label: str
    confidence: float  # calibrated probability of `label`
    none_probability: float
    # every event type's calibrated probability, for an event (what the extractor needs when it
    # codes several types as one: a promised delivery of aid and a promise are both AGREE)
    probabilities: dict[str, float] | None = None


@dataclass
class Window:
    """A stretch of a sentence's subwords the encoder reads in one pass, and the candidates it
    answers for: `spans[k]` are the window positions (after [CLS]) of candidate `members[k]`."""
    start: int
    end: int
    members: list[int]
    spans: list[list[int]]


# windows of one length encoded in one pass (`EventClassifier.windows_logits`): beyond 8 the int8
# graph's pass grows slower per window again on the dev machine (48 subwords: 2.78 ms at 8, 3.00 at 16)
WINDOW_BATCH = 8


def random_windows(rng, count: int, length: int) -> np.ndarray:
    """`count` windows of `length` arbitrary subword ids between [CLS] and [SEP]: what a graph's
    timing and batching exactness are measured on (they do not depend on what a window says)."""
    x = rng.integers(1000, 20000, (count, length)).astype(np.int64)
    x[:, 0], x[:, -1] = 101, 102
    return x


def batch_exact(hidden, lengths=(6, 10)) -> bool:
    """Whether `hidden` (a graph's run over a batch of windows of one length) gives two windows
    of each of `lengths` in one pass bit for bit what each gets alone. onnxruntime's 8-bit block
    product (`MatMulNBits`) is exact this way for an even number of rows and not for an odd one
    (every odd length moved: session 23 on the Intel dev machine, session 24 on the AMD one), so the
    classifier asks its graph once, at load, with even lengths, instead of trusting one kernel's
    tiling on every CPU; the windows are arbitrary subword ids (what is exact or not is the row
    count, not the values)."""
    rng = np.random.default_rng(0)
    for length in lengths:
        x = random_windows(rng, 2, length)
        together = hidden(x)
        if not all(np.array_equal(together[k], hidden(x[k:k + 1])[0]) for k in range(2)):
            return False
    return True


def span_tokens(offsets: list[tuple[int, int]], a: int, b: int) -> list[int]:
    """Indices of the subwords overlapping characters a..b (the nearest one if none does)."""
    hit = [i for i, (s, e) in enumerate(offsets) if s < b and e > a]
    if hit or not offsets:
        return hit
    return [min(range(len(offsets)), key=lambda i: abs(offsets[i][0] - a))]


def plan_windows(offsets: list[tuple[int, int]], spans: list[tuple[int, int]],
                 max_tokens: int, margin: int = 16) -> list[Window]:
    """Windows of at most `max_tokens` subwords (specials included) covering every span.

    A sentence that fits is one window. A longer one (lists, run-on transcripts) is cut into
    windows around groups of nearby candidates, each with context on both sides, instead of being
    truncated at the end where a late candidate would be lost."""
    width = max_tokens - 2
    toks = [span_tokens(offsets, a, b) for a, b in spans]
    n = len(offsets)
    if n <= width:
        return [Window(0, n, list(range(len(spans))), toks)]
    order = sorted(range(len(spans)), key=lambda k: (toks[k][0] if toks[k] else 0, k))
    windows: list[Window] = []
    k = 0
    while k < len(order):
        first = toks[order[k]][0] if toks[order[k]] else 0
        group = [order[k]]
        last = toks[order[k]][-1] if toks[order[k]] else first
        k += 1
        while k < len(order):
            nxt = toks[order[k]]
            end = nxt[-1] if nxt else first
            if end - first + 1 > width - 2 * margin:
                break
            group.append(order[k])
            last = max(last, end)
            k += 1
        centre = (first + last + 1) // 2
        start = min(max(0, centre - width // 2), n - width)
        windows.append(Window(start, start + width, group,
                              [[i - start for i in toks[g] if start <= i < start + width] or
                               [min(max(toks[g][0] - start, 0), width - 1)] for g in group]))
    return windows


def span_features(hidden: np.ndarray, spans: list[list[int]],
                  attention: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Per candidate: the mean of its trigger's vectors, [the window pooled by the trigger's own
    attention,] and the mean of the window. `hidden` is one window's last hidden state, [CLS]
    first; span positions exclude [CLS]. `attention` is (query, key) projections: the trigger
    vector's query scored against every token's key picks the context this candidate needs (its
    subject, object, negation…) — what the marked architecture got from a pass of its own."""
    sentence = hidden.mean(axis=0)
    trigger = np.stack([hidden[[i + 1 for i in span]].mean(axis=0) for span in spans])
    parts = [trigger]
    if attention is not None:
        wq, wk = attention
        scores = (trigger @ wq) @ (hidden @ wk).T / np.sqrt(wq.shape[1])
        parts.append(softmax(scores) @ hidden)
    parts.append(np.broadcast_to(sentence, trigger.shape))
    return np.concatenate(parts, axis=1).astype(np.float32)


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


def softmax(z: np.ndarray) -> np.ndarray:
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def optimised_model_path(model: Path, int8: bool = False) -> Path:
    """Where the optimised graph of `model` is kept in Chronicle's cache folder: keyed by the
    model file's content (the model is replaced when it is retrained) and onnxruntime's version;
    `int8`: its per-token int8 graph (`int8.py`), keyed by the model and its calibration too."""
    import hashlib

    import onnxruntime as ort

    if int8:
        from . import int8 as int8_graph

        digest = "int8" + int8_graph.key(model)
    else:
        with open(model, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha1").hexdigest()[:16]
    return cache.folder() / f"{model.stem}-{digest}-ort{ort.__version__}.onnx"


def _options(threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    # Idle intra-op threads spin by default: on a cold run of one short file (one window at a
    # time) that doubled the CPU the classifier's passes cost, and the machine is shared. Threads
    # and spinning change when work is done, never the numbers.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def open_session(model: Path, threads: int = 0, int8: bool | None = None):
    """An onnxruntime session over `model`, from its optimised graph in the cache when there.

    Optimising the int8 graph (fusing attention, layer norms, GELU) is most of what opening a
    session costs (~0.15 of 0.2 CPU s): it is done once, written to the cache folder, and later
    sessions read the result with optimisation off. It is saved at ORT_ENABLE_EXTENDED, the last
    level whose graph is not specific to this machine's CPU, and gives exactly the outputs of a
    fresh session at the default level (ALL) (`tests/test_classifier.py` asserts it). A cache file that is missing, unreadable or not a model is rebuilt; a cache folder
    that cannot be written only costs the optimisation again.

    `int8` (default: `int8.wanted`, i.e. on CPUs with exact int8 products when the model carries
    its calibration): the session runs the per-token int8 graph derived from `model` (`int8.py`),
    built once and cached the same way."""
    import onnxruntime as ort

    from . import int8 as int8_graph

    if int8 is None:
        int8 = int8_graph.wanted(model)
    source = (lambda: int8_graph.graph(model)) if int8 else (lambda: str(model))
    providers = ["CPUExecutionProvider"]
    try:
        cached = optimised_model_path(model, int8)
    except OSError:
        cached = None
    if cached is not None and cached.is_file():
        opts = _options(threads)
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            session = ort.InferenceSession(str(cached), opts, providers=providers)
            cache.used(cached)  # so that the cache's pruning keeps it (noatime mounts record none)
            return session
        except Exception:  # noqa: BLE001 — onnxruntime's errors share no base class: rebuild
            _remove(cached)
    opts = _options(threads)
    graph = source()
    if cached is None:
        return ort.InferenceSession(graph, opts, providers=providers)
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    # written under a name of this process's and moved into place: a concurrent reader sees the
    # old file or the whole new one
    tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        opts.optimized_model_filepath = str(tmp)
        session = ort.InferenceSession(graph, opts, providers=providers)
        tmp.replace(cached)
        cache.written(cached)  # a new model's graph: older ones may now be stale
        return session
    except Exception:  # noqa: BLE001 — no folder, no space, a read-only cache: optimise each time
        return ort.InferenceSession(graph, _options(threads), providers=providers)
    finally:
        _remove(tmp)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # a folder we cannot write to holds no file of ours


class EventClassifier:
    def __init__(self, model_dir: Path = MODEL_DIR, threads: int = 0, ensemble=()):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        card_path = model_dir / "events.json"
        if not card_path.exists():
            raise ClassifierMissingError(
                f"no event classifier in {model_dir}: run `make train` to build it")
        self.card = json.loads(card_path.read_text(encoding="utf-8"))
        self.arch: str = self.card.get("arch", "marked")
        self.labels: list[str] = self.card["labels"]
        self.temperature = float(self.card.get("temperature", 1.0))
        # an event needs P(no event) below this (0.5 unless the card says otherwise)
        self.none_threshold = float(self.card.get("none_threshold", 0.5))
        self.max_tokens = int(self.card.get("max_tokens", 96))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        if self.arch == "marked":
            self.tokenizer.enable_truncation(max_length=self.max_tokens)
            self.tokenizer.enable_padding()
        else:
            self.tokenizer.no_padding()
            self.tokenizer.no_truncation()
            head = np.load(model_dir / self.card.get("head", "events_head.npz"))
            self.head = [(head[f"w{i}"], head[f"b{i}"]) for i in range(len(head.files))
                         if f"w{i}" in head.files]
            self.attention = (head["wq"], head["wk"]) if "wq" in head.files else None
            self.cls_id = self.tokenizer.token_to_id("[CLS]")
            self.sep_id = self.tokenizer.token_to_id("[SEP]")
        from . import int8

        # the shipped 8-bit blocks, or the per-token int8 graph where the card or CHRONICLE_INT8 asks
        # for it and this CPU's int8 products are exact (`int8.wanted`); `products` says which answers
        self.int8 = int8.wanted(model_dir / "events.onnx")
        self.products = int8.products(model_dir / "events.onnx", self.int8)
        self.session = open_session(model_dir / "events.onnx", threads, self.int8)
        # an encoder exported for one unpadded window at a time has no mask input (session 14)
        self.takes_mask = "attention_mask" in {i.name for i in self.session.get_inputs()}
        # which window lengths share a pass (`windows_logits`): every length with the int8 graph;
        # with blocks in the graph (all of it, or the first layers the card keeps, `int8.py`) the
        # even lengths, if this CPU's kernel answers them exactly (`batch_exact`)
        all_int8 = self.int8 and not int8.blocks_layers(model_dir / "events.onnx")
        self.batch_lengths = "all" if all_int8 else (
            "even" if self.arch == "sentence" and batch_exact(self.hidden) else "none")
        # the other members of an ensemble (`ENSEMBLE`): their probabilities are averaged with ours
        missing = [str(d) for d in ensemble if not (Path(d) / "events.json").exists()]
        if missing:
            raise ClassifierMissingError(f"CHRONICLE_EVENT_ENSEMBLE names {', '.join(missing)}, "
                                         "which holds no event classifier (events.json)")
        self.others = [EventClassifier(Path(d), threads) for d in ensemble]
        for other, where in zip(self.others, ensemble):
            if other.labels != self.labels or other.arch != self.arch:
                raise ValueError(f"{where}: its labels or architecture differ from {model_dir}'s, "
                                 "so the two cannot answer as one ensemble")

    # -- the sentence architecture ------------------------------------------------------------

    def encode(self, ids: list[int]) -> np.ndarray:
        """Last hidden state of one window ([CLS] ids [SEP]), alone: no padding, no batch."""
        return self.hidden(np.array([[self.cls_id, *ids, self.sep_id]], dtype=np.int64))[0]

    def hidden(self, x: np.ndarray) -> np.ndarray:
        """Last hidden states of a batch of windows of one length ([CLS] … [SEP] ids, no padding)."""
        feed = {"input_ids": x, "attention_mask": np.ones_like(x)} if self.takes_mask else {"input_ids": x}
        return self.session.run(None, feed)[0]

    def windows_logits(self, by_sentence: dict[str, list[int]], items: list[Candidate]) -> np.ndarray:
        """The logits of `items`, grouped by sentence (`by_sentence`: text → indices into `items`).

        Every sentence's windows are planned first. With the int8 graph, windows of the same length
        in subwords are then encoded together, WINDOW_BATCH at a time: nothing is padded, so no mask
        is needed, and each window's numbers are bit for bit those it gets alone (its products
        quantize each token's row on its own; checked for every length 4–96 on the dev machine, and
        by `tests/test_classifier.py` wherever the graph runs), so a batch only shares the fixed cost
        of a pass: per window of 20 subwords 1.81 → 1.12 ms at batches of 8 (`python -m
        chronicle.scale.batching`; docs/BENCHMARKS.md, session 23). With the 8-bit blocks only
        windows of an even length share a pass: onnxruntime's `MatMulNBits` answers a product with
        an odd number of rows differently from one with an even number (every odd length 5–95 moved
        hidden states by up to 0.088 when batched), so an odd window's answer would depend on its
        neighbours; even ones are exact (`batch_exact` checks this CPU at load; 20 subwords 3.66 →
        2.98 ms a window, session 24)."""
        logits = np.zeros((len(items), len(self.labels)), dtype=np.float32)
        by_length: dict[int, list[tuple[list[int], Window, list[int]]]] = {}
        for text, members in by_sentence.items():
            enc = self.tokenizer.encode(text, add_special_tokens=False)
            spans = [(items[k][1], items[k][2]) for k in members]
            for win in plan_windows(enc.offsets, spans, self.max_tokens):
                ids = [self.cls_id, *enc.ids[win.start:win.end], self.sep_id]
                by_length.setdefault(len(ids), []).append((ids, win, [members[m] for m in win.members]))
        for length, group in by_length.items():
            shared = self.batch_lengths == "all" or (self.batch_lengths == "even" and length % 2 == 0)
            batch = WINDOW_BATCH if shared else 1
            for k in range(0, len(group), batch):
                part = group[k:k + batch]
                hidden = self.hidden(np.array([ids for ids, _, _ in part], dtype=np.int64))
                for h, (_, win, rows) in zip(hidden, part):
                    logits[rows] = self.apply_head(span_features(h, win.spans, self.attention))
        return logits

    def apply_head(self, x: np.ndarray) -> np.ndarray:
        for i, (w, b) in enumerate(self.head):
            x = x @ w + b
            if i < len(self.head) - 1:
                x = gelu(x)
        return x

    # -- the marked architecture --------------------------------------------------------------

    def marked_logits(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        logits = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        # sorting by length keeps padding (wasted work) small inside each batch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            logits[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return logits

    # -----------------------------------------------------------------------------------------

    def probabilities(self, items: list[Candidate | str]) -> np.ndarray:
        """Calibrated probabilities of every label for each candidate: a (sentence, start, end)
        triple, or for the marked architecture also an already marked text."""
        if self.arch == "marked":
            from .candidates import mark_span

            logits = self.marked_logits(
                [item if isinstance(item, str) else mark_span(*item) for item in items])
        else:
            by_sentence: dict[str, list[int]] = {}
            for k, (text, _, _) in enumerate(items):
                by_sentence.setdefault(text, []).append(k)
            logits = self.windows_logits(by_sentence, items)
        probs = softmax(logits / self.temperature)
        if self.others:
            probs = np.mean([probs] + [other.probabilities(items) for other in self.others], axis=0)
        return probs

    def predict(self, items: list[Candidate | str]) -> list[Prediction]:
        """An event when "no event" has less than half the probability (or less than the card's
        `none_threshold`); its type is then the most likely event type, with that type's
        probability as confidence. (Taking the overall argmax instead loses events whose
        probability is split between two close types, e.g. AID and MOBILIZE for troops landing.)"""
        if not items:
            return []
        probs = self.probabilities(items)
        none = self.labels.index("NONE")
        preds = []
        for row in probs:
            if row[none] >= self.none_threshold:
                preds.append(Prediction("NONE", float(row[none]), float(row[none]),
                                        {label: float(p) for label, p in zip(self.labels, row)
                                         if label != "NONE"}))
                continue
            events = row.copy()
            events[none] = -1.0
            best = int(events.argmax())
            preds.append(Prediction(self.labels[best], float(row[best]), float(row[none]),
                                    {label: float(p) for label, p in zip(self.labels, row)
                                     if label != "NONE"}))
        return preds


# Intra-op threads for onnxruntime; 0 lets it use every core. Worker processes of a pool set 1.
THREADS = 0


@lru_cache(maxsize=1)
def classifier() -> EventClassifier:
    return EventClassifier(threads=THREADS, ensemble=ENSEMBLE)
