"""The ray engine: embedding and NLI as Ray Data ``map_batches`` over actor pools holding the models.

Segmenting, pairing, judging and reporting stay on the driver and are the local engine's code
(``checker.pipeline.run``). Each actor loads its model once in ``__init__`` (model name, device,
batch size and backend come from ``Settings`` through ``fn_constructor_kwargs``) and scores
batches of rows in ``__call__``. Rows carry an id (``text_id``, ``row_id``) and results are joined
by id, never by position, since Ray returns batches in any order. Each Ray row is one model
batch, formed on the driver exactly as the local engine forms its batches, so results are the
local engine's even for int8 models (whose activations are quantised per batch). Texts are
embedded once each, whatever the number of claims that share them.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import numpy as np
import ray
import ray.util.client

from checker.analyze import lazy_tagger
from checker.config import Settings
from checker.embed import text_prefix
from checker.errors import ClaimcheckError, Errors
from checker.infer import both_directions, char_length, scored_pairs, sorted_batches
from checker.pipeline import Progress, Report, describe_settings, load_embedder, load_nli, run
from checker.stories import Stories
from checker.types import Article, CandidatePair, ScoredPair

# Texts per Ray batch (a few MB of news sentences); each Ray row is one model batch.
RAY_BATCH_TEXTS = 1024
CONNECT_TIMEOUT = 5.0  # seconds to open a TCP connection to a cluster address before giving up


class EmbedActor:
    """Holds the embedder; maps rows ``{ids, texts}`` (one model batch each) to ``{text_id, vector}``."""

    def __init__(self, name: str, device: str | None, batch_size: int, backend: str, threads: int):
        self.model = load_embedder(name, device, batch_size, backend, threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = [self.model.encode([str(t) for t in texts]) for texts in batch["texts"]]
        return {"text_id": np.concatenate(batch["ids"]), "vector": np.concatenate(vectors)}


class NLIActor:
    """Holds the NLI model; maps rows ``{ids, premises, hypotheses}`` to ``{row_id, probs}``."""

    def __init__(self, name: str, device: str | None, max_length: int, int8: bool, backend: str, threads: int):
        self.model = load_nli(name, device, max_length, int8, backend, threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        probs = [self.model.predict([(str(p), str(h)) for p, h in zip(premises, hypotheses)], batch_size=len(premises))
                 for premises, hypotheses in zip(batch["premises"], batch["hypotheses"])]
        return {"row_id": np.concatenate(batch["ids"]), "probs": np.concatenate(probs)}


def connect(settings: Settings) -> None:
    """Join the running Ray instance, or ``settings.ray_address``, or start a local one."""
    logging.getLogger("ray").setLevel(logging.WARNING)
    address = settings.ray_address
    if address and address not in ("auto", "local"):
        check_reachable(address)
    if not ray.is_initialized():
        local = {} if address else {"include_dashboard": False}
        try:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False, **local)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClaimcheckError(Errors.E503.format(address=address or "a new local instance",
                                                     why=str(exc).strip().splitlines()[0])) from exc
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail fast on a cluster address nothing listens on: ``ray.init`` would retry for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except ValueError as exc:
        raise ClaimcheckError(Errors.E503.format(address=address, why="expected HOST:PORT or ray://HOST:PORT")) from exc
    except OSError as exc:
        raise ClaimcheckError(Errors.E503.format(address=address, why=exc.strerror or type(exc).__name__)) from exc


def model_batches(items: list, batch_size: int, **columns: list) -> list[dict]:
    """One row per model batch, formed as the local engine forms them (``infer.sorted_batches`` by
    character count), so int8 results match the local engine's; ``ids`` index ``items``."""
    return [{"ids": np.asarray(idx, dtype=np.int64), **{name: [values[i] for i in idx] for name, values in columns.items()}}
            for idx in sorted_batches([char_length(item) for item in items], batch_size)]


