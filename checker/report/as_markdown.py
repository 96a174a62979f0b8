"""``--format markdown``: findings grouped by article pair, contradictions first, both claims quoted."""

from __future__ import annotations

from collections import defaultdict

from checker.pipeline import Report
from checker.types import Finding

_ORDER = {"contradiction": 0, "update": 1, "agreement": 2}
_TITLE = {"contradiction": "Contradiction", "update": "Update", "agreement": "Agreement"}


def _quote(text: str) -> str:
    return "> " + " ".join(text.split()).replace("|", "\\|")


def render_finding(finding: Finding) -> list[str]:
    lines = [f"**{_TITLE[finding.verdict]}** (score {finding.score:.2f})", ""]
    for claim in finding.claims:
        source = f" — {claim.attribution}" if claim.attribution else ""
        lines += [f"`{claim.article_id}` [{claim.start}:{claim.end}]{source}", "", _quote(claim.text), ""]
    for reason in finding.reasons:
        lines.append(f"- `{reason.code}`: {reason.text}")
    return lines + [""]


def summary_line(report: Report) -> str:
    s = report.stats
    return (f"{s.get('articles', 0)} articles, {s.get('claims', 0)} claims: "
            f"{s.get('contradictions', 0)} contradictions, {s.get('updates', 0)} updates, "
            f"{s.get('agreements', 0)} agreements.")


def render(report: Report) -> str:
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        groups[(finding.a.article_id, finding.b.article_id)].append(finding)
    ordered = sorted(groups.items(), key=lambda kv: (min(_ORDER[f.verdict] for f in kv[1]), kv[0]))
    lines = ["# claimcheck report", "", summary_line(report), ""]
    for (first, second), findings in ordered:
        lines += [f"## `{first}` ↔ `{second}`", ""]
        for finding in sorted(findings, key=lambda f: (_ORDER[f.verdict], -f.score)):
            lines += render_finding(finding)
    if not report.findings:
        lines.append("No agreements or contradictions found.")
    return "\n".join(lines).rstrip() + "\n"
