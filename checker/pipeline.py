"""The verify pipeline: ingest -> segment -> analyze -> embed -> stories -> pair -> infer -> judge ->
disputes, as plain function calls."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from checker import __version__, models
from checker.analyze import ClaimFacts, Facts, Tagger, analyze, lazy_tagger
from checker.config import Settings
from checker.disputes import Dispute, find_disputes, mark_same_origin, origins
from checker.embed import CachedEncoder, Embedder
from checker.infer import NLIModel, Predictor, score_pairs
from checker.judge import judge
from checker.pair import cross_article_pairs, merge_pairs, pair_all, pair_claims, pair_on_topics
from checker.segment import segment
from checker.stories import Stories, find_stories
from checker.types import Article, CandidatePair, Claim, Finding, ScoredPair

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Score = Callable[[list[CandidatePair], Callable[[int], None]], list[ScoredPair]]  # (pairs, tick per row)


@dataclass
class Report:
    """Everything a renderer needs: inputs, findings and how they were produced."""

    articles: list[Article]
    claims: list[Claim]
    findings: list[Finding]
    stories: Stories = field(default_factory=lambda: Stories({}))
    disputes: list[Dispute] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # article id -> origin (wire copies share one)
    stats: dict[str, object] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    facts: Facts = field(default_factory=dict)  # what is known of each claim (checker.analyze)

    def __post_init__(self) -> None:
        missing = [a.id for a in self.articles if a.id not in self.stories.of]
        if missing:  # a report built without stories: its articles are one story
            self.stories = Stories({**self.stories.of, **{i: "story-1" for i in missing}})

    @property
    def contradictions(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == "contradiction"]


@dataclass
class Models:
    """The models, loaded once and shared by every run in a process. The entity tagger (``tag``)
    loads on its first call: a run whose pairs are all neutral never needs it."""

    embedder: CachedEncoder
    nli: Predictor
    tag: Tagger | None = None

    @classmethod
    def load(cls, settings: Settings, embedder: CachedEncoder | None = None) -> Models:
        """Load the models for ``settings``; an ``embedder`` already loaded for them is used as it is."""
        # Side by side: on the ONNX backend most of a model's loading (its session) runs outside the GIL.
        with ThreadPoolExecutor(1) as pool:
            loading = pool.submit(load_nli, settings.nli_model, settings.device, settings.nli_max_length,
                                  settings.nli_int8, settings.backend)
            embedder = embedder or load_embedder(settings.embed_model, settings.device, settings.embed_batch_size,
                                                 settings.backend)
            nli = loading.result()
        share_backbone(embedder, nli)
        tag = lazy_tagger(settings.ner_model, settings.device, settings.backend) if settings.ner_model else None
        return cls(embedder, nli, tag)


def share_backbone(embedder: CachedEncoder, nli: Predictor) -> bool:
    """Give the NLI model the embedder's tokenizer and word-embedding table when both hold the same.

    The shipped NLI model is e5-small fine-tuned with its word embeddings frozen (models/nli), so on
    the torch backend both models would load one 250k-piece tokenizer (about 290 MB in memory
    each) and read one 250,037 x 384 table from two files (memory-mapped and paged in as tokens are
    met; a 1,000-article corpus pages in most of both, 366 MiB each). Sharing both keeps ``verify``
    on that corpus under 2 GB (eval/bench/results.md). That they are the same is known from how
    the folders were built (``models.same_backbone``); comparing the tables would page in both.
    The ONNX backend shares the tokenizer by itself (``onnx_backend.shared_tokenizer``)."""
    if not (isinstance(embedder, Embedder) and isinstance(nli, NLIModel)
            and models.same_backbone(embedder.name, nli.name)):
        return False
    nli.tokenizer = embedder.model.tokenizer
    nli.model.set_input_embeddings(embedder.model[0].auto_model.get_input_embeddings())
    return True


def load_embedder(name: str, device: str | None, batch_size: int, backend: str = "torch",
                  threads: int | None = None) -> CachedEncoder:
    """The embedder on ``backend`` (torch or onnx); ``threads`` bounds onnxruntime's threads."""
    if backend == "onnx":
        from checker.onnx_backend import OnnxEmbedder

        return OnnxEmbedder(name, device, batch_size, threads)
    return Embedder(name, device, batch_size)


def load_nli(name: str, device: str | None, max_length: int, int8: bool, backend: str = "torch",
             threads: int | None = None) -> Predictor:
    """The NLI model on ``backend``; the onnx backend is always int8 (``int8`` is torch's option)."""
    if backend == "onnx":
        from checker.onnx_backend import OnnxNLIModel

        return OnnxNLIModel(name, device, max_length, threads)
    return NLIModel(name, device, max_length, int8)


def verify(articles: list[Article], settings: Settings, models: Models, progress: Progress | None = None,
           stories: Stories | None = None) -> Report:
    """Check a batch of articles against each other, claim pairs only within one story
    (``stories``: given by the user, else found by ``settings.stories``)."""

    def score(pairs: list[CandidatePair], tick: Callable[[int], None]) -> list[ScoredPair]:
        return score_pairs(pairs, models.nli, batch_size=settings.nli_batch_size, progress=tick)

    return run(articles, settings, models.embedder.encode, score, describe_settings(settings, models), progress,
               stories, models.tag)


