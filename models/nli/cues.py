"""Cue-breaking NLI pairs from real news sentences (issue 11), for training (v2 recipe) and for the probe set.

The same constructions serve two uses, on two disjoint halves of the source documents:

* ``eval/nli_probes.py`` builds the cue-probe set from the **probe** half;
* ``models/nli/data.py`` (recipe kind ``cues``) mixes pairs from the **train** half into v2's training data.

**The split.** A document goes to the probe half when ``sha256("claimcheck-nli-cues/" + key)`` is even,
else to the train half (:func:`half`). The key is the UD document id for Dutch (``WR-P-P-H-…``: one
newspaper article) and the *event* id for English (``news_clusters``: every outlet's article about one
event falls in the same half, so a fact reported by two outlets cannot sit in both halves).

**Sources** (``shared/data``, read in place, never copied into the project):

* Dutch: ``text_nl/ud_alpino/sentences.jsonl`` — 1,017 newspaper sentences (UD Dutch-Alpino dev+test,
  Lassy Small WR-P-P-H), CC BY-SA 4.0. NB: recipe v1 (``news_nl_numbers``) used *all* of these sentences
  as number-swap material, so v1 has seen the Dutch probe sentences; v2 uses only the train half.
* English: ``news_clusters/articles.jsonl`` — AllSides leads (2021) and BASIL full texts (2010-2019),
  split into sentences with claimcheck's sentencizer; "development only, do not redistribute".
  No NLI recipe (v1 or v2) trains on the probe half.

**Constructions** (label in brackets; ``not_entailment`` = neutral OR contradiction):

* ``negation_neutral`` [neutral]: a sentence that already carries a negation ("niemand", "not", …) vs a
  different, low-overlap sentence of the same article (both orders). Both are true statements of one
  article, so they cannot contradict; about different aspects, neither entails the other.
* ``name_replaced`` [not_entailment]: the sentence vs the same sentence with one proper-name span
  (capitalised words not at the start) replaced by a name of the same length from another document.
  The premise says nothing about the other entity (neutral) or, where the role is exclusive (who won,
  where it happened), contradicts it: words cannot tell which, so the gold label is "not entailed".
  Swapping two names inside one sentence is not used ("A and B met" = "B and A met").
* ``number_swap`` [contradiction]: one exact count, year, month, weekday or number word changed in an
  otherwise identical sentence (same event, different value). Skipped: numbers after a hedge
  ("at least", "zeker", "ruim", …), ranges, numbers inside names or codes ("Apollo 11", "9/11", "F-16").
* ``hedged_exact`` [neutral]: "at least N …" / "zeker N …" (found, or inserted before an exact count)
  vs the same sentence with an exact larger count (N < M ≤ 1.5 N + 2, no hedge): compatible, not entailed.
  Training also gets the other direction (exact M vs "at least N", N < M) [entailment] and
  "at most N" vs exact M > N [contradiction].
* ``negation_flip`` [contradiction]: a sentence with exactly one removable negation vs the same sentence
  without it (the control for ``negation_neutral``: negation of the *same* predicate does contradict).
* ``unrelated`` [neutral]: two sentences of different documents (English: different events at least
  30 days apart, so they cannot report the same occurrence). The probe set takes pairs of high
  embedding cosine (``eval/nli_probes.py``); training takes random pairs and pairs of high TF-IDF
  cosine (no embedder needed at ``prepare`` time).
* training only: ``antonym`` [contradiction] (bevestigt/ontkent, steeg/daalde, won/lost, …) and
  ``identity`` [entailment] (a sentence entails itself; a small share, so overlap is not all contradiction).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SALT = "claimcheck-nli-cues/"
UD_PATH = "text_nl/ud_alpino/sentences.jsonl"
NEWS_PATH = "news_clusters/articles.jsonl"
MIN_DAYS_APART = 30


def half(key: str) -> str:
    """``probe`` or ``train``: the document's half, by a salted hash of its key (stable across runs)."""
    return "probe" if int(hashlib.sha256((SALT + key).encode()).hexdigest()[:8], 16) % 2 == 0 else "train"


