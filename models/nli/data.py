"""Build the NLI training mix and evaluation sets from ``shared/data`` (path given, never copied).

Rows are ``(premise, hypothesis, label, source)`` with label one of ``entailment``, ``neutral``,
``contradiction`` or ``not_entailment`` (2-way sets: neutral OR contradiction, never mapped to
neutral; the trainer uses it through ``P(not entailment) = P(neutral) + P(contradiction)``).

Recipe kinds: ``3way``, ``2way``, ``weaken_is_not_entailment`` (ClaimDiff), ``crosslingual`` (SICK-NL x SICK),
``number_swap`` (v1's Dutch count swaps), and for v2 ``cues`` (cue-breaking pairs from the train half of the
news sentences, ``models/nli/cues.py``) and ``premise_cues`` (the same constructions on the premises of
an NLI set, one language, never a premise of the XNLI held-out slice).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

Row = tuple[str, str, str, str]

_NUMBER_WORDS = ["twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "twaalf",
                 "twintig", "dertig", "veertig", "vijftig", "honderd", "duizend"]
_NUMBER = re.compile(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _xnli_index(rows: list[dict]) -> list[int]:
    """XNLI is parallel: row i of every language is the same example. Index rows within language."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        out.append(seen.get(row["lang"], 0))
        seen[row["lang"]] = out[-1] + 1
    return out


def _swap_number(text: str, rng: random.Random) -> str | None:
    match = _NUMBER.search(text)
    if not match:
        return None
    word = match.group(0)
    if word.isdigit():
        value = int(word)
        new = str(value + rng.choice([2, 3, 5, 10, 25]) if value < 5 else value * rng.choice([2, 3]) + 1)
    else:
        new = rng.choice([w for w in _NUMBER_WORDS if w != word.lower()])
        if word[0].isupper():
            new = new.capitalize()
    return text[: match.start()] + new + text[match.end() :]


def number_swap_rows(texts: list[str], rng: random.Random, source: str) -> list[Row]:
    """Dutch number sensitivity: a sentence entails itself and contradicts a changed count;
    a sentence from elsewhere in the corpus is neutral."""
    rows: list[Row] = []
    for text in texts:
        swapped = _swap_number(text, rng)
        if swapped is None or swapped == text:
            continue
        rows.append((text, swapped, "contradiction", source))
        rows.append((swapped, text, "contradiction", source))
        rows.append((text, text, "entailment", source))
        rows.append((text, rng.choice(texts), "neutral", source))
    return rows


def _cue_rows(name: str, spec: dict, root: Path, rng: random.Random) -> list[Row]:
    """Generated cue-breaking pairs (``models/nli/cues.py``) from the train half of the news sentences;
    source = ``<name>:<construction>``."""
    from models.nli import cues

    pairs = cues.training_pairs(root, rng.randrange(2**31), spec.get("langs", ["nl", "en"]),
                                cap=spec.get("cap", 4000), unrelated=spec.get("unrelated", 4000),
                                similar=spec.get("similar", 1500))
    return [(p["premise"], p["hypothesis"], p["label"], f"{name}:{p['probe']}") for p in pairs]


def _premise_cue_rows(name: str, raw: list[dict], spec: dict, rng: random.Random, exclude: set[str]) -> list[Row]:
    """Number/month swaps, negation flips, bounds and antonyms on the premises of an NLI set (one
    language: ``lang``), skipping premises in ``exclude`` (those of held-out rows)."""
    from models.nli import cues

    lang = spec["lang"]
    premises = sorted({r["premise"] for r in raw if r.get("lang", lang) == lang and r["premise"] not in exclude})
    docs = [cues.Doc(f"{name}/{i}", f"{name}/{i}", lang, name, [p]) for i, p in enumerate(premises)
            if 20 <= len(p) <= 300]
    made = (cues.number_swap(docs, rng) + cues.negation_flip(docs, rng) + cues.hedged_exact(docs, rng, True)
            + cues.antonym_swap(docs, rng))
    if "sample" in spec and len(made) > spec["sample"]:
        made = rng.sample(made, spec["sample"])
    return [(p["premise"], p["hypothesis"], p["label"], f"{name}:{p['probe']}") for p in made]


