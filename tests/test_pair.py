"""Pair: top-k across articles above a threshold, never within one article, stable order."""

from __future__ import annotations

import numpy as np
import pytest

from checker.pair import pair_claims
from checker.types import Claim


def _claims(spec: list[str]) -> list[Claim]:
    return [Claim(article_id=a, index=i, text=f"{a}{i}", start=0, end=1, lang="nl") for i, a in enumerate(spec)]


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_pair_never_within_one_article_and_respects_threshold():
    claims = _claims(["a", "a", "b", "c"])
    vectors = _unit([[1, 0, 0], [1, 0.01, 0], [1, 0.1, 0], [0, 0, 1]])
    pairs = pair_claims(claims, vectors, claims, vectors, top_k=3, threshold=0.5)
    keys = {(p.a.key, p.b.key) for p in pairs}
    assert keys == {(("a", 0), ("b", 2)), (("a", 1), ("b", 2))}
    assert all(p.a.article_id != p.b.article_id for p in pairs)


def test_pair_top_k_limits_neighbours_and_order_is_stable():
    claims = _claims(["q", "x", "y", "z"])
    vectors = _unit([[1, 0], [1, 0.1], [1, 0.2], [1, 0.3]])
    pairs = pair_claims(claims[:1], vectors[:1], claims, vectors, top_k=2, threshold=0.0)
    assert [p.b.article_id for p in pairs] == ["x", "y"]
    assert [p.similarity for p in pairs] == sorted((p.similarity for p in pairs), reverse=True)
    again = pair_claims(claims[:1], vectors[:1], claims, vectors, top_k=2, threshold=0.0)
    assert pairs == again


def test_pair_each_pair_once_lower_key_first():
    claims = _claims(["b", "a"])
    vectors = _unit([[1, 0], [1, 0]])
    (pair,) = pair_claims(claims, vectors, claims, vectors, top_k=5, threshold=0.0)
    assert (pair.a.article_id, pair.b.article_id) == ("a", "b")


def test_pair_chunking_gives_the_same_result():
    rng = np.random.default_rng(0)
    claims = _claims([f"art{i % 7}" for i in range(60)])
    vectors = _unit(rng.normal(size=(60, 8)).tolist())
    whole = pair_claims(claims, vectors, claims, vectors, top_k=3, threshold=0.2)
    chunked = pair_claims(claims, vectors, claims, vectors, top_k=3, threshold=0.2, chunk_size=7)
    assert whole == chunked and whole


def test_pair_rejects_bad_arguments():
    claims = _claims(["a"])
    with pytest.raises(ValueError, match="top_k"):
        pair_claims(claims, _unit([[1, 0]]), claims, _unit([[1, 0]]), top_k=0, threshold=0.5)
    assert pair_claims([], np.zeros((0, 2)), claims, _unit([[1, 0]]), top_k=1, threshold=0.0) == []


def test_pair_on_topics_pairs_counts_below_the_knn_threshold():
    """Claims that count the same thing are paired down to the floor, never within one article."""
    from checker.pair import merge_pairs, pair_on_topics

    claims = _claims(["a", "b", "b", "c"])
    vectors = _unit([[1, 0], [1, 0.9], [1, 0.85], [1, 3]])
    topics = [frozenset({"casualties"}), frozenset({"casualties"}), frozenset(), frozenset({"missiles"})]
    pairs = pair_on_topics(claims, vectors, topics, claims, vectors, topics, top_k=3, floor=0.7)
    assert [(p.a.key, p.b.key) for p in pairs] == [(("a", 0), ("b", 1))]
    assert pair_on_topics(claims, vectors, topics, claims, vectors, topics, top_k=3, floor=0.99) == []
    knn = pair_claims(claims, vectors, claims, vectors, top_k=1, threshold=0.0)
    merged = merge_pairs(knn, pairs)
    assert len(merged) == len({(p.a.key, p.b.key) for p in knn + pairs})


def test_pairing_inside_stories_grows_with_the_stories_not_the_corpus():
    """100,000 tiny articles (issue 15): 20,000 claims in 3,334 stories pair in well under a few
    seconds; comparing every claim with the whole corpus (the story check after) took minutes."""
    import time

    from checker.pair import pair_on_topics

    rng = np.random.default_rng(0)
    claims = [Claim(f"a{i // 2}", i % 2, f"zin {i}", 0, 1, "nl") for i in range(20_000)]
    vectors = rng.normal(size=(len(claims), 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    story = {f"a{i}": f"s{i // 3}" for i in range(10_000)}
    topics = [frozenset({"casualties"})] * len(claims)
    started = time.perf_counter()
    pairs = pair_claims(claims, vectors, claims, vectors, top_k=3, threshold=-1.0, story=story)
    topical = pair_on_topics(claims, vectors, topics, claims, vectors, topics, top_k=5, floor=-1.0, story=story)
    assert time.perf_counter() - started < 10
    assert all(story[p.a.article_id] == story[p.b.article_id] and p.a.article_id != p.b.article_id
               for p in [*pairs, *topical])
    assert len({(p.a.key, p.b.key) for p in topical}) == len(topical) > 30_000
