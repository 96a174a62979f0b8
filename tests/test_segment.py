"""Segment: sentences with exact offsets, abbreviations kept whole, headings dropped, languages."""

from __future__ import annotations

import pytest

from checker.config import Settings
from checker.errors import ClaimcheckError
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


def test_segment_unknown_language_is_an_error():
    with pytest.raises(ClaimcheckError) as excinfo:
        segment_article(Article(id="x", text="Ein Text auf Deutsch.", lang="xx"), SETTINGS)
    assert excinfo.value.code == "E214"
    with pytest.raises(ClaimcheckError) as excinfo:
        segment_article(Article(id="y", text="これは日本語の記事です。ミサイルが発射されました。"), SETTINGS)
    assert excinfo.value.code == "E214"


def test_segment_cuts_run_on_text():
    text = ("woord " * 400).strip() + "."
    claims = segment_article(Article(id="x", text=text, lang="nl"), SETTINGS)
    assert len(claims) >= 2
    assert all(len(c.text) <= 1000 and text[c.start:c.end] == c.text for c in claims)
