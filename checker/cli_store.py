"""Store commands: ``ingest``, ``ci``, ``baseline``, ``stats`` and ``migrate`` (docs/store.md, docs/ci.md).

Each command parses, calls ``checker.gate`` or ``checker.store``, renders and returns an exit code;
``cli.main`` turns a ``ClaimcheckError`` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from checker import cli
from checker.errors import ClaimcheckError, Errors, ExitCode

SUMMARY_FORMATS = ("text", "json")


def _summary(doc: dict[str, object], fmt: str) -> str:
    """``json``: the dict; ``text``: one ``key: value`` line each, nested dicts inline."""
    if fmt == "json":
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"
    inline = lambda v: ", ".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else v  # noqa: E731
    return "".join(f"{key}: {inline(value)}\n" for key, value in doc.items())


def cmd_ingest(args: argparse.Namespace) -> int:
    from checker.api import Checker
    from checker.ingest import read_articles

    cli._check_format(args.format, SUMMARY_FORMATS, "ingest")
    if args.batch_size < 1:
        raise ClaimcheckError(Errors.E303.format(option="--batch-size", why=f"{args.batch_size} is not >= 1"))
    checker = Checker(cli._settings(args))
    summary = checker.ingest(read_articles(args.paths), args.store, batch_size=args.batch_size,
                             progress=cli._progress(args))
    cli.write_output(_summary(summary, args.format), None)
    return ExitCode.CLEAN


def _check(args: argparse.Namespace, ingest: bool = False):  # -> gate.GateResult
    """The ``ci`` check shared by ``ci`` and ``baseline``: inputs and store validated before models load."""
    from checker.api import Checker
    from checker.ingest import read_articles, source_file

    checker = Checker(cli._settings(args))
    articles = read_articles(args.paths)
    baseline = getattr(args, "baseline", None)
    cli.check_output(args.output, [*map(source_file, articles), baseline, args.store])
    return checker.check(articles, args.store, baseline=baseline, ingest=ingest, progress=cli._progress(args))


def cmd_ci(args: argparse.Namespace) -> int:
    from checker import gate
    from checker.api import exit_code

    cli._check_format(args.format, gate.CI_FORMATS, "ci")
    result = _check(args, ingest=args.ingest)
    cli.write_report(gate.render(result, args.format), args.output, args.format)
    return exit_code(result)


def cmd_baseline(args: argparse.Namespace) -> int:
    from checker import gate

    cli.write_output(gate.baseline_document(_check(args).findings), args.output)
    return ExitCode.CLEAN


def cmd_stats(args: argparse.Namespace) -> int:
    from checker.api import Checker

    cli._check_format(args.format, SUMMARY_FORMATS, "stats")
    cli.write_output(_summary(Checker.stats(args.store), args.format), None)
    return ExitCode.CLEAN


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the schema, then place articles stored before stories (this embeds their title and lead)."""
    from checker import gate
    from checker.api import Checker
    from checker.store import Store

    if not Path(args.store).is_file():
        raise ClaimcheckError(Errors.E403.format(path=args.store))
    checker = Checker(cli._settings(args))
    with Store.open(args.store, write=True, upgrade=True) as store:
        version = store.version()
        placed = {}
        if store.without_story_vector():
            placed = gate.backfill_stories(store, checker.embedder, checker.settings)
    cli.write_output(f"schema_version: {version}\nstories_opened: {placed.get('stories', 0)}\n", None)
    return ExitCode.CLEAN


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the store commands on the ``claimcheck`` subparsers."""

    def store_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", required=True, metavar="DB", help="the SQLite store (index beside it: DB.usearch)")

    def model_options(p: argparse.ArgumentParser, nli: bool) -> None:
        p.add_argument("--embed-model", default=None, help="embedder: registered name or local folder (default e5-small);"
                                                           " must be the one the store was built with")
        if nli:
            p.add_argument("--nli-model", default=None, help="shipped model, local folder or hub id")
            p.add_argument("--int8", action="store_true", help="int8 NLI on CPU (as for verify)")
            p.add_argument("--top-k", type=int, default=None, help="neighbours per claim (default 5)")
            p.add_argument("--threshold", type=float, default=None, help="minimum cosine similarity (default 0.85)")
        p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: CUDA when present)")
        p.add_argument("--backend", choices=cli.BACKENDS, default=None, help="onnx (default) or torch (as for verify)")
        p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    def check_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="+", help="the new articles: .txt/.jsonl/.html files, directories, or -")
        store_option(p)
        p.add_argument("--output", "-o", help="write here instead of stdout")
        model_options(p, nli=True)

    i = sub.add_parser("ingest", help="add articles to a store (unchanged ones are skipped)")
    i.add_argument("paths", nargs="+", help=".txt/.jsonl/.html files, directories, or - for stdin")
    store_option(i)
    i.add_argument("--batch-size", type=int, default=64, help="articles per transaction (default 64)")
    i.add_argument("--format", default="text", help="|".join(SUMMARY_FORMATS) + " (default text)")
    model_options(i, nli=False)
    i.set_defaults(func=cmd_ingest)

    c = sub.add_parser("ci", help="check new articles against a store: exit 1 on contradictions not in the baseline")
    check_options(c)
    c.add_argument("--format", default="json", help="json|markdown|github (default json)")
    c.add_argument("--baseline", metavar="FILE", help="accepted findings (written by `claimcheck baseline`)")
    c.add_argument("--ingest", action="store_true", help="add the new articles to the store when the check passes")
    c.set_defaults(func=cmd_ci)

    b = sub.add_parser("baseline", help="write a baseline accepting the contradictions `ci` finds now")
    check_options(b)
    b.set_defaults(func=cmd_baseline)

    s = sub.add_parser("stats", help="counts of articles, claims and findings in a store, and its schema version")
    store_option(s)
    s.add_argument("--format", default="text", help="|".join(SUMMARY_FORMATS) + " (default text)")
    s.set_defaults(func=cmd_stats)

    m = sub.add_parser("migrate", help="upgrade a store to this claimcheck's schema (back it up first)")
    store_option(m)
    m.set_defaults(func=cmd_migrate)
