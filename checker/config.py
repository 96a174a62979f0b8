"""Every default and threshold in one place, each next to the evidence that set it.

``Settings`` is frozen; ``Settings.with_overrides`` rejects unknown keys (as spaCy's schemas do
with ``extra="forbid"``), so a typo in a CLI option or config file is an error, not a silent
default. The measurements named here are reproducible with the commands in ``eval/README.md``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

from checker.errors import ClaimcheckError, Errors


@dataclass(frozen=True)
class Limits:
    max_input_bytes: int = 50 * 2**20  # one input file; larger corpora come as many files
    max_claim_chars: int = 1000  # a longer "sentence" is a segmentation failure, cut at a boundary
    # Text one verify/analyze/ci run takes (all its articles together), checked before any model
    # loads (E217): what a run costs grows with it (claims, vectors, pairs), and the largest run
    # measured is 8.3 million characters (the 100,000 tiny articles of eval/results/scale_100k.json:
    # 137,676 claims, 702 CPU-seconds with --backend onnx, peak 2.7 GB). One input file may hold 52
    # million (50 MiB): one such article is about 627,000 claims (25,094 in its first 2 MiB), and
    # on the shared 2-core machine (load 14) segmenting and analysing those 2 MiB took 65 s and the
    # embedding ran at 5.7 claims/s (python -m eval.input_limit, eval/results/scale_input_limit.json);
    # a 50 MiB JSONL of tiny articles holds 21 million. Both are refused before any model loads. A
    # larger corpus goes through a store in batches (`ingest`, then `ci`); $CLAIMCHECK_MAX_RUN_CHARS
    # raises the limit on a machine that can do more.
    max_run_chars: int = 10_000_000


LIMITS = Limits()
BACKENDS = ("torch", "onnx")
ENGINES = ("local", "ray")
# Allowed ranges of the settings a user may override (None: unbounded).
STORY_MODES = ("auto", "none")
_DEVICE = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")
RANGES = {"story_threshold": (-1.0, 1.0), "story_cross_language_bonus": (0.0, 1.0), "story_neighbours": (1, None), "story_window_hours": (0.0, None),
          "pair_top_k": (1, None), "pair_all_max": (0, None), "story_pair_top_k": (1, None), "pair_threshold": (-1.0, 1.0), "topic_pair_floor": (-1.0, 1.0),
          "embed_batch_size": (1, None), "nli_batch_size": (1, None)}


@dataclass(frozen=True)
class Settings:
    # --- segment -----------------------------------------------------------------------
    # Fewer than 4 words, or no verb-like ending, is a heading or a fragment, not a claim.
    min_claim_words: int = 4
    keep_fragments: bool = False  # `analyze --all-sentences`: headings and fragments too (their facts still count)
    languages: tuple[str, ...] = ("nl", "en")  # languages with sentence rules; others are an error

    # --- analyze ----------------------------------------------------------------------------
    ner_model: str = "claimcheck-ner"  # the shipped entity tagger (models/ner), a local folder or a hub id

    # --- embed ---------------------------------------------------------------------------
    embed_model: str = "e5-small"  # name in the model registry, a local folder or a hub id
    embed_batch_size: int = 64

    # --- stories (checker/stories.py) --------------------------------------------------------
    # "auto": group articles into stories and compare claims only within one; "none": one story.
    stories: str = "auto"
    # Average linkage over each article's title+lead vector, links only between articles published
    # at most story_window_hours apart. Chosen on the dev half of shared/data/news_clusters (1,551
    # real English articles, 526 events; python -m eval.stories_eval, eval/results/stories_eval.json;
    # each half grouped on its own): at a 48 h window 0.88 has the best dev B-cubed F1 (0.957; 0.87:
    # 0.949, 0.89: 0.951) and gives 0.967 on the test half, 0.930 on all 1,551 articles at once.
    # A 24 h window scores 0.5 points higher there, but AllSides dates are the roundup's, one per
    # event; outlets' own publication times of one event spread over a day or two. Centroid linkage
    # scored 2-3 points lower. A 7-day window costs 3 points: follow-up stories on consecutive days
    # (the same law, the same trial) are separate events. Undated, the best is 0.85-0.87 (at 0.91). On
    # the Dutch multi-domain set in tests/data/stories_nl.jsonl (10 stories, 2 outlets each) articles
    # of one story sit at cosine >= 0.92 and of different stories at <= 0.87 (tests/test_stories.py).
    story_threshold: float = 0.88
    story_neighbours: int = 10
    story_window_hours: float = 48.0
    # Added to the cosine of two articles in different languages (class Members in checker/stories.py):
    # e5 puts a translation ~0.03 below a paraphrase (docs/models.md); the English and Dutch reports of
    # one event in eval/articles sit 0.03-0.05 below the Dutch ones, and no English/Dutch pair of
    # different stories in tests/data reaches 0.83 (tests/test_stories.py).
    story_cross_language_bonus: float = 0.04
    # The CI gate also compares a new article with a story it nearly joined (average cosine this far
    # below story_threshold): a story split in two must not hide a dispute from the gate.
    story_margin: float = 0.02

    # --- pair ------------------------------------------------------------------------------
    # Tuned on shared/data/sts/stsb/{nl,en}_dev (python -m eval.pairing_sts; eval/results/pairing_sts.json):
    # cosine >= 0.85 keeps 99.5% (nl) / 99.7% (en) of pairs scored >= 3 ("roughly equivalent")
    # and drops 47% (nl) / 82% (en) of pairs scored < 1; 0.88 would lose 2.4% of related pairs.
    # Contradicting claims are often less similar than paraphrases, so we keep the recall side.
    # e5 cosines sit in a narrow high band: this number is for e5-small only.
    pair_threshold: float = 0.85
    # Claims that count the same thing are also paired down to this cosine (seeds: "geen
    # slachtoffers" vs "tientallen soldaten omgekomen" is 0.81; unrelated seed sentences 0.75-0.80).
    topic_pair_floor: float = 0.75
    # Neighbours per claim in other articles. On the 1,000-article benchmark corpus (python -m eval.bench,
    # eval/bench/results.md) 5 keeps 76% of the planted pairs' findings at 0.08% of all pairs; 28 keeps
    # 90% (0.6%) and 66 keeps 95% (1.4%), at 6x and 16x the NLI time (docs/scale.md).
    pair_top_k: int = 5
    # Inside a story (the default): a story whose claims make at most pair_all_max cross-article pairs
    # is compared in full; a larger one by each claim's story_pair_top_k nearest claims in the story's
    # other articles, with no cosine floor (the story already says they report one event; a real
    # dispute at cosine 0.844 was lost to the old 0.85 floor). On the bench corpus (eval/bench, its
    # 250 events given as stories) this finds 99.0% of the planted pairs' findings (565 of 571) with
    # 35,064 NLI calls, against 76.4% with 46,860 calls for the story-blind pairing above
    # (python -m eval.bench --only planted, eval/bench/results.md). Pairs made, not yet scored: 2
    # neighbours pair 96.8% of the planted pairs at 25,086 calls, 3: 97.8%, 5: 98.7% at 53,936.
    pair_all_max: int = 200
    story_pair_top_k: int = 3

    # --- infer -----------------------------------------------------------------------------
    nli_model: str = "claimcheck-nli"  # the shipped model, a local folder or a hub id
    nli_batch_size: int = 32
    nli_max_length: int = 256
    # torch dynamic int8 linear layers on CPU: 15.0 vs 13.1 pairs/s but SICK-NL dev 74.75% vs 83.94%
    # (eval/bench/results.md). Off by default; the fast CPU path is backend="onnx" (int8, 83.64%).
    nli_int8: bool = False

    # --- judge -----------------------------------------------------------------------------
    # Set on the written test set eval/judge_cases.jsonl and SICK-NL dev (eval/results/):
    # a contradiction must be clear in at least one direction, an agreement in both.
    # Kept after the sweep in eval/results/judge_eval.md: agreement >= 0.5 would raise agreement recall
    # there (0.76 -> 0.87) but costs precision on SICK-NL dev (entailment P 0.84 -> 0.80).
    contradiction_threshold: float = 0.70
    # An agreement by the model, in one language, also needs cosine >= agreement_similarity
    # (judge._by_nli). On real news (eval/results/real_news_eval.json, BASIL, 12 events, 2,262 pairs)
    # the model entailed 1,474 pairs, mostly sentences that only share a topic (3 of a random 14 read
    # by hand said the same thing). Tied first by their words (half the content words shared) or
    # cosine >= 0.90, 249 remained: 16 of a fixed sample of 30 said the same fact, 3 in part, and all
    # 7 below cosine 0.89 were wrong (of 15 more below 0.89, 2 right): shared words tie short claims
    # that mean different things. By cosine >= 0.89 alone, 285 remain: 18 of the new fixed sample of
    # 30 say the same fact, 2 in part (252 once questions and suppositions support nothing, judge
    # assertion.v1, and claims with clashing times agree on nothing). In Dutch the floor keeps 99.2% of
    # the STS-B nl dev pairs scored >= 4 of 5 (mostly equivalent) and 94.0% of those scored 3-4 (English:
    # 98.9%, 91.2%; the default ONNX embedder). Every agreement on the written cases
    # (eval/results/judge_eval.json) is at cosine >= 0.895, and none changes.
    agreement_similarity: float = 0.89
    agreement_threshold: float = 0.60
    # Below that, a close paraphrase still agrees: cosine >= 0.90 keeps 91% of STS-B nl pairs scored
    # >= 3 and drops 95% of those < 1 (eval/results/pairing_sts.json); on the seeds the two attack
    # reports (cosine 0.91) agree while same-story sentences at 0.85-0.87 with entailment 0.55-0.67
    # (soldiers stationed / Western condemnation) do not reach it. The attack reports' entailment is
    # 0.462 on torch and 0.469 on the default int8 ONNX model (0.448 before its inputs were quantised
    # per token, 0.431 when int8 still ran in batches, quantised over the batch), so 0.45 became
    # 0.42, the middle of the plateau 0.40-0.43 on eval/judge_cases.jsonl with ONNX: all-case
    # accuracy 0.857 there (agreement P 1.00, R 0.87)
    # against 0.843 at 0.45 (R 0.82); on torch the plateau is 0.40-0.44 (0.857, agreement P 0.97);
    # held-out cases 0.824 throughout.
    paraphrase_entailment: float = 0.42
    paraphrase_similarity: float = 0.90
    # How closely two claims of one story are tied (judge.link), by the share of content words they
    # share. One statement told twice (>= same_statement_overlap) is what explicit times, money,
    # percentages and measures are compared in: eval/results/judge_eval.md's true time clashes
    # t05/t06/t18/a14 share >= 0.8, while on real news (eval/results/real_news_eval.json, BASIL, 12
    # events) all 9 time clashes and 4 sum/percentage clashes reported at 0.5 were different
    # statements sharing 0.50-0.67 (a resignation date and a photo caption's month; $5 billion
    # demanded vs $5.7 billion insisted on). One event (>= same_event_overlap) is what counts of
    # things ("pages", "kinderen") and a negated assertion need; counts of what happened to people
    # compare anywhere in a story. Across languages the model links the claims: it entails either
    # way (agreement_threshold) or sees at least time_clash_threshold conflict.
    same_statement_overlap: float = 0.8
    same_event_overlap: float = 0.5
    time_clash_threshold: float = 0.35
    # Clock times closer than this are the same moment told roughly ("rond 01.30 uur" / "1:45 a.m.").
    time_tolerance_minutes: int = 30
    # One claim negating what the other asserts ("zijn niet gewaarschuwd") contradicts when the model
    # sees at least this conflict: c11 "voted for/against" scores 0.36 (eval/results/judge_eval.json),
    # the seed warning pair 0.49 (tests/test_judge_articles.py).
    negation_threshold: float = 0.35

    device: str | None = None  # None: CUDA when present, else CPU

    # --- engine (docs/scale.md; speed and memory measured in eval/bench/results.md) ----------
    # "onnx" (the default) runs both models exported to ONNX and int8-quantised (checker/onnx_backend.py,
    # exported at the first model build): on 2 CPU cores `claimcheck nli` over SICK-NL dev is 3.33x
    # a plain transformers loop, loading included, at 83.64 vs 83.94 accuracy (python -m
    # eval.nli_speed, eval/results/nli_speed.json),
    # and a warm `verify` of two articles loads no torch (eval/bench_warm.py). "torch" runs the
    # Hugging Face models (training, --nli-model folders that do not export, GPUs).
    backend: str = "onnx"
    engine: str = "local"  # "local": this process; "ray": Ray Data actor pools (checker/engine/ray_engine.py)
    ray_address: str | None = None  # None: start a local Ray instance; "auto" or "ray://head:10001": a cluster
    ray_actors: int | None = None  # actors per model; None: one per ray_actor_cpus CPUs of the Ray cluster
    ray_actor_cpus: float = 1.0  # CPUs reserved per actor (and its torch/onnxruntime threads)

    def with_overrides(self, **overrides: object) -> Settings:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ClaimcheckError(Errors.E303.format(option=", ".join(unknown), why="unknown setting"))
        settings = replace(self, **{k: v for k, v in overrides.items() if v is not None})
        for name, value, choices in (("backend", settings.backend, BACKENDS), ("engine", settings.engine, ENGINES),
                                     ("stories", settings.stories, STORY_MODES)):
            if value not in choices:
                raise ClaimcheckError(Errors.E303.format(option=name, why=f"{value!r} is not one of {', '.join(choices)}"))
        check_device(settings.device)
        for name, (low, high) in RANGES.items():
            value = getattr(settings, name)
            if isinstance(value, bool) or not math.isfinite(value):
                raise ClaimcheckError(Errors.E303.format(option=name, why=f"{value} is not a finite number"))
            if value < low or (high is not None and value > high):
                bounds = f"at least {low}" if high is None else f"between {low} and {high}"
                raise ClaimcheckError(Errors.E303.format(option=name, why=f"{value} is not {bounds}"))
        return settings


def check_device(device: str | None) -> None:
    """E303 for a device torch does not know, or one this machine does not have (checked before any work)."""
    if device is None:
        return
    if not _DEVICE.match(device):
        raise ClaimcheckError(Errors.E303.format(option="--device", why=f"{device!r} is not cpu, cuda, cuda:N or mps"))
    if device == "cpu":
        return
    import torch

    index = int(device.partition(":")[2] or 0)
    present = torch.backends.mps.is_available() if device == "mps" else \
        torch.cuda.is_available() and index < torch.cuda.device_count()
    if not present:
        raise ClaimcheckError(Errors.E303.format(option="--device", why=f"this machine has no {device} device (use cpu)"))


def max_run_chars() -> int:
    """``LIMITS.max_run_chars``, or $CLAIMCHECK_MAX_RUN_CHARS (a positive integer) when set.

    Raises:
        ClaimcheckError: E303 when the variable is not a positive integer.
    """
    value = os.environ.get("CLAIMCHECK_MAX_RUN_CHARS")
    if not value:
        return LIMITS.max_run_chars
    if not value.strip().isdigit() or int(value) < 1:
        why = f"{value!r} is not a positive integer"
        raise ClaimcheckError(Errors.E303.format(option="CLAIMCHECK_MAX_RUN_CHARS", why=why))
    return int(value)


def cache_dir() -> Path:
    """Where rebuilt models live: $CLAIMCHECK_CACHE, else $XDG_CACHE_HOME/claimcheck, else ~/.cache.

    Raises:
        ClaimcheckError: E108 when that path is a file, or a path through a file.
    """
    if os.environ.get("CLAIMCHECK_CACHE"):
        path = Path(os.environ["CLAIMCHECK_CACHE"])
    else:
        path = Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "claimcheck"
    blocking = next((p for p in (path, *path.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ClaimcheckError(Errors.E108.format(path=path, why=f"{blocking} is a file"))
    return path
