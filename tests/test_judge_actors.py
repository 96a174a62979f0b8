"""Who did what: roles of the named entities of a claim, and when two claims are about different actors."""

from __future__ import annotations

import pytest

from checker.judge.actors import NO_ROLES, different_actors, roles


def mentions(sentence: str, *names: str) -> list[tuple[int, int, str]]:
    """(start, end, "TYPE:key") of each name ("LOC:Gouda"; ORG by default) in the sentence, the
    way ``analyze`` passes entities."""
    out = []
    for name in names:
        kind, _, text = name.rpartition(":")
        out.append((sentence.index(text), sentence.index(text) + len(text), f"{kind or 'ORG'}:{text.lower()}"))
    return out


def roles_of(sentence: str, lang: str, *names: str):
    return roles(sentence, lang, mentions(sentence, *names))


@pytest.mark.parametrize("sentence,lang,names,subject", [
    ("Rijkswaterstaat has closed the A12 near Utrecht.", "en", ("Rijkswaterstaat", "LOC:A12", "LOC:Utrecht"), {"ORG:rijkswaterstaat"}),
    ("Bij de brand in Gent zijn elf Duitse toeristen gewond geraakt.", "nl", ("LOC:Gent", "MISC:Duitse"), {"MISC:duitse"}),  # V2
    ("On Wednesday the FNV called a strike at Schiphol.", "en", ("FNV", "LOC:Schiphol"), {"ORG:fnv"}),
    ("Het RIVM meldt dat de GGD de test heeft afgenomen.", "nl", ("RIVM", "GGD"), {"ORG:ggd"}),  # the speaker is set aside
    ("De burgemeester van Gouda zegt door het waterschap te zijn gewaarschuwd.", "nl", ("LOC:Gouda",), {"LOC:gouda"}),
])
def test_actors_subject(sentence, lang, names, subject):
    assert roles_of(sentence, lang, *names).subject == subject


def test_actors_agent_and_objects():
    found = roles_of("Two stores in Leeds were robbed by the Carter gang.", "en", "LOC:Leeds", "PER:Carter")
    assert found.agent == {"PER:carter"}
    assert roles_of("Ajax has beaten PSV on Sunday.", "en", "Ajax", "PSV").other == {"ORG:psv"}


@pytest.mark.parametrize("a,b,names_a,names_b,different", [
    ("Ajax supporters were warned in time.", "The board of PSV was warned by the police.", ("Ajax",), ("PSV",), True),
    ("Ajax supporters were warned in time.", "The mayor of Gouda was warned by the police.", ("Ajax",), ("LOC:Gouda",),
     False),  # a club and a town: names of different kinds tell no actors apart
    ("De FNV kondigde een staking aan.", "De Federatie Nederlandse Vakbeweging kondigde een staking aan.", ("FNV",),
     ("Federatie Nederlandse Vakbeweging",), False),  # an acronym of the name
    ("Rutte opende de brug.", "Mark Rutte opende de brug.", ("PER:Rutte",), ("PER:Rutte",), False),
    ("Ajax supporters were warned.", "Ajax supporters were not warned.", ("Ajax",), ("Ajax",), False),
    ("Ajax beat PSV.", "PSV was beaten by Ajax.", ("Ajax", "PSV"), ("PSV", "Ajax"), False),  # active and passive
    ("Shell warned Exxon before the deal.", "Shell did not warn BP before the deal.", ("Shell", "Exxon"), ("Shell", "BP"),
     True),  # same subject, different objects
    ("The fire in Leeds killed two people.", "The fire in York killed five people.", ("LOC:Leeds",), ("LOC:York",), True),
    ("Er zijn vooralsnog geen slachtoffers gevallen.", "So far there have been no casualties.", (), (), False),
    ("Het kabinet stelt de beslissing uit.", "Rutte stelt de beslissing uit.", (), ("PER:Rutte",), False),  # no name
])
def test_actors_different(a, b, names_a, names_b, different):
    assert different_actors(roles_of(a, "en", *names_a), roles_of(b, "en", *names_b)) is different


def test_actors_without_entities_never_differ():
    assert different_actors(NO_ROLES, roles_of("Ajax beat PSV.", "en", "Ajax", "PSV")) is False
