"""``--format html``: placeholder until the HTML report lands (issue 6)."""

from __future__ import annotations

from checker.pipeline import Report
from checker.report import as_markdown


def render(report: Report) -> str:
    import html

    return "<!doctype html><meta charset=utf-8><pre>" + html.escape(as_markdown.render(report)) + "</pre>\n"
