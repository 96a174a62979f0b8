"""The SQLite store and its vector index, with hand-written vectors (no models)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from dataclasses import replace

import numpy as np
import pytest

from checker import store as store_module
from checker.errors import ClaimcheckError
from checker.pair import pair_claims
from checker.store import Entry, Store, index_path
from checker.types import Article, Claim, Finding

DIM = 8


def unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def make_entry(article_id: str, n: int, seed: int = 0, text: str = "") -> Entry:
    sentences = [f"Zin {i} van {article_id}{text}." for i in range(n)]
    body = " ".join(sentences)
    claims, pos = [], 0
    for i, sentence in enumerate(sentences):
        start = body.index(sentence, pos)
        pos = start + len(sentence)
        claims.append(Claim(article_id, i, sentence, start, pos, "nl", attribution="Pentagon" if i == 0 else None))
    vectors = unit(np.random.default_rng(seed).normal(size=(n, DIM))) if n else np.zeros((0, DIM), np.float32)
    return Entry(Article(id=article_id, text=body, date="2020-01-08", source="NOS"), claims, vectors)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "corpus.db"
    with Store.open(path, write=True) as store:
        store.add([make_entry("a", 3, seed=1), make_entry("b", 4, seed=2)], embedder="fake")
        store.sync_index()
    return path


def test_store_round_trips_articles_claims_and_vectors(db):
    entry = make_entry("b", 4, seed=2)
    with Store.open(db) as store:
        assert store.articles(["b"])["b"] == Article(id="b", text=entry.article.text, date="2020-01-08", source="NOS")
        assert store.counts() == {"schema_version": 3, "articles": 2, "claims": 7, "stories": 0, "distinct_claim_texts": 7,
                                  "findings": 0,
                                  "findings_by_verdict": {"contradiction": 0, "update": 0, "agreement": 0}}
        assert store.meta()["embedder"] == "fake" and store.dim() == DIM
        claims, vectors = store.claims(range(1, 8))
    assert claims[3:] == entry.claims
    np.testing.assert_array_equal(vectors[3:], entry.vectors)
    for claim in claims[3:]:
        assert entry.article.text[claim.start:claim.end] == claim.text


def test_store_same_content_changes_nothing(db):
    before = digest(db)
    with Store.open(db, write=True) as store:
        counts = store.add([make_entry("a", 3, seed=1)], embedder="fake")
    assert counts == {"unchanged": 1}
    assert digest(db) == before


def test_store_new_text_replaces_article_claims_and_findings(db):
    with Store.open(db, write=True) as store:
        a, b = store.claims([1, 4])[0]
        store.add([], embedder="fake", findings=[Finding("agreement", 0.9, a, b)])
        assert store.counts()["findings"] == 1
        counts = store.add([make_entry("a", 2, seed=3, text=" (bijgewerkt)")], embedder="fake")
        assert counts == {"replaced": 1, "claims": 2}
        assert store.counts()["claims"] == 6 and store.counts()["findings"] == 0
        assert [c.text for c in store.claims(range(1, 20))[0] if c.article_id == "a"] == \
            ["Zin 0 van a (bijgewerkt).", "Zin 1 van a (bijgewerkt)."]


def test_store_repeated_sentences_share_one_text_and_vector(tmp_path):
    first, second = make_entry("x", 2, seed=1), make_entry("y", 3, seed=2)
    copy = Entry(second.article, [replace(second.claims[0], text=first.claims[1].text)] + second.claims[1:],
                 np.vstack([first.vectors[1:2], second.vectors[1:]]))  # y repeats x's second sentence
    with Store.open(tmp_path / "c.db", write=True) as store:
        store.add([first, copy], embedder="fake")
        assert (store.counts()["claims"], store.counts()["distinct_claim_texts"]) == (5, 4)
        assert len(store.vector_index()) == 4
        claims, _ = store.claims([2])
        assert [c.key for c in claims] == [("x", 1), ("y", 0)]
        store.add([make_entry("x", 1, seed=3, text=" (kort)")], embedder="fake")  # x no longer has it
        assert store.claims([2])[0] == [copy.claims[0]]
        store.add([make_entry("y", 1, seed=4, text=" (kort)")], embedder="fake")  # nor has y: the text goes
        assert store.claims([2])[0] == [] and store.counts()["distinct_claim_texts"] == 2


def test_store_failed_transaction_writes_nothing(db):
    before = digest(db)
    bad = Entry(make_entry("d", 2).article, make_entry("d", 2).claims, np.zeros((1, DIM), np.float32))
    with Store.open(db, write=True) as store, pytest.raises(ValueError):
        store.add([make_entry("c", 2), bad], embedder="fake")
    with Store.open(db) as store:
        assert store.hashes(["c", "d"]) == {}
    assert digest(db) == before


def test_store_refuses_another_embedder(db):
    with Store.open(db, write=True) as store:
        with pytest.raises(ClaimcheckError) as info:
            store.add([make_entry("c", 1)], embedder="other")
        assert info.value.code == "E406"
        wide = make_entry("c", 1)
        with pytest.raises(ClaimcheckError) as info:
            store.add([Entry(wide.article, wide.claims, np.ones((1, DIM + 1), np.float32))], embedder="fake")
        assert info.value.code == "E406"


def run_sql(path, statement: str) -> None:
    """Change a database behind the store's back."""
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


