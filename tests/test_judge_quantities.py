"""Quantities: types, ranges and counted things in Dutch and English news of many domains."""

from __future__ import annotations

import math

import pytest

from checker.judge.quantities import TYPES, compare, extract, parse_number, part_of

INF = math.inf


def _found(sentence: str) -> set[tuple]:
    return {(q.type, q.low, q.high, q.key, q.unit) for q in extract(sentence)}


@pytest.mark.parametrize("word,value", [
    ("80", 80), ("1.200", 1200), ("5,000", 5000), ("3,5", 3.5), ("3.5", 3.5), ("tachtig", 80), ("tweeëntwintig", 22),
    ("eenentwintig", 21), ("forty-two", 42), ("thirty-four", 34), ("elf", 11), ("sixteen", 16), ("a dozen", 12),
])
def test_quantities_parse_number(word, value):
    assert parse_number(word) == value


@pytest.mark.parametrize("sentence,expected", [
    # accidents and disasters: what happened to the people counted
    ("Er zijn vooralsnog geen slachtoffers gevallen.", ("count", 0, 0, "casualties", None)),
    ("Bij de overstroming zijn zeker tachtig mensen om het leven gekomen.", ("count", 80, INF, "killed", None)),
    ("At least 80 people were killed in the floods.", ("count", 80, INF, "killed", None)),
    ("Er zijn tientallen gewonden.", ("count", 20, 99, "injured", None)),
    ("Niemand kwam om bij de brand.", ("count", 0, 0, "killed", None)),
    ("Nobody was hurt.", ("count", 0, 0, "injured", None)),
    ("Bij de kettingbotsing raakten drie mensen zwaargewond.", ("count", 3, 3, "injured:severe", None)),
    ("Three people were seriously injured.", ("count", 3, 3, "injured:severe", None)),
    ("Elf agenten raakten gewond bij de rellen.", ("count", 11, 11, "injured|agent", None)),
    ("Het aantal gewonden is opgelopen tot 34.", ("count", 34, 34, "injured", None)),
    ("Het dodental is gestegen tot 176.", ("count", 176, 176, "killed", None)),
    # what happened, said before the noun or after "the number of": the same key as said in a clause
    ("Voorlopig is sprake van elf gewonde fietsers.", ("count", 11, 11, "injured|fietser", None)),
    ("Het aantal gewonde fietsers is gestegen naar 19.", ("count", 19, 19, "injured|fietser", None)),
    ("The number of miners treated for injuries has risen to 40.", ("count", 40, 40, "injured|miner", None)),
    ("Forty miners were treated for injuries.", ("count", 40, 40, "injured|miner", None)),
    ("There are no reports of casualties yet.", ("count", 0, 0, "casualties", None)),
    # courts, politics, economy, sport, weather, science
    ("Ruim 2.700 woningen zijn zonder stroom.", ("count", 2701, INF, "woning", None)),
    ("Minder dan tien fracties stemden voor de motie.", ("count", 0, 9, "fractie", None)),
    ("Tien kinderen die vingers verloren, werden behandeld.", ("count", 10, 10, "kind", None)),
    ("De man werd veroordeeld tot drie jaar cel.", ("duration", 3, 3, "year:cel", "year")),
    ("De renovatie kost 3,5 miljoen euro.", ("money", 3.5e6, 3.5e6, "EUR", "EUR")),
    ("The company lost $2 billion last year.", ("money", 2e9, 2e9, "USD", "USD")),
    ("Britain's £40m plan was approved.", ("money", 4e7, 4e7, "GBP", "GBP")),
    ("De werkloosheid steeg met 12 procent.", ("percent", 12, 12, "%", "%")),
    ("Inflation fell to 3.5% in March.", ("percent", 3.5, 3.5, "%", "%")),
    ("Er viel 40 millimeter regen.", ("measure", 40, 40, "mm", "mm")),
    ("De file was ongeveer 120 kilometer lang.", ("measure", 96, 144, "km", "km")),
    ("Het 48-jarige slachtoffer overleed in het ziekenhuis.", ("age", 48, 48, None, None)),
    ("A 35-year-old man was arrested.", ("age", 35, 35, None, None)),
    ("Het was de derde keer dit seizoen.", ("ordinal", 3, 3, None, None)),
    ("She finished 3rd in the final.", ("ordinal", 3, 3, None, None)),
    ("In 2019 werden 1.200 mensen aangehouden.", ("year", 2019, 2019, None, None)),
    ("In 2019 werden 1.200 mensen aangehouden.", ("count", 1200, 1200, "arrested", None)),
])
def test_quantities_extract(sentence, expected):
    found = _found(sentence)
    assert expected in found and {q[0] for q in found} <= set(TYPES)


@pytest.mark.parametrize("sentence", [
    "De rechter deed op vrijdag 3 januari uitspraak.",  # a date, not a count
    "De eerste trein vertrok om 01.30 uur.",  # a clock time (the ordinal is no count either)
    "Ajax won met 2-1 van PSV.",  # a score
    "Het verkeer op de A12 stond stil.",  # a road
    "We willen geen escalatie of oorlog.",  # "geen" without a counted event
    "Zij was één van de machtigste vrouwen van het land.",
    "The final version was sent shortly after 3 p.m.",
])
def test_quantities_no_counts(sentence):
    assert not [q for q in extract(sentence) if q.type in ("count", "money", "percent", "measure", "duration")]