@dataclass
class Doc:
    key: str  # split key: UD document id (nl) or news event id (en)
    ident: str  # the document itself (one article)
    lang: str
    corpus: str
    sentences: list[str]
    day: date | None = None
    tokens: list[set[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tokens = [set(words(s)) for s in self.sentences]


_WORDS = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(text)]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


# --------------------------------------------------------------------------- sources
def clean_sentence(text: str) -> str | None:
    """A claim-like sentence (30-300 characters, 6+ words, ends like a sentence), normalised quotes; else None."""
    text = " ".join(text.replace(",,", '"').replace("''", '"').split())
    if not 30 <= len(text) <= 300 or len(text.split()) < 6:
        return None
    if text.endswith(("...", "…")) or "http" in text or "@" in text:
        return None
    if not re.search(r"[.!?][\"'”’)]*$", text) or not (text[0].isupper() or text[0] in "\"'“‘"):
        return None
    return text


def load_nl(root: Path) -> list[Doc]:
    docs: dict[str, list[str]] = {}
    with (root / UD_PATH).open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            text = clean_sentence(row["text"])
            if text:
                docs.setdefault(row["doc_id"], []).append(text)
    return [Doc(key, key, "nl", "ud_alpino", sents) for key, sents in docs.items()]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def load_en(root: Path) -> list[Doc]:
    from checker.segment import sentencizer

    nlp = sentencizer("en")
    out = []
    with (root / NEWS_PATH).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    for row in rows:
        sents: list[str] = []
        for para in re.split(r"\n\s*\n", row["text"]):
            if para.strip() == row["title"].strip():
                continue
            for sent in nlp(para.strip()).sents:
                text = clean_sentence(sent.text)
                if text and text not in sents:
                    sents.append(text)
        if sents:
            out.append(Doc(row["event"], row["id"], "en", row["corpus"], sents, _day(row.get("date"))))
    return out


def load_docs(root: Path, which: str, langs: Iterable[str] = ("nl", "en")) -> list[Doc]:
    """The documents of one half (``probe`` or ``train``) in the given languages, in file order."""
    loaders = {"nl": load_nl, "en": load_en}
    return [d for lang in langs for d in loaders[lang](root) if half(d.key) == which]


# --------------------------------------------------------------------------- lexicons
NEGATION = {
    "en": re.compile(r"\b(not|never|no|nobody|nothing|none|neither|nor|without)\b|n't\b", re.IGNORECASE),
    "nl": re.compile(r"\b(niet|geen|nooit|niemand|niets|nergens|noch|zonder)\b", re.IGNORECASE),
}
# negations whose removal leaves the sentence well-formed and flips it (one per sentence); not after
# or before words that make them part of a fixed expression ("not only", "niet alleen", "if not")
_FLIP = {
    "en": re.compile(r"(?<!\bif )(?<!\bor )\b(?:not|never) (?!only\b|just\b|even\b|least\b|until\b|yet\b|so\b|to\b)",
                     re.IGNORECASE),
    "nl": re.compile(r"\bniet (?!alleen\b|meer\b|minder\b|eens\b|langer\b|zo\b|zozeer\b|te\b|om\b)", re.IGNORECASE),
}
_NT = re.compile(r"\b(ca|wo|sha|do|does|did|is|are|was|were|has|have|had|could|would|should|must|need)n't\b",
                 re.IGNORECASE)
_NT_BASE = {"ca": "can", "wo": "will", "sha": "shall"}

NUMBER_WORDS = {
    "en": ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty",
           "thirty", "forty", "fifty", "hundred", "thousand"],
    "nl": ["twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf", "twintig",
           "dertig", "veertig", "vijftig", "honderd", "duizend"],
}
WORD_VALUES = dict(zip(NUMBER_WORDS["en"], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 30, 40, 50, 100, 1000]))
WORD_VALUES.update(zip(NUMBER_WORDS["nl"], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 30, 40, 50, 100, 1000]))
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"],
}
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
}
# bounds and approximations before a number: such a number is not an exact count
HEDGES = {
    "en": ["at least", "more than", "over", "nearly", "almost", "about", "around", "roughly", "approximately",
           "some", "up to", "fewer than", "less than", "at most", "as many as", "upwards of", "estimated",
           "under", "than", "between", "only", "just"],
    "nl": ["zeker", "minstens", "ten minste", "tenminste", "ruim", "meer dan", "bijna", "ongeveer", "circa",
           "ca.", "rond", "zo'n", "tot", "minder dan", "hooguit", "maximaal", "hoogstens", "zowat", "tussen",
           "dan", "slechts", "pas", "nog", "zowel"],
}
LOWER_BOUNDS = {"en": ["at least", "more than"], "nl": ["zeker", "minstens", "ten minste", "meer dan", "ruim"]}
UPPER_BOUNDS = {"en": ["at most", "no more than"], "nl": ["hooguit", "maximaal", "hoogstens"]}
ANTONYMS = {
    "en": [("confirmed", "denied"), ("confirms", "denies"), ("accepted", "rejected"), ("approved", "rejected"),
           ("won", "lost"), ("wins", "loses"), ("rose", "fell"), ("increased", "decreased"), ("raised", "lowered"),
           ("opened", "closed"), ("supports", "opposes"), ("supported", "opposed"), ("allowed", "banned"),
           ("passed", "failed"), ("arrived", "left"), ("started", "ended"), ("began", "ended"),
           ("acquitted", "convicted"), ("admitted", "denied"), ("agreed", "refused")],
    "nl": [("bevestigt", "ontkent"), ("bevestigde", "ontkende"), ("steeg", "daalde"), ("stijgt", "daalt"),
           ("won", "verloor"), ("wint", "verliest"), ("accepteert", "weigert"), ("aanvaardde", "weigerde"),
           ("opende", "sloot"), ("opent", "sluit"), ("steunt", "bestrijdt"), ("begon", "stopte"),
           ("begint", "stopt"), ("verhoogt", "verlaagt"), ("verhoogde", "verlaagde"), ("keurde goed", "wees af"),
           ("stemde voor", "stemde tegen"), ("vrijgesproken", "veroordeeld"), ("toegenomen", "afgenomen"),
           ("gewonnen", "verloren")],
}
_STOP_NAMES = {"The", "A", "An", "He", "She", "It", "We", "They", "I", "His", "Her", "Their", "This", "That",
               "But", "And", "In", "On", "At", "For", "Mr", "Mrs", "Ms", "Dr", "De", "Het", "Een", "Hij", "Zij",
               "Ze", "Maar", "En", "Ook", "Dat", "Die", "Dit", "Er", "Sen", "Rep", "Gov", "President", "God"}
