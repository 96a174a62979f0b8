"""The judge's acceptance checks end to end (checker.pipeline.verify, real models) on the seed articles
plus the articles written for each phenomenon in eval/articles/."""

from __future__ import annotations

import pytest

from checker.config import Settings
from checker.ingest import read_articles
from checker.judge import REASON_CODES
from checker.pipeline import verify
from checker.stories import Stories
from checker.types import Finding
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow

US_WARNED = ("tijdig zijn gewaarschuwd", "warned in time", "niet gewaarschuwd")
IRAQ_WARNED = ("door Teheran te zijn gewaarschuwd", "warned about the attack by Tehran")


@pytest.fixture(scope="module")
def findings(real_models) -> list[Finding]:
    """All articles report one event (the Al Asad attack, 8-24 January), given as one story, as a
    CMS would: the week-later injury update is beyond the automatic grouping's 48-hour window."""
    articles = read_articles([str(SEEDS), str(ROOT / "eval" / "articles")])
    return verify(articles, Settings(device="cpu"), real_models, stories=Stories({a.id: "al-asad" for a in articles})).findings


def test_judge_articles_automatic_stories_join_dutch_and_english_reports(real_models):
    """Left to itself, the grouping puts the English Pentagon report with the Dutch reports of the
    same night (a cross-language story), and the update of a week later in a story of its own."""
    articles = read_articles([str(SEEDS), str(ROOT / "eval" / "articles")])
    report = verify(articles, Settings(device="cpu"), real_models)
    story = report.stories.of
    assert story["pentagon_en"] == story["000_045f236b697109b6"] == story["irib_casualties_nl"]
    assert story["injured_update_en"] != story["injured_update_nl"]
    assert all(story[f.a.article_id] == story[f.b.article_id] for f in report.findings)


def _between(findings: list[Finding], verdict: str, first: tuple[str, ...], second: tuple[str, ...]) -> list[Finding]:
    def has(text: str, parts: tuple[str, ...]) -> bool:
        return any(p in text for p in parts)
    return [f for f in findings if f.verdict == verdict and
            ((has(f.a.text, first) and has(f.b.text, second)) or (has(f.a.text, second) and has(f.b.text, first)))]


def test_judge_articles_casualty_contradiction(findings):
    found = _between(findings, "contradiction", ("geen slachtoffers", "no casualties"), ("tachtig",))
    assert found, [(f.a.text, f.b.text) for f in findings if f.verdict == "contradiction"]
    assert any(r.code == "QTY_MISMATCH" and "0 " in r.text and "80" in r.text and "casualties" in r.text
               for f in found for r in f.reasons)


def test_judge_articles_casualty_contradiction_is_disputed_between_sources(findings):
    found = _between(findings, "contradiction", ("no casualties, the Pentagon said",), ("tachtig",))
    assert any(f.disputed_by == ("Iraanse staatstelevisie", "Pentagon") for f in found), found


def test_judge_articles_warning_contradiction(findings):
    assert _between(findings, "contradiction", ("tijdig zijn gewaarschuwd", "warned in time"), ("niet gewaarschuwd",))


def test_judge_articles_us_warned_vs_iraq_warned_not_flagged(findings):
    for verdict in ("contradiction", "agreement"):
        assert not _between(findings, verdict, US_WARNED, IRAQ_WARNED), verdict


def test_judge_articles_cross_language_pairs_agree(findings):
    cross = [f for f in findings if f.verdict == "agreement" and f.a.lang != f.b.lang]
    assert _between(cross, "agreement", ("vooralsnog geen slachtoffers",), ("So far there have been no casualties",))


def test_judge_articles_every_finding_has_documented_reasons(findings):
    assert findings
    for finding in findings:
        assert finding.reasons and all(r.code in REASON_CODES and r.text for r in finding.reasons)
