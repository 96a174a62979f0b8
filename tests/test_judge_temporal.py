"""Time: hedges, revisions, dates, weekdays against the article date, clock times and their clashes."""

from __future__ import annotations

import pytest

from checker.judge.temporal import clash, is_later, time_info

WEDNESDAY = "2020-01-08"


@pytest.mark.parametrize("sentence", [
    "Er zijn vooralsnog geen slachtoffers gevallen.", "Tot nu toe zijn elf militairen behandeld.",
    "Het lijkt erop dat er geen slachtoffers zijn, maar dat is nog niet officieel bevestigd.",
    "So far, eleven service members were treated.", "The death toll has not yet been confirmed.",
    "There are no reports of casualties yet.", "Voorlopig zijn er geen gewonden gemeld.",
])
def test_temporal_hedges(sentence):
    assert time_info(sentence).hedged


@pytest.mark.parametrize("sentence", ["Elf militairen raakten gewond.", "Iran fired 22 missiles."])
def test_temporal_no_hedge(sentence):
    assert not time_info(sentence).hedged


@pytest.mark.parametrize("sentence", ["Het aantal gewonden is opgelopen tot 50.", "The number has risen to 109."])
def test_temporal_revisions(sentence):
    assert time_info(sentence).revised


@pytest.mark.parametrize("sentence,days", [
    ("Soleimani werd op 3 januari gedood.", {(2020, 1, 3)}),
    ("Soleimani was killed on January 3.", {(2020, 1, 3)}),
    ("Soleimani was killed on Jan. 3, 2020.", {(2020, 1, 3)}),
    ("Hij werd vrijdag gedood.", {(2020, 1, 3)}),  # the Friday before the article date
    ("Iran vuurde dinsdagnacht raketten af.", {(2020, 1, 7), (2020, 1, 8)}),
    ("In de nacht van dinsdag op woensdag vielen raketten.", {(2020, 1, 7), (2020, 1, 8)}),
    ("Iran launched the missiles on Tuesday night.", {(2020, 1, 7), (2020, 1, 8)}),
    ("The missiles were fired on Wednesday, January 8.", {(2020, 1, 8)}),
])
def test_temporal_days(sentence, days):
    assert time_info(sentence, WEDNESDAY).days == days


def test_temporal_weekdays_without_article_date_stay_weekdays():
    info = time_info("Hij werd vrijdag gedood.")
    assert info.weekdays == {4} and not info.days


@pytest.mark.parametrize("sentence,minutes", [
    ("De eerste raketten sloegen om 01.30 uur in.", {90}), ("The missiles struck at 1:30 a.m.", {90}),
    ("The attack began at 5 a.m. local time.", {300}), ("Om 22:15 kwam het nieuws.", {1335}),
    ("Trump spoke at 9.30 p.m.", {1290}), ("Er vielen 1.30 doden.", set()),
])
def test_temporal_clock(sentence, minutes):
    assert time_info(sentence).clock == minutes


@pytest.mark.parametrize("a,b,expected", [
    ("De raketten sloegen om 01.30 uur plaatselijke tijd in.", "The missiles struck at 5:30 a.m. local time.", "01:30 vs 05:30"),
    ("De raketten sloegen om 01.30 uur in.", "The missiles struck around 1:45 a.m.", None),  # within tolerance
    ("De raketten sloegen om 01.30 uur plaatselijke tijd in.", "De raketten sloegen om 23.30 uur Nederlandse tijd in.", None),
    ("Soleimani was killed on January 3.", "Soleimani was killed on January 5.", "2020-01-03 vs 2020-01-05"),
    ("Soleimani werd vrijdag gedood.", "Soleimani was killed on January 3.", None),
    ("Iran vuurde dinsdagnacht raketten af.", "Iran fired missiles on Wednesday.", None),
    ("Iran fired missiles on January 8.", "Iran vuurde raketten af.", None),  # unstated
])
def test_temporal_clash(a, b, expected):
    assert clash(time_info(a, WEDNESDAY), time_info(b, WEDNESDAY), 30) == expected


def test_temporal_weekday_clash_without_dates():
    assert clash(time_info("Hij werd vrijdag gedood."), time_info("Hij werd dinsdag gedood."), 30) == "friday vs tuesday"


@pytest.mark.parametrize("a,b,later", [
    ("2020-01-08", "2020-01-16", True), ("2020-01-16", "2020-01-08", False), ("2020-01", "2020-01-16", False),
    ("2020-01", "2020-02-01", True), (None, "2020-01-16", False), ("2020-01-08", "2020-01-08", False),
])
def test_temporal_is_later(a, b, later):
    assert is_later(a, b) is later


@pytest.mark.parametrize("sentence, published, days, months", [
    # across the turn of the year, a date without a year is the nearest one
    ("Their first visit since their Dec. 11 meeting with the president.", "2019-01-02", {(2018, 12, 11)}, set()),
    ("Op 3 januari begint de proef met de nieuwe dienstregeling.", "2024-12-20", {(2025, 1, 3)}, set()),
    ("Op 15 augustus opent het vernieuwde museum.", "2024-03-12", {(2024, 8, 15)}, set()),
    # a month without a day: the last one
    ("The exchange was valued at 32 billion dollars in January.", "2022-11-11", set(), {(2022, 1)}),
    ("In juli stortte de brug in.", "2024-03-12", set(), {(2023, 7)}),
    ("In december was het uitzonderlijk koud.", "2024-01-05", set(), {(2023, 12)}),
])
def test_temporal_year_of_dates_and_months_without_one(sentence, published, days, months):
    info = time_info(sentence, published)
    assert set(info.days) == days and set(info.months) == months
