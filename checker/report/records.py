"""Findings and articles as plain JSON-ready records (shared by the json, jsonl, csv and html renderers)."""

from __future__ import annotations

import hashlib
import unicodedata

from checker.types import Article, Claim, Finding

SCHEMA_VERSION = 1
DOCS_REASONS = "docs/reasons.md#"


def claim_record(claim: Claim, article: Article | None) -> dict[str, object]:
    return {
        "article": claim.article_id, "index": claim.index, "text": claim.text, "start": claim.start,
        "end": claim.end, "lang": claim.lang, "source": claim.attribution,
        "date": article.date if article else None,
        "outlet": article.source if article else None,
    }


def finding_key(finding: Finding) -> str:
    """Stable id of a finding: the verdict and both normalised claim texts, never offsets (they move)."""
    texts = sorted(" ".join(unicodedata.normalize("NFKC", c.text).lower().split()) for c in finding.claims)
    return hashlib.sha256("\x1f".join([finding.verdict, *texts]).encode()).hexdigest()[:16]


def finding_record(finding: Finding, articles: dict[str, Article]) -> dict[str, object]:
    return {
        "id": finding_key(finding),
        "verdict": finding.verdict,
        "score": finding.score,
        "similarity": finding.similarity,
        "claims": [claim_record(c, articles.get(c.article_id)) for c in finding.claims],
        "reasons": [{"code": r.code, "text": r.text, "url": DOCS_REASONS + r.code.lower()} for r in finding.reasons],
        "disputed_by": list(finding.disputed_by) if finding.disputed_by else None,
        "probs": finding.probs,
    }


def article_record(article: Article, n_claims: int) -> dict[str, object]:
    return {"id": article.id, "title": article.title, "date": article.date, "source": article.source,
            "url": article.url, "lang": article.lang, "path": article.path, "claims": n_claims}
