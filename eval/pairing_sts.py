"""Tune the pairing threshold on STS-B (Dutch and English dev): what a cosine cut keeps and drops.

    python -m eval.pairing_sts --data ../shared/data/sts/stsb

Writes eval/results/pairing_sts.json: for each threshold, the share of "roughly equivalent"
pairs (gold score >= 3) kept and of unrelated pairs (gold score < 1) dropped, per language.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from checker.embed import Embedder

THRESHOLDS = [round(0.80 + 0.01 * i, 2) for i in range(15)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="the stsb folder")
    parser.add_argument("--out", type=Path, default=Path("eval/results/pairing_sts.json"))
    args = parser.parse_args(argv)
    embedder = Embedder()
    result: dict[str, object] = {"model": embedder.name}
    for lang in ("nl", "en"):
        rows = [json.loads(line) for line in (args.data / f"{lang}_dev.jsonl").open(encoding="utf-8")]
        a = embedder.encode([r["sentence1"] for r in rows])
        b = embedder.encode([r["sentence2"] for r in rows])
        cosine = (a * b).sum(1)
        gold = np.asarray([float(r["score"]) for r in rows])
        related, unrelated = gold >= 3.0, gold < 1.0
        spearman = float(np.corrcoef(np.argsort(np.argsort(cosine)), np.argsort(np.argsort(gold)))[0, 1])
        result[lang] = {
            "pairs": len(rows), "spearman": round(spearman, 4),
            "curve": [{"threshold": t, "related_kept": round(float((cosine[related] >= t).mean()), 4),
                       "unrelated_dropped": round(float((cosine[unrelated] < t).mean()), 4)} for t in THRESHOLDS],
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
