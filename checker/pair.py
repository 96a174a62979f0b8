"""Pair each claim with its most similar claims in OTHER articles of the SAME story.

Like sentence-transformers' ``semantic_search``, this takes vectors, not a model: scores are
computed in chunks, same-article pairs and pairs across stories are dropped, each pair is kept
once with the lower (article id, index) first, and the result is sorted by (-similarity, ids) so
it is stable. ``story`` maps an article id to its story; without it every article is in one story.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

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
        story: article id -> story id; claims of different stories are never paired (each story
            is searched on its own: the cost grows with the stories' sizes, not the corpus').
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if len(queries) != len(query_vectors) or len(corpus) != len(corpus_vectors):
        raise ValueError("claims and vectors differ in length")
    pairs: list[CandidatePair] = []
    for q, c in _story_blocks(queries, corpus, story):
        pairs.extend(_nearest([queries[i] for i in q], query_vectors[q], [corpus[j] for j in c], corpus_vectors[c],
                              top_k, threshold, chunk_size))
    return merge_pairs(pairs)


def _nearest(queries: list[Claim], query_vectors: np.ndarray, corpus: list[Claim], corpus_vectors: np.ndarray,
             top_k: int, threshold: float, chunk_size: int) -> list[CandidatePair]:
    """Each query's ``top_k`` most similar corpus claims of other articles, at or above ``threshold``."""
    corpus_articles = np.asarray([c.article_id for c in corpus])
    best: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    k = min(top_k, len(corpus))
    for start in range(0, len(queries), chunk_size):
        block = queries[start : start + chunk_size]
        scores = query_vectors[start : start + chunk_size] @ corpus_vectors.T
        scores[np.asarray([c.article_id for c in block])[:, None] == corpus_articles[None, :]] = -np.inf
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < len(corpus) else \
            np.tile(np.arange(len(corpus)), (len(block), 1))
        for row, claim in enumerate(block):
            for col in top[row]:
                similarity = float(scores[row, col])
                if similarity == -np.inf or similarity < threshold:
                    continue
                a, b = sorted((claim, corpus[col]), key=lambda c: c.key)
                best.setdefault((a.key, b.key), CandidatePair(a, b, round(similarity, 6)))
    return list(best.values())


def pair_on_topics(queries: list[Claim], query_vectors: np.ndarray, query_topics: list[frozenset[str]],
                   corpus: list[Claim], corpus_vectors: np.ndarray, corpus_topics: list[frozenset[str]], *,
                   top_k: int, floor: float, story: Mapping[str, str] | None = None) -> list[CandidatePair]:
    """Pairs of claims that count the same thing (a shared topic key such as "casualties"),
    up to ``top_k`` per claim above a lower similarity ``floor``, within each story.

    Embedding neighbours rank claims by shared names and places; "no casualties so far" and
    "dozens of soldiers were killed" sit below the kNN threshold (cosine 0.81 on the seeds)
    although they are the pair a fact-checker wants compared first.
    """
    best: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    for q, c in _story_blocks(queries, corpus, story):
        keyed = [j for j in c if corpus_topics[j]]
        if not keyed:
            continue
        sub_vectors = corpus_vectors[keyed]
        for row in q:
            claim, topics = queries[row], query_topics[row]
            if not topics:
                continue
            scores = sub_vectors @ query_vectors[row]
            taken = 0
            for j in np.argsort(-scores, kind="stable"):
                other = corpus[keyed[j]]
                if taken >= top_k or scores[j] < floor:
                    break
                if other.article_id == claim.article_id or not topics & corpus_topics[keyed[j]]:
                    continue
                a, b = sorted((claim, other), key=lambda c: c.key)
                best.setdefault((a.key, b.key), CandidatePair(a, b, round(float(scores[j]), 6)))
                taken += 1
    return list(best.values())


def _story_blocks(queries: list[Claim], corpus: list[Claim],
                  story: Mapping[str, str] | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(query rows, corpus rows) of each story that has both; without stories, one block of all."""
    if story is None:
        yield np.arange(len(queries)), np.arange(len(corpus))
        return
    corpus_rows = _rows_by_story(corpus, story)
    for key, rows in _rows_by_story(queries, story).items():
        if key in corpus_rows:
            yield np.asarray(rows), np.asarray(corpus_rows[key])


def _rows_by_story(claims: list[Claim], story: Mapping[str, str] | None) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, claim in enumerate(claims):
        rows.setdefault(_story(claim, story), []).append(i)
    return rows


def pair_all(queries: list[Claim], query_vectors: np.ndarray, corpus: list[Claim], corpus_vectors: np.ndarray,
             story: Mapping[str, str] | None, max_pairs: int) -> list[CandidatePair]:
    """Every cross-article pair between ``queries`` and ``corpus`` inside each story whose corpus
    claims make at most ``max_pairs`` cross-article pairs: a small story is compared in full, so
    no dispute is lost to a similarity ranking (pass the same lists for all-vs-all)."""
    by_story = _rows_by_story(corpus, story)
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


def merge_pairs(*groups: list[CandidatePair]) -> list[CandidatePair]:
    """Union of candidate pairs (first occurrence wins), in the stable (-similarity, ids) order."""
    merged: dict[tuple[tuple[str, int], tuple[str, int]], CandidatePair] = {}
    for group in groups:
        for pair in group:
            merged.setdefault((pair.a.key, pair.b.key), pair)
    return sorted(merged.values(), key=lambda p: (-p.similarity, p.a.key, p.b.key))