def _map(rows: list[dict], actor: type, settings: Settings, batch_size: int, kwargs: dict) -> ray.data.Dataset:
    """``rows`` in blocks of about ``RAY_BATCH_TEXTS`` texts, through a pool of at most one actor per block."""
    per_block = max(1, RAY_BATCH_TEXTS // batch_size)
    blocks = -(-len(rows) // per_block)
    actors = settings.ray_actors or max(1, int(ray.cluster_resources().get("CPU", 1) // settings.ray_actor_cpus))
    return ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
        actor, batch_size=per_block, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=min(actors, blocks)), num_cpus=settings.ray_actor_cpus,
        fn_constructor_kwargs=dict(kwargs, threads=max(1, int(settings.ray_actor_cpus))))


def _collect(ds: ray.data.Dataset, id_column: str, value_column: str, n: int,
             tick: Callable[[int], None] | None = None) -> np.ndarray:
    """Values of ``ds`` by id (``n`` > 0 rows): row ``i`` of the result is the value of id ``i``."""
    parts = []
    for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
        parts.append((batch[id_column].astype(np.int64), batch[value_column]))
        if tick:
            tick(len(parts[-1][0]))
    ids = np.concatenate([i for i, _ in parts])
    if len(ids) != n or len(np.unique(ids)) != n:
        raise RuntimeError(f"ray returned {len(ids)} rows for {n} ids")
    out = np.zeros((n, *parts[0][1].shape[1:]), dtype=np.float32)
    for batch_ids, values in parts:
        out[batch_ids] = values
    return out


def pool_values(rows: list[dict], actor: type, settings: Settings, batch_size: int, kwargs: dict, id_column: str,
                value_column: str, n: int, tick: Callable[[int], None] | None = None) -> np.ndarray:
    """``rows`` through an actor pool, values gathered by id. Through Ray Client (a ``ray://``
    address) this runs inside the cluster as one task, because Ray Data's executor needs a worker
    process of the cluster (ray 2.60); progress then comes at the end."""
    if not ray.util.client.ray.is_connected():
        return _collect(_map(rows, actor, settings, batch_size, kwargs), id_column, value_column, n, tick)
    task = ray.remote(num_cpus=0)(pool_values)
    values = ray.get(task.remote(rows, actor, settings, batch_size, kwargs, id_column, value_column, n))
    if tick:
        tick(n)
    return values


def embed(texts: list[str], settings: Settings) -> np.ndarray:
    """Vectors of ``texts`` in input order, each distinct text embedded once on the actor pool."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    distinct = sorted(set(texts))  # as Embedder.encode orders what it has not cached
    prefixed = [text_prefix(settings.embed_model) + t for t in distinct]
    rows = model_batches(prefixed, settings.embed_batch_size, texts=distinct)
    vectors = pool_values(rows, EmbedActor, settings, settings.embed_batch_size,
                          {"name": settings.embed_model, "device": settings.device, "batch_size": settings.embed_batch_size,
                           "backend": settings.backend}, "text_id", "vector", len(distinct))
    index = {t: i for i, t in enumerate(distinct)}
    return vectors[[index[t] for t in texts]]


def score(pairs: list[CandidatePair], settings: Settings, tick: Callable[[int], None] | None = None) -> list[ScoredPair]:
    """NLI both ways on the actor pool; the same ``ScoredPair`` list as ``infer.score_pairs``."""
    texts = both_directions(pairs)
    if not texts:
        return []
    rows = model_batches(texts, settings.nli_batch_size, premises=[p for p, _ in texts], hypotheses=[h for _, h in texts])
    probs = pool_values(rows, NLIActor, settings, settings.nli_batch_size,
                        {"name": settings.nli_model, "device": settings.device, "max_length": settings.nli_max_length,
                         "int8": settings.nli_int8, "backend": settings.backend}, "row_id", "probs", len(texts), tick)
    return scored_pairs(pairs, probs)


def verify(articles: list[Article], settings: Settings, progress: Progress | None = None,
           stories: Stories | None = None) -> Report:
    """``pipeline.verify`` with the embed and NLI stages on Ray; judge and report on the driver."""
    connect(settings)
    return run(articles, settings, lambda texts: embed(texts, settings),
               lambda pairs, tick: score(pairs, settings, tick), describe_settings(settings), progress, stories,
               lazy_tagger(settings.ner_model, settings.device) if settings.ner_model else None)
