"""From NLI scores to findings: checks for quantities, time, actors and attribution sharpen the verdict.

Evidence is computed per pair first (``evidence``), verdicts applied after (``decide``), so each
rule can be tested on its own and every finding lists the reasons that produced it. Reason codes
are stable and documented in docs/reasons.md.

Order (docs/design.md): actors (claims about different actors or objects are neither agreement nor
contradiction) -> quantities (incompatible counts contradict, unless a later article raises an
earlier provisional count: an update) -> time (explicit times of one event that clash contradict)
-> NLI both ways (agreeing counts veto a contradiction the model reads into numbers) -> negation (one
claim negates what the other asserts) -> compatible counts support an agreement -> attribution
(named sources shown; a contradiction between two different named sources is disputed between
them). Contradiction wins over agreement; below the thresholds a pair is neutral and not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checker.config import Settings
from checker.judge import actors as actor_rules
from checker.judge import quantities, temporal, wording
from checker.judge.attribution import same_source
from checker.types import Article, CandidatePair, Finding, Reason, ScoredPair, Verdict

if TYPE_CHECKING:
    from checker.analyze import Facts, Tagger

# The checks, in the order applied; a rule whose behaviour changes gets a new version.
RULES = ("assertion.v1", "actors.v3", "quantities.v3", "time.v3", "nli.v3", "negation.v2", "paraphrase.v1",
         "attribution.v3")
# Every reason code a finding (or an eval trace) can carry; each has an anchor in docs/reasons.md.
REASON_CODES = ("QTY_MISMATCH", "QTY_MATCH", "TIME_UPDATE", "TIME_HEDGED", "TIME_CLASH", "NLI_CONTRADICTION",
                "NEGATION", "NLI_ENTAILMENT", "NLI_PARAPHRASE", "ACTOR_MISMATCH", "SOURCES", "DISPUTED",
                "SAME_ORIGIN", "NOT_ASSERTION")
Outcome = tuple[Verdict, float, list[Reason]]
QtyPair = tuple[quantities.Quantity, quantities.Quantity]


@dataclass(frozen=True)
class Evidence:
    """What the checks found about one pair, before any verdict."""

    p_contradiction: float
    p_entailment: float
    quantity_clashes: tuple[QtyPair, ...]
    quantity_matches: tuple[QtyPair, ...]
    times: tuple[temporal.TimeInfo, temporal.TimeInfo]
    dates: tuple[str | None, str | None]
    time_clash: str | None
    link: str  # how closely the claims are tied: "statement", "event" or only "story" (``link``)
    counts: tuple[tuple[quantities.Quantity, ...], tuple[quantities.Quantity, ...]]  # counts of each claim
    revised_counts: tuple[frozenset[str], frozenset[str]]  # counts each names without a number
    different_actors: bool
    moods: tuple[str, str]  # "assertion", "question" or "hypothetical" (analyze)
    negation_differs: bool
    polarity_flip: str | None  # what one claim negates and the other asserts (same language only)
    sources: tuple[str | None, str | None]


def evidence(scored: ScoredPair, articles: dict[str, Article], settings: Settings,
             facts: Facts | None = None) -> Evidence:
    """Everything the rules know about one scored pair (``articles`` give the publication times).
    ``facts`` hold what is known of each claim (``checker.analyze``), computed once per claim by
    ``judge``; without them they are computed here for the two claims (no entities)."""
    from checker.analyze import analyze

    a, b = scored.pair.a, scored.pair.b
    if facts is None or a not in facts or b not in facts:
        facts = analyze([a, b], articles, tag=None)
    fa, fb = facts[a], facts[b]
    dates = (_date(articles, a.article_id), _date(articles, b.article_id))
    time_a, time_b = fa.times, fb.times
    p_contradiction = max(scored.forward["contradiction"], scored.backward["contradiction"])
    p_entailment = max(scored.forward["entailment"], scored.backward["entailment"])
    same_language = a.lang == b.lang
    tie = link(fa.content, fb.content, p_entailment, p_contradiction, same_language, settings)
    clashes, matches = quantities.compare(fa.quantities, fb.quantities, tie)
    return Evidence(
        p_contradiction=p_contradiction,
        p_entailment=p_entailment,
        quantity_clashes=tuple(clashes),
        quantity_matches=tuple(matches),
        times=(time_a, time_b),
        dates=dates,
        time_clash=temporal.clash(time_a, time_b, settings.time_tolerance_minutes),
        link=tie,
        counts=tuple(tuple(q for q in f.quantities if q.type == "count") for f in (fa, fb)),
        revised_counts=(fa.counts_named, fb.counts_named),
        different_actors=actor_rules.different_actors(fa.roles, fb.roles),
        moods=(fa.mood, fb.mood),
        negation_differs=fa.polarity != fb.polarity,
        polarity_flip=wording.polarity_flip(fa, fb) if same_language else None,
        sources=(a.attribution, b.attribution),
    )


def link(words_a: Sequence[str], words_b: Sequence[str], p_entailment: float, p_contradiction: float,
         same_language: bool, settings: Settings) -> str:
    """How closely two claims of one story are tied: "statement" (one statement, told twice: most
    content words shared, or across languages the model links them), "event" (the same event:
    many words shared) or "story" (only the story). ``words_*``: the claims' content words."""
    if not same_language:
        linked = p_entailment >= settings.agreement_threshold or p_contradiction >= settings.time_clash_threshold
        return "statement" if linked else "story"
    shared = wording.overlap(words_a, words_b)
    if shared >= settings.same_statement_overlap:
        return "statement"
    return "event" if shared >= settings.same_event_overlap else "story"


