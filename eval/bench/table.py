"""``results.md`` from the results files: the targets first, then the measurements behind them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

RSS_LIMIT_MB = 2048
DEFAULT_K, DEFAULT_THRESHOLD = 5, 0.85


def load(results: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(results.glob("*.json"))}


def rows(header: list[str], body: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(x) for x in row) + " |" for row in body]) + "\n"


def verdict(ok: bool) -> str:
    return "met" if ok else "**gap**"


def targets(docs: dict[str, dict]) -> list[list[object]]:
    out = []
    if "recall" in docs:
        r = docs["recall"]["result"]
        at = next(g for g in r["grid"] if g["k"] == DEFAULT_K and g["threshold"] == DEFAULT_THRESHOLD)
        out.append([f"pairing recall >= 95% at <= 5% of NLI calls, against all cross-article pairs (estimated; "
                    f"k={DEFAULT_K}, t={DEFAULT_THRESHOLD})",
                    f"recall {at['recall']:.1%} (95% lower bound {at['recall_low']:.1%}) at {at['nli_call_share']:.3%} of calls",
                    verdict(at["recall"] >= 0.95 and at["nli_call_share"] <= 0.05)])
    if "planted" in docs:
        p = docs["planted"]["result"]
        cells = [("verify's pairing (defaults)", p["verify_pairing"])]
        cells += [(f"k={c['k']}, no threshold", c) for level, c in p["k_for_recall"].items() if level == "95%"]
        for name, c in cells:
            out.append([f"pairing recall >= 95% at <= 5% of NLI calls, planted pairs: {name}",
                        f"recall {c['recall']:.1%} at {c['nli_call_share']:.3%} of calls",
                        verdict(c["recall"] >= 0.95 and c["nli_call_share"] <= 0.05)])
    if "analysis" in docs:
        ms = docs["analysis"]["result"]["ms_per_claim"]
        out.append(["analysis costs no more than embedding per claim (ms per claim, torch / onnx embedder)",
                    f"facts {ms['facts_without_entities']}, with entities {ms['facts_with_entities']}; embedding "
                    f"{ms['embed_torch']} / {ms['embed_onnx']}",
                    verdict(ms["facts_with_entities"] <= ms["embed_torch"]
                            and ms["facts_without_entities"] <= ms["embed_onnx"])])
    if "speed" in docs:
        s = docs["speed"]["result"]
        change = s["nli"]["onnx_int8_accuracy_change_points"]
        out.append(["onnx int8 within 0.5 points of torch on SICK-NL dev",
                    f"{s['nli']['sick_nl_dev_accuracy']['onnx_int8']} vs {s['nli']['sick_nl_dev_accuracy']['torch_fp32']} "
                    f"({change:+.2f} points)", verdict(abs(change) <= 0.5)])
        out.append(["`claimcheck nli --backend onnx` on 2,000 pairs >= 2x a plain transformers loop (b32, fp32)",
                    f"{s['cli']['onnx_speedup_vs_plain']}x as processes (model load included); "
                    f"{s['nli']['onnx_int8_speedup_vs_plain']}x in pairs/s", verdict(s["cli"]["onnx_speedup_vs_plain"] >= 2)])
    if "verify" in docs:
        v = docs["verify"]["result"]
        same = v["ray_vs_local"]
        out.append(["`--engine ray`: same findings as the local engine (corpus, onnx)",
                    f"{same['findings_ray']} vs {same['findings_local']} findings, ids and verdicts equal: "
                    f"{same['same_ids_and_verdicts']}, max score difference {same['max_score_difference']}",
                    verdict(same["same_ids_and_verdicts"])])
        for backend in ("torch", "onnx"):
            run = v.get(f"corpus_{backend}_local")
            if run:
                out.append([f"peak RSS of verify on the corpus <= 2 GB ({backend})", f"{run['peak_rss_mb']:.0f} MB",
                            verdict(run["peak_rss_mb"] <= RSS_LIMIT_MB)])
    return out


def rate(r: dict[str, float]) -> str:
    return f"{r['best']} (median {r['median']})"


def speed_section(s: dict) -> str:
    e, n, c = s["embed"], s["nli"], s["cli"]
    text = "## Models\n\nRates: the best of interleaved rounds (median in brackets); other jobs may share the CPU.\n\n"
    text += rows(["embedder (e5-small)", f"sentences/s ({e['sentences']} corpus sentences)", "STS-B nl dev Spearman"], [
        [b, rate(e["sentences_per_second"][b]), e[f"{b}_stsb_nl_dev_spearman"]] for b in ("torch", "onnx")])
    text += f"\nonnx int8 vs torch vectors: cosine mean {e['onnx_vs_torch_cosine']['mean']}, " \
            f"min {e['onnx_vs_torch_cosine']['min']}.\n\n"
    text += rows(["NLI (claimcheck-nli)", f"pairs/s ({n['pairs']} corpus pairs, {n['mean_chars_per_pair']} chars)",
                  f"SICK-NL dev accuracy ({n['sick_nl_dev_rows']} rows)"],
                 [[name, rate(r), n["sick_nl_dev_accuracy"].get(name, "-")] for name, r in n["pairs_per_second"].items()])
    text += f"\nPadding share of the tokens fed (batch 32): input order {n['padding_share']['input_order_b32']:.1%}, " \
            f"length-sorted {n['padding_share']['length_sorted_b32']:.1%}.\n\n"
    text += rows([f"process on {c['pairs']} pairs ({c['rounds']} rounds)", "seconds, best (median)", "peak RSS MB"],
                 [[name, f"{p['seconds_best']} ({p['seconds_median']})", p["peak_rss_mb"]] for name, p in c["processes"].items()])
    return text


def quant_section(q: dict) -> str:
    sets = list(q["pairs"])
    header = ["int8 NLI recipe"] + [f"{name} ({n}): argmax flips vs fp32, mean change" for name, n in q["pairs"].items()]
    body = [[name] + [f"{r[s]['argmax_flips']}, {r[s]['mean_abs_change']}" for s in sets] + [rate(r["corpus_pairs_per_second"])]
            for name, r in q["recipes"].items()]
    return "## int8 quantisation\n\n" + rows(header + ["corpus pairs/s"], body) + "\n"


def verify_section(v: dict) -> str:
    body = [[name, run["articles"], run["claims"], run["candidate_pairs"], run["nli_calls"], run["all_cross_article_pairs"],
             f"{run['nli_call_share']:.4%}", run["seconds"], run["articles_per_minute"], run["peak_rss_mb"],
             f"{run['agreements']}/{run['contradictions']}/{run['updates']}"]
            for name, run in v.items() if isinstance(run, dict) and "peak_rss_mb" in run and run.get("articles")]
    text = "## verify end to end\n\n" + rows(
        ["run", "articles", "claims", "pairs scored", "NLI calls", "all cross-article pairs", "share", "seconds",
         "articles/min", "peak RSS MB", "agree/contra/update"], body)
    planted = v.get("planted_onnx_local", {})
    if planted:
        text += "\nPlanted pairs (onnx, local) reported with the expected verdict: " + ", ".join(
            f"{label} {c.get('as_expected', 0)}/{c['planted']}" for label, c in planted.items() if label != "neutral") + "\n"
    return text


def grid_table(grid: list[dict], cell: Callable[[dict], str]) -> str:
    """A k x threshold table of ``grid`` cells, each shown by ``cell``."""
    thresholds = sorted({g["threshold"] for g in grid})
    by_k: dict[int, dict[float, dict]] = {}
    for g in grid:
        by_k.setdefault(g["k"], {})[g["threshold"]] = g
    return rows(["k \\ threshold"] + [str(t) for t in thresholds],
                [[k] + [cell(cells[t]) for t in thresholds] for k, cells in sorted(by_k.items())])


def recall_section(r: dict) -> str:
    text = (f"## Pairing recall\n\n{r['articles']} articles, {r['claims']} claims, {r['all_cross_article_pairs']:,} "
            f"cross-article pairs; backend {r['backend']}. Cell: recall (95% lower bound) / share of NLI calls.\n\n")
    text += grid_table(r["grid"], lambda c: f"{c['recall']:.1%} ({c['recall_low']:.1%}) / {c['nli_call_share']:.3%}")
    w, o = r["widest"], r["outside"]
    text += (f"\nScored in full: the widest set (k={w['k']}, t={w['threshold']}), {w['pairs']:,} pairs, findings {w['found']}. "
             f"Outside it: estimated {o['estimate']} findings (95% upper bound {o['upper_95']}), from cosine strata:\n\n")
    low = o["strata"][-1]
    text += (f"In the lowest stratum (cosine < {low['cosine'][1]}), {sum(low['found'].values())} of {low['scored']} "
             f"sampled pairs are judged a finding ({low['found']}): pairs of unrelated sentences, that is NLI false "
             f"positives, which make up most of this reference.\n\n")
    text += rows(["cosine", "pairs", "scored", "census", "found in scored", "estimate"],
                 [[f"[{s['cosine'][0]}, {s['cosine'][1]})", f"{s['pairs']:,}", s["scored"], s["census"], s["found"], s["estimate"]]
                  for s in o["strata"]])
    return text


def planted_section(p: dict) -> str:
    planted = ", ".join(f"{n} {k.removeprefix('planted_')}" for k, n in p["pairs"].items() if k.startswith("planted_"))
    text = (f"## Pairing recall on the planted pairs\n\nPlanted: {planted}; {p['pairs'].get('not_one_claim', 0)} are "
            f"not one claim each after segmenting. Scored directly they give {p['reference']} (the reference). "
            f"Cell: recall / share of NLI calls; backend {p['backend']}.\n\n")
    text += grid_table(p["grid"], lambda c: f"{c['recall']:.1%} / {c['nli_call_share']:.3%}")
    v = p["verify_pairing"]
    text += (f"\n`verify`'s own pairing inside stories (the corpus's events given as `--stories`: all pairs of a "
             f"story of at most 200, else each claim's 3 nearest in the story, plus claims counting the same thing): "
             f"recall {v['recall']:.1%} ({v['found']}) at {v['pairs']:,} pairs, {2 * v['pairs']:,} NLI calls, "
             f"{v['nli_call_share']:.3%} of all cross-article pairs.\n")
    if "story_blind_pairing" in p:
        b = p["story_blind_pairing"]
        text += (f"Story-blind (`--stories none`: k={DEFAULT_K} above t={DEFAULT_THRESHOLD} across the corpus): recall "
                 f"{b['recall']:.1%} ({b['found']}) at {b['pairs']:,} pairs, {2 * b['pairs']:,} NLI calls.\n")
    text += "\n"
    text += rows(["planted recall", "k (no threshold)", "pairs", "share of NLI calls", "found"],
                 [[level, c["k"], f"{c['pairs']:,}", f"{c['nli_call_share']:.3%}", c["found"]]
                  for level, c in p["k_for_recall"].items()])
    return text


def stories_section(s: dict) -> str:
    runs = {k: v for k, v in s.items() if k.startswith("corpus_")}
    text = ("## verify inside stories (the corpus's events as `--stories`)\n\n"
            + rows(["run", "seconds", "peak RSS MB", "stories", "NLI calls", "findings across stories"],
                   [[name, run["seconds"], run.get("peak_rss_mb"), run.get("stories"), run.get("nli_calls"),
                     run.get("cross_story_findings")] for name, run in runs.items()]))
    for name, planted in s.items():
        if name.startswith("planted_"):
            text += f"\nPlanted pairs ({name.removeprefix('planted_')}): " + ", ".join(
                f"{label} {c.get('as_expected', 0)}/{c['planted']}" for label, c in planted.items()) + "\n"
    return text


def render(results: Path) -> str:
    docs = load(results)
    text = "# Benchmarks\n\nReproduce: `python -m eval.bench --data ../shared/data` (eval/bench/README.md).\n\n"
    for name, doc in docs.items():
        m = doc["machine"]
        text += (f"- `{name}`: {m['date']}, {m['cpu']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, load average "
                 f"{m['load_average']} -> {doc['load_average_after']}, {doc['seconds']} s\n")
    if docs:
        versions = next(iter(docs.values()))["machine"]["versions"]
        text += "- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + "\n\n"
    text += "## Targets\n\n" + rows(["target", "measured", "status"], targets(docs)) + "\n"
    sections = {"speed": speed_section, "quant": quant_section, "verify": verify_section, "stories": stories_section, "planted": planted_section,
                "recall": recall_section}
    return text + "\n".join(section(docs[name]["result"]) for name, section in sections.items() if name in docs)
