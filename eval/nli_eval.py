"""Evaluate any NLI model on any labelled JSONL: accuracy, macro-F1, per-class precision/recall.

    python -m eval.nli_eval --data ../shared/data/nli/sick_nl/dev.jsonl --name sick_nl_dev --backend torch
    python -m eval.nli_eval --data ../shared/data/nli/sick_nl/dev.jsonl --name sick_nl_dev_onnx   # the default backend
    python -m eval.nli_eval --data ../shared/data/nli/sick_en/train.jsonl --rows 8878:9868 --name sick_en_dev
    python -m eval.nli_eval --data ../shared/data/nli/xnli/all.jsonl --every 10 --name xnli_heldout
    python -m eval.nli_eval --model some/hub-or-folder --data pairs.jsonl

Lines need ``premise``, ``hypothesis`` and ``label`` (entailment / neutral / contradiction).
``--every N`` keeps the rows whose index within their language is divisible by N: the XNLI slice
that models/nli/train.py holds back (XNLI is parallel across languages, so the slice is held back
in every language). Results are merged into ``--out`` under ``--name``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from checker.config import BACKENDS, Settings
from checker.pipeline import load_nli
from models.nli.train import expected_calibration_error
from checker.types import LABELS


def load(path: Path, rows: str | None, every: int | None) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    if rows:
        start, end = (int(x) for x in rows.split(":"))
        records = records[start:end]
    if every:
        seen: Counter = Counter()
        kept = []
        for record in records:
            if seen[record.get("lang")] % every == 0:
                kept.append(record)
            seen[record.get("lang")] += 1
        records = kept
    return [r for r in records if r["label"] in LABELS]


def metrics(gold: list[str], predicted: list[str]) -> dict[str, object]:
    per_class = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        n_pred, n_gold = predicted.count(label), gold.count(label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "support": n_gold}
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold)
    return {"n": len(gold), "accuracy": round(accuracy, 4),
            "macro_f1": round(float(np.mean([c["f1"] for c in per_class.values()])), 4), "per_class": per_class}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="claimcheck-nli")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--rows", help="start:end slice of the file")
    parser.add_argument("--every", type=int, help="keep every N-th row per language")
    parser.add_argument("--name", help="key in the results file (default: the data file's stem)")
    parser.add_argument("--out", type=Path, default=Path("eval/results/nli_eval.json"))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--backend", choices=BACKENDS, default=Settings.backend)
    args = parser.parse_args(argv)
    records = load(args.data, args.rows, args.every)
    settings = Settings(nli_model=args.model, backend=args.backend)
    model = load_nli(settings.nli_model, settings.device, settings.nli_max_length, settings.nli_int8, settings.backend)
    started = time.perf_counter()
    probs = model.predict([(r["premise"], r["hypothesis"]) for r in records], batch_size=args.batch_size)
    seconds = time.perf_counter() - started
    result = metrics([r["label"] for r in records], [LABELS[i] for i in probs.argmax(1)])
    gold = np.asarray([LABELS.index(r["label"]) for r in records])
    result["ece"] = round(expected_calibration_error(probs, gold), 4)
    result.update(model=args.model, backend=args.backend, data=str(args.data), rows=args.rows, every=args.every,
                  pairs_per_second=round(len(records) / seconds, 1))
    name = args.name or args.data.stem
    merged = json.loads(args.out.read_text()) if args.out.exists() else {}
    merged[name] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")
    print(json.dumps({name: {k: result[k] for k in ("n", "accuracy", "macro_f1")}}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