_NAME = re.compile(r"(?<![\w'’\-])[A-Z][a-zà-ÿ]+(?:[-'][A-Z]?[a-zà-ÿ]+)?"
                   r"(?:\s+(?:van der |van den |van de |van |de |den |der )?"
                   r"[A-Z][a-zà-ÿ]+(?:[-'][A-Z]?[a-zà-ÿ]+)?)*(?!\w)")
_NUM = re.compile(r"(?<![\w.,/:\-–])[$€£]?(\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,](\d+))?(?![\w/:\-–]|[.,]\d)")


# --------------------------------------------------------------------------- mentions
@dataclass
class Mention:
    start: int
    end: int
    text: str
    kind: str  # digits | year | word | month | weekday
    value: float | None = None


def _preceding(text: str, start: int, n: int = 3) -> str:
    return " ".join(text[:start].lower().split()[-n:])


def is_hedged(text: str, start: int, lang: str) -> bool:
    """A bound or approximation ("at least", "zeker", "ruim", ...) right before the number."""
    before = text[:start].lower().rstrip()
    return any(re.search(rf"(^|\W){re.escape(h)}$", before) for h in HEDGES[lang])


def _is_range(text: str, m: re.Match) -> bool:
    after = text[m.end():m.end() + 8].lower()
    before = text[max(0, m.start() - 8):m.start()].lower()
    return bool(re.match(r"\s*(to|tot|en|and|or|of|-|–)\s*[$€£]?\d", after)
                or re.search(r"\d\s*(to|tot|en|and|or|of|-|–)\s*[$€£]?$", before))


