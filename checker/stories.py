"""Group articles into stories (one real-world event or development) before claims are compared.

A contradiction only exists between two reports of the same event; claims from different stories
are never paired (``pair``). Each article is represented by one vector of its title and lead
(``story_text``); stories are built by average linkage over a k-nearest-neighbour graph of those
vectors, whose edges must also fall within a publication-time window:

1. each article links to its ``story_neighbours`` nearest articles whose cosine is at least
   ``story_threshold`` and whose publication times are at most ``story_window_hours`` apart
   (linear-ish: the kNN search is chunked, never an all-pairs matrix in memory);
2. links are taken strongest first; two groups merge when the *average* cosine between their
   members is still at least ``story_threshold``. With L2-normalised vectors that average is
   ``sum_a . sum_b / (|a| |b|)``, so merging costs one dot product, never a pairwise matrix.

The settings and the evidence that set them are in ``checker/config.py`` (measured on real
multi-outlet news: ``python -m eval.stories_eval``).

Users whose CMS already clusters pass a story file instead (``read_story_file``); ``--stories
none`` puts every article in one story (the behaviour before stories existed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from checker.config import Settings
from checker.errors import ClaimcheckError, Errors
from checker.types import Article

LEAD_CHARS = 1000  # title + this much of the body represent an article (eval/results/stories_eval.json)
_CHUNK = 2048
EXACT_UP_TO = 20_000  # articles grouped with exact neighbours; above, an HNSW index (usearch)
CANDIDATES = 4  # approximate neighbours fetched per neighbour kept


@dataclass(frozen=True)
class Stories:
    """Which story each article is in, and the stories in order of their first article."""

    of: dict[str, str]  # article id -> story id

    def members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for article_id, story in self.of.items():
            out.setdefault(story, []).append(article_id)
        return out

    def same(self, a: str, b: str) -> bool:
        return self.of.get(a) is not None and self.of.get(a) == self.of.get(b)


def story_text(article: Article) -> str:
    """Title and lead: what a reader scans to know which event an article is about."""
    body = article.text.strip()
    if article.title and not body.startswith(article.title):
        body = f"{article.title}. {body}"
    return " ".join(body[:LEAD_CHARS].split())


def published(article: Article) -> dt.datetime | None:
    """The publication time as a naive UTC datetime; a date-only value is noon of that day
    (so it is at most 12 hours from any time that day); a month-only value has no time."""
    if not article.date or len(article.date) < 10:
        return None
    try:
        value = dt.datetime.fromisoformat(article.date) if len(article.date) > 10 else \
            dt.datetime.fromisoformat(article.date + "T12:00:00")
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


class Members:
    """The articles of a group as per-language vector sums: enough for average linkage, in which a
    pair of articles in two languages gets ``bonus`` added to its cosine (e5 scores a translation
    about 0.03 below a paraphrase, docs/models.md; same-event Dutch/English articles here sit
    0.03-0.05 below same-language ones)."""

    def __init__(self, vector: np.ndarray, lang: str | None):
        self.sums = {lang or "": np.asarray(vector, dtype=np.float64).copy()}
        self.counts = {lang or "": 1}

    @property
    def size(self) -> int:
        return sum(self.counts.values())

    def absorb(self, other: Members) -> None:
        for lang, total in other.sums.items():
            self.sums[lang] = self.sums.get(lang, 0) + total
            self.counts[lang] = self.counts.get(lang, 0) + other.counts[lang]

    def linkage(self, other: Members, bonus: float) -> float:
        """The average (language-adjusted) cosine between a member of each group."""
        total = 0.0
        for la, sa in self.sums.items():
            for lb, sb in other.sums.items():
                total += float(sa @ sb) + (bonus * self.counts[la] * other.counts[lb] if _differ(la, lb) else 0.0)
        return total / (self.size * other.size)


def _differ(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a != b


def _approximate_neighbours(vectors: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``CANDIDATES * k`` nearest rows from an HNSW index (usearch): near-linear in the
    number of articles. More candidates than ``k`` are kept because the window and the language
    bonus re-rank them."""
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="cos", dtype="f32", expansion_search=256)
    index.add(np.arange(len(vectors), dtype=np.uint64), np.ascontiguousarray(vectors, dtype=np.float32))
    count = min(len(vectors), CANDIDATES * k + 1)
    found = index.search(np.ascontiguousarray(vectors, dtype=np.float32), count)
    keys = np.asarray(found.keys, dtype=np.int64).reshape(len(vectors), -1)
    own = np.arange(len(vectors))[:, None]
    return np.where(keys < 0, own, keys)  # a missing neighbour (fewer found) points at the row itself


