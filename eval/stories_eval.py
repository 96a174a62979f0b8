"""Story grouping against real event labels: B-cubed precision, recall and F1.

    python -m eval.stories_eval --data ../shared/data [--out eval/results/stories_eval.json]

Data: ``news_clusters/articles.jsonl`` (1,551 real English articles from 91 outlets, 526 events:
AllSides roundups and BASIL triplets). The events are split in two halves by a hash of their id,
and each half is grouped on its own: the *dev* half chooses the threshold, window and neighbour
count (the grid below); the *test* half reports the chosen setting and the shipped defaults in
``checker/config.py``. The whole set is grouped too (more articles, more chances to merge wrongly).
Undated articles are measured as well (every date removed), since many inputs carry no date.
``--vectors FILE`` keeps the article vectors between runs (an .npy cache; computed when missing).
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
from checker.stories import EXACT_UP_TO, group, published, story_text
from checker.types import Article

THRESHOLDS = [round(t, 2) for t in np.arange(0.84, 0.95, 0.01)]
WINDOWS = [24.0, 48.0, 72.0, 168.0]
NEIGHBOURS = [5, 10, 20]


def bcubed(pred: list[int], gold: list[str], rows: list[int] | None = None) -> dict[str, float]:
    """B-cubed precision/recall/F1 (Bagga & Baldwin 1998) over the articles ``rows`` (default all)."""
    rows = list(range(len(pred))) if rows is None else rows
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
    parser.add_argument("--vectors", type=Path, default=None, help="cache of the article vectors (.npy)")
    args = parser.parse_args(argv)
    articles, gold = load(args.data)
    half = [int(hashlib.md5(e.encode()).hexdigest(), 16) % 2 for e in gold]
    dev = [i for i, h in enumerate(half) if h == 0]
    test = [i for i, h in enumerate(half) if h == 1]
    settings = Settings()
    started = time.perf_counter()
    if args.vectors and args.vectors.exists():
        vectors = np.load(args.vectors)
    else:
        vectors = load_embedder(settings.embed_model, None, settings.embed_batch_size).encode(
            [story_text(a) for a in articles])
        if args.vectors:
            np.save(args.vectors, vectors)
    embed_seconds = time.perf_counter() - started
    times = [published(a) for a in articles]

    def score(rows: list[int], threshold: float, neighbours: int, window: float, dated: bool = True,
              exact_up_to: int = EXACT_UP_TO) -> dict:
        """Group the articles ``rows`` on their own and score them."""
        labels = group(vectors[rows], [times[i] if dated else None for i in rows], threshold=threshold,
                       neighbours=neighbours, window_hours=window, exact_up_to=exact_up_to)
        return dict(bcubed(labels, [gold[i] for i in rows]), stories=len(set(labels)))

    grid = [{"window_hours": window, "neighbours": k, "threshold": t, "dev": score(dev, t, k, window)}
            for window in WINDOWS for k in NEIGHBOURS for t in THRESHOLDS]
    best = max(grid, key=lambda g: g["dev"]["f1"])
    undated = max(({"threshold": t, "dev": score(dev, t, 10, 0, dated=False)} for t in THRESHOLDS),
                  key=lambda g: g["dev"]["f1"])
    shipped = (settings.story_threshold, settings.story_neighbours, settings.story_window_hours)
    started = time.perf_counter()
    on_all = score(list(range(len(gold))), *shipped)
    group_seconds = time.perf_counter() - started
    result = {
        "data": "news_clusters/articles.jsonl", "articles": len(articles), "events": len(set(gold)),
        "split": {"dev_articles": len(dev), "test_articles": len(test)},
        "shipped": {"threshold": shipped[0], "neighbours": shipped[1], "window_hours": shipped[2],
                    "dev": score(dev, *shipped), "test": score(test, *shipped), "all": on_all},
        "best_on_dev": dict(best, test=score(test, best["threshold"], best["neighbours"], best["window_hours"])),
        # The HNSW path (used above EXACT_UP_TO articles) forced on all articles, with and without dates.
        "shipped_hnsw": {"dated": score(list(range(len(gold))), *shipped, exact_up_to=0),
                         "undated": score(list(range(len(gold))), *shipped, dated=False, exact_up_to=0)},
        "shipped_undated_exact": score(list(range(len(gold))), *shipped, dated=False),
        "undated_best_on_dev": dict(undated, test=score(test, undated["threshold"], 10, 0, dated=False)),
        "seconds": {"embed": round(embed_seconds, 1), "group_all": round(group_seconds, 3)},
        "grid": grid,
        "command": "python -m eval.stories_eval --data ../shared/data",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("shipped", "shipped_hnsw", "shipped_undated_exact", "best_on_dev",
                                             "undated_best_on_dev")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
