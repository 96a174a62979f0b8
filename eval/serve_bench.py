"""Speed of `claimcheck serve`: one new article checked through ``POST /ci`` against a 10,000-article
store, and the same check by a `claimcheck ci` process, in one run (issue 14).

    python -m eval.serve_bench [--articles 10000] [--requests 20] [--processes 3] \
        [--sentences ../shared/data/text_nl/ud_alpino/sentences.jsonl ../shared/data/sts/stsb/nl_train.jsonl ...] \
        [--store /tmp/claimcheck-bench/serve.db]

The store holds ``eval/scale.py``'s generated reports (a headline and one or two sentences, four
outlets per event, counts differing now and then); ``--articles + --requests`` are generated and
``--requests`` of them, spread over the corpus, are held back as the new articles: each is a fourth
report of an event the store holds three of. With ``--sentences`` the store is ``eval.bench_ci``'s
synthetic corpus of real Dutch sentences instead (more distinct text; much longer to embed). The
store is built with ``ingest``'s own functions and reused when it already holds the corpus.

The server is started as a child process (``claimcheck serve --store DB`` on a free loopback port,
the default models); each new article is sent once, one request at a time, and timed from the
client: HTTP, JSON, the check and the report. Then ``claimcheck ci NEW --store DB`` runs as a
process for the first ``--processes`` of the same articles, timed the same way (wall clock, start
to exit). Writes eval/results/serve_bench.json: the latencies (p50, p95, max), the ratio of the
medians over the same articles, where the time goes (the check inside the server, the report's
``stats.seconds``; in a process, the rest is starting Python and loading the models), the machine
and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from checker.api import as_articles
from checker.config import BACKENDS, Settings
from checker.ingest import read_articles
from checker.store import Store
from checker.types import Article
from eval import scale
from eval.bench.measure import machine, run_measured
from eval.bench_ci import CONTRADICTING, build_store, read_sentences, synthetic_articles

ROOT = Path(__file__).resolve().parents[1]
P95_LIMIT_S = 1.0
SPEEDUP_TARGET = 20.0


def sentence_corpus(sentences: list[str], articles: int, requests: int) -> tuple[list[Article], list[Article]]:
    """``eval.bench_ci``'s corpus (synthetic articles and seeds/) and new articles of sentences held back."""
    random.Random(0).shuffle(sentences)
    held_back, pool = sentences[: 8 * requests], sentences[8 * requests :]
    seeds = read_articles([str(ROOT / "seeds")])
    stored = synthetic_articles(pool, articles - len(seeds), seed=1) + seeds
    new = [Article(id="new-contradicting", text=CONTRADICTING, lang="nl")]
    new += [Article(id=f"new{i:02d}", text="\n\n".join([" ".join(held_back[8 * i : 8 * i + 4]),
                                                        " ".join(held_back[8 * i + 4 : 8 * i + 8])]), lang="nl")
            for i in range(requests - 1)]
    return stored, new