def number_mentions(text: str, lang: str, hedged: bool | None = False) -> list[Mention]:
    """Exact numbers, years, number words, months and weekdays; ``hedged``: False = only un-hedged
    ones, True = only hedged ones, None = both."""
    found: list[Mention] = []
    for m in _NUM.finditer(text):
        if _is_range(text, m):
            continue
        prev = text[:m.start()].split()[-1:] or [""]
        if prev[0][:1].isupper() and prev[0].rstrip(".,") not in MONTHS["en"] + WEEKDAYS["en"] \
                and m.start() > len(prev[0]) + 1:
            continue  # "Apollo 11", "Article 5", "Covid 19"
        digits = m.group(1)
        value = int(re.sub(r"[.,]", "", digits))
        kind = "year" if len(digits) == 4 and 1900 <= value <= 2099 and not m.group(2) else "digits"
        if value == 0:
            continue
        found.append(Mention(m.start(), m.end(), m.group(0), kind, value))
    for kind, table in (("word", NUMBER_WORDS), ("month", MONTHS), ("weekday", WEEKDAYS)):
        flags = re.IGNORECASE if kind == "word" else 0
        for m in re.finditer(r"\b(" + "|".join(table[lang]) + r")\b", text, flags):
            if kind == "word" and _is_range(text, m):
                continue
            if kind == "month" and lang == "en" and m.group(0) == "May" and not re.match(r"\s+\d", text[m.end():]):
                continue  # the modal verb
            found.append(Mention(m.start(), m.end(), m.group(0), kind, WORD_VALUES.get(m.group(0).lower())))
    if hedged is not None:
        found = [f for f in found if f.kind in ("month", "weekday") and not hedged
                 or f.kind not in ("month", "weekday") and is_hedged(text, f.start, lang) == hedged]
    return sorted(found, key=lambda f: f.start)


def _fmt_like(original: str, value: int) -> str:
    prefix = original[0] if original[0] in "$€£" else ""
    body = original[len(prefix):]
    sep = next((c for c in body if c in ".,"), None) if re.search(r"[.,]\d{3}\b", body) else None
    text = f"{value:,}" if sep else str(value)
    return prefix + (text.replace(",", sep) if sep else text)


def changed_value(m: Mention, rng: random.Random, lang: str) -> str:
    """A different value of the same kind, formatted like the original."""
    if m.kind == "month":
        table = MONTHS[lang]
    elif m.kind == "weekday":
        table = WEEKDAYS[lang]
    elif m.kind == "word":
        table = NUMBER_WORDS[lang]
    else:
        table = None
    if table is not None:
        new = rng.choice([w for w in table if w.lower() != m.text.lower()])
        return new.capitalize() if m.text[0].isupper() else new
    value = int(m.value)
    if m.kind == "year":
        return str(value + rng.choice([-3, -2, -1, 1, 2, 3]))
    if "." in m.text[1:] or "," in m.text[1:]:
        if not re.search(r"[.,]\d{3}\b", m.text):  # a decimal: change the integer part
            head, tail = re.split(r"[.,]", m.text, maxsplit=1)
            sep = m.text[len(head)]
            prefix = head[0] if head[0] in "$€£" else ""
            return f"{prefix}{int(head[len(prefix):]) + rng.choice([1, 2, 3])}{sep}{tail}"
    if value <= 12:
        new = rng.choice([v for v in range(1, 13) if v != value])
    else:
        new = value + max(1, round(value * rng.uniform(0.2, 1.0)))
        if rng.random() < 0.5 and value > 20:
            new = value - max(1, round(value * rng.uniform(0.15, 0.5)))
    return _fmt_like(m.text, new)


def replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def flip_negation(text: str, lang: str) -> str | None:
    """The sentence without its single negation ("not", "never", "n't", "niet"), or None."""
    if len(NEGATION[lang].findall(text)) != 1:
        return None
    if lang == "en":
        m = _NT.search(text)
        if m:
            base = m.group(1)
            return replace(text, m.start(), m.end(), _NT_BASE.get(base.lower(), base))
    m = _FLIP[lang].search(text)
    if not m:
        return None
    out = replace(text, m.start(), m.end(), "")
    return out[0].upper() + out[1:] if m.start() == 0 else out


