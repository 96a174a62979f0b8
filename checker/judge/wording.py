"""What two claims in one language share in wording: the same event, and whether one negates the other.

Content words are the words left after the reporting frame, stop words, numbers and time words are
taken out ("De eerste treinen vertrokken om 06.30 uur" -> treinen, vertrokken). A word and its
inflection match when the shorter is a prefix of the longer and has at least four letters (warn /
warned, gewaarschuwd / gewaarschuwd).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from checker.judge.attribution import without_frame
from checker.judge.lexicon import (HYPOTHETICAL, MONTHS, NEGATIONS, OPPOSITES, REPORTING, STOP_WORDS, TENS, UNITS,
                                   WEEKDAYS)


class ClaimWording(Protocol):
    """What ``polarity_flip`` reads of a claim (``checker.analyze.ClaimFacts``), computed once per claim."""

    negated: tuple[str, ...]
    content: tuple[str, ...]
    verdicts: tuple[str, ...]

_LETTERS = re.compile(r"[^\W\d_]+(?:['’][a-z]+)?")
_TIME_WORDS = frozenset({"uur", "local", "time", "plaatselijke", "lokale", "tijd", "morning", "evening", "night",
                         "afternoon", "nacht", "avond", "ochtend", "middag", "morgen"}) | set(MONTHS) | set(WEEKDAYS)
_SKIP = STOP_WORDS | NEGATIONS | _TIME_WORDS | set(UNITS) | set(TENS)
# Content words a negation reaches: "niet"/"not" two ("zijn niet tijdig gewaarschuwd"), the determiners
# "geen"/"no" only their noun ("geen slachtoffers bij de aanval").
_REACH = {"geen": 1, "no": 1}
_CLAUSE_TOKEN = re.compile(r"[^\W\d_]+(?:['’][a-z]+)?|[^\w\s]")
# Words that open a subordinate or relative clause; at the start of a claim the ones that are also
# demonstratives or question words ("Die brug ...", "That bridge ...") open the main clause.
_SUBORDINATORS = frozenset("""die dat wat welke waar omdat doordat als wanneer hoewel terwijl nadat voordat zodat
zodra tenzij sinds who which that whom whose because if when although though while after before since unless
whereas""".split())
# Verbs whose "dat"/"that" clause is what is claimed, not a side remark ("meldt dat", "said that").
_SAYING = frozenset(REPORTING.replace(" ", "|").split("|")) | {"gemeld", "gezegd", "verklaard", "bevestigd"}
_DEMONSTRATIVE = frozenset({"die", "dat", "wat", "waar", "that", "which", "who", "whose", "whom"})
_NEGATIVE_PREFIX = re.compile(r"^(?:on|un|im|in)(?:mogelijk|waar|juist|terecht|likely|true|possible|correct|"
                              r"justified|plausible)")


def content_words(text: str) -> list[str]:
    """The content words of ``text`` in order, lower case."""
    words = [w.lower() for w in _LETTERS.findall(without_frame(text))]
    return [w for w in words if len(w) > 2 and w not in _SKIP and not w.endswith("n't")]


def overlap(words_a: Sequence[str], words_b: Sequence[str]) -> float:
    """Shared content words (``content_words``) over the shorter claim's, 0..1 (1: one claim's words
    all occur in the other)."""
    set_a, set_b = set(words_a), set(words_b)
    if not set_a or not set_b:
        return 0.0
    shared = sum(any(_same(x, y) for y in set_b) for x in set_a)
    return shared / min(len(set_a), len(set_b))


def main_negations(text: str) -> list[tuple[int, list[str]]]:
    """Negations of the main statement, as (index, lower-case words of the claim without its frame).

    A negation inside a subordinate or relative clause ("de man die niet had gedronken", "because
    it did not rain") or inside a name or title ("Geen Stijl", "No Time to Die": capitalised
    mid-sentence) does not negate what the claim states."""
    found, words, subordinate = [], [], False
    for match in _CLAUSE_TOKEN.finditer(without_frame(text)):
        token = match.group()
        if not token[:1].isalpha():
            subordinate = subordinate and token not in ",;:"
            continue
        lower = token.lower()
        if lower in _SUBORDINATORS and (words or lower not in _DEMONSTRATIVE) and \
                not (lower in ("dat", "that") and words and words[-1] in _SAYING):  # "laat hij weten dat": content
            subordinate = True
        elif (lower in NEGATIONS or lower.endswith("n't")) and not subordinate and not (words and token[:1].isupper()):
            found.append(len(words))
        words.append(lower)
    return [(i, words) for i in found]


_QUESTION = re.compile(r"\?[\"'”’»)\]]*\s*$")
_OPENING = re.compile(r"^[\W_]*(?:" + "|".join(re.escape(h).replace("'", "['’]") for h in HYPOTHETICAL) + r")\b", re.I)


def mood(text: str) -> str:
    """"question" ("Wie betaalt de schade?"), "hypothetical" ("Stel dat de dijk breekt, ...") or
    "assertion": only an assertion states something another claim can contradict or support."""
    if _QUESTION.search(text):
        return "question"
    return "hypothetical" if _OPENING.search(text) or _OPENING.search(without_frame(text)) else "assertion"


def polarity(text: str) -> str:
    """"negative" when the main statement is negated ("De brug is niet ingestort", "No one was hurt"),
    else "positive"; a double negation ("niet onmogelijk", "not unlikely") asserts."""
    negations = main_negations(text)
    count = sum(1 + (i + 1 < len(words) and bool(_NEGATIVE_PREFIX.match(words[i + 1]))) for i, words in negations)
    return "negative" if count % 2 else "positive"


def negated(text: str) -> list[str]:
    """Content words under a main-clause negation, nearest first: "zijn niet tijdig gewaarschuwd" ->
    [tijdig, gewaarschuwd]."""
    found: list[str] = []
    for i, words in main_negations(text):
        found += [w for w in words[i + 1:] if len(w) > 2 and w not in _SKIP][:_REACH.get(words[i], 2)]
    return found


_VERDICT = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted({p for pair in OPPOSITES for p in pair},
                                                                          key=len, reverse=True)) + r")\b")


def verdicts(text: str) -> tuple[str, ...]:
    """The phrases of opposite verdicts (``OPPOSITES``: "stemde voor", "voted against") a claim holds."""
    return tuple(sorted(set(_VERDICT.findall(text.lower()))))


def polarity_flip(a: ClaimWording, b: ClaimWording) -> str | None:
    """What one claim negates and the other, not negated at all, asserts ("gewaarschuwd"), or opposite
    verdicts ("voted for/voted against"); None otherwise. ``a`` and ``b`` are the claims' facts."""
    for first, second in ((a, b), (b, a)):
        asserted = second.content if not second.negated else ()
        flipped = [w for w in first.negated if any(_same(w, x) for x in asserted)]
        if flipped:
            return flipped[0]
    for yes, no in OPPOSITES:
        for x, y in ((yes, no), (no, yes)):
            if x in a.verdicts and y in b.verdicts and y not in a.verdicts and x not in b.verdicts:
                return f"{x}/{y}"
    return None


def _same(x: str, y: str) -> bool:
    short, long = sorted((x, y), key=len)
    return short == long or (len(short) >= 4 and long.startswith(short))
