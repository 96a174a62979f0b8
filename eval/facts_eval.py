"""Fact extraction through the analyze stage, scored against hand-annotated claims (``eval/facts/gold.jsonl``).

    python -m eval.facts_eval [--gold eval/facts/gold.jsonl] [--out eval/results/facts_eval.json]
                              [--ner-model NAME] [--device cpu]

Every gold claim becomes an article of its own (id, text, date, lang, read by ``checker.ingest``)
and goes through the project's own code as ``claimcheck analyze --all-sentences`` runs it:
``segment`` (fragments kept, so no gold text is dropped), ``EntityTagger``, ``analyze`` and
``fact_record``. When the segmenter splits one gold text into several claims, their facts are
pooled (entities and quantities concatenated, times united, polarity negative when any part is).

Scores, micro-averaged over the claims:

- entities: exact (text, type) and untyped (text only), as multisets;
- quantities: a predicted quantity matches a gold one when type, low and high are equal (an open
  high, null or infinity, matches only an open high); "with counted thing" also asks that both
  ``counted`` are null or that one contains the other (case-insensitive); one-to-one matching;
- times: ``days``, ``months`` and ``clock`` as sets;
- polarity: accuracy, and P/R/F1 of the "negative" class.

Predictions are read in the target format of ``fact_record`` (quantity ``type``/``low``/``high``/
``counted``; ``times.days``/``months``/``clock``; ``polarity``; entity ``text``/``type``); a key
that is missing scores as no prediction. The scoring functions take gold and predicted records
and return counts, so they are tested without models (``tests/test_facts_eval.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "facts" / "gold.jsonl"
OUT = ROOT / "eval" / "results" / "facts_eval.json"

ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")
QUANTITY_TYPES = ("count", "money", "percent", "age", "year", "duration", "ordinal", "measure")
TIME_FIELDS = ("days", "months", "clock")
# Fields scored as precision/recall/F1 (polarity_negative: the "negative" class of polarity).
FIELDS = ("entities", "entities_untyped", "quantities", "quantities_counted", *TIME_FIELDS, "polarity_negative")

Counts = dict[str, int]  # {"tp", "gold", "pred"}


# ----------------------------------------------------------------------------- reading


def read_gold(path: Path | str) -> list[dict]:
    """The gold claims, one JSON object a line (blank lines skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def pool(records: Sequence[dict]) -> dict:
    """The facts of one gold text from the ``fact_record`` dicts of its claims (any number, even none)."""
    entities, quantities = [], []
    times: dict[str, list[str]] = {k: [] for k in TIME_FIELDS}
    polarities = set()
    for record in records:
        entities += [e for e in _list(record.get("entities")) if isinstance(e, dict)]
        quantities += [q for q in _list(record.get("quantities")) if isinstance(q, dict)]
        record_times = _dict(record.get("times"))
        for key in TIME_FIELDS:
            times[key] += [v for v in _list(record_times.get(key)) if isinstance(v, str) and v not in times[key]]
        if record.get("polarity") in ("positive", "negative"):
            polarities.add(record["polarity"])
    polarity = "negative" if "negative" in polarities else "positive" if polarities else None
    return {"entities": entities, "quantities": quantities, "times": times, "polarity": polarity}


# ----------------------------------------------------------------------------- scoring (pure)


def counts(tp: int, gold: int, pred: int) -> Counts:
    return {"tp": tp, "gold": gold, "pred": pred}


def add(a: Counts, b: Counts) -> Counts:
    return {k: a.get(k, 0) + b.get(k, 0) for k in ("tp", "gold", "pred")}


def prf(c: Counts) -> dict[str, float]:
    """Precision, recall, F1 (0 when there is nothing to divide by)."""
    p = c["tp"] / c["pred"] if c["pred"] else 0.0
    r = c["tp"] / c["gold"] if c["gold"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def multiset_counts(gold: Iterable, pred: Iterable) -> Counts:
    """Counts for two multisets of hashable items."""
    g, p = Counter(gold), Counter(pred)
    return counts(sum((g & p).values()), sum(g.values()), sum(p.values()))


def max_matching(gold: Sequence, pred: Sequence, fits: Callable[[object, object], bool]) -> int:
    """Size of a largest one-to-one matching of gold to predicted items where ``fits(g, p)``."""
    owner: dict[int, int] = {}  # pred index -> gold index

    def augment(g: int, seen: set[int]) -> bool:
        for p in range(len(pred)):
            if p not in seen and fits(gold[g], pred[p]):
                seen.add(p)
                if p not in owner or augment(owner[p], seen):
                    owner[p] = g
                    return True
        return False

    return sum(augment(g, set()) for g in range(len(gold)))


def entity_counts(gold: Sequence[dict], pred: Sequence[dict], typed: bool = True) -> Counts:
    """Exact (text, type) matches, or text only when ``typed`` is False."""
    def key(e: dict) -> object:
        text = e.get("text") if isinstance(e.get("text"), str) else None
        kind = e.get("type") if isinstance(e.get("type"), str) else None
        return (text, kind) if typed else text

    return multiset_counts(map(key, gold), map(key, pred))


def _number(value: object, open_value: float | None) -> float | None:
    """A bound as a float: None (or inf) is ``open_value``; anything that is not a number is NaN."""
    if value is None:
        return open_value
    if isinstance(value, bool):
        return math.nan
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return open_value if math.isinf(number) and number > 0 and open_value is not None else number


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def quantity_fits(gold: dict, pred: dict) -> bool:
    """Same type, same low, same high (an open high: null or infinity, on either side)."""
    return (gold.get("type") == pred.get("type")
            and _same(_number(gold.get("low"), None), _number(pred.get("low"), None))
            and _same(_number(gold.get("high"), math.inf), _number(pred.get("high"), math.inf)))


def counted_fits(gold: dict, pred: dict) -> bool:
    """``quantity_fits`` and the counted thing agrees: both null, or one contains the other."""
    if not quantity_fits(gold, pred):
        return False
    g, p = gold.get("counted"), pred.get("counted")
    if g is None or p is None:
        return g is None and p is None
    if not isinstance(g, str) or not isinstance(p, str):
        return False
    g, p = g.strip().lower(), p.strip().lower()
    return bool(g and p) and (g in p or p in g)


def quantity_counts(gold: Sequence[dict], pred: Sequence[dict], with_counted: bool = False) -> Counts:
    fits = counted_fits if with_counted else quantity_fits
    return counts(max_matching(gold, pred, fits), len(gold), len(pred))


def set_counts(gold: Iterable[str], pred: Iterable[str]) -> Counts:
    g, p = set(gold), set(pred)
    return counts(len(g & p), len(g), len(p))


def polarity_counts(gold: str, pred: object) -> Counts:
    """The "negative" class: tp when both are negative."""
    return counts(int(gold == "negative" and pred == "negative"), int(gold == "negative"), int(pred == "negative"))


def claim_counts(gold: dict, pred: dict) -> dict[str, Counts]:
    """Counts of every field for one gold claim and its pooled prediction (``pool``)."""
    gold_times, pred_times = _dict(gold.get("times")), _dict(pred.get("times"))
    ge, pe = _list(gold.get("entities")), [e for e in _list(pred.get("entities")) if isinstance(e, dict)]
    gq, pq = _list(gold.get("quantities")), [q for q in _list(pred.get("quantities")) if isinstance(q, dict)]
    out = {
        "entities": entity_counts(ge, pe, typed=True),
        "entities_untyped": entity_counts(ge, pe, typed=False),
        "quantities": quantity_counts(gq, pq),
        "quantities_counted": quantity_counts(gq, pq, with_counted=True),
    }
    for key in TIME_FIELDS:
        out[key] = set_counts(_list(gold_times.get(key)), [v for v in _list(pred_times.get(key)) if isinstance(v, str)])
    out["polarity_negative"] = polarity_counts(gold.get("polarity"), pred.get("polarity"))
    return out


def score(gold: Sequence[dict], preds: dict[str, dict]) -> dict[str, object]:
    """Overall, per-language and per-domain scores; ``preds`` maps a gold id to its pooled prediction
    (a missing id is an empty prediction)."""
    empty = pool([])
    groups: dict[str, dict[str, dict]] = {"overall": {}, "by_lang": {}, "by_domain": {}}

    def bucket(kind: str, name: str) -> dict:
        return groups[kind].setdefault(name, {"claims": 0, "polarity_correct": 0,
                                               "counts": {f: counts(0, 0, 0) for f in FIELDS}})

    for claim in gold:
        pred = preds.get(claim["id"], empty)
        per_field = claim_counts(claim, pred)
        correct = int(pred.get("polarity") == claim.get("polarity"))
        for kind, name in (("overall", "all"), ("by_lang", claim.get("lang", "?")), ("by_domain", claim.get("domain", "?"))):
            b = bucket(kind, name)
            b["claims"] += 1
            b["polarity_correct"] += correct
            for field in FIELDS:
                b["counts"][field] = add(b["counts"][field], per_field[field])

    def summary(b: dict) -> dict[str, object]:
        return {"claims": b["claims"],
                "polarity_accuracy": round(b["polarity_correct"] / b["claims"], 4) if b["claims"] else 0.0,
                "fields": {f: {**b["counts"][f], **prf(b["counts"][f])} for f in FIELDS}}

    return {"overall": summary(groups["overall"].get("all") or bucket("overall", "all")),
            "by_lang": {k: summary(v) for k, v in sorted(groups["by_lang"].items())},
            "by_domain": {k: summary(v) for k, v in sorted(groups["by_domain"].items())}}


# ----------------------------------------------------------------------------- running the analysis


def predict(gold: Sequence[dict], ner_model: str | None = None, device: str | None = None) -> tuple[dict[str, dict], dict]:
    """Pooled predictions per gold id, through the project's segment/EntityTagger/analyze/fact_record."""
    from checker.analyze import EntityTagger, analyze, fact_record
    from checker.config import Settings
    from checker.ingest import parse_jsonl
    from checker.segment import segment

    settings = Settings().with_overrides(ner_model=ner_model, device=device, keep_fragments=True)
    lines = "".join(json.dumps({"id": g["id"], "text": g["text"], "date": g.get("date"), "lang": g.get("lang")},
                               ensure_ascii=False) + "\n" for g in gold)
    articles = list(parse_jsonl(lines, "gold"))
    started = time.perf_counter()
    claims = segment(articles, settings)
    tagger = EntityTagger(settings.ner_model, settings.device)
    facts = analyze(claims, {a.id: a for a in articles}, tagger)
    records: dict[str, list[dict]] = {}
    for claim in claims:
        records.setdefault(claim.article_id, []).append(fact_record(claim, facts[claim]))
    info = {"ner_model": settings.ner_model, "device": str(tagger.device), "claims_analyzed": len(claims),
            "split_texts": sum(len(v) > 1 for v in records.values()),
            "seconds": round(time.perf_counter() - started, 1)}
    return {g["id"]: pool(records.get(g["id"], [])) for g in gold}, info


# ----------------------------------------------------------------------------- report


def table(result: dict[str, object]) -> str:
    """The overall P/R/F1 table, then F1 per language and per domain."""
    overall = result["overall"]
    rows = [f"{'field':<20}{'P':>8}{'R':>8}{'F1':>8}{'gold':>7}{'pred':>7}{'tp':>6}"]
    for field in FIELDS:
        s = overall["fields"][field]
        rows.append(f"{field:<20}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['gold']:>7}{s['pred']:>7}{s['tp']:>6}")
    rows.append(f"{'polarity accuracy':<20}{overall['polarity_accuracy']:>24.3f}   ({overall['claims']} claims)")
    short = {"entities": "ent", "entities_untyped": "ent~", "quantities": "qty", "quantities_counted": "qty+c",
             "days": "days", "months": "mon", "clock": "clock", "polarity_negative": "neg"}
    for kind in ("by_lang", "by_domain"):
        rows.append("")
        rows.append(f"{'F1 ' + kind[3:]:<12}{'n':>4}" + "".join(f"{short[f]:>7}" for f in FIELDS) + f"{'pol.acc':>9}")
        for name, s in result[kind].items():
            cells = [f"{'-':>7}" if not (s["fields"][f]["gold"] or s["fields"][f]["pred"]) else f"{s['fields'][f]['f1']:>7.3f}"
                     for f in FIELDS]  # "-": nothing to score
            rows.append(f"{name:<12}{s['claims']:>4}" + "".join(cells) + f"{s['polarity_accuracy']:>9.3f}")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--ner-model", default=None, help="entity tagger (default: the shipped claimcheck-ner)")
    parser.add_argument("--device", default=None, help="cpu, cuda (default: CUDA when present)")
    args = parser.parse_args(argv)
    gold = read_gold(args.gold)
    preds, info = predict(gold, args.ner_model, args.device)
    result = score(gold, preds)
    doc = {"command": "python -m eval.facts_eval", "gold": str(args.gold), "gold_claims": len(gold), **info,
           "rules": {"entities": "exact (text, type) multiset; untyped: text only",
                     "quantities": "type, low and high equal (open high = null/inf); counted: both null or one "
                                   "contains the other, case-insensitive; one-to-one matching",
                     "times": "days, months, clock as sets", "polarity": "accuracy; P/R/F1 of 'negative'",
                     "pooling": "claims of one gold text pooled; polarity negative when any part is"},
           **result,
           "predictions": {g["id"]: preds[g["id"]] for g in gold}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(table(result))
    print(f"\n{len(gold)} gold claims, {info['claims_analyzed']} claims analyzed ({info['split_texts']} texts split), "
          f"{info['seconds']} s; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
