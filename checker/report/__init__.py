"""Renderers: one per ``--format``, each ``render(report) -> str``, in a name -> function table."""

from __future__ import annotations

from collections.abc import Callable

from checker.pipeline import Report
from checker.report import as_csv, as_github, as_html, as_json, as_markdown

RENDERERS: dict[str, Callable[[Report], str]] = {
    "json": as_json.render,
    "jsonl": as_csv.render_jsonl,
    "csv": as_csv.render_csv,
    "markdown": as_markdown.render,
    "html": as_html.render,
    "github": as_github.render,
}