_PLACE_CUE = {"in", "uit", "naar", "te", "bij", "to", "from", "at", "near", "of"}


def name_spans(text: str, lang: str) -> list[tuple[int, int, str, str]]:
    """Proper-name spans not at the start: (start, end, name, slot). English spans need 2+ words (1-word
    capitalised words are often titles or parties); Dutch ones may be 1 word but not a capitalised
    adjective ("Amerikaanse"). ``slot``: ``place`` after a locative preposition, else ``actor``."""
    spans = []
    for m in _NAME.finditer(text):
        name = m.group(0)
        first, n_words = name.split()[0], len(name.split())
        before = text[:m.start()].split()
        if m.start() < 3 or first in _STOP_NAMES or re.search(r"[.:!?\"“(]\s*$", text[:m.start()]):
            continue
        if before and before[-1][:1].isupper():
            continue  # inside a longer name ("People's Liberation Army")
        if any(w in MONTHS["en"] + WEEKDAYS["en"] or w in _STOP_NAMES for w in name.split()) or len(name) < 3:
            continue
        if lang == "en" and n_words < 2:
            continue
        if lang == "nl" and n_words == 1 and re.search(r"(se|sche|er|ers|s)$", name):
            continue
        slot = "place" if before and before[-1].lower() in _PLACE_CUE else "actor"
        spans.append((m.start(), m.end(), name, slot))
    return spans


# --------------------------------------------------------------------------- constructions
Pair = dict


def _pair(kind: str, lang: str, premise: str, hypothesis: str, label: str, source: str) -> Pair:
    return {"probe": kind, "lang": lang, "premise": premise, "hypothesis": hypothesis, "label": label,
            "source": source}


def _src(doc: Doc) -> str:
    return f"{doc.corpus}:{doc.ident}"


def negation_neutral(docs: list[Doc], rng: random.Random, per_sentence: int = 2) -> list[Pair]:
    out = []
    for doc in docs:
        for i, sent in enumerate(doc.sentences):
            if not NEGATION[doc.lang].search(sent):
                continue
            partners = [j for j, other in enumerate(doc.sentences)
                        if j != i and not NEGATION[doc.lang].search(other)
                        and jaccard(doc.tokens[i], doc.tokens[j]) < 0.25]
            for n, j in enumerate(rng.sample(partners, min(per_sentence, len(partners)))):
                a, b = (sent, doc.sentences[j]) if n % 2 == 0 else (doc.sentences[j], sent)
                out.append(_pair("negation_neutral", doc.lang, a, b, "neutral", _src(doc)))
    return out


def negation_flip(docs: list[Doc], rng: random.Random) -> list[Pair]:
    out = []
    for doc in docs:
        for sent in doc.sentences:
            flipped = flip_negation(sent, doc.lang)
            if flipped and flipped != sent:
                a, b = (sent, flipped) if rng.random() < 0.5 else (flipped, sent)
                out.append(_pair("negation_flip", doc.lang, a, b, "contradiction", _src(doc)))
    return out


def name_replaced(docs: list[Doc], rng: random.Random) -> list[Pair]:
    pool: dict[tuple[str, int, str], list[tuple[str, str]]] = {}
    for doc in docs:
        for sent in doc.sentences:
            for _, _, name, slot in name_spans(sent, doc.lang):
                pool.setdefault((doc.lang, len(name.split()), slot), []).append((doc.key, name))
    out = []
    for doc in docs:
        for sent in doc.sentences:
            spans = [s for s in name_spans(sent, doc.lang) if sent.count(s[2]) == 1]
            if not spans:
                continue
            start, end, name, slot = rng.choice(spans)
            others = [n for k, n in pool.get((doc.lang, len(name.split()), slot), [])
                      if k != doc.key and n not in sent and n.split()[-1] not in sent]
            if not others:
                continue
            new = replace(sent, start, end, rng.choice(others))
            a, b = (sent, new) if rng.random() < 0.5 else (new, sent)
            out.append(_pair("name_replaced", doc.lang, a, b, "not_entailment", f"{_src(doc)}#{slot}"))
    return out


