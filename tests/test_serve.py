"""``claimcheck serve`` over HTTP: a real uvicorn server on 127.0.0.1 on a free port, in a thread
with the tiny random models (plumbing; verdicts do not matter there), and as a ``claimcheck serve``
process where start-up and being killed are what is tested. The ``slow`` test at the end checks a
real contradiction through ``/ci`` with the real models.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from checker import cli, serve
from checker.api import Checker
from checker.config import Settings
from checker.store import Store
from tests.conftest import ROOT


def article(i: int, prefix: str = "art", **extra: object) -> dict[str, object]:
    """A short Dutch article of three claims about housing in a municipality (language given), with
    no number that another one could contradict."""
    text = (f"De gemeente {prefix}{i} heeft dit jaar nieuwe woningen laten bouwen. "
            "Volgens de wethouder zijn er nog meer woningen nodig in de wijk. "
            "De bouw van de laatste huizen begint pas in het najaar.")
    return {"id": f"{prefix}{i:03d}", "text": text, "lang": "nl", "date": "2024-05-02", **extra}


def call(url: str, method: str, path: str, body: object = None, raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """(status, JSON body) of one request; ``raw`` is sent as it is, ``body`` as JSON."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def digest(db: Path) -> list[str | None]:
    """The store's database and index files, byte for byte (None: absent)."""
    return [hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
            for p in (db, db.with_name(db.name + ".usearch"))]


@contextlib.contextmanager
def running(checker: Checker, store: Path | None, max_body: int = serve.MAX_BODY_BYTES):
    """A uvicorn server in a thread on a free loopback port; yields its URL."""
    import uvicorn

    sock = serve.listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(serve.create_app(checker, store, max_body), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="module")
def tiny_checker(tiny_models, tiny_model_dirs) -> Checker:
    settings = Settings(device="cpu", embed_model=str(tiny_model_dirs["embed"]), nli_model=str(tiny_model_dirs["nli"]))
    return Checker(settings, models=tiny_models)


@pytest.fixture(scope="module")
def server(tiny_checker, tmp_path_factory):
    """(URL, store path) of a server whose store holds five articles."""
    db = tmp_path_factory.mktemp("serve") / "news.db"
    tiny_checker.ingest([article(i) for i in range(5)], db)
    with running(tiny_checker, db) as url:
        yield url, db


def error_of(status: int, doc: dict, expected_status: int, code: str) -> None:
    assert status == expected_status, doc
    assert set(doc) == {"error"} and doc["error"]["code"] == code, doc
    assert doc["error"]["message"] and not doc["error"]["message"].startswith("[")


def test_serve_health_and_stats(server):
    url, db = server
    status, doc = call(url, "GET", "/health")
    assert status == 200 and doc["status"] == "ok" and doc["store"] == str(db)
    status, doc = call(url, "GET", "/stats")
    assert status == 200 and doc == Checker.stats(db) and doc["articles"] >= 5 and doc["index_in_sync"] is True


def test_serve_verify_answers_the_cli_json_report(server, tiny_checker):
    url, _ = server
    batch = [article(1, "v"), article(2, "v", text="Dit is een tekst in het Nederlands over iets anders dan woningen.")]
    status, doc = call(url, "POST", "/verify", {"articles": batch})
    assert status == 200, doc
    expected = json.loads(tiny_checker.render(tiny_checker.verify(batch), "json"))
    assert doc["schema_version"] == expected["schema_version"] and set(doc) == set(expected) | {"exit_code", "passed"}
    assert doc["findings"] == expected["findings"] and doc["articles"] == expected["articles"]
    assert doc["stats"]["claims"] == expected["stats"]["claims"] == 4
    assert doc["exit_code"] == (1 if expected["stats"]["contradictions"] else 0) and doc["passed"] == (doc["exit_code"] == 0)


def test_serve_verify_fails_on_an_unverified_article(server):
    url, _ = server
    status, doc = call(url, "POST", "/verify", {"articles": [article(1, "u"), article(2, "u", lang="fr")]})
    assert status == 200 and doc["exit_code"] == 1 and doc["passed"] is False
    assert list(doc["stats"]["unverified"]) == ["u002"]


def test_serve_ci_passes_and_fails_without_writing(server):
    url, db = server
    before = digest(db)
    status, doc = call(url, "POST", "/ci", {"articles": [article(7, "new")]})
    assert status == 200, doc
    assert doc["exit_code"] == 0 and doc["passed"] is True and doc["ci"]["passed"] is True and doc["ci"]["ingested"] == {}
    assert doc["stats"]["corpus_articles"] == Checker.stats(db)["articles"]
    status, doc = call(url, "POST", "/ci", {"articles": [article(8, "new", lang="fr")]})
    assert status == 200 and doc["exit_code"] == 1 and doc["passed"] is False and doc["ci"]["passed"] is False
    assert digest(db) == before


