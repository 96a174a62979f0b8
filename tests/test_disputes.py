"""Disputes: findings grouped by fact, positions with their outlets, wire copies as one origin."""

from __future__ import annotations

import json

import pytest

from checker.cli import main
from checker.disputes import find_disputes, mark_same_origin, origins
from checker.pipeline import Report
from checker.report import RENDERERS
from checker.stories import Stories
from checker.types import Article, Claim, Finding, Reason

LEAD = "Bij een kettingbotsing op de A12 bij Woerden zijn vanochtend {n} mensen gewond geraakt."
REST = " De weg richting Utrecht was urenlang dicht. Twaalf auto's en een vrachtwagen waren betrokken."


def four_reports():
    """NOS and ND say nine injured, AD and RTL ten; ND's text is NOS's wire copy."""
    texts = {"nos": LEAD.format(n="negen") + REST, "nd": LEAD.format(n="negen") + REST + " Dat meldt ANP.",
             "ad": LEAD.format(n="tien") + " Er was dichte mist.", "rtl": "Tien mensen raakten gewond bij de botsing op de A12."}
    outlets = {"nos": "NOS", "nd": "ND", "ad": "AD", "rtl": "RTL"}
    articles = [Article(k, t, source=outlets[k], date=f"2024-03-12T{8 + i:02d}:00+01:00") for i, (k, t) in enumerate(texts.items())]
    claims = {k: Claim(k, 0, t.split(". ")[0].rstrip(".") + ".", 0, 0, "nl") for k, t in texts.items()}
    clash = (Reason("QTY_MISMATCH", "9 injured vs 10 injured"),)
    findings = [Finding("contradiction", 0.95, claims[a], claims[b], clash) for a in ("nos", "nd") for b in ("ad", "rtl")]
    findings += [Finding("agreement", 0.9, claims["nos"], claims["nd"]), Finding("agreement", 0.8, claims["ad"], claims["rtl"])]
    return articles, findings


def test_four_reports_make_one_dispute_with_two_positions():
    articles, findings = four_reports()
    stories = Stories({a.id: "s1" for a in articles})
    origin = origins(articles, stories)
    disputes = find_disputes(findings, articles, stories, origin)
    assert len([f for f in findings if f.verdict == "contradiction"]) == 4  # four pair rows before
    assert len(disputes) == 1
    (dispute,) = disputes
    assert dispute.fact == "9 injured vs 10 injured" and dispute.kind == "contradiction"
    assert [p.outlets for p in dispute.positions] == [("NOS", "ND"), ("AD", "RTL")]
    assert [p.origins for p in dispute.positions] == [1, 2]  # ND reprints NOS: one origin


def test_positions_without_agreements_split_in_two_camps():
    articles, findings = four_reports()
    stories = Stories({a.id: "s1" for a in articles})
    only_clashes = [f for f in findings if f.verdict == "contradiction"]
    (dispute,) = find_disputes(only_clashes, articles, stories, origins(articles, stories))
    assert [set(p.outlets) for p in dispute.positions] == [{"NOS", "ND"}, {"AD", "RTL"}]


def test_wire_copies_are_one_origin_and_their_agreement_is_marked():
    articles, findings = four_reports()
    origin = origins(articles, Stories({a.id: "s1" for a in articles}))
    assert origin["nd"] == origin["nos"] and len(set(origin.values())) == 3
    marked = mark_same_origin(findings, origin)
    same = [f for f in marked if any(r.code == "SAME_ORIGIN" for r in f.reasons)]
    assert [(f.a.article_id, f.b.article_id) for f in same] == [("nos", "nd")]


def test_copies_in_different_stories_are_not_compared():
    articles, _ = four_reports()
    origin = origins(articles, Stories({"nos": "s1", "nd": "s2", "ad": "s1", "rtl": "s1"}))
    assert origin["nd"] != origin["nos"]


def test_markdown_and_github_lead_with_disputes():
    articles, findings = four_reports()
    stories = Stories({a.id: "s1" for a in articles})
    origin = origins(articles, stories)
    report = Report(articles, [], findings, stories, find_disputes(findings, articles, stories, origin), origin,
                    stats={"articles": 4, "stories": 1, "contradictions": 4, "agreements": 2})
    markdown = RENDERERS["markdown"](report)
    assert markdown.index("## Disputes") < markdown.index("## Findings by article pair")
    assert "**NOS, ND (1 independent origin)**" in markdown and "**AD, RTL**" in markdown
    github = RENDERERS["github"](report).splitlines()
    assert len(github) == 1 and github[0].startswith("::error ") and "9 injured vs 10 injured" in github[0]
    doc = json.loads(RENDERERS["json"](report))
    assert len(doc["disputes"]) == 1 and len(doc["findings"]) == 6
    assert doc["disputes"][0]["positions"][0]["outlets"] == ["NOS", "ND"]
    assert {a["id"]: a["story"] for a in doc["articles"]} == {"nos": "s1", "nd": "s1", "ad": "s1", "rtl": "s1"}


