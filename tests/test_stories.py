"""Stories: articles grouped by event before claims are compared (checker/stories.py)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from checker.cli import main
from checker.config import Settings
from checker.errors import ClaimcheckError
from checker.pair import pair_claims
from checker.pipeline import candidate_pairs
from checker.stories import EXACT_UP_TO, StoryIndex, Stories, find_stories, group, published, read_story_file, story_text
from checker.types import Article, Claim
from tests.conftest import ROOT

DUTCH = ROOT / "tests" / "data" / "stories_nl.jsonl"  # 10 stories in 10 news domains, 2 outlets each


def unit(*rows) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def at(hour: float) -> dt.datetime:
    return dt.datetime(2024, 3, 12) + dt.timedelta(hours=hour)


def test_group_links_close_vectors_and_keeps_far_ones_apart():
    vectors = unit([1, 0.1, 0], [1, 0, 0.1], [0, 1, 0], [0.1, 1, 0])
    assert group(vectors, [None] * 4, threshold=0.9, neighbours=3, window_hours=48) == [0, 0, 1, 1]


def test_group_needs_publication_times_within_the_window():
    vectors = unit([1, 0.1, 0], [1, 0, 0.1], [1, 0.05, 0.05])
    assert group(vectors, [at(0), at(100), at(60)], threshold=0.9, neighbours=3, window_hours=48) == [0, 1, 1]
    assert group(vectors, [at(0), at(100), at(60)], threshold=0.9, neighbours=3, window_hours=200) == [0, 0, 0]


def test_group_average_linkage_stops_a_chain():
    """a~b and b~c are close, a and c are not: single linkage would chain all three, average does not."""
    vectors = unit([1, 0, 0], [1, 0.6, 0], [0.3, 1, 0])
    labels = group(vectors, [None] * 3, threshold=0.85, neighbours=2, window_hours=48)
    assert labels[0] != labels[2]


@pytest.mark.parametrize("undated_every", [0, 3])
def test_group_with_an_hnsw_index_matches_exact_neighbours(undated_every):
    """Many articles (a third of them undated, or none): the approximate neighbour search groups
    them as the exact one does."""
    rng = np.random.default_rng(0)
    centres = unit(*rng.normal(size=(60, 16)))
    vectors = unit(*(np.repeat(centres, 20, axis=0) + 0.05 * rng.normal(size=(1200, 16))))
    times = [None if undated_every and i % undated_every == 0 else at(float(i % 7) + 30 * (i % 5)) for i in range(1200)]
    exact = group(vectors, times, threshold=0.8, neighbours=10, window_hours=48)
    approximate = group(vectors, times, threshold=0.8, neighbours=10, window_hours=48, exact_up_to=100)
    assert exact == approximate and len(set(exact)) == 60


def test_group_is_not_misled_by_copies_from_other_weeks():
    """Two events recur every eight days with the same texts (three outlets' versions each), so every
    article's nearest articles are its exact copies outside the 48 h window: still, each event's
    reports form one story, on the exact and on the HNSW path (issue 15: 91,931 stories for 25,000
    events of eval/scale.py)."""
    rng = np.random.default_rng(1)
    texts = unit(*rng.normal(size=(2, 16)))
    versions = [unit(*(texts[t] + 0.05 * rng.normal(size=(3, 16)))) for t in range(2)]  # cosine ~0.96
    vectors = np.concatenate([versions[event % 2] for event in range(30)])
    times = [at(96.0 * (i // 3)) for i in range(90)]  # events four days apart
    for exact_up_to in (EXACT_UP_TO, 10):
        labels = group(vectors, times, threshold=0.8, neighbours=2, window_hours=48, exact_up_to=exact_up_to)
        assert labels == [i // 3 for i in range(90)]


def test_group_with_an_hnsw_index_finds_a_neighbour_behind_copies_outside_the_window():
    """x and y (cosine 0.94, 47 h apart) report one event; x's 20 nearest articles are copies 93 h
    before it, y's 20 nearest are copies 48.5 h after it: the HNSW candidates of both are all outside
    the window, and the link x-y is still found."""
    def on_circle(degrees: float) -> np.ndarray:
        return np.r_[np.cos(np.radians(degrees)), np.sin(np.radians(degrees)), np.zeros(14)]

    start = at(0).timestamp()
    bucket = dt.datetime.fromtimestamp(math.ceil(start / (48 * 3600)) * 48 * 3600)  # where a 48 h bucket starts
    vectors = unit(*[on_circle(-10)] * 20, on_circle(20), on_circle(0), *[on_circle(30)] * 20)
    hours = [1.0] * 20 + [47.0, 94.0] + [95.5] * 20
    times = [bucket + dt.timedelta(hours=h) for h in hours]
    expected = [0] * 20 + [1, 1] + [2] * 20  # the copies of x and of y are stories of their own (cosine 0.87 < 0.9)
    for exact_up_to in (EXACT_UP_TO, 10):
        assert group(vectors, times, threshold=0.9, neighbours=2, window_hours=48, exact_up_to=exact_up_to) == expected


def test_group_raises_the_cosine_of_two_languages():
    vectors = unit([1, 0.5, 0], [1, 0, 0.5])  # cosine 0.8
    assert group(vectors, [None] * 2, threshold=0.82, neighbours=1, window_hours=48, langs=["nl", "en"],
                 bonus=0.04) == [0, 0]
    assert group(vectors, [None] * 2, threshold=0.82, neighbours=1, window_hours=48, langs=["nl", "nl"],
                 bonus=0.04) == [0, 1]


def test_published_reads_dates_and_zones():
    assert published(Article("a", "x", date="2024-03-12T08:10:00+01:00")) == dt.datetime(2024, 3, 12, 7, 10)
    assert published(Article("a", "x", date="2024-03-12")) == dt.datetime(2024, 3, 12, 12, 0)
    assert published(Article("a", "x", date="2024-03")) is None


def test_story_text_is_title_and_lead():
    article = Article("a", "Eerste zin. " * 200, title="Kop")
    text = story_text(article)
    assert text.startswith("Kop. Eerste zin.") and len(text) <= 1000


def test_story_index_grows_and_merges():
    index = StoryIndex(3, threshold=0.9, neighbours=5, window_hours=48)
    first = index.place("a", unit([1, 0, 0])[0], at(0), "nl")
    second = index.place("b", unit([0, 1, 0])[0], at(1), "nl")
    assert first != second
    assert index.place("c", unit([1, 0.05, 0])[0], at(2), "nl") == first
    assert index.members(first) == ["a", "c"]


def test_story_index_copy_places_and_merges_without_changing_the_original():
    """The CI gate places new articles in a copy of the store's kept index: joining a story and
    merging two must leave the original's stories and their sums as they were."""
    index = StoryIndex(3, threshold=0.9, neighbours=5, window_hours=48)
    left = index.place("a", unit([1, 0.2, 0])[0], at(0), "nl")
    right = index.place("b", unit([1, -0.2, 0])[0], at(60), "nl")  # outside a's window: a story of its own
    assert left != right
    sums = {story: {lang: total.copy() for lang, total in m.sums.items()} for story, m in index.members_of.items()}
    placed = index.without({"elsewhere"})
    joined = placed.place("c", unit([1, 0, 0])[0], at(30), "nl")  # links both: they merge in the copy
    assert placed.members(joined) == ["a", "b", "c"] and len(placed.members_of) == 1
    assert index.ids == ["a", "b"] and index.members(left) == ["a"] and index.members(right) == ["b"]
    assert index.members_of.keys() == sums.keys()
    for story, m in index.members_of.items():
        assert m.counts == {"nl": 1} and all(np.array_equal(m.sums[lang], sums[story][lang]) for lang in m.sums)


def test_stories_none_is_one_story():
    articles = [Article(f"a{i}", "Een zin van een artikel.") for i in range(3)]
    stories = find_stories(articles, lambda texts: pytest.fail("nothing is embedded"), Settings(stories="none"))
    assert set(stories.of.values()) == {"story-1"}


def test_claims_of_different_stories_are_never_paired():
    """Even with identical claim vectors, two stories give no pair; inside a story every pair is made."""
    claims = [Claim(f"art{i}", 0, "Negen gewonden bij een botsing.", 0, 31, "nl") for i in range(4)]
    vectors = unit(*[[1, 0, 0]] * 4)
    stories = Stories({"art0": "s1", "art1": "s1", "art2": "s2", "art3": "s2"})
    pairs = candidate_pairs(claims, vectors, Settings(), stories=stories)
    assert {(p.a.article_id, p.b.article_id) for p in pairs} == {("art0", "art1"), ("art2", "art3")}
    assert len(pair_claims(claims, vectors, claims, vectors, top_k=5, threshold=0.0)) == 6  # story-blind


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value) if not isinstance(value, str) else value)
    return path


