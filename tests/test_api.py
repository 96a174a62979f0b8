"""The Python API (``checker.Checker``): one object, the models loaded once, one call per job; the
same results as the CLI. Tiny random models for plumbing, the real ones for one verdict (``slow``)."""

from __future__ import annotations

import json
import pytest

import checker
from checker.api import Checker, as_articles, exit_code
from checker.config import Settings
from checker.errors import ClaimcheckError, ExitCode
from checker.types import Article
from tests.conftest import ROOT
from tests.test_serve import article


@pytest.fixture(scope="module")
def settings(tiny_model_dirs, tiny_ner_dir) -> Settings:
    return Settings(device="cpu", embed_model=str(tiny_model_dirs["embed"]), nli_model=str(tiny_model_dirs["nli"]),
                    ner_model=str(tiny_ner_dir))


def test_api_is_exported_from_the_package():
    assert checker.Checker is Checker and checker.exit_code is exit_code
    with pytest.raises(AttributeError):
        checker.NoSuchThing  # noqa: B018


def test_api_load_loads_the_models_once_and_validates_overrides(settings):
    loaded = Checker.load(settings, pair_top_k=3)
    assert loaded.settings.pair_top_k == 3
    assert loaded.models is loaded.models and loaded.embedder is loaded.models.embedder
    with pytest.raises(ClaimcheckError) as bad:
        Checker.load(settings, pair_top_k=0)
    assert bad.value.code == "E303"
    with pytest.raises(ClaimcheckError) as unknown:
        Checker.load(settings, no_such_setting=1)
    assert unknown.value.code == "E303"


def test_api_verify_reports_like_the_cli(settings, tiny_models):
    batch = [article(1), article(2), article(3, lang="fr")]
    api = Checker(settings, models=tiny_models)
    report = api.verify(batch)
    assert report.stats["claims"] == 6 and list(report.stats["unverified"]) == ["art003"]
    assert exit_code(report) == ExitCode.FINDINGS  # an unverified article fails, as `verify` exits 1
    doc = json.loads(api.render(report, "json"))
    assert [a["id"] for a in doc["articles"]] == ["art001", "art002", "art003"] and doc["stats"]["unverified"]
    assert api.render(report, "markdown").startswith("#")
    clean = api.verify(batch[:2])
    assert exit_code(clean) == (ExitCode.FINDINGS if clean.contradictions else ExitCode.CLEAN)


def test_api_articles_are_checked_like_jsonl_lines():
    good = as_articles([{"id": 7, "text": "Een zin van vier woorden.", "date": "2024-03-12 08:10"}, Article("b", "Tekst.")])
    assert [a.id for a in good] == ["7", "b"] and good[0].date == "2024-03-12T08:10" and good[0].path == "articles:1"
    for bad, code in (([["not", "a", "dict"]], "E205"), ([{"id": "a", "text": "x", "url": 5}], "E205"),
                      ([{"id": "a"}], "E206"), ([{"id": True, "text": "x"}], "E206"),
                      ([{"id": "a", "text": "x"}, {"id": "a", "text": "y"}], "E211")):
        with pytest.raises(ClaimcheckError) as caught:
            as_articles(bad)
        assert caught.value.code == code, bad


def test_api_ingest_check_and_stats_on_one_store(settings, tmp_path):
    """A lazily loading checker: ingest loads the embedder alone, check adds the NLI model to it."""
    db = tmp_path / "news.db"
    api = Checker(settings)
    summary = api.ingest([article(i) for i in range(4)], db)
    assert summary == {"added": 4, "replaced": 0, "unchanged": 0, "claims": 12, "stories_opened": summary["stories_opened"],
                       "stories_merged": summary["stories_merged"], "unverified": 0}
    embedder = api.embedder
    result = api.check([article(9, "new")], db)
    assert api.models.embedder is embedder
    assert result.passed and exit_code(result) == ExitCode.CLEAN and result.ingested == {}
    assert Checker.stats(db)["articles"] == 4
    passed = api.check([article(9, "new")], db, ingest=True)
    assert passed.ingested["added"] == 1 and Checker.stats(db)["articles"] == 5
    failed = api.check([article(10, "new", lang="fr")], db, ingest=True)
    assert not failed.passed and exit_code(failed) == ExitCode.FINDINGS and failed.ingested == {}
    assert json.loads(api.render(failed, "json"))["ci"]["passed"] is False
    stats = Checker.stats(db)
    assert stats["articles"] == 5 and stats["claims"] == 15 and stats["index_in_sync"] is True
    with pytest.raises(ClaimcheckError) as missing:
        api.check([article(1)], tmp_path / "nothing.db")
    assert missing.value.code == "E403"


def test_api_check_takes_a_baseline_file_or_its_entries(settings, tiny_models, tmp_path):
    db = tmp_path / "news.db"
    api = Checker(settings, models=tiny_models)
    api.ingest([article(1)], db)
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"version": 1, "findings": [{"id": "0123456789abcdef"}]}')
    assert api.check([article(2, "n")], db, baseline=baseline).stale == ["0123456789abcdef"]
    assert api.check([article(2, "n")], db, baseline={"feedface": {"id": "feedface"}}).stale == ["feedface"]
    baseline.write_text("{}")
    with pytest.raises(ClaimcheckError) as bad:
        api.check([article(2, "n")], db, baseline=str(baseline))
    assert bad.value.code == "E405"


def test_api_analyze_gives_the_facts_of_each_claim(settings):
    api = Checker(settings)
    records = api.analyze([{"id": "a", "text": "Bij de brand in Zwolle raakten gisteren vier mensen gewond.",
                            "date": "2024-05-02", "lang": "nl"}])
    assert len(records) == 1 and records[0]["article"] == "a"
    assert records[0]["quantities"][0]["low"] == 4 and records[0]["times"]["days"] == ["2024-05-01"]


@pytest.mark.slow
def test_api_verify_with_the_real_models_finds_the_clashing_count(real_models):
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "stories_nl.jsonl").read_text().splitlines()]
    pile_up = [{k: v for k, v in r.items() if k != "story"} for r in rows if r["story"] == "a12"]
    report = Checker(Settings(device="cpu"), models=real_models).verify(pile_up)
    assert exit_code(report) == ExitCode.FINDINGS
    assert any("QTY_MISMATCH" in {r.code for r in f.reasons} for f in report.contradictions)
