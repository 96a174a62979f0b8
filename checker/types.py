"""Plain objects passed between pipeline stages (frozen: a stage returns new objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["agreement", "contradiction", "update"]
Label = Literal["entailment", "neutral", "contradiction"]
LABELS: tuple[Label, ...] = ("entailment", "neutral", "contradiction")


@dataclass(frozen=True)
class Article:
    """One news article. ``text`` is the body exactly as read; claims point into it."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None  # ISO date, YYYY-MM or YYYY-MM-DD
    source: str | None = None
    url: str | None = None
    lang: str | None = None  # ISO 639-1, detected in `segment` when not given
    path: str | None = None  # the file it was read from; ``file.jsonl:7`` for line 7 of a JSONL file
    line: int = 1  # the line of that file where ``text`` starts (a JSONL article: its one line)


@dataclass(frozen=True)
class Claim:
    """A sentence of an article; ``text`` is ``article.text[start:end]`` in its normal form (``segment.normalise``)."""

    article_id: str
    index: int
    text: str
    start: int
    end: int
    lang: str
    paragraph: tuple[int, int] = (0, 0)  # character span of the enclosing paragraph
    attribution: str | None = None  # who makes the claim ("de politie", "CNN"), see judge

    @property
    def key(self) -> tuple[str, int]:
        return (self.article_id, self.index)


@dataclass(frozen=True)
class CandidatePair:
    """Two claims from different articles, ``a`` the one with the lower (article id, index)."""

    a: Claim
    b: Claim
    similarity: float


@dataclass(frozen=True)
class ScoredPair:
    """A candidate pair with NLI probabilities in both directions (a→b and b→a)."""

    pair: CandidatePair
    forward: dict[str, float]
    backward: dict[str, float]


@dataclass(frozen=True)
class Reason:
    """Why a verdict was reached: a stable code (documented in docs/reasons.md) and a short text."""

    code: str
    text: str


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    score: float
    a: Claim
    b: Claim
    reasons: tuple[Reason, ...] = ()
    probs: dict[str, float] = field(default_factory=dict)
    similarity: float = 0.0
    disputed_by: tuple[str, str] | None = None  # the two named sources, when they differ

    @property
    def claims(self) -> tuple[Claim, Claim]:
        return (self.a, self.b)
