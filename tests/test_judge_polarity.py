"""Polarity of the main statement, not of any negation word in the sentence."""

from __future__ import annotations

import pytest

from checker.judge.wording import negated, polarity


@pytest.mark.parametrize("sentence,expected", [
    ("De brug is niet ingestort.", "negative"),
    ("No one was hurt in the fire.", "negative"),
    ("Er vielen geen doden bij de storm.", "negative"),
    ("Ook laat hij weten dat er geen melding is gemaakt van slachtoffers.", "negative"),  # the reported content
    ("He said that nobody was hurt.", "negative"),
    ("De bestuurder die niet had gedronken, reed door rood.", "positive"),  # a relative clause
    ("Omdat het niet regende, mislukte de oogst.", "positive"),  # an adverbial clause
    ("Because it did not rain, the harvest failed.", "positive"),
    ("Het programma Geen Stijl won een prijs.", "positive"),  # a name
    ("The film No Time to Die opened on Friday.", "positive"),
    ("Het is niet onmogelijk dat de rente stijgt.", "positive"),  # a double negation asserts
    ("Die brug is niet ingestort.", "negative"),  # "Die" opens the main clause here
])
def test_polarity_of_the_main_statement(sentence, expected):
    assert polarity(sentence) == expected


def test_negated_words_come_from_the_main_clause_only():
    assert negated("De minister is niet op de hoogte gebracht.") == ["hoogte", "gebracht"]
    assert negated("De bestuurder die niet had gedronken, reed door rood.") == []
