"""The Python API: a ``Checker`` loads the models once and runs every job on them.

    from checker import Checker, exit_code

    checker = Checker.load()                                  # the default models, loaded now
    report = checker.verify([{"id": "a", "text": "...", "source": "NOS"}, {"id": "b", "text": "..."}])
    print(checker.render(report, "markdown"), exit_code(report))
    checker.ingest(articles, "corpus.db")                     # add articles to a store
    result = checker.check(new_articles, "corpus.db")         # the CI gate: result.passed

Articles are ``checker.types.Article`` objects or dicts with the fields of a ``.jsonl`` line (``id``,
``text``; ``title``, ``date``, ``source``, ``url``, ``lang``), checked as the CLI checks them
(E205, E206, E211). Every job raises ``ClaimcheckError`` (with its ``code``) on bad input and never
prints. The ``claimcheck`` commands (checker/cli.py, checker/cli_store.py) and ``claimcheck serve``
(checker/serve.py) are thin shells over this object.

A ``Checker`` runs one job at a time (a lock): it is safe to share between threads, and writes to
a store from one process never race (SQLite and the store's own locks serialise processes).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from checker import engine, gate
from checker.analyze import Tagger, analyze, fact_record, lazy_tagger
from checker.config import Settings
from checker.embed import CachedEncoder
from checker.errors import ClaimcheckError, Errors, ExitCode
from checker.ingest import article_from_record, check_run_size, check_unique
from checker.pipeline import Models, Progress, Report, load_embedder
from checker.report.records import counted
from checker.segment import segment, unverified
from checker.store import Store, check_writable
from checker.stories import Stories
from checker.types import Article, Claim

logger = logging.getLogger("checker")
ArticleLike = Article | Mapping[str, object]
WARM_UP = [Article("warm-up-1", "De trein naar Zwolle vertrok gisteren met tien minuten vertraging."),
           Article("warm-up-2", "The train to Leeds left twenty minutes late yesterday morning.")]


class Checker:
    """The models for one ``Settings``, loaded once, and one call per job.

    ``Checker.load(...)`` loads the embedder, the NLI model and the entity tagger at once and runs
    each once (a server does this at start-up); ``Checker(settings)`` loads each model on first use,
    and only the models a job needs (``ingest`` needs only the embedder). ``models`` takes models
    already loaded (tests)."""

    def __init__(self, settings: Settings | None = None, models: Models | None = None):
        self.settings = settings or Settings()
        self._models = models
        self._embedder: CachedEncoder | None = None
        self._tagger: Tagger | None = None
        self._lock = threading.RLock()

    @classmethod
    def load(cls, settings: Settings | None = None, **overrides: object) -> Checker:
        """A checker with its models loaded now: ``Checker.load(backend="onnx")``, or given ``Settings``
        (``overrides`` are ``Settings`` fields; an unknown one or a bad value is E303)."""
        checker = cls((settings or Settings()).with_overrides(**overrides))
        # Every stage once: first-call set-up (sentence rules, language profiles, the entity tagger)
        # belongs to loading, not to the first job.
        if checker.settings.engine != "ray":  # the Ray engine loads its models in its actors, per job
            checker.render(checker.verify(WARM_UP), "json")
            if checker.models.tag is not None:
                checker.models.tag([["warm-up"]])
        return checker

    @property
    def models(self) -> Models:
        """The embedder, the NLI model and the entity tagger (loaded on its first call)."""
        with self._lock:
            if self._models is None:
                self._models = Models.load(self.settings, embedder=self._embedder)
            return self._models

    @property
    def embedder(self) -> CachedEncoder:
        """The embedder: the loaded models' one, else loaded on its own."""
        with self._lock:
            if self._models is not None:
                return self._models.embedder
            if self._embedder is None:
                s = self.settings
                self._embedder = load_embedder(s.embed_model, s.device, s.embed_batch_size, s.backend)
            return self._embedder

    @property
    def tagger(self) -> Tagger:
        """The entity tagger (``analyze``): the loaded models' one, else one of its own, loaded on its first call."""
        with self._lock:
            if self._models is not None and self._models.tag is not None:
                return self._models.tag
            if self._tagger is None:
                self._tagger = lazy_tagger(self.settings.ner_model, self.settings.device, self.settings.backend)
            return self._tagger

    # --- jobs ----------------------------------------------------------------------------------

    def verify(self, articles: Iterable[ArticleLike], *, stories: Stories | None = None,
               progress: Progress | None = None) -> Report:
        """Check a batch of articles against each other (``claimcheck verify``); the report's
        ``stats["unverified"]`` names the articles nothing could be checked in."""
        batch = as_articles(articles)
        check_run_size(batch)
        with self._lock:
            models = None if self.settings.engine == "ray" else self.models
            report = engine.verify(batch, self.settings, models, progress=progress, stories=stories)
        report.stats["unverified"] = unverified_articles(batch, report.claims, self.settings)
        return report

    def check(self, articles: Iterable[ArticleLike], store: str | Path, *,
              baseline: str | Path | Mapping[str, dict] | None = None, ingest: bool = False,
              progress: Progress | None = None) -> gate.GateResult:
        """The CI gate (``claimcheck ci``): check new articles against ``store`` and each other.

        ``baseline``: accepted findings (a baseline file or its loaded entries). ``ingest``: store
        the new articles and the findings when the check passes (``result.ingested``); a failing
        check writes nothing. Inputs and the store are checked before any model loads.
        """
        batch = as_articles(articles)
        check_run_size(batch)
        db = Path(store)
        accepted = gate.load_baseline(str(baseline)) if isinstance(baseline, (str, Path)) else dict(baseline or {})
        if ingest:
            check_writable(db)
        with self._lock:
            with Store.open(db) as opened:
                opened.check_embedder(gate.embedder_id(self.settings.embed_model))
                claims = segment(batch, self.settings)
                result = gate.check(opened, batch, claims, self.settings, self.models, accepted, progress=progress)
            result.report.stats["unverified"] = unverified_articles(batch, claims, self.settings)
            if ingest and result.passed:
                result.ingested = dict(gate.record(db, result, self.settings))
        return result

    def ingest(self, articles: Iterable[ArticleLike], store: str | Path, *, batch_size: int = 64,
               progress: Progress | None = None) -> dict[str, int]:
        """Add articles to ``store`` (created when missing): new ids are added, an id whose content
        changed is replaced, the rest skipped (``claimcheck ingest``). Returns the counts it prints."""
        batch = as_articles(articles)
        db = Path(store)
        check_writable(db)
        with self._lock:
            planned, unchanged = gate.plan_ingest(db, batch, self.settings)
            counts = gate.ingest(db, planned, lambda: self.embedder, self.settings, batch_size=batch_size,
                                 progress=progress)
        found = unverified_articles([a for a, _ in planned], [c for _, claims in planned for c in claims],
                                    self.settings)
        return {"added": counts["added"], "replaced": counts["replaced"],
                "unchanged": unchanged + counts["unchanged"], "claims": counts["claims"],
                "stories_opened": counts["stories"], "stories_merged": counts["merged"], "unverified": len(found)}

    def analyze(self, articles: Iterable[ArticleLike]) -> list[dict[str, object]]:
        """What the checker knows of each claim (``claimcheck analyze``): one record per claim."""
        batch = as_articles(articles)
        check_run_size(batch)
        with self._lock:
            claims = segment(batch, self.settings)
            facts = analyze(claims, {a.id: a for a in batch}, self.tagger)
        return [fact_record(c, facts[c]) for c in claims]

    @staticmethod
    def stats(store: str | Path) -> dict[str, object]:
        """Counts of a store's articles, claims, stories and findings (``claimcheck stats``); reads only."""
        with Store.open(store) as opened:
            meta = opened.meta()
            return dict(opened.counts(), embedder=meta.get("embedder"), dim=opened.dim(),
                        index_in_sync=opened.index_in_sync())

    @staticmethod
    def render(result: Report | gate.GateResult, fmt: str = "json") -> str:
        """A report as the CLI prints it: ``verify``'s formats, or ``ci``'s (json, markdown, github)."""
        from checker.report import RENDERERS

        return gate.render(result, fmt) if isinstance(result, gate.GateResult) else RENDERERS[fmt](result)