def _rows_of(name: str, spec: dict, root: Path, holdout_every: int, rng: random.Random) -> list[Row]:
    kind = spec["kind"]
    if kind == "cues":
        return _cue_rows(name, spec, root, rng)
    raw = read_jsonl(root / spec["path"])
    if kind == "premise_cues":
        exclude: set[str] = set()
        if spec.get("holdout"):  # XNLI: no premise of the held-out slice
            exclude = {r["premise"] for r, i in zip(raw, _xnli_index(raw)) if i % holdout_every == 0}
        return _premise_cue_rows(name, raw, spec, rng, exclude)
    if "rows" in spec:
        raw = raw[spec["rows"][0] : spec["rows"][1]]
    if spec.get("holdout"):
        raw = [r for r, i in zip(raw, _xnli_index(raw)) if i % holdout_every != 0]
    if "langs" in spec:
        raw = [r for r in raw if r["lang"] in spec["langs"]]
    if "sample" in spec and len(raw) > spec["sample"]:
        raw = rng.sample(raw, spec["sample"])
    if kind in ("3way", "2way"):
        return [(r["premise"], r["hypothesis"], r["label"], name) for r in raw]
    if kind == "weaken_is_not_entailment":
        # ClaimDiff's 'weaken' is not a logical contradiction: keep it only as 'not entailed'.
        return [(r["premise"], r["hypothesis"],
                 "not_entailment" if r["label"] == "contradiction" else r["label"], name) for r in raw]
    if kind == "crosslingual":
        other = read_jsonl(root / spec["with"])[: len(raw)]
        assert all(a["label"] == b["label"] for a, b in zip(raw, other)), "SICK-NL/SICK-EN misaligned"
        rows = [(a["premise"], b["hypothesis"], a["label"], name) for a, b in zip(raw, other)]
        flipped = [(b["premise"], a["hypothesis"], a["label"], name) for a, b in zip(raw, other)]
        if spec.get("one_direction"):  # Dutch premise or English premise, chosen per pair
            return [r if rng.random() < 0.5 else f for r, f in zip(rows, flipped)]
        return rows + flipped
    if kind == "number_swap":
        texts = [r["text"] for r in raw if 20 <= len(r["text"]) <= 300]
        sick = read_jsonl(root / "nli/sick_nl/train.jsonl")
        texts += sorted({r["premise"] for r in sick})
        return number_swap_rows(texts, rng, name)
    raise ValueError(f"unknown kind {kind!r} for {name}")


def training_rows(recipe: dict, root: Path) -> Iterator[Row]:
    """The training mix of the recipe, each set repeated ``repeat`` times, shuffled with the seed."""
    rng = random.Random(recipe["seed"])
    rows: list[Row] = []
    for name, spec in recipe["mix"].items():
        part = _rows_of(name, spec, root, recipe["xnli_holdout_every"], rng)
        rows.extend(part * int(spec.get("repeat", 1)))
    rng.shuffle(rows)
    return iter(rows)


def eval_rows(recipe: dict, root: Path) -> dict[str, list[Row]]:
    """Evaluation sets: SICK-NL dev, English SICK dev (the trial split), held-back XNLI slice."""
    out: dict[str, list[Row]] = {}
    for name, spec in recipe["eval"].items():
        raw = read_jsonl(root / spec["path"])
        if "rows" in spec:
            raw = raw[spec["rows"][0] : spec["rows"][1]]
        if spec.get("holdout_only"):
            raw = [r for r, i in zip(raw, _xnli_index(raw)) if i % recipe["xnli_holdout_every"] == 0]
        out[name] = [(r["premise"], r["hypothesis"], r["label"], name) for r in raw]
    return out
