"""Issue 2's acceptance checks, end to end with the real default models."""

from __future__ import annotations

import json
import shutil

import pytest

from checker.cli import main
from tests.conftest import SEEDS, real_models_in_cli

CASUALTY = ("Er zijn vooralsnog geen slachtoffers gevallen.", "geen melding is gemaakt van slachtoffers")
ATTACK = ("twee legerbases in Irak gebombardeerd", "Iran vuurde in de nacht van dinsdag op woensdag raketten af op bases in Irak.")
WARNED = ("tijdig zijn gewaarschuwd", "door Teheran te zijn gewaarschuwd")


def _pairs(report: dict, verdict: str) -> list[tuple[str, str]]:
    return [tuple(c["text"] for c in f["claims"]) for f in report["findings"] if f["verdict"] == verdict]


def _has(pairs: list[tuple[str, str]], first: str, second: str) -> bool:
    return any((first in a and second in b) or (first in b and second in a) for a, b in pairs)


@pytest.fixture(scope="module")
def seed_report(real_models, tmp_path_factory) -> tuple[int, dict]:
    out = tmp_path_factory.mktemp("verify") / "report.json"
    with real_models_in_cli(real_models):
        code = main(["verify", str(SEEDS), "--format", "json", "--output", str(out), "--quiet"])
    return code, json.loads(out.read_text())


def test_verify_seeds_agreements_and_exit_0(seed_report):
    code, report = seed_report
    agreements = _pairs(report, "agreement")
    assert _has(agreements, *CASUALTY), agreements
    assert _has(agreements, *ATTACK), agreements
    assert _pairs(report, "contradiction") == []
    assert code == 0


def test_verify_seeds_claims_quote_the_article_exactly(seed_report):
    _, report = seed_report
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for finding in report["findings"]:
        for claim in finding["claims"]:
            assert claim["text"] in texts[claim["article"]]


def test_verify_warnings_to_different_actors_do_not_contradict(seed_report):
    _, report = seed_report
    for verdict in ("contradiction",):
        assert not _has(_pairs(report, verdict), *WARNED)


def test_verify_third_article_with_deaths_contradicts(cli_uses_real_models, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "900_dozens_killed.txt").write_text(
"date 2020-01-08\nIraanse tv: tientallen Amerikaanse doden bij raketaanval op bases in Irak\n\n"
        "Bij de Iraanse raketaanval op de Al Asad-luchtmachtbasis in Irak zijn tientallen "
        "Amerikaanse soldaten omgekomen, meldt de Iraanse staatstelevisie.\n\n"
        "Volgens de staatstelevisie vielen er ten minste tachtig doden.\n", encoding="utf-8")
    code = main(["verify", str(corpus), "--format", "json", "--quiet"])
    report = json.loads(capsys.readouterr().out)
    contradictions = _pairs(report, "contradiction")
    assert code == 1
    assert any("slachtoffers" in a + b and ("omgekomen" in a + b or "doden" in a + b) for a, b in contradictions)