def test_serve_ci_ingest_adds_the_articles_only_after_a_pass(server):
    url, db = server
    count = Checker.stats(db)["articles"]
    status, doc = call(url, "POST", "/ci?ingest=true", {"articles": [article(9, "ci"), article(10, "ci", lang="fr")]})
    assert status == 200 and doc["exit_code"] == 1 and doc["ci"]["ingested"] == {}
    assert Checker.stats(db)["articles"] == count
    status, doc = call(url, "POST", "/ci?ingest=true", {"articles": [article(9, "ci")]})
    assert status == 200 and doc["exit_code"] == 0 and doc["ci"]["ingested"]["added"] == 1
    after = Checker.stats(db)
    assert after["articles"] == count + 1 and after["index_in_sync"] is True
    with Store.open(db) as store:
        assert "ci009" in store.articles(["ci009"])


def test_serve_ingest_reports_what_it_stored(server):
    url, db = server
    count = Checker.stats(db)["articles"]
    status, doc = call(url, "POST", "/ingest", {"articles": [article(1, "ing"), article(2, "ing")]})
    assert status == 200 and doc["added"] == 2 and doc["claims"] == 6 and doc["unverified"] == 0
    status, doc = call(url, "POST", "/ingest", {"articles": [article(1, "ing")]})
    assert status == 200 and doc["added"] == 0 and doc["unchanged"] == 1
    assert Checker.stats(db)["articles"] == count + 2


