"""Who did what: roles of the named entities of a claim, and when two claims are about different actors."""

from __future__ import annotations

import pytest

from checker.judge.actors import NO_ROLES, different_actors, roles


def mentions(sentence: str, *names: str) -> list[tuple[int, int, str]]:
    """(start, end, key) of each name in the sentence, the way ``analyze`` passes entities."""
    return [(sentence.index(n), sentence.index(n) + len(n), n.lower()) for n in names]


def roles_of(sentence: str, lang: str, *names: str):
    return roles(sentence, lang, mentions(sentence, *names))


@pytest.mark.parametrize("sentence,lang,names,subject", [
    ("Rijkswaterstaat has closed the A12 near Utrecht.", "en", ("Rijkswaterstaat", "A12", "Utrecht"), {"rijkswaterstaat"}),
    ("Bij de brand in Gent zijn elf Duitse toeristen gewond geraakt.", "nl", ("Gent", "Duitse"), {"duitse"}),  # V2
    ("On Wednesday the FNV called a strike at Schiphol.", "en", ("FNV", "Schiphol"), {"fnv"}),
    ("Het RIVM meldt dat de GGD de test heeft afgenomen.", "nl", ("RIVM", "GGD"), {"ggd"}),  # the speaker is set aside
    ("De burgemeester van Gouda zegt door het waterschap te zijn gewaarschuwd.", "nl", ("Gouda",), {"gouda"}),
])
def test_actors_subject(sentence, lang, names, subject):
    assert roles_of(sentence, lang, *names).subject == subject


def test_actors_agent_and_objects():
    found = roles_of("Two stores in Leeds were robbed by the Carter gang.", "en", "Leeds", "Carter")
    assert found.agent == {"carter"}
    assert roles_of("Ajax has beaten PSV on Sunday.", "en", "Ajax", "PSV").other == {"psv"}


@pytest.mark.parametrize("a,b,names_a,names_b,different", [
    ("Ajax supporters were warned in time.", "The mayor of Gouda was warned by the police.", ("Ajax",), ("Gouda",), True),
    ("Ajax supporters were warned.", "Ajax supporters were not warned.", ("Ajax",), ("Ajax",), False),
    ("Ajax beat PSV.", "PSV was beaten by Ajax.", ("Ajax", "PSV"), ("PSV", "Ajax"), False),  # active and passive
    ("Shell warned Exxon before the deal.", "Shell did not warn BP before the deal.", ("Shell", "Exxon"), ("Shell", "BP"),
     True),  # same subject, different objects
    ("The fire in Leeds killed two people.", "The fire in York killed five people.", ("Leeds",), ("York",), True),
    ("Er zijn vooralsnog geen slachtoffers gevallen.", "So far there have been no casualties.", (), (), False),
    ("Het kabinet stelt de beslissing uit.", "Rutte stelt de beslissing uit.", (), ("Rutte",), False),  # no name: no veto
])
def test_actors_different(a, b, names_a, names_b, different):
    assert different_actors(roles_of(a, "en", *names_a), roles_of(b, "en", *names_b)) is different


def test_actors_without_entities_never_differ():
    assert different_actors(NO_ROLES, roles_of("Ajax beat PSV.", "en", "Ajax", "PSV")) is False
