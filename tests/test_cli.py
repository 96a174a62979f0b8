"""CLI: formats, exit codes, stdout/stderr discipline and one-line errors for bad input."""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import main
from checker.errors import ClaimcheckError
from tests.conftest import SEEDS


@pytest.fixture()
def tiny_args(tiny_model_dirs):
    return ["--nli-model", str(tiny_model_dirs["nli"]), "--embed-model", str(tiny_model_dirs["embed"]),
            "--threshold", "0.0", "--device", "cpu"]


def test_cli_verify_json_shape(tiny_args, capsys):
    code = main(["verify", str(SEEDS), "--format", "json", *tiny_args])
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert set(out) >= {"findings", "articles", "stats", "schema_version"}
    assert [a["id"] for a in out["articles"]] == ["000_045f236b697109b6", "004_91b7de1fc477113f"]
    assert out["stats"]["candidate_pairs"] <= out["stats"]["all_cross_article_pairs"]
    for finding in out["findings"]:
        assert finding["verdict"] in ("agreement", "contradiction", "update")
        for claim in finding["claims"]:
            assert set(claim) >= {"article", "text", "start", "end"}


def test_cli_verify_markdown_to_output_file(tiny_args, tmp_path, capsys):
    target = tmp_path / "deep" / "report.md"
    main(["verify", str(SEEDS), "--format", "markdown", "--output", str(target), *tiny_args])
    assert capsys.readouterr().out == ""
    assert target.read_text().startswith("# claimcheck report")


