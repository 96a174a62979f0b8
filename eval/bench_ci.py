"""Speed of `claimcheck ci`: one new article against a 10,000-article store, after the models are loaded.

    python -m eval.bench_ci --sentences ../shared/data/text_nl/ud_alpino/sentences.jsonl \
        ../shared/data/sts/stsb/nl_train.jsonl ../shared/data/sts/stsb/nl_dev.jsonl \
        [--articles 10000] [--store /tmp/claimcheck-bench/ci.db] [--runs 5] [--device cpu]

The corpus is synthetic but made of real sentences: each article is 4 to 8 sentences drawn from
the Dutch sentences at ``--sentences`` (newspaper sentences from UD Alpino, and the Dutch STS-B
sentences so that the store holds more than ``EXACT_UP_TO`` distinct texts and is searched through
the HNSW graph; read from there, never copied into the repository), in paragraphs of two, plus
the sample articles in seeds/. Some sentences are held
back to write the new articles, so the check embeds text it has not seen. The store is built
with ``claimcheck ingest``'s own functions (and reused when it already holds the corpus; it is
not re-embedded). Each run times what ``ci`` does after loading the models: open the store,
segment and embed the new article, search the index, score the pairs, judge, render JSON; and
splits the time into embedding, NLI and the rest (store, pairing, judging). It runs with ``ci``'s
default fp32 NLI and with ``--int8``. Writes eval/results/bench_ci.json with the machine, the
versions and the date.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from checker import __version__, gate
from checker.config import BACKENDS, Settings
from checker.ingest import read_articles
from checker.pipeline import Models, load_embedder
from checker.segment import segment
from checker.store import EXACT_UP_TO, Store, index_path
from checker.types import Article

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 5.0
CONTRADICTING = ("Bij de aanval op de legerbases in Irak zijn tientallen Amerikaanse soldaten omgekomen. "
                 "Iran vuurde in de nacht van dinsdag op woensdag raketten af op bases in Irak.")


def read_sentences(paths: list[Path]) -> list[str]:
    """Sentences that make claims (four words or more, ending in . ! or ?), in file order, unique.

    Reads the ``text`` field of each JSONL line, or ``sentence1``/``sentence2`` (STS) or
    ``premise``/``hypothesis`` (NLI).
    """
    out: dict[str, None] = {}
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                for field in ("text", "sentence1", "sentence2", "premise", "hypothesis"):
                    text = " ".join(str(record.get(field) or "").split())
                    if len(text.split()) >= 4 and text[-1] in ".!?" and text[0].isupper():
                        out[text] = None
    return list(out)


def synthetic_articles(sentences: list[str], n: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        picked = rng.sample(sentences, rng.randint(4, 8))
        paragraphs = [" ".join(picked[j : j + 2]) for j in range(0, len(picked), 2)]
        articles.append(Article(id=f"bench{i:05d}", text="\n\n".join(paragraphs), lang="nl",
                                date=f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}", source="synthetic"))
    return articles


def build_store(db: Path, articles: list[Article], settings: Settings) -> dict[str, float]:
    started = time.perf_counter()
    planned, unchanged = gate.plan_ingest(db, articles, settings)
    segmented = time.perf_counter()
    gate.ingest(db, planned, lambda: load_embedder(settings.embed_model, settings.device, settings.embed_batch_size),
                settings, batch_size=500)
    return {"segment_seconds": round(segmented - started, 1), "embed_write_index_seconds":
            round(time.perf_counter() - segmented, 1), "articles_added": len(planned), "articles_reused": unchanged}


def clock(obj: object, method: str, seconds: dict[str, float]) -> None:
    """Wrap ``obj.method`` so that ``seconds[method]`` adds up the time spent in it."""
    original = getattr(obj, method)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[method] += time.perf_counter() - started

    setattr(obj, method, timed)


def time_check(db: Path, article: Article, settings: Settings, models: Models,
               seconds: dict[str, float]) -> dict[str, object]:
    """One check as ``ci`` runs it; ``seconds`` holds the models' time (see ``clock``)."""
    seconds.clear()
    started = time.perf_counter()
    with Store.open(db) as store:
        store.check_embedder(gate.embedder_id(settings.embed_model))
        result = gate.check(store, [article], segment([article], settings), settings, models)
    gate.render(result, "json")
    total = time.perf_counter() - started
    stats = result.report.stats
    return {"article": article.id, "seconds": round(total, 3), "embed_seconds": round(seconds["encode"], 3),
            "nli_seconds": round(seconds["predict"], 3),
            "rest_seconds": round(total - seconds["encode"] - seconds["predict"], 3), "claims": stats["claims"],
            "candidate_pairs": stats["candidate_pairs"], "contradictions": stats["contradictions"],
            "exit_code": 1 if result.failing else 0}