def group(vectors: np.ndarray, times: Sequence[dt.datetime | None], *, threshold: float, neighbours: int,
          window_hours: float, langs: Sequence[str | None] | None = None, bonus: float = 0.0,
          exact_up_to: int = EXACT_UP_TO) -> list[int]:
    """A group number per row of ``vectors`` (L2-normalised), numbered in order of first row;
    ``langs`` with ``bonus`` raise the cosine of two articles in different languages. Up to
    ``exact_up_to`` articles the neighbours are exact (chunked, never an n x n matrix in memory);
    above, an HNSW index finds them."""
    n = len(vectors)
    if n == 0:
        return []
    langs = list(langs) if langs is not None else [None] * n
    codes = np.asarray([lang or "" for lang in langs])
    stamps = np.asarray([t.timestamp() if t else np.nan for t in times], dtype=np.float64)
    links: list[tuple[float, int, int]] = []
    k = min(neighbours, n - 1)
    candidates = _approximate_neighbours(vectors, k) if n > exact_up_to else None
    for start in range(0, n, _CHUNK) if k > 0 else ():
        rows = np.arange(start, min(n, start + _CHUNK))
        cols = candidates[rows] if candidates is not None else np.arange(n)[None, :]  # exact: every row, broadcast
        sims = np.einsum("rd,rcd->rc", vectors[rows], vectors[cols]) if candidates is not None else vectors[rows] @ vectors.T
        sims += bonus * ((codes[rows, None] != codes[cols]) & (codes[rows, None] != "") & (codes[cols] != ""))
        sims[cols == rows[:, None]] = -np.inf
        gap = np.abs(stamps[rows, None] - stamps[cols]) / 3600.0
        sims[gap > window_hours] = -np.inf  # NaN gaps (an undated article) compare False: no limit
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        for row in range(len(rows)):
            for position in top[row]:
                if sims[row, position] >= threshold:
                    i, j = sorted((int(rows[row]), int(cols[row if len(cols) > 1 else 0, position])))
                    links.append((float(sims[row, position]), i, j))
    parent = list(range(n))
    members = {i: Members(vectors[i], langs[i]) for i in range(n)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, i, j in sorted(set(links), key=lambda link: (-link[0], link[1], link[2])):
        a, b = find(i), find(j)
        if a == b or members[a].linkage(members[b], bonus) < threshold:
            continue
        a, b = min(a, b), max(a, b)
        parent[b] = a
        members[a].absorb(members.pop(b))
    numbers: dict[int, int] = {}
    return [numbers.setdefault(find(i), len(numbers)) for i in range(n)]


def find_stories(articles: Sequence[Article], embed: Callable[[list[str]], np.ndarray], settings: Settings,
                 langs: dict[str, str] | None = None) -> Stories:
    """Stories of ``articles`` (``settings.stories``: "auto" groups them, "none" makes one story);
    ``langs`` gives each article's language where ``Article.lang`` does not (segment detects it)."""
    if settings.stories == "none" or len(articles) < 2:
        return Stories({a.id: "story-1" for a in articles})
    order = sorted(articles, key=lambda a: (published(a) or dt.datetime.min, a.id))
    vectors = embed([story_text(a) for a in order])
    labels = group(vectors, [published(a) for a in order], threshold=settings.story_threshold,
                   neighbours=settings.story_neighbours, window_hours=settings.story_window_hours,
                   langs=[language(a, langs) for a in order], bonus=settings.story_cross_language_bonus)
    return Stories({a.id: f"story-{label + 1}" for a, label in zip(order, labels)})


def language(article: Article, langs: dict[str, str] | None = None) -> str | None:
    """An article's language code, given or detected (``langs``)."""
    return language_code(article.lang or (langs or {}).get(article.id))


def language_code(lang: str | None) -> str | None:
    """"nl" of "nl-BE"; None stays None."""
    return lang.lower().split("-")[0] if lang else None


def read_story_file(path: str, articles: Sequence[Article]) -> Stories:
    """A JSON object mapping every article id to a story id (``--stories FILE``).

    Raises:
        ClaimcheckError: E216 when the file cannot be read, is not such an object, names an
            unknown article, maps one article twice, or leaves an article out.
    """
    def bad(why: str) -> ClaimcheckError:
        return ClaimcheckError(Errors.E216.format(path=path, why=why))

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad(getattr(exc, "strerror", None) or "not UTF-8 text") from exc
    seen: set[str] = set()

    def unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
        for key, _ in pairs:
            if key in seen:
                raise bad(f"article '{key}' is mapped twice")
            seen.add(key)
        return dict(pairs)

    try:
        mapping = json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise bad(f"malformed JSON ({exc.msg}, line {exc.lineno})") from exc
    except RecursionError as exc:
        raise bad("nested too deeply") from exc
    if not isinstance(mapping, dict):
        raise bad('expected an object {"article id": "story id", ...}')
    known = {a.id for a in articles}
    for article_id, story in mapping.items():
        if article_id not in known:
            raise bad(f"unknown article '{article_id}'")
        if not isinstance(story, str) or not story.strip():
            raise bad(f"the story of '{article_id}' must be a non-empty string")
    missing = sorted(known - set(mapping))
    if missing:
        raise bad(f"no story for article '{missing[0]}'" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
    return Stories({a.id: mapping[a.id] for a in articles})


class StoryIndex:
    """Stories that grow one article at a time: the store's (and the CI gate's) side of ``group``.

    An article joins the story of a linked neighbour (the same link rule as ``group``: one of its
    ``neighbours`` nearest articles, cosine >= threshold, within the window) whose average cosine
    with it is the highest and at least the threshold; stories it links that also clear the
    threshold with that story (average linkage) merge into it. Keys of stored stories are theirs;
    new stories get negative keys until the store numbers them.
    """

    def __init__(self, dim: int, *, threshold: float, neighbours: int, window_hours: float, bonus: float = 0.0):
        self.threshold, self.neighbours, self.window_hours, self.bonus = threshold, neighbours, window_hours, bonus
        self.ids: list[str] = []
        self.story: list[int] = []
        self.langs: list[str] = []
        self.times: list[dt.datetime | None] = []
        # Per article, in arrays that double when full (placing n articles costs O(n) copies, not O(n^2)):
        self._vectors = np.zeros((16, dim), dtype=np.float32)
        self._stamps = np.zeros(16, dtype=np.float64)
        self._codes = np.zeros(16, dtype="<U8")
        self.members_of: dict[int, Members] = {}
        self.merged: dict[int, int] = {}  # story key -> the key it merged into
        self._next_new = -1

    @classmethod
    def from_settings(cls, dim: int, settings: Settings) -> StoryIndex:
        return cls(dim, threshold=settings.story_threshold, neighbours=settings.story_neighbours,
                   window_hours=settings.story_window_hours, bonus=settings.story_cross_language_bonus)

    def add(self, article_id: str, vector: np.ndarray, when: dt.datetime | None, lang: str | None, story: int) -> None:
        """Record an article already in ``story`` (read back from a store)."""
        self.ids.append(article_id)
        self.story.append(story)
        self.langs.append(lang or "")
        self.times.append(when)
        n = len(self.ids)
        if n > len(self._vectors):
            self._vectors = np.concatenate([self._vectors, np.zeros_like(self._vectors)])
            self._stamps = np.concatenate([self._stamps, np.zeros_like(self._stamps)])
            self._codes = np.concatenate([self._codes, np.zeros_like(self._codes)])
        self._vectors[n - 1] = vector
        self._stamps[n - 1] = when.timestamp() if when else np.nan
        self._codes[n - 1] = lang or ""
        if story in self.members_of:
            self.members_of[story].absorb(Members(vector, lang))
        else:
            self.members_of[story] = Members(vector, lang)

    def without(self, article_ids: set[str]) -> StoryIndex:
        """A copy without these articles (their stories keep the rest)."""
        copy = StoryIndex(self._vectors.shape[1], threshold=self.threshold, neighbours=self.neighbours,
                          window_hours=self.window_hours, bonus=self.bonus)
        for i, article_id in enumerate(self.ids):
            if article_id not in article_ids:
                copy.add(article_id, self._vectors[i], self.times[i], self.langs[i], self.story[i])
        return copy

    def linked(self, vector: np.ndarray, when: dt.datetime | None, lang: str | None,
               floor: float | None = None) -> dict[int, float]:
        """Stories of the linked neighbours, with the average (language-adjusted) cosine to each."""
        if not self.ids:
            return {}
        floor = self.threshold if floor is None else floor
        n = len(self.ids)
        sims = self._vectors[:n] @ np.asarray(vector, dtype=np.float32)
        if lang:
            sims += self.bonus * ((self._codes[:n] != lang) & (self._codes[:n] != ""))
        stamp = when.timestamp() if when else np.nan
        sims[np.abs(self._stamps[:n] - stamp) / 3600.0 > self.window_hours] = -np.inf
        k = min(self.neighbours, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        stories = {self.story[i] for i in top if sims[i] >= floor}
        one = Members(vector, lang)
        return {s: one.linkage(self.members_of[s], self.bonus) for s in stories}

    def place(self, article_id: str, vector: np.ndarray, when: dt.datetime | None, lang: str | None) -> int:
        """Put a new article in a story (joining, merging or opening one) and return its key."""
        averages = {s: a for s, a in self.linked(vector, when, lang).items() if a >= self.threshold}
        if not averages:
            story = self._next_new
            self._next_new -= 1
        else:
            story = max(averages, key=lambda s: (averages[s], -abs(s)))
            for other in sorted(averages, key=lambda s: -averages[s]):
                if other != story and self.members_of[story].linkage(self.members_of[other], self.bonus) >= self.threshold:
                    self._merge(other, story)
        self.add(article_id, vector, when, lang, story)
        return story

    def uncertain(self, vector: np.ndarray, when: dt.datetime | None, lang: str | None, story: int,
                  margin: float) -> set[int]:
        """Other stories the article nearly joined (average cosine within ``margin`` below the threshold)."""
        near = self.linked(vector, when, lang, floor=self.threshold - margin)
        return {s for s, a in near.items() if s != story and a >= self.threshold - margin}

    def members(self, story: int) -> list[str]:
        return [i for i, s in zip(self.ids, self.story) if s == story]

    def _merge(self, source: int, into: int) -> None:
        self.story = [into if s == source else s for s in self.story]
        self.members_of[into].absorb(self.members_of.pop(source))
        self.merged[source] = into
