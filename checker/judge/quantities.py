"""Counted quantities in Dutch and English claims, normalised to ranges of what they count.

"Er zijn vooralsnog geen slachtoffers gevallen" -> casualties in [0, 0];
"at least 80 people were killed" -> killed in [80, inf]; "tientallen gewonden" -> injured in [20, 99].
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

INF = math.inf

_UNITS = {
    "nl": {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
           "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
           "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19},
    "en": {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
           "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "a dozen": 12},
}
_TENS = {
    "nl": {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70,
           "tachtig": 80, "negentig": 90, "honderd": 100, "duizend": 1000},
    "en": {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
           "ninety": 90, "hundred": 100, "a hundred": 100, "thousand": 1000, "a thousand": 1000},
}
# Vague amounts as ranges.
_VAGUE = {"tientallen": (20, 99), "dozens": (24, 99), "dozens of": (24, 99), "honderden": (200, 999),
          "hundreds": (200, 999), "hundreds of": (200, 999), "duizenden": (2000, 9999), "thousands": (2000, 9999),
          "thousands of": (2000, 9999), "enkele": (2, 9), "een paar": (2, 5), "a few": (2, 5), "several": (3, 9),
          "meerdere": (2, 9), "verscheidene": (3, 9), "een handvol": (2, 6), "a handful of": (2, 6)}
_ZERO = ["geen", "no", "zero", "nul"]
_NOBODY = ["niemand", "no one", "nobody", "none"]

# Bounds before a number: how the stated number n becomes a range.
_BOUNDS = [
    (r"(?:ten minste|tenminste|minstens|zeker|at least|no fewer than)", lambda n: (n, INF), "at_least"),
    (r"(?:meer dan|ruim|over|more than|upwards of)", lambda n: (n + 1, INF), "more_than"),
    (r"(?:minder dan|fewer than|less than|under)", lambda n: (0, max(n - 1, 0)), "less_than"),
    (r"(?:tot|maximaal|hooguit|hoogstens|up to|at most|as many as)", lambda n: (0, n), "at_most"),
    (r"(?:bijna|nearly|almost)", lambda n: (math.floor(n * 0.8), n), "nearly"),
    (r"(?:ongeveer|circa|ca\.|zo'n|rond de|ruwweg|about|around|approximately|roughly|some)",
     lambda n: (math.floor(n * 0.8), math.ceil(n * 1.2)), "about"),
]

# What a quantity counts. Casualties (slachtoffers) cover killed and injured.
CATEGORIES = {
    "killed": r"do(?:den|de)\b|doodsslachtoffers|omgekomen|om het leven|gedood|gesneuveld|overleden|"
              r"killed|dead\b|deaths?|died|fatalities",
    "injured": r"gewond(?:en|e)?|verwond|injur(?:ed|ies|y)|wounded|hurt\b",
    "casualties": r"slachtoffers?|casualt(?:y|ies)|victims?",
    "missiles": r"raket(?:ten)?|projectielen|missiles?|rockets?",
    "bases": r"(?:leger|lucht(?:macht)?)?bases?(?:sen)?|bases|basis",
    "troops": r"militairen|soldaten|troepen|manschappen|troops|soldiers|servicemen|service members|personnel",
    "people": r"mensen|personen|burgers|amerikanen|irakezen|people|persons|civilians|americans|iraqis",
}
_PERSON_CATEGORIES = {"troops", "people"}
_EVENT = {"killed": re.compile(CATEGORIES["killed"], re.I), "injured": re.compile(CATEGORIES["injured"], re.I)}
_CATEGORY_RE = {name: re.compile(rf"^(?:\w+\s+){{0,2}}?(?:{pattern})", re.I) for name, pattern in CATEGORIES.items()}


@dataclass(frozen=True)
class Quantity:
    """``low``..``high`` of ``category`` (inf for open ranges); ``text`` is the matched phrase."""

    category: str
    low: float
    high: float
    text: str
    bound: str | None = None

    def describe(self) -> str:
        if self.low == self.high:
            return f"{self.low:g} {self.category}"
        if self.high == INF:
            return f"≥ {self.low:g} {self.category}"
        return f"{self.low:g}–{self.high:g} {self.category}"


def _number_words() -> str:
    words = {w for table in (_UNITS, _TENS) for lang in table.values() for w in lang}
    compound = r"(?:(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen)(?:ën|en))?(?:twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)"
    english_compound = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(?:one|two|three|four|five|six|seven|eight|nine)"
    plain = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return rf"{english_compound}|{compound}|{plain}"


_NUMBER = rf"(?P<num>\d{{1,3}}(?:[.,]\d{{3}})+|\d+|{_number_words()})"
_BOUND = "|".join(f"(?P<b{i}>{p})" for i, (p, _, _) in enumerate(_BOUNDS))
_QTY = re.compile(rf"\b(?:(?:{_BOUND})\s+)?{_NUMBER}\s+(?=(?P<rest>[\w\s'-]{{0,40}}))", re.I)
_VAGUE_RE = re.compile(r"\b(?P<vague>" + "|".join(sorted(map(re.escape, _VAGUE), key=len, reverse=True))
                       + r")\s+(?=(?P<rest>[\w\s'-]{0,40}))", re.I)
_ZERO_RE = re.compile(r"\b(?P<zero>" + "|".join(_ZERO) + r")\s+(?=(?P<rest>[\w\s'-]{0,40}))", re.I)
# "geen melding (is gemaakt) van slachtoffers", "no reports of casualties": nothing reported counts as zero.
_NO_REPORT_RE = re.compile(r"\b(?:geen (?:melding|berichten|meldingen)(?: \w+){0,3} (?:van|over)|"
                           r"no (?:reports?|word) of)\s+(?=(?P<rest>[\w\s'-]{0,40}))", re.I)
_NOBODY_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, _NOBODY)) + r")\b", re.I)
_DUTCH_COMPOUND = re.compile(r"^(?:(\w+?)(?:ën|en))?(twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)$")


def parse_number(word: str) -> float | None:
    """'80' -> 80, '1.200' -> 1200, 'tachtig' -> 80, 'tweeëntwintig' -> 22, 'forty-two' -> 42."""
    word = word.lower().strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", word):
        return float(re.sub(r"[.,]", "", word))
    if word.isdigit():
        return float(word)
    for lang in ("nl", "en"):
        if word in _UNITS[lang]:
            return float(_UNITS[lang][word])
        if word in _TENS[lang]:
            return float(_TENS[lang][word])
    match = _DUTCH_COMPOUND.match(word)
    if match:
        unit = _UNITS["nl"].get(match.group(1) or "", 0)
        return float(unit + _TENS["nl"][match.group(2)])
    if "-" in word:
        tens, unit = word.split("-", 1)
        if tens in _TENS["en"] and unit in _UNITS["en"]:
            return float(_TENS["en"][tens] + _UNITS["en"][unit])
    return None


def _category(rest: str, sentence: str) -> str | None:
    """What the number counts: the noun right after it; people counted as killed/injured when the
    sentence says so ("dozens of American soldiers were killed" counts killed)."""
    for name, pattern in _CATEGORY_RE.items():
        if pattern.match(rest):
            if name in _PERSON_CATEGORIES:
                for event, event_re in _EVENT.items():
                    if event_re.search(sentence):
                        return event
            return name
    return None


def extract(sentence: str) -> list[Quantity]:
    """All counted quantities in a sentence whose category is known."""
    found: list[Quantity] = []
    for match in _QTY.finditer(sentence):
        value = parse_number(match.group("num"))
        if value is None or (match.group("num").lower() in ("een", "één", "one") and not _has_bound(match)):
            continue  # "een" is mostly the article
        if re.fullmatch(r"(?:19|20)\d\d", match.group("num")) and not _has_bound(match):
            continue  # a year
        category = _category(match.group("rest"), sentence)
        if category is None:
            continue
        low, high, bound = value, value, None
        for i, (_, to_range, name) in enumerate(_BOUNDS):
            if match.group(f"b{i}"):
                low, high = to_range(value)
                bound = name
        found.append(Quantity(category, low, high, match.group(0).strip(), bound))
    for match in _VAGUE_RE.finditer(sentence):
        category = _category(match.group("rest"), sentence)
        if category:
            low, high = _VAGUE[match.group("vague").lower()]
            found.append(Quantity(category, low, high, match.group(0).strip(), "vague"))
    for regex in (_ZERO_RE, _NO_REPORT_RE):
        for match in regex.finditer(sentence):
            category = _category(match.group("rest"), sentence)
            if category:
                found.append(Quantity(category, 0, 0, match.group(0).strip(), "zero"))
    nobody = _NOBODY_RE.search(sentence)
    if nobody:
        found.extend(Quantity(event, 0, 0, nobody.group(0), "zero")
                     for event, event_re in _EVENT.items() if event_re.search(sentence))
    unique: dict[tuple[str, float, float], Quantity] = {}
    for quantity in found:
        unique.setdefault((quantity.category, quantity.low, quantity.high), quantity)
    return list(unique.values())


def _has_bound(match: re.Match) -> bool:
    return any(match.group(f"b{i}") for i in range(len(_BOUNDS)))


def comparable(a: Quantity, b: Quantity) -> bool:
    """Same countable thing; zero casualties also speaks about killed and injured."""
    if a.category == b.category:
        return True
    pair = {a.category, b.category}
    zero_casualties = (a.category == "casualties" and a.high == 0) or (b.category == "casualties" and b.high == 0)
    return zero_casualties and pair <= {"casualties", "killed", "injured"}


def compatible(a: Quantity, b: Quantity) -> bool:
    """Ranges overlap (for comparable quantities)."""
    return a.low <= b.high and b.low <= a.high


def compare(first: list[Quantity], second: list[Quantity]) -> tuple[list[tuple[Quantity, Quantity]], list[tuple[Quantity, Quantity]]]:
    """(clashes, matches) between the quantities of two claims."""
    clashes, matches = [], []
    for a in first:
        for b in second:
            if comparable(a, b):
                (matches if compatible(a, b) else clashes).append((a, b))
    return clashes, matches