def story_scope(db: Path, article: Article, settings: Settings, models: Models) -> dict[str, int]:
    """How much of the store a check reads: the stored articles of the new article's story (and of
    any story it nearly joined), against the whole store that ``ci`` searched before stories."""
    from checker.stories import story_text

    with Store.open(db) as store:
        stories, stored_ids = gate.story_scope(store, [article], models.embedder.encode([story_text(article)]), settings)
        total = store.counts()["articles"]
    return {"stored_articles_compared": len(stored_ids), "stored_articles": total}


def measure(db: Path, new: list[Article], settings: Settings) -> dict[str, object]:
    """Load the models for ``settings``, then time a check of each article in ``new``."""
    started = time.perf_counter()
    models = Models.load(settings)
    models.embedder.encode(["opwarmen"])  # first-call setup is part of loading, not of a check
    models.nli.predict([("Het regent.", "Het is droog.")])
    load_seconds = time.perf_counter() - started
    seconds: dict[str, float] = defaultdict(float)
    clock(models.embedder, "encode", seconds)
    clock(models.nli, "predict", seconds)
    load_before = os.getloadavg()
    runs = [time_check(db, article, settings, models, seconds) for article in new]
    load_after = os.getloadavg()
    for run in runs:
        print(json.dumps(run), file=sys.stderr)
    scopes = [story_scope(db, article, settings, models) for article in new]
    totals = [float(r["seconds"]) for r in runs]
    return {
        "nli": "int8" if settings.nli_int8 else "fp32", "backend": settings.backend,
        "model_load_seconds": round(load_seconds, 1),
        "median_seconds": round(statistics.median(totals), 3),
        "max_seconds": round(max(totals), 3),
        "max_seconds_outside_the_models": max(float(r["rest_seconds"]) for r in runs),
        "passed": max(totals) <= LIMIT_S,
        "story_scope": scopes,
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=Path, nargs="+", required=True,
                        help="JSONL files of Dutch sentences ('text', 'sentence1'/'sentence2' or 'premise'/'hypothesis')")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/claimcheck-bench/ci.db"))
    parser.add_argument("--runs", type=int, default=5, help="new articles checked, one at a time")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--backend", default="torch", choices=BACKENDS, help="ci --backend")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "bench_ci.json")
    args = parser.parse_args(argv)

    settings = Settings(device=args.device, backend=args.backend)
    sentences = read_sentences(args.sentences)
    random.Random(0).shuffle(sentences)
    held_back, pool = sentences[: 8 * args.runs], sentences[8 * args.runs :]
    seeds = read_articles([str(ROOT / "seeds")])
    corpus = synthetic_articles(pool, args.articles - len(seeds), seed=1) + seeds
    build = build_store(args.store, corpus, settings)
    print(f"store ready: {build}", file=sys.stderr)

    new = [Article(id="new-contradicting", text=CONTRADICTING, lang="nl", path="new-contradicting.txt")]
    new += [Article(id=f"new{i}", text="\n\n".join([" ".join(held_back[8 * i : 8 * i + 4]),
                                                    " ".join(held_back[8 * i + 4 : 8 * i + 8])]), lang="nl")
            for i in range(args.runs - 1)]
    # ci's default (fp32 NLI) and `ci --int8`
    configurations = [measure(args.store, new, replace(settings, nli_int8=int8)) for int8 in (False, True)]

    with Store.open(args.store) as store:
        counts = store.counts()
    result = {
        "what": "claimcheck ci: one new article against the store, after the models are loaded",
        "command": "python -m eval.bench_ci " + " ".join(sys.argv[1:] if argv is None else argv),
        "data": f"{', '.join(str(p) for p in args.sentences)} ({len(sentences)} distinct usable sentences,"
                f" {len(held_back)} held back for the new articles) + seeds/",
        "store": {"articles": counts["articles"], "claims": counts["claims"],
                  "distinct_claim_texts": counts["distinct_claim_texts"], "exact_search_up_to_texts": EXACT_UP_TO,
                  "database_mb": round(args.store.stat().st_size / 2**20, 1),
                  "index_mb": round(index_path(args.store).stat().st_size / 2**20, 1), **build},
        "limit_seconds": LIMIT_S,
        "configurations": configurations,
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "device": args.device},
        "versions": {"claimcheck": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "date": datetime.date.today().isoformat(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    summary = [{k: c[k] for k in ("nli", "median_seconds", "max_seconds", "passed")} for c in configurations]
    print(json.dumps(summary))
    return 0 if any(c["passed"] for c in configurations) else 1


if __name__ == "__main__":
    sys.exit(main())