def run(articles: list[Article], settings: Settings, embed: Callable[[list[str]], np.ndarray], score: Score,
        described: dict[str, object], progress: Progress | None = None, stories: Stories | None = None,
        tag: Tagger | None = None) -> Report:
    """The stages in order; ``embed`` and ``score`` are where engines differ (checker/engine)."""
    started = time.perf_counter()
    claims = in_chunks("segment", articles, lambda some: segment(some, settings), progress)
    by_id = {a.id: a for a in articles}
    facts = dict(in_chunks("analyze", claims, lambda some: analyze(some, by_id, tag=None).items(), progress, 4096))
    # entities later, for the claims of possible findings only
    texts = [c.text for c in claims]
    vectors = np.concatenate(in_chunks("embed", texts, lambda some: [embed(some)], progress, 4096)) if texts \
        else embed(texts)
    if progress:
        progress("stories", 0, 1)
    stories = stories or find_stories(articles, embed, settings, {c.article_id: c.lang for c in claims})
    if progress:
        progress("stories", 1, 1)
    pairs = candidate_pairs(claims, vectors, settings, stories=stories,
                            topics=lambda some: [topics(facts[c]) for c in some])
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("nli", done, 2 * len(pairs))

    scored = score(pairs, tick)
    origin = origins(articles, stories)
    findings = mark_same_origin(judge(scored, by_id, settings, facts, tag), origin)
    return Report(articles, claims, findings, stories, find_disputes(findings, articles, stories, origin), origin,
                  stats=run_stats(articles, claims, len(pairs), findings, started, stories), settings=described,
                  facts=facts)


def in_chunks(stage: str, items: list, work: Callable[[list], list], progress: Progress | None,
              size: int = 1000) -> list:
    """``work`` over ``items`` a chunk at a time, the results joined, with ``(stage, done, total)``
    after each chunk: a batch of 100,000 articles shows where it is."""
    out: list = []
    for start in range(0, len(items), size):
        out.extend(work(items[start : start + size]))
        if progress:
            progress(stage, min(start + size, len(items)), len(items))
    return out


def topics(facts: ClaimFacts) -> frozenset[str]:
    """What a claim counts, as pairing keys; the killed, the injured and casualties share one key."""
    group = {"killed": "casualties", "injured": "casualties"}
    keys = (q.key.split(":")[0] for q in facts.quantities if q.type == "count" and q.key)
    return frozenset(group.get(key, key) for key in keys)


def claim_topics(claims: list[Claim]) -> list[frozenset[str]]:
    """``topics`` of claims not analysed yet (the CI gate's stored claims)."""
    facts = analyze(claims, {}, tag=None)
    return [topics(facts[c]) for c in claims]


def candidate_pairs(claims: list[Claim], vectors: np.ndarray, settings: Settings, corpus: list[Claim] | None = None,
                    corpus_vectors: np.ndarray | None = None,
                    topics: Callable[[list[Claim]], list[frozenset[str]]] = claim_topics,
                    stories: Stories | None = None) -> list[CandidatePair]:
    """Pairs inside each story (docs/ARCHITECTURE.md): all cross-article pairs of a small story,
    else each claim's ``story_pair_top_k`` nearest claims of the story (no cosine floor: the story
    already says they are about one event), plus claims that count the same thing; of ``claims``
    among themselves or, given ``corpus``, against it (the CI gate's stored claims). Without
    stories (``--stories none``): top-k neighbours above ``pair_threshold`` across everything."""
    if corpus is None:
        corpus, corpus_vectors = claims, vectors
    story = stories.of if stories and settings.stories != "none" else None
    query_topics = topics(claims)
    corpus_topics = query_topics if corpus is claims else topics(corpus)
    return merge_pairs(
        pair_all(claims, vectors, corpus, corpus_vectors, story, settings.pair_all_max),
        pair_claims(claims, vectors, corpus, corpus_vectors, story=story,
                    top_k=settings.story_pair_top_k if story else settings.pair_top_k,
                    threshold=-1.0 if story else settings.pair_threshold),
        pair_on_topics(claims, vectors, query_topics, corpus, corpus_vectors, corpus_topics,
                       top_k=settings.pair_top_k, floor=settings.topic_pair_floor, story=story))


def run_stats(articles: list[Article], claims: list[Claim], n_pairs: int, findings: list[Finding],
              started: float, stories: Stories | None = None) -> dict[str, object]:
    verdicts = Counter(f.verdict for f in findings)
    return {
        "articles": len(articles), "stories": len(set(stories.of.values())) if stories else None,
        "claims": len(claims), "candidate_pairs": n_pairs,
        "nli_calls": 2 * n_pairs, "all_cross_article_pairs": cross_article_pairs(claims),
        "agreements": verdicts["agreement"], "contradictions": verdicts["contradiction"],
        "updates": verdicts["update"], "seconds": round(time.perf_counter() - started, 3),
    }


def describe_settings(settings: Settings, models: Models | None = None) -> dict[str, object]:
    """Settings for the report; model names from ``models`` when given (they may differ from settings)."""
    out = {k: v for k, v in asdict(settings).items() if not isinstance(v, tuple)}
    if models:
        out.update(embed_model=models.embedder.name, nli_model=models.nli.name)
    out.update(claimcheck=__version__)
    return out
