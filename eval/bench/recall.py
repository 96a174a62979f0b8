"""Pairing recall: of the agreements and contradictions that scoring ALL cross-article claim pairs
would find, the share the pruned pairing (top-k neighbours above a cosine threshold) finds, and
the share of NLI calls it makes.

Scoring every pair of the 1,000-article corpus is out of reach on 2 CPU cores, so this measures:

1. The widest pruned set ``P(K_MAX, T_MIN)`` is scored in full (NLI both ways, then ``judge``):
   for every ``k <= K_MAX`` and ``t >= T_MIN`` the findings inside ``P(k, t)`` and those inside
   ``P(K_MAX, T_MIN)`` but outside ``P(k, t)`` are counted exactly.
2. The cross-article pairs outside ``P(K_MAX, T_MIN)`` are split into cosine strata. A stratum of
   at most ``SAMPLE`` pairs is scored in full; a larger one by a uniform random sample of
   ``SAMPLE`` pairs, and its findings are estimated as (stratum size x sample rate), with a
   one-sided 95% Wilson upper bound per stratum (their sum bounds the total conservatively).
3. ``recall(k, t) = found(k, t) / (found(K_MAX, T_MIN) + outside)``; ``recall_low`` puts the
   upper bound of ``outside`` in the denominator.

The findings are those of the chosen backend's models and the default judge settings.

``planted`` measures the same curve on the planted pairs alone (``eval.bench.corpus``): real
labelled NLI pairs, premise and hypothesis in two articles of one event. Each is scored directly,
which is what scoring all pairs finds for it, and counts as found at (k, t) when the pruned
pairing makes that pair. Unlike the estimate above, this reference holds only pairs that are
about the same thing.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from checker.config import Settings
from checker.infer import score_pairs
from checker.ingest import read_articles
from checker.judge import judge
from checker.pair import pair_claims
from checker.pipeline import Models, candidate_pairs, cross_article_pairs
from checker.stories import Stories
from eval.bench.corpus import event_of
from checker.segment import segment
from checker.types import CandidatePair, Claim

K_GRID = (1, 2, 3, 5, 8, 10, 15, 20)
T_GRID = (0.80, 0.82, 0.85, 0.88, 0.90)
EDGES = (1.01, 0.90, 0.85, 0.80, 0.75, 0.70, -1.01)  # cosine strata outside the widest set, high to low
SAMPLE = 1000
Z_ONE_SIDED_95 = 1.645
VERDICTS = ("agreement", "contradiction")
RECALL_STEPS = (0.90, 0.95)  # planted recall levels whose k is reported
Key = tuple[int, int]


def findings(pairs: list[CandidatePair], index: dict, articles: dict, settings: Settings, models: Models) -> dict[Key, str]:
    """Verdicts (agreement or contradiction) of ``pairs`` by (claim index, claim index)."""
    scored = score_pairs(pairs, models.nli, batch_size=settings.nli_batch_size)
    return {(index[f.a.key], index[f.b.key]): f.verdict for f in judge(scored, articles, settings)
            if f.verdict in VERDICTS}


def pruned(claims: list[Claim], vectors: np.ndarray, index: dict, k: int, t: float) -> dict[Key, CandidatePair]:
    return {(index[p.a.key], index[p.b.key]): p
            for p in pair_claims(claims, vectors, claims, vectors, top_k=k, threshold=t)}


def strata(claims: list[Claim], vectors: np.ndarray, skip: set[Key], picks: list[np.ndarray] | None = None,
           chunk: int = 512) -> tuple[np.ndarray, list[list[Key]]]:
    """Cross-article pairs ``i < j`` not in ``skip``: their count per stratum of ``EDGES`` and, for
    sorted ranks ``picks[h]`` within stratum ``h`` (row-major order), those pairs."""
    n, ascending = len(claims), np.asarray(EDGES[::-1])
    article = np.asarray([c.article_id for c in claims])
    skip_by_row: dict[int, list[int]] = defaultdict(list)
    for i, j in skip:
        skip_by_row[i].append(j)
    counts = np.zeros(len(EDGES) - 1, dtype=np.int64)
    chosen: list[list[Key]] = [[] for _ in counts]
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        valid = (np.arange(n)[None, :] > rows[:, None]) & (article[None, :] != article[rows][:, None])
        for r in rows:
            valid[r - start, skip_by_row[r]] = False
        stratum = len(EDGES) - 2 - (np.digitize(vectors[rows] @ vectors.T, ascending) - 1)
        for h in range(len(counts)):
            flat = np.flatnonzero(valid & (stratum == h))
            if picks is not None:
                ranks = picks[h][(picks[h] >= counts[h]) & (picks[h] < counts[h] + len(flat))] - counts[h]
                chosen[h].extend((start + int(p) // n, int(p) % n) for p in flat[ranks])
            counts[h] += len(flat)
    return counts, chosen


def wilson_upper(hits: int, n: int, z: float = Z_ONE_SIDED_95) -> float:
    if n == 0:
        return 0.0
    p = hits / n
    centre = p + z * z / (2 * n)
    return min(1.0, (centre + z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n))


def as_pairs(keys: list[Key], claims: list[Claim], vectors: np.ndarray) -> list[CandidatePair]:
    return [CandidatePair(claims[i], claims[j], round(float(vectors[i] @ vectors[j]), 6)) for i, j in keys]


def embedded(corpus: Path, settings: Settings, models: Models) -> tuple[dict, list[Claim], dict, np.ndarray]:
    """The corpus's articles by id, its claims in key order, their indices by key, and their vectors."""
    articles = read_articles([str(corpus)])
    claims = sorted(segment(articles, settings), key=lambda c: c.key)
    return ({a.id: a for a in articles}, claims, {c.key: i for i, c in enumerate(claims)},
            models.embedder.encode([c.text for c in claims]))


