"""Who makes a claim: "aldus X", "volgens X", "zegt X", "X meldt dat", "X said", "according to X".

``attribute`` finds the reporting frame (its span and the speaker's noun phrase); the speaker is a
named source when the phrase holds a capitalised word ("Het RIVM", "Belgische staatsomroep");
"hij", "de organisatie" are anonymous. Names are shortened to the person's name when one ends the
phrase ("De Belgische premier Alexander De Croo" -> "Alexander De Croo").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from checker.judge.lexicon import FINITE, REPORTING

_DETERMINERS = frozenset({"de", "het", "een", "the", "a", "an"})
# Words that end a speaker's noun phrase ("zegt een commandant tegen Reuters", "according to X, ...").
_BOUNDARY = frozenset({"dat", "that", "tegen", "to", "in", "op", "on", "at", "bij", "na", "after", "over",
                       "about", "om", "voor", "for", "en", "and", "maar", "but", "als", "if", "toen", "when",
                       "zo", "er", "there", "ook", "also", "al", "nog", "niet", "not"})
_CUE_AFTER = re.compile(  # the speaker follows the cue
    rf"(?i:\baldus|\bvolgens|\baccording to|\bzo (?:{REPORTING})|(?<=[,”\"'’] )(?:{REPORTING}))\s+")
_CUE_BEFORE = re.compile(  # the speaker precedes: "Het RIVM meldt", "..., the ministry said"
    rf"(?:^|(?<=[,”\"'’] ))(?P<np>[^,.;:!?“”\"]{{1,120}}?)\s+(?i:(?:{REPORTING})|(?:heeft|hebben)\s+"
    r"(?:\S+\s+){0,3}?(?:gezegd|gemeld|verklaard|bevestigd|laten weten)|(?:has|have|had)\s+(?:said|told|stated))\b")
_PRONOUNS = frozenset({"hij", "hem", "zij", "ze", "haar", "hen", "hun", "he", "him", "she", "her", "they", "them",
                       "it", "we", "wij"})
_WORD = re.compile(r"[\w'’.-]+")
# Whom the speaker told, part of the frame: "zegt een commandant tegen Reuters", "told CNN".
_ADDRESSEE = re.compile(r"\s+(?:(?:tegen|to)\s+)?(?:de |het |the )?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
# Nationality adjectives by their endings ("Belgische", "Duitse", "Franse", "British", "Chinese",
# "Italian"): they say where a source is from, not which source it is.
_NATIONALITY = re.compile(r"(?:sche|se|isch|ian|ians|ese|ish)$")
_MAX_WORDS = 10


@dataclass(frozen=True)
class Attribution:
    """The reporting frame ``text[start:end]``, who speaks, and the named source (None: anonymous)."""

    speaker: str
    source: str | None
    start: int
    end: int


@functools.lru_cache(maxsize=4096)
def attribute(text: str) -> Attribution | None:
    """The first reporting frame in ``text``, or None. Kept for the last texts asked: the facts of one
    claim (its negations, content words, mood, roles) each read the claim without its frame."""
    for match in _CUE_AFTER.finditer(text):
        words = _phrase_after(text, match.end())
        if words:
            end = words[-1].end()
            return _attribution(text, text[match.end():end], match.start(), end)
    for match in _CUE_BEFORE.finditer(text):
        phrase = match.group("np").strip(" '’")
        words = phrase.split()
        if 0 < len(words) <= _MAX_WORDS and not any(w.lower() in FINITE for w in words):
            return _attribution(text, phrase, match.start("np"), match.end())
    return None


def without_frame(text: str) -> str:
    """``text`` with its reporting frame blanked out (offsets kept): what is claimed, not who says it."""
    frame = attribute(text)
    return text if frame is None else text[:frame.start] + " " * (frame.end - frame.start) + text[frame.end:]


def find_source(text: str, lang: str | None = None) -> str | None:
    """The named source a sentence attributes itself to ("aldus Mark Rutte" -> "Mark Rutte")."""
    found = attribute(text)
    return found.source if found else None


def same_source(a: str, b: str) -> bool:
    """"Mark Rutte" and "Rutte" are one source; "Belgische staatsomroep" and "Belgische media" are two."""
    if a.casefold() == b.casefold():
        return True
    return bool(_distinctive(a) & _distinctive(b))


def _phrase_after(text: str, start: int) -> list[re.Match]:
    words = []
    for word in _WORD.finditer(text, start):
        gap = text[words[-1].end() if words else start:word.start()]
        lower = word.group().lower().strip(".")
        if gap.strip() or lower in _BOUNDARY or lower in FINITE or len(words) == _MAX_WORDS:
            break
        words.append(word)
        if lower in _PRONOUNS:
            break
    return words


def _attribution(text: str, phrase: str, start: int, end: int) -> Attribution:
    addressee = _ADDRESSEE.match(text, end)
    if addressee and (text[end:addressee.end()].split()[0] in ("tegen", "to") or text[:end].endswith(("told", "tells"))):
        end = addressee.end()
    words = phrase.strip(" .,").split()
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    return Attribution(" ".join(words), _name(words), start, end)


def _name(words: list[str]) -> str | None:
    """The source's name: a trailing person's name (at most 3 words), else the whole phrase; None if
    nothing is capitalised."""
    if not any(w[:1].isupper() for w in words):
        return None
    run: list[str] = []
    for word in reversed(words):
        if not word[:1].isupper():
            break
        run.insert(0, word)
    return " ".join(run[-3:]) if len(run) >= 2 else " ".join(words)


def _distinctive(source: str) -> set[str]:
    words = {w.casefold().strip("'’s") for w in source.split() if w[:1].isupper()}
    return {w for w in words if not _NATIONALITY.search(w)}
