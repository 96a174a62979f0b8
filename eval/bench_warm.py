"""Warm ``claimcheck verify seeds/``: wall time of the whole process with the models already built.

    python -m eval.bench_warm [--rounds 7] [--backends onnx,torch] [--out eval/results/bench_warm.json]

What a user waits for when checking two articles (issue 14: 27 s on the torch backend, the work
itself under 2 s). One unmeasured run first builds the models if needed and warms the page cache;
then the backends' runs alternate, each a fresh process started the way the console script starts
(``python -m checker verify seeds/ --quiet``), timed with its CPU time and peak memory. Other jobs
share this machine: the load average is recorded before every run, and the median is the figure
quoted (the best run is the one closest to an idle machine). A last process on the default backend
reports which heavy packages a warm run imports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from eval.bench.measure import machine, run_measured

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
HEAVY = ("torch", "transformers", "sentence_transformers", "onnxruntime", "spacy")
_IMPORTED = ("import sys; from checker.cli import main; main(['verify', {seeds!r}, '--quiet', '--output', '/dev/null']); "
             "print(sorted(m for m in {heavy!r} if m in sys.modules))")


def command(backend: str) -> list[str]:
    return [sys.executable, "-m", "checker", "verify", str(SEEDS), "--quiet", "--backend", backend]


def heavy_imports() -> list[str]:
    """The heavy packages a warm ``verify`` on the default backend has imported when it ends."""
    code = _IMPORTED.format(seeds=str(SEEDS), heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backends", default="onnx,torch", help="comma-separated; the first is the default one")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "bench_warm.json")
    args = parser.parse_args(argv)
    backends = args.backends.split(",")
    started = time.perf_counter()
    info = machine()
    warmup = {b: run_measured(command(b)) for b in backends}
    runs: dict[str, list[dict]] = {b: [] for b in backends}
    for _ in range(args.rounds):
        for backend in backends:
            load = round(os.getloadavg()[0], 2)
            runs[backend].append(dict(run_measured(command(backend)), load_average_1min=load))
            print(backend, runs[backend][-1]["seconds"], "s, load", load, file=sys.stderr, flush=True)
    result = {backend: {"seconds_median": statistics.median(r["seconds"] for r in rs),
                        "seconds_best": min(r["seconds"] for r in rs),
                        "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in rs),
                        "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in rs),
                        "returncodes": sorted({r["returncode"] for r in rs}), "runs": rs,
                        "warmup_seconds": warmup[backend]["seconds"]}
              for backend, rs in runs.items()}
    out = {"machine": info, "command": "python -m checker verify seeds/ --quiet --backend B", "rounds": args.rounds,
           "result": result, "default_backend_imports": heavy_imports(),
           "load_average_after": [round(x, 2) for x in os.getloadavg()], "seconds": round(time.perf_counter() - started, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({b: {k: v for k, v in r.items() if k != "runs"} for b, r in result.items()}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