def test_quantities_a_part_and_a_date_are_no_counts():
    assert [(q.low, q.key) for q in extract("Fifteen of the 19 hijackers were Saudi nationals.", lang="en")] \
        == [(19, "hijacker")]
    assert extract("Fifteen of the 19 Sept. 11 hijackers were Saudi nationals.", lang="en") == []


def test_quantities_counts_of_things_compare_only_within_one_event():
    a, b = extract("The 100 pages of e-mails showed a disagreement."), extract("After 11 hearings, 25,000 pages of documents.")
    assert compare(a, b) == ([], [])
    assert len(compare(a, b, link="event")[0]) == 1


def test_quantities_keys_of_subsets():
    assert part_of("injured:severe", "injured") and part_of("injured|agent", "injured")
    assert part_of("killed", "casualties") and not part_of("injured", "injured:severe")
    assert not part_of("kind", "injured")


def test_quantities_who_and_where_come_from_entities():
    sentence = "Elf Duitse toeristen raakten gewond in Gent."
    start, end = sentence.index("Duitse"), sentence.index("Gent")
    count, = [q for q in extract(sentence, [(start, start + 6, "duits"), (end, end + 4, "loc:gent")])]
    assert count.who == {"duits"} and count.scope == {"loc:gent"}


@pytest.mark.parametrize("a,b,clashes,matches", [
    ("Er zijn geen doden gevallen.", "Er zijn zeker tachtig doden gevallen.", 1, 0),
    ("Er vielen geen slachtoffers.", "At least 80 people were killed.", 1, 0),  # zero casualties covers killed
    ("De politie hield 22 relschoppers aan.", "De politie hield 16 relschoppers aan.", 1, 0),
    ("De politie hield ruim twintig relschoppers aan.", "Police detained 22 relschoppers.", 0, 1),
    ("Er vielen geen slachtoffers.", "Niemand kwam om of raakte gewond.", 0, 2),
    # subsets and totals: the part clashes only when it exceeds the whole
    ("Negen mensen raakten gewond, van wie drie zwaargewond.", "Tien gewonden, zeker drie zwaargewond.", 1, 1),
    ("Er vielen negen gewonden.", "Drie agenten raakten gewond.", 0, 0),
    ("Er vielen negen gewonden.", "Twaalf agenten raakten gewond.", 1, 0),
    ("Er vielen elf gewonden.", "Er vielen vijf doden.", 0, 0),  # different things counted
    ("Tien kinderen verloren vingers.", "Twaalf kinderen verloren vingers.", 1, 0),
    ("Tien kinderen verloren vingers.", "Twaalf kinderen raakten gewond.", 0, 0),
    ("Het 48-jarige slachtoffer overleed.", "Er kwam één slachtoffer om.", 0, 0),  # an age is no count
    # "a dozen" is twelve, and bounded like any number
    ("Meer dan een dozijn boeren werd aangehouden.", "Vijftien boeren werden aangehouden.", 0, 1),
    ("Een dozijn boeren werd aangehouden.", "Vijftien boeren werden aangehouden.", 1, 0),
])
def test_quantities_compare(a, b, clashes, matches):
    found = compare(extract(a), extract(b), link="event")
    assert (len(found[0]), len(found[1])) == (clashes, matches)


def test_quantities_money_compares_only_in_claims_making_one_statement():
    a, b = extract("Het stadion kost 3,5 miljoen euro."), extract("Het stadion kost 5 miljoen euro.")
    assert compare(a, b) == ([], []) and compare(a, b, link="event") == ([], [])
    assert len(compare(a, b, link="statement")[0]) == 1


def test_quantities_describe():
    killed, = extract("At least 80 people were killed.")
    zero, = extract("No one was killed.")
    money, = extract("De brug kost 3,5 miljoen euro.")
    assert (zero.describe(), killed.describe(), money.describe()) == ("0 killed", "≥ 80 people (killed)", "3.5e+06 EUR")


def test_quantities_a_place_makes_a_count_a_part_only_of_a_stated_total():
    def at(sentence: str, place: str):
        start = sentence.index(place)
        return extract(sentence, [(start, start + len(place), f"loc:{place.lower()}")])

    on_a28 = at("Bij het ongeluk op de A28 vielen vier doden.", "A28")
    assert len(compare(on_a28, extract("Bij het ongeluk vielen zeven doden."))[0]) == 1  # where, not a part
    assert compare(on_a28, extract("Bij de ongelukken vielen in totaal zeven doden.")) == ([], [])  # a share
    assert len(compare(at("In Gent vielen negen doden.", "Gent"), extract("In totaal vielen zeven doden."))[0]) == 1
    assert compare(at("In Gent vielen negen doden.", "Gent"), at("In Luik vielen zeven doden.", "Luik")) == ([], [])