def measure(corpus: Path, settings: Settings, models: Models, seed: int = 0) -> dict[str, object]:
    """The recall curve over ``K_GRID`` x ``T_GRID`` on ``corpus`` (see the module docstring)."""
    by_id, claims, index, vectors = embedded(corpus, settings, models)
    articles = list(by_id.values())
    widest = pruned(claims, vectors, index, max(K_GRID), min(T_GRID))
    inside = findings(list(widest.values()), index, by_id, settings, models)
    counts, _ = strata(claims, vectors, set(widest))
    rng = np.random.default_rng(seed)
    picks = [np.sort(rng.choice(int(c), size=min(SAMPLE, int(c)), replace=False)) for c in counts]
    _, chosen = strata(claims, vectors, set(widest), picks)
    outside, upper, layers = 0.0, 0.0, []
    for h, keys in enumerate(chosen):
        found = Counter(findings(as_pairs(keys, claims, vectors), index, by_id, settings, models).values())
        hits, n, size = sum(found.values()), len(keys), int(counts[h])
        census = n == size
        outside += hits * size / n if n else 0.0
        upper += hits if census else wilson_upper(hits, n) * size
        layers.append({"cosine": [EDGES[h + 1], EDGES[h]], "pairs": size, "scored": n, "census": census,
                       "found": dict(found), "estimate": round(hits * size / n, 1) if n else 0.0})
    all_pairs = cross_article_pairs(claims)
    total, total_high = len(inside) + outside, len(inside) + upper
    grid = []
    for k in K_GRID:
        for t in T_GRID:
            keys = pruned(claims, vectors, index, k, t).keys()
            found = sum(key in inside for key in keys)
            grid.append({"k": k, "threshold": t, "pairs": len(keys), "nli_call_share": round(len(keys) / all_pairs, 6),
                         "found": found, "recall": round(found / total, 4) if total else None,
                         "recall_low": round(found / total_high, 4) if total_high else None})
    return {"articles": len(articles), "claims": len(claims), "all_cross_article_pairs": all_pairs,
            "widest": {"k": max(K_GRID), "threshold": min(T_GRID), "pairs": len(widest),
                       "found": dict(Counter(inside.values()))},
            "outside": {"estimate": round(outside, 1), "upper_95": round(upper, 1), "strata": layers},
            "grid": grid, "sample_per_stratum": SAMPLE, "seed": seed}


def planted(corpus: Path, planted_pairs: Path, settings: Settings, models: Models) -> dict[str, object]:
    """The recall curve on the planted pairs (see the module docstring), and that of ``verify``'s
    own pairing (``pipeline.candidate_pairs``: top-k by cosine plus claims that count the same thing)."""
    by_id, claims, index, vectors = embedded(corpus, settings, models)
    by_text = {(c.article_id, c.text): i for i, c in enumerate(claims)}
    rows = [json.loads(line) for line in planted_pairs.read_text(encoding="utf-8").splitlines()]
    keys, labels = [], Counter()
    for row in rows:
        i, j = by_text.get((row["a"], row["premise"])), by_text.get((row["b"], row["hypothesis"]))
        labels["planted_" + row["label"]] += 1
        if i is None or j is None:  # the segmenter cut or merged the sentence
            labels["not_one_claim"] += 1
            continue
        keys.append((min(i, j), max(i, j)))
    reference = findings(as_pairs(keys, claims, vectors), index, by_id, settings, models)
    blind_keys = {(index[p.a.key], index[p.b.key]) for p in candidate_pairs(claims, vectors, settings.with_overrides(
        stories="none"))}
    stories = Stories({article_id: event_of(article_id) for article_id in by_id})
    verify_keys = {(index[p.a.key], index[p.b.key]) for p in candidate_pairs(claims, vectors, settings, stories=stories)}
    all_pairs = cross_article_pairs(claims)

    def cell(pair_keys: set[Key]) -> dict[str, object]:
        found = Counter(verdict for key, verdict in reference.items() if key in pair_keys)
        return {"pairs": len(pair_keys), "nli_call_share": round(len(pair_keys) / all_pairs, 6), "found": dict(found),
                "recall": round(sum(found.values()) / len(reference), 4) if reference else None}

    grid = [dict(k=k, threshold=t, **cell(set(pruned(claims, vectors, index, k, t)))) for k in K_GRID for t in T_GRID]
    article = np.asarray([c.article_id for c in claims])
    needed = np.sort([k_needed(i, j, article, vectors) for i, j in reference])
    beyond = {}
    for share in RECALL_STEPS:
        k = int(needed[math.ceil(share * len(needed)) - 1])
        beyond[f"{share:.0%}"] = dict(k=k, threshold=None, **cell(set(pruned(claims, vectors, index, k, -1.0))))
    return {"claims": len(claims), "all_cross_article_pairs": all_pairs, "pairs": dict(labels),
            "reference": dict(Counter(reference.values())), "verify_pairing": cell(verify_keys),
            "story_blind_pairing": cell(blind_keys), "grid": grid,
            "k_for_recall": beyond}


def k_needed(i: int, j: int, article: np.ndarray, vectors: np.ndarray) -> int:
    """The smallest k at which top-k pairing (no threshold) makes the pair (i, j): the better of j's
    rank among i's claims in other articles (``article``: each claim's article id) and i's rank among j's."""

    def rank(a: int, b: int) -> int:
        sims = vectors @ vectors[a]
        return int(((sims > sims[b]) & (article != article[a])).sum()) + 1

    return min(rank(i, j), rank(j, i))
