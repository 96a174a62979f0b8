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
    return merge_pairs(list(best.values()))


def pair_on_topics(queries: list[Claim], query_vectors: np.ndarray, query_topics: list[frozenset[str]],
                   corpus: list[Claim], corpus_vectors: np.ndarray, corpus_topics: list[frozenset[str]], *,
                   top_k: int, floor: float) -> list[CandidatePair]:
    """Pairs of claims that count the same thing (a shared topic key such as "casualties"),
    up to ``top_k`` per claim above a lower similarity ``floor``.

    Embedding neighbours rank claims by shared names and places; "no casualties so far" and
    "dozens of soldiers were killed" sit below the kNN threshold (cosine 0.81 on the seeds)
    although they are the pair a fact-checker wants compared first.
    """
    keyed = [i for i, t in enumerate(corpus_topics) if t]
    if not keyed:
        return []
    best: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    sub_vectors = corpus_vectors[keyed]
    for row, (claim, topics) in enumerate(zip(queries, query_topics)):
        if not topics:
            continue
        scores = sub_vectors @ query_vectors[row]
        ranked = sorted(range(len(keyed)), key=lambda j: -scores[j])
        taken = 0
        for j in ranked:
            other = corpus[keyed[j]]
            if taken >= top_k or scores[j] < floor:
                break
            if other.article_id == claim.article_id or not topics & corpus_topics[keyed[j]]:
                continue
            a, b = sorted((claim, other), key=lambda c: c.key)
            best.setdefault((a.key, b.key), CandidatePair(a, b, round(float(scores[j]), 6)))
            taken += 1
    return list(best.values())


def merge_pairs(*groups: list[CandidatePair]) -> list[CandidatePair]:
    """Union of candidate pairs (first occurrence wins), in the stable (-similarity, ids) order."""
    merged: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    for group in groups:
        for pair in group:
            merged.setdefault((pair.a.key, pair.b.key), pair)
    return sorted(merged.values(), key=lambda p: (-p.similarity, p.a.key, p.b.key))
