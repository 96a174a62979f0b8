"""Measure the judge on the written test set, with and without its rules.

    python -m eval.judge_eval                     # eval/judge_cases.jsonl -> eval/results/judge_eval.{json,md}
    python -m eval.judge_eval --nli-model some/folder --device cpu

Each case is a pair of claims (``a``, ``b``) with article dates and the verdict a fact-checker
expects: contradiction, agreement, update or neutral. Cases whose note starts with "held-out" were
written after the rules and never used to change them; they are also summarised on their own. Both claims are embedded (for the pair
similarity the judge sees in a real run) and scored by the NLI model in both directions, then
judged twice: by ``checker.judge`` (NLI plus the quantity, time, actor and attribution rules) and
by ``checker.judge.without_rules`` (NLI thresholds only). Precision and recall are reported per
phenomenon and verdict.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from checker import judge
from checker.config import Settings
from checker.judge.attribution import find_source
from checker.types import Article, CandidatePair, Claim, ScoredPair

if TYPE_CHECKING:
    from checker.analyze import Facts

VERDICTS = ("contradiction", "agreement", "update", "neutral")
HELD_OUT = "held-out"
SWEEP = {"contradiction_threshold": (0.6, 0.7, 0.8), "agreement_threshold": (0.4, 0.5, 0.6, 0.7)}
ROOT = Path(__file__).resolve().parent


def load_cases(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def case_pair(case: dict) -> tuple[CandidatePair, dict[str, Article]]:
    """The case as two one-claim articles with their dates ("nl-en": a is Dutch, b English)."""
    langs = case["lang"].split("-") * 2
    claims, articles = [], {}
    for side, lang in zip("ab", langs):
        article_id, text = f"{case['id']}-{side}", case[side]
        articles[article_id] = Article(id=article_id, text=text, date=case[f"date_{side}"], lang=lang)
        claims.append(Claim(article_id, 0, text, 0, len(text), lang, attribution=find_source(text, lang)))
    return CandidatePair(claims[0], claims[1], 0.0), articles


Scored = list[tuple[ScoredPair, dict[str, Article], "Facts"]]


def score_cases(cases: list[dict], settings: Settings) -> Scored:
    """Similarity (embedder), NLI probabilities (both directions) and the facts of both claims
    (with the entity tagger, as ``verify`` has them when it reports a pair) for every case."""
    from checker.analyze import EntityTagger, analyze

    from checker.infer import score_pairs
    from checker.pipeline import load_embedder, load_nli

    built = [case_pair(c) for c in cases]
    vectors = load_embedder(settings.embed_model, settings.device, settings.embed_batch_size, settings.backend).encode(
        [t for p, _ in built for t in (p.a.text, p.b.text)])
    similarity = np.sum(vectors[0::2] * vectors[1::2], axis=1)
    pairs = [CandidatePair(p.a, p.b, round(float(s), 6)) for (p, _), s in zip(built, similarity)]
    nli = load_nli(settings.nli_model, settings.device, settings.nli_max_length, settings.nli_int8, settings.backend)
    scored = score_pairs(pairs, nli, batch_size=settings.nli_batch_size)
    tagger = EntityTagger(settings.ner_model, settings.device)
    return [(s, articles, analyze([s.pair.a, s.pair.b], articles, tagger)) for s, (_, articles) in zip(scored, built)]


def run_case(scored: ScoredPair, articles: dict[str, Article], facts: Facts, settings: Settings) -> dict[str, object]:
    """Both verdicts for one case, with the reasons and the evidence that decided them."""
    ev = judge.evidence(scored, articles, settings, facts)
    finding = judge.decide(scored, ev, settings)
    baseline = judge.without_rules([scored], settings)
    return {
        "rules": finding.verdict if finding else "neutral",
        "nli_only": baseline[0].verdict if baseline else "neutral",
        "reasons": [{"code": r.code, "text": r.text} for r in (finding.reasons if finding else judge.vetoes(ev, settings))],
        "disputed_by": list(finding.disputed_by) if finding and finding.disputed_by else None,
        "p_contradiction": round(ev.p_contradiction, 4), "p_entailment": round(ev.p_entailment, 4),
        "similarity": scored.pair.similarity, "sources": list(ev.sources),
    }


def precision_recall(rows: list[dict], system: str) -> dict[str, dict[str, float | int | None]]:
    """Per verdict: precision, recall and support of ``system`` ("rules" or "nli_only") against ``expected``."""
    out = {}
    for verdict in VERDICTS:
        predicted = [r for r in rows if r[system] == verdict]
        gold = [r for r in rows if r["expected"] == verdict]
        hits = sum(r["expected"] == verdict for r in predicted)
        out[verdict] = {"precision": round(hits / len(predicted), 3) if predicted else None,
                        "recall": round(hits / len(gold), 3) if gold else None,
                        "support": len(gold), "predicted": len(predicted)}
    out["accuracy"] = {"value": round(sum(r[system] == r["expected"] for r in rows) / len(rows), 3)}  # type: ignore[dict-item]
    return out


def summarise(rows: list[dict]) -> dict[str, dict]:
    """Per phenomenon, all cases, and the held-out cases (written after the rules, never used to change them)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["phenomenon"]].append(row)
    for row in rows:
        groups["held-out" if row["note"].startswith(HELD_OUT) else "development"].append(row)
    groups["all"] = rows
    return {name: {"n": len(group), "rules": precision_recall(group, "rules"),
                   "nli_only": precision_recall(group, "nli_only")} for name, group in groups.items()}


