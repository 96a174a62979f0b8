"""Who did what: roles of actors, and when two claims are about different actors or objects."""

from __future__ import annotations

import pytest

from checker.judge.actors import different_actors, mentions, roles


@pytest.mark.parametrize("sentence,lang,subject", [
    ("US troops were warned in time.", "en", {"us", "troops"}),
    ("Iraq's prime minister was warned by Tehran.", "en", {"iraq", "prime_minister"}),
    ("De Amerikaanse militairen zijn tijdig gewaarschuwd.", "nl", {"us", "troops"}),
    ("Bij de aanval zijn elf Amerikaanse militairen gewond geraakt.", "nl", {"us", "troops"}),  # V2 after "Bij"
    ("On Wednesday Iran fired missiles at US bases.", "en", {"iran"}),
    ("Het Pentagon meldt dat Iran twee bases heeft bestookt.", "nl", {"iran"}),  # the speaker is set aside
    ("De Iraakse premier zegt door Teheran te zijn gewaarschuwd.", "nl", {"iraq", "prime_minister"}),  # self-report
    ("Iraq's prime minister Adil Abdul-Mahdi said he had been warned.", "en", {"iraq", "prime_minister", "mahdi"}),
])
def test_actors_subject(sentence, lang, subject):
    assert roles(sentence, lang).subject == subject


def test_actors_agent_and_objects():
    found = roles("Two bases where American troops are stationed were struck by Iranian missiles.", "en")
    assert found.agent == {"iran"}
    assert roles("Iran warned Iraq before the strikes.", "en").other == {"iraq"}


def test_actors_names_match_across_languages():
    nl = {a for _, a in mentions("Raketten op de Al Asad-luchtmachtbasis; premier Adil Abdul-Mahdi.")}
    en = {a for _, a in mentions("Missiles on Al Asad air base; prime minister Adil Abdul-Mahdi.")}
    assert {"asad", "mahdi"} <= nl & en


def test_actors_sentence_initial_common_words_are_not_names():
    assert {a for _, a in mentions("Missiles struck. Eleven soldiers. Voorlopig niets.")} == {"troops"}


@pytest.mark.parametrize("a,b,lang_a,lang_b,different", [
    ("US troops were warned in time.", "Iraq's prime minister was warned by Tehran.", "en", "en", True),
    ("US troops were warned before the attack.", "US troops were not warned before the attack.", "en", "en", False),
    ("De Amerikaanse militairen zijn tijdig gewaarschuwd voor de aanval.",
     "De Iraakse premier zegt door Teheran te zijn gewaarschuwd over de aanval op Amerikaanse doelen.", "nl", "nl", True),
    ("Iran attacked US bases in Iraq.", "The United States attacked Iran.", "en", "en", True),  # swapped roles
    ("Iran heeft Irak vooraf gewaarschuwd.", "Iran heeft de Verenigde Staten niet gewaarschuwd.", "nl", "nl", True),
    ("Iran warned Iraq before the strikes.", "Iran did not warn Iraq before the strikes.", "en", "en", False),
    ("Nederlandse militairen raakten niet gewond.", "Amerikaanse militairen raakten gewond.", "nl", "nl", True),
    ("Tehran warned Iraq's prime minister.", "Iraq's prime minister was not warned by Tehran.", "en", "en", False),
    ("Iran heeft de Iraakse premier gewaarschuwd.", "De Iraakse premier is door Teheran gewaarschuwd.", "nl", "nl", False),
    ("Iranian missiles hit two bases housing US troops.",
     "Two bases where American troops are stationed were struck by Iranian missiles.", "en", "en", False),
    ("De Amerikaanse militairen zijn niet gewaarschuwd.", "The American troops were warned in advance.", "nl", "en", False),
    ("Iran fired missiles at Al Asad.", "Iran did not fire missiles at Erbil.", "en", "en", True),
    ("Er zijn vooralsnog geen slachtoffers gevallen.", "So far there have been no casualties.", "nl", "en", False),
])
def test_actors_different(a, b, lang_a, lang_b, different):
    assert different_actors(roles(a, lang_a), roles(b, lang_b)) is different
