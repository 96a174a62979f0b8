"""ONNX backend: same contract as the torch models (order, batching, cache), re-export on change."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from checker import models, onnx_backend
from checker.cli import main
from checker.config import Settings
from checker.errors import ClaimcheckError
from checker.ingest import read_articles
from checker.pipeline import Models, verify
from tests.conftest import SEEDS

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


@pytest.mark.parametrize(("key", "atol"), [("nli", 1e-5), ("nli8", 0.0)])
def test_onnx_backend_nli_order_and_batch_size_do_not_change_rows(onnx_models, key, atol):
    """Some int8 activations are quantised over the whole input, so the int8 graph runs row by row:
    a row's probabilities do not depend on its batch at all."""
    model = onnx_models[key]
    whole = model.predict(PAIRS, batch_size=32)
    np.testing.assert_allclose(model.predict(PAIRS, batch_size=1), whole, atol=atol)
    np.testing.assert_allclose(model.predict(PAIRS[::-1], batch_size=2), whole[::-1], atol=atol)
    assert model.predict([]).shape == (0, 3)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(PAIRS, batch_size=0)


def test_per_token_quantisation_keeps_a_row_independent_of_its_batch(onnx_models, tmp_path):
    """Linear layers quantised per token give a row the same output batched with others (padded) as
    alone, and stay close to fp32; one scale over the whole input (onnxruntime's own) does not."""
    folder = onnx_models["nli"].runner.folder
    rows = onnx_models["nli"].runner.tokenize(PAIRS)
    fp32 = onnx_models["nli"].runner.run(rows)
    outputs = {}
    for name, per_token, bits in (("every layer", ("MatMul",), 8), ("every layer, 7 bits", ("MatMul",), 7),
                                  ("none", (), 8)):
        quantised = tmp_path / name
        quantised.mkdir()
        for file in (onnx_backend.TOKENIZER_FILE, onnx_backend.META_FILE):
            shutil.copy(folder / file, quantised / file)
        onnx_backend.quantize(folder / onnx_backend.FP32_FILE, quantised / onnx_backend.INT8_FILE, per_token, bits)
        runner = onnx_backend.OnnxRunner(quantised)
        alone = runner.run(rows)
        runner.int8 = False  # one padded batch
        outputs[name] = (alone, runner.run(rows))
    for name in ("every layer", "every layer, 7 bits"):
        alone, batched = outputs[name]
        np.testing.assert_array_equal(batched, alone)
        np.testing.assert_allclose(alone, fp32, atol=1e-3)  # the random model's logits are ~0.01
    assert not np.array_equal(outputs["every layer"][0], outputs["every layer, 7 bits"][0])
    alone, batched = outputs["none"]
    assert np.abs(batched - alone).max() > 1e-6


