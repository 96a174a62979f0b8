"""The analyze stage next to the embedding stage, per claim, on claims of the bench corpus.

Three timings over the same claims: the rule-based facts (quantities, times, polarity, source:
what ``verify`` computes for every claim), the entity tagger (what ``verify`` runs only for the
claims of possible findings, and ``claimcheck analyze`` for all), and the sentence embedder on both
backends. The issue's bound: analysis costs no more than embedding per claim.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from checker.analyze import EntityTagger, analyze
from checker.config import Settings
from checker.pipeline import load_embedder
from checker.segment import segment
from checker.types import Article


def _claims(corpus: Path, n: int):
    rows = [json.loads(line) for line in corpus.open(encoding="utf-8")]
    articles = [Article(r["id"], r["text"], title=r.get("title"), date=r.get("date"), lang=r.get("lang"))
                for r in rows]
    claims = segment(articles, Settings())[:n]
    return claims, {a.id: a for a in articles}


def _per_claim_ms(run, n: int, rounds: int = 2) -> float:
    best = min(_timed(run) for _ in range(rounds))
    return round(1000 * best / n, 3)


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def run(corpus: Path, n: int = 2000) -> dict[str, object]:
    claims, articles = _claims(corpus, n)
    texts = [c.text for c in claims]
    settings = Settings(device="cpu")
    tagger = EntityTagger(settings.ner_model, "cpu")
    result: dict[str, object] = {"claims": len(claims), "ms_per_claim": {
        "facts_without_entities": _per_claim_ms(lambda: analyze(claims, articles, tag=None), len(claims)),
        "facts_with_entities": _per_claim_ms(lambda: analyze(claims, articles, tag=tagger), len(claims)),
    }}
    for backend in ("torch", "onnx"):
        embedder = load_embedder(settings.embed_model, "cpu", settings.embed_batch_size, backend)

        def embed() -> None:
            embedder._cache.clear()  # time the model, not the cache of vectors per text
            embedder.encode(texts)

        result["ms_per_claim"][f"embed_{backend}"] = _per_claim_ms(embed, len(claims))
    return result
