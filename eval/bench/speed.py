"""Model speed and accuracy per backend: sentences/s embedded, NLI pairs/s, padding, SICK-NL dev
accuracy, STS-B dev Spearman, and ``claimcheck nli`` on 2,000 pairs against a plain transformers
loop (batch 32, fp32) over the same model, both timed as whole processes (model loading included).

Sentences and pairs come from the synthetic corpus (``eval.bench.corpus``): real news-length
sentences, pairs drawn at random across its articles.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from checker.config import Settings
from checker.infer import NLIModel, char_length, sorted_batches
from checker.ingest import read_articles
from checker.onnx_backend import OnnxNLIModel
from checker.pipeline import load_embedder
from checker.segment import segment
from checker.types import LABELS
from eval.bench.measure import run_measured
from eval.bench.plain_nli import plain_loop

# The NLI configurations compared; "onnx_int8" is what --backend onnx runs.
NLI_CONFIGS = {
    "torch_fp32": lambda: NLIModel(device="cpu"),
    "torch_int8": lambda: NLIModel(device="cpu", int8=True),
    "onnx_fp32": lambda: OnnxNLIModel(int8=False),
    "onnx_int8": lambda: OnnxNLIModel(),
}


def corpus_texts(corpus: Path, n: int, seed: int = 0) -> tuple[list[str], list[tuple[str, str]]]:
    """``n`` distinct claim texts of the corpus and ``n`` random cross-article pairs of claims."""
    claims = segment(read_articles([str(corpus)]), Settings())
    rng = random.Random(seed)
    texts = rng.sample(sorted({c.text for c in claims}), n)
    pairs = []
    while len(pairs) < n:
        a, b = rng.sample(claims, 2)
        if a.article_id != b.article_id:
            pairs.append((a.text, b.text))
    return texts, pairs


def per_second(n: int, fn) -> float:
    started = time.perf_counter()
    fn()
    return round(n / (time.perf_counter() - started), 1)


def input_order(n: int, batch_size: int):
    return (list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size))


def padding_share(tokenizer, pairs: list[tuple[str, str]], batches: list[list[int]]) -> float:
    """Share of the tokens fed to the model that are padding, for the given batches."""
    lengths = [len(ids) for ids in tokenizer([p for p, _ in pairs], [h for _, h in pairs], truncation=True,
                                             max_length=256)["input_ids"]]
    fed = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    return round(1 - sum(lengths) / fed, 4)


def embed_bench(texts: list[str], data: Path) -> dict[str, object]:
    """Sentences/s, agreement of the onnx vectors with torch's, and STS-B dev Spearman per backend."""
    out: dict[str, object] = {"sentences": len(texts)}
    vectors = {}
    sts = [json.loads(line) for line in (data / "sts/stsb/nl_dev.jsonl").open(encoding="utf-8")]
    gold = np.asarray([float(r["score"]) for r in sts])
    for backend in ("torch", "onnx"):
        embedder = load_embedder("e5-small", "cpu", 64, backend)
        a = embedder.encode([r["sentence1"] for r in sts])  # also the warm-up: no corpus text is cached
        started = time.perf_counter()
        vectors[backend] = embedder.encode(texts)
        out[f"{backend}_sentences_per_second"] = round(len(texts) / (time.perf_counter() - started), 1)
        b = embedder.encode([r["sentence2"] for r in sts])
        out[f"{backend}_stsb_nl_dev_spearman"] = round(spearman((a * b).sum(1), gold), 4)
    cosine = (vectors["torch"] * vectors["onnx"]).sum(1)
    out["onnx_vs_torch_cosine"] = {"mean": round(float(cosine.mean()), 5), "min": round(float(cosine.min()), 5)}
    return out


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))[0, 1])


def nli_bench(pairs: list[tuple[str, str]], data: Path) -> dict[str, object]:
    """Pairs/s on corpus pairs and accuracy on SICK-NL dev, per configuration and for the plain loop."""
    sick = [json.loads(line) for line in (data / "nli/sick_nl/dev.jsonl").open(encoding="utf-8")]
    sick_pairs = [(r["premise"], r["hypothesis"]) for r in sick]
    gold = np.asarray([LABELS.index(r["label"]) for r in sick])
    out: dict[str, object] = {"pairs": len(pairs), "mean_chars_per_pair": round(np.mean([char_length(p) for p in pairs]), 1),
                              "sick_nl_dev_rows": len(sick), "pairs_per_second": {}, "sick_nl_dev_accuracy": {}}
    for name, load in NLI_CONFIGS.items():
        model = load()
        model.predict(pairs[:64])
        if name == "torch_fp32":
            out["pairs_per_second"]["plain_transformers_loop_fp32_b32"] = per_second(len(pairs), lambda: plain_loop(model, pairs))
            out["padding_share"] = {"input_order_b32": padding_share(model.tokenizer, pairs, list(input_order(len(pairs), 32))),
                                    "length_sorted_b32": padding_share(model.tokenizer, pairs, list(sorted_batches(
                                        [char_length(p) for p in pairs], 32)))}
        out["pairs_per_second"][name] = per_second(len(pairs), lambda: model.predict(pairs, batch_size=32))
        probs = model.predict(sick_pairs, batch_size=32)
        out["sick_nl_dev_accuracy"][name] = round(100 * float((probs.argmax(1) == gold).mean()), 2)
    speeds, accuracy = out["pairs_per_second"], out["sick_nl_dev_accuracy"]
    out["onnx_int8_speedup_vs_plain"] = round(speeds["onnx_int8"] / speeds["plain_transformers_loop_fp32_b32"], 2)
    out["onnx_int8_accuracy_change_points"] = round(accuracy["onnx_int8"] - accuracy["torch_fp32"], 2)
    return out


def cli_bench(pairs: list[tuple[str, str]], work: Path) -> dict[str, object]:
    """``claimcheck nli`` (torch, onnx) and the plain loop as processes on the same pairs file."""
    path = work / "nli_pairs.jsonl"
    path.write_text("".join(json.dumps({"premise": p, "hypothesis": h}, ensure_ascii=False) + "\n" for p, h in pairs),
                    encoding="utf-8")
    runs = {"plain_transformers_loop_fp32_b32": [sys.executable, "-m", "eval.bench.plain_nli", str(path)],
            "claimcheck_nli_torch": [sys.executable, "-m", "checker", "nli", str(path), "--device", "cpu"],
            "claimcheck_nli_onnx": [sys.executable, "-m", "checker", "nli", str(path), "--backend", "onnx"]}
    out: dict[str, object] = {"pairs": len(pairs), "processes": {name: run_measured(cmd) for name, cmd in runs.items()}}
    seconds = {name: run["seconds"] for name, run in out["processes"].items()}
    out["onnx_speedup_vs_plain"] = round(seconds["plain_transformers_loop_fp32_b32"] / seconds["claimcheck_nli_onnx"], 2)
    return out


def run(corpus: Path, data: Path, work: Path, n: int = 2000) -> dict[str, object]:
    texts, pairs = corpus_texts(corpus, n)
    return {"embed": embed_bench(texts, data), "nli": nli_bench(pairs, data), "cli": cli_bench(pairs, work)}
