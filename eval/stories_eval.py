"""Story grouping against real event labels: B-cubed precision, recall and F1.

    python -m eval.stories_eval --data ../shared/data [--out eval/results/stories_eval.json]

Data: ``news_clusters/articles.jsonl`` (1,551 real English articles from 91 outlets, 526 events:
AllSides roundups and BASIL triplets). The events are split in two halves by a hash of their id:
the *dev* half chooses the threshold, window and neighbour count (the grid below); the *test*
half reports the chosen setting, and the shipped defaults in ``checker/config.py``. Undated
articles are measured too (every article's date removed), since many inputs carry no date.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from checker.config import Settings
from checker.pipeline import load_embedder
from checker.stories import group, published, story_text
from checker.types import Article

THRESHOLDS = [round(t, 2) for t in np.arange(0.84, 0.95, 0.01)]
WINDOWS = [24.0, 48.0, 72.0, 168.0]
NEIGHBOURS = [5, 10, 20]


def bcubed(pred: list[int], gold: list[str], rows: list[int]) -> dict[str, float]:
    """B-cubed precision/recall/F1 (Bagga & Baldwin 1998) over the articles ``rows``."""
    clusters, events = defaultdict(set), defaultdict(set)
    for i in rows:
        clusters[pred[i]].add(i)
        events[gold[i]].add(i)
    precision = recall = 0.0
    for i in rows:
        shared = len(clusters[pred[i]] & events[gold[i]])
        precision += shared / len(clusters[pred[i]])
        recall += shared / len(events[gold[i]])
    p, r = precision / len(rows), recall / len(rows)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


def load(data: Path) -> tuple[list[Article], list[str]]:
    rows = [json.loads(line) for line in (data / "news_clusters" / "articles.jsonl").open(encoding="utf-8")]
    articles = [Article(id=r["id"], text=r["text"], title=r["title"], date=r["date"], source=r["source"],
                        lang=r["lang"]) for r in rows]
    return articles, [r["event"] for r in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("eval/results/stories_eval.json"))
    args = parser.parse_args(argv)
    articles, gold = load(args.data)
    half = [int(hashlib.md5(e.encode()).hexdigest(), 16) % 2 for e in gold]
    dev = [i for i, h in enumerate(half) if h == 0]
    test = [i for i, h in enumerate(half) if h == 1]
    settings = Settings()
    started = time.perf_counter()
    vectors = load_embedder(settings.embed_model, None, settings.embed_batch_size).encode(
        [story_text(a) for a in articles])
    embed_seconds = time.perf_counter() - started
    times = [published(a) for a in articles]

    def run(threshold: float, neighbours: int, window: float, dated: bool = True) -> list[int]:
        return group(vectors, times if dated else [None] * len(times), threshold=threshold,
                     neighbours=neighbours, window_hours=window)

    grid = []
    for window in WINDOWS:
        for k in NEIGHBOURS:
            for t in THRESHOLDS:
                grid.append({"window_hours": window, "neighbours": k, "threshold": t,
                             "dev": bcubed(run(t, k, window), gold, dev)})
    best = max(grid, key=lambda g: g["dev"]["f1"])
    undated = max(({"threshold": t, "dev": bcubed(run(t, 10, 0, dated=False), gold, dev)} for t in THRESHOLDS),
                  key=lambda g: g["dev"]["f1"])
    started = time.perf_counter()
    shipped = run(settings.story_threshold, settings.story_neighbours, settings.story_window_hours)
    group_seconds = time.perf_counter() - started
    result = {
        "data": "news_clusters/articles.jsonl", "articles": len(articles), "events": len(set(gold)),
        "split": {"dev_articles": len(dev), "test_articles": len(test)},
        "shipped": {"threshold": settings.story_threshold, "neighbours": settings.story_neighbours,
                    "window_hours": settings.story_window_hours,
                    "test": bcubed(shipped, gold, test), "all": bcubed(shipped, gold, list(range(len(gold)))),
                    "stories": len(set(shipped))},
        "best_on_dev": dict(best, test=bcubed(run(best["threshold"], best["neighbours"], best["window_hours"]),
                                              gold, test)),
        "undated_best_on_dev": dict(undated, test=bcubed(run(undated["threshold"], 10, 0, dated=False), gold, test)),
        "seconds": {"embed": round(embed_seconds, 1), "group": round(group_seconds, 3)},
        "grid": grid,
        "command": "python -m eval.stories_eval --data ../shared/data",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("shipped", "best_on_dev", "undated_best_on_dev")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