@pytest.mark.parametrize("path", ["/verify", "/ci", "/ingest", "/ci?ingest=true"])
@pytest.mark.parametrize("raw, code", [
    (b'{"articles": [', "E601"),  # malformed JSON
    (b"\xff\xfe\x00garbage", "E601"),  # not text
    (b'[{"id": "a", "text": "x"}]', "E601"),  # not an object
    (b'{"articles": {"id": "a"}}', "E601"),  # a wrong type
    (b'{"articles": []}', "E601"),
    (b'{"articles": [{"id": "a", "text": "Een zin."}], "store": "other.db"}', "E601"),  # an unknown field
    (b'{"articles": ["just text"]}', "E205"),
    (b'{"articles": [{"id": "a", "text": "Een lange zin met een titel.", "title": 3}]}', "E205"),
    (b'{"articles": [{"id": "a", "text": "Een lange zin met een datum.", "date": "2024-13-01"}]}', "E205"),
    (b'{"articles": [{"id": 1.5, "text": "Een lange zin."}]}', "E206"),
    (b'{"articles": [{"id": "a", "text": ""}]}', "E206"),
    (b'{"articles": [{"id": "a", "text": "Een zin hier."}, {"id": "a", "text": "Nog een zin."}]}', "E211"),
    (b'{"articles": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "E601"),  # nested too deeply
])
def test_serve_bad_input_is_a_coded_400_and_changes_nothing(server, path, raw, code):
    url, db = server
    before = digest(db)
    status, doc = call(url, "POST", path, raw=raw)
    error_of(status, doc, 400, code)
    assert digest(db) == before
    assert call(url, "GET", "/health")[0] == 200  # still serving


def test_serve_unknown_endpoints_methods_and_flags(server):
    url, db = server
    error_of(*call(url, "GET", "/nothing"), 404, "E603")
    error_of(*call(url, "GET", "/verify"), 405, "E603")
    error_of(*call(url, "POST", "/ci?ingest=maybe", {"articles": [article(1)]}), 400, "E601")


def test_serve_oversized_bodies_are_refused_with_413(tiny_checker, tmp_path):
    db = tmp_path / "news.db"
    tiny_checker.ingest([article(1)], db)
    before = digest(db)
    big = json.dumps({"articles": [article(i, "big") for i in range(40)]}).encode()
    with running(tiny_checker, db, max_body=4096) as url:
        error_of(*call(url, "POST", "/ingest", raw=big), 413, "E602")  # told by Content-Length
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)  # chunked: no length told
        conn.request("POST", "/ingest", body=iter([big[i : i + 1000] for i in range(0, len(big), 1000)]),
                     encode_chunked=True, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        error_of(response.status, json.loads(response.read()), 413, "E602")
        conn.close()
        status, doc = call(url, "POST", "/ingest", {"articles": [article(2)]})  # a small one still passes
        assert status == 200 and doc["added"] == 1
    assert Checker.stats(db)["articles"] == 2 and digest(db) != before


def test_serve_unknown_invalid_and_absent_stores(tiny_checker, tmp_path):
    db = tmp_path / "missing.db"
    with running(tiny_checker, db) as url:
        error_of(*call(url, "GET", "/stats"), 404, "E403")
        error_of(*call(url, "POST", "/ci", {"articles": [article(1)]}), 404, "E403")
        assert not db.exists()
        db.write_text("not a store, but a file someone cares about\n")
        before = digest(db)
        for method, path in (("POST", "/ci"), ("POST", "/ingest"), ("POST", "/ci?ingest=true")):
            error_of(*call(url, method, path, {"articles": [article(1)]}), 500, "E401")
        error_of(*call(url, "GET", "/stats"), 500, "E401")
        assert digest(db) == before
        assert call(url, "GET", "/health")[0] == 200
    with running(tiny_checker, None) as url:
        for method, path in (("POST", "/ci"), ("POST", "/ingest"), ("GET", "/stats")):
            error_of(*call(url, method, path, {"articles": [article(1)]} if method == "POST" else None), 409, "E605")
        assert call(url, "POST", "/verify", {"articles": [article(1)]})[0] == 200


def test_serve_concurrent_writers_all_land(tiny_checker, tmp_path):
    """Eight ingest requests at once (and checks in between): every article stored once, the index in sync."""
    db = tmp_path / "news.db"
    batches = [[article(i, f"w{w}-") for i in range(3)] for w in range(8)]
    with running(tiny_checker, db) as url, ThreadPoolExecutor(max_workers=10) as pool:
        ingests = [pool.submit(call, url, "POST", "/ingest", {"articles": batch}) for batch in batches]
        healths = [pool.submit(call, url, "GET", "/health") for _ in range(4)]
        answers = [f.result() for f in ingests]
        assert all(h.result()[0] == 200 for h in healths)
        assert all(status == 200 and doc["added"] == 3 for status, doc in answers), answers
        status, stats = call(url, "GET", "/stats")
    assert status == 200 and stats["articles"] == 24 and stats["claims"] == 72 and stats["index_in_sync"] is True
    with Store.open(db) as store:
        assert len(store.articles(a["id"] for batch in batches for a in batch)) == 24
        assert len(store.vector_index()) == stats["distinct_claim_texts"]


# --- the `claimcheck serve` process ------------------------------------------------------------

def start(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "checker", "serve", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_command_refuses_a_taken_port_and_a_bad_store_before_loading(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = cli.main(["serve", "--port", str(taken.getsockname()[1]), "--embed-model", str(tmp_path / "unused")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("claimcheck: error: [E606]"), err
    bad = tmp_path / "bad.db"
    bad.write_text("hello\n")
    for args, expected in ((["--store", str(bad)], "E401"), (["--port", "70000"], "E303"),
                           (["--max-body-mb", "0"], "E303"), (["--host", "192.0.2.1"], "E606")):
        code = cli.main(["serve", "--embed-model", str(tmp_path / "unused"), *args])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith(f"claimcheck: error: [{expected}]") and err.count("\n") == 1, err
    assert bad.read_text() == "hello\n"


def test_serve_process_serves_and_killed_keeps_the_store(tiny_model_dirs, tmp_path):
    """Start ``claimcheck serve``, ingest, kill it (SIGKILL) during a second ingest: the store opens,
    holds every article of the first and a whole number of the second's batches, and syncs its index."""
    db = tmp_path / "news.db"
    proc = start("--store", db, "--port", 0, "--device", "cpu", "--embed-model", tiny_model_dirs["embed"],
                 "--nli-model", tiny_model_dirs["nli"])
    try:
        line = ""
        deadline = time.monotonic() + 120
        while "serving on" not in line and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stderr.readline()
        url = re.search(r"http://[\d.]+:\d+", line).group(0)
        status, doc = call(url, "POST", "/ingest", {"articles": [article(i, "first") for i in range(4)]})
        assert status == 200 and doc["added"] == 4
        big = {"articles": [article(i, "second") for i in range(400)]}

        def cut_off() -> None:
            with contextlib.suppress(OSError):  # the connection dies with the server
                call(url, "POST", "/ingest", big)

        threading.Thread(target=cut_off, daemon=True).start()
        time.sleep(1.0)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    with Store.open(db, write=True) as store:
        counts = store.counts()
        assert len(store.articles(f"first{i:03d}" for i in range(4))) == 4
        assert (counts["articles"] - 4) % 64 == 0 or counts["articles"] == 404
        assert counts["claims"] == 3 * counts["articles"]
        store.sync_index()
        assert store.index_in_sync()


@pytest.mark.slow
def test_serve_ci_finds_a_real_contradiction(real_models, tmp_path):
    """The real models behind the server: a report of ten injured in a pile-up that the store
    knows with nine fails ``/ci`` (exit code 1); ``?ingest=true`` then stores nothing."""
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "stories_nl.jsonl").read_text().splitlines()]
    stored = [{k: v for k, v in r.items() if k != "story"} for r in rows if r["id"] != "ad-a12"]
    new = [{k: v for k, v in r.items() if k != "story"} for r in rows if r["id"] == "ad-a12"]
    checker = Checker(Settings(device="cpu"), models=real_models)
    db = tmp_path / "news.db"
    checker.ingest(stored, db)
    before = digest(db)
    with running(checker, db) as url:
        status, doc = call(url, "POST", "/ci?ingest=true", {"articles": new})
    assert status == 200 and doc["exit_code"] == 1 and doc["passed"] is False, doc.get("stats")
    contradictions = [f for f in doc["findings"] if f["verdict"] == "contradiction"]
    assert any({c["article"] for c in f["claims"]} == {"ad-a12", "nos-a12"} for f in contradictions)
    assert doc["ci"]["ingested"] == {} and digest(db) == before
