"""``--format html``: one self-contained page to review a batch: summary, article matrix, findings side by side.

Nothing is fetched: the CSS and JS are inline (``html_template.html``) and the page's
Content-Security-Policy allows only those two blocks, by hash. The summary, settings and matrix are
escaped here; the findings travel as JSON in a ``<script type="application/json">`` (``<``, ``>`` and
``&`` escaped) and the page's script builds them with ``textContent``, so article text never becomes
markup. Filters live in the URL fragment, e.g. ``report.html#verdict=contradiction&min=0.8``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from checker.pipeline import Report
from checker.disputes import outlet
from checker.report.records import counted, finding_record, position_label, story_records
from checker.types import Article, Claim, Verdict

VERDICTS: tuple[Verdict, ...] = ("contradiction", "update", "agreement")  # the order findings are listed in
CONTEXT_CHARS = 400  # paragraph text kept on each side of a claim; longer paragraphs are cut with "…"
HEAT_LEVELS = 5  # colour steps of the matrix (CSS classes c1..c5 and a1..a5; u1 for updates only)
_SLOT = re.compile(r"\{\{(\w+)\}\}")


def _csp_hash(block: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"


@lru_cache(maxsize=1)
def _template() -> tuple[str, str]:
    """The page template and its Content-Security-Policy (hashes of its one style and one script block)."""
    page = resources.files("checker.report").joinpath("html_template.html").read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert style and script, "html_template.html needs one <style> and one <script> block"
    csp = (f"default-src 'none'; style-src {_csp_hash(style.group(1))}; script-src {_csp_hash(script.group(1))}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    return page, csp


def _utf16(text: str) -> int:
    """Length in UTF-16 code units, the unit of JavaScript string offsets."""
    return len(text.encode("utf-16-le")) // 2


def context(claim: Claim, article: Article | None) -> tuple[str, int, int]:
    """The claim's paragraph (cut to CONTEXT_CHARS around it) and the claim's (start, end) in it, in UTF-16 units."""
    if article is None or article.text[claim.start:claim.end] != claim.text:
        return claim.text, 0, _utf16(claim.text)
    text = article.text
    lo, hi = claim.paragraph
    if not lo <= claim.start <= claim.end <= hi:
        lo, hi = claim.start, claim.end
    head = tail = ""
    if claim.start - lo > CONTEXT_CHARS:  # start after a space, so no word is cut
        lo = text.find(" ", claim.start - CONTEXT_CHARS, claim.start) + 1 or claim.start - CONTEXT_CHARS
        head = "…"
    if hi - claim.end > CONTEXT_CHARS:
        space = text.rfind(" ", claim.end, claim.end + CONTEXT_CHARS)
        hi = space if space > claim.end else claim.end + CONTEXT_CHARS
        tail = "…"
    before = head + text[lo:claim.start]
    return before + claim.text + text[claim.end:hi] + tail, _utf16(before), _utf16(before + claim.text)


def payload(report: Report) -> dict[str, Any]:
    """What the page's script reads: finding records (as ``--format json``) with their contexts, deduplicated."""
    articles = {a.id: a for a in report.articles}
    snippets: dict[str, int] = {}
    findings = []
    for finding in sorted(report.findings, key=lambda f: (VERDICTS.index(f.verdict), -f.score,
                                                           f.a.key, f.b.key)):
        record = finding_record(finding, articles, report.stories.of.get(finding.a.article_id, ""))
        refs = []
        for claim in finding.claims:
            text, start, end = context(claim, articles.get(claim.article_id))
            refs.append([snippets.setdefault(text, len(snippets)), start, end])
        findings.append(dict(record, context=refs))
    titles = {a.id: a.title for a in report.articles if a.title}
    outlets = {a.id: outlet(a, a.id) for a in report.articles}
    return {"findings": findings, "snippets": list(snippets), "titles": titles, "outlets": outlets}


