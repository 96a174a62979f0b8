"""NLI cross-encoder: P(entailment), P(neutral), P(contradiction) for claim pairs, both directions.

The label order is read from the model's ``config.id2label``, never assumed, so any Hugging
Face NLI model can be brought with ``--nli-model``. Inputs are sorted by length and batched
(little padding), run under ``torch.inference_mode``, and returned in input order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from checker import models
from checker.embed import default_device
from checker.errors import ClaimcheckError, Errors
from checker.types import LABELS, CandidatePair, ScoredPair

logger = logging.getLogger(__name__)

_ALIASES = {"entailment": "entailment", "entails": "entailment", "entail": "entailment",
            "neutral": "neutral", "contradiction": "contradiction", "contradicts": "contradiction",
            "contradict": "contradiction"}


class Predictor(Protocol):
    """What ``score_pairs`` needs of an NLI model (``NLIModel``, ``onnx_backend.OnnxNLIModel``)."""

    name: str

    def predict(self, pairs: list[tuple[str, str]], batch_size: int = 32,
                progress: Callable[[int], None] | None = None) -> np.ndarray: ...


def label_columns(id2label: dict) -> list[int]:
    """Model output columns in ``LABELS`` order (entailment, neutral, contradiction)."""
    by_name = {_ALIASES.get(str(name).strip().lower()): int(i) for i, name in id2label.items()}
    if not all(label in by_name for label in LABELS):
        raise ClaimcheckError(Errors.E106.format(name="model", labels=dict(id2label)))
    return [by_name[label] for label in LABELS]


def quantize_int8(model):
    """Dynamic int8 quantisation of the linear layers (CPU): weights int8, activations quantised
    per batch. eval/bench/results.md gives its speed and SICK-NL dev accuracy."""
    import torch

    return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class NLIModel:
    """A sequence-classification NLI model, loaded once."""

    def __init__(self, name: str = models.NLI, device: str | None = None, max_length: int = 256,
                 int8: bool = False):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.name = name
        path = models.resolve(name)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModelForSequenceClassification.from_pretrained(path)
        except (OSError, ValueError) as exc:
            raise ClaimcheckError(Errors.E104.format(name=name, why=str(exc).splitlines()[0])) from exc
        try:
            self.columns = label_columns(self.model.config.id2label)
        except ClaimcheckError as exc:
            raise ClaimcheckError(Errors.E106.format(name=name, labels=self.model.config.id2label)) from exc
        self.device = default_device(device)
        self.model.to(self.device).eval()
        self.max_length = max_length
        if int8 and self.device == "cpu":
            self.model = quantize_int8(self.model)

    def predict(self, pairs: list[tuple[str, str]], batch_size: int = 32,
                progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Probabilities, shape ``(len(pairs), 3)``, columns in ``LABELS`` order."""
        import torch

        def run(idx: list[int]) -> np.ndarray:
            enc = self.tokenizer([pairs[i][0] for i in idx], [pairs[i][1] for i in idx],
                                 padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="pt").to(self.device)
            logits = self.model(**enc).logits.float()
            return torch.softmax(logits, dim=-1)[:, self.columns].cpu().numpy()

        with torch.inference_mode():
            return run_sorted([char_length(p) for p in pairs], batch_size, 3, run, progress)


def char_length(item: str | tuple[str, str]) -> int:
    """The sort key of a text or a (premise, hypothesis) pair: its number of characters."""
    return len(item) if isinstance(item, str) else len(item[0]) + len(item[1])


def sorted_batches(lengths: list[int], batch_size: int) -> Iterator[list[int]]:
    """Input indices, longest first, in batches of ``batch_size``: each batch pads to a similar length."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def run_sorted(lengths: list[int], batch_size: int, width: int, run: Callable[[list[int]], np.ndarray],
               progress: Callable[[int], None] | None = None) -> np.ndarray:
    """``run(indices)`` over length-sorted batches; rows of the ``(n, width)`` result in input order."""
    out = np.zeros((len(lengths), width), dtype=np.float32)
    for idx in sorted_batches(lengths, batch_size):
        out[idx] = run(idx)
        if progress:
            progress(len(idx))
    return out


def both_directions(pairs: list[CandidatePair]) -> list[tuple[str, str]]:
    """(a, b) for every pair, then (b, a) for every pair: the inputs ``score_pairs`` scores."""
    return [(p.a.text, p.b.text) for p in pairs] + [(p.b.text, p.a.text) for p in pairs]


def scored_pairs(pairs: list[CandidatePair], probs: np.ndarray) -> list[ScoredPair]:
    """Pairs with the probabilities of ``both_directions(pairs)``, shape ``(2 * len(pairs), 3)``."""
    n = len(pairs)
    as_dict = lambda row: {label: round(float(v), 6) for label, v in zip(LABELS, row)}  # noqa: E731
    return [ScoredPair(p, as_dict(probs[i]), as_dict(probs[n + i])) for i, p in enumerate(pairs)]


def distinct_pairs(pairs: list[CandidatePair]) -> list[CandidatePair]:
    """The first pair of each distinct (a text, b text): wire copies and tiny articles repeat sentences."""
    distinct: dict[tuple[str, str], CandidatePair] = {}
    for pair in pairs:
        distinct.setdefault((pair.a.text, pair.b.text), pair)
    return list(distinct.values())


def score_pairs(pairs: list[CandidatePair], model: Predictor, batch_size: int = 32,
                progress: Callable[[int], None] | None = None) -> list[ScoredPair]:
    """NLI in both directions (a→b, b→a) in one batched call, each distinct pair of texts once;
    ``progress`` counts ``2 * len(pairs)`` inputs in all (the repeated ones at the end)."""
    distinct = distinct_pairs(pairs)
    scored = scored_pairs(distinct, model.predict(both_directions(distinct), batch_size=batch_size, progress=progress))
    if progress and len(distinct) < len(pairs):
        progress(2 * (len(pairs) - len(distinct)))
    by_texts = {(s.pair.a.text, s.pair.b.text): s for s in scored}
    return [ScoredPair(p, by_texts[(p.a.text, p.b.text)].forward, by_texts[(p.a.text, p.b.text)].backward)
            for p in pairs]
