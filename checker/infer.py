"""NLI cross-encoder: P(entailment), P(neutral), P(contradiction) for claim pairs, both directions.

The label order is read from the model's ``config.id2label``, never assumed, so any Hugging
Face NLI model can be brought with ``--nli-model``. Inputs are sorted by length and batched
(little padding), run under ``torch.inference_mode``, and returned in input order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from checker import models
from checker.embed import default_device
from checker.errors import ClaimcheckError, Errors
from checker.types import LABELS, CandidatePair, ScoredPair

logger = logging.getLogger(__name__)

_ALIASES = {"entailment": "entailment", "entails": "entailment", "entail": "entailment",
            "neutral": "neutral", "contradiction": "contradiction", "contradicts": "contradiction",
            "contradict": "contradiction"}


def label_columns(id2label: dict) -> list[int]:
    """Model output columns in ``LABELS`` order (entailment, neutral, contradiction)."""
    by_name = {_ALIASES.get(str(name).strip().lower()): int(i) for i, name in id2label.items()}
    if not all(label in by_name for label in LABELS):
        raise ClaimcheckError(Errors.E106.format(name="model", labels=dict(id2label)))
    return [by_name[label] for label in LABELS]


def quantize_int8(model):
    """Dynamic int8 quantisation of the linear layers (CPU): weights int8, activations quantised
    per batch. eval/results/bench_nli.json gives its speed and SICK-NL dev accuracy."""
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

        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: -len(pairs[i][0]) - len(pairs[i][1]))
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                enc = self.tokenizer([pairs[i][0] for i in idx], [pairs[i][1] for i in idx],
                                     padding=True, truncation=True, max_length=self.max_length,
                                     return_tensors="pt").to(self.device)
                logits = self.model(**enc).logits.float()
                probs = torch.softmax(logits, dim=-1)[:, self.columns].cpu().numpy()
                out[idx] = probs
                if progress:
                    progress(len(idx))
        return out


def score_pairs(pairs: list[CandidatePair], model: NLIModel, batch_size: int = 32,
                progress: Callable[[int], None] | None = None) -> list[ScoredPair]:
    """NLI in both directions (a→b, b→a) in one batched call."""
    texts = [(p.a.text, p.b.text) for p in pairs] + [(p.b.text, p.a.text) for p in pairs]
    probs = model.predict(texts, batch_size=batch_size, progress=progress)
    n = len(pairs)
    as_dict = lambda row: {label: round(float(v), 6) for label, v in zip(LABELS, row)}  # noqa: E731
    return [ScoredPair(p, as_dict(probs[i]), as_dict(probs[n + i])) for i, p in enumerate(pairs)]
