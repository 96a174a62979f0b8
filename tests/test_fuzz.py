"""Property-based fuzzing of the article readers and the command-line options (issue 15): whatever
comes in, the answer is articles, a report of valid JSON, or one coded error — never an
uncoded exception or a traceback. Bounded: a few hundred examples, well under 30 s in all."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import cli
from checker.errors import ClaimcheckError
from checker.ingest import read_articles
from checker.pipeline import Report

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True,
                database=None)
CODED = re.compile(r"^claimcheck: error: \[E\d{3}\] [^\n]+\n$")

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=12)
fields = st.sampled_from(["id", "text", "title", "date", "source", "url", "lang", "other"])
records = st.dictionaries(fields, json_values | st.text(max_size=60), max_size=7)
jsonl_lines = st.lists(st.one_of(records.map(lambda r: json.dumps(r, ensure_ascii=False)), st.text(max_size=40)),
                       max_size=5).map("\n".join)
txt_bodies = st.one_of(st.text(max_size=200), st.builds("date {} {}".format, st.text(max_size=20), st.text(max_size=80)))
encodings = st.sampled_from(["utf-8", "utf-16", "utf-32", "latin-1"])


def read_or_coded_error(path) -> list:
    try:
        return read_articles([str(path)])
    except ClaimcheckError as exc:
        assert re.fullmatch(r"E\d{3}", exc.code), str(exc)
        return []


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(body=txt_bodies, encoding=encodings)
def test_fuzz_txt_reader(folder, body, encoding):
    path = folder / "article.txt"
    try:
        path.write_bytes(body.encode(encoding))
    except UnicodeEncodeError:
        return
    for article in read_or_coded_error(path):
        assert article.text.strip() and isinstance(article.id, str) and article.line >= 1


@FUZZ
@given(body=jsonl_lines)
def test_fuzz_jsonl_reader(folder, body):
    path = folder / "batch.jsonl"
    path.write_text(body, encoding="utf-8")
    for article in read_or_coded_error(path):
        assert isinstance(article.id, str) and article.id and isinstance(article.text, str) and article.text.strip()
        assert all(v is None or isinstance(v, str) for v in (article.title, article.date, article.source, article.lang))


def _no_models_verify(articles, settings, models=None, progress=None, stories=None) -> Report:
    """The pipeline's place in ``Checker.verify`` (``cli.cmd_verify``), without models: every article unread (unverified)."""
    return Report(articles, [], [], stats={"articles": len(articles)})


option_values = st.one_of(st.sampled_from(["0", "-1", "3", "1e9", "nan", "inf", "-inf", "0.5", "", "x", "True",
                                           "cpu", "cuda", "cuda:7", "bogus", "auto", "none", "local", "ray",
                                           "torch", "onnx", "json", "markdown", "html", "csv", "jsonl", "github", "pdf"]),
                          st.text(max_size=12))
options = st.sampled_from(["--format", "--top-k", "--threshold", "--stories", "--device", "--engine", "--backend",
                           "--nli-model", "--embed-model", "--address", "--bogus"])


@FUZZ
@given(pairs=st.lists(st.tuples(options, option_values), max_size=4), quiet=st.booleans())
def test_fuzz_verify_options(folder, monkeypatch_module, pairs, quiet):
    article = folder / "seed.txt"
    article.write_text("date 2024-03-12\nBij de brand in Utrecht raakten drie mensen gewond, meldt de brandweer.\n")
    argv = ["verify", str(article), *[x for pair in pairs for x in pair], *(["--quiet"] if quiet else [])]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    assert code in (0, 1, 2), argv
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue(), (argv, err.getvalue())
    if code == 2:
        assert CODED.match(err.getvalue()), (argv, err.getvalue())
    elif dict(pairs).get("--format", "json") == "json":
        assert list(json.loads(out.getvalue())["stats"]["unverified"]) == ["seed"]  # valid JSON, the article named


@pytest.fixture(scope="module")
def monkeypatch_module():
    """``checker.engine.verify`` replaced, and no models loaded by ``Checker``, for the whole module
    (hypothesis runs many examples per test)."""
    from checker import engine
    from checker.api import Checker

    patch = pytest.MonkeyPatch()
    patch.setattr(engine, "verify", _no_models_verify)
    patch.setattr(Checker, "models", property(lambda self: None))
    yield patch
    patch.undo()
