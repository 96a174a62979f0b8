"""The ``claimcheck`` command: parse, call the pipeline, render, return an exit code.

Exit codes (``checker.errors.ExitCode``): 0 clean, 1 contradictions found, 2 error. Machine
output goes to stdout (or ``--output``); progress and errors go to stderr, one line per error.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import json
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from checker import __version__, cli_store
from checker.config import BACKENDS, ENGINES, LIMITS, STORY_MODES
from checker.errors import ClaimcheckError, Errors, ExitCode

VERIFY_FORMATS = ("json", "markdown", "html", "csv", "jsonl", "github")
Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2 (its default is also 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"claimcheck: error: [E303] {one_line(message)}", file=sys.stderr)
        raise SystemExit(ExitCode.ERROR)


def one_line(message: str) -> str:
    """An error message as one line: control characters from user input (a newline in a file name
    or an option value) shown escaped, never starting a line of their own."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", message)


_UNITS = {"segment": "article", "analyze": "claim", "embed": "claim", "nli": "input", "ingest": "article"}


def _progress(args: argparse.Namespace):
    """A tqdm bar on stderr, only when stderr is a terminal and --quiet is not given."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit=_UNITS.get(stage, "step"), file=sys.stderr, leave=False)
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _settings(args: argparse.Namespace):
    from checker.config import Settings

    return Settings().with_overrides(
        nli_model=getattr(args, "nli_model", None), embed_model=getattr(args, "embed_model", None),
        pair_top_k=getattr(args, "top_k", None), pair_threshold=getattr(args, "threshold", None),
        device=getattr(args, "device", None), nli_int8=getattr(args, "int8", None) or None,
        ner_model=getattr(args, "ner_model", None), keep_fragments=getattr(args, "all_sentences", None) or None,
        backend=getattr(args, "backend", None), engine=getattr(args, "engine", None),
        stories=getattr(args, "stories", None) if getattr(args, "stories", None) in STORY_MODES else None,
        ray_address=getattr(args, "address", None))


def check_output(output: str | None, inputs: Iterable[str | None]) -> None:
    """E304, before any work, when ``--output`` names one of the input files."""
    if output and output != "-":
        target = Path(os.path.realpath(output))
        if any(_same_file(target, path) for path in set(inputs) if path):
            raise ClaimcheckError(Errors.E304.format(path=output))


def write_output(text: str, output: str | None) -> None:
    """Write to stdout, or to ``output``: a regular file atomically (temp file + rename, folders
    created, the temp file removed on failure), through a symlink to its target, and straight into
    a device or FIFO (never replacing either)."""
    if not output or output == "-":
        _guarded(_write_stdout, text, "<stdout>")
        return
    path = Path(os.path.realpath(output))  # a symlink is written through, never replaced
    special = path.exists() and not path.is_file() and not path.is_dir()  # /dev/null, a FIFO
    _guarded(_write_into if special else _write_atomically, text, output, path)


def write_report(text: str, output: str | None, fmt: str) -> None:
    """``write_output``, saying on stderr when a GitHub report is empty (nothing to annotate), so an
    empty annotations file is not taken for a failed run."""
    if fmt == "github" and not text:
        logging.getLogger("checker").warning("no dispute and no unverified article: nothing to annotate "
                                             "(the github report is empty)")
    write_output(text, output)


def _write_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _write_into(text: str, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)


def _write_atomically(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _same_file(path: Path, other: str) -> bool:
    try:
        return path.exists() and os.path.samefile(path, other)
    except OSError:
        return False


def _guarded(write: Callable[..., None], text: str, where: str, *args: object) -> None:
    """``write(text, *args)``; E410 when the disk is full, E302 for any other failure (a broken pipe passes)."""
    try:
        write(text, *args)
    except BrokenPipeError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ClaimcheckError(Errors.E410.format(path=where)) from exc
        raise ClaimcheckError(Errors.E302.format(path=where, why=exc.strerror or exc)) from exc


def story_file(args: argparse.Namespace, articles) -> object | None:
    """The ``--stories FILE`` mapping (read after the articles, which it must name), else None."""
    from checker.stories import read_story_file

    value = getattr(args, "stories", None)
    if value is None or value in STORY_MODES:
        return None
    return read_story_file(value, articles)


def _check_format(fmt: str, choices: tuple[str, ...], command: str) -> None:
    if fmt not in choices:
        raise ClaimcheckError(Errors.E301.format(fmt=fmt, command=command, choices=", ".join(choices)))


def cmd_verify(args: argparse.Namespace) -> int:
    from checker.api import Checker, exit_code
    from checker.ingest import read_articles, source_file

    _check_format(args.format, VERIFY_FORMATS, "verify")
    checker = Checker(_settings(args))
    articles = read_articles(args.paths)
    check_output(args.output, map(source_file, articles))
    report = checker.verify(articles, progress=_progress(args), stories=story_file(args, articles))
    write_report(checker.render(report, args.format), args.output, args.format)
    return exit_code(report)


ANALYZE_FORMATS = ("jsonl", "json")


def cmd_analyze(args: argparse.Namespace) -> int:
    """One record per claim with its facts (entities, quantities, times, negation, source)."""
    from checker.api import Checker
    from checker.ingest import read_articles, source_file

    _check_format(args.format, ANALYZE_FORMATS, "analyze")
    checker = Checker(_settings(args))
    articles = read_articles(args.paths)
    check_output(args.output, map(source_file, articles))
    records = checker.analyze(articles)
    if args.format == "json":
        text = json.dumps({"claims": records}, ensure_ascii=False, indent=2) + "\n"
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    write_output(text, args.output)
    return ExitCode.CLEAN


def cmd_nli(args: argparse.Namespace) -> int:
    from checker.ingest import read_pairs
    from checker.pipeline import load_nli
    from checker.types import LABELS

    if args.batch_size < 1:
        raise ClaimcheckError(Errors.E303.format(option="--batch-size", why=f"{args.batch_size} is not >= 1"))
    settings = _settings(args)
    pairs = read_pairs(args.pairs)
    check_output(args.output, [args.pairs])
    model = load_nli(settings.nli_model, settings.device, settings.nli_max_length, settings.nli_int8, settings.backend)
    probs = model.predict(pairs, batch_size=args.batch_size)
    lines = []
    for row in probs:
        label = LABELS[int(row.argmax())]
        lines.append(json.dumps({"label": label, "probs": {k: round(float(v), 6) for k, v in zip(LABELS, row)}}))
    write_output("".join(line + "\n" for line in lines), args.output)
    return ExitCode.CLEAN


def cmd_serve(args: argparse.Namespace) -> int:
    """The HTTP service (checker/serve.py): store and port checked, then the models loaded once."""
    from checker import serve
    from checker.api import Checker

    settings = _settings(args)
    if not 0 < args.max_body_mb < 2**20:  # also refuses nan
        raise ClaimcheckError(Errors.E303.format(option="--max-body-mb", why=f"{args.max_body_mb} is not above 0"))
    serve.check_store(args.store, settings)
    with serve.listen(args.host, args.port) as sock:
        serve.serve(Checker.load(settings), args.store, sock, int(args.max_body_mb * 2**20), quiet=args.quiet)
    return ExitCode.CLEAN


def cmd_models(args: argparse.Namespace) -> int:
    from checker import models

    if args.action == "list":
        write_output("".join(f"{name}\t{models.model_path(name)}\n" for name in (models.EMBEDDER, *models.SHIPPED)), None)
        return ExitCode.CLEAN
    if args.action == "build":
        write_output("".join(f"{name}\t{path}\n" for name, path in build_models()), None)
        return ExitCode.CLEAN
    name = {"nli": models.NLI, "ner": models.NER, "embed": models.EMBEDDER, "embedder": models.EMBEDDER}.get(args.name, args.name)
    path = models.model_path(name, rebuild=args.action == "rebuild")
    if args.action == "rebuild":
        from checker.onnx_backend import REGISTERED, onnx_folder

        if name in REGISTERED:
            onnx_folder(name, *REGISTERED[name], rebuild=True)
    write_output(f"{path}\n", None)
    return ExitCode.CLEAN


def build_models() -> list[tuple[str, object]]:
    """Every registered model folder and the ONNX exports of the default backend, built (or checked)
    ahead of time, one step at a time, each step a line on the ``checker.build`` logger: for images
    and CI caches (``claimcheck models build``)."""
    from checker import models
    from checker.onnx_backend import REGISTERED, onnx_folder

    steps = [(name, lambda name=name: models.model_path(name)) for name in (models.EMBEDDER, *models.SHIPPED)]
    steps += [(f"{name}.onnx", lambda name=name, runs=runs: onnx_folder(name, *runs)) for name, runs in REGISTERED.items()]
    built = []
    for i, (name, build) in enumerate(steps, 1):
        models.build_log.info("[%d/%d] %s", i, len(steps), name)
        built.append((name, build()))
    return built


def build_parser(commands: dict[str, Command]) -> argparse.ArgumentParser:
    parser = _Parser(prog="claimcheck", description="Multi-source claim consistency checker for news.")
    parser.add_argument("--version", action="version", version=f"claimcheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def model_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--nli-model", default="claimcheck-nli", help="shipped model, local folder or hub id")
        p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: CUDA when present)")
        p.add_argument("--int8", action="store_true", help="torch int8 NLI on CPU (loses ~9 points on SICK-NL dev; prefer --backend onnx)")
        p.add_argument("--backend", choices=BACKENDS, default=None,
                       help="onnx (default): both models int8 on onnxruntime; torch: the Hugging Face models")

    v = sub.add_parser("verify", help="check a batch of articles against each other")
    v.add_argument("paths", nargs="+", help=".txt/.jsonl/.html files, directories, or - for stdin")
    v.add_argument("--format", default="json", help="|".join(VERIFY_FORMATS) + " (default json)")
    v.add_argument("--output", "-o", help="write the report here instead of stdout")
    v.add_argument("--embed-model", default="e5-small")
    v.add_argument("--top-k", type=int, default=None, help="neighbours per claim (default 5)")
    v.add_argument("--threshold", type=float, default=None, help="minimum cosine similarity (default 0.85)")
    v.add_argument("--stories", default=None, metavar="auto|none|FILE",
                   help="compare claims only within a story: auto (default) groups the articles, none makes "
                        "one story, FILE is a JSON object mapping every article id to a story id")
    v.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    v.add_argument("--engine", choices=ENGINES, default=None,
                   help="local (default) or ray: embedding and NLI on Ray Data actor pools (docs/scale.md)")
    v.add_argument("--address", default=None, help="with --engine ray: a cluster (auto, ray://host:10001)")
    model_options(v)
    v.set_defaults(func=commands["verify"])

    a = sub.add_parser("analyze", help="the facts of each claim: entities, quantities, times, negation, source")
    a.add_argument("paths", nargs="+", help=".txt/.jsonl/.html files, directories, or - for stdin")
    a.add_argument("--format", default="jsonl", help="|".join(ANALYZE_FORMATS) + " (default jsonl)")
    a.add_argument("--output", "-o", help="write here instead of stdout")
    a.add_argument("--ner-model", default=None, help="entity tagger: shipped (default), local folder or hub id")
    a.add_argument("--all-sentences", action="store_true", help="headings and fragments too, not only claims")
    a.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: CUDA when present)")
    a.set_defaults(func=commands["analyze"])

    n = sub.add_parser("nli", help="score premise/hypothesis pairs (JSONL in, JSONL out)")
    n.add_argument("pairs", help="JSONL file with 'premise' and 'hypothesis', or - for stdin")
    n.add_argument("--batch-size", type=int, default=32)
    n.add_argument("--output", "-o")
    model_options(n)
    n.set_defaults(func=commands["nli"])

    sv = sub.add_parser("serve", help="an HTTP JSON service for verify, ci and ingest, the models loaded once "
                                      "(docs/serve.md)")
    sv.add_argument("--store", metavar="DB", default=None, help="the store for /ci, /ingest and /stats "
                                                                "(created by the first ingest)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=8000, help="default 8000; 0 picks a free one")
    sv.add_argument("--max-body-mb", type=float, default=LIMITS.max_input_bytes / 2**20,
                    help="largest request body in MiB (default 50, as one input file)")
    sv.add_argument("--embed-model", default=None, help="embedder: registered name or local folder (default e5-small)")
    sv.add_argument("--quiet", "-q", action="store_true", help="no start-up line and no access log")
    model_options(sv)
    sv.set_defaults(func=commands["serve"])

    m = sub.add_parser("models", help="the models: list, path NAME, rebuild NAME, build (all, ahead of time)")
    m.add_argument("action", choices=["list", "path", "rebuild", "build"])
    m.add_argument("name", nargs="?", default="nli", help="nli, ner or embed")
    m.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    m.set_defaults(func=commands["models"])
    cli_store.add_parsers(sub)
    return parser


COMMANDS: dict[str, Command] = {"verify": cmd_verify, "analyze": cmd_analyze, "nli": cmd_nli, "serve": cmd_serve,
                                "models": cmd_models}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="claimcheck: %(message)s", stream=sys.stderr)
    if not (os.environ.get("CLAIMCHECK_DEBUG") or sys.warnoptions):
        warnings.simplefilter("ignore")  # libraries' deprecation notes are not the user's business (docs/cli.md)
    try:
        args = build_parser(COMMANDS).parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (already printed)
        return int(exc.code or 0)
    quiet = getattr(args, "quiet", False)
    logging.getLogger().setLevel(logging.ERROR if quiet else logging.WARNING)
    # model builds say what they do, on a terminal or not: a first run is not silent for minutes
    logging.getLogger("checker.build").setLevel(logging.ERROR if quiet else logging.INFO)
    try:
        return int(args.func(args))
    except ClaimcheckError as exc:
        print(f"claimcheck: error: {one_line(str(exc))}", file=sys.stderr)
    except KeyboardInterrupt:
        print("claimcheck: error: interrupted", file=sys.stderr)
    except BrokenPipeError:
        sys.stderr.close()
    except MemoryError:
        print("claimcheck: error: out of memory; split the input into smaller batches", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the one top-level handler: no traceback for users
        print(f"claimcheck: error: internal error ({type(exc).__name__}: {one_line(str(exc))}); "
              "rerun with CLAIMCHECK_DEBUG=1 for a traceback", file=sys.stderr)
        if os.environ.get("CLAIMCHECK_DEBUG"):
            raise
    return ExitCode.ERROR


def run() -> None:
    """The ``claimcheck`` command: ``main`` on the command line, then an exit that skips freeing the
    process's objects one by one (the tokenizer's 250k pieces alone took 0.35 s, the whole
    teardown 0.5 s of a 4.5 s ``verify`` of two articles): exit handlers run, output is flushed, and
    the system takes back the memory. ``main`` itself returns (tests and embedders call it)."""
    code = main()
    atexit._run_exitfuncs()  # what a normal exit runs first: logging's flush, Ray's shutdown, temporary files
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed (a broken pipe) or gone
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
