"""The CI gate in-process with the tiny random models: pairing against the store, baselines, output.

Verdicts from random models mean nothing, except where the quantity rule decides: "tientallen
soldaten omgekomen" against the seed's "geen slachtoffers" is a contradiction whatever the NLI says.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from checker import gate, pipeline
from checker.config import Settings
from checker.errors import ClaimcheckError
from checker.ingest import read_articles
from checker.pair import pair_claims
from checker.report.records import finding_key
from checker.segment import segment
from checker.store import Store, index_path
from checker.infer import score_pairs
from checker.stories import Stories
from checker.types import Article, CandidatePair, Claim
from tests.conftest import SEEDS
from tests.test_store import make_entry

CONTRADICTING = Article(id="nieuw", lang="nl", path="nieuw.txt",
                        text="Bij de aanval zijn tientallen Amerikaanse soldaten omgekomen.\n\n"
                             "Iran vuurde raketten af op twee legerbases in Irak.")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def settings(tiny_model_dirs) -> Settings:
    """Every stored claim is a candidate: the tiny model's similarities are random."""
    return Settings(embed_model=str(tiny_model_dirs["embed"]), nli_model=str(tiny_model_dirs["nli"]),
                    pair_threshold=-1.0, pair_top_k=100, story_pair_top_k=100, story_threshold=-1.0, device="cpu")


@pytest.fixture()
def db(tmp_path, settings, tiny_models) -> Path:
    path = tmp_path / "corpus.db"
    planned, unchanged = gate.plan_ingest(path, read_articles([str(SEEDS)]), settings)
    assert unchanged == 0 and len(planned) == 2
    counts = gate.ingest(path, planned, lambda: tiny_models.embedder, settings, batch_size=1)
    assert counts["added"] == 2 and counts["claims"] == sum(len(claims) for _, claims in planned)
    return path


def run_check(db: Path, settings, models, articles=(CONTRADICTING,), baseline=None) -> gate.GateResult:
    with Store.open(db) as store:
        return gate.check(store, list(articles), segment(articles, settings), settings, models, baseline)


def test_gate_plan_ingest_writes_nothing_and_an_unreadable_article_has_no_claims(tmp_path, settings):
    bad = Article(id="fr", text="Le président a parlé hier soir à la télévision nationale.", lang="fr")
    planned, unchanged = gate.plan_ingest(tmp_path / "new.db", [CONTRADICTING, bad], settings)
    assert [(a.id, bool(claims)) for a, claims in planned] == [(CONTRADICTING.id, True), ("fr", False)]
    assert unchanged == 0 and not (tmp_path / "new.db").exists()


def test_gate_ingest_again_changes_nothing(db, settings):
    before = (digest(db), digest(index_path(db)))
    planned, unchanged = gate.plan_ingest(db, read_articles([str(SEEDS)]), settings)
    assert planned == [] and unchanged == 2
    gate.ingest(db, planned, lambda: pytest.fail("no model is loaded when nothing is new"), settings)
    assert (digest(db), digest(index_path(db))) == before


def test_gate_ingest_refuses_another_embedder_before_writing(db, settings):
    before = digest(db)
    with pytest.raises(ClaimcheckError) as info:
        gate.plan_ingest(db, [CONTRADICTING], Settings(embed_model="e5-small"))
    assert info.value.code == "E406"
    assert digest(db) == before


def test_gate_check_pairs_new_claims_with_the_corpus_and_writes_nothing(db, settings, tiny_models):
    before = (digest(db), digest(index_path(db)))
    result = run_check(db, settings, tiny_models)
    pairs_new_first = all(f.a.article_id == "nieuw" for f in result.findings)
    assert pairs_new_first and result.findings
    assert {f.b.article_id for f in result.findings} <= {p.stem for p in SEEDS.glob("*.txt")}
    qty = [f for f in result.findings if any(r.code == "QTY_MISMATCH" for r in f.reasons)]
    assert qty and qty[0].verdict == "contradiction" and "slachtoffers" in qty[0].b.text
    assert result.failing and result.report.stats["corpus_articles"] == 2
    assert (digest(db), digest(index_path(db))) == before