def decide(scored: ScoredPair, ev: Evidence, settings: Settings) -> Finding | None:
    """The finding for one pair, or None when it is neutral: a question or a supposition states
    nothing to contradict or support ("Let's say there's no birth certificate")."""
    if ev.different_actors or ev.moods != ("assertion", "assertion"):
        return None
    outcome = _by_quantities(ev) or _by_revision(ev) or _by_time(ev) or _by_nli(ev, scored.pair, settings) or \
        _by_polarity(ev, settings) or _by_support(ev, scored.pair.similarity, settings) or \
        _by_paraphrase(ev, scored.pair.similarity, settings)
    if outcome is None:
        return None
    verdict, score, reasons = outcome
    if verdict == "agreement" and ev.time_clash:  # different days, months or hours: not one fact
        return None
    disputed = _disputed(ev.sources) if verdict == "contradiction" else None
    if any(ev.sources):
        reasons.append(Reason("SOURCES", " vs ".join(s or "unattributed" for s in ev.sources)))
    if disputed:
        reasons.append(Reason("DISPUTED", f"disputed between {disputed[0]} and {disputed[1]}"))
    probs = {f"{d}_{k}": v for d, p in (("ab", scored.forward), ("ba", scored.backward)) for k, v in p.items()}
    return Finding(verdict=verdict, score=round(score, 4), a=scored.pair.a, b=scored.pair.b, reasons=tuple(reasons),
                   probs=probs, similarity=scored.pair.similarity, disputed_by=disputed)


def vetoes(ev: Evidence, settings: Settings) -> tuple[Reason, ...]:
    """Why the rules kept a pair neutral that the NLI model alone would report (for eval traces)."""
    confident = ev.p_contradiction >= settings.contradiction_threshold or ev.p_entailment >= settings.agreement_threshold
    if ev.moods != ("assertion", "assertion") and confident:
        return (Reason("NOT_ASSERTION", f"a claim is a {next(m for m in ev.moods if m != 'assertion')}, not an assertion"),)
    if ev.different_actors and confident:
        return (Reason("ACTOR_MISMATCH", "the claims are about different actors or objects"),)
    return ()


