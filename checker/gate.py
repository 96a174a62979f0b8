"""The CI gate: check new articles against the stored corpus and against each other.

Only the new articles are segmented and embedded. Their claims look up their nearest stored
claims in the store's vector index, and ``pair_claims`` and ``pair_on_topics`` make, from those,
the pairs ``verify`` would make over the whole corpus plus the new articles (``candidate_pairs``).
Then ``score_pairs`` and ``judge`` run exactly as in ``verify``. In a ``ci`` finding the claim
``a`` is always from a new article, so annotations point at the new file.

A baseline (docs/ci.md) lists accepted findings by ``finding_key``: the verdict and both normalised
claim texts, never offsets. ``ci`` fails on contradictions outside the baseline and reports
baseline entries that no longer match any finding (stale) without failing on them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from checker.analyze import Facts, analyze
from checker.config import Settings
from checker.embed import CachedEncoder
from checker.errors import ClaimcheckError, Errors
from checker.infer import distinct_pairs, score_pairs
from checker.judge import judge
from checker import pipeline
from checker.pair import merge_pairs
from checker.pipeline import Models, Progress, Report, claim_topics, describe_settings, run_stats
from checker.report.records import counted, finding_key
from checker.segment import segment_article
from checker.store import Entry, Store, content_hash
from checker.stories import Stories, language, published, story_text
from checker.disputes import find_disputes, mark_same_origin, origins
from checker.types import Article, CandidatePair, Claim, Finding, ScoredPair

logger = logging.getLogger(__name__)

BASELINE_VERSION = 1
CI_FORMATS = ("json", "markdown", "github")
MARKDOWN_LIMIT = 60_000  # characters; a GitHub comment holds 65,536


def embedder_id(name: str) -> str:
    """The embedder name a store records: a local folder as its absolute path, anything else as given."""
    path = Path(name)
    return str(path.resolve()) if path.is_dir() else name


def entries(articles: list[Article], claims: list[Claim], vectors: np.ndarray,
            story_vectors: np.ndarray, facts: Facts) -> list[Entry]:
    """Claims, vectors and facts regrouped per article (an article without claims gets an empty entry)."""
    rows: dict[str, list[int]] = defaultdict(list)
    for row, claim in enumerate(claims):
        rows[claim.article_id].append(row)
    return [Entry(a, [claims[i] for i in rows[a.id]], vectors[rows[a.id]], story,
                  [facts[claims[i]] for i in rows[a.id]]) for a, story in zip(articles, story_vectors)]


def backfill_stories(store: Store, embedder: CachedEncoder, settings: Settings) -> Counter:
    """Give the articles of a store from before stories (schema 1) their story vector and story."""
    todo = store.without_story_vector()
    if not todo:
        return Counter()
    vectors = embedder.encode([story_text(a) for a in todo])
    return store.set_story_vectors({a.id: v for a, v in zip(todo, vectors)}, settings)


# --- ingest --------------------------------------------------------------------------------------

def plan_ingest(db: Path, articles: list[Article], settings: Settings) -> tuple[list[tuple[Article, list[Claim]]], int]:
    """The articles the store lacks (new id or new content), segmented; and how many it already holds.

    Everything that can fail on bad input happens here, before anything is written: the store is
    opened read-only (E401, E402, E406, E407) and every article to add is segmented (one the checker
    cannot read gets no claims and is reported unverified).
    """
    stored: dict[str, str] = {}
    if db.exists() and db.stat().st_size > 0:
        with Store.open(db) as store:
            store.check_embedder(embedder_id(settings.embed_model))
            stored = store.hashes(a.id for a in articles)
    todo = [a for a in articles if stored.get(a.id) != content_hash(a)]
    warn_replacing([a.id for a in todo if a.id in stored])
    return [(a, segment_article(a, settings)) for a in todo], len(articles) - len(todo)


def warn_replacing(ids: list[str], shown: int = 5) -> None:
    """One line on stderr naming the stored articles an ingest replaces (same id, other content)."""
    if ids:
        more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
        logger.warning("replacing %s whose text or metadata changed: %s%s", counted(len(ids), "stored article"),
                       ", ".join(repr(i) for i in ids[:shown]), more)


def ingest(db: Path, planned: list[tuple[Article, list[Claim]]], load_embedder: Callable[[], CachedEncoder],
           settings: Settings, *, batch_size: int = 64, progress: Progress | None = None) -> Counter:
    """Embed and store ``planned`` articles, one transaction per batch, then save the vector index.

    The embedder is loaded only when there is something to embed. A batch is embedded before its
    transaction starts, so a writer holds the lock only to write, and a failure before the first
    commit leaves no file behind. Killed midway, the store keeps the committed batches; running
    the ingest again adds the rest.
    """
    counts: Counter = Counter()
    store: Store | None = None
    embedder: CachedEncoder | None = None
    try:
        for start in range(0, len(planned), batch_size):
            batch = planned[start : start + batch_size]
            claims = [c for _, article_claims in batch for c in article_claims]
            embedder = embedder or load_embedder()
            vectors = embedder.encode([c.text for c in claims])
            story_vectors = embedder.encode([story_text(a) for a, _ in batch])
            if store is None:
                store = Store.open(db, write=True)
                counts.update(backfill_stories(store, embedder, settings))
            facts = analyze(claims, {a.id: a for a, _ in batch}, tag=None)  # entities when a check needs them
            counts.update(store.add(entries([a for a, _ in batch], claims, vectors, story_vectors, facts),
                                    embedder=embedder_id(embedder.name), settings=settings))
            if progress:
                progress("ingest", start + len(batch), len(planned))
        store = store or Store.open(db, write=True)
        store.sync_index()
    finally:
        if store is not None:
            store.close()
    return counts


# --- check ---------------------------------------------------------------------------------------

@dataclass
class GateResult:
    """A ``ci`` run: the report (findings outside the baseline) and what the baseline did."""

    report: Report
    findings: list[Finding]  # every finding, baselined ones included
    baselined: list[str]  # keys of findings the baseline accepts
    stale: list[str]  # baseline keys that match no finding
    entries: list[Entry]  # the new articles with claims and vectors, for --ingest
    embedder: str  # the embedder that made their vectors, as a store records it
    store: str = ""
    ingested: dict[str, int] = field(default_factory=dict)

    @property
    def failing(self) -> list[Finding]:
        """Contradictions the baseline does not accept: these fail the check."""
        return self.report.contradictions

    @property
    def passed(self) -> bool:
        """No failing contradiction and no new article that could not be checked (exit code 0)."""
        return not self.failing and not self.report.stats.get("unverified")

    def summary(self) -> dict[str, object]:
        return {"store": self.store, "passed": self.passed,
                "failing": sorted({finding_key(f) for f in self.failing}),
                "baselined": self.baselined, "stale_baseline": self.stale, "ingested": self.ingested}


class _NLIProgress:
    """Adds up the batch sizes ``score_pairs`` reports into (stage, done, total) calls."""

    def __init__(self, progress: Progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, n: int) -> None:
        self.done += n
        self.progress("nli", self.done, self.total)


def story_scope(store: Store, articles: list[Article], story_vectors: np.ndarray, settings: Settings,
                langs: dict[str, str] | None = None) -> tuple[Stories, list[str]]:
    """The stories of the new articles, placed among the stored ones as ``ingest`` would place them
    (in memory: nothing is written), and the stored articles to compare them with: the members of
    their stories and of any story a new article nearly joined (``story_margin``)."""
    index = store.story_index(settings)
    if len(index.ids) < store.counts()["articles"]:
        raise ClaimcheckError(Errors.E408.format(path=store.path))
    new_ids = {a.id for a in articles}
    scoped = index.without(new_ids)  # a new text replaces the stored one
    near: dict[int, set[int]] = {}
    order = sorted(zip(articles, story_vectors), key=lambda av: (published(av[0]) or dt.datetime.min, av[0].id))
    for article, vector in order:
        lang = language(article, langs)
        story = scoped.place(article.id, vector, published(article), lang)
        near[story] = near.get(story, set()) | scoped.uncertain(vector, published(article), lang, story,
                                                                  settings.story_margin)
    own = {scoped.story[scoped.ids.index(a.id)] for a in articles}
    final = {s: scoped.merged.get(s, s) for s in own}
    of = {}
    for article_id, story in zip(scoped.ids, scoped.story):
        if story in final.values():
            of[article_id] = f"story-{story}"
    for story, others in near.items():
        for article_id, other in zip(scoped.ids, scoped.story):
            if other in others and article_id not in of:
                of[article_id] = f"story-{scoped.merged.get(story, story)}"
    return Stories(of), sorted(set(of) - new_ids)


def candidate_pairs(store: Store, articles: list[Article], claims: list[Claim], vectors: np.ndarray,
                    story_vectors: np.ndarray, settings: Settings) -> tuple[list[CandidatePair], Stories]:
    """The pairs ``verify`` would make over the new articles plus the stored articles of their stories,
    that hold a new claim (new claim first), and the stories they were made in."""
    langs = {c.article_id: c.lang for c in claims}
    stories, stored_ids = story_scope(store, articles, story_vectors, settings, langs)
    stored, stored_vectors = store.claims_of(stored_ids)
    every = claims + stored
    pairs = pipeline.candidate_pairs(every, np.vstack([vectors, stored_vectors]), settings, topics=topics_of,
                                     stories=stories)
    new_ids = {a.id for a in articles}
    return [p if p.a.article_id in new_ids else CandidatePair(p.b, p.a, p.similarity)
            for p in pairs if new_ids & {p.a.article_id, p.b.article_id}], stories


def topics_of(claims: list[Claim]) -> list[frozenset[str]]:
    """``pipeline.claim_topics``, computed once per distinct sentence: stored corpora repeat
    sentences, and each check meets the same stored claims several times."""
    return [_text_topics(c.text) for c in claims]


@functools.lru_cache(maxsize=65536)
def _text_topics(text: str) -> frozenset[str]:
    return claim_topics([Claim(article_id="", index=0, text=text, start=0, end=len(text), lang="")])[0]


def check(store: Store, articles: list[Article], claims: list[Claim], settings: Settings, models: Models,
          baseline: dict[str, dict] | None = None, progress: Progress | None = None) -> GateResult:
    """Check the claims of new ``articles`` (segmented by the caller) against ``store``; writes nothing."""
    started = time.perf_counter()
    baseline = baseline or {}
    new_ids = {a.id for a in articles}
    vectors = models.embedder.encode([c.text for c in claims])
    story_vectors = models.embedder.encode([story_text(a) for a in articles])
    pairs, stories = candidate_pairs(store, articles, claims, vectors, story_vectors, settings)
    scored, n_scored = score_distinct(pairs, models, settings, progress)
    known = store.articles(set(stories.of) - new_ids) | {a.id: a for a in articles}
    origin = origins(list(known.values()), stories)
    facts = analyze(claims, known, tag=None) | store.facts(c for s in scored for c in (s.pair.a, s.pair.b)
                                                           if c.article_id not in new_ids)
    findings = mark_same_origin(judge(scored, known, settings, facts, tag=models.tag), origin)
    reported = [f for f in findings if finding_key(f) not in baseline]
    found_keys = {finding_key(f) for f in findings}
    corpus = store.counts()
    stats = run_stats(articles, claims, len(pairs), reported, started)
    stats.update(corpus_articles=corpus["articles"], corpus_claims=corpus["claims"],
                 all_cross_article_pairs=int(stats["all_cross_article_pairs"]) + len(claims) * int(corpus["claims"]),
                 nli_calls=2 * n_scored, baselined=len(findings) - len(reported))
    cited = sorted({f.b.article_id for f in reported} - new_ids)
    shown = [*articles, *(known[i] for i in cited)]
    report = Report(shown, claims, reported, stories, find_disputes(reported, shown, stories, origin), origin,
                    stats=stats, settings=describe_settings(settings, models), facts=facts)
    return GateResult(report, findings, baselined=sorted(found_keys & set(baseline)),
                      stale=sorted(set(baseline) - found_keys),
                      entries=entries(articles, claims, vectors, story_vectors, facts),
                      embedder=embedder_id(models.embedder.name), store=str(store.path))


def score_distinct(pairs: list[CandidatePair], models: Models, settings: Settings,
                   progress: Progress | None = None) -> tuple[list[ScoredPair], int]:
    """``score_pairs`` on each distinct pair of texts once (stored corpora repeat sentences, so a new
    claim often meets the same stored sentence in several articles); returns the scored pairs and
    how many distinct pairs the model saw."""
    distinct = len(distinct_pairs(pairs))
    scored = score_pairs(pairs, models.nli, batch_size=settings.nli_batch_size,
                         progress=_NLIProgress(progress, 2 * len(pairs)) if progress else None)
    return scored, distinct


def record(db: Path, result: GateResult, settings: Settings) -> Counter:
    """``ci --ingest``: store the new articles and every finding in one transaction."""
    with Store.open(db, write=True) as store:
        counts = store.add(result.entries, embedder=result.embedder, findings=result.findings, settings=settings)
        store.sync_index()
    return counts


# --- output --------------------------------------------------------------------------------------

def render(result: GateResult, fmt: str) -> str:
    """``json``: the verify report plus a ``ci`` section; ``markdown``: a pull-request comment;
    ``github``: workflow annotations."""
    from checker.report import RENDERERS, as_github

    if fmt == "json":
        return json.dumps(to_dict(result), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "markdown":
        return _markdown(result, RENDERERS["markdown"])
    notes = []
    if result.baselined:
        notes.append(f"{counted(len(result.baselined), 'finding')} accepted by the baseline")
    if result.stale:
        notes.append(f"stale baseline entries (no matching finding): {', '.join(result.stale)}")
    return RENDERERS["github"](result.report) + "".join(f"::notice title=claimcheck baseline::{as_github.escape(n)}\n"
                                                        for n in notes)


def to_dict(result: GateResult) -> dict[str, object]:
    """The JSON report: ``verify``'s, plus a ``ci`` section (``GateResult.summary``)."""
    from checker.report import as_json

    return dict(as_json.to_dict(result.report), ci=result.summary())