@pytest.mark.parametrize(("argv", "code"), [
    (["verify", "no/such/dir"], "E201"),
    (["verify", str(SEEDS), "--format", "pdf"], "E301"),
    (["verify", str(SEEDS), "--top-k", "x"], "E303"),
    (["verify", str(SEEDS), "--top-k", "0"], "E303"),
    (["verify", str(SEEDS), "--threshold", "1.5"], "E303"),
    (["verify", str(SEEDS), "--threshold", "nan"], "E303"),
    (["verify", str(SEEDS), "--threshold", "-inf"], "E303"),
    (["nli", "missing.jsonl"], "E201"),
    (["models", "path", "bogus"], "E105"),
])
def test_cli_errors_are_one_line_exit_2(argv, code, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"[{code}]" in err[0] and "Traceback" not in err[0]


@pytest.mark.parametrize(("content", "code"), [(b"", "E202"), (b"\x00\x00\xff", "E203"), (b"\xff\xfe broken", "E204")])
def test_cli_verify_bad_files(tmp_path, capsys, content, code):
    (tmp_path / "a.txt").write_bytes(content)
    assert main(["verify", str(tmp_path / "a.txt")]) == 2
    assert f"[{code}]" in capsys.readouterr().err


def test_cli_nli_reads_jsonl_and_keeps_order(tiny_model_dirs, tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(json.dumps({"premise": p, "hypothesis": h}) for p, h in
                               [("Een man speelt gitaar.", "Niemand speelt gitaar."), ("A", "B"), ("C", "D")]))
    assert main(["nli", str(pairs), "--nli-model", str(tiny_model_dirs["nli"])]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3
    for line in lines:
        assert line["label"] in ("entailment", "neutral", "contradiction")
        assert abs(sum(line["probs"].values()) - 1) < 1e-4
        assert line["label"] == max(line["probs"], key=line["probs"].get)


def test_cli_nli_malformed_pairs(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"premise": "only premise"}\n')
    assert main(["nli", str(bad)]) == 2
    assert "[E212]" in capsys.readouterr().err


def test_cli_nli_model_without_nli_labels(tiny_model_dirs, tmp_path, capsys):
    import shutil

    odd = tmp_path / "odd"
    shutil.copytree(tiny_model_dirs["nli"], odd)
    config = json.loads((odd / "config.json").read_text())
    config["id2label"] = {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}
    (odd / "config.json").write_text(json.dumps(config))
    (tmp_path / "p.jsonl").write_text('{"premise": "a", "hypothesis": "b"}\n')
    assert main(["nli", str(tmp_path / "p.jsonl"), "--nli-model", str(odd)]) == 2
    assert "[E106]" in capsys.readouterr().err


def test_cli_entry_point_runs_as_a_process():
    """The installed console script: --version on stdout, usage errors as exit 2."""
    done = subprocess.run([sys.executable, "-m", "checker", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("claimcheck ")
    done = subprocess.run([sys.executable, "-m", "checker", "verify"], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_cli_progress_only_on_a_terminal_and_not_with_quiet(monkeypatch, capsys):
    import argparse

    from checker import cli

    args = argparse.Namespace(quiet=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert cli._progress(args) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli._progress(argparse.Namespace(quiet=True)) is None
    update = cli._progress(args)
    update("nli", 5, 10)
    update("nli", 10, 10)
    captured = capsys.readouterr()
    assert captured.out == "" and "nli:" in captured.err and "/10" in captured.err


def test_cli_segment_reads_a_line_longer_than_spacy_allows():
    """One 2 MB paragraph without punctuation is cut into claims, not an internal error."""
    from checker.config import Settings
    from checker.segment import segment
    from checker.types import Article

    text = ("woord " * 350_000).strip()
    claims = segment([Article("long", text, lang="nl")], Settings())
    assert claims and all(len(c.text) <= 1000 and text[c.start:c.end] == c.text for c in claims)


def test_cli_output_writes_through_a_symlink_and_keeps_it(tmp_path):
    """``-o`` never replaces a symlink (or a device) with a regular file (issue 15 B7)."""
    from checker.cli import write_output

    target, link = tmp_path / "real" / "report.json", tmp_path / "report.json"
    target.parent.mkdir()
    target.write_text("old")
    link.symlink_to(target)
    write_output("new\n", str(link))
    assert link.is_symlink() and target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["real", "report.json", "report.json"]


def test_cli_output_into_a_device_writes_into_it_and_a_full_disk_is_e410(monkeypatch):
    from checker.cli import write_output

    write_output("nothing\n", "/dev/null")
    assert Path("/dev/null").is_char_device()
    with pytest.raises(ClaimcheckError) as info:
        write_output("x" * 100_000, "/dev/full")
    assert info.value.code == "E410" and Path("/dev/full").is_char_device()
    with open("/dev/full", "w") as full:
        monkeypatch.setattr(sys, "stdout", full)
        with pytest.raises(ClaimcheckError) as info:
            write_output("x" * 100_000, None)
    assert info.value.code == "E410"


def test_cli_output_failure_leaves_no_temp_file(tmp_path, monkeypatch):
    """A failed write removes its temp file (issue 15 B12)."""
    from checker import cli

    def no_space(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli.os, "replace", no_space)
    with pytest.raises(ClaimcheckError) as info:
        cli.write_output("report\n", str(tmp_path / "out.json"))
    assert info.value.code == "E410" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["verify", "analyze"])
def test_cli_output_naming_an_input_is_refused_before_any_work(tmp_path, capsys, command):
    article = tmp_path / "a.txt"
    article.write_text("Bij de brand in Utrecht raakten drie mensen gewond.")
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"id": "b", "text": "Bij de brand raakten vier mensen gewond."}\n')
    for output in (article, batch, tmp_path / "." / "a.txt"):
        assert main([command, str(article), str(batch), "-o", str(output), "--embed-model", "no/such/model"]
                    if command == "verify" else [command, str(article), str(batch), "-o", str(output)]) == 2
        assert "[E304]" in capsys.readouterr().err
    assert article.read_text().startswith("Bij de brand") and batch.read_text().startswith('{"id": "b"')


@pytest.mark.parametrize("command", ["verify", "analyze", "ci"])
def test_cli_more_text_than_a_run_checks_is_refused_before_any_model_loads(tmp_path, monkeypatch, capsys, tiny_ner_dir,
                                                                            command):
    """Issue 15: a 50 MB input ran for over ten minutes with no output. Over the run limit (here
    100 characters) it is refused at once, one coded line, the models never loaded; at the limit the
    run goes on (to a missing embedder, a missing store, or a tiny tagger that finishes)."""
    batch = tmp_path / "b.jsonl"
    text = "Bij de brand in Utrecht raakten drie mensen gewond."  # 51 characters
    batch.write_text("".join(json.dumps({"id": f"a{i}", "text": text}) + "\n" for i in range(2)))
    argv = [command, str(batch), *{"verify": ["--embed-model", "no/such/model"], "ci": ["--store", str(tmp_path / "db")],
                                   "analyze": ["--ner-model", str(tiny_ner_dir)]}[command]]
    monkeypatch.setenv("CLAIMCHECK_MAX_RUN_CHARS", "100")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "[E217] the input holds 102 characters of text, over the 100 " in err[0]
    monkeypatch.setenv("CLAIMCHECK_MAX_RUN_CHARS", "102")
    assert main(argv) == {"verify": 2, "ci": 2, "analyze": 0}[command]
    captured = capsys.readouterr()
    assert {"verify": "[E107]", "ci": "[E403]", "analyze": ""}[command] in captured.err and "[E217]" not in captured.err
    if command == "analyze":
        assert len(captured.out.splitlines()) == 2


@pytest.mark.parametrize("value", ["0", "-5", "1e6", "ten"])
def test_cli_invalid_run_limit_is_e303(tmp_path, monkeypatch, capsys, value):
    article = tmp_path / "a.txt"
    article.write_text("Bij de brand in Utrecht raakten drie mensen gewond.")
    monkeypatch.setenv("CLAIMCHECK_MAX_RUN_CHARS", value)
    assert main(["verify", str(article)]) == 2
    assert "[E303] invalid value for CLAIMCHECK_MAX_RUN_CHARS" in capsys.readouterr().err


@pytest.mark.parametrize(("case", "code"), [
    ("nli-batch-size-0", "E303"), ("ray-missing", "E501"), ("onnxruntime-missing", "E502"), ("device-bogus", "E303"),
    ("device-cuda-absent", "E303"), ("embed-model-empty-folder", "E107"), ("cache-is-a-file", "E108"),
    ("embed-model-not-a-hub-id", "E107"), ("ner-model-not-a-hub-id", "E109"),
])
def test_cli_environment_problems_are_coded_errors(tmp_path, monkeypatch, capsys, case, code):
    """Each of these was an 'internal error' (issue 15 B8); missing packages are simulated by
    hiding them from import (``sys.modules[name] = None``)."""
    argv = ["verify", str(SEEDS), "--device", "cpu"]
    if case == "nli-batch-size-0":
        (tmp_path / "pairs.jsonl").write_text('{"premise": "a", "hypothesis": "b"}\n')
        argv = ["nli", str(tmp_path / "pairs.jsonl"), "--batch-size", "0"]
    elif case == "ray-missing":
        monkeypatch.setitem(sys.modules, "ray", None)
        monkeypatch.delitem(sys.modules, "checker.engine.ray_engine", raising=False)
        argv += ["--engine", "ray"]
    elif case == "onnxruntime-missing":
        monkeypatch.setitem(sys.modules, "onnxruntime", None)
        argv += ["--backend", "onnx"]
    elif case == "device-bogus":
        argv[-1] = "bogus"
    elif case == "device-cuda-absent":
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
        argv[-1] = "cuda"
    elif case == "embed-model-empty-folder":
        (tmp_path / "empty").mkdir()
        argv += ["--embed-model", str(tmp_path / "empty")]
    elif case == "embed-model-not-a-hub-id":
        argv += ["--embed-model", "no/such/model"]
    elif case == "ner-model-not-a-hub-id":
        argv = ["analyze", str(SEEDS), "--ner-model", "no/such/model"]
    elif case == "cache-is-a-file":
        (tmp_path / "cache").write_text("a file")
        monkeypatch.setenv("CLAIMCHECK_CACHE", str(tmp_path / "cache"))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"claimcheck: error: [{code}]"), err


def test_cli_unreadable_article_is_unverified_in_every_format_and_fails(tiny_args, tmp_path, capsys, caplog):
    """A batch with an article the checker cannot read is checked, the article reported as
    unverified in every format, and the exit code is 1, not 0 (issue 15 B2)."""
    (tmp_path / "nl.txt").write_text("Bij de brand in Utrecht raakten drie mensen gewond, meldt de brandweer.\n")
    (tmp_path / "zh.jsonl").write_text(json.dumps({"id": "zh", "text": "伊朗向伊拉克的两个美军基地发射了导弹。没有人员伤亡。",
                                                   "lang": "nl"}, ensure_ascii=False) + "\n"
                                       + json.dumps({"id": "ja", "text": "これは日本語の記事です。ミサイルが発射されました。"},
                                                    ensure_ascii=False) + "\n")
    outputs = {}
    for fmt in ("json", "markdown", "html", "csv", "jsonl", "github"):
        assert main(["verify", str(tmp_path), "--format", fmt, *tiny_args]) == 1
        outputs[fmt] = capsys.readouterr().out
        assert "2 articles could not be checked (unverified)" in caplog.records[-1].getMessage()
    assert set(json.loads(outputs["json"])["stats"]["unverified"]) == {"zh", "ja"}
    assert "## Unverified articles" in outputs["markdown"] and "`zh`" in outputs["markdown"]
    assert "Unverified: 2 articles could not be checked" in outputs["html"]
    assert [line.split(",")[2] for line in outputs["csv"].splitlines()[-2:]] == ["unverified", "unverified"]
    assert [json.loads(line)["article"] for line in outputs["jsonl"].splitlines()[-2:]] == ["zh", "ja"]
    assert outputs["github"].count("::warning file=") == 2 and "zh.jsonl" in outputs["github"]


def test_cli_library_warnings_stay_off_stderr(tiny_model_dirs, tmp_path):
    """A library's FutureWarning during a normal run does not reach stderr (issue 15 B11)."""
    (tmp_path / "pairs.jsonl").write_text('{"premise": "Het regent.", "hypothesis": "Het is droog."}\n')
    script = ("import warnings, checker.ingest as ingest; read = ingest.read_pairs\n"
              "def noisy(source):\n"
              "    warnings.warn('`x` is deprecated and will be removed', FutureWarning)\n"
              "    return read(source)\n"
              "ingest.read_pairs = noisy\n"
              "from checker.cli import main; raise SystemExit(main(['nli', %r, '--nli-model', %r, '--device', 'cpu']))"
              % (str(tmp_path / "pairs.jsonl"), str(tiny_model_dirs["nli"])))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["label"]
    assert done.stderr == ""


def test_cli_docs_list_every_error_code():
    """docs/cli.md has a row for every code in the catalogue (issue 15: the codes users see are documented)."""
    from checker.errors import Errors
    from tests.conftest import ROOT

    codes = sorted(name for name in vars(Errors) if name[:1] == "E" and name[1:].isdigit())
    documented = set(re.findall(r"^\| (E\d{3}) \|", (ROOT / "docs" / "cli.md").read_text(), re.MULTILINE))
    assert len(codes) > 40 and [c for c in codes if c not in documented] == []


@pytest.mark.parametrize("argv", [["verify", str(SEEDS), "--format", "json\n::error::injected"],
                                  ["verify", "no/such\nfile.txt"], ["verify", str(SEEDS), "--top-k", "1\r\n2"]])
def test_cli_error_with_a_newline_in_user_input_is_still_one_line(argv, capsys):
    """Found by tests/test_fuzz.py: a value with a newline split the error over two lines."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("claimcheck: error: [E")


def test_verify_reports_progress_of_every_stage(tiny_models):
    """A big batch shows where it is: segment, analyze and embed in chunks, stories, then NLI (issue 15, scale)."""
    from checker.config import Settings
    from checker.ingest import read_articles
    from checker.pipeline import verify

    calls = []
    verify(read_articles([str(SEEDS)]), Settings(device="cpu"), tiny_models, progress=lambda *call: calls.append(call))
    assert list(dict.fromkeys(stage for stage, _, _ in calls)) == ["segment", "analyze", "embed", "stories", "nli"]
    claims = next(total for stage, _, total in calls if stage == "embed")
    assert ("segment", 2, 2) in calls and ("analyze", claims, claims) in calls and calls[-1][1] == calls[-1][2] > 0


@pytest.mark.parametrize(("command", "default"), [("verify", "json"), ("analyze", "jsonl"), ("ci", "json"),
                                                  ("ingest", "text"), ("stats", "text")])
def test_cli_help_shows_the_default_format(command, default, capsys):
    assert main([command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert re.search(r"--format FORMAT [a-z|]+ \(default " + default + r"\)", help_text), help_text


def test_cli_empty_github_report_is_said_on_stderr(tiny_args, tmp_path, caplog):
    """Nothing to annotate: the file is written empty and stderr says why (issue 14); not said when
    there is something to annotate."""
    articles, report = tmp_path / "in", tmp_path / "out" / "annotations.txt"
    articles.mkdir()
    (articles / "one.txt").write_text("Bij de brand in Utrecht raakten drie mensen gewond, meldt de brandweer.\n")
    assert main(["verify", str(articles / "one.txt"), "--format", "github", "-o", str(report), *tiny_args]) == 0
    assert report.read_text() == ""
    assert [r.getMessage() for r in caplog.records] == ["no dispute and no unverified article: nothing to annotate "
                                                        "(the github report is empty)"]
    caplog.clear()
    (articles / "zh.jsonl").write_text(json.dumps({"id": "zh", "text": "这是一篇中文文章。", "lang": "nl"}) + "\n")
    assert main(["verify", str(articles), "--format", "github", "-o", str(report), *tiny_args]) == 1
    assert report.read_text().startswith("::warning ") and "nothing to annotate" not in caplog.text
