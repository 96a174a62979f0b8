"""The verify pipeline: ingest -> segment -> embed -> pair -> infer -> judge, as plain function calls."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from checker import __version__
from checker.config import Settings
from checker.embed import Embedder
from checker.infer import NLIModel, score_pairs
from checker.judge import judge
from checker.pair import pair_claims
from checker.segment import segment
from checker.types import Article, Claim, Finding

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Report:
    """Everything a renderer needs: inputs, findings and how they were produced."""

    articles: list[Article]
    claims: list[Claim]
    findings: list[Finding]
    stats: dict[str, object] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)

    @property
    def contradictions(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == "contradiction"]


@dataclass
class Models:
    """The two models, loaded once and shared by every run in a process."""

    embedder: Embedder
    nli: NLIModel

    @classmethod
    def load(cls, settings: Settings) -> Models:
        return cls(Embedder(settings.embed_model, settings.device, settings.embed_batch_size),
                   NLIModel(settings.nli_model, settings.device, settings.nli_max_length, settings.nli_int8))


def verify(articles: list[Article], settings: Settings, models: Models, progress: Progress | None = None) -> Report:
    """Check a batch of articles against each other."""
    started = time.perf_counter()
    claims = segment(articles, settings)
    vectors = models.embedder.encode([c.text for c in claims])
    pairs = pair_claims(claims, vectors, claims, vectors, top_k=settings.pair_top_k, threshold=settings.pair_threshold)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("nli", done, 2 * len(pairs))

    scored = score_pairs(pairs, models.nli, batch_size=settings.nli_batch_size, progress=tick)
    findings = judge(scored, {a.id: a for a in articles}, settings)
    return Report(articles, claims, findings, stats=run_stats(articles, claims, len(pairs), findings, started),
                  settings=describe_settings(settings, models))


def run_stats(articles: list[Article], claims: list[Claim], n_pairs: int, findings: list[Finding],
              started: float) -> dict[str, object]:
    per_article = Counter(c.article_id for c in claims)
    cross_pairs = sum(per_article[a] * per_article[b] for i, a in enumerate(per_article) for b in list(per_article)[i + 1:])
    verdicts = Counter(f.verdict for f in findings)
    return {
        "articles": len(articles), "claims": len(claims), "candidate_pairs": n_pairs,
        "nli_calls": 2 * n_pairs, "all_cross_article_pairs": cross_pairs,
        "agreements": verdicts["agreement"], "contradictions": verdicts["contradiction"],
        "updates": verdicts["update"], "seconds": round(time.perf_counter() - started, 3),
    }


def describe_settings(settings: Settings, models: Models) -> dict[str, object]:
    out = {k: v for k, v in asdict(settings).items() if not isinstance(v, tuple)}
    out.update(embed_model=models.embedder.name, nli_model=models.nli.name, claimcheck=__version__)
    return out
