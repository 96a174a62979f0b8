"""The store commands as a user runs them: through ``cli.main``, and as real ``claimcheck``
processes where a process has to be killed or two have to run side by side.

The tiny random models come in through ``--embed-model``/``--nli-model`` where verdicts do not
matter; the ``slow`` tests at the end check the issue's acceptance cases with the real models.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker import cli
from tests.conftest import ROOT, SEEDS, real_models_in_cli

# A new article reports the same event (its lead places it in the seeds' story) with a clashing count.
CONTRADICTING = ("Iraanse tv: tientallen Amerikaanse doden bij raketaanval op bases in Irak\n\n"
                 "Bij de Iraanse raketaanval op de Al Asad-luchtmachtbasis in Irak zijn tientallen Amerikaanse "
                 "soldaten omgekomen, meldt de Iraanse staatstelevisie.\n\n"
                 "Volgens de staatstelevisie vielen er ten minste tachtig doden.\n")
AGREEING = ("Iran heeft dinsdagnacht twee legerbases in Irak gebombardeerd waar ook Amerikaanse militairen zitten.\n\n"
            "Er zijn vooralsnog geen slachtoffers gevallen.\n")


def claimcheck(*args: object) -> subprocess.CompletedProcess:
    """``claimcheck ARGS...`` run by ``cli.main`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def start(*args: object) -> subprocess.Popen:
    """``claimcheck ARGS...`` as a process of its own, on one torch thread: these run the tiny models
    side by side on a 2-core machine, where more threads only wait for each other."""
    return subprocess.Popen([sys.executable, "-m", "checker", *map(str, args)], cwd=ROOT,
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def one_error_line(proc: subprocess.CompletedProcess, code: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"claimcheck: error: [{code}]"), proc.stderr


def digest(*paths: Path) -> list[str | None]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in paths]


def files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + ".usearch")]


def write_articles(path: Path, n: int, prefix: str) -> Path:
    """``n`` short Dutch articles of three claims each, as JSONL (language given: no detection needed)."""
    lines = []
    for i in range(n):
        text = (f"De gemeente {prefix}{i} heeft dit jaar {i + 3} nieuwe woningen laten bouwen. "
                f"Volgens de wethouder zijn er nog {2 * i + 5} woningen nodig in de wijk. "
                f"De bouw van de laatste {i + 1} huizen begint pas in het najaar.")
        lines.append(json.dumps({"id": f"{prefix}{i:04d}", "text": text, "lang": "nl"}))
    path.write_text("\n".join(lines) + "\n")
    return path


def stored_articles(db: Path) -> int:
    """Articles committed so far, read the way a second process would (read-only)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def stats(db: Path) -> dict:
    proc = claimcheck("stats", "--store", db, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def embed(tiny_model_dirs) -> list[str]:
    return ["--embed-model", str(tiny_model_dirs["embed"])]


@pytest.fixture(scope="module")
def models(tiny_model_dirs, embed) -> list[str]:
    return [*embed, "--nli-model", str(tiny_model_dirs["nli"]), "--device", "cpu"]


@pytest.fixture(scope="module")
def seeded_once(tmp_path_factory, embed) -> Path:
    db = tmp_path_factory.mktemp("seeded") / "corpus.db"
    assert claimcheck("ingest", SEEDS, "--store", db, *embed).returncode == 0
    return db


@pytest.fixture()
def seeded(seeded_once, tmp_path) -> Path:
    """A copy of the seeded store (database and index) for one test."""
    for source in files(seeded_once):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path / seeded_once.name


def test_cli_store_reingest_changes_nothing(seeded, embed):
    before, counts = digest(*files(seeded)), stats(seeded)
    proc = claimcheck("ingest", SEEDS, "--store", seeded, *embed, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"added": 0, "replaced": 0, "unchanged": 2, "claims": 0,
                                       "stories_opened": 0, "stories_merged": 0, "unverified": 0}
    assert stats(seeded) == counts and counts["articles"] == 2 and counts["schema_version"] == 3
    assert digest(*files(seeded)) == before


def test_cli_store_ingest_says_when_it_replaces_a_stored_article(seeded, embed, tmp_path, caplog):
    """Another file of the same name replaces the stored article: a line on stderr and a count (issue 15 D1)."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    name = sorted(SEEDS.glob("*.txt"))[0].name
    (other / name).write_text("Een heel ander artikel dat toevallig dezelfde bestandsnaam heeft.\n")
    proc = claimcheck("ingest", other / name, "--store", seeded, *embed, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["replaced"] == 1
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith("replacing 1 stored article whose") and repr(Path(name).stem) in warning


def test_cli_store_ci_writes_nothing_and_ingest_adds_after_a_pass(seeded, models, tmp_path):
    new = tmp_path / "new.txt"
    new.write_text(CONTRADICTING)
    files(seeded)[1].unlink()  # a missing index is rebuilt in memory, not written, by `ci`
    before = digest(*files(seeded))
    proc = claimcheck("ci", new, "--store", seeded, *models, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["ci"]["ingested"] == {}
    assert digest(*files(seeded)) == before
    calm = tmp_path / "calm.txt"  # no counts, and no stored text identical to it: nothing to pair
    calm.write_text("Het weer in Nederland was gisteren zonnig en warm.\n")
    passing = claimcheck("ci", calm, "--store", seeded, *models, "--threshold", "1", "--ingest", "--format", "json")
    assert passing.returncode == 0, passing.stderr
    assert json.loads(passing.stdout)["ci"]["ingested"] == {"added": 1, "claims": 1}
    assert stats(seeded)["articles"] == 3 and stats(seeded)["index_in_sync"]


@pytest.mark.parametrize("setup, command, code", [
    ("empty", "ci", "E202"),
    ("binary", "ci", "E203"),
    ("bad-jsonl", "ingest", "E205"),
    ("missing-input", "ingest", "E201"),
    ("missing-store", "ci", "E403"),
    ("corrupt-store", "ci", "E401"),
    ("corrupt-store", "ingest", "E401"),
    ("corrupt-store", "stats", "E401"),
    ("foreign-store", "ingest", "E401"),
    ("other-embedder", "ci", "E406"),
    ("bad-baseline", "ci", "E405"),
    ("bad-format", "ci", "E301"),
])
def test_cli_store_bad_input_is_one_line_exit_2_and_leaves_the_store(seeded, embed, tmp_path, setup, command, code):
    db, new, extra = seeded, tmp_path / "new.txt", list(embed)
    new.write_text(CONTRADICTING)
    if setup == "empty":
        new.write_text("")
    elif setup == "binary":
        new.write_bytes(b"\x00\x01binary\x00" * 50)
    elif setup == "bad-jsonl":
        new = tmp_path / "new.jsonl"
        new.write_text('{"id": "x", "text": "Een goede zin met genoeg woorden."}\n{"id": \n')
    elif setup == "missing-input":
        new = tmp_path / "nothing.txt"
    elif setup == "missing-store":
        db = tmp_path / "missing.db"
    elif setup == "corrupt-store":
        db.write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    elif setup == "foreign-store":
        conn = sqlite3.connect(db := tmp_path / "foreign.db")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    elif setup == "other-embedder":
        extra = ["--embed-model", "e5-small"]
    elif setup == "bad-baseline":
        (tmp_path / "baseline.json").write_text('{"version": 99}')
        extra += ["--baseline", tmp_path / "baseline.json"]
    elif setup == "bad-format":
        extra += ["--format", "sarif"]
    before = digest(*files(db))
    args = ["stats", "--store", db] if command == "stats" else [command, new, "--store", db, *extra]
    one_error_line(claimcheck(*args), code)
    assert digest(*files(db)) == before


def test_cli_store_failed_ingest_creates_no_store(tmp_path, embed):
    (tmp_path / "a.txt").write_text("Een artikel met een zin van voldoende lengte.\n")
    (tmp_path / "b.txt").write_text("")
    db = tmp_path / "new.db"
    one_error_line(claimcheck("ingest", tmp_path / "a.txt", tmp_path / "b.txt", "--store", db, *embed), "E202")
    assert not db.exists()


def test_cli_store_killed_ingest_leaves_a_consistent_store_and_rerun_completes(tmp_path, embed):
    articles = write_articles(tmp_path / "many.jsonl", 400, "k")
    db = tmp_path / "killed.db"
    proc = start("ingest", articles, "--store", db, *embed, "--batch-size", "2", "--quiet")
    deadline = time.monotonic() + 240
    while stored_articles(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    done = stored_articles(db)
    assert 0 < done < 400

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    per_article = conn.execute("SELECT a.id, count(c.idx) FROM articles a LEFT JOIN claims c"
                               " ON c.article_id = a.id GROUP BY a.id").fetchall()
    conn.close()
    assert len(per_article) == done and {n for _, n in per_article} == {3}  # whole articles only
    assert stats(db)["articles"] == done

    rerun = claimcheck("ingest", articles, "--store", db, *embed, "--format", "json")
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout).items() >= {"added": 400 - done, "replaced": 0, "unchanged": done,
                                                "claims": 3 * (400 - done)}.items()
    final = stats(db)
    assert (final["articles"], final["claims"], final["index_in_sync"]) == (400, 1200, True)


def test_cli_store_concurrent_ingests_lose_nothing(tmp_path, embed):
    db = tmp_path / "shared.db"  # neither process finds it: both also race to create it
    procs = [start("ingest", write_articles(tmp_path / f"{p}.jsonl", 150, p), "--store", db, *embed,
                   "--batch-size", "3", "--format", "json") for p in ("a", "b")]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    assert [json.loads(out)["added"] for out, _ in outputs] == [150, 150]
    final = stats(db)
    assert (final["articles"], final["claims"], final["index_in_sync"]) == (300, 900, True)


# --- the acceptance cases, with the real models ----------------------------------------

@pytest.fixture(scope="module")
def real_store(tmp_path_factory, real_models) -> Path:
    db = tmp_path_factory.mktemp("real") / "seeds.db"
    with real_models_in_cli(real_models):
        proc = claimcheck("ingest", SEEDS, "--store", db, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    return db


@pytest.mark.slow
@pytest.mark.parametrize("text, expected", [(CONTRADICTING, 1), (AGREEING, 0), ("", 2)])
def test_cli_store_ci_against_the_seeds(real_store, cli_uses_real_models, tmp_path, text, expected):
    new = tmp_path / "new.txt"
    new.write_text(text)
    proc = claimcheck("ci", new, "--store", real_store, "--device", "cpu", "--format", "github")
    assert proc.returncode == expected, proc.stdout + proc.stderr
    if expected == 1:
        assert proc.stdout.startswith("::error file=") and "QTY_MISMATCH" in proc.stdout


@pytest.mark.slow
def test_cli_store_reingesting_the_seeds_leaves_stats_unchanged(real_store, cli_uses_real_models):
    before = stats(real_store)
    proc = claimcheck("ingest", SEEDS, "--store", real_store, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert stats(real_store) == before


@pytest.mark.slow
def test_cli_store_ci_finds_what_verify_finds_within_stories(cli_uses_real_models, tmp_path):
    """Ten Dutch stories of two outlets each: ingest one outlet of two stories' pairs and everything
    else, then ``ci`` the two held-back reports; its findings are those ``verify`` makes over all
    twenty articles that involve them, and none crosses a story."""
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "stories_nl.jsonl").read_text().splitlines()]
    held = {"ad-a12", "volkskrant-drone"}
    stored, new = tmp_path / "stored.jsonl", tmp_path / "new.jsonl"
    stored.write_text("".join(json.dumps(r) + "\n" for r in rows if r["id"] not in held))
    new.write_text("".join(json.dumps(r) + "\n" for r in rows if r["id"] in held))
    db = tmp_path / "news.db"
    assert claimcheck("ingest", stored, "--store", db, "--device", "cpu").returncode == 0
    assert stats(db)["stories"] == 10
    ci = claimcheck("ci", new, "--store", db, "--device", "cpu", "--format", "json")
    verify = claimcheck("verify", stored, new, "--device", "cpu", "--format", "json", "--quiet")
    assert ci.returncode in (0, 1) and verify.returncode in (0, 1), ci.stderr + verify.stderr
    gate_findings = {(f["id"], f["verdict"]) for f in json.loads(ci.stdout)["findings"]}
    report = json.loads(verify.stdout)
    story = {a["id"]: a["story"] for a in report["articles"]}
    assert len(set(story.values())) == 10
    assert all(story[f["claims"][0]["article"]] == story[f["claims"][1]["article"]] for f in report["findings"])
    expected = {(f["id"], f["verdict"]) for f in report["findings"] if held & {c["article"] for c in f["claims"]}}
    assert gate_findings == expected and expected


@contextlib.contextmanager
def read_only(*paths: Path):
    """``paths`` made read-only for this process, root included (``chattr +i``); skip where not possible."""
    for path in paths:
        path.chmod(path.stat().st_mode & ~0o222)
    if os.geteuid() == 0 and subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True).returncode:
        for path in paths:
            path.chmod(path.stat().st_mode | 0o200)
        pytest.skip("cannot make a file read-only for root here (chattr +i)")
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
        for path in paths:
            path.chmod(path.stat().st_mode | 0o200)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_cli_store_read_only_store_is_e409_before_any_work_and_unchanged(seeded, embed, tmp_path, what):
    """A healthy store that cannot be written is not 'not a claimcheck store' (issue 15 B4)."""
    new = tmp_path / "new.txt"
    new.write_text(AGREEING)
    before = digest(*files(seeded))
    with read_only(*([seeded] if what == "file" else [seeded.parent])):
        one_error_line(claimcheck("ingest", new, "--store", seeded, "--embed-model", "no/such/model"), "E409")
        assert stats(seeded)["articles"] == 2  # reading still works
    assert digest(*files(seeded)) == before


def test_cli_store_full_disk_is_e410(seeded, embed, tmp_path, monkeypatch):
    """Disk full: before the work when the disk has no room, and when SQLite runs out of room (B5)."""
    from checker import store as store_module

    new = tmp_path / "new.txt"  # 300 new sentences: more than the free pages of the store
    new.write_text("\n\n".join(f"Bij de aanval op basis {i} raakten volgens het leger {i} soldaten gewond." for i in range(300)))
    before = digest(*files(seeded))
    monkeypatch.setattr(store_module, "MIN_FREE_BYTES", 2**62)
    one_error_line(claimcheck("ingest", new, "--store", seeded, "--embed-model", "no/such/model"), "E410")
    monkeypatch.undo()
    real_connect = sqlite3.connect

    def small_disk(*args, **kwargs):  # a database that may not grow: SQLite's own "database or disk is full"
        conn = real_connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return conn

    monkeypatch.setattr(store_module.sqlite3, "connect", small_disk)
    one_error_line(claimcheck("ingest", new, "--store", seeded, *embed), "E410")
    monkeypatch.undo()
    assert stats(seeded)["articles"] == 2 and digest(*files(seeded))[0] == before[0]


def test_cli_store_failed_index_save_is_coded_and_leaves_no_temp_file(tmp_path, embed, monkeypatch):
    """ENOSPC while saving DB.usearch: E410 and no DB.usearch.tmp left behind (B8, B12)."""
    from checker import store as store_module

    def no_space(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module.os, "replace", no_space)
    db = tmp_path / "corpus.db"
    one_error_line(claimcheck("ingest", SEEDS, "--store", db, *embed), "E410")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cli_store_unusable_store_paths_and_meta_are_coded(seeded, embed, tmp_path):
    """A --store under a file (E411) and a hand-edited meta table (E401), not internal errors (B8)."""
    (tmp_path / "file").write_text("not a folder")
    one_error_line(claimcheck("ingest", SEEDS, "--store", tmp_path / "file" / "corpus.db", *embed), "E411")
    with contextlib.closing(sqlite3.connect(seeded)) as conn:
        conn.execute("UPDATE meta SET value = 'abc' WHERE key = 'dim'")
        conn.commit()
    one_error_line(claimcheck("stats", "--store", seeded), "E401")
