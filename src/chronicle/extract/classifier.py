"""Runtime of the event classifier: int8 ONNX over marked candidate sentences.

Loaded lazily, once per process. Needs only onnxruntime and tokenizers; the model, its tokenizer
and its card (labels, calibration temperature) are package data written by `make train`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models"


class ClassifierMissingError(RuntimeError):
    """The trained event classifier is not in the package."""


@dataclass
class Prediction:
    label: str
    confidence: float  # calibrated probability of `label`
    none_probability: float


class EventClassifier:
    def __init__(self, model_dir: Path = MODEL_DIR, threads: int = 0):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        card_path = model_dir / "events.json"
        if not card_path.exists():
            raise ClassifierMissingError(
                f"no event classifier in {model_dir}: run `make train` to build it")
        self.card = json.loads(card_path.read_text(encoding="utf-8"))
        self.labels: list[str] = self.card["labels"]
        self.temperature = float(self.card.get("temperature", 1.0))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(self.card.get("max_tokens", 96)))
        self.tokenizer.enable_padding()
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(model_dir / "events.onnx"), opts,
                                            providers=["CPUExecutionProvider"])

    def probabilities(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = []
        # sorting by length keeps padding (wasted work) small inside each batch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            logits = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            z = logits / self.temperature
            z = np.exp(z - z.max(axis=1, keepdims=True))
            out.append((idx, z / z.sum(axis=1, keepdims=True)))
        probs = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for idx, p in out:
            probs[idx] = p
        return probs

    def predict(self, texts: list[str]) -> list[Prediction]:
        """An event when "no event" has less than half the probability; its type is then the most
        likely event type, with that type's probability as confidence. (Taking the overall argmax
        instead loses events whose probability is split between two close types, e.g. AID and
        MOBILIZE for troops landing.)"""
        if not texts:
            return []
        probs = self.probabilities(texts)
        none = self.labels.index("NONE")
        preds = []
        for row in probs:
            if row[none] >= 0.5:
                preds.append(Prediction("NONE", float(row[none]), float(row[none])))
                continue
            events = row.copy()
            events[none] = -1.0
            best = int(events.argmax())
            preds.append(Prediction(self.labels[best], float(row[best]), float(row[none])))
        return preds


# Intra-op threads for onnxruntime; 0 lets it use every core. Worker processes of a pool set 1.
THREADS = 0


@lru_cache(maxsize=1)
def classifier() -> EventClassifier:
    return EventClassifier(threads=THREADS)
