"""The fact-extraction gold set (eval/facts/gold.jsonl) and the scorer of eval/facts_eval.py; no models."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter

import pytest

from eval.facts_eval import (
    ENTITY_TYPES, FIELDS, GOLD, QUANTITY_TYPES, claim_counts, counted_fits, entity_counts, pool, prf,
    quantity_counts, quantity_fits, read_gold, score, set_counts,
)

DOMAINS = ("accidents", "politics", "economy", "courts", "health", "war", "sport", "culture", "weather", "science")
DURATION_UNITS = {"year", "month", "week", "day", "hour", "minute", "second"}
MEASURE_UNITS = {"km", "km2", "m", "cm", "mm", "kg", "ton", "degrees", "km/h", "acre", "hectare", "liter",
                 "magnitude", "lightyear", "MJ"}
CURRENCIES = {"EUR", "USD", "GBP"}
WITH_COUNTED = {"count", "ordinal"}  # the other types have counted null
FORBIDDEN = re.compile(r"\b(iran\w*|iraq\w*|irak\w*|teheran|tehran|bagdad|baghdad|soleimani|ain al-asad)\b", re.I)


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return read_gold(GOLD)


# ----------------------------------------------------------------------------- the gold file


def test_gold_size_domains_languages(gold):
    assert len(gold) >= 150
    per_domain = Counter(c["domain"] for c in gold)
    assert set(per_domain) == set(DOMAINS)
    assert min(per_domain.values()) >= 14, per_domain
    langs = Counter(c["lang"] for c in gold)
    assert set(langs) == {"nl", "en"}
    assert 0.5 <= langs["nl"] / len(gold) <= 0.7, langs
    for domain in DOMAINS:
        assert {c["lang"] for c in gold if c["domain"] == domain} == {"nl", "en"}, domain


def test_gold_ids_unique_and_named_after_domain_and_language(gold):
    ids = [c["id"] for c in gold]
    assert len(ids) == len(set(ids))
    for c in gold:
        prefix, lang, number = c["id"].split("-")
        assert c["domain"].startswith(prefix) or (prefix, c["domain"]) == ("crt", "courts"), c["id"]
        assert lang == c["lang"] and number.isdigit(), c["id"]


def test_gold_leaves_out_the_sample_event(gold):
    for c in gold:
        assert not FORBIDDEN.search(c["text"]), c["id"]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def test_gold_fields_well_typed(gold):
    keys = {"id", "domain", "lang", "date", "text", "entities", "quantities", "times", "polarity"}
    for c in gold:
        where = c["id"]
        assert set(c) == keys, where
        assert isinstance(c["text"], str) and c["text"].strip() == c["text"] and len(c["text"].split()) >= 5, where
        published = dt.datetime.fromisoformat(c["date"])
        assert published.tzinfo is not None and 2019 <= published.year <= 2026, where
        assert c["polarity"] in ("positive", "negative"), where
        for e in c["entities"]:
            assert set(e) == {"text", "type"} and e["type"] in ENTITY_TYPES, where
            assert e["text"] and e["text"] in c["text"], (where, e)
        for q in c["quantities"]:
            assert set(q) == {"type", "low", "high", "counted", "unit"}, where
            assert q["type"] in QUANTITY_TYPES, (where, q)
            assert _is_number(q["low"]), (where, q)
            assert q["high"] is None or (_is_number(q["high"]) and q["low"] <= q["high"]), (where, q)
            if q["type"] in WITH_COUNTED:
                assert isinstance(q["counted"], str) and q["counted"] == q["counted"].lower() and q["counted"], (where, q)
            else:
                assert q["counted"] is None, (where, q)
            unit = {"money": CURRENCIES, "percent": {"%"}, "duration": DURATION_UNITS, "measure": MEASURE_UNITS}
            if q["type"] in unit:
                assert q["unit"] in unit[q["type"]], (where, q)
            else:
                assert q["unit"] is None, (where, q)
            if q["type"] in ("count", "age", "year", "ordinal"):
                assert float(q["low"]).is_integer() and (q["high"] is None or float(q["high"]).is_integer()), (where, q)
        assert set(c["times"]) == {"days", "months", "clock"}, where
        for day in c["times"]["days"]:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day), where
            dt.date.fromisoformat(day)
        for month in c["times"]["months"]:
            assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month), where
        for clock in c["times"]["clock"]:
            assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", clock), where


def test_gold_covers_the_hard_cases(gold):
    kinds = Counter(q["type"] for c in gold for q in c["quantities"])
    assert all(kinds[k] >= 5 for k in QUANTITY_TYPES), kinds
    assert sum(1 for c in gold for q in c["quantities"] if q["high"] is None) >= 5  # open intervals
    assert sum(1 for c in gold for q in c["quantities"] if q["type"] == "count" and q["high"] == 0) >= 3  # zero counts
    assert sum(c["polarity"] == "negative" for c in gold) >= 20
    assert sum(bool(c["times"]["months"]) for c in gold) >= 10
    assert sum(bool(c["times"]["clock"]) for c in gold) >= 10
    assert {e["type"] for c in gold for e in c["entities"]} == set(ENTITY_TYPES)


# ----------------------------------------------------------------------------- the scorer


def test_prf_by_hand():
    assert prf({"tp": 2, "gold": 4, "pred": 3}) == {"precision": 0.6667, "recall": 0.5, "f1": 0.5714}
    assert prf({"tp": 0, "gold": 0, "pred": 0}) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_entities_typed_and_untyped():
    gold = [{"text": "A", "type": "PER"}, {"text": "B", "type": "LOC"}, {"text": "C", "type": "ORG"}]
    pred = [{"text": "A", "type": "PER", "start": 0, "end": 1}, {"text": "B", "type": "ORG"},
            {"text": "D", "type": "MISC"}, {"text": "A", "type": "PER"}]
    assert entity_counts(gold, pred) == {"tp": 1, "gold": 3, "pred": 4}  # the second A/PER matches nothing
    assert entity_counts(gold, pred, typed=False) == {"tp": 2, "gold": 3, "pred": 4}
    old = [{"text": "A", "category": "PER"}]  # no "type": no typed match
    assert entity_counts(gold, old) == {"tp": 0, "gold": 3, "pred": 1}


def Q(kind, low, high, counted=None):
    return {"type": kind, "low": low, "high": high, "counted": counted}


def test_quantities_exact_bounds_open_intervals_and_counted_thing():
    gold = [Q("count", 9, 9, "gewonden"), Q("count", 3, 3, "zwaargewond"), Q("count", 5, None, "toeristen"),
            Q("money", 3500000, 3500000), Q("age", 48, 48)]
    pred = [Q("count", 9, 9, "gewonden"),                    # match, counted agrees
            Q("count", 3.0, 3.0, "mensen"),                  # match, counted differs
            Q("count", 5, math.inf, "Nederlandse toeristen"),  # open = inf: match; "toeristen" inside: agrees
            Q("money", 3500000, 3500000, "euro"),            # match; gold counted null, predicted not: differs
            Q("count", 48, 48),                              # an age read as a count: no match
            Q("count", 5, 5, "toeristen")]                   # closed 5-5 is not the open 5-
    assert quantity_counts(gold, pred) == {"tp": 4, "gold": 5, "pred": 6}
    assert quantity_counts(gold, pred, with_counted=True) == {"tp": 2, "gold": 5, "pred": 6}
    scores = prf(quantity_counts(gold, pred))
    assert (scores["precision"], scores["recall"]) == (0.6667, 0.8)


def test_quantity_bounds():
    assert quantity_fits(Q("count", 201, None), Q("count", 201, None))
    assert quantity_fits(Q("count", 201, None), Q("count", 201, float("inf")))
    assert not quantity_fits(Q("count", 201, None), Q("count", 201, 201))
    assert not quantity_fits(Q("count", 20, 99), Q("count", 20, None))
    assert not quantity_fits(Q("percent", 3.5, 3.5), Q("percent", 35, 35))
    assert not quantity_fits(Q("count", 0, 0), Q("count", None, 0))
    assert not quantity_fits(Q("count", 9, 9), {"category": "count", "low": 9, "high": 9})  # the old key
    assert not quantity_fits(Q("count", 1, 1), Q("count", True, True))
    assert counted_fits(Q("count", 2, 2, "Kinderen"), Q("count", 2, 2, "kinderen"))
    assert counted_fits(Q("count", 2, 2, "zwaargewonden"), Q("count", 2, 2, "gewonden"))  # predicted inside gold
    assert not counted_fits(Q("count", 2, 2, "doden"), Q("count", 2, 2, None))
    assert not counted_fits(Q("count", 2, 2, "doden"), {"type": "count", "low": 2, "high": 2})  # key missing


def test_quantities_are_matched_one_to_one_at_best():
    gold = [Q("count", 2, 2, "doden"), Q("count", 2, 2, "gewonden")]
    pred = [Q("count", 2, 2, "doden en gewonden"), Q("count", 2, 2, "doden")]
    # greedy in gold order would give "doden" the first prediction and leave "gewonden" unmatched
    assert quantity_counts(gold, pred, with_counted=True) == {"tp": 2, "gold": 2, "pred": 2}
    assert quantity_counts(gold * 2, pred[:1]) == {"tp": 1, "gold": 4, "pred": 1}


def test_times_as_sets():
    assert set_counts(["2024-07-02"], ["2024-07-02", "?-07-03", "2024-07-02"]) == {"tp": 1, "gold": 1, "pred": 2}
    assert set_counts([], []) == {"tp": 0, "gold": 0, "pred": 0}


def test_pool_merges_claims_and_tolerates_missing_keys():
    a = {"entities": [{"text": "A", "type": "PER"}], "quantities": [Q("count", 1, 1, "man")],
         "times": {"days": ["2024-07-02"], "clock": ["21:15"]}, "polarity": "positive"}
    b = {"entities": [{"text": "B", "type": "LOC"}], "times": {"days": ["2024-07-02", "2024-07-01"], "months": ["2024-06"]},
         "polarity": "negative"}
    pooled = pool([a, b])
    assert [e["text"] for e in pooled["entities"]] == ["A", "B"]
    assert pooled["quantities"] == [Q("count", 1, 1, "man")]
    assert pooled["times"] == {"days": ["2024-07-02", "2024-07-01"], "months": ["2024-06"], "clock": ["21:15"]}
    assert pooled["polarity"] == "negative"
    assert pool([{"times": None, "negated": ["niet"]}]) == {
        "entities": [], "quantities": [], "times": {"days": [], "months": [], "clock": []}, "polarity": None}


def _gold(id, lang, domain, polarity, **fields):
    base = {"id": id, "lang": lang, "domain": domain, "polarity": polarity, "entities": [], "quantities": [],
            "times": {"days": [], "months": [], "clock": []}}
    return {**base, **fields}


def test_claim_counts_per_field():
    gold = _gold("x", "nl", "accidents", "negative", entities=[{"text": "Woerden", "type": "LOC"}],
                 quantities=[Q("count", 0, 0, "gewonden")],
                 times={"days": ["2024-07-02"], "months": [], "clock": ["21:15"]})
    pred = pool([{"entities": [{"text": "Woerden", "type": "LOC"}], "quantities": [Q("count", 0, 0, "gewonden")],
                  "times": {"days": ["2024-07-02"], "clock": ["21:15", "22:00"]}, "polarity": "negative"}])
    c = claim_counts(gold, pred)
    assert set(c) == set(FIELDS)
    assert c["entities"] == c["entities_untyped"] == {"tp": 1, "gold": 1, "pred": 1}
    assert c["quantities"] == c["quantities_counted"] == {"tp": 1, "gold": 1, "pred": 1}
    assert c["days"] == {"tp": 1, "gold": 1, "pred": 1}
    assert c["months"] == {"tp": 0, "gold": 0, "pred": 0}
    assert c["clock"] == {"tp": 1, "gold": 1, "pred": 2}
    assert c["polarity_negative"] == {"tp": 1, "gold": 1, "pred": 1}


def test_score_polarity_and_breakdowns():
    gold = [_gold("a", "nl", "war", "negative"), _gold("b", "nl", "war", "negative"),
            _gold("c", "en", "sport", "positive"), _gold("d", "en", "sport", "positive")]
    preds = {"a": pool([{"polarity": "negative"}]), "b": pool([{"polarity": "positive"}]),
             "c": pool([{"polarity": "negative"}])}  # d: no prediction at all
    result = score(gold, preds)
    overall = result["overall"]
    assert overall["claims"] == 4 and overall["polarity_accuracy"] == 0.25
    assert overall["fields"]["polarity_negative"] == {"tp": 1, "gold": 2, "pred": 2, "precision": 0.5, "recall": 0.5,
                                                      "f1": 0.5}
    assert set(result["by_lang"]) == {"nl", "en"} and set(result["by_domain"]) == {"war", "sport"}
    assert result["by_lang"]["nl"]["polarity_accuracy"] == 0.5
    assert result["by_domain"]["sport"]["fields"]["polarity_negative"]["pred"] == 1
    assert result["by_domain"]["sport"]["fields"]["polarity_negative"]["f1"] == 0.0


def test_score_of_the_gold_against_itself_is_perfect(gold):
    preds = {c["id"]: pool([c]) for c in gold}
    result = score(gold, preds)
    assert result["overall"]["polarity_accuracy"] == 1.0
    for field in FIELDS:
        assert result["overall"]["fields"][field]["f1"] == 1.0, field
