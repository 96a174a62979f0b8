"""Benchmarks, one command: ``python -m eval.bench --data ../shared/data``.

Builds the 1,000-article corpus (``eval.bench.corpus``) into ``--work``, then runs the parts and
writes ``eval/bench/results/<part>.json`` (each with the machine, versions, date and load) and the
table ``eval/bench/results.md``:

* ``quant``: how the int8 NLI model quantises its activations (``eval.bench.quant``);
* ``speed``: sentences/s, NLI pairs/s, padding, SICK-NL dev accuracy, ``claimcheck nli`` vs a
  plain transformers loop (``eval.bench.speed``);
* ``verify``: end to end on seeds/ and the corpus, per backend and engine (``eval.bench.verify_runs``);
* ``recall``: pairing recall over k and the threshold against all cross-article pairs (``eval.bench.recall``);
* ``planted``: the same curve on the planted pairs (``eval.bench.recall.planted``);
* ``analysis``: the analyze stage per claim next to the embedder (``eval.bench.analysis``).

``--only`` runs some parts; the table is redrawn from whatever results files exist.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

from eval.bench import analysis, corpus, measure, quant, recall, speed, table, verify_runs

RESULTS = Path(__file__).resolve().parent / "results"


@functools.cache
def onnx_models():
    """Loaded once for the recall and planted parts, which then share the embedding cache."""
    from checker.config import Settings
    from checker.pipeline import Models

    settings = Settings(backend="onnx", device="cpu")
    return settings, Models.load(settings)


def recall_part(corpus_dir: Path, data: Path, work: Path) -> dict[str, object]:
    return dict(recall.measure(corpus_dir / "corpus.jsonl", *onnx_models()), backend="onnx")


def planted_part(corpus_dir: Path, data: Path, work: Path) -> dict[str, object]:
    return dict(recall.planted(corpus_dir / "corpus.jsonl", corpus_dir / "planted.jsonl", *onnx_models()), backend="onnx")


PARTS = {
    "quant": lambda corpus_dir, data, work: quant.run(speed.corpus_texts(corpus_dir / "corpus.jsonl", 1000, seed=1)[1], data, work),
    "speed": lambda corpus_dir, data, work: speed.run(corpus_dir / "corpus.jsonl", data, work),
    "verify": lambda corpus_dir, data, work: verify_runs.run(corpus_dir, work),
    "stories": lambda corpus_dir, data, work: verify_runs.stories(corpus_dir, work),
    "recall": recall_part,
    "planted": planted_part,
    "analysis": lambda corpus_dir, data, work: analysis.run(corpus_dir / "corpus.jsonl"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder (read, never copied)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/claimcheck-bench"), help="corpus and reports")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args(argv)
    corpus_dir = args.work / "corpus"
    corpus.write(corpus_dir, *corpus.build(args.data, args.articles))
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.only.split(","):
        print(f"bench {name}", file=sys.stderr, flush=True)
        started, before = time.perf_counter(), measure.machine()
        result = PARTS[name](corpus_dir, args.data, args.work)
        doc = {"machine": before, "load_average_after": measure.machine()["load_average"],
               "seconds": round(time.perf_counter() - started, 1), "result": result}
        (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    (RESULTS.parent / "results.md").write_text(table.render(RESULTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
