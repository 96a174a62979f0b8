"""decide() and judge() on hand-built scored pairs: the rules on top of fixed NLI probabilities (no model)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.config import Settings
from checker.judge import REASON_CODES, RULES, decide, evidence, judge, vetoes, without_rules
from checker.judge.attribution import find_source
from checker.report.records import DOCS_REASONS
from checker.types import Article, CandidatePair, Claim, ScoredPair

SETTINGS = Settings()
NEUTRAL = {"entailment": 0.1, "neutral": 0.8, "contradiction": 0.1}
CONTRA = {"entailment": 0.02, "neutral": 0.08, "contradiction": 0.9}
ENTAIL = {"entailment": 0.9, "neutral": 0.08, "contradiction": 0.02}
SOME_CONFLICT = {"entailment": 0.1, "neutral": 0.5, "contradiction": 0.4}


def scored(a: str, b: str, probs: dict[str, float] = NEUTRAL, date_a: str | None = "2020-01-08",
           date_b: str | None = "2020-01-08", langs: tuple[str, str] = ("nl", "nl"),
           similarity: float = 0.9) -> tuple[ScoredPair, dict[str, Article]]:
    claims = [Claim(f"art-{side}", 0, text, 0, len(text), lang, attribution=find_source(text, lang))
              for side, text, lang in (("a", a, langs[0]), ("b", b, langs[1]))]
    articles = {"art-a": Article("art-a", a, date=date_a), "art-b": Article("art-b", b, date=date_b)}
    return ScoredPair(CandidatePair(claims[0], claims[1], similarity), probs, probs), articles


def verdict_of(*args, **kwargs):
    pair, articles = scored(*args, **kwargs)
    return decide(pair, evidence(pair, articles, SETTINGS), SETTINGS)


def codes(finding) -> list[str]:
    return [r.code for r in finding.reasons]


def test_judge_rules_table_is_pinned():
    assert RULES == ("actors.v2", "quantities.v2", "time.v2", "nli.v2", "negation.v1", "paraphrase.v1", "attribution.v2")


def test_judge_casualty_contradiction_says_why():
    finding = verdict_of("Er zijn bij de aanval geen doden gevallen.", "Bij de aanval zijn zeker tachtig mensen omgekomen.")
    assert finding.verdict == "contradiction"
    assert finding.reasons[0].code == "QTY_MISMATCH" and finding.reasons[0].text == "0 killed vs ≥ 80 killed"


def test_judge_later_count_raising_a_hedged_one_is_an_update():
    finding = verdict_of("Er zijn vooralsnog geen gewonden gevallen.", "Elf Amerikaanse militairen zijn gewond geraakt.",
                         CONTRA, date_b="2020-01-16")
    assert finding.verdict == "update" and codes(finding) == ["TIME_UPDATE"]
    assert "2020-01-08" in finding.reasons[0].text and "2020-01-16" in finding.reasons[0].text


def test_judge_revised_count_is_an_update():
    finding = verdict_of("Elf militairen zijn gewond geraakt.", "Het aantal gewonde militairen is opgelopen tot 34.",
                         date_a="2020-01-16", date_b="2020-01-24")
    assert finding.verdict == "update"


@pytest.mark.parametrize("date_a,date_b", [("2020-01-08", "2020-01-08"), (None, "2020-01-16")])
def test_judge_hedged_count_without_later_report_contradicts(date_a, date_b):
    finding = verdict_of("Er zijn vooralsnog geen gewonden gevallen.", "Elf militairen zijn gewond geraakt.",
                         date_a=date_a, date_b=date_b)
    assert finding.verdict == "contradiction" and codes(finding) == ["QTY_MISMATCH", "TIME_HEDGED"]


def test_judge_later_lower_count_is_no_update():
    finding = verdict_of("Tot nu toe zijn tachtig doden gemeld.", "Er zijn geen doden gevallen.", date_b="2020-01-09")
    assert finding.verdict == "contradiction"


def test_judge_time_clash_of_one_event_overrides_the_model():
    finding = verdict_of("De raketten sloegen om 01.30 uur in.", "De raketten sloegen om 05.30 uur in.", ENTAIL)
    assert finding.verdict == "contradiction" and codes(finding) == ["TIME_CLASH"]
    assert finding.reasons[0].text == "the same event at different times: 01:30 vs 05:30"


def test_judge_time_clash_of_different_events_is_neutral():
    assert verdict_of("Trump tweeted on Tuesday evening that all is well.", "Trump addressed the nation on Wednesday morning.",
                      SOME_CONFLICT, langs=("en", "en")) is None


@pytest.mark.parametrize("probs,verdict", [(ENTAIL, "contradiction"), (NEUTRAL, None)])
def test_judge_time_clash_across_languages_needs_the_model_to_link_the_claims(probs, verdict):
    finding = verdict_of("De aanval begon om 01.30 uur plaatselijke tijd.", "The attack began at 5:30 a.m. local time.",
                         probs, langs=("nl", "en"))
    assert (finding.verdict if finding else None) == verdict


def test_judge_different_actors_veto_contradiction_and_agreement():
    a, b = "US troops were warned in time.", "Iraq's prime minister was warned by Tehran."
    for probs in (CONTRA, ENTAIL):
        pair, articles = scored(a, b, probs, langs=("en", "en"))
        ev = evidence(pair, articles, SETTINGS)
        assert decide(pair, ev, SETTINGS) is None
        assert [r.code for r in vetoes(ev, SETTINGS)] == ["ACTOR_MISMATCH"]


def test_judge_same_actor_negated_contradicts():
    finding = verdict_of("US troops were warned.", "US troops were not warned.", CONTRA, langs=("en", "en"))
    assert finding.verdict == "contradiction" and codes(finding) == ["NLI_CONTRADICTION", "NEGATION"]


def test_judge_dispute_between_named_sources():
    finding = verdict_of("Volgens de Iraanse staatstelevisie zijn tachtig Amerikaanse militairen gedood.",
                         "Het Pentagon meldt dat er geen Amerikaanse militairen zijn omgekomen.")
    assert finding.disputed_by == ("Iraanse staatstelevisie", "Pentagon")
    assert codes(finding) == ["QTY_MISMATCH", "SOURCES", "DISPUTED"]


def test_judge_same_source_is_not_a_dispute():
    finding = verdict_of("Trump zegt dat er geen Amerikanen gewond zijn geraakt.",
                         "Trump zegt dat er elf Amerikanen gewond zijn geraakt.")
    assert finding.verdict == "contradiction" and finding.disputed_by is None
    assert "DISPUTED" not in codes(finding)


def test_judge_compatible_counts_support_agreement():
    finding = verdict_of("Er zijn vooralsnog geen slachtoffers gevallen.", "So far there have been no casualties.",
                         langs=("nl", "en"))
    assert finding.verdict == "agreement" and codes(finding) == ["QTY_MATCH"]


def test_judge_matching_counts_overrule_a_numeric_nli_contradiction():
    finding = verdict_of("Iran vuurde ruim twintig raketten af.", "Iran vuurde 22 raketten af.", CONTRA)
    assert finding.verdict == "agreement" and codes(finding) == ["QTY_MATCH"]


def test_judge_negated_assertion_contradicts_with_some_model_conflict():
    a = "Een Amerikaanse legerofficier zegt dat ze tijdig zijn gewaarschuwd voor de aanvallen."
    b = "De Amerikaanse militairen zijn niet gewaarschuwd voor de aanvallen, zegt een Iraakse commandant."
    finding = verdict_of(a, b, SOME_CONFLICT)
    assert finding.verdict == "contradiction" and codes(finding)[0] == "NEGATION"
    assert finding.disputed_by == ("Amerikaanse legerofficier", "Iraakse commandant")
    assert verdict_of(a, b, NEUTRAL) is None


def test_judge_negated_assertion_is_never_an_agreement():
    assert verdict_of("Trump is op de hoogte gebracht.", "Trump is niet op de hoogte gebracht.", ENTAIL) is None


def test_judge_opposite_votes_contradict():
    finding = verdict_of("The Iraqi parliament voted for the withdrawal of foreign troops.",
                         "The Iraqi parliament voted against the withdrawal of foreign troops.", SOME_CONFLICT,
                         langs=("en", "en"))
    assert finding.reasons[0].text == "one claim negates what the other states (voted for/voted against)"


def test_judge_compatible_counts_need_similar_claims():
    assert verdict_of("Iran bestookte twee bases.", "Twee bases werden geopend.", similarity=0.7) is None


def test_judge_below_thresholds_is_neutral():
    assert verdict_of("Trump komt woensdag met een reactie.", "Trump reageert woensdag.", NEUTRAL) is None


def test_judge_entailment_is_agreement():
    finding = verdict_of("Iran vuurde raketten af op bases in Irak.", "Iran fired missiles at bases in Iraq.",
                         ENTAIL, langs=("nl", "en"))
    assert finding.verdict == "agreement" and codes(finding) == ["NLI_ENTAILMENT"]


def test_judge_orders_findings_and_baseline_ignores_rules():
    pairs = [scored("Iran vuurde raketten af.", "Iran fired missiles.", ENTAIL)[0],
             scored("Er vielen geen doden.", "Er vielen tachtig doden.")[0]]
    articles = {"art-a": Article("art-a", "x", date="2020-01-08"), "art-b": Article("art-b", "y", date="2020-01-08")}
    assert [f.verdict for f in judge(pairs, articles, SETTINGS)] == ["contradiction", "agreement"]
    assert [f.verdict for f in without_rules(pairs, SETTINGS)] == ["agreement"]


def test_judge_every_reason_code_is_documented():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "reasons.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([a-z_]+)"></a>', docs))
    assert DOCS_REASONS == "docs/reasons.md#"
    assert {code.lower() for code in REASON_CODES} == anchors