ARTICLES = [Article("a", "x"), Article("b", "y")]


@pytest.mark.parametrize(("content", "why"), [
    ('{"a": "s1", "b": ', "malformed JSON"),
    ('["a", "b"]', "expected an object"),
    ('{"a": "s1", "b": "s1", "c": "s2"}', "unknown article 'c'"),
    ('{"a": "s1", "a": "s2", "b": "s1"}', "mapped twice"),
    ('{"a": "s1"}', "no story for article 'b'"),
    ('{"a": "s1", "b": 3}', "non-empty string"),
])
def test_story_file_errors(tmp_path, content, why):
    with pytest.raises(ClaimcheckError) as info:
        read_story_file(str(write_json(tmp_path / "stories.json", content)), ARTICLES)
    assert info.value.code == "E216" and why in str(info.value)


def test_story_file_missing(tmp_path):
    with pytest.raises(ClaimcheckError) as info:
        read_story_file(str(tmp_path / "nope.json"), ARTICLES)
    assert info.value.code == "E216"


def test_cli_bad_story_file_is_one_line_and_exit_2(tmp_path, capsys):
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(json.dumps({"id": i, "text": "Er raakten negen mensen gewond bij het ongeluk."}) + "\n"
                                for i in ("a", "b")))
    stories = write_json(tmp_path / "s.json", {"a": "s1", "zz": "s2"})
    assert main(["verify", str(articles), "--stories", str(stories), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "[E216]" in err[0] and "unknown article 'zz'" in err[0]


@pytest.mark.slow
def test_real_embedder_groups_dutch_news_of_ten_domains(real_models):
    """Accidents, politics, economy, courts, health, sport, weather, culture, war and science, two
    outlets each, all published on the same days: every story found, none merged."""
    rows = [json.loads(line) for line in DUTCH.read_text(encoding="utf-8").splitlines()]
    articles = [Article(r["id"], r["text"], title=r["title"], date=r["date"], source=r["source"]) for r in rows]
    stories = find_stories(articles, real_models.embedder.encode, Settings())
    found = {}
    for row in rows:
        found.setdefault(stories.of[row["id"]], set()).add(row["story"])
    assert all(len(gold) == 1 for gold in found.values())  # no story mixes two events
    assert len(found) == len({r["story"] for r in rows})  # and none is split


def test_hnsw_index_then_onnxruntime_does_not_crash():
    """Importing onnxruntime after usearch killed the process (segmentation fault): a store or a large
    story grouping that used its index before the models loaded would crash a run. Fresh process."""
    import subprocess
    import sys

    code = ("import numpy as np\nfrom checker.stories import hnsw_index\nIndex = hnsw_index()\n"
            "index = Index(ndim=4, metric='cos')\nindex.add(np.arange(2), np.eye(2, 4, dtype=np.float32))\n"
            "import onnxruntime\nprint(len(index))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "2", done.stderr[-500:]
