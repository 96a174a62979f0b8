"""Finding exports: ``--format jsonl`` (the json format's finding records, one a line) and ``--format csv``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from checker.pipeline import Report
from checker.report import RENDERERS, as_csv, as_json
from checker.types import Article, Claim, Finding, Reason
from tests.test_report_html import sample_report


def one_finding(text_a: str, text_b: str = "Er vielen geen doden.", article_a: str = "a") -> Report:
    """Two one-claim articles and a contradiction between them."""
    claims = [Claim(article_a, 0, text_a, 0, len(text_a), "nl", paragraph=(0, len(text_a))),
              Claim("b", 0, text_b, 0, len(text_b), "nl", paragraph=(0, len(text_b)))]
    finding = Finding("contradiction", 0.9, *claims, reasons=(Reason("QTY_MISMATCH", "3 vs 0"),), similarity=0.95)
    return Report([Article(article_a, text_a), Article("b", text_b)], claims, [finding])


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_report_exports_are_registered():
    assert RENDERERS["csv"] is as_csv.render_csv and RENDERERS["jsonl"] is as_csv.render_jsonl


def test_report_exports_jsonl_is_the_json_findings_one_a_line():
    report = sample_report()
    text = RENDERERS["jsonl"](report)
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == len(report.findings) + 1
    assert [json.loads(line) for line in lines[:-1]] == as_json.to_dict(report)["findings"]
    assert "<img src=x onerror=alert(1)>" in text
    assert "Één dode in Zürich." in as_csv.render_jsonl(one_finding("Één dode in Zürich."))  # not \u escapes
    assert all(list(json.loads(line)) == sorted(json.loads(line)) for line in lines[:-1])


def test_report_exports_csv_has_a_row_per_finding():
    report = sample_report()
    rows = read_csv(RENDERERS["csv"](report))
    assert list(rows[0]) == as_csv.COLUMNS and len(rows) == len(report.findings)
    for row, finding in zip(rows, report.findings, strict=True):
        assert (row["verdict"], float(row["score"]), float(row["similarity"])) == (finding.verdict, finding.score, 0.9)
        for side, claim in zip("ab", finding.claims, strict=True):
            assert row[f"article_{side}"] == claim.article_id
            assert (int(row[f"start_{side}"]), int(row[f"end_{side}"])) == (claim.start, claim.end)
            assert row[f"claim_{side}"] == claim.text
            assert row[f"source_{side}"] == (claim.attribution or "")
        assert row["reasons"] == "; ".join(f"{r.code}: {r.text}" for r in finding.reasons)


def test_report_exports_csv_keeps_newlines_quotes_and_commas():
    text = 'Hij zei: "drie doden, twee gewonden"\nen vertrok.'
    row = read_csv(as_csv.render_csv(one_finding(text)))[0]
    assert row["claim_a"] == text and row["reasons"] == "QTY_MISMATCH: 3 vs 0"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"klik\")", "+31 doden", "-5 graden", "@SUM(A1:A9)"])
def test_report_exports_csv_claims_cannot_run_as_formulas(text):
    row = read_csv(as_csv.render_csv(one_finding(text)))[0]
    assert row["claim_a"] == "'" + text and row["claim_b"] == "Er vielen geen doden."


def test_report_exports_csv_article_ids_cannot_run_as_formulas():
    row = read_csv(as_csv.render_csv(one_finding("Drie doden.", article_a="=1+1")))[0]
    assert not row["article_a"].startswith("=")


def test_report_exports_empty_report():
    empty = Report([], [], [])
    assert as_csv.render_jsonl(empty) == ""
    assert as_csv.render_csv(empty) == ",".join(as_csv.COLUMNS) + "\n"