def _by_quantities(ev: Evidence) -> Outcome | None:
    """Incompatible counts: an update when a later report raises a provisional count, else a contradiction."""
    if not ev.quantity_clashes:
        return None
    first, second = ev.quantity_clashes[0]
    low, high = (0, 1) if first.high < second.low else (1, 0)
    counts = (first, second)
    later = temporal.is_later(ev.dates[low], ev.dates[high])
    if later and (ev.times[low].hedged or ev.times[high].revised):
        text = f"{_dated(counts[low], ev.dates[low])} → {_dated(counts[high], ev.dates[high])}"
        return "update", 0.9, [Reason("TIME_UPDATE", f"a later report raises an earlier provisional count: {text}")]
    reasons = [Reason("QTY_MISMATCH", f"{first.describe()} vs {second.describe()}")]
    if any(t.hedged for t in ev.times):
        dates = " vs ".join(d or "undated" for d in ev.dates)
        reasons.append(Reason("TIME_HEDGED", f"one count is provisional, but the dates ({dates}) show no later "
                                             "report raising it"))
    return "contradiction", max(0.9, ev.p_contradiction), reasons


def _by_revision(ev: Evidence) -> Outcome | None:
    """A later report that says a count rose or was revised ("het aantal gewonden is gestegen"),
    next to an earlier report of that count: an update, whatever the model reads into it."""
    for earlier, later in ((0, 1), (1, 0)):
        revised = ev.revised_counts[later] & {q.key.split(":")[0].split("|")[0] for q in ev.counts[earlier]}
        if revised and ev.times[later].revised and temporal.is_later(ev.dates[earlier], ev.dates[later]):
            counted = next(q for q in ev.counts[earlier] if q.key.split(":")[0].split("|")[0] in revised)
            text = f"{_dated(counted, ev.dates[earlier])} → risen ({ev.dates[later] or 'undated'})"
            return "update", 0.8, [Reason("TIME_UPDATE", f"a later report says the count rose: {text}")]
    return None


def _by_time(ev: Evidence) -> Outcome | None:
    """Explicit times that cannot both hold, in two claims about one event (models often miss these)."""
    if ev.time_clash and ev.link == "statement":
        return "contradiction", max(0.8, ev.p_contradiction), \
            [Reason("TIME_CLASH", f"the same event at different times: {ev.time_clash}")]
    return None


def _by_nli(ev: Evidence, pair: CandidatePair, settings: Settings) -> Outcome | None:
    """The model's verdict; agreeing counts veto a contradiction, a negated assertion vetoes an agreement.

    An agreement in one language also needs the claims close in meaning (``agreement_similarity``):
    on real news the model entails, both ways, sentences that only share a topic (config.py). Across
    languages the embedder puts translations lower, and the model's entailment decides alone."""
    if ev.p_contradiction >= settings.contradiction_threshold and not _counts_agree(ev):
        reasons = [Reason("NLI_CONTRADICTION", f"the model finds a contradiction (p={ev.p_contradiction:.2f})")]
        if ev.negation_differs:
            reasons.append(Reason("NEGATION", "one claim negates what the other states"))
        return "contradiction", ev.p_contradiction, reasons
    tied = pair.similarity >= settings.agreement_similarity or pair.a.lang != pair.b.lang
    if ev.p_entailment >= settings.agreement_threshold and ev.p_contradiction < settings.contradiction_threshold \
            and tied and not ev.polarity_flip:
        reasons = [Reason("NLI_ENTAILMENT", f"one claim entails the other (p={ev.p_entailment:.2f})")]
        return "agreement", ev.p_entailment, reasons + _match_reasons(ev)
    return None


def _by_polarity(ev: Evidence, settings: Settings) -> Outcome | None:
    """One claim negates ("niet gewaarschuwd") or reverses ("voted against") what the other asserts,
    in two claims that word one event ("nog niet bekend" says nothing against "voor zover bekend")."""
    if ev.polarity_flip and ev.link != "story" and ev.p_contradiction >= settings.negation_threshold:
        return "contradiction", max(0.8, ev.p_contradiction), \
            [Reason("NEGATION", f"one claim negates what the other states ({ev.polarity_flip})")]
    return None


