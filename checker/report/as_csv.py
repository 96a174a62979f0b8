"""``--format csv`` (one row per finding, for spreadsheets) and ``--format jsonl`` (one finding per line)."""

from __future__ import annotations

import csv
import io
import json

from checker.pipeline import Report
from checker.report.records import finding_record

COLUMNS = ["id", "story", "verdict", "score", "similarity", "article_a", "outlet_a", "start_a", "end_a", "source_a",
           "claim_a", "article_b", "outlet_b", "start_b", "end_b", "source_b", "claim_b", "reasons"]


def _records(report: Report) -> list[dict]:
    articles = {a.id: a for a in report.articles}
    return [finding_record(f, articles, report.stories.of.get(f.a.article_id)) for f in report.findings]


def _unverified(report: Report) -> dict[str, str]:
    """Articles nothing was checked in (id -> why): a row or line each, verdict ``unverified``."""
    return report.stats.get("unverified") or {}


def render_jsonl(report: Report) -> str:
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in _records(report)]
    lines += [json.dumps({"verdict": "unverified", "article": i, "reason": why}, ensure_ascii=False, sort_keys=True)
              for i, why in _unverified(report).items()]
    return "".join(line + "\n" for line in lines)


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in _records(report):
        a, b = r["claims"]
        writer.writerow([r["id"], _cell(r["story"] or ""), r["verdict"], r["score"], r["similarity"],
                         _cell(a["article"]), _cell(a["outlet"] or ""), a["start"], a["end"], _cell(a["source"] or ""),
                         _cell(a["text"]), _cell(b["article"]), _cell(b["outlet"] or ""), b["start"], b["end"],
                         _cell(b["source"] or ""), _cell(b["text"]),
                         "; ".join(f"{x['code']}: {x['text']}" for x in r["reasons"])])
    for article_id, why in _unverified(report).items():
        writer.writerow(["", "", "unverified", "", "", _cell(article_id), *[""] * 11, _cell(why)])
    return out.getvalue()


def _cell(text: str) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ would run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
