"""Pair each claim with its most similar claims in OTHER articles (top-k above a threshold).

Like sentence-transformers' ``semantic_search``, this takes vectors, not a model: scores are
computed in chunks, same-article pairs are dropped, each pair is kept once with the lower
(article id, index) first, and the result is sorted by (-similarity, ids) so it is stable.
"""

from __future__ import annotations

import numpy as np

from checker.types import CandidatePair, Claim


def pair_claims(queries: list[Claim], query_vectors: np.ndarray, corpus: list[Claim],
                corpus_vectors: np.ndarray, *, top_k: int, threshold: float,
                chunk_size: int = 1024) -> list[CandidatePair]:
    """Candidate pairs between ``queries`` and ``corpus`` (pass the same lists for all-vs-all).

    Args:
        queries, query_vectors: claims and their L2-normalised vectors, shape ``(n, d)``.
        corpus, corpus_vectors: the claims to search, shape ``(m, d)``.
        top_k: neighbours kept per query claim, from articles other than its own.
        threshold: minimum cosine similarity.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if len(queries) != len(query_vectors) or len(corpus) != len(corpus_vectors):
        raise ValueError("claims and vectors differ in length")
    if not queries or not corpus:
        return []
    corpus_articles = np.asarray([c.article_id for c in corpus])
    best: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    k = min(top_k, len(corpus))
    for start in range(0, len(queries), chunk_size):
        block = queries[start : start + chunk_size]
        scores = query_vectors[start : start + chunk_size] @ corpus_vectors.T
        same = np.asarray([c.article_id for c in block])[:, None] == corpus_articles[None, :]
        scores[same] = -np.inf
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < len(corpus) else \
            np.tile(np.arange(len(corpus)), (len(block), 1))
        for row, claim in enumerate(block):
            for col in top[row]:
                similarity = float(scores[row, col])
                if similarity < threshold:
                    continue
                a, b = sorted((claim, corpus[col]), key=lambda c: c.key)
                best.setdefault((a.key, b.key), CandidatePair(a, b, round(similarity, 6)))
    return sorted(best.values(), key=lambda p: (-p.similarity, p.a.key, p.b.key))
