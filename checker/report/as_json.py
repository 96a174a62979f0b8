"""``--format json``: the whole report, keys sorted, with ``schema_version``."""

from __future__ import annotations

import json
from collections import Counter

from checker.pipeline import Report
from checker.report.records import SCHEMA_VERSION, article_record, dispute_record, finding_record, story_records


def to_dict(report: Report) -> dict[str, object]:
    articles = {a.id: a for a in report.articles}
    per_article = Counter(c.article_id for c in report.claims)
    langs = {c.article_id: c.lang for c in report.claims}
    return {
        "schema_version": SCHEMA_VERSION,
        "disputes": [dispute_record(d, articles) for d in report.disputes],
        "findings": [finding_record(f, articles, report.stories.of.get(f.a.article_id), report.facts)
                     for f in report.findings],
        "stories": story_records(report),
        "articles": [dict(article_record(a, per_article[a.id], report.stories.of.get(a.id), report.origins.get(a.id)),
                          lang=a.lang or langs.get(a.id)) for a in report.articles],
        "stats": report.stats,
        "settings": report.settings,
    }


def render(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
