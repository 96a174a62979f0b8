"""Quantities: counts, bounds, zero expressions and what they count, in Dutch and English."""

from __future__ import annotations

import math

import pytest

from checker.judge.quantities import compare, extract, parse_number


def _ranges(sentence: str) -> set[tuple[str, float, float]]:
    return {(q.category, q.low, q.high) for q in extract(sentence)}


@pytest.mark.parametrize("word,value", [
    ("80", 80), ("1.200", 1200), ("5,000", 5000), ("tachtig", 80), ("tweeëntwintig", 22),
    ("eenentwintig", 21), ("forty-two", 42), ("thirty-four", 34), ("elf", 11), ("sixteen", 16), ("a dozen", 12),
])
def test_quantities_parse_number(word, value):
    assert parse_number(word) == value


@pytest.mark.parametrize("sentence,expected", [
    ("Er zijn vooralsnog geen slachtoffers gevallen.", ("casualties", 0, 0)),
    ("Bij de aanval zijn zeker tachtig mensen om het leven gekomen.", ("killed", 80, math.inf)),
    ("At least 80 people were killed in the strikes.", ("killed", 80, math.inf)),
    ("Er zijn tientallen gewonden.", ("injured", 20, 99)),
    ("Dozens of American soldiers were wounded.", ("injured", 24, 99)),
    ("Niemand kwam om bij de aanval.", ("killed", 0, 0)),
    ("No one was killed in the attack.", ("killed", 0, 0)),
    ("Nobody was hurt.", ("injured", 0, 0)),
    ("Ook laat hij weten dat geen melding is gemaakt van slachtoffers.", ("casualties", 0, 0)),
    ("There are no reports of casualties yet.", ("casualties", 0, 0)),
    ("No Americans were harmed, the White House said.", ("casualties", 0, 0)),
    ("Iran vuurde ruim twintig raketten af.", ("missiles", 21, math.inf)),
    ("More than a dozen missiles were fired.", ("missiles", 13, math.inf)),
    ("Fewer than ten missiles were fired.", ("missiles", 0, 9)),
    ("Up to 30 missiles were launched.", ("missiles", 0, 30)),
    ("Ongeveer 5000 Amerikaanse militairen zijn in Irak gelegerd.", ("troops", 4000, 6000)),
    ("The US has about 5,000 troops in Iraq.", ("troops", 4000, 6000)),
    ("Iran heeft twee legerbases in Irak gebombardeerd.", ("bases", 2, 2)),
    ("Elf Amerikaanse militairen raakten gewond.", ("injured", 11, 11)),
    ("Thirty-four US service members were diagnosed with traumatic brain injuries.", ("injured", 34, 34)),
    ("Het aantal militairen met hersenletsel is opgelopen tot 50.", ("injured", 50, 50)),
    ("The number of troops diagnosed with brain injuries has risen to 109.", ("injured", 109, 109)),
    ("Het dodental is gestegen tot 176.", ("killed", 176, 176)),
])
def test_quantities_extract_ranges(sentence, expected):
    assert expected in _ranges(sentence)


@pytest.mark.parametrize("sentence", [
    "Soleimani werd op vrijdag 3 januari gedood.",  # a date, not a count
    "In 2020 werden raketten afgevuurd op een legerbasis.",  # a year; "een" is an article
    "Soleimani was één van de machtigste mannen van Iran.",
    "De eerste raketten sloegen om 01.30 uur in.",
    "We willen geen escalatie of oorlog.",
])
def test_quantities_ignore_non_counts(sentence):
    assert extract(sentence) == []


def test_quantities_record_whose_count_and_where():
    us, = extract("Elf Amerikaanse militairen raakten gewond op Al Asad.")
    assert us.who == {"us"} and us.scope == {"asad"}
    dutch, = extract("Geen Nederlandse militairen raakten gewond.")
    assert dutch.who == {"netherlands"}


def test_quantities_attribution_is_not_a_scope():
    quantity, = extract("Iran wil geen escalatie, maar er vielen tachtig doden, aldus Javad Zarif.")
    assert quantity.scope == frozenset()


@pytest.mark.parametrize("a,b,clashes,matches", [
    ("Er zijn geen doden gevallen.", "Er zijn zeker tachtig doden gevallen.", 1, 0),
    ("Er vielen geen slachtoffers.", "At least 80 people were killed.", 1, 0),  # zero casualties covers killed
    ("Iran vuurde 22 raketten af.", "Iran fired 16 missiles.", 1, 0),
    ("Iran vuurde ruim twintig raketten af.", "Iran fired 22 missiles.", 0, 1),
    ("Er vielen geen slachtoffers.", "Niemand kwam om of raakte gewond.", 0, 2),
    ("Elf Amerikaanse militairen raakten gewond.", "Geen Nederlandse militairen raakten gewond.", 0, 0),
    ("Twelve missiles struck Al Asad air base.", "Two missiles struck the base in Erbil.", 0, 0),
    ("Eleven missiles hit the Al Asad base.", "Iran fired sixteen missiles in total.", 0, 0),  # part of the total
    ("Twenty missiles hit the Al Asad base.", "Iran fired sixteen missiles in total.", 1, 0),  # part above total
    ("Er vielen elf gewonden.", "Er vielen vijf doden.", 0, 0),  # different things counted
])
def test_quantities_compare(a, b, clashes, matches):
    found = compare(extract(a), extract(b))
    assert (len(found[0]), len(found[1])) == (clashes, matches)


def test_quantities_describe():
    killed, = extract("At least 80 people were killed.")
    zero, = extract("No one was killed.")
    assert (zero.describe(), killed.describe()) == ("0 killed", "≥ 80 killed")
