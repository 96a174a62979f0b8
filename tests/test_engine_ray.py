"""The ray engine on a local Ray instance: the same findings as the local engine."""

from __future__ import annotations

import dataclasses

import socket

import pytest

ray = pytest.importorskip("ray")
# Ray Data reads its own deprecated DataContext fields when it ships the context to workers.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")

from checker.analyze import lazy_tagger  # noqa: E402
from checker.config import Settings  # noqa: E402
from checker.engine import verify  # noqa: E402
from checker.ingest import read_articles  # noqa: E402
from checker.types import Article  # noqa: E402
from tests.conftest import SEEDS  # noqa: E402

THIRD = Article("900_third", "Bij de raketaanval op de Al Asad-luchtmachtbasis zijn tientallen Amerikaanse soldaten "
                "omgekomen. Volgens de staatstelevisie vielen er ten minste tachtig doden.", date="2020-01-08")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _keys(report) -> list[tuple]:
    return [(f.verdict, f.a.key, f.b.key) for f in report.findings]


def test_engine_ray_findings_equal_local(local_ray, tiny_model_dirs, tiny_models, tiny_ner_dir):
    settings = Settings(nli_model=str(tiny_model_dirs["nli"]), embed_model=str(tiny_model_dirs["embed"]),
                        ner_model=str(tiny_ner_dir), pair_threshold=-1.0, contradiction_threshold=0.0,
                        agreement_threshold=0.0, device="cpu", backend="torch")  # tiny_models: torch
    articles = [*read_articles([str(SEEDS)]), THIRD]
    local = verify(articles, settings, dataclasses.replace(tiny_models, tag=lazy_tagger(str(tiny_ner_dir), "cpu")))
    remote = verify(articles, settings.with_overrides(engine="ray", ray_actors=2))
    assert local.findings and _keys(remote) == _keys(local)
    assert [f.score for f in remote.findings] == pytest.approx([f.score for f in local.findings], abs=1e-4)
    assert remote.stats["candidate_pairs"] == local.stats["candidate_pairs"]
    assert remote.settings["engine"] == "ray"


def test_engine_ray_unreachable_address_is_a_one_line_error(tiny_model_dirs, capsys):
    from checker.cli import main

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}", "no-port-here"):
        argv = ["verify", str(SEEDS), "--engine", "ray", "--address", address, "--nli-model", str(tiny_model_dirs["nli"]),
                "--embed-model", str(tiny_model_dirs["embed"]), "--quiet"]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "[E503]" in err[0] and address in err[0]