def generated_corpus(articles: int, requests: int) -> tuple[list[Article], list[Article]]:
    """``eval.scale``'s generated reports; ``requests`` of them, spread evenly, held back as new."""
    rows = list(scale.articles(articles + requests))
    step = len(rows) // requests
    held = set(range(step // 2, len(rows), step)[:requests])
    return (as_articles([r for i, r in enumerate(rows) if i not in held]),
            as_articles([rows[i] for i in sorted(held)]))


def record(article: Article) -> dict[str, object]:
    """The article as a ``.jsonl`` line / a request's article."""
    fields = {"id": article.id, "text": article.text, "title": article.title, "date": article.date,
              "source": article.source, "url": article.url, "lang": article.lang}
    return {k: v for k, v in fields.items() if v is not None}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, body: dict[str, object]) -> tuple[int, dict[str, object], float]:
    """(HTTP status, JSON body, seconds) of one POST."""
    data = json.dumps(body).encode()
    started = time.perf_counter()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    return status, json.loads(payload), time.perf_counter() - started


def wait_ready(url: str, server: subprocess.Popen, limit_s: float = 600.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {server.stderr.read() if server.stderr else ''}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not come up")


def through_serve(db: Path, new: list[Article], backend: str) -> dict[str, object]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "checker", "serve", "--store", str(db), "--port", str(port),
                               "--backend", backend],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        startup = wait_ready(url, server)
        runs = []
        for article in new:
            status, doc, seconds = post(url + "/ci", {"articles": [record(article)]})
            if status != 200:
                raise RuntimeError(f"POST /ci answered {status}: {doc}")
            runs.append({"article": article.id, "seconds": round(seconds, 3),
                         "check_seconds": doc["stats"]["seconds"], "claims": doc["stats"]["claims"],
                         "candidate_pairs": doc["stats"]["candidate_pairs"], "exit_code": doc["exit_code"]})
            print(json.dumps(runs[-1]), file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"startup_seconds": round(startup, 1), "runs": runs}


def through_processes(db: Path, new: list[Article], backend: str) -> list[dict[str, object]]:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for article in new:
            path, report = Path(tmp) / f"{article.id}.jsonl", Path(tmp) / f"{article.id}.json"
            path.write_text(json.dumps(record(article), ensure_ascii=False) + "\n", encoding="utf-8")
            measured = run_measured([sys.executable, "-m", "checker", "ci", str(path), "--store", str(db),
                                     "--backend", backend, "--quiet", "--output", str(report)])
            stats = json.loads(report.read_text())["stats"]
            runs.append({"article": article.id, "seconds": measured["seconds"], "check_seconds": stats["seconds"],
                         "exit_code": measured["returncode"], "peak_rss_mb": measured.get("peak_rss_mb")})
            print(json.dumps(runs[-1]), file=sys.stderr)
    return runs


def measure(db: Path, new: list[Article], backend: str, processes: int) -> dict[str, object]:
    """The new articles through a server on ``backend``, the first ``processes`` of them through `ci` processes."""
    load_before = os.getloadavg()[0]  # other jobs share this machine
    served = through_serve(db, new, backend)
    runs = through_processes(db, new[:processes], backend)
    load_after = os.getloadavg()[0]
    serve_seconds = [float(r["seconds"]) for r in served["runs"]]
    process_seconds = [float(r["seconds"]) for r in runs]
    speedup = statistics.median(process_seconds) / statistics.median(serve_seconds[:processes])
    return {"backend": backend,
            "serve": {"startup_seconds_until_health": served["startup_seconds"], "requests": len(serve_seconds),
                      "p50_seconds": round(statistics.median(serve_seconds), 3),
                      "p95_seconds": round(p95(serve_seconds), 3), "max_seconds": round(max(serve_seconds), 3),
                      "p95_passed": p95(serve_seconds) <= P95_LIMIT_S,
                      "median_check_seconds_inside": round(statistics.median(
                          float(r["check_seconds"]) for r in served["runs"]), 3), "runs": served["runs"]},
            "ci_process": {"runs": runs, "median_seconds": round(statistics.median(process_seconds), 2),
                           "median_check_seconds_inside": round(statistics.median(
                               float(r["check_seconds"]) for r in runs), 3)},
            "speedup_median_same_articles": round(speedup, 1), "speedup_passed": speedup >= SPEEDUP_TARGET,
            "load_average_1min_before_after": [round(load_before, 2), round(load_after, 2)]}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=Path, nargs="+", default=None,
                        help="build the store of these Dutch sentences (JSONL: 'text', 'sentence1'/'sentence2' or "
                             "'premise'/'hypothesis') as eval.bench_ci does, not of eval.scale's generated reports")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20, help="new articles sent to the server, one at a time")
    parser.add_argument("--processes", type=int, default=3, help="of those, checked by a `claimcheck ci` process")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS,
                        help="serve and ci on each of these (--backend), one after the other")
    parser.add_argument("--store", type=Path, default=Path("/tmp/claimcheck-bench/serve.db"))
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "serve_bench.json")
    args = parser.parse_args(argv)

    settings = Settings(device="cpu")
    stored, new = (sentence_corpus(read_sentences(args.sentences), args.articles, args.requests) if args.sentences
                   else generated_corpus(args.articles, args.requests))
    build = build_store(args.store, stored, settings)
    print(f"store ready: {build}", file=sys.stderr)
    with Store.open(args.store) as store:
        counts = store.counts()

    configurations = [measure(args.store, new, backend, args.processes) for backend in args.backends]
    result = {
        "what": "one new article checked against the store: POST /ci to a running `claimcheck serve`, "
                "and a `claimcheck ci` process, one after the other in one run",
        "command": "python -m eval.serve_bench " + " ".join(sys.argv[1:] if argv is None else argv),
        "corpus": "eval.bench_ci (real Dutch sentences)" if args.sentences else
                  "eval.scale (generated reports, four outlets per event)",
        "store": {"articles": counts["articles"], "claims": counts["claims"],
                  "distinct_claim_texts": counts["distinct_claim_texts"], "stories": counts["stories"], **build},
        "p95_limit_seconds": P95_LIMIT_S, "speedup_target": SPEEDUP_TARGET,
        "configurations": configurations,
        "machine": machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps([{"backend": c["backend"], **{k: c["serve"][k] for k in ("p50_seconds", "p95_seconds")},
                       "ci_process_median_seconds": c["ci_process"]["median_seconds"],
                       "speedup": c["speedup_median_same_articles"]} for c in configurations]))
    return 0 if all(c["serve"]["p95_passed"] and c["speedup_passed"] for c in configurations) else 1


if __name__ == "__main__":
    sys.exit(main())