def number_swap(docs: list[Doc], rng: random.Random, per_sentence: int = 1) -> list[Pair]:
    out = []
    for doc in docs:
        for sent in doc.sentences:
            mentions = number_mentions(sent, doc.lang, hedged=False)
            for m in rng.sample(mentions, min(per_sentence, len(mentions))):
                new = replace(sent, m.start, m.end, changed_value(m, rng, doc.lang))
                if new == sent:
                    continue
                a, b = (sent, new) if rng.random() < 0.5 else (new, sent)
                out.append(_pair("number_swap", doc.lang, a, b, "contradiction", f"{_src(doc)}#{m.kind}"))
    return out


_DETERMINERS = {"the", "these", "those", "its", "their", "his", "her", "our", "all", "de", "het", "die", "deze",
                "zijn", "haar", "hun", "alle", "onze", "a", "an", "een", "of", "van", "next", "first", "last", "past",
                "top", "volgende", "eerste", "laatste", "afgelopen", "komende"}


def _exact_counts(sent: str, lang: str) -> list[Mention]:
    """Un-hedged integer counts (2..100000, not years) followed by a lower-case word, not after a determiner."""
    out = []
    for m in number_mentions(sent, lang, hedged=False):
        if m.kind not in ("digits", "word") or m.value is None or not 2 <= m.value <= 100000:
            continue
        if m.kind == "digits" and not m.text.isdigit():
            continue
        if not re.match(r"\s+[a-zà-ÿ]", sent[m.end:]) or _preceding(sent, m.start, 1) in _DETERMINERS:
            continue
        out.append(m)
    return out


def _larger(value: int, rng: random.Random) -> int:
    return value + rng.randint(1, max(1, int(value * 0.5) + 2))


def _as_text(m: Mention, value: int, lang: str) -> str:
    if m.kind == "word":
        words_ = {v: w for w, v in zip(NUMBER_WORDS[lang], [WORD_VALUES[w] for w in NUMBER_WORDS[lang]])}
        return words_.get(value, str(value))
    return str(value)


def hedged_exact(docs: list[Doc], rng: random.Random, both_directions: bool = False) -> list[Pair]:
    """Lower bound vs a larger exact count [neutral]; training also gets exact vs a lower bound below it
    [entailment] and an upper bound vs a larger exact count [contradiction]."""
    out = []
    for doc in docs:
        lang = doc.lang
        for sent in doc.sentences:
            # found: "at least 5 people" -> "9 people"
            for m in number_mentions(sent, lang, hedged=True):
                before = sent[:m.start].rstrip()
                bound = next((b for b in LOWER_BOUNDS[lang] if before.lower().endswith(b)), None)
                if not bound or m.value is None or m.kind not in ("digits", "word") or not m.text.isalnum():
                    continue
                cut = len(before) - len(bound)
                exact = before[:cut] + _as_text(m, _larger(int(m.value), rng), lang) + sent[m.end:]
                if cut == 0 or before[cut - 1] in ".\"“":
                    exact = exact[0].upper() + exact[1:]
                out.append(_pair("hedged_exact", lang, sent, exact, "neutral", f"{_src(doc)}#found"))
                break
            else:
                counts = _exact_counts(sent, lang)
                if not counts:
                    continue
                m = rng.choice(counts)
                value = int(m.value)
                bound = rng.choice(LOWER_BOUNDS[lang])
                num = m.text if m.start > 0 else m.text.lower()
                hedged = replace(sent, m.start, m.end, f"{bound} {num}")
                if m.start == 0:
                    hedged = hedged[0].upper() + hedged[1:]
                bigger = replace(sent, m.start, m.end, _as_text(m, _larger(value, rng), lang))
                out.append(_pair("hedged_exact", lang, hedged, bigger, "neutral", f"{_src(doc)}#inserted"))
                if both_directions:
                    out.append(_pair("hedged_entailed", lang, bigger, hedged, "entailment", _src(doc)))
                    upper = replace(sent, m.start, m.end, f"{rng.choice(UPPER_BOUNDS[lang])} {num}")
                    out.append(_pair("bound_contradiction", lang, upper, bigger, "contradiction", _src(doc)))
    return out


