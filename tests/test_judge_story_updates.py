"""End to end with the real models on a story that is no war: a pile-up on a motorway, reported by
two outlets over one evening while the count of injured rises. The update is found by publication
time within one day; the seriously injured (a subset) are never set against the total."""

from __future__ import annotations

import pytest

from checker.config import Settings
from checker.pipeline import verify
from checker.types import Article

pytestmark = pytest.mark.slow

EVENING = [
    Article("omroep-1810", "Kettingbotsing op de A28 bij Meppel\n\nBij een kettingbotsing op de A28 bij Meppel zijn "
            "voor zover bekend vier mensen gewond geraakt. Hulpdiensten zijn massaal uitgerukt.",
            title="Kettingbotsing op A28 bij Meppel", date="2024-11-14T18:10:00+01:00", source="Omroep Oost"),
    Article("krant-2030", "Kettingbotsing A28: zeven gewonden\n\nBij de kettingbotsing op de A28 bij Meppel zijn "
            "zeven mensen gewond geraakt, van wie twee zwaargewond. De politie onderzoekt de oorzaak.",
            title="Kettingbotsing A28: zeven gewonden", date="2024-11-14T20:30:00+01:00", source="Dagblad Noord"),
    Article("omroep-2245", "Aantal gewonden kettingbotsing A28 gestegen\n\nHet aantal gewonden bij de kettingbotsing "
            "op de A28 bij Meppel is opgelopen tot negen, van wie drie zwaargewond. De oorzaak van het ongeluk is nog niet bekend.",
            title="Aantal gewonden kettingbotsing A28 gestegen", date="2024-11-14T22:45:00+01:00", source="Omroep Oost"),
]


@pytest.fixture(scope="module")
def report(real_models):
    return verify(EVENING, Settings(device="cpu"), real_models)


def _pairs(findings, verdict):
    return {frozenset((f.a.article_id, f.b.article_id)) for f in findings if f.verdict == verdict}


def test_evening_reports_are_one_story(report):
    assert len(set(report.stories.of.values())) == 1


def test_rising_count_is_an_update_by_publication_time(report):
    updates = [f for f in report.findings if f.verdict == "update"]
    assert frozenset(("omroep-1810", "omroep-2245")) in _pairs(updates, "update")
    reason = next(r.text for f in updates for r in f.reasons
                  if r.code == "TIME_UPDATE" and {f.a.article_id, f.b.article_id} == {"omroep-1810", "omroep-2245"})
    assert "2024-11-14T18:10" in reason and "2024-11-14T22:45" in reason


def test_subset_of_seriously_injured_is_never_compared_with_the_total(report):
    for finding in report.findings:
        for reason in finding.reasons:
            if reason.code in ("QTY_MISMATCH", "QTY_MATCH", "TIME_UPDATE"):
                counts = reason.text.split(" vs " if " vs " in reason.text else " → ")
                assert len(counts) == 2 and ("severe" in counts[0]) == ("severe" in counts[1]), reason.text


def test_no_contradiction_in_an_evening_of_consistent_reports(report):
    assert not [f for f in report.findings if f.verdict == "contradiction"], \
        [(f.a.text, f.b.text, f.reasons) for f in report.findings if f.verdict == "contradiction"]
