"""Engines run the pipeline: ``local`` in this process, ``ray`` with the two model stages on Ray Data.

Both call ``checker.pipeline.run`` with the same segment, pair and judge code; they differ only
in where ``embed`` and the NLI ``score`` run (docs/scale.md).
"""

from __future__ import annotations

from checker.config import Settings
from checker.errors import ClaimcheckError, Errors
from checker.pipeline import Models, Progress, Report
from checker.pipeline import verify as verify_local
from checker.stories import Stories
from checker.types import Article


def verify(articles: list[Article], settings: Settings, models: Models | None = None,
           progress: Progress | None = None, stories: Stories | None = None) -> Report:
    """``verify`` on ``settings.engine``; the local engine loads ``models`` when not given."""
    if settings.engine == "ray":
        try:
            from checker.engine import ray_engine
        except ImportError as exc:
            raise ClaimcheckError(Errors.E501) from exc

        return ray_engine.verify(articles, settings, progress, stories)
    return verify_local(articles, settings, models or Models.load(settings), progress, stories)
