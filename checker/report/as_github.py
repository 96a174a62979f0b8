"""``--format github``: GitHub Actions workflow commands, one ``::error`` per contradiction."""

from __future__ import annotations

from checker.pipeline import Report


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _line(report: Report, article_id: str, offset: int) -> int:
    for article in report.articles:
        if article.id == article_id:
            return article.text.count("\n", 0, offset) + 1
    return 1


def render(report: Report) -> str:
    paths = {a.id: (a.path or a.id).rsplit(":", 1)[0] for a in report.articles}
    lines = []
    for finding in report.findings:
        if finding.verdict == "agreement":
            continue
        level = "error" if finding.verdict == "contradiction" else "notice"
        a, b = finding.claims
        title = _escape(f"claimcheck {finding.verdict} with {b.article_id}", prop=True)
        reasons = "; ".join(f"{r.code}: {r.text}" for r in finding.reasons)
        message = _escape(f"\"{a.text}\" vs \"{b.text}\" ({b.article_id}). {reasons}")
        lines.append(f"::{level} file={_escape(paths[a.article_id], True)},line={_line(report, a.article_id, a.start)},"
                     f"title={title}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")
