"""Cue probes for the NLI model (issue 11): does it read the fact, or a surface cue?

    python -m eval.nli_probes build --data ../shared/data --out eval/nli_probes/
    python -m eval.nli_probes score [--nli-model claimcheck-nli] [--backend torch|onnx] [--data ../shared/data]

``build`` writes ``probes.jsonl`` (one pair a line: probe, lang, premise, hypothesis, label, source) and
``summary.json`` (counts, thresholds, what built it) from the **probe half** of the source documents
(``models/nli/cues.py``: the v2 recipe trains only on the other half). It is deterministic for a seed,
a data folder, the embedder and the NER tagger. The English texts may not be redistributed
(``news_clusters`` META: "do not redistribute or ship the texts"), so ``probes.jsonl`` is gitignored:
``score`` builds it on the fly when it is missing. Construction and licences: ``eval/nli_probes/README.md``.

Probes (gold label): ``negation_neutral`` (neutral), ``name_replaced`` (not entailed: neutral or
contradiction both count), ``number_swap`` (contradiction), ``unrelated_high_cosine`` (neutral),
``hedged_exact`` (neutral), and the control ``negation_flip`` (contradiction: a model that never says
contradiction cannot pass both negation probes).

``score`` reports, per probe and language, the accuracy and the predicted label distribution, and
merges them into ``eval/results/nli_probes.json`` under ``<model>/<backend>``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from models.nli import cues

PROBES = ["negation_neutral", "name_replaced", "number_swap", "unrelated_high_cosine", "hedged_exact",
          "negation_flip"]
DEFAULT_OUT = Path("eval/nli_probes")
DEFAULT_RESULTS = Path("eval/results/nli_probes.json")
LABELS = ["entailment", "neutral", "contradiction"]
COSINE_PERCENTILE = 99.0  # "high cosine": above this percentile of all cross-document pairs of a language


def correct(label: str, predicted: str) -> bool:
    return predicted != "entailment" if label == "not_entailment" else predicted == label


def _cap(rows: list[dict], n: int, rng: random.Random) -> list[dict]:
    return rng.sample(rows, n) if len(rows) > n else rows


def high_cosine(docs: list[cues.Doc], embed, rng: random.Random, limit: int,
                max_sentences: int) -> tuple[list[dict], dict]:
    """Cross-document pairs above the ``COSINE_PERCENTILE`` of all far-apart pairs' cosines."""
    flat = [(d, s) for d in docs for s in d.sentences]
    if len(flat) > max_sentences:
        flat = rng.sample(flat, max_sentences)
    vectors = np.asarray(embed([s for _, s in flat]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    sim = vectors @ vectors.T
    keys = np.asarray([d.key for d, _ in flat])
    days = np.asarray([(d.day.toordinal() if d.day else -10**6) for d, _ in flat])
    apart = keys[:, None] != keys[None, :]
    dated = (days[:, None] > 0) & (days[None, :] > 0)
    apart &= ~dated | (np.abs(days[:, None] - days[None, :]) >= cues.MIN_DAYS_APART)
    upper = np.triu(apart, 1)
    threshold = float(np.percentile(sim[upper], COSINE_PERCENTILE))
    sim_far = np.where(apart, sim, -1.0)
    pairs = cues.high_similarity_pairs(flat, sim_far, threshold, limit, "unrelated_high_cosine")
    stats = {"sentences": len(flat), "threshold": round(threshold, 4), "percentile": COSINE_PERCENTILE,
             "median_cross_document_cosine": round(float(np.median(sim[upper])), 4),
             "pairs_cosine_min": min((p["cosine"] for p in pairs), default=None),
             "pairs_cosine_max": max((p["cosine"] for p in pairs), default=None)}
    return pairs, stats


def build(data: Path, out: Path, seed: int, per_lang: int, backend: str, ner: str | None,
          total: int = 400) -> list[dict]:
    from checker.pipeline import load_embedder

    started = time.time()
    try:
        embedder = load_embedder("e5-small", None, 64, backend=backend)
        used_backend = backend
    except Exception as exc:  # noqa: BLE001 - fall back to torch, say so in the summary
        print(f"embedder backend {backend} failed ({exc}); using torch", file=sys.stderr)
        embedder, used_backend = load_embedder("e5-small", None, 64, backend="torch"), "torch"
    tagger = None
    if ner:
        try:
            from checker.analyze import EntityTagger

            tagger = EntityTagger(ner)
        except Exception as exc:  # noqa: BLE001
            print(f"NER tagger {ner} failed ({exc}); name spans by capitalisation", file=sys.stderr)
    rows: list[dict] = []
    summary: dict = {"seed": seed, "per_lang_cap": per_lang, "target_total": total,
                     "embedder": f"e5-small/{used_backend}",
                     "ner": ner if tagger else None, "split": "models/nli/cues.py half(key) == 'probe'",
                     "unrelated_high_cosine": {}, "sources": {}}
    for lang in ("nl", "en"):
        # one generator per construction and language: a change in one probe never shifts another
        rngs = {p: random.Random(f"{seed}/{lang}/{p}") for p in PROBES}
        docs = cues.load_docs(data, "probe", [lang])
        summary["sources"][lang] = {"documents": len(docs), "sentences": sum(len(d.sentences) for d in docs)}
        many = 3 if lang == "nl" else 1  # Dutch is scarce: up to 3 pairs per sentence (different partners / numbers)
        made = {
            "negation_neutral": cues.negation_neutral(docs, rngs["negation_neutral"], per_sentence=many),
            "name_replaced": (cues.typed_name_replaced(docs, rngs["name_replaced"], tagger, limit=1500) if tagger
                              else cues.name_replaced(docs, rngs["name_replaced"])),
            "number_swap": cues.number_swap(docs, rngs["number_swap"], per_sentence=many),
            "hedged_exact": cues.hedged_exact(docs, rngs["hedged_exact"]),
            "negation_flip": cues.negation_flip(docs, rngs["negation_flip"]),
        }
        made["unrelated_high_cosine"], stats = high_cosine(docs, embedder.encode, rngs["unrelated_high_cosine"],
                                                           max(per_lang, total), 3000)
        summary["unrelated_high_cosine"][lang] = stats
        for probe in PROBES:
            # English, the larger source, fills each probe up to ``total`` pairs where Dutch has fewer
            cap = per_lang if lang == "nl" else max(per_lang, total - sum(r["probe"] == probe for r in rows))
            rows.extend(_cap(made[probe], cap, random.Random(f"{seed}/{lang}/{probe}/cap")))
    rows.sort(key=lambda r: (PROBES.index(r["probe"]), r["lang"] != "nl"))
    counts = Counter((r["probe"], r["lang"]) for r in rows)
    summary["counts"] = {p: {"nl": counts[(p, "nl")], "en": counts[(p, "en")],
                             "total": counts[(p, "nl")] + counts[(p, "en")]} for p in PROBES}
    summary["build_seconds"] = round(time.time() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "probes.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary["counts"]), file=sys.stderr)
    return rows


def score(probes: Path, model_name: str, backend: str, results: Path, batch_size: int) -> dict:
    from checker.pipeline import load_nli

    rows = [json.loads(line) for line in probes.open(encoding="utf-8") if line.strip()]
    model = load_nli(model_name, None, 256, False, backend=backend)
    started = time.time()
    probs = model.predict([(r["premise"], r["hypothesis"]) for r in rows], batch_size=batch_size)
    seconds = time.time() - started
    predicted = [LABELS[i] for i in probs.argmax(1)]
    table: dict = {}
    for probe in PROBES:
        for lang in ("nl", "en", "all"):
            idx = [i for i, r in enumerate(rows) if r["probe"] == probe and lang in ("all", r["lang"])]
            if not idx:
                continue
            dist = Counter(predicted[i] for i in idx)
            table.setdefault(probe, {})[lang] = {
                "n": len(idx), "gold": rows[idx[0]]["label"],
                "accuracy": round(sum(correct(rows[i]["label"], predicted[i]) for i in idx) / len(idx), 4),
                "predicted": {k: round(dist[k] / len(idx), 4) for k in LABELS},
                "mean_p_contradiction": round(float(probs[idx, 2].mean()), 4),
            }
    result = {"model": model_name, "backend": backend, "pairs": len(rows), "probes_file": str(probes),
              "pairs_per_second": round(len(rows) / seconds, 1), "by_probe": table}
    merged = json.loads(results.read_text()) if results.exists() else {}
    merged[f"{model_name}/{backend}"] = result
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")
    return result


def markdown(result: dict) -> str:
    lines = ["| probe | gold | nl n | nl acc | en n | en acc | all acc | predicted (E/N/C, all) |",
             "|---|---|---|---|---|---|---|---|"]
    for probe, by_lang in result["by_probe"].items():
        nl, en, al = by_lang.get("nl", {}), by_lang.get("en", {}), by_lang["all"]
        dist = "/".join(f"{al['predicted'][k]:.2f}" for k in LABELS)
        lines.append(f"| {probe} | {al['gold']} | {nl.get('n', 0)} | {nl.get('accuracy', float('nan')):.1%} | "
                     f"{en.get('n', 0)} | {en.get('accuracy', float('nan')):.1%} | {al['accuracy']:.1%} | {dist} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    s = sub.add_parser("score")
    for p in (b, s):
        p.add_argument("--data", type=Path, default=Path("../shared/data"))
        p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="probe folder (default: %(default)s)")
        p.add_argument("--seed", type=int, default=11)
        p.add_argument("--per-lang", type=int, default=250, help="cap per probe and language")
        p.add_argument("--total", type=int, default=400, help="English fills each probe up to this many pairs")
        p.add_argument("--embed-backend", default="onnx", choices=["onnx", "torch"])
        p.add_argument("--ner", default="claimcheck-ner", help="tagger for typed name replacement ('' = none)")
    s.add_argument("--nli-model", default="claimcheck-nli")
    s.add_argument("--backend", default="torch", choices=["torch", "onnx"])
    s.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    s.add_argument("--batch-size", type=int, default=32)
    s.add_argument("--rebuild", action="store_true", help="build the probes again first")
    args = parser.parse_args(argv)
    probes = args.out / "probes.jsonl"
    if args.cmd == "build" or args.rebuild or not probes.exists():
        build(args.data, args.out, args.seed, args.per_lang, args.embed_backend, args.ner or None, args.total)
    if args.cmd == "score":
        result = score(probes, args.nli_model, args.backend, args.results, args.batch_size)
        print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