def _json_script(data: object) -> str:
    """JSON that cannot close its ``<script>`` element or open a comment in it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _article_ids(report: Report) -> list[str]:
    """Articles in input order, then any article a finding names that the report does not list."""
    ids = {a.id: None for a in report.articles}
    ids.update((c.article_id, None) for f in report.findings for c in f.claims)
    return list(ids)


def _counts(report: Report) -> dict[str, object]:
    """The summary numbers: Report.stats where it has them, else counted from the report."""
    verdicts = Counter(f.verdict for f in report.findings)
    counted = {"articles": len(report.articles), "claims": len(report.claims),
               "contradictions": verdicts["contradiction"], "updates": verdicts["update"],
               "agreements": verdicts["agreement"]}
    return {k: report.stats.get(k, n) for k, n in counted.items()}


def _summary(report: Report) -> str:
    items = "".join(f'<li class="{label}"><b>{html.escape(str(n))}</b>{label[:-1] if n == 1 else label}</li>'
                    for label, n in _counts(report).items())
    extra = [f"{k.replace('_', ' ')}: {report.stats[k]}" for k in ("candidate_pairs", "nli_calls", "seconds")
             if k in report.stats]
    more = f'<p class="muted">{html.escape(", ".join(extra))}</p>' if extra else ""
    return f'<ul class="cards">{items}</ul>{more}{_unverified(report)}'


def _unverified(report: Report) -> str:
    """The articles nothing was checked in, with why (they fail the check)."""
    unverified = report.stats.get("unverified") or {}
    if not unverified:
        return ""
    items = "".join(f"<li><b>{html.escape(i)}</b>: {html.escape(why)}</li>" for i, why in unverified.items())
    return (f'<div class="unverified"><h3>Unverified: {counted(len(unverified), "article")} could not be checked</h3>'
            f"<ul>{items}</ul></div>")


def _settings(report: Report) -> str:
    if not report.settings:
        return '<p class="muted">Not recorded.</p>'
    first = ("embed_model", "nli_model", "claimcheck")
    keys = [k for k in first if k in report.settings] + sorted(k for k in report.settings if k not in first)
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(report.settings[k]))}</td></tr>"
                   for k in keys)
    return f'<table class="settings">{rows}</table>'


def _heat(kind: str, n: int, top: int) -> str:
    return f"{kind}{max(1, math.ceil(HEAT_LEVELS * n / top))}"


def _label(article_id: str, article: Article | None) -> str:
    """How an article is named in the filters: its outlet, title and date where known, then its id."""
    extra = [x for x in (outlet(article, article_id) if article else None, article.title if article else None,
                         article.date if article else None) if x and x != article_id]
    return " — ".join([", ".join(dict.fromkeys(extra)), article_id] if extra else [article_id])


def _matrix(report: Report) -> str:
    """Story × outlet table: per cell the findings (contradictions, updates, agreements) that involve
    that outlet's articles in that story, coloured by contradictions (else agreements), linked to them."""
    articles = {a.id: a for a in report.articles}
    stories = story_records(report)
    if not stories or len(report.articles) < 2:
        return '<p class="muted">Fewer than two articles: nothing to compare.</p>'
    outlets = sorted({o for s in stories for o in s["outlets"]})
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for f in report.findings:
        story = report.stories.of.get(f.a.article_id, "")
        for name in {outlet(articles.get(c.article_id), c.article_id) for c in f.claims}:
            counts[(f.verdict, story, name, "")] += 1
    top = {v: max([n for (verdict, *_), n in counts.items() if verdict == v], default=1) for v in VERDICTS}
    head = "".join(f'<th scope="col">{html.escape(o)}</th>' for o in outlets)
    rows = []
    for story in stories:
        cells = []
        for name in outlets:
            if name not in story["outlets"]:
                cells.append('<td class="self"></td>')
                continue
            c, u, a = (counts[(v, story["id"], name, "")] for v in VERDICTS)
            if not c + u + a:
                cells.append("<td></td>")
                continue
            heat = _heat("c", c, top["contradiction"]) if c else _heat("a", a, top["agreement"]) if a else "u1"
            title = html.escape(f"{story['id']}, {name}: {counted(c, 'contradiction')}, {counted(u, 'update')}, "
                                f"{counted(a, 'agreement')}")
            href = html.escape(f"#story={quote(story['id'], safe='')}&outlet={quote(name, safe='')}")
            numbers = "".join(f'<span class="n n{k}">{x}</span>' for k, x in zip("cua", (c, u, a), strict=True) if x)
            cells.append(f'<td class="{heat}"><a href="{href}" title="{title}">{numbers}</a></td>')
        first = articles.get(story["articles"][0])
        label = html.escape(f"{story['id']}: {first.title or first.id if first else story['articles'][0]}"
                            f" ({counted(len(story['articles']), 'article')})")
        rows.append(f'<tr><th scope="row" title="{label}">{label}</th>{"".join(cells)}</tr>')
    return (f'<div class="scroll"><table class="matrix"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _disputes(report: Report) -> str:
    """Each dispute: the fact, and its positions with the outlets that take them and a quoted claim."""
    if not report.disputes:
        return '<p class="muted">No dispute between the sources.</p>'
    items = []
    for dispute in report.disputes:
        sides = "".join(
            f'<li><b>{html.escape(position_label(p))}</b>'
            f'{" · " + html.escape(p.first_published) if p.first_published else ""}'
            f'<blockquote>{html.escape(p.claims[0].text)}</blockquote></li>' for p in dispute.positions)
        joiner = "timeline" if dispute.kind == "update" else "positions"
        items.append(f'<li class="dispute {dispute.kind}"><header><span class="badge">{dispute.kind}</span> '
                     f'{html.escape(dispute.fact)} <span class="muted">{html.escape(dispute.story)}</span></header>'
                     f'<ol class="{joiner}">{sides}</ol></li>')
    return f'<ol class="disputes">{"".join(items)}</ol>'


def _options(values: list[tuple[str, str]]) -> str:
    return "".join(f'<option value="{html.escape(v)}">{html.escape(label)}</option>' for v, label in values)


def render(report: Report) -> str:
    page, csp = _template()
    ids = _article_ids(report)
    articles = {a.id: a for a in report.articles}
    verdicts = Counter(f.verdict for f in report.findings)
    counts = _counts(report)
    slots = {
        "csp": html.escape(csp),
        "version": html.escape(str(report.settings.get("claimcheck", ""))),
        "title": html.escape(f"claimcheck report: {counted(counts['articles'], 'article')}, "
                             f"{counted(counts['contradictions'], 'contradiction')}"),
        "subtitle": html.escape(f"{counted(len(report.findings), 'finding')} across {counted(len(ids), 'article')}"),
        "summary": _summary(report),
        "settings": _settings(report),
        "matrix": _matrix(report),
        "disputes": _disputes(report),
        "story_options": _options([(s["id"], s["id"]) for s in story_records(report)]),
        "outlet_options": _options([(o, o) for o in sorted({outlet(a, a.id) for a in report.articles})]),
        "verdict_options": _options([("", "all verdicts")] + [(v, f"{v} ({verdicts[v]})") for v in VERDICTS]),
        "article_options": _options([(i, f"{n}. {_label(i, articles.get(i))}") for n, i in enumerate(ids, 1)]),
        "data": _json_script(payload(report)),
    }
    return _SLOT.sub(lambda m: slots[m.group(1)], page)
