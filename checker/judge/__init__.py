"""From NLI scores to findings: checks for quantities, time, actors and attribution sharpen the verdict.

Evidence is computed per pair first (``evidence``), verdicts applied after (``decide``), so each
rule can be tested on its own and every finding lists the reasons that produced it. Reason codes
are stable and documented in docs/reasons.md.

Order (docs/design.md): NLI both ways -> quantities (incompatible counts contradict, compatible
counts support) -> time (a later count above an earlier hedged one is an update; explicit times
that clash contradict) -> actors (different actors veto an NLI contradiction) -> attribution
(named sources shown; a contradiction between two named sources is disputed between them).
Contradiction wins over agreement; below the thresholds a pair is neutral and not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker.config import Settings
from checker.judge import actors as actor_rules
from checker.judge import quantities, temporal
from checker.types import Article, Finding, Reason, ScoredPair

_NEGATION = re.compile(r"\b(?:niet|geen|nooit|niemand|niets|not|no|never|nobody|nothing|none|n't)\b|n't\b", re.I)
RULES = ("nli", "quantities", "time", "actors", "attribution")  # the checks, in the order applied


@dataclass(frozen=True)
class Evidence:
    """What the checks found about one pair, before any verdict."""

    p_contradiction: float
    p_entailment: float
    quantity_clashes: tuple[tuple[quantities.Quantity, quantities.Quantity], ...]
    quantity_matches: tuple[tuple[quantities.Quantity, quantities.Quantity], ...]
    hedged: tuple[bool, bool]
    time_clash: str | None
    different_actors: bool
    negation_differs: bool
    sources: tuple[str | None, str | None]


def evidence(scored: ScoredPair) -> Evidence:
    a, b = scored.pair.a, scored.pair.b
    clashes, matches = quantities.compare(quantities.extract(a.text), quantities.extract(b.text))
    time_a, time_b = temporal.time_info(a.text), temporal.time_info(b.text)
    return Evidence(
        p_contradiction=max(scored.forward["contradiction"], scored.backward["contradiction"]),
        p_entailment=max(scored.forward["entailment"], scored.backward["entailment"]),
        quantity_clashes=tuple(clashes),
        quantity_matches=tuple(matches),
        hedged=(time_a.hedged, time_b.hedged),
        time_clash=temporal.clash(time_a, time_b),
        different_actors=actor_rules.different_actors(actor_rules.actors(a.text), actor_rules.actors(b.text)),
        negation_differs=bool(_NEGATION.search(a.text)) != bool(_NEGATION.search(b.text)),
        sources=(a.attribution, b.attribution),
    )


def decide(scored: ScoredPair, ev: Evidence, articles: dict[str, Article], settings: Settings) -> Finding | None:
    """The finding for one pair, or None when it is neutral."""
    a, b = scored.pair.a, scored.pair.b
    reasons: list[Reason] = []
    probs = {f"{d}_{k}": v for d, p in (("ab", scored.forward), ("ba", scored.backward)) for k, v in p.items()}
    verdict, score = None, 0.0
    if ev.quantity_clashes:
        qa, qb = ev.quantity_clashes[0]
        date_a, date_b = articles[a.article_id].date, articles[b.article_id].date
        # (provisional count, its date, hedged?) first, the higher count second
        (low, low_date, low_hedged), (high, high_date) = \
            ((qa, date_a, ev.hedged[0]), (qb, date_b)) if qa.high < qb.low else ((qb, date_b, ev.hedged[1]), (qa, date_a))
        if low_hedged and temporal.is_later(low_date, high_date):
            verdict, score = "update", 0.9
            reasons.append(Reason("TIME_UPDATE", "a later report raises an earlier provisional count: "
                                                 f"{_dated(low, low_date)} → {_dated(high, high_date)}"))
        else:
            verdict, score = "contradiction", max(0.9, ev.p_contradiction)
            reasons.append(Reason("QTY_MISMATCH", f"{qa.describe()} vs {qb.describe()}"))
            if any(ev.hedged):
                reasons.append(Reason("TIME_HEDGED", "one count is provisional, but no later date explains the change"))
    elif ev.time_clash and ev.p_contradiction >= settings.time_clash_threshold and not ev.different_actors:
        verdict, score = "contradiction", max(0.8, ev.p_contradiction)
        reasons.append(Reason("TIME_CLASH", f"the same event at different times: {ev.time_clash}"))
    elif ev.p_contradiction >= settings.contradiction_threshold:
        if ev.different_actors:
            reasons.append(Reason("ACTOR_MISMATCH", "the claims are about different actors"))
        else:
            verdict, score = "contradiction", ev.p_contradiction
            reasons.append(Reason("NLI_CONTRADICTION", f"the model finds a contradiction (p={ev.p_contradiction:.2f})"))
            if ev.negation_differs:
                reasons.append(Reason("NEGATION", "one claim negates what the other states"))
    if verdict is None and ev.p_entailment >= settings.agreement_threshold and \
            ev.p_contradiction < settings.contradiction_threshold:
        verdict, score = "agreement", ev.p_entailment
        reasons.append(Reason("NLI_ENTAILMENT", f"one claim entails the other (p={ev.p_entailment:.2f})"))
    if verdict is None and ev.quantity_matches and not ev.different_actors and ev.p_contradiction < 0.5 \
            and scored.pair.similarity >= settings.pair_threshold:
        verdict, score = "agreement", max(ev.p_entailment, 0.6)
    if verdict is None:
        return None
    if verdict == "agreement" and ev.quantity_matches:
        qa, qb = ev.quantity_matches[0]
        reasons.append(Reason("QTY_MATCH", f"compatible counts: {qa.describe()} and {qb.describe()}"))
    disputed = None
    if any(ev.sources):
        reasons.append(Reason("SOURCES", " vs ".join(s or "unattributed" for s in ev.sources)))
        if verdict == "contradiction" and all(ev.sources) and ev.sources[0] != ev.sources[1]:
            disputed = (ev.sources[0], ev.sources[1])
            reasons.append(Reason("DISPUTED", f"disputed between {ev.sources[0]} and {ev.sources[1]}"))
    return Finding(verdict=verdict, score=round(score, 4), a=a, b=b, reasons=tuple(reasons), probs=probs,
                   similarity=scored.pair.similarity, disputed_by=disputed)


def _dated(q: quantities.Quantity, date: str | None) -> str:
    return f"{q.describe()} ({date or 'undated'})"


def judge(scored: list[ScoredPair], articles: dict[str, Article], settings: Settings) -> list[Finding]:
    """Findings for every non-neutral pair: contradictions first, then updates, then agreements."""
    findings = [f for s in scored if (f := decide(s, evidence(s), articles, settings)) is not None]
    order = {"contradiction": 0, "update": 1, "agreement": 2}
    return sorted(findings, key=lambda f: (order[f.verdict], -f.score, f.a.key, f.b.key))


def without_rules(scored: list[ScoredPair], settings: Settings) -> list[Finding]:
    """The NLI-only baseline (for eval): contradiction over agreement, thresholds only."""
    out = []
    for s in scored:
        con = max(s.forward["contradiction"], s.backward["contradiction"])
        ent = max(s.forward["entailment"], s.backward["entailment"])
        if con >= settings.contradiction_threshold:
            out.append(Finding("contradiction", round(con, 4), s.pair.a, s.pair.b))
        elif ent >= settings.agreement_threshold:
            out.append(Finding("agreement", round(ent, 4), s.pair.a, s.pair.b))
    return out