def _by_paraphrase(ev: Evidence, similarity: float, settings: Settings) -> Outcome | None:
    """A close paraphrase the model leans to entailing: near-identical content is weaker evidence
    than a confident entailment, so it needs both a lower entailment bar and a high similarity."""
    if ev.p_entailment >= settings.paraphrase_entailment and similarity >= settings.paraphrase_similarity \
            and ev.p_contradiction < settings.time_clash_threshold and not ev.polarity_flip:
        return "agreement", ev.p_entailment, [Reason(
            "NLI_PARAPHRASE", f"near-identical content (cosine {similarity:.2f}) that the model leans to entailing "
                              f"(p={ev.p_entailment:.2f})")]
    return None


def _by_support(ev: Evidence, similarity: float, settings: Settings) -> Outcome | None:
    """Compatible counts in two similar claims, neither negating the other."""
    if _counts_agree(ev) and similarity >= settings.pair_threshold:
        return "agreement", max(ev.p_entailment, 0.6), _match_reasons(ev)
    return None


def _counts_agree(ev: Evidence) -> bool:
    return bool(ev.quantity_matches) and not ev.quantity_clashes and not ev.negation_differs and not ev.polarity_flip


def _match_reasons(ev: Evidence) -> list[Reason]:
    if not ev.quantity_matches:
        return []
    first, second = ev.quantity_matches[0]
    return [Reason("QTY_MATCH", f"compatible counts: {first.describe()} and {second.describe()}")]


def _disputed(sources: tuple[str | None, str | None]) -> tuple[str, str] | None:
    first, second = sources
    if first and second and not same_source(first, second):
        return (first, second)
    return None


def _dated(q: quantities.Quantity, date: str | None) -> str:
    return f"{q.describe()} ({date or 'undated'})"


def _date(articles: dict[str, Article], article_id: str) -> str | None:
    article = articles.get(article_id)
    return article.date if article else None


def judge(scored: list[ScoredPair], articles: dict[str, Article], settings: Settings,
          facts: Facts | None = None, tag: Tagger | None = None) -> list[Finding]:
    """Findings for every non-neutral pair: contradictions first, then updates, then agreements.

    What is known of each claim (``facts``) is computed once, never per pair. The entity tagger
    (``tag``) reads only the claims of contradictions and updates that would be reported without
    the actor check: the actors can only veto, a wrong contradiction is the costly error, and
    tagging every claim costs more than embedding it (eval/bench/results/analysis.json: 25 ms a
    claim, the onnx embedder 9 ms); on the 1,000-article bench corpus, tagging the claims of
    agreements too made ``verify`` 344 s instead of 252 s."""
    from checker.analyze import analyze

    claims = list(dict.fromkeys(c for s in scored for c in (s.pair.a, s.pair.b)))
    facts = {} if facts is None else facts  # gains what is learnt here (the entities of tagged claims)
    facts.update(analyze([c for c in claims if c not in facts], articles, tag=None))
    found = [(s, f) for s in scored if (f := decide(s, evidence(s, articles, settings, facts), settings)) is not None]
    untagged = list(dict.fromkeys(c for s, f in found if f.verdict != "agreement"
                                  for c in (s.pair.a, s.pair.b) if not facts[c].tagged))
    if tag is not None and untagged:
        facts.update(analyze(untagged, articles, tag))
        retagged = set(untagged)  # only pairs with a newly tagged claim can change
        found = [(s, f if not retagged & {s.pair.a, s.pair.b} else decide(s, evidence(s, articles, settings, facts),
                                                                            settings)) for s, f in found]
        found = [(s, f) for s, f in found if f is not None]
    findings = [f for _, f in found]
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
