"""How the int8 NLI model quantises its activations (``checker.onnx_backend.PER_TOKEN``,
``activation_bits``).

The NLI model is quantised by each recipe, and its probabilities compared with the fp32 ONNX
model's on random cross-article corpus pairs and on 2,000 SICK-NL train pairs: mean absolute
change and argmax agreement (flips). Each recipe's pairs/s over the corpus pairs, rows run alone
as the checker runs them, comes from interleaved rounds. SICK-NL dev is not used here, so the
accuracy measured there (``speed``, ``eval.nli_speed``) stays a held-out check of the choice.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path

import numpy as np

from checker import models
from checker.onnx_backend import FP32_FILE, INT8_FILE, META_FILE, PER_TOKEN, TOKENIZER_FILE, OnnxNLIModel, OnnxRunner, \
    onnx_folder, quantize
from eval.bench.speed import best_rates

RECIPES = {  # name: (layers quantised per token, activation bits)
    "one scale per input (onnxruntime's dynamic int8)": ((), 8),
    "per token: attention output and feed-forward layers (the checker's on VNNI CPUs)": (PER_TOKEN, 8),
    "the same in 7 bits, 7-bit weights elsewhere (the checker's on other CPUs)": (PER_TOKEN, 7),
    "per token: every linear layer": (("MatMul",), 8),
}


def sick_train_pairs(data: Path, n: int = 2000, seed: int = 1) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (data / "nli" / "sick_nl" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    return [(r["premise"], r["hypothesis"]) for r in random.Random(seed).sample(rows, n)]


def fidelity(probs: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    return {"mean_abs_change": round(float(np.abs(probs - reference).mean()), 4),
            "argmax_agreement": round(float((probs.argmax(1) == reference.argmax(1)).mean()), 4),
            "argmax_flips": int((probs.argmax(1) != reference.argmax(1)).sum())}


def run(pairs: list[tuple[str, str]], data: Path, work: Path) -> dict[str, object]:
    source = onnx_folder(models.NLI, "nli")
    sets = {"corpus_pairs": pairs, "sick_nl_train": sick_train_pairs(data)}
    reference = OnnxNLIModel(int8=False)
    expected = {name: reference.predict(rows) for name, rows in sets.items()}
    base = OnnxNLIModel()  # each recipe gets a copy with its own runner: the shipped graph loads once
    recipes = {}
    for index, (name, (per_token, bits)) in enumerate(RECIPES.items()):
        folder = work / f"quant-{index}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for file in (TOKENIZER_FILE, META_FILE):
            shutil.copy(source / file, folder / file)
        quantize(source / FP32_FILE, folder / INT8_FILE, per_token, bits)
        recipes[name] = copy.copy(base)
        recipes[name].runner = OnnxRunner(folder)
    out: dict[str, object] = {"pairs": {name: len(rows) for name, rows in sets.items()}, "per_token_in_checker": list(PER_TOKEN),
                              "recipes": {name: {s: fidelity(model.predict(rows), expected[s]) for s, rows in sets.items()}
                                          for name, model in recipes.items()}}
    rates = best_rates(len(pairs), {name: (lambda m=model: m.predict(pairs)) for name, model in recipes.items()})
    for name, rate in rates.items():
        out["recipes"][name]["corpus_pairs_per_second"] = rate
    return out
