"""``claimcheck verify`` end to end, as a user runs it: one process per run, timed, peak RSS measured.

Runs the sample articles (seeds/) and the 1,000-article corpus on each backend, and the corpus on
the ray engine (a local Ray instance the process starts), and compares the ray engine's findings
with the local engine's. Peak RSS is the verify process's own (``wait4``); Ray's actors run in
worker processes of their own and are not included in the ray run's figure.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from eval.bench.measure import run_measured

ROOT = Path(__file__).resolve().parents[2]
# (corpus, backend, engine)
RUNS = (("seeds", "torch", "local"), ("seeds", "onnx", "local"), ("corpus", "onnx", "local"),
        ("corpus", "onnx", "ray"), ("corpus", "torch", "local"))


def verify_run(path: Path, backend: str, engine: str, out: Path, stories: Path | str | None = None) -> dict[str, object]:
    cmd = [sys.executable, "-m", "checker", "verify", str(path), "--format", "json", "--output", str(out),
           "--quiet", "--device", "cpu", "--backend", backend, "--engine", engine]
    if stories:
        cmd += ["--stories", str(stories)]
    run = run_measured(cmd)
    report = json.loads(out.read_text()) if out.exists() else {}
    stats = report.get("stats", {})
    run.update({k: stats.get(k) for k in ("articles", "stories", "claims", "candidate_pairs", "nli_calls",
                                          "all_cross_article_pairs", "agreements", "contradictions", "updates")})
    if report:
        story = {a["id"]: a["story"] for a in report["articles"]}
        run["cross_story_findings"] = sum(story[f["claims"][0]["article"]] != story[f["claims"][1]["article"]]
                                          for f in report["findings"])
    if stats:
        run["nli_call_share"] = round(stats["candidate_pairs"] / max(1, stats["all_cross_article_pairs"]), 6)
        run["articles_per_minute"] = round(60 * stats["articles"] / run["seconds"], 1)
        run["pipeline_seconds"] = stats["seconds"]
    return run


def finding_set(path: Path) -> dict[str, tuple[str, float]]:
    return {f["id"]: (f["verdict"], f["score"]) for f in json.loads(path.read_text())["findings"]}


def planted_found(report: Path, planted: Path) -> dict[str, dict[str, int]]:
    """Planted pairs found with the expected verdict (contradiction, entailment -> agreement)."""
    expected = {"contradiction": "contradiction", "entailment": "agreement", "neutral": None}
    found = {frozenset(c["text"] for c in f["claims"]): f["verdict"] for f in json.loads(report.read_text())["findings"]}
    out: dict[str, Counter] = {}
    for line in planted.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        verdict = found.get(frozenset((row["premise"], row["hypothesis"])))
        out.setdefault(row["label"], Counter())["planted"] += 1
        out[row["label"]]["reported_as_" + str(verdict)] += 1
        out[row["label"]]["as_expected"] += verdict == expected[row["label"]]
    return {label: dict(counts) for label, counts in out.items()}


def run(corpus_dir: Path, work: Path) -> dict[str, object]:
    paths = {"seeds": ROOT / "seeds", "corpus": corpus_dir / "corpus.jsonl"}
    results: dict[str, object] = {}
    for backend in sorted({backend for _, backend, _ in RUNS}):
        # Unmeasured: the first onnx run exports both models into the user cache, a one-off step
        # (docs/scale.md) that is not what a user's runs cost.
        verify_run(paths["seeds"], backend, "local", work / f"warmup_{backend}.json")
    for name, backend, engine in RUNS:
        print(f"verify {name} {backend} {engine}", file=sys.stderr, flush=True)
        stories = corpus_dir / "stories.json" if name == "corpus" else None  # its events (eval/bench/corpus.py)
        results[f"{name}_{backend}_{engine}"] = verify_run(paths[name], backend, engine,
                                                           work / f"{name}_{backend}_{engine}.json", stories)
    local, ray = finding_set(work / "corpus_onnx_local.json"), finding_set(work / "corpus_onnx_ray.json")
    results["ray_vs_local"] = {
        "findings_local": len(local), "findings_ray": len(ray), "same_ids_and_verdicts": {k: v[0] for k, v in local.items()}
        == {k: v[0] for k, v in ray.items()}, "max_score_difference": max(
            (abs(local[k][1] - ray[k][1]) for k in local.keys() & ray.keys()), default=0.0)}
    results["planted_onnx_local"] = planted_found(work / "corpus_onnx_local.json", corpus_dir / "planted.jsonl")
    return results


# (backend, engine) of the runs of the ``stories`` part: the corpus inside its stories (issue 12)
STORY_RUNS = (("torch", "local"), ("onnx", "local"))


def stories(corpus_dir: Path, work: Path) -> dict[str, object]:
    """``verify`` on the corpus with its events as stories (``--stories``): time, peak RSS, NLI calls,
    planted pairs found, and findings between articles of different stories (there must be none)."""
    results: dict[str, object] = {}
    for backend, engine in STORY_RUNS:
        verify_run(ROOT / "seeds", backend, engine, work / f"warmup_{backend}.json")
        out = work / f"stories_{backend}_{engine}.json"
        print(f"verify corpus in stories {backend} {engine}", file=sys.stderr, flush=True)
        results[f"corpus_{backend}_{engine}"] = verify_run(corpus_dir / "corpus.jsonl", backend, engine, out,
                                                           corpus_dir / "stories.json")
        results[f"planted_{backend}_{engine}"] = planted_found(out, corpus_dir / "planted.jsonl")
    # the same corpus story-blind, on the same machine: what verify cost before stories
    results["corpus_onnx_local_story_blind"] = verify_run(corpus_dir / "corpus.jsonl", "onnx", "local",
                                                          work / "stories_onnx_blind.json", "none")
    return results
