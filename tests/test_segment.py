"""Segment: sentences with exact offsets, abbreviations kept whole, headings dropped, languages."""

from __future__ import annotations

import pytest

from checker.config import Settings
from checker.ingest import read_articles
from checker.segment import segment, segment_article
from checker.types import Article
from tests.conftest import SEEDS

SETTINGS = Settings()


def test_segment_offsets_point_into_the_article():
    articles = read_articles([str(SEEDS)])
    claims = segment(articles, SETTINGS)
    texts = {a.id: a.text for a in articles}
    assert len(claims) > 30
    for claim in claims:
        assert texts[claim.article_id][claim.start:claim.end] == claim.text
        start, end = claim.paragraph
        assert start <= claim.start and claim.end <= end


def test_segment_drops_headings_and_keeps_claims():
    claims = segment(read_articles([str(SEEDS)]), SETTINGS)
    texts = [c.text for c in claims]
    assert "Irak vooraf gewaarschuwd" not in texts
    assert "Aanval volgt na dood van generaal Qassem Soleimani" not in texts
    assert "Er zijn vooralsnog geen slachtoffers gevallen." in texts
    assert any(t.startswith("Het lijkt er dan ook op dat er geen slachtoffers") for t in texts)


@pytest.mark.parametrize("text", [
    "Dhr. Jansen zegt dat o.a. de premier aanwezig was bij het overleg. Daarna vertrok hij naar huis.",
    "De aanval begon om 0.30 uur plaatselijke tijd met ca. 15 raketten op de basis. Daarna bleef het lang stil.",
    "Volgens mr. De Vries was het bezoek lang geheim gehouden. Later werd het toch bekend.",
])
def test_segment_dutch_abbreviations_and_times_do_not_split(text):
    claims = segment_article(Article(id="x", text=text, lang="nl"), SETTINGS)
    assert len(claims) == 2
    assert claims[1].text.startswith(("Daarna", "Later"))


def test_segment_english_and_detection():
    text = "Mr. Smith said the U.S. troops were warned in time. Nobody was hurt in the attack on the base."
    claims = segment_article(Article(id="en", text=text), SETTINGS)
    assert [c.lang for c in claims] == ["en", "en"]
    assert len(claims) == 2


def test_segment_unreadable_articles_have_no_claims_and_say_why():
    """Not an error that stops the batch, and not a silent pass: unverified (issue 15 B2)."""
    from checker.segment import unverified

    articles = [Article(id="x", text="Ein Text auf Deutsch.", lang="xx"),
                Article(id="y", text="これは日本語の記事です。ミサイルが発射されました。"),
                Article(id="z", text="伊朗向伊拉克的两个美军基地发射了导弹。没有人员伤亡。", lang="nl"),
                Article(id="ok", text="De brandweer meldt dat bij de brand drie mensen gewond raakten.", lang="nl")]
    claims = segment(articles, SETTINGS)
    assert {c.article_id for c in claims} == {"ok"}
    why = unverified(articles, claims, SETTINGS)
    assert list(why) == ["x", "y", "z"]
    assert "'xx' is not supported" in why["x"] and "not one the checker reads" in why["y"]
    assert "no sentence" in why["z"] and "'nl'" in why["z"]


def test_segment_cuts_run_on_text():
    text = ("woord " * 400).strip() + "."
    claims = segment_article(Article(id="x", text=text, lang="nl"), SETTINGS)
    assert len(claims) >= 2
    assert all(len(c.text) <= 1000 and text[c.start:c.end] == c.text for c in claims)
