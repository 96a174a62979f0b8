"""``--format markdown``: disputes first (one fact, its positions and who takes each), then every
finding grouped by article pair, both claims quoted with outlet, title and time."""

from __future__ import annotations

import re
from collections import defaultdict

from checker.disputes import Dispute, outlet
from checker.ingest import file_line, source_file
from checker.pipeline import Report
from checker.report.records import counted, position_label
from checker.types import Article, Claim, Finding

_ORDER = {"contradiction": 0, "update": 1, "agreement": 2}
_TITLE = {"contradiction": "Contradiction", "update": "Update", "agreement": "Agreement"}
# Inline Markdown punctuation; the texts never start a line (a prefix always comes first), so
# list, heading and quote markers need no escape.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]#|~])")


def text(value: str) -> str:
    """Article text, titles, ids and reasons as inert GitHub-flavoured Markdown (a report is posted
    as a pull-request comment): one line, HTML as entities, Markdown punctuation escaped, and
    ``@name`` / ``#123`` kept from pinging people or linking issues (a word joiner after ``@``/``#``)."""
    value = " ".join(value.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MARKDOWN.sub(r"\\\1", value)
    return value.replace("@", "@\u2060").replace("\\#", "\\#\u2060")


def code(value: str) -> str:
    """An id as a code span that no backtick inside it can close (CommonMark: a longer fence)."""
    value = " ".join(value.split()).replace("@", "@\u2060")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value[:1] == "`" or value[-1:] == "`" else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _quote(value: str) -> str:
    return "> " + text(value)


def describe_article(article_id: str, article: Article | None) -> str:
    """"NOS — Title (2020-01-08T07:10)" with the id in code, so a reader sees outlets, not file names."""
    if article is None:
        return code(article_id)
    parts = [p for p in dict.fromkeys([outlet(article, article_id), article.title]) if p and p != article_id]
    when = f" ({text(article.date)})" if article.date else ""
    named = " — ".join(text(p) for p in parts)
    return f"{named}{when} {code(article_id)}" if named else f"{code(article_id)}{when}"


def where(claim: Claim, article: Article | None) -> str:
    """Where a reader finds the claim: in a ``.txt`` file its line (a leading date line counted, as in
    the GitHub annotations); else its offsets into the article's text (a JSONL ``text``, an HTML
    page's main text, stdin), as in the JSON report."""
    path = source_file(article) if article else None
    if path and path.lower().endswith(".txt"):
        return f"line {file_line(article, claim.start)}"
    return f"[{claim.start}:{claim.end}]"


def render_finding(finding: Finding, articles: dict[str, Article] | None = None) -> list[str]:
    articles = articles or {}
    lines = [f"**{_TITLE[finding.verdict]}** (score {finding.score:.2f})", ""]
    for claim in finding.claims:
        source = f" — according to {text(claim.attribution)}" if claim.attribution else ""
        article = articles.get(claim.article_id)
        lines += [f"{describe_article(claim.article_id, article)} {where(claim, article)}{source}", "",
                  _quote(claim.text), ""]
    for reason in finding.reasons:
        lines.append(f"- {code(reason.code)}: {text(reason.text)}")
    return lines + [""]


def render_dispute(number: int, dispute: Dispute, articles: dict[str, Article]) -> list[str]:
    kind = "Update" if dispute.kind == "update" else "Contradiction"
    lines = [f"### {number}. {kind}: {text(dispute.fact)}", "", f"Story {code(dispute.story)}.", ""]
    arrow = " → " if dispute.kind == "update" else ""
    for k, position in enumerate(dispute.positions):
        first: Claim = position.claims[0]
        lead = arrow if k and arrow else ""
        lines += [f"- {lead}**{text(position_label(position))}**"
                  + (f" (first {text(position.first_published)})" if position.first_published else ""), "",
                  "  " + _quote(first.text), ""]
    return lines


def summary_line(report: Report) -> str:
    s = report.stats
    stories = f" in {counted(s['stories'], 'story', 'stories')}" if s.get("stories") else ""
    return (f"{counted(s.get('articles', 0), 'article')}{stories}, {counted(s.get('claims', 0), 'claim')}: "
            f"{counted(len(report.disputes), 'dispute')}; {counted(s.get('contradictions', 0), 'contradiction')}, "
            f"{counted(s.get('updates', 0), 'update')}, {counted(s.get('agreements', 0), 'agreement')} between claim pairs.")


def render(report: Report) -> str:
    articles = {a.id: a for a in report.articles}
    lines = ["# claimcheck report", "", summary_line(report), ""]
    unverified = report.stats.get("unverified") or {}
    if unverified:
        lines += ["## Unverified articles", "", "Nothing in these articles was checked: they neither agree nor "
                  "contradict, and they fail the check.", ""]
        lines += [f"- {describe_article(i, articles.get(i))}: {text(why)}" for i, why in unverified.items()] + [""]
    if report.disputes:
        lines += ["## Disputes", ""]
        for number, dispute in enumerate(report.disputes, 1):
            lines += render_dispute(number, dispute, articles)
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        groups[(finding.a.article_id, finding.b.article_id)].append(finding)
    ordered = sorted(groups.items(), key=lambda kv: (min(_ORDER[f.verdict] for f in kv[1]), kv[0]))
    if ordered:
        lines += ["## Findings by article pair", ""]
    for (first, second), findings in ordered:
        lines += [f"### {describe_article(first, articles.get(first))} ↔ {describe_article(second, articles.get(second))}", ""]
        for finding in sorted(findings, key=lambda f: (_ORDER[f.verdict], -f.score)):
            lines += render_finding(finding, articles)
    if not report.findings:
        lines.append("No agreements or contradictions found.")
    return "\n".join(lines).rstrip() + "\n"
