"""NLI throughput on news-length sentence pairs (2 CPU cores here), batched.

    python -m eval.bench_nli [--pairs 2000]

Compares claimcheck's path (length-sorted batches, fp32, and the int8 option) with a plain
transformers loop over the same model (batch 32, fp32, input order). Pairs are made from the
sentences of the sample articles (seeds/), so their length is that of real news claims.
Writes eval/results/bench_nli.json with the machine, versions and date.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from checker.config import Settings
from checker.infer import NLIModel
from checker.ingest import read_articles
from checker.segment import segment

ROOT = Path(__file__).resolve().parents[1]


def news_pairs(n: int) -> list[tuple[str, str]]:
    claims = segment(read_articles([str(ROOT / "seeds")]), Settings())
    first = [c.text for c in claims if c.article_id == claims[0].article_id]
    second = [c.text for c in claims if c.article_id != claims[0].article_id]
    return list(itertools.islice(itertools.cycle(itertools.product(first, second)), n))


def plain_loop(model: NLIModel, pairs: list[tuple[str, str]], batch_size: int = 32) -> None:
    """The baseline: a plain transformers loop, input order, fp32, no length sorting."""
    with torch.inference_mode():
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            enc = model.tokenizer([p for p, _ in chunk], [h for _, h in chunk], padding=True, truncation=True,
                                  max_length=model.max_length, return_tensors="pt")
            torch.softmax(model.model(**enc).logits, dim=-1)


def timed(fn, pairs) -> float:
    started = time.perf_counter()
    fn(pairs)
    return round(len(pairs) / (time.perf_counter() - started), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "eval/results/bench_nli.json")
    args = parser.parse_args(argv)
    pairs = news_pairs(args.pairs)
    fp32 = NLIModel(device="cpu")
    int8 = NLIModel(device="cpu", int8=True)
    fp32.predict(pairs[:64])  # warm-up
    int8.predict(pairs[:64])
    result = {
        "date": datetime.date.today().isoformat(), "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
        "python": platform.python_version(), "pairs": len(pairs),
        "mean_chars_per_pair": round(sum(len(p) + len(h) for p, h in pairs) / len(pairs), 1),
        "pairs_per_second": {
            "plain_transformers_loop_fp32_b32": timed(lambda p: plain_loop(fp32, p), pairs),
            "claimcheck_fp32_sorted_b32": timed(lambda p: fp32.predict(p, batch_size=32), pairs),
            "claimcheck_int8_sorted_b32": timed(lambda p: int8.predict(p, batch_size=32), pairs),
        },
    }
    speeds = result["pairs_per_second"]
    result["speedup_int8_vs_plain"] = round(speeds["claimcheck_int8_sorted_b32"] / speeds["plain_transformers_loop_fp32_b32"], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
