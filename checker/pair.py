"""Pair each claim with its most similar claims in OTHER articles of the SAME story.

Like sentence-transformers' ``semantic_search``, this takes vectors, not a model: scores are
computed in chunks, same-article pairs and pairs across stories are dropped, each pair is kept
once with the lower (article id, index) first, and the result is sorted by (-similarity, ids) so
it is stable. ``story`` maps an article id to its story; without it every article is in one story.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

from checker.types import CandidatePair, Claim


def pair_claims(queries: list[Claim], query_vectors: np.ndarray, corpus: list[Claim],
                corpus_vectors: np.ndarray, *, top_k: int, threshold: float, story: Mapping[str, str] | None = None,
                chunk_size: int = 1024) -> list[CandidatePair]:
    """Candidate pairs between ``queries`` and ``corpus`` (pass the same lists for all-vs-all).

    Args:
        queries, query_vectors: claims and their L2-normalised vectors, shape ``(n, d)``.
        corpus, corpus_vectors: the claims to search, shape ``(m, d)``.
        top_k: neighbours kept per query claim, from articles other than its own.
        threshold: minimum cosine similarity.
        story: article id -> story id; claims of different stories are never paired.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if len(queries) != len(query_vectors) or len(corpus) != len(corpus_vectors):
        raise ValueError("claims and vectors differ in length")
    if not queries or not corpus:
        return []
    corpus_articles = np.asarray([c.article_id for c in corpus])
    corpus_stories = _stories(corpus, story)
    best: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    k = min(top_k, len(corpus))
    for start in range(0, len(queries), chunk_size):
        block = queries[start : start + chunk_size]
        scores = query_vectors[start : start + chunk_size] @ corpus_vectors.T
        same = np.asarray([c.article_id for c in block])[:, None] == corpus_articles[None, :]
        scores[same] = -np.inf
        scores[_stories(block, story)[:, None] != corpus_stories[None, :]] = -np.inf
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < len(corpus) else \
            np.tile(np.arange(len(corpus)), (len(block), 1))
        for row, claim in enumerate(block):
            for col in top[row]:
                similarity = float(scores[row, col])
                if similarity == -np.inf or similarity < threshold:
                    continue
                a, b = sorted((claim, corpus[col]), key=lambda c: c.key)
                best.setdefault((a.key, b.key), CandidatePair(a, b, round(similarity, 6)))
    return merge_pairs(list(best.values()))


def pair_on_topics(queries: list[Claim], query_vectors: np.ndarray, query_topics: list[frozenset[str]],
                   corpus: list[Claim], corpus_vectors: np.ndarray, corpus_topics: list[frozenset[str]], *,
                   top_k: int, floor: float, story: Mapping[str, str] | None = None) -> list[CandidatePair]:
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
            if other.article_id == claim.article_id or not topics & corpus_topics[keyed[j]] \
                    or not _same_story(claim, other, story):
                continue
            a, b = sorted((claim, other), key=lambda c: c.key)
            best.setdefault((a.key, b.key), CandidatePair(a, b, round(float(scores[j]), 6)))
            taken += 1
    return list(best.values())


def pair_all(queries: list[Claim], query_vectors: np.ndarray, corpus: list[Claim], corpus_vectors: np.ndarray,
             story: Mapping[str, str] | None, max_pairs: int) -> list[CandidatePair]:
    """Every cross-article pair between ``queries`` and ``corpus`` inside each story whose corpus
    claims make at most ``max_pairs`` cross-article pairs: a small story is compared in full, so
    no dispute is lost to a similarity ranking (pass the same lists for all-vs-all)."""
    by_story: dict[str, list[int]] = {}
    for j, claim in enumerate(corpus):
        by_story.setdefault(_story(claim, story), []).append(j)
    small = {key for key, members in by_story.items() if cross_article_pairs([corpus[j] for j in members]) <= max_pairs}
    out: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    for i, claim in enumerate(queries):
        key = _story(claim, story)
        if key not in small:
            continue
        members = by_story[key]
        sims = corpus_vectors[members] @ query_vectors[i]
        for j, similarity in zip(members, sims):
            other = corpus[j]
            if other.article_id != claim.article_id:
                a, b = sorted((claim, other), key=lambda c: c.key)
                out.setdefault((a.key, b.key), CandidatePair(a, b, round(float(similarity), 6)))
    return merge_pairs(list(out.values()))


def cross_article_pairs(claims: list[Claim]) -> int:
    """How many pairs of claims from different articles there are: what scoring all pairs costs."""
    per_article = Counter(c.article_id for c in claims).values()
    return (sum(per_article) ** 2 - sum(n * n for n in per_article)) // 2


def _story(claim: Claim, story: Mapping[str, str] | None) -> str:
    return story.get(claim.article_id, "") if story else ""


def _stories(claims: list[Claim], story: Mapping[str, str] | None) -> np.ndarray:
    return np.asarray([_story(c, story) for c in claims], dtype=object)


def _same_story(a: Claim, b: Claim, story: Mapping[str, str] | None) -> bool:
    return _story(a, story) == _story(b, story)


def merge_pairs(*groups: list[CandidatePair]) -> list[CandidatePair]:
    """Union of candidate pairs (first occurrence wins), in the stable (-similarity, ids) order."""
    merged: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    for group in groups:
        for pair in group:
            merged.setdefault((pair.a.key, pair.b.key), pair)
    return sorted(merged.values(), key=lambda p: (-p.similarity, p.a.key, p.b.key))