def test_gate_new_text_of_a_stored_article_is_not_paired_with_its_old_version(db, settings, tiny_models):
    seed = read_articles([str(SEEDS)])[0]
    edited = Article(id=seed.id, text=seed.text.replace("geen slachtoffers", "tientallen doden"), path=seed.path)
    claims = segment([edited, CONTRADICTING], settings)
    with Store.open(db) as store:
        pairs, _ = gate.candidate_pairs(store, [edited, CONTRADICTING], claims,
                                        tiny_models.embedder.encode([c.text for c in claims]),
                                        tiny_models.embedder.encode([edited.text, CONTRADICTING.text]), settings)
    sides = [c for p in pairs for c in (p.a, p.b)]
    assert all(c in claims for c in sides if c.article_id == seed.id)  # never a stored claim of the old text
    assert any({p.a.article_id, p.b.article_id} == {seed.id, "nieuw"} for p in pairs)  # new articles meet
    assert all(p.a.article_id in (seed.id, "nieuw") for p in pairs)


def story_entry(article_id: str, n: int, seed: int, story_axis: int, text: str = ""):
    """A stored or new article whose story vector points along ``story_axis`` (one axis, one story)."""
    entry = make_entry(article_id, n, seed=seed, text=text)
    axis = np.zeros(entry.vectors.shape[1], dtype=np.float32)
    axis[story_axis] = 1.0
    return replace(entry, story_vector=axis)


def test_gate_candidate_pairs_are_the_pairs_verify_makes(tmp_path):
    """Over the store plus the new articles, verify pairs claims inside each story; ``ci`` must make
    exactly those pairs that hold a new claim, and none with another story (hand-written vectors)."""
    counts = ", waarbij 3 doden vielen"  # claims that count the same thing are paired on that topic too
    stored = [story_entry(f"s{n:02d}", 4, 200 + n, story_axis=n % 2, text=counts if n % 3 == 0 else "")
              for n in range(30)]
    new = [story_entry("n1", 3, 1, 0, text=", waarbij 12 mensen omkwamen"), story_entry("n2", 2, 2, 0),
           story_entry("s04", 3, 3, 0, text=" (nieuw)")]
    new_ids = {e.article.id for e in new}
    settings = Settings(story_pair_top_k=3, pair_all_max=20, topic_pair_floor=0.0, story_threshold=0.9)
    with Store.open(tmp_path / "c.db", write=True) as store:
        counted = store.add(stored, embedder="fake", settings=settings)
    assert counted["stories"] == 2
    claims = [c for e in new for c in e.claims]
    vectors = np.vstack([e.vectors for e in new])
    kept = [e for e in stored if e.article.id not in new_ids]
    corpus = [c for e in kept for c in e.claims] + claims
    corpus_vectors = np.vstack([e.vectors for e in kept] + [vectors])
    story_of = {e.article.id: f"axis-{int(np.argmax(e.story_vector))}" for e in kept + new}
    verify_pairs = {frozenset((p.a.key, p.b.key)) for p in
                    pipeline.candidate_pairs(corpus, corpus_vectors, settings, stories=Stories(story_of))
                    if new_ids & {p.a.article_id, p.b.article_id}}
    with Store.open(tmp_path / "c.db") as store:
        pairs, stories = gate.candidate_pairs(store, [e.article for e in new], claims, vectors,
                                              np.vstack([e.story_vector for e in new]), settings)
    assert all(p.a.article_id in new_ids for p in pairs)
    assert {frozenset((p.a.key, p.b.key)) for p in pairs} == verify_pairs
    assert all(story_of[p.b.article_id] == "axis-0" for p in pairs)  # never the other story
    assert len({stories.of[e.article.id] for e in new}) == 1


def test_gate_scores_each_pair_of_texts_once(settings, tiny_models, monkeypatch):
    new = Claim("nieuw", 0, "Bij de aanval vielen tien doden.", 0, 32, "nl")
    copies = [Claim(f"s{i}", 0, "Er vielen geen doden bij de aanval.", 0, 35, "nl") for i in range(3)]
    other = Claim("t", 2, "Het regende de hele dag in Bagdad.", 40, 74, "nl")
    pairs = [CandidatePair(new, c, 0.9) for c in copies] + [CandidatePair(new, other, 0.8)]
    seen: list[int] = []
    predict = tiny_models.nli.predict
    monkeypatch.setattr(tiny_models.nli, "predict", lambda texts, **kw: seen.append(len(texts)) or predict(texts, **kw))
    scored, distinct = gate.score_distinct(pairs, tiny_models, settings)
    assert (distinct, seen) == (2, [4])  # two pairs of texts, both directions
    assert [s.pair for s in scored] == pairs
    assert scored[0].forward == scored[1].forward == scored[2].forward != scored[3].forward
    monkeypatch.undo()
    alone = score_pairs([pairs[0]], tiny_models.nli)[0]
    assert scored[0].forward == pytest.approx(alone.forward, abs=1e-4)


