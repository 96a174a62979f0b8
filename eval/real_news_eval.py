"""Verdicts on real multi-outlet news: what ``verify`` reports on BASIL event triplets.

Data: ``news_clusters/articles.jsonl`` (``--data``), the BASIL part: one event reported by Fox News,
The New York Times and HuffPost, full texts. Each event is given as one story, so this measures the
judge and the NLI model, not the grouping. Outlets covering one event mostly agree on its facts, so
most contradictions reported here are false alarms; every one is written out with its reasons for
reading by hand (``--out``), and the summary counts them per reason code and per 1,000 pairs. Agreements
are counted per reason code, and a fixed sample of them is written out for reading by hand too.

    python -m eval.real_news_eval --data ../shared/data --events 12 --out eval/results/real_news_eval.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

from checker.config import Settings
from checker.pipeline import Models, verify
from checker.stories import Stories
from checker.types import Article, Finding

AGREEMENT_SAMPLE = 30


def load(data: Path, events: int) -> list[Article]:
    by_event: dict[str, list[dict]] = defaultdict(list)
    for line in (data / "news_clusters" / "articles.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["id"].startswith("basil-"):
            by_event[row["event"]].append(row)
    chosen = sorted(by_event)[:events]
    return [Article(r["id"], r["text"], title=r.get("title"), date=r.get("date"), source=r.get("source"), lang="en")
            for event in chosen for r in by_event[event]]


def as_record(finding: Finding) -> dict[str, object]:
    return {"a": finding.a.text, "b": finding.b.text, "score": finding.score, "similarity": finding.similarity,
            "probs": finding.probs, "reasons": [f"{r.code}: {r.text}" for r in finding.reasons]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--events", type=int, default=12)
    parser.add_argument("--backend", default="onnx")
    parser.add_argument("--out", type=Path, default=Path("eval/results/real_news_eval.json"))
    args = parser.parse_args(argv)
    articles = load(args.data, args.events)
    settings = Settings(backend=args.backend)
    stories = Stories({a.id: a.id.rsplit("_", 1)[0] for a in articles})
    report = verify(articles, settings, Models.load(settings), stories=stories)
    pairs = int(report.stats["candidate_pairs"])
    verdicts = Counter(f.verdict for f in report.findings)
    codes = Counter(r.code for f in report.findings if f.verdict == "contradiction" for r in f.reasons)
    agreements = [f for f in report.findings if f.verdict == "agreement"]
    result = {
        "data": "news_clusters/articles.jsonl (BASIL)", "events": args.events, "articles": len(articles),
        "claims": len(report.claims), "pairs": pairs, "verdicts": dict(verdicts),
        "contradictions_per_1000_pairs": round(1000 * verdicts["contradiction"] / max(pairs, 1), 2),
        "contradiction_reasons": dict(codes),
        "agreement_reasons": dict(Counter(r.code for f in agreements for r in f.reasons)),
        "contradictions": [as_record(f) for f in report.findings if f.verdict == "contradiction"],
        # Most agreements between outlets are right or wrong at a glance: a fixed sample, for reading by hand.
        "agreements_sample": [as_record(f) for f in random.Random(0).sample(agreements, min(AGREEMENT_SAMPLE,
                                                                                              len(agreements)))],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("contradictions", "agreements_sample")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
