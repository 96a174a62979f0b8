"""Model speed and accuracy per backend: sentences/s embedded, NLI pairs/s, padding, SICK-NL dev
accuracy, STS-B dev Spearman, and ``claimcheck nli`` on 2,000 pairs against a plain transformers
loop (batch 32, fp32) over the same model, both timed as whole processes (model loading included).

Sentences and pairs come from the synthetic corpus (``eval.bench.corpus``): real news-length
sentences, pairs drawn at random across its articles.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
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

ROUNDS = 3
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


def best_rates(n: int, runs: dict[str, Callable[[], object]], rounds: int = ROUNDS) -> dict[str, dict[str, float]]:
    """Items/s of each run over interleaved rounds: the best round and the median (other jobs share
    this CPU, so the best round is the closest to an idle machine)."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            started = time.perf_counter()
            fn()
            seconds[name].append(time.perf_counter() - started)
    return {name: {"best": round(n / min(s), 1), "median": round(n / statistics.median(s), 1)} for name, s in seconds.items()}


def input_order(n: int, batch_size: int):
    return (list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size))


def padding_share(tokenizer, pairs: list[tuple[str, str]], batches: list[list[int]]) -> float:
    """Share of the tokens fed to the model that are padding, for the given batches."""
    lengths = [len(ids) for ids in tokenizer([p for p, _ in pairs], [h for _, h in pairs], truncation=True,
                                             max_length=256)["input_ids"]]
    fed = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    return round(1 - sum(lengths) / fed, 4)


def embed_bench(texts: list[str], data: Path) -> dict[str, object]:
    """Sentences/s (cache bypassed), agreement of the onnx vectors with torch's, STS-B dev Spearman."""
    sts = [json.loads(line) for line in (data / "sts/stsb/nl_dev.jsonl").open(encoding="utf-8")]
    gold = np.asarray([float(r["score"]) for r in sts])
    embedders = {backend: load_embedder("e5-small", "cpu", 64, backend) for backend in ("torch", "onnx")}
    out: dict[str, object] = {"sentences": len(texts), "sentences_per_second": best_rates(len(texts), {
        backend: lambda e=e: e.embed_new([e.prefix + t for t in texts], False) for backend, e in embedders.items()})}
    vectors = {backend: e.encode(texts) for backend, e in embedders.items()}
    for backend, e in embedders.items():
        a, b = e.encode([r["sentence1"] for r in sts]), e.encode([r["sentence2"] for r in sts])
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
                              "sick_nl_dev_rows": len(sick), "sick_nl_dev_accuracy": {}}
    models = {name: load() for name, load in NLI_CONFIGS.items()}
    plain = models["torch_fp32"]
    runs = {"plain_transformers_loop_fp32_b32": lambda: plain_loop(plain, pairs)}
    runs.update({name: lambda m=m: m.predict(pairs, batch_size=32) for name, m in models.items()})
    for model in models.values():
        model.predict(pairs[:64])  # warm-up
    out["pairs_per_second"] = best_rates(len(pairs), runs)
    out["padding_share"] = {
        "input_order_b32": padding_share(plain.tokenizer, pairs, list(input_order(len(pairs), 32))),
        "length_sorted_b32": padding_share(plain.tokenizer, pairs, list(sorted_batches([char_length(p) for p in pairs], 32)))}
    for name, model in models.items():
        probs = model.predict(sick_pairs, batch_size=32)
        out["sick_nl_dev_accuracy"][name] = round(100 * float((probs.argmax(1) == gold).mean()), 2)
    speeds, accuracy = out["pairs_per_second"], out["sick_nl_dev_accuracy"]
    out["onnx_int8_speedup_vs_plain"] = round(speeds["onnx_int8"]["best"] / speeds["plain_transformers_loop_fp32_b32"]["best"], 2)
    out["onnx_int8_accuracy_change_points"] = round(accuracy["onnx_int8"] - accuracy["torch_fp32"], 2)
    return out


def cli_bench(pairs: list[tuple[str, str]], work: Path) -> dict[str, object]:
    """``claimcheck nli`` (torch, onnx) and the plain loop as processes on the same pairs file."""
    path = work / "nli_pairs.jsonl"
    path.write_text("".join(json.dumps({"premise": p, "hypothesis": h}, ensure_ascii=False) + "\n" for p, h in pairs),
                    encoding="utf-8")
    runs = {"plain_transformers_loop_fp32_b32": [sys.executable, "-m", "eval.bench.plain_nli", str(path)],
            "claimcheck_nli_torch": [sys.executable, "-m", "checker", "nli", str(path), "--backend", "torch", "--device", "cpu"],
            "claimcheck_nli_onnx": [sys.executable, "-m", "checker", "nli", str(path), "--backend", "onnx"]}
    measured: dict[str, list[dict]] = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, cmd in runs.items():
            measured[name].append(run_measured(cmd))
    processes = {name: {"seconds_best": min(r["seconds"] for r in rounds), "seconds_median": statistics.median(
        r["seconds"] for r in rounds), "peak_rss_mb": max(r["peak_rss_mb"] for r in rounds),
        "returncodes": sorted({r["returncode"] for r in rounds})} for name, rounds in measured.items()}
    best = {name: p["seconds_best"] for name, p in processes.items()}
    return {"pairs": len(pairs), "rounds": ROUNDS, "processes": processes,
            "onnx_speedup_vs_plain": round(best["plain_transformers_loop_fp32_b32"] / best["claimcheck_nli_onnx"], 2)}


def run(corpus: Path, data: Path, work: Path) -> dict[str, object]:
    """Rates in-process on 1,000 texts and pairs; the processes on 2,000 pairs (the issue's figure)."""
    texts, pairs = corpus_texts(corpus, 2000)
    return {"embed": embed_bench(texts[:1000], data), "nli": nli_bench(pairs[:1000], data), "cli": cli_bench(pairs, work)}