def judge_all(cases: list[dict], scored: Scored, settings: Settings) -> list[dict]:
    return [dict(case, **run_case(pair, articles, facts, settings)) for case, (pair, articles, facts) in zip(cases, scored)]


def sweep(cases: list[dict], scored: Scored, settings: Settings) -> list[dict]:
    """Accuracy and contradiction/agreement P/R over all cases for each pair of NLI thresholds."""
    out = []
    for con, agr in itertools.product(*SWEEP.values()):
        result = summarise(judge_all(cases, scored, dataclasses.replace(
            settings, contradiction_threshold=con, agreement_threshold=agr)))["all"]
        out.append({"contradiction_threshold": con, "agreement_threshold": agr,
                    **{system: {"accuracy": result[system]["accuracy"]["value"],
                                **{f"{v}_{k}": result[system][v][k] for v in ("contradiction", "agreement")
                                   for k in ("precision", "recall")}} for system in ("rules", "nli_only")}})
    return out


def markdown(summary: dict[str, dict], model: str, swept: list[dict]) -> str:
    fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    lines = [f"# Judge evaluation ({model})", "",
             "Precision / recall per phenomenon and verdict on `eval/judge_cases.jsonl`, with the rules "
             "(`checker.judge`) and NLI thresholds only (`judge.without_rules`). – : nothing predicted or expected.",
             "", "| phenomenon | n | verdict | support | P rules | R rules | P NLI only | R NLI only |",
             "|---|---|---|---|---|---|---|---|"]
    for name, result in summary.items():
        for verdict in VERDICTS:
            rules, base = result["rules"][verdict], result["nli_only"][verdict]
            if rules["support"] or rules["predicted"] or base["predicted"]:
                lines.append(f"| {name} | {result['n']} | {verdict} | {rules['support']} | {fmt(rules['precision'])} | "
                             f"{fmt(rules['recall'])} | {fmt(base['precision'])} | {fmt(base['recall'])} |")
        lines.append(f"| {name} | {result['n']} | **accuracy** | | {fmt(result['rules']['accuracy']['value'])} | | "
                     f"{fmt(result['nli_only']['accuracy']['value'])} | |")
    lines += ["", "## NLI thresholds (all cases)", "",
              "| contradiction ≥ | agreement ≥ | accuracy rules | contradiction P/R rules | agreement P/R rules "
              "| accuracy NLI only | contradiction P/R NLI only | agreement P/R NLI only |", "|---|---|---|---|---|---|---|---|"]
    for row in swept:
        cells = [f"{fmt(row[s]['accuracy'])} | {fmt(row[s]['contradiction_precision'])}/{fmt(row[s]['contradiction_recall'])} | "
                 f"{fmt(row[s]['agreement_precision'])}/{fmt(row[s]['agreement_recall'])}" for s in ("rules", "nli_only")]
        lines.append(f"| {row['contradiction_threshold']} | {row['agreement_threshold']} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=ROOT / "judge_cases.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument("--nli-model", default=None)
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)
    settings = Settings().with_overrides(nli_model=args.nli_model, device=args.device)
    cases = load_cases(args.cases)
    scored = score_cases(cases, settings)
    rows = judge_all(cases, scored, settings)
    summary, swept = summarise(rows), sweep(cases, scored, settings)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "judge_eval.json").write_text(json.dumps({"nli_model": settings.nli_model, "summary": summary,
                                                          "threshold_sweep": swept, "cases": rows},
                                                         ensure_ascii=False, indent=1) + "\n")
    text = markdown(summary, settings.nli_model, swept)
    (args.out / "judge_eval.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
