"""Attribution: who makes a claim, before or after it, named or anonymous."""

from __future__ import annotations

import pytest

from checker.judge.attribution import attribute, find_source, same_source


@pytest.mark.parametrize("sentence,source", [
    ("\"We willen geen oorlog\", aldus Javad Zarif.", "Javad Zarif"),
    ("Volgens de Iraanse staatstelevisie zijn tachtig militairen gedood.", "Iraanse staatstelevisie"),
    ("Op Erbil zijn raketten neergekomen, zo zegt het Pentagon.", "Pentagon"),
    ("Het Pentagon meldt dat er geen Amerikaanse militairen zijn omgekomen.", "Pentagon"),
    ("De Iraakse premier Adil Abdul-Mahdi zegt door Teheran te zijn gewaarschuwd.", "Adil Abdul-Mahdi"),
    ("De militairen zijn niet gewaarschuwd, zegt een Iraakse commandant tegen Reuters.", "Iraakse commandant"),
    ("Een Amerikaanse legerofficier heeft tegen CNN gezegd dat ze tijdig zijn gewaarschuwd.", "Amerikaanse legerofficier"),
    ("De minister van Buitenlandse Zaken Mohammad Javad Zarif zegt in een tweet dat Iran klaar is.", "Mohammad Javad Zarif"),
    ("According to the Pentagon, 16 missiles were launched.", "Pentagon"),
    ("No Americans were harmed, the White House said.", "White House"),
    ("'All is well!', Trump tweeted.", "Trump"),
    ("Iranian state TV said 80 American soldiers were killed.", "Iranian state TV"),
    ("Iraq's prime minister Adil Abdul-Mahdi said he had been warned.", "Adil Abdul-Mahdi"),
    ("A US military officer told CNN that the troops were warned in time.", "US military officer"),
])
def test_attribution_named_source(sentence, source):
    assert find_source(sentence, "nl") == source


@pytest.mark.parametrize("sentence", [
    "Dat is een belofte, aldus een commandant van de groepering.",  # anonymous
    "Volgens hem zochten de soldaten de schuilkelders op.",
    "Er zijn bij de aanval tachtig slachtoffers gevallen, meldt de staatstelevisie.",
    "No injuries have been reported so far.",  # passive, no speaker
    "The United States attacked Iran.",
    "Iran vuurde in de nacht van dinsdag op woensdag raketten af.",
])
def test_attribution_no_named_source(sentence):
    assert find_source(sentence, "en") is None


def test_attribution_frame_span():
    sentence = "Volgens hem zochten de soldaten de schuilkelders op."
    frame = attribute(sentence)
    assert frame is not None and sentence[frame.start:frame.end] == "Volgens hem"


@pytest.mark.parametrize("a,b,same", [
    ("Javad Zarif", "Zarif", True), ("Amerikaanse president Trump", "Trump", True), ("Pentagon", "pentagon", True),
    ("Iraanse staatstelevisie", "Iraanse media", False), ("Pentagon", "Iraanse staatstelevisie", False),
])
def test_attribution_same_source(a, b, same):
    assert same_source(a, b) is same
