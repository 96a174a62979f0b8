"""What can be known about one claim, computed once: named entities, quantities, times, polarity, source.

Between ``segment`` and ``pair``: every later stage reads these facts instead of recomputing them per
pair. Entities come from the project's trained tagger (``models/ner``: PER, ORG, LOC, MISC, Dutch
and English), never from a list of names. The tagger reads *words* split as in its CoNLL training
data (``words``) and labels the first sub-word piece of each word with an IOB2 tag; entity offsets
point into the article's text, like the claims' own.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from checker import models
from checker.errors import ClaimcheckError, Errors
from checker.judge import quantities, temporal
from checker.judge.actors import NO_ROLES, Roles, roles
from checker.judge.wording import content_words, mood, negated, polarity, verdicts
from checker.types import Article, Claim

ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")
# CoNLL-style words, the split of the corpora the tagger was trained on: runs of letters/digits with
# inner hyphens and apostrophes; with inner dots the final dot belongs to the word; other marks are
# words of their own (a sentence's final period too), a run of one mark one word. Splitting "4,5",
# "T.", "'s" or "--" into pieces cost 0.5 F1 on CoNLL-2002 Dutch test (lines tagged alone: 0.8735 ->
# 0.8782 with this split, 0.8797 on the gold words; session 5, models/ner/MODEL_CARD.md).
_WORD = re.compile(r"""
    (?<!\w)[A-ZÀ-ÖØ-Þ]\.(?!\w)        # an initial: "T." Jansen
  | \d+(?:[.,:/]\d+)+                  # 4,5  2.700  21:15  22/11/96
  | \w+(?:[-'’&]\w+)*(?:\.\w+)+\.?     # U.S.  www.example.org
  | (?<!\w)['’]\w+(?:-\w+)*              # 's avonds, 's-Hertogenbosch, '98
  | \w+(?:[-'’&]\w+)*-?(?!\w)           # Zeeuws-Vlaanderen, LDP's, informatica- (en ...)
  | ([^\w\s])\1*                        # punctuation; a run of one mark is one word: -- ...
""", re.VERBOSE)


@dataclass(frozen=True)
class Entity:
    text: str
    type: str  # one of ENTITY_TYPES
    start: int  # offsets into the article's text
    end: int


@dataclass(frozen=True)
class ClaimFacts:
    """The facts of one claim (later stages find them by the claim itself: ``Facts``).

    ``tagged`` says whether the entity tagger has read the claim: entities, the actors' ``roles``
    and the ``who``/``scope`` of counts depend on it; the rest never does."""

    entities: tuple[Entity, ...] = ()
    quantities: tuple[quantities.Quantity, ...] = ()
    times: temporal.TimeInfo | None = None
    polarity: str = "positive"  # of the main statement ("negative": "De brug is niet ingestort")
    mood: str = "assertion"  # or "question", "hypothetical": only an assertion can be contradicted or supported
    counts_named: frozenset[str] = frozenset()  # counts named without a number ("het aantal gewonden")
    negated: tuple[str, ...] = ()  # content words under a main-clause negation
    content: tuple[str, ...] = ()  # content words, in order, lower case (how much two claims share)
    verdicts: tuple[str, ...] = ()  # phrases of opposite verdicts it holds ("stemde tegen")
    attribution: str | None = None
    roles: Roles = NO_ROLES
    tagged: bool = False


Facts = dict[Claim, ClaimFacts]
Tagger = Callable[[list[list[str]]], list[list[str]]]  # words per sentence -> IOB2 tags per word


def words(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text``, the split the tagger was trained on."""
    return [m.span() for m in _WORD.finditer(text)]


def entity_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """IOB2 tags to (first word, end word, type); a stray ``I-`` opens an entity."""
    found, start, kind = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == kind):
            found.append((start, i, kind))
            start = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, kind = i, tag[2:]
    return found


def lines(text: str, spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Word spans grouped by line: a line break inside a claim (a headline or byline the sentence
    splitter joined to the next sentence) ends the context the tagger reads."""
    groups: list[list[tuple[int, int]]] = []
    for i, span in enumerate(spans):
        if not groups or "\n" in text[spans[i - 1][1]:span[0]]:
            groups.append([])
        groups[-1].append(span)
    return groups


def entities(claims: Sequence[Claim], tag: Tagger) -> list[tuple[Entity, ...]]:
    """The entities of each claim, offsets into its article's text; each line is tagged on its own."""
    spans = [words(c.text) for c in claims]
    groups = [lines(c.text, ws) for c, ws in zip(claims, spans)]
    flat = tag([[c.text[s:e] for s, e in group] for c, claim_groups in zip(claims, groups) for group in claim_groups])
    tags, at = [], 0
    for claim_groups in groups:
        tags.append([t for group_tags in flat[at:at + len(claim_groups)] for t in group_tags])
        at += len(claim_groups)
    out = []
    for claim, ws, claim_tags in zip(claims, spans, tags):
        found = []
        for first, end, kind in entity_spans(claim_tags):
            start, stop = ws[first][0], ws[end - 1][1]
            found.append(Entity(claim.text[start:stop], kind, claim.start + start, claim.start + stop))
        out.append(tuple(found))
    return consistent_types(claims, out)


def consistent_types(claims: Sequence[Claim], found: list[tuple[Entity, ...]]) -> list[tuple[Entity, ...]]:
    """One name, one type within an article: a mention typed against the article's majority for the
    same text takes the majority type (a tie keeps each). Sentences tagged alone disagree most on
    short names (a place name typed LOC in two sentences and ORG in a third); on CoNLL-2002 Dutch
    this lifted F1 from 0.882 to 0.887 on dev (testa, where it was chosen) and from 0.878 to 0.883
    on test (testb), lines tagged alone with ``words`` (session 5, models/ner/MODEL_CARD.md)."""
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for claim, claim_entities in zip(claims, found):
        for entity in claim_entities:
            votes[claim.article_id, entity.text][entity.type] += 1
    out = []
    for claim, claim_entities in zip(claims, found):
        typed = []
        for entity in claim_entities:
            count = votes[claim.article_id, entity.text]
            top, n = count.most_common(1)[0]
            typed.append(dataclasses.replace(entity, type=top) if n > count[entity.type] else entity)
        out.append(tuple(typed))
    return out


def entity_key(text: str, kind: str) -> str:
    """What two mentions of one actor share: a person's surname ("Mark Rutte", "Rutte" -> rutte), else
    the lower-case name without article, possessive or Dutch adjective ending ("Duitse" -> duits)."""
    words = re.sub(r"['’]s?$", "", text.strip()).lower().split()
    while len(words) > 1 and words[0] in ("de", "het", "the"):
        words = words[1:]
    if kind == "PER":
        return words[-1] if words else ""
    key = " ".join(words)
    return key[:-1] if key.endswith("se") and len(key) > 4 else key


def analyze(claims: Sequence[Claim], articles: dict[str, Article], tag: Tagger | None) -> Facts:
    """The facts of every claim (``tag``: the entity tagger; None leaves entities, and what depends
    on them, empty: ``tagged`` is False)."""
    found = entities(claims, tag) if tag is not None else [()] * len(claims)
    facts = {}
    for claim, claim_entities in zip(claims, found):
        article = articles.get(claim.article_id)
        mentions = [(e.start - claim.start, e.end - claim.start, entity_key(e.text, e.type)) for e in claim_entities]
        places = [(s, e, f"loc:{key}") if kind == "LOC" else (s, e, key)
                  for (s, e, key), kind in zip(mentions, (x.type for x in claim_entities))]
        facts[claim] = ClaimFacts(
            entities=claim_entities,
            quantities=tuple(quantities.extract(claim.text, places, claim.lang)),
            times=temporal.time_info(claim.text, article.date if article else None),
            polarity=polarity(claim.text),
            mood=mood(claim.text),
            counts_named=quantities.counts_named(claim.text),
            negated=tuple(negated(claim.text)),
            content=tuple(content_words(claim.text)),
            verdicts=verdicts(claim.text),
            attribution=claim.attribution,
            roles=roles(claim.text, claim.lang, [(s, e, f"{entity.type}:{key}") for (s, e, key), entity
                                                 in zip(mentions, claim_entities)]) if tag is not None else NO_ROLES,
            tagged=tag is not None,
        )
    return facts


def fact_record(claim: Claim, facts: ClaimFacts) -> dict[str, object]:
    """A claim and its facts as ``claimcheck analyze`` prints them."""
    return {"article": claim.article_id, "index": claim.index, "start": claim.start, "end": claim.end,
            "text": claim.text, "lang": claim.lang, **facts_json(facts)}


def facts_json(facts: ClaimFacts) -> dict[str, object]:
    """The facts of one claim as JSON (``entities`` and ``actors`` are empty until the tagger read it)."""
    times = facts.times
    return {
        "entities": [{"text": e.text, "type": e.type, "start": e.start, "end": e.end} for e in facts.entities],
        "quantities": [{"text": q.text, "type": q.type, "low": _number(q.low), "high": _number(q.high),
                        "bound": q.bound, "counted": q.counted, "key": q.key, "unit": q.unit}
                       for q in facts.quantities],
        "times": None if times is None else {
            "days": sorted("-".join(f"{p:02d}" if p is not None else "?" for p in day) for day in times.days),
            "months": sorted(f"{y if y is not None else '?'}-{m:02d}" for y, m in times.months),
            "weekdays": sorted(times.weekdays), "clock": [f"{m // 60:02d}:{m % 60:02d}" for m in sorted(times.clock)],
            "zone": times.zone, "hedged": times.hedged, "revised": times.revised},
        "polarity": facts.polarity,
        "mood": facts.mood,
        "counts_named": sorted(facts.counts_named),
        "negated": list(facts.negated),
        "attribution": facts.attribution,
        "actors": {"subject": sorted(facts.roles.subject), "agent": sorted(facts.roles.agent),
                   "other": sorted(facts.roles.other)},
        "tagged": facts.tagged,
    }


def dump_facts(facts: ClaimFacts) -> str:
    """``facts`` as compact JSON that ``load_facts`` reads back unchanged (the store keeps it)."""
    def plain(value: object) -> object:
        if isinstance(value, (set, frozenset)):
            return sorted((plain(v) for v in value), key=repr)
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return None if value == float("inf") else value

    return json.dumps(plain(dataclasses.asdict(facts)), ensure_ascii=False, separators=(",", ":"))


def load_facts(text: str) -> ClaimFacts | None:
    """The ``ClaimFacts`` that ``dump_facts`` wrote; None for facts an older claimcheck wrote without
    a field this one reads (their claim's facts are computed again)."""
    raw = json.loads(text)
    if not {field.name for field in dataclasses.fields(ClaimFacts)} <= raw.keys():
        return None
    frozen = lambda items: frozenset(tuple(i) if isinstance(i, list) else i for i in items)  # noqa: E731
    quantity = lambda q: quantities.Quantity(**{**q, "high": float("inf") if q["high"] is None else q["high"],  # noqa: E731
                                                "who": frozenset(q["who"]), "scope": frozenset(q["scope"])})
    times = raw["times"] and temporal.TimeInfo(**{k: frozen(v) if isinstance(v, list) else v
                                                  for k, v in raw["times"].items()})
    return ClaimFacts(entities=tuple(Entity(**e) for e in raw["entities"]),
                      quantities=tuple(quantity(q) for q in raw["quantities"]), times=times or None,
                      polarity=raw["polarity"], mood=raw["mood"], counts_named=frozenset(raw["counts_named"]),
                      negated=tuple(raw["negated"]), content=tuple(raw["content"]),
                      verdicts=tuple(raw["verdicts"]), attribution=raw["attribution"],
                      roles=Roles(*(frozenset(raw["roles"][k]) for k in ("subject", "agent", "other"))),
                      tagged=raw["tagged"])


def _number(value: float) -> float | int | None:
    if value == float("inf"):
        return None
    return int(value) if float(value).is_integer() else value


def iob_decode(scores: np.ndarray, labels: Sequence[str]) -> list[str]:
    """The best valid IOB2 sequence for per-word label log-probabilities (``scores``: words x labels):
    Viterbi over the transitions IOB2 allows (``I-X`` only after ``B-X`` or ``I-X``), so a tagger
    never opens an entity with ``I-`` or switches type mid-entity."""
    n, k = scores.shape
    if n == 0:
        return []
    allowed = np.array([[not (to.startswith("I-") and frm[2:] != to[2:]) for to in labels] for frm in labels])
    start_ok = np.array([not label.startswith("I-") for label in labels])
    best = np.where(start_ok, scores[0], -np.inf)
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        candidates = np.where(allowed, best[:, None], -np.inf)  # from x to
        back[t] = candidates.argmax(0)
        best = candidates.max(0) + scores[t]
    path = [int(best.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return [labels[j] for j in reversed(path)]


def lazy_tagger(name: str, device: str | None = None, backend: str = "torch") -> Tagger:
    """A tagger that loads its model (``EntityTagger``) on the first call."""
    loaded: list[EntityTagger] = []

    def tag(sentences: list[list[str]]) -> list[list[str]]:
        if not loaded:
            loaded.append(EntityTagger(name, device, backend=backend))
        return loaded[0](sentences)

    return tag


class EntityTagger:
    """The token-classification model (the shipped ``claimcheck-ner``, a folder or a hub id), loaded once,
    on torch or on onnxruntime (the model exported to ONNX at first use, like the NLI model)."""

    def __init__(self, name: str = models.NER, device: str | None = None, batch_size: int = 64, max_length: int = 256,
                 backend: str = "torch"):
        self.name = name
        self.batch_size, self.max_length = batch_size, max_length
        if backend == "onnx":
            from checker.onnx_backend import FP32_FILE, OnnxRunner, onnx_folder

            # fp32: int8 cost 0.25 F1 on CoNLL-2002 Dutch test (0.8797 fp32 = torch, 0.8772 int8 on the
            # gold words, session 5); the tagger runs only on the claims of candidate findings.
            runner = OnnxRunner(onnx_folder(name, "ner", FP32_FILE), device=device, int8=False)
            id2label = runner.meta["id2label"]
            self.labels = [id2label[str(i)] for i in range(len(id2label))]
            self.encode, self.logits = runner.encode, runner.run
        else:
            self._load_torch(name, device)

    def _load_torch(self, name: str, device: str | None) -> None:
        from tokenizers import Tokenizer
        from transformers import AutoModelForTokenClassification
        from transformers.utils import logging as hf_logging

        from checker.embed import default_device

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        path = models.resolve(name)
        self.device = default_device(device)
        try:
            self.model = AutoModelForTokenClassification.from_pretrained(path).to(self.device).eval()
        except (OSError, ValueError) as exc:  # no such folder or hub id, not a token-classification model
            raise ClaimcheckError(Errors.E109.format(name=name, why=type(exc).__name__)) from exc
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        tokenizer = Tokenizer.from_file(f"{path}/tokenizer.json")
        tokenizer.no_truncation()
        self.encode = tokenizer.encode_batch
        self.pad = int(self.model.config.pad_token_id or 0)
        self.logits = self._torch_logits

    def _torch_logits(self, rows: list[np.ndarray]) -> np.ndarray:
        """Logits ``(batch, tokens, labels)`` for token-id rows, padded to the longest."""
        import torch

        ids = np.full((len(rows), max(r.shape[1] for r in rows)), self.pad, dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, : row.shape[1]], mask[i, : row.shape[1]] = row[0], 1
        with torch.inference_mode():
            logits = self.model(input_ids=torch.from_numpy(ids).to(self.device),
                                attention_mask=torch.from_numpy(mask).to(self.device)).logits
        return logits.float().cpu().numpy()

    def __call__(self, sentences: list[list[str]]) -> list[list[str]]:
        """IOB2 tags per word; a sentence longer than ``max_length`` pieces is tagged in windows."""
        windows, owners = [], []
        for i, ws in enumerate(sentences):
            for start, end in self._windows(ws):
                windows.append(ws[start:end])
                owners.append(i)
        tags = self._tag(windows)
        out: list[list[str]] = [[] for _ in sentences]
        for owner, window_tags in zip(owners, tags):
            out[owner].extend(window_tags)
        return out

    def _windows(self, words: list[str]) -> list[tuple[int, int]]:
        """Consecutive word ranges of at most ``max_length - 2`` pieces each (at least one word)."""
        if not words:
            return [(0, 0)]
        if sum(len(w) + 1 for w in words) <= self.max_length - 2:  # a piece has a character or is a word's start
            return [(0, len(words))]
        lengths = [len(e.ids) or 1 for e in self.encode(words, add_special_tokens=False)]
        ranges, start, used = [], 0, 0
        for i, n in enumerate(lengths):
            if used + n > self.max_length - 2 and i > start:
                ranges.append((start, i))
                start, used = i, 0
            used += n
        return ranges + [(start, len(words))]

    def _tag(self, sentences: list[list[str]]) -> list[list[str]]:
        out: list[list[str]] = [["O"] * len(ws) for ws in sentences]
        order = sorted((i for i, ws in enumerate(sentences) if ws), key=lambda i: len(sentences[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            encoded = self.encode([sentences[i] for i in batch], is_pretokenized=True)
            width = min(self.max_length, max(len(e.ids) for e in encoded))
            logits = self.logits([np.asarray([e.ids[:width], e.type_ids[:width]], dtype=np.int64) for e in encoded])
            shifted = logits - logits.max(-1, keepdims=True)
            scores = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
            for row, (i, e) in enumerate(zip(batch, encoded)):
                first: dict[int, int] = {}
                for position, word in enumerate(e.word_ids[:width]):
                    if word is not None:
                        first.setdefault(word, position)
                words_at = sorted(first)
                for word, label in zip(words_at, iob_decode(scores[row, [first[w] for w in words_at]], self.labels)):
                    out[i][word] = label
        return out