def _markdown(result: GateResult, render_report: Callable[[Report], str]) -> str:
    """The markdown report, cut to fit one comment (agreements, listed last, go first), and the result."""
    from checker.report import as_markdown

    listed = shown = result.report.findings
    while True:
        text = render_report(replace(result.report, findings=shown))
        if len(text) <= MARKDOWN_LIMIT or not shown:
            break
        shown = shown[: len(shown) // 2]
    failing = len(result.failing)
    lines = ["", "## Result", "",
             f"**{'Failed' if failing else 'Passed'}**: {counted(failing, 'contradiction')} not in the baseline "
             f"(checked against {counted(result.report.stats.get('corpus_articles', 0), 'stored article')})."]
    if len(shown) < len(listed):
        lines.append(f"Only {len(shown)} of {counted(len(listed), 'finding')} are listed; the JSON report has all.")
    if result.baselined:
        lines.append(f"Accepted by the baseline: {len(result.baselined)}.")
    if result.stale:
        lines.append(f"Stale baseline entries (match no finding): {', '.join(as_markdown.code(k) for k in result.stale)}.")
    return text + "\n".join(lines) + "\n"


# --- baseline ------------------------------------------------------------------------------------

def baseline_document(findings: list[Finding]) -> str:
    """A baseline accepting the contradictions among ``findings``: versioned JSON, stable order, no times."""
    accepted = {finding_key(f): {"id": finding_key(f), "verdict": f.verdict, "articles": [f.a.article_id, f.b.article_id],
                                 "claims": [f.a.text, f.b.text]} for f in findings if f.verdict == "contradiction"}
    doc = {"version": BASELINE_VERSION, "tool": "claimcheck", "findings": [accepted[k] for k in sorted(accepted)]}
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load_baseline(path: str) -> dict[str, dict]:
    """Baseline entries by finding key.

    Raises:
        ClaimcheckError: E201 missing file, E213 unreadable, E405 not a baseline of a known version.
    """
    file = Path(path)
    if not file.is_file():
        raise ClaimcheckError(Errors.E201.format(path=file))
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClaimcheckError(Errors.E213.format(path=file, why=exc.strerror)) from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, a 5,000-digit number
        raise ClaimcheckError(Errors.E405.format(path=file, why=f"not JSON ({type(exc).__name__})")) from exc
    version = doc.get("version") if isinstance(doc, dict) else None
    if type(version) is not int or version != BASELINE_VERSION:  # noqa: E721 - true is not 1
        found = doc.get("version") if isinstance(doc, dict) else None
        raise ClaimcheckError(Errors.E405.format(path=file, why=f"version {found!r}, expected {BASELINE_VERSION}"))
    items = doc.get("findings")
    if not isinstance(items, list) or not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in items):
        raise ClaimcheckError(Errors.E405.format(path=file, why="'findings' must be a list of objects with an 'id'"))
    return {e["id"]: e for e in items}