@pytest.mark.slow
def test_verify_four_outlets_on_one_accident(cli_uses_real_models, tmp_path, capsys):
    """End to end with the real models: one injured-count dispute, NOS and its wire copy as one origin."""
    articles, _ = four_reports()
    path = tmp_path / "a12.jsonl"
    path.write_text("".join(json.dumps({"id": a.id, "text": a.text, "source": a.source, "date": a.date,
                                        "title": f"Botsing A12 ({a.source})"}) + "\n" for a in articles))
    assert main(["verify", str(path), "--format", "json", "--quiet"]) == 1
    doc = json.loads(capsys.readouterr().out)
    injured = [d for d in doc["disputes"] if "injured" in d["fact"]]
    assert len(injured) == 1 and len(doc["stories"]) == 1
    sides = [set(p["outlets"]) for p in injured[0]["positions"]]
    assert {"NOS", "ND"} in sides and any({"AD", "RTL"} <= side for side in sides)
    nos_origin = {a["id"]: a["origin"] for a in doc["articles"]}
    assert nos_origin["nd"] == nos_origin["nos"]


def test_markdown_is_inert_in_a_pull_request_comment():
    """Ids, outlets and claims cannot open HTML, mention people, link issues or leave a code span."""
    from checker.report.as_markdown import code, text

    hostile = "<img src=x onerror=alert(1)> @octocat see #12 `x` [a](http://e.vil)"
    rendered = text(hostile)
    assert "<img" not in rendered and "&lt;img" in rendered
    assert "@octocat" not in rendered and "#12" not in rendered and "[a](" not in rendered
    assert code("id`` with ticks") == "```id`` with ticks```" and code("plain") == "`plain`"
    articles, findings = four_reports()
    articles[0] = Article("nos", articles[0].text, source="@nos <b>NOS</b>", date=articles[0].date)
    stories = Stories({a.id: "s1" for a in articles})
    origin = origins(articles, stories)
    report = Report(articles, [], findings, stories, find_disputes(findings, articles, stories, origin), origin)
    markdown = RENDERERS["markdown"](report)
    assert "<b>" not in markdown and "@nos" not in markdown


def test_markdown_names_each_article_once_and_counts_in_words():
    from checker.report.as_markdown import describe_article, summary_line

    assert describe_article("a1", Article("a1", "x", date="2020-01")) == "`a1` (2020-01)"
    assert describe_article("a1", Article("a1", "x", source="NOS", title="Kop")) == "NOS — Kop `a1`"
    report = Report([Article("a1", "x")], [], [], stats={"articles": 1, "stories": 1, "claims": 1})
    assert summary_line(report).startswith("1 article in 1 story, 1 claim: 0 disputes;")


def test_markdown_and_github_point_at_the_line_of_the_file(tmp_path):
    """A .txt article with a leading date line: the GitHub annotation and the markdown name the line
    of the claim in the file, not in the text after the date line (issue 14); a JSONL article keeps
    its offsets into the record's text."""
    from checker.ingest import read_articles

    (tmp_path / "nos.txt").write_text("date 2024-03-12\nBotsing op de A12\n\n" + LEAD.format(n="negen") + "\n")
    (tmp_path / "ad.jsonl").write_text(json.dumps({"id": "ad", "text": "Kop\n\n" + LEAD.format(n="tien")}) + "\n")
    articles = read_articles([str(tmp_path / "nos.txt"), str(tmp_path / "ad.jsonl")])
    nos, ad = (Claim(a.id, 0, LEAD.format(n=n), a.text.index("Bij"), len(a.text.rstrip()), "nl")
               for a, n in zip(articles, ("negen", "tien")))
    finding = Finding("contradiction", 0.9, nos, ad, (Reason("QTY_MISMATCH", "9 injured vs 10 injured"),))
    stories = Stories({a.id: "s1" for a in articles})
    origin = origins(articles, stories)
    report = Report(articles, [nos, ad], [finding], stories, find_disputes([finding], articles, stories, origin), origin)
    (annotation,) = RENDERERS["github"](report).splitlines()
    assert annotation.startswith(f"::error file={tmp_path / 'nos.txt'},line=4,")
    markdown = RENDERERS["markdown"](report)
    assert "`nos` (2024-03-12) line 4\n" in markdown and f"`ad` [{ad.start}:{ad.end}]\n" in markdown