def test_gate_baseline_accepts_known_findings_and_reports_stale_ones(db, settings, tiny_models, tmp_path):
    first = run_check(db, settings, tiny_models)
    path = tmp_path / "baseline.json"
    path.write_text(gate.baseline_document(first.findings))
    baseline = gate.load_baseline(str(path))
    assert set(baseline) == {finding_key(f) for f in first.findings if f.verdict == "contradiction"}
    baseline["0123456789abcdef"] = {"id": "0123456789abcdef"}
    second = run_check(db, settings, tiny_models, baseline=baseline)
    assert not second.failing
    assert second.stale == ["0123456789abcdef"]
    assert second.baselined == sorted(set(baseline) - {"0123456789abcdef"})
    assert second.report.stats["baselined"] == len(second.baselined)


def test_gate_record_stores_the_new_articles_and_findings(db, settings, tiny_models):
    result = run_check(db, settings, tiny_models)
    counts = gate.record(db, result, settings)
    assert counts == {"added": 1, "claims": len(result.entries[0].claims)}
    with Store.open(db) as store:
        assert store.counts()["articles"] == 3
        assert store.counts()["findings"] == len({(finding_key(f), f.a.article_id, f.b.article_id)
                                                  for f in result.findings})
        assert store.index_in_sync()


def test_gate_render_formats(db, settings, tiny_models, monkeypatch):
    result = run_check(db, settings, tiny_models, baseline={"0123456789abcdef": {"id": "0123456789abcdef"}})
    doc = json.loads(gate.render(result, "json"))
    assert doc["ci"]["passed"] is False and doc["ci"]["stale_baseline"] == ["0123456789abcdef"]
    assert doc["ci"]["failing"] == sorted({finding_key(f) for f in result.failing})
    github = gate.render(result, "github").splitlines()
    assert github[0].startswith("::error file=nieuw.txt,line=1,")
    assert github[-1] == "::notice title=claimcheck baseline::stale baseline entries (no matching finding): 0123456789abcdef"
    markdown = gate.render(result, "markdown")
    assert "**Failed**" in markdown and "`0123456789abcdef`" in markdown
    failed = re.search(r"\*\*Failed\*\*: (\d+) (contradictions?) not in the baseline \(checked against 2 stored articles\)",
                       markdown)
    assert failed and int(failed[1]) == len(result.failing) and (failed[2] == "contradiction") == (failed[1] == "1")
    monkeypatch.setattr(gate, "MARKDOWN_LIMIT", 1500)
    short = gate.render(result, "markdown")
    assert "findings are listed; the JSON report has all" in short and len(short) < len(markdown)


def test_gate_github_output_cannot_be_injected(db, settings, tiny_models):
    """A stale baseline id (or any text) holding a newline and a workflow command stays one annotation."""
    hostile = 'x"\n::error file=README.md,line=1::INJECTED'
    result = run_check(db, settings, tiny_models, baseline={hostile: {"id": hostile}})
    lines = gate.render(result, "github").splitlines()
    assert not any(line.startswith("::error file=README.md") for line in lines)
    assert any("%0A::error file=README.md" in line for line in lines)


@pytest.mark.parametrize("content, code", [
    (None, "E201"),
    ("{not json", "E405"),
    ('{"version": 2, "findings": []}', "E405"),
    ('{"version": true, "findings": []}', "E405"),
    ('{"version": 1.0, "findings": []}', "E405"),
    ('{"version": ' + "1" * 5000 + ', "findings": []}', "E405"),
    ('[1, 2]', "E405"),
    ('{"version": 1, "findings": [{"verdict": "contradiction"}]}', "E405"),
])
def test_gate_load_baseline_rejects_bad_files(tmp_path, content, code):
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ClaimcheckError) as info:
        gate.load_baseline(str(path))
    assert info.value.code == code