def exit_code(result: Report | gate.GateResult) -> ExitCode:
    """The exit code the CLI gives: 1 for a contradiction (for ``ci``: one outside the baseline) or
    an unverified article, else 0."""
    report = result.report if isinstance(result, gate.GateResult) else result
    return ExitCode.FINDINGS if report.contradictions or report.stats.get("unverified") else ExitCode.CLEAN


def as_articles(items: Iterable[ArticleLike], where: str = "articles") -> list[Article]:
    """Articles as given, or made from dicts with the fields of a ``.jsonl`` line (the ``n``-th
    named ``where:n`` in errors); E211 when an id comes twice."""
    out = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, Article):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(article_from_record(dict(item), where, number))
        else:
            raise ClaimcheckError(Errors.E205.format(path=where, line=number, why="not a JSON object"))
    return check_unique(out)


def unverified_articles(articles: list[Article], claims: list[Claim], settings: Settings) -> dict[str, str]:
    """The articles nothing could be checked in (id -> why), told on stderr too: they fail the check."""
    found = unverified(articles, claims, settings)
    if found:
        shown = ", ".join(f"'{i}' ({why})" for i, why in list(found.items())[:3])
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        logger.warning("%s could not be checked (unverified): %s%s", counted(len(found), "article"), shown, more)
    return found
