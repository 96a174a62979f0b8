"""Findings and articles as plain JSON-ready records (shared by the json, jsonl, csv and html renderers)."""

from __future__ import annotations

import hashlib
import unicodedata

from checker.analyze import ClaimFacts, Facts, facts_json
from checker.disputes import Dispute, Position, outlet
from checker.types import Article, Claim, Finding

SCHEMA_VERSION = 3  # 2: stories, disputes, article story/origin, claim title; 3: facts of each finding's claims
DOCS_REASONS = "docs/reasons.md#"


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the word in singular or plural: "1 article", "2 articles", "1 story", "3 stories"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def claim_record(claim: Claim, article: Article | None, facts: ClaimFacts | None = None) -> dict[str, object]:
    record = {
        "article": claim.article_id, "index": claim.index, "text": claim.text, "start": claim.start,
        "end": claim.end, "lang": claim.lang, "source": claim.attribution,
        "date": article.date if article else None,
        "outlet": article.source if article else None,
        "title": article.title if article else None,
    }
    if facts is not None:
        record["facts"] = facts_json(facts)
    return record


def finding_key(finding: Finding) -> str:
    """Stable id of a finding: the verdict and both normalised claim texts, never offsets (they move)."""
    texts = sorted(" ".join(unicodedata.normalize("NFKC", c.text).lower().split()) for c in finding.claims)
    return hashlib.sha256("\x1f".join([finding.verdict, *texts]).encode()).hexdigest()[:16]


def finding_record(finding: Finding, articles: dict[str, Article], story: str | None = None,
                   facts: Facts | None = None) -> dict[str, object]:
    return {
        "id": finding_key(finding),
        "story": story,
        "verdict": finding.verdict,
        "score": finding.score,
        "similarity": finding.similarity,
        "claims": [claim_record(c, articles.get(c.article_id), (facts or {}).get(c)) for c in finding.claims],
        "reasons": [{"code": r.code, "text": r.text, "url": DOCS_REASONS + r.code.lower()} for r in finding.reasons],
        "disputed_by": list(finding.disputed_by) if finding.disputed_by else None,
        "probs": finding.probs,
    }


def article_record(article: Article, n_claims: int, story: str | None = None,
                   origin: str | None = None) -> dict[str, object]:
    return {"id": article.id, "title": article.title, "date": article.date, "source": article.source,
            "url": article.url, "lang": article.lang, "path": article.path, "claims": n_claims,
            "story": story, "origin": origin}


def position_label(position: Position) -> str:
    """A position as a reader scans it: its first claim, and who takes it ("… — NOS, ND (2 origins)")."""
    origins = "" if position.origins == len(position.outlets) else \
        f" ({position.origins} independent {'origin' if position.origins == 1 else 'origins'})"
    return f"{', '.join(position.outlets)}{origins}"


def dispute_record(dispute: Dispute, articles: dict[str, Article]) -> dict[str, object]:
    return {
        "story": dispute.story, "kind": dispute.kind, "fact": dispute.fact,
        "positions": [{"outlets": list(p.outlets), "independent_origins": p.origins, "first_published": p.first_published,
                       "claims": [claim_record(c, articles.get(c.article_id)) for c in p.claims]}
                      for p in dispute.positions],
        "findings": sorted({finding_key(f) for f in dispute.findings}),
    }


def story_records(report) -> list[dict[str, object]]:  # report: pipeline.Report
    """Each story with its articles and outlets, in order of story id."""
    by_id = {a.id: a for a in report.articles}
    out = []
    for story, members in sorted(report.stories.members().items()):
        shown = [m for m in members if m in by_id]
        if shown:
            out.append({"id": story, "articles": sorted(shown),
                        "outlets": sorted({outlet(by_id[m], m) for m in shown})})
    return out
