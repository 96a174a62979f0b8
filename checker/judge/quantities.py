"""Counted quantities in Dutch and English claims, normalised to ranges of what they count.

"Er zijn vooralsnog geen slachtoffers gevallen" -> casualties [0, 0]; "at least 80 people were
killed" -> killed [80, inf]; "tientallen gewonden" -> injured [20, 99]; "niemand kwam om" -> killed
[0, 0]. Each count also records whose it is ("elf Amerikaanse militairen" -> us) and where
("op Al Asad" -> asad), so Dutch and US casualties, or one base and the whole attack, are not compared
as if they were one number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from checker.judge.actors import mentions, places
from checker.judge.attribution import without_frame
from checker.judge.lexicon import FINITE, GENERIC_ACTORS, MONTHS, TENS, UNITS

INF = math.inf

# Vague amounts as ranges.
_VAGUE = {"tientallen": (20, 99), "dozens of": (24, 99), "dozens": (24, 99), "honderden": (200, 999),
          "hundreds of": (200, 999), "hundreds": (200, 999), "duizenden": (2000, 9999), "thousands of": (2000, 9999),
          "thousands": (2000, 9999), "enkele": (2, 9), "een paar": (2, 5), "a few": (2, 5), "several": (3, 9),
          "meerdere": (2, 9), "verscheidene": (3, 9), "een handvol": (2, 6), "a handful of": (2, 6)}
_ZERO = ["geen", "no", "zero", "nul"]
_NOBODY = ["niemand", "no one", "nobody", "none"]

# Bounds before a number: how the stated number n becomes a range.
_BOUNDS = [
    (r"ten minste|tenminste|minstens|zeker|at least|no fewer than|no less than", lambda n: (n, INF), "at_least"),
    (r"meer dan|ruim|over|more than|upwards of", lambda n: (n + 1, INF), "more_than"),
    (r"minder dan|fewer than|less than|under", lambda n: (0, max(n - 1, 0)), "less_than"),
    (r"tot wel|tot|maximaal|hooguit|hoogstens|up to|at most|as many as", lambda n: (0, n), "at_most"),
    (r"bijna|nearly|almost", lambda n: (math.floor(n * 0.8), n), "nearly"),
    (r"ongeveer|circa|ca\.|zo'n|rond de|ruwweg|about|around|approximately|roughly|some|an estimated",
     lambda n: (math.floor(n * 0.8), math.ceil(n * 1.2)), "about"),
]
# "opgelopen tot 50", "gestegen tot": "tot" gives the new total, not an upper bound.
_RISE_BEFORE = re.compile(r"(?:opgelopen|gestegen|toegenomen|bijgesteld)\s+$", re.I)

# What a quantity counts. Casualties (slachtoffers) cover killed and injured.
CATEGORIES = {
    "killed": r"do(?:den|de)|doodsslachtoffers|omgekomen|om het leven|gedood|gesneuveld|overleden|"
              r"killed|dead|deaths?|died|fatalities",
    "injured": r"(?:licht|zwaar)?gewond(?:en|e)?|verwond|injur(?:ed|ies|y)|wounded|hurt",
    "casualties": r"slachtoffers?|casualt(?:y|ies)|victims?",
    "missiles": r"(?:ballistische |ballistic )?(?:raket(?:ten)?|projectielen|missiles?|rockets?)",
    "bases": r"(?:leger|lucht(?:macht)?)?bases?|basissen|basis|air bases?|military bases?",
    "troops": r"militairen|soldaten|troepen|manschappen|troops|soldiers|servicemen|service members|personnel|forces",
    "people": r"mensen|personen|burgers|amerikanen|irakezen|iraniërs|people|persons|civilians|americans|iraqis|iranians",
}
_PERSON_CATEGORIES = {"troops", "people"}
# Words elsewhere in the sentence that say what happened to the people counted.
_EVENT = {
    "killed": re.compile(rf"\b(?:{CATEGORIES['killed']}|kwam(?:en)? (?:\w+ ){{0,3}}om\b|omkwam(?:en)?|sneuvelde(?:n)?|"
                         r"stierf|stierven|(?:lost|verloren) (?:their|hun) (?:lives|leven))", re.I),
    "injured": re.compile(r"(?:gewond|verwond|injur|wounded|hurt\b|letsel|hersenschudding|concussion)", re.I),
    "casualties": re.compile(r"\b(?:harmed|getroffen)\b", re.I),
}
_CATEGORY_RE = {name: re.compile(rf"^(?:[\w'-]+\s+){{0,2}}?(?:{pattern})\b", re.I) for name, pattern in CATEGORIES.items()}
# "het aantal militairen met hersenletsel is opgelopen tot 50": the count names its noun before the number.
_COUNT_OF = re.compile(r"\b(?:het aantal|the number of|aantal)\s+(?P<rest>[\w\s'-]{0,60})", re.I)
_TOLL = re.compile(r"\b(?:dodental|death toll)\b", re.I)


@dataclass(frozen=True)
class Quantity:
    """``low``..``high`` of ``category`` (inf for open ranges), whose (``who``) and where (``scope``)."""

    category: str
    low: float
    high: float
    text: str
    bound: str | None = None
    who: frozenset[str] = frozenset()
    scope: frozenset[str] = frozenset()

    def describe(self) -> str:
        if self.low == self.high:
            return f"{self.low:g} {self.category}"
        if self.high == INF:
            return f"≥ {self.low:g} {self.category}"
        return f"{self.low:g}–{self.high:g} {self.category}"


def _number_words() -> str:
    compound = r"(?:(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen)(?:ën|en))?(?:twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)"
    english_compound = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(?:one|two|three|four|five|six|seven|eight|nine)"
    plain = "|".join(sorted((re.escape(w) for w in {*UNITS, *TENS}), key=len, reverse=True))
    return rf"{english_compound}|{compound}|{plain}"


_NUMBER = rf"(?P<num>\d{{1,3}}(?:[.,]\d{{3}})+|\d+|{_number_words()})"
_BOUND = "|".join(f"(?P<b{i}>{p})" for i, (p, _, _) in enumerate(_BOUNDS))
_REST = r"(?=(?P<rest>[\w\s'-]{0,50}))"
_QTY = re.compile(rf"\b(?:(?:{_BOUND})\s+)?{_NUMBER}\b(?![.:]\d)\s*{_REST}", re.I)
_VAGUE_RE = re.compile(r"\b(?P<vague>" + "|".join(sorted(map(re.escape, _VAGUE), key=len, reverse=True))
                       + rf")\s+{_REST}", re.I)
_ZERO_RE = re.compile(r"\b(?P<zero>" + "|".join(_ZERO) + rf")\s+{_REST}", re.I)
# "geen melding (is gemaakt) van slachtoffers", "no reports of casualties": nothing reported counts as zero.
_NO_REPORT_RE = re.compile(r"\b(?:geen (?:melding|berichten|meldingen)(?: \w+){0,3} (?:van|over)|"
                           rf"no (?:reports?|word) of)\s+{_REST}", re.I)
_NOBODY_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, _NOBODY)) + r")\b", re.I)
_DUTCH_COMPOUND = re.compile(r"^(?:(\w+?)(?:ën|en))?(twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)$")


def parse_number(word: str) -> float | None:
    """'80' -> 80, '1.200' -> 1200, 'tachtig' -> 80, 'tweeëntwintig' -> 22, 'forty-two' -> 42."""
    word = word.lower().strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", word):
        return float(re.sub(r"[.,]", "", word))
    if word.isdigit():
        return float(word)
    if word in UNITS or word in TENS:
        return float(UNITS.get(word) or TENS[word])
    match = _DUTCH_COMPOUND.match(word)
    if match:
        return float(UNITS.get(match.group(1) or "", 0) + TENS[match.group(2)])
    tens, _, unit = word.partition("-")
    if tens in TENS and unit in UNITS:
        return float(TENS[tens] + UNITS[unit])
    return None


def _category(rest: str, sentence: str) -> tuple[str, str] | None:
    """What the number counts and the words that say so: the noun right after it; people counted as
    killed/injured when the sentence says so ("dozens of American soldiers were killed" counts killed)."""
    for name, pattern in _CATEGORY_RE.items():
        match = pattern.match(rest)
        if match and not any(w.lower() in FINITE or w.lower() in MONTHS for w in match.group(0).split()[:-1]):
            if name in _PERSON_CATEGORIES:
                name = next((event for event, event_re in _EVENT.items() if event_re.search(sentence)), name)
            return name, match.group(0)
    return None


def _counted_before(sentence: str) -> tuple[str, str] | None:
    """The category of a bare number named earlier: "het aantal gewonden is opgelopen tot 34"."""
    if _TOLL.search(sentence):
        return "killed", ""
    match = _COUNT_OF.search(sentence)
    return _category(match.group("rest"), sentence) if match else None


def _range(match: re.Match, value: float, sentence: str) -> tuple[float, float, str | None]:
    for i, (_, to_range, name) in enumerate(_BOUNDS):
        bound = match.group(f"b{i}")
        if bound and not (bound.lower() == "tot" and _RISE_BEFORE.search(sentence[:match.start()])):
            low, high = to_range(value)
            return low, high, name
    return value, value, None


def _numbers(sentence: str) -> list[tuple[str, float, float, str, str | None, str]]:
    """(category, low, high, text, bound, counted words) for digits and number words."""
    found = []
    for match in _QTY.finditer(sentence):
        num = match.group("num").lower()
        value = parse_number(num)
        bounded = any(match.group(f"b{i}") for i in range(len(_BOUNDS)))
        if value is None or (num in ("een", "a dozen") and not bounded) or \
                (num in ("one", "één") and (re.match(r"(?:of|van)\b", match.group("rest"), re.I) or
                                           re.search(r"\bno\s+$", sentence[:match.start()], re.I))):
            continue  # "een" is mostly the article, "one of the bases" a part, "no one" nobody
        if re.fullmatch(r"(?:19|20)\d\d", num) and not bounded:
            continue  # a year
        category = _category(match.group("rest"), sentence) or \
            (_counted_before(sentence[:match.start()]) if not match.group("rest").strip()[:1].isalpha() else None)
        if category:
            low, high, bound = _range(match, value, sentence)
            found.append((category[0], low, high, match.group(0).strip(), bound, category[1]))
    return found


def _vague_and_zero(sentence: str) -> list[tuple[str, float, float, str, str | None, str]]:
    found = []
    for match in _VAGUE_RE.finditer(sentence):
        category = _category(match.group("rest"), sentence)
        if category:
            low, high = _VAGUE[match.group("vague").lower()]
            found.append((category[0], low, high, match.group(0).strip(), "vague", category[1]))
    for regex in (_ZERO_RE, _NO_REPORT_RE):
        for match in regex.finditer(sentence):
            category = _category(match.group("rest"), sentence)
            if category:
                found.append((category[0], 0, 0, match.group(0).strip(), "zero", category[1]))
    nobody = _NOBODY_RE.search(sentence)
    if nobody:
        found.extend((event, 0, 0, nobody.group(0), "zero", "") for event, event_re in _EVENT.items()
                     if event != "casualties" and event_re.search(sentence))
    return found


def extract(sentence: str) -> list[Quantity]:
    """All counted quantities in a sentence whose category is known."""
    content = without_frame(sentence)
    scope = places(content)
    unique: dict[tuple[str, float, float, frozenset[str]], Quantity] = {}
    for category, low, high, text, bound, counted in _numbers(content) + _vague_and_zero(content):
        who = frozenset(actor for _, actor in mentions(counted)) - GENERIC_ACTORS
        unique.setdefault((category, low, high, who), Quantity(category, low, high, text, bound, who, scope))
    return list(unique.values())


def comparable(a: Quantity, b: Quantity) -> bool:
    """Same countable thing of the same group; zero casualties also speaks about killed and injured."""
    if a.who and b.who and not a.who & b.who:
        return False
    if a.category == b.category:
        return True
    zero_casualties = (a.category == "casualties" and a.high == 0) or (b.category == "casualties" and b.high == 0)
    return zero_casualties and {a.category, b.category} <= {"casualties", "killed", "injured"}


def compatible(a: Quantity, b: Quantity) -> bool:
    """Ranges overlap (for comparable quantities)."""
    return a.low <= b.high and b.low <= a.high


def relation(a: Quantity, b: Quantity) -> str | None:
    """"clash", "match" or None (not comparable, or counts of different places).

    A count for one place ("elf raketten op Al Asad") is part of an unplaced total: it clashes only
    when it exceeds the total. Counts for different places never clash.
    """
    if not comparable(a, b):
        return None
    if a.scope != b.scope and a.scope and b.scope and not a.scope & b.scope:
        return None
    if a.scope != b.scope and not (a.scope and b.scope):
        part, whole = (a, b) if a.scope else (b, a)
        return "clash" if part.low > whole.high else ("match" if compatible(a, b) else None)
    return "match" if compatible(a, b) else "clash"


def compare(first: list[Quantity], second: list[Quantity]) -> tuple[list[tuple[Quantity, Quantity]], list[tuple[Quantity, Quantity]]]:
    """(clashes, matches) between the quantities of two claims."""
    pairs = [(a, b, relation(a, b)) for a in first for b in second]
    return [(a, b) for a, b, r in pairs if r == "clash"], [(a, b) for a, b, r in pairs if r == "match"]