def test_activation_bits_follow_the_cpu(tmp_path):
    """8-bit activations only where uint8 x int8 products cannot saturate (VNNI); 7 elsewhere."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_vnni\n")
    assert onnx_backend.activation_bits(cpuinfo) == 8
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n")
    onnx_backend.activation_bits.cache_clear()
    assert onnx_backend.activation_bits(cpuinfo) == 7
    assert onnx_backend.activation_bits(tmp_path / "missing") == 7


def test_onnx_backend_batches_pad_only_to_their_longest_row(onnx_models):
    runner = onnx_models["nli"].runner
    before = runner.padding
    onnx_models["nli"].predict([PAIRS[1]] * 4 + [PAIRS[2]] * 4, batch_size=4)
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


def _fake_export(exported: list):
    """Stands in for the export child process: files with their sha256 recorded, as the real one leaves them."""
    def export(source, dest, kind, stamp):
        exported.append(source)
        dest.mkdir(parents=True, exist_ok=True)
        files = (onnx_backend.INT8_FILE, onnx_backend.TOKENIZER_FILE)
        for file in files:
            (dest / file).write_text(f"{file} of {source}")
        sha = {file: models.sha256_file(dest / file) for file in files}
        (dest / onnx_backend.META_FILE).write_text(json.dumps(dict(stamp, sha256=sha)))
    return export


def test_onnx_backend_reexports_only_when_the_source_changes_or_a_file_is_corrupt(tiny_model_dirs, tmp_path,
                                                                                 monkeypatch):
    src = tmp_path / "nli"
    shutil.copytree(tiny_model_dirs["nli"], src)
    exported: list = []
    monkeypatch.setattr(onnx_backend, "_export_atomic", _fake_export(exported))
    first = onnx_backend.onnx_folder(str(src), "nli")
    assert onnx_backend.onnx_folder(str(src), "nli") == first and len(exported) == 1
    (src / "config.json").write_text((src / "config.json").read_text() + "\n")
    onnx_backend.onnx_folder(str(src), "nli")
    assert len(exported) == 2
    onnx_backend._checked.clear()  # a new process checks the files once
    onnx_backend.onnx_folder(str(src), "nli")
    assert len(exported) == 2
    (first / onnx_backend.INT8_FILE).write_text("truncated")
    onnx_backend._checked.clear()
    onnx_backend.onnx_folder(str(src), "nli")
    assert len(exported) == 3


def test_onnx_backend_hashes_a_file_again_only_when_its_size_or_time_changed(tiny_model_dirs, tmp_path, monkeypatch):
    """A new process trusts a file whose size and modification time are those recorded when it was
    last found whole (hashing the real graphs cost 0.3 s of every start); a changed file is hashed."""
    src = tmp_path / "nli"
    shutil.copytree(tiny_model_dirs["nli"], src)
    exported: list = []
    monkeypatch.setattr(onnx_backend, "_export_atomic", _fake_export(exported))
    folder = onnx_backend.onnx_folder(str(src), "nli")
    hashed: list = []
    real_sha256 = models.sha256_file
    monkeypatch.setattr(models, "sha256_file", lambda path: hashed.append(path.name) or real_sha256(path))
    onnx_backend._checked.clear()  # a new process: the fake export recorded no times, so it hashes both files
    assert onnx_backend.onnx_folder(str(src), "nli") == folder
    assert sorted(hashed) == sorted([onnx_backend.INT8_FILE, onnx_backend.TOKENIZER_FILE])
    hashed.clear()
    onnx_backend._checked.clear()  # the next one hashes nothing
    assert onnx_backend.onnx_folder(str(src), "nli") == folder and hashed == [] and len(exported) == 1
    model = folder / onnx_backend.INT8_FILE
    model.write_text(model.read_text().upper())  # same size, new time, other bytes
    onnx_backend._checked.clear()
    onnx_backend.onnx_folder(str(src), "nli")
    assert onnx_backend.INT8_FILE in hashed and len(exported) == 2


def test_onnx_backend_registered_model_is_checked_without_building_its_torch_folder(tmp_path, monkeypatch):
    """The shipped models' exports are current while the shipped files are: checking one neither
    builds nor reads the Hugging Face folder (needed only to export), and a new delta re-exports."""
    monkeypatch.setenv("CLAIMCHECK_CACHE", str(tmp_path))
    exported: list = []
    built: list = []
    monkeypatch.setattr(onnx_backend, "_export_atomic", _fake_export(exported))
    monkeypatch.setattr(models, "model_path", lambda name, rebuild=False: built.append(name) or tmp_path / "hf")
    folder = onnx_backend.onnx_folder(models.NLI, "nli")
    assert folder == tmp_path / "claimcheck-nli-v1.onnx" and built == [models.NLI] and len(exported) == 1
    onnx_backend._checked.clear()
    assert onnx_backend.onnx_folder(models.NLI, "nli") == folder and built == [models.NLI] and len(exported) == 1
    monkeypatch.setattr(models, "source_fingerprint", lambda name: "e5-small-q4.bin:1/a-newer-delta")
    onnx_backend.onnx_folder(models.NLI, "nli")
    assert len(exported) == 2 and json.loads((folder / onnx_backend.META_FILE).read_text())["source"].endswith("newer-delta")


def test_onnx_backend_export_records_the_sha256_of_its_files(onnx_models):
    folder = onnx_models["nli8"].runner.folder
    meta = onnx_backend.read_meta(folder)
    for file in (onnx_backend.FP32_FILE, onnx_backend.INT8_FILE, onnx_backend.TOKENIZER_FILE):
        assert meta["sha256"][file] == models.sha256_file(folder / file)


def test_onnx_backend_models_share_one_tokenizer_each_with_its_own_truncation(onnx_models, tiny_model_dirs):
    """The embedder and the NLI model carry the same tokenizer file: it is parsed once (0.7 s CPU for
    the real one) and each runner still truncates at its own length."""
    embed, nli = onnx_models["embed8"].runner, onnx_models["nli8"].runner
    assert embed.tokenizer is nli.tokenizer
    short = onnx_backend.OnnxNLIModel(str(tiny_model_dirs["nli"]), max_length=8).runner
    assert short.tokenizer is nli.tokenizer
    long_text = " ".join(["woord"] * 40)
    assert short.tokenize([long_text])[0].shape[1] == 8
    assert embed.tokenize([long_text])[0].shape[1] > 40
    assert short.tokenize([long_text])[0].shape[1] == 8


def test_onnx_backend_cli_nli(tiny_model_dirs, tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"premise": p, "hypothesis": h}) + "\n" for p, h in PAIRS))
    assert main(["nli", str(pairs), "--nli-model", str(tiny_model_dirs["nli"]), "--backend", "onnx"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(PAIRS) and all(abs(sum(x["probs"].values()) - 1) < 1e-4 for x in lines)


def test_onnx_backend_unknown_backend_is_an_error():
    with pytest.raises(ClaimcheckError, match="E303"):
        Settings().with_overrides(backend="tensorflow")


def test_first_run_off_a_terminal_says_what_it_builds(tiny_model_dirs, tmp_path):
    """Issue 14: a first run whose stderr is not a terminal (CI, a container log) used to build the
    models in silence for a minute; each build step is one line now."""
    for kind in ("nli", "embed"):
        shutil.copytree(tiny_model_dirs[kind], tmp_path / kind)
    done = subprocess.run([sys.executable, "-m", "checker", "verify", str(SEEDS), "--nli-model", str(tmp_path / "nli"),
                           "--embed-model", str(tmp_path / "embed"), "--device", "cpu"],
                          capture_output=True, text=True, env={**os.environ, "CLAIMCHECK_CACHE": str(tmp_path / "cache")})
    assert done.returncode in (0, 1), done.stderr
    lines = done.stderr.splitlines()
    for kind in ("embed", "nli"):
        assert any(line.startswith(f"claimcheck: exporting {kind} to ONNX int8 into ") for line in lines), lines
    assert json.loads(done.stdout)["stats"]["articles"] == 2


def test_models_build_says_each_step_unless_quiet(monkeypatch, tmp_path, caplog, capsys):
    steps: list = []
    monkeypatch.setattr(models, "model_path", lambda name, rebuild=False: steps.append(name) or tmp_path / name)
    monkeypatch.setattr(onnx_backend, "onnx_folder", lambda name, kind, model_file: steps.append(kind) or tmp_path / f"{name}.onnx")
    with caplog.at_level(logging.INFO, logger="checker.build"):
        assert main(["models", "build"]) == 0
    assert steps == [models.EMBEDDER, models.NLI, models.NER, "embed", "nli", "ner"]
    assert [r.getMessage() for r in caplog.records if r.name == "checker.build"] == [
        "[1/6] e5-small", "[2/6] claimcheck-nli", "[3/6] claimcheck-ner", "[4/6] e5-small.onnx", "[5/6] claimcheck-nli.onnx",
        "[6/6] claimcheck-ner.onnx"]
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"e5-small\t{tmp_path / 'e5-small'}" and out[-1] == f"claimcheck-ner.onnx\t{tmp_path / 'claimcheck-ner.onnx'}"
    caplog.clear()
    assert main(["models", "build", "--quiet"]) == 0
    assert not [r for r in caplog.records if r.name == "checker.build"]


@pytest.mark.slow
def test_models_build_finds_the_default_models_built(real_models, capsys):
    """After the first use (the fixture loads the default models) everything is built: `models build`
    only checks, and names the folders the ONNX backend runs."""
    assert main(["models", "build", "--quiet"]) == 0
    built = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert set(built) == {models.EMBEDDER, models.NLI, models.NER, "e5-small.onnx", "claimcheck-nli.onnx",
                          "claimcheck-ner.onnx"}
    assert os.path.samefile(built["claimcheck-nli.onnx"], real_models.nli.runner.folder)
    assert os.path.samefile(built["e5-small.onnx"], real_models.embedder.runner.folder)
