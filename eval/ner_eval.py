"""Entity recognition through ``claimcheck analyze``: exact-span precision, recall and F1 on CoNLL test sets.

    python -m eval.ner_eval --data ../shared/data [--ner-model PATH] [--out eval/results/ner_eval.json]

Each CoNLL document becomes one article: its tokens joined by spaces, its sentences by newlines,
with the gold entities as character spans. ``claimcheck analyze --all-sentences`` runs on those
articles as a user would run it (its own sentence splitting and word split, its offsets), and an
entity counts only when its type and its character span match a gold entity exactly (the
``conlleval`` rule, on characters). Sets: CoNLL-2002 Dutch ``ned.testb`` and CoNLL-2003 English
``test.txt`` (the test splits), and the two dev splits.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from models.ner.train import read_documents, spans

SETS = {"conll2002_nl_testb": ("ner/conll2002_nl/ned.testb", "nl"), "conll2003_en_test": ("ner/conll2003_en/test.txt", "en"),
        "conll2002_nl_testa": ("ner/conll2002_nl/ned.testa", "nl"), "conll2003_en_valid": ("ner/conll2003_en/valid.txt", "en")}


def as_article(doc_id: str, doc: list[tuple[list[str], list[str]]], lang: str) -> tuple[dict, set[tuple[int, int, str]]]:
    """The article (JSONL fields) and its gold entities as (start, end, type) character spans."""
    text, gold = "", set()
    for words, tags in doc:
        starts = []
        for word in words:
            starts.append(len(text))
            text += word + " "
        text = text[:-1] + "\n"
        for first, end, kind in spans(tags):
            gold.add((starts[first], starts[end - 1] + len(words[end - 1]), kind))
    return {"id": doc_id, "text": text, "lang": lang}, gold


def score(gold: set, found: set) -> dict[str, object]:
    out = {}
    for kind in sorted({k for *_, k in gold | found}) + ["ALL"]:
        g = gold if kind == "ALL" else {x for x in gold if x[-1] == kind}
        f = found if kind == "ALL" else {x for x in found if x[-1] == kind}
        tp = len(g & f)
        p, r = tp / max(1, len(f)), tp / max(1, len(g))
        out[kind] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(1e-12, p + r), 4),
                     "gold": len(g), "found": len(f)}
    return out


def run_set(name: str, data: Path, ner_model: str | None, work: Path) -> dict[str, object]:
    rel, lang = SETS[name]
    articles, gold = [], set()
    for n, doc in enumerate(read_documents(data / rel)):
        article, doc_gold = as_article(f"{name}-{n:04d}", doc, lang)
        articles.append(article)
        gold |= {(article["id"], *g) for g in doc_gold}
    path = work / f"{name}.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    cmd = [sys.executable, "-m", "checker", "analyze", str(path), "--all-sentences", "--format", "jsonl"]
    if ner_model:
        cmd += ["--ner-model", ner_model]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"claimcheck analyze failed: {proc.stderr.strip()}")
    found = set()
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    for record in records:
        found |= {(record["article"], e["start"], e["end"], e["type"]) for e in record["entities"]}
    result = score({(a, s, e, k) for a, s, e, k in gold}, {(a, s, e, k) for a, s, e, k in found})
    return {"file": rel, "documents": len(articles), "sentences_analyzed": len(records),
            "characters": sum(len(a["text"]) for a in articles), "seconds": round(seconds, 1), "scores": result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--ner-model", default=None, help="default: the shipped claimcheck-ner")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--out", type=Path, default=Path("eval/results/ner_eval.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        results = {name: run_set(name, args.data, args.ner_model, Path(work)) for name in args.sets.split(",")}
    doc = {"command": "python -m eval.ner_eval --data ../shared/data", "ner_model": args.ner_model or "claimcheck-ner",
           "rule": "exact character span and type, through `claimcheck analyze --all-sentences`", "sets": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps({k: v["scores"]["ALL"] for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