def antonym_swap(docs: list[Doc], rng: random.Random) -> list[Pair]:
    out = []
    for doc in docs:
        pairs = ANTONYMS[doc.lang]
        for sent in doc.sentences:
            for a, b in rng.sample(pairs, len(pairs)):
                src, dst = (a, b) if re.search(rf"\b{a}\b", sent) else (b, a)
                if re.search(rf"\b{src}\b", sent):
                    new = re.sub(rf"\b{src}\b", dst, sent, count=1)
                    x, y = (sent, new) if rng.random() < 0.5 else (new, sent)
                    out.append(_pair("antonym", doc.lang, x, y, "contradiction", _src(doc)))
                    break
    return out


def identity(docs: list[Doc], rng: random.Random, share: float = 0.1) -> list[Pair]:
    return [_pair("identity", d.lang, s, s, "entailment", _src(d)) for d in docs for s in d.sentences
            if rng.random() < share]


def far_apart(a: Doc, b: Doc) -> bool:
    """Different documents that cannot report the same occurrence: other key, and (where both are dated)
    at least ``MIN_DAYS_APART`` days apart; undated English documents of different events also qualify."""
    if a.key == b.key:
        return False
    if a.day and b.day:
        return abs((a.day - b.day).days) >= MIN_DAYS_APART
    return True


def unrelated_random(docs: list[Doc], rng: random.Random, n: int) -> list[Pair]:
    flat = [(d, s) for d in docs for s in d.sentences]
    out = []
    tries = 0
    while len(out) < n and tries < n * 20 and len(flat) > 1:
        tries += 1
        (da, a), (db, b) = rng.sample(flat, 2)
        if da.lang == db.lang and far_apart(da, db):
            out.append(_pair("unrelated", da.lang, a, b, "neutral", f"{_src(da)}|{_src(db)}"))
    return out


def high_similarity_pairs(sents: list[tuple[Doc, str]], sim, threshold: float, limit: int,
                          kind: str, ceiling: float = 0.98) -> list[Pair]:
    """Greedy: the most similar cross-document pairs first (``sim``: a dense similarity matrix), each
    sentence used once, similarity in [threshold, ceiling)."""
    import numpy as np

    sim = np.array(sim, dtype=np.float32, copy=True)
    np.fill_diagonal(sim, -1)
    rows, cols = np.where(np.triu(sim >= threshold, 1) & (sim < ceiling))
    order = np.argsort(-sim[rows, cols], kind="stable")
    used: set[int] = set()
    out = []
    for k in order:
        i, j = int(rows[k]), int(cols[k])
        if i in used or j in used:
            continue
        (da, a), (db, b) = sents[i], sents[j]
        if not far_apart(da, db):
            continue
        used.update((i, j))
        pair = _pair(kind, da.lang, a, b, "neutral", f"{_src(da)}|{_src(db)}")
        pair["cosine"] = round(float(sim[i, j]), 4)
        out.append(pair)
        if len(out) >= limit:
            break
    return out


def tfidf_similarity(texts: list[str]):
    """Cosine of TF-IDF vectors (unigrams, lower-case) as a dense matrix; for a few thousand sentences."""
    import numpy as np
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        for w, c in Counter(words(t)).items():
            rows.append(i)
            cols.append(vocab.setdefault(w, len(vocab)))
            vals.append(float(c))
    mat = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float32)
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocab))
    mat = mat @ sparse.diags((np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32))
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(1)).ravel()) + 1e-9
    mat = sparse.diags(1 / norms) @ mat
    return (mat @ mat.T).toarray()


