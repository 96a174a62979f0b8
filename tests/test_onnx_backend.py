"""ONNX backend: same contract as the torch models (order, batching, cache), re-export on change."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from checker import onnx_backend  # noqa: E402
from checker.cli import main  # noqa: E402
from checker.config import Settings  # noqa: E402
from checker.errors import ClaimcheckError  # noqa: E402
from checker.ingest import read_articles  # noqa: E402
from checker.pipeline import Models, verify  # noqa: E402
from tests.conftest import SEEDS  # noqa: E402

PAIRS = [("Een man speelt gitaar.", "Niemand speelt gitaar."), ("A", "B"),
         ("Bij de aanval op de luchtmachtbasis zijn geen slachtoffers gevallen, meldt het Pentagon.", "Er vielen doden.")]
TEXTS = ["Een man speelt gitaar.", "Er zijn vooralsnog geen slachtoffers gevallen.", "Een man speelt gitaar.", "Kort."]


@pytest.fixture(scope="module")
def onnx_models(tiny_model_dirs) -> dict[str, object]:
    nli, embed = str(tiny_model_dirs["nli"]), str(tiny_model_dirs["embed"])
    return {"nli": onnx_backend.OnnxNLIModel(nli, int8=False), "nli8": onnx_backend.OnnxNLIModel(nli),
            "embed": onnx_backend.OnnxEmbedder(embed, int8=False), "embed8": onnx_backend.OnnxEmbedder(embed)}


def test_onnx_backend_nli_matches_torch(onnx_models, tiny_models):
    torch_probs = tiny_models.nli.predict(PAIRS)
    np.testing.assert_allclose(onnx_models["nli"].predict(PAIRS), torch_probs, atol=1e-5)
    np.testing.assert_allclose(onnx_models["nli8"].predict(PAIRS), torch_probs, atol=1e-2)


@pytest.mark.parametrize(("key", "atol"), [("nli", 1e-5), ("nli8", 1e-3)])
def test_onnx_backend_nli_order_and_batch_size_do_not_change_rows(onnx_models, key, atol):
    """int8 activations are quantised per batch, so int8 rows move slightly with their batch."""
    model = onnx_models[key]
    whole = model.predict(PAIRS, batch_size=32)
    np.testing.assert_allclose(model.predict(PAIRS, batch_size=1), whole, atol=atol)
    np.testing.assert_allclose(model.predict(PAIRS[::-1], batch_size=2), whole[::-1], atol=atol)
    assert model.predict([]).shape == (0, 3)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(PAIRS, batch_size=0)


def test_onnx_backend_batches_pad_only_to_their_longest_row(onnx_models):
    runner = onnx_models["nli8"].runner
    before = runner.padding
    onnx_models["nli8"].predict([PAIRS[1]] * 4 + [PAIRS[2]] * 4, batch_size=4)
    assert runner.padding == before  # equal lengths sorted together: no padding at all


def test_onnx_backend_embedder_matches_torch_and_caches(onnx_models, tiny_models, monkeypatch):
    embedder = onnx_models["embed"]
    vectors = embedder.encode(TEXTS)
    np.testing.assert_allclose(vectors, tiny_models.embedder.encode(TEXTS), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    calls = []
    monkeypatch.setattr(embedder.runner, "run", lambda rows: calls.append(rows))
    np.testing.assert_array_equal(embedder.encode(TEXTS[::-1]), vectors[::-1])
    assert calls == []  # every text was cached
    cosines = np.sum(onnx_models["embed8"].encode(TEXTS) * vectors, axis=1)
    assert cosines.min() > 0.99


def test_onnx_backend_verify_finds_what_torch_finds(onnx_models, tiny_models):
    settings = Settings(pair_threshold=-1.0, contradiction_threshold=0.0, agreement_threshold=0.0, device="cpu")
    articles = read_articles([str(SEEDS)])
    ours = verify(articles, settings, Models(onnx_models["embed"], onnx_models["nli"]))
    theirs = verify(articles, settings, tiny_models)
    assert ours.findings
    assert [(f.verdict, f.a.key, f.b.key) for f in ours.findings] == \
        [(f.verdict, f.a.key, f.b.key) for f in theirs.findings]


def test_onnx_backend_reexports_only_when_the_source_changes(tiny_model_dirs, tmp_path, monkeypatch):
    import shutil

    src = tmp_path / "nli"
    shutil.copytree(tiny_model_dirs["nli"], src)
    exported = []

    def fake_export(source, dest, kind, stamp):
        exported.append(source)
        dest.mkdir(parents=True, exist_ok=True)
        (dest / onnx_backend.META_FILE).write_text(json.dumps(stamp))

    monkeypatch.setattr(onnx_backend, "_export_atomic", fake_export)
    first = onnx_backend.onnx_folder(str(src), "nli")
    assert onnx_backend.onnx_folder(str(src), "nli") == first and len(exported) == 1
    (src / "config.json").write_text((src / "config.json").read_text() + "\n")
    onnx_backend.onnx_folder(str(src), "nli")
    assert len(exported) == 2


def test_onnx_backend_cli_nli(tiny_model_dirs, tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"premise": p, "hypothesis": h}) + "\n" for p, h in PAIRS))
    assert main(["nli", str(pairs), "--nli-model", str(tiny_model_dirs["nli"]), "--backend", "onnx"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(PAIRS) and all(abs(sum(x["probs"].values()) - 1) < 1e-4 for x in lines)


def test_onnx_backend_unknown_backend_is_an_error():
    with pytest.raises(ClaimcheckError, match="E303"):
        Settings().with_overrides(backend="tensorflow")
