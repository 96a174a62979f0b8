"""``verify`` over one input file just under the 50 MiB size limit (issue 15): what it would cost,
and that the run limit (``max_run_chars``, checker/config.py) refuses it at once.

    python -m eval.input_limit [--out /tmp/claimcheck-input-limit] [--slice-mib 2] [-- extra verify options]

Writes two files just under 50 MiB: ``one_article.txt`` (one article: paragraphs of generated
Dutch news sentences, counts and times varied so that few repeat) and ``tiny_articles.jsonl``
(the tiny articles of ``eval.scale``). Times segment, the entity-free analysis and the embedding
(of ``--embed-claims`` claims) on the first ``--slice-mib`` MiB of the article, in this process,
and runs ``claimcheck verify`` on each file in a child process (wall time, peak RSS, exit code,
the last stderr line). Writes ``eval/results/scale_input_limit.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from eval.bench.measure import machine, run_measured
from eval.scale import EVENTS, TOWNS, articles

SIZE = 50 * 2**20 - 4096  # bytes, just under the size limit of one input file
SAYS = ("de politie", "de gemeente", "een woordvoerder", "de brandweer")


def sentence(rng: random.Random) -> str:
    """One generated news sentence: an event's lead with a random town and count, now and then a source and a time."""
    lead = rng.choice(EVENTS)[1].format(town=rng.choice(TOWNS), n=rng.randint(2, 400))
    if rng.random() < 0.5:
        lead = f"{lead[:-1]}, meldt {rng.choice(SAYS)} om {rng.randint(0, 23)}.{rng.randint(0, 59):02d} uur."
    return lead


def write_files(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(0)
    article, batch = folder / "one_article.txt", folder / "tiny_articles.jsonl"
    with article.open("w", encoding="utf-8") as handle:
        size = handle.write("date 2024-03-12\n")
        while size < SIZE:
            size += handle.write(" ".join(sentence(rng) for _ in range(rng.randint(2, 5))) + "\n\n")
    with batch.open("w", encoding="utf-8") as handle:
        size = 0
        for record in articles(10**7):
            line = json.dumps(record, ensure_ascii=False) + "\n"
            size += len(line.encode())
            if size > SIZE:
                break
            handle.write(line)
    return article, batch


def stages(path: Path, mib: float, embed_claims: int) -> dict[str, object]:
    """Seconds of segment, analysis and embedding on the first ``mib`` MiB of one article."""
    from checker.analyze import analyze
    from checker.config import Settings
    from checker.ingest import parse_txt
    from checker.pipeline import load_embedder
    from checker.segment import segment

    settings = Settings()
    text = path.read_text(encoding="utf-8")[: int(mib * 2**20)]
    article = parse_txt(text, "slice", str(path))
    started = time.perf_counter()
    claims = segment([article], settings)
    segmented = time.perf_counter()
    analyze(claims, {article.id: article}, tag=None)
    analysed = time.perf_counter()
    embedder = load_embedder(settings.embed_model, None, settings.embed_batch_size)
    loaded = time.perf_counter()
    embedder.encode([c.text for c in claims[:embed_claims]])
    embedded = time.perf_counter()
    return {"characters": len(text), "claims": len(claims), "segment_seconds": round(segmented - started, 1),
            "analyze_seconds": round(analysed - segmented, 1), "embedded_claims": min(embed_claims, len(claims)),
            "embed_seconds": round(embedded - loaded, 1),
            "claims_per_second_embedded": round(min(embed_claims, len(claims)) / (embedded - loaded), 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/claimcheck-input-limit"))
    parser.add_argument("--slice-mib", type=float, default=2.0)
    parser.add_argument("--embed-claims", type=int, default=3000)
    parser.add_argument("extra", nargs="*", help="more verify options (after --)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    article, batch = write_files(args.out)
    runs = {}
    for path in (article, batch):
        command = ["claimcheck", "verify", str(path), "--output", str(args.out / "report.json"), *args.extra]
        runs[path.name] = {"bytes": path.stat().st_size, "verify": " ".join(command[1:]), **run_measured(command)}
    result = {"command": " ".join(["python -m eval.input_limit", *args.extra]), "runs": runs,
              "stages_on_a_slice": stages(article, args.slice_mib, args.embed_claims), "machine": machine()}
    target = Path(__file__).parent / "results" / "scale_input_limit.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    json.dump(result, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