def query(path, statement: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(statement).fetchall()
    finally:
        conn.close()


def assert_refused(path, code: str) -> None:
    """Opening ``path`` read-only and read-write both fail with ``code`` and leave the file as it was."""
    before = digest(path)
    for write in (False, True):
        with pytest.raises(ClaimcheckError) as info:
            Store.open(path, write=write)
        assert info.value.code == code
    assert digest(path) == before


@pytest.mark.parametrize("content", [
    b"this is not a database at all, just some text" * 200,
    b"SQLite format 3\x00" + b"\xff" * 4000,
])
def test_store_rejects_files_that_are_not_stores(tmp_path, content):
    (tmp_path / "x.db").write_bytes(content)
    assert_refused(tmp_path / "x.db", "E401")


def test_store_empty_file_is_a_new_store_for_writers_only(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(ClaimcheckError) as info:
        Store.open(path)
    assert info.value.code == "E401" and path.read_bytes() == b""
    with Store.open(path, write=True) as store:
        assert store.version() == store_module.schema_version() == 3


def test_store_rejects_a_foreign_sqlite_database(tmp_path):
    run_sql(tmp_path / "foreign.db", "CREATE TABLE people (name TEXT)")
    assert_refused(tmp_path / "foreign.db", "E401")


def test_store_missing_and_directory(tmp_path):
    with pytest.raises(ClaimcheckError) as info:
        Store.open(tmp_path / "missing.db")
    assert info.value.code == "E403"
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(ClaimcheckError) as info:
        Store.open(tmp_path)
    assert info.value.code == "E401"


def test_store_newer_schema_is_refused(db):
    run_sql(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    assert_refused(db, "E402")


def test_store_older_schema_needs_migrate(db, monkeypatch):
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, "CREATE TABLE notes (text TEXT)"))
    assert_refused(db, "E407")
    with Store.open(db, write=True, upgrade=True) as store:
        assert store.version() == 4
        assert store.counts()["articles"] == 2
        store.conn.execute("SELECT * FROM notes").fetchall()


def test_store_new_store_is_wal_with_application_id(db):
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == store_module.APPLICATION_ID
    conn.close()


def all_pairs_reference(queries, query_vectors, stored, stored_vectors):
    return pair_claims(queries, query_vectors, queries + stored, np.vstack([query_vectors, stored_vectors]),
                       top_k=3, threshold=-1.0)


def test_store_neighbours_give_the_same_pairs_as_the_whole_corpus(tmp_path):
    entries = [make_entry(f"s{n:02d}", 5, seed=100 + n) for n in range(40)]
    with Store.open(tmp_path / "c.db", write=True) as store:
        store.add(entries, embedder="fake")
        stored, stored_vectors = store.claims(range(1, 1000))
        query = make_entry("new", 4, seed=999)
        # one near-duplicate of a stored claim, and the stored copy of s03 that the new text replaces
        query_vectors = unit(query.vectors + np.vstack([stored_vectors[7] * 3, np.zeros((3, DIM))]))
        corpus, corpus_vectors = store.neighbours(query_vectors, 3, exclude={"new", "s03"}, min_similarity=-1.0)
        assert all(c.article_id != "s03" for c in corpus)
        keep = [i for i, c in enumerate(stored) if c.article_id != "s03"]
        expected = all_pairs_reference(query.claims, query_vectors, [stored[i] for i in keep], stored_vectors[keep])
        found = all_pairs_reference(query.claims, query_vectors, corpus, corpus_vectors)
    assert [(p.a.key, p.b.key) for p in found] == [(p.a.key, p.b.key) for p in expected]


def test_store_empty_store_has_no_neighbours(tmp_path):
    Store.open(tmp_path / "empty.db", write=True).close()
    with Store.open(tmp_path / "empty.db") as store:
        found, vectors = store.neighbours(np.ones((2, DIM), np.float32), 5, exclude=set(), min_similarity=0.0)
    assert found == [] and vectors.shape == (0, DIM)


def test_store_large_indexes_are_searched_through_the_hnsw_graph(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "EXACT_UP_TO", 0)
    entries = [make_entry(f"s{n:02d}", 5, seed=300 + n) for n in range(40)]
    with Store.open(tmp_path / "c.db", write=True) as store:
        store.add(entries, embedder="fake")
        queries = np.vstack([e.vectors[1] for e in entries])
        found, _ = store.neighbours(queries, 1, exclude=set(), min_similarity=0.999)
    # Each vector should find itself; HNSW is approximate (and its multi-threaded build differs run
    # to run), so a small miss rate is allowed: on 8-dim random vectors about 1 in 400 queries misses.
    themselves = {e.claims[1].key for e in entries}
    assert {c.key for c in found} <= themselves and len({c.key for c in found}) >= 0.95 * len(entries)


def test_store_index_is_rebuilt_from_sqlite_when_missing_or_stale(db):
    index = index_path(db)
    assert index.exists()
    with Store.open(db) as store:
        assert store.index_in_sync()
    index.unlink()
    db_before = digest(db)
    with Store.open(db) as store:  # read-only: rebuilt in memory, nothing written
        assert not store.index_in_sync()
        assert len(store.vector_index()) == 7
    assert not index.exists() and digest(db) == db_before
    with Store.open(db, write=True) as store:
        store.sync_index()
    saved = digest(index)
    with Store.open(db, write=True) as store:
        store.add([make_entry("c", 2, seed=5)], embedder="fake")  # the index is now one batch behind
        assert not store.index_in_sync()
        assert len(store.vector_index()) == 9
        assert store.index_in_sync() and digest(index) != saved


def test_store_corrupt_or_foreign_index_is_replaced(db, tmp_path):
    index = index_path(db)
    index.write_bytes(b"garbage" * 100)
    with Store.open(db, write=True) as store:
        assert len(store.sync_index()) == 7
    other = tmp_path / "other.db"
    with Store.open(other, write=True) as store:
        store.add([make_entry("x", 7, seed=42)], embedder="fake")
        store.sync_index()
    shutil.copy(index_path(other), index)  # same keys and count, other vectors
    with Store.open(db) as store:
        assert not store.index_in_sync()
        claims, _ = store.claims([7])
        found, _ = store.neighbours(store.claims([7])[1], 1, exclude=set(), min_similarity=0.99)
        assert found == claims


def story_entry(article_id: str, axis: int, hour: int = 0) -> Entry:
    entry = make_entry(article_id, 2, seed=hash(article_id) % 1000)
    vector = np.zeros(DIM, dtype=np.float32)
    vector[axis] = 1.0
    vector[(axis + 1) % DIM] = 0.05 * (hour % 3)
    article = replace(entry.article, date=f"2024-03-12T{hour:02d}:00+00:00")
    return replace(entry, article=article, story_vector=unit(vector[None, :])[0])


def story_of(db) -> dict[str, int]:
    with Store.open(db) as store:
        return dict(store.conn.execute("SELECT id, story_id FROM articles").fetchall())


def test_store_places_articles_in_stories_and_merges_them(tmp_path):
    from checker.config import Settings

    settings = Settings(story_threshold=0.9)
    db = tmp_path / "s.db"
    with Store.open(db, write=True) as store:
        counts = store.add([story_entry("a1", 0, 1), story_entry("b1", 3, 2), story_entry("a2", 0, 3)],
                           embedder="fake", settings=settings)
    assert counts["stories"] == 2
    stories = story_of(db)
    assert stories["a1"] == stories["a2"] != stories["b1"]
    # an article between two stories that both clear the threshold with it does not merge them
    # when the two stories are not close to each other (average linkage)
    bridge = replace(story_entry("x", 0, 4), story_vector=unit(np.eye(DIM)[[0]] + np.eye(DIM)[[3]])[0])
    with Store.open(db, write=True) as store:
        store.add([bridge], embedder="fake", settings=settings)
        assert store.counts()["stories"] == 3
    # a later article of story a joins it, ids stay stable
    with Store.open(db, write=True) as store:
        store.add([story_entry("a3", 0, 5)], embedder="fake", settings=settings)
    assert story_of(db)["a3"] == stories["a1"]


def test_store_schema_1_migrates_and_backfills_stories(tmp_path):
    """A store written before stories: migrate adds the columns without touching the claims; the
    backfill places its articles; the digest of claims and texts is unchanged."""
    from checker.config import Settings

    db = tmp_path / "old.db"
    with Store.open(db, write=True) as store:
        store.add([make_entry("a", 3, seed=1), make_entry("b", 2, seed=2)], embedder="fake")
    conn = sqlite3.connect(db, isolation_level=None)  # take it back to schema 1, as an older claimcheck wrote it
    for statement in ("ALTER TABLE claims DROP COLUMN facts", "DROP INDEX articles_story",
                      "ALTER TABLE articles DROP COLUMN story_id",
                      "ALTER TABLE articles DROP COLUMN story_vector", "DROP TABLE stories",
                      "UPDATE meta SET value = '1' WHERE key = 'schema_version'"):
        conn.execute(statement)
    conn.close()
    claims_before = query(db, "SELECT article_id, idx, text_id FROM claims ORDER BY 1, 2")
    assert_refused(db, "E407")
    with Store.open(db, write=True, upgrade=True) as store:
        assert store.version() == 3
        assert store.facts(store.claims_of(["a", "b"])[0]) == {}  # claims stored before facts have none
        todo = store.without_story_vector()
        assert [a.id for a in todo] == ["a", "b"]
        counts = store.set_story_vectors({"a": np.eye(DIM)[0], "b": np.eye(DIM)[1]}, Settings())
        assert counts["stories"] == 2 and store.without_story_vector() == []
    assert query(db, "SELECT article_id, idx, text_id FROM claims ORDER BY 1, 2") == claims_before


def test_store_merges_two_stories_an_article_bridges_in_time(tmp_path):
    """Two reports of one event 92 hours apart are two stories; a report between them joins and merges them."""
    from checker.config import Settings

    settings = Settings(story_threshold=0.9)
    db = tmp_path / "m.db"
    with Store.open(db, write=True) as store:
        store.add([story_entry("early", 0, 0)], embedder="fake", settings=settings)
        late = story_entry("late", 0, 0)
        store.add([replace(late, article=replace(late.article, date="2024-03-15T20:00:00+00:00"))],
                  embedder="fake", settings=settings)
        assert store.counts()["stories"] == 2
        middle = story_entry("middle", 0, 0)
        counts = store.add([replace(middle, article=replace(middle.article, date="2024-03-13T22:00:00+00:00"))],
                           embedder="fake", settings=settings)
        assert counts["merged"] == 1 and store.counts()["stories"] == 1
    stories = story_of(db)
    assert stories["early"] == stories["late"] == stories["middle"]


def test_store_keeps_the_facts_of_each_claim(tmp_path):
    from checker.analyze import analyze

    text = "Bij de brand in Gent raakten gisteren zeker negen mensen gewond, van wie drie zwaargewond."
    article = Article("fire", text, date="2024-07-03T18:00:00+02:00")
    claim = Claim("fire", 0, text, 0, len(text), "nl")
    facts = analyze([claim], {"fire": article}, tag=lambda ss: [["B-LOC" if w == "Gent" else "O" for w in ws] for ws in ss])
    with Store.open(tmp_path / "s.db", write=True) as store:
        store.add([Entry(article, [claim], np.eye(DIM)[:1], None, [facts[claim]])], embedder="fake")
    with Store.open(tmp_path / "s.db") as store:
        stored = store.facts(store.claims_of(["fire"])[0])
    assert list(stored.values()) == [facts[claim]]
    assert [(q.key, q.low) for q in facts[claim].quantities] == [("injured", 9), ("injured:severe", 3)]


def test_store_leaves_out_facts_an_older_claimcheck_wrote(tmp_path):
    """Facts stored before a field was added (here the content words the judge now reads from the
    facts) are not read as empty: the claim is left out, and its facts are computed again."""
    import json

    from checker.analyze import analyze, dump_facts, load_facts

    text = "De gemeenteraad stemde tegen het plan voor een nieuwe brug bij Deventer."
    article = Article("vote", text, date="2024-07-03T18:00:00+02:00")
    claim = Claim("vote", 0, text, 0, len(text), "nl")
    facts = analyze([claim], {"vote": article}, tag=None)[claim]
    assert "gemeenteraad" in facts.content and facts.verdicts == ("stemde tegen",)
    older = {k: v for k, v in json.loads(dump_facts(facts)).items() if k not in ("content", "verdicts")}
    assert load_facts(json.dumps(older)) is None and load_facts(dump_facts(facts)) == facts
    with Store.open(tmp_path / "s.db", write=True) as store:
        store.add([Entry(article, [claim], np.eye(DIM)[:1], None, [facts])], embedder="fake")
        store.conn.execute("UPDATE claims SET facts = ?", (json.dumps(older),))
        store.conn.commit()
    with Store.open(tmp_path / "s.db") as store:
        assert store.facts(store.claims_of(["vote"])[0]) == {}


def test_story_index_is_read_again_only_when_the_store_changes(tmp_path):
    """A resident checker keeps the story index between checks; a write (here, or by another
    process) makes the next check read it again."""
    from checker.config import Settings

    db = tmp_path / "s.db"
    settings = Settings()
    with Store.open(db, write=True) as store:
        store.add([story_entry("flood", 0)], embedder="e", settings=settings)
    with Store.open(db) as store:
        first = store.story_index(settings)
        assert store.story_index(settings) is first and first.ids == ["flood"]
    with Store.open(db, write=True) as store:
        store.add([story_entry("fire", 2, hour=5)], embedder="e", settings=settings)
    with Store.open(db) as store:
        again = store.story_index(settings)
        assert again is not first and sorted(again.ids) == ["fire", "flood"]
        placed = again.without(set())
        placed.place("new", unit(np.ones((1, DIM)))[0], None, None)
        assert "new" in placed.ids and "new" not in again.ids  # the kept index is never changed
        assert store.story_index(settings) is again
