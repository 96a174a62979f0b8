"""``--format github``: GitHub Actions workflow commands, one per dispute (``::error`` for a
contradiction, ``::notice`` for an update), placed at the first claim of its strongest finding
(for ``ci`` always a claim of a new article)."""

from __future__ import annotations

from checker.ingest import file_line, source_file
from checker.pipeline import Report
from checker.report.records import position_label


def escape(text: str, prop: bool = False) -> str:
    """Escape text for a workflow command: ``%``, CR and LF always; ``:`` and ``,`` in properties."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _line(report: Report, article_id: str, offset: int) -> int:
    for article in report.articles:
        if article.id == article_id:
            return file_line(article, offset)
    return 1


def render(report: Report) -> str:
    paths = {a.id: source_file(a) or a.id for a in report.articles}
    lines = []
    for dispute in report.disputes:
        level = "error" if dispute.kind == "contradiction" else "notice"
        at = max(dispute.findings, key=lambda f: (f.verdict == "contradiction", f.score)).a
        sides = " vs ".join(f"{position_label(p)}: \"{p.claims[0].text}\"" for p in dispute.positions)
        title = escape(f"claimcheck {dispute.kind}: {dispute.fact}", prop=True)
        message = escape(f"{dispute.fact} [{', '.join(dispute.codes)}]. {sides}")
        lines.append(f"::{level} file={escape(paths.get(at.article_id, at.article_id), True)},"
                     f"line={_line(report, at.article_id, at.start)},title={title}::{message}")
    for article_id, why in (report.stats.get("unverified") or {}).items():
        lines.append(f"::warning file={escape(paths.get(article_id, article_id), True)},"
                     f"title=claimcheck unverified::{escape(f'{article_id} could not be checked: {why}')}")
    return "\n".join(lines) + ("\n" if lines else "")
