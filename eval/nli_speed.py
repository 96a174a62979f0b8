"""``claimcheck nli`` with default options against a plain transformers loop, side by side in one process.

    python -m eval.nli_speed [--data ../shared/data/nli/sick_nl/dev.jsonl] [--rounds 3] [--out eval/results/nli_speed.json]

Issue 14's bar: the default ``claimcheck nli`` at least 2x a plain transformers loop (batch 32, fp32,
input order; ``eval.bench.plain_nli``) over the same model and pairs, with accuracy within 0.5
points. Both sides run in this process in alternating rounds, each round timed from loading the
model to the last probability: the CLI through ``checker.cli.main`` on a JSONL file of the pairs
(the process caches of tokenizer and checked folders emptied first, so each round loads as a new
process would), the loop with ``NLIModel`` on the rebuilt Hugging Face folder. Accuracy is over
the same rows (SICK-NL dev by default: 990 labelled pairs). Other jobs share the machine: the
median round is quoted, the best is the closest to an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from checker import models, onnx_backend
from checker.cli import main as claimcheck
from checker.infer import NLIModel, label_columns
from checker.types import LABELS
from eval.bench.measure import machine
from eval.bench.plain_nli import plain_loop

ROOT = Path(__file__).resolve().parents[1]


def run_cli(pairs_file: Path, out: Path) -> list[str]:
    """Labels from ``claimcheck nli PAIRS -o OUT`` with default options, as a fresh process loads."""
    onnx_backend._tokenizers.clear()
    onnx_backend._checked.clear()
    models._verified.clear()
    if claimcheck(["nli", str(pairs_file), "--output", str(out)]) != 0:
        raise RuntimeError("claimcheck nli failed")
    return [json.loads(line)["label"] for line in out.read_text().splitlines()]


def run_plain(pairs: list[tuple[str, str]]) -> list[str]:
    models._verified.clear()
    model = NLIModel(device="cpu")
    probs = plain_loop(model, pairs, batch_size=32)[:, label_columns(model.model.config.id2label)]
    return [LABELS[i] for i in probs.argmax(1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "nli" / "sick_nl" / "dev.jsonl")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "nli_speed.json")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [r for r in records if r["label"] in LABELS]
    pairs = [(r["premise"], r["hypothesis"]) for r in records]
    gold = [r["label"] for r in records]
    info, started = machine(), time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="nli_speed."))
    pairs_file = work / "pairs.jsonl"
    pairs_file.write_text("".join(json.dumps({"premise": p, "hypothesis": h}) + "\n" for p, h in pairs))
    runs = {"claimcheck_nli_default": lambda: run_cli(pairs_file, work / "out.jsonl"),
            "plain_transformers_loop_fp32_b32": lambda: run_plain(pairs)}
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    labels: dict[str, list[str]] = {}
    run_cli(pairs_file, work / "out.jsonl")  # unmeasured: builds and exports the models if needed
    for round_ in range(args.rounds):
        for name in (list(runs) if round_ % 2 == 0 else list(runs)[::-1]):
            t = time.perf_counter()
            labels[name] = runs[name]()
            seconds[name].append(round(time.perf_counter() - t, 2))
            print(name, seconds[name][-1], "s", file=sys.stderr, flush=True)
    accuracy = {name: round(100 * float(np.mean([g == p for g, p in zip(gold, found)])), 2) for name, found in labels.items()}
    result = {name: {"seconds": s, "seconds_median": statistics.median(s), "seconds_best": min(s),
                     "pairs_per_second_median": round(len(pairs) / statistics.median(s), 1), "accuracy": accuracy[name]}
              for name, s in seconds.items()}
    cli, plain = result["claimcheck_nli_default"], result["plain_transformers_loop_fp32_b32"]
    out = {"machine": info, "data": str(args.data), "pairs": len(pairs), "rounds": args.rounds,
           "default_backend": "onnx int8 (checker.config.Settings.backend)", "result": result,
           "speedup_median": round(plain["seconds_median"] / cli["seconds_median"], 2),
           "speedup_best": round(plain["seconds_best"] / cli["seconds_best"], 2),
           "accuracy_change_points": round(cli["accuracy"] - plain["accuracy"], 2),
           "load_average_after": [round(x, 2) for x in os.getloadavg()], "seconds": round(time.perf_counter() - started, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("speedup_median", "speedup_best", "accuracy_change_points")}
                     | {name: {k: v for k, v in r.items() if k != "seconds"} for name, r in result.items()}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