def tagged_name_spans(sents: list[str], tagger) -> list[list[tuple[int, int, str, str]]]:
    """Name spans typed by claimcheck's NER tagger (``checker.analyze.EntityTagger``): slot = PER/LOC/ORG."""
    from checker.analyze import entity_spans, words as word_spans

    spans = [word_spans(s) for s in sents]
    tags = tagger([[s[a:b] for a, b in ws] for s, ws in zip(sents, spans)])
    out = []
    for sent, ws, tg in zip(sents, spans, tags):
        found = []
        for first, end, kind in entity_spans(tg):
            start, stop = ws[first][0], ws[end - 1][1]
            if kind in ("PER", "LOC", "ORG") and start > 2 and sent[start:stop][:1].isupper():
                found.append((start, stop, sent[start:stop], kind))
        out.append(found)
    return out


def pick(items: list[str], key: str) -> str:
    """The item with the smallest hash with ``key`` (rendezvous hashing): a choice that stays put when
    other items join or leave the list (the NER tagger can differ by a token between runs)."""
    return min(items, key=lambda item: hashlib.sha256(f"{key}\x00{item}".encode()).digest())


def typed_name_replaced(docs: list[Doc], rng: random.Random, tagger, limit: int) -> list[Pair]:
    """``name_replaced`` with spans from the NER tagger: a person replaced by a person, a place by a
    place, an organisation by an organisation, each from another document; ``limit`` sentences tagged."""
    flat = [(d, s) for d in docs for s in d.sentences if re.search(r"\s[A-Z]", s)]
    if len(flat) > limit:
        flat = rng.sample(flat, limit)
    spans = tagged_name_spans([s for _, s in flat], tagger)
    pool: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (doc, _), found in zip(flat, spans):
        for _, _, name, kind in found:
            pool.setdefault((doc.lang, kind), []).append((doc.key, name))
    out = []
    for (doc, sent), found in zip(flat, spans):
        found = [f for f in found if sent.count(f[2]) == 1]
        if not found:
            continue
        start, end, name, kind = min(found, key=lambda f: hashlib.sha256(f"{sent}\x00{f[2]}".encode()).digest())
        others = sorted({n for k, n in pool.get((doc.lang, kind), []) if k != doc.key and n not in sent
                         and name not in n and n.split()[-1] not in sent})
        if not others:
            continue
        new = replace(sent, start, end, pick(others, sent))
        a, b = (sent, new) if hashlib.sha256(sent.encode()).digest()[0] % 2 else (new, sent)
        out.append(_pair("name_replaced", doc.lang, a, b, "not_entailment", f"{_src(doc)}#{kind}"))
    return out


# --------------------------------------------------------------------------- training mix
def training_pairs(root: Path, seed: int, langs: Iterable[str] = ("nl", "en"), cap: int = 4000,
                   unrelated: int = 4000, similar: int = 1500) -> list[Pair]:
    """Cue-breaking pairs from the **train** half (never the probe half), each construction capped at
    ``cap`` pairs per language; ``unrelated`` random (at most 4 per sentence) and ``similar`` unrelated
    pairs of TF-IDF cosine >= 0.25 (far-apart documents, each sentence once) per language."""
    rng = random.Random(seed)
    out: list[Pair] = []
    for lang in langs:
        docs = load_docs(root, "train", [lang])
        made = (negation_neutral(docs, rng) + negation_flip(docs, rng) + name_replaced(docs, rng)
                + number_swap(docs, rng, per_sentence=2) + hedged_exact(docs, rng, both_directions=True)
                + antonym_swap(docs, rng) + identity(docs, rng))
        by_kind: dict[str, list[Pair]] = {}
        for p in made:
            by_kind.setdefault(p["probe"], []).append(p)
        for kind, rows in by_kind.items():
            out.extend(rng.sample(rows, min(cap, len(rows))))
        flat = [(d, s) for d in docs for s in d.sentences]
        out.extend(unrelated_random(docs, rng, min(unrelated, 4 * len(flat))))  # Dutch is scarce: ~4 uses a sentence
        if len(flat) > 3000:
            flat = rng.sample(flat, 3000)
        out.extend(high_similarity_pairs(flat, tfidf_similarity([s for _, s in flat]), 0.25, similar,
                                         "unrelated_similar"))
    return out
