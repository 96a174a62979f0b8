"""Quantities in Dutch and English claims: a type, a range, and the thing counted.

Every number that states an amount becomes a ``Quantity`` of one type — count, money, percent,
age, year, duration, ordinal or measure — with a range (hedges and vague amounts stay intervals:
"zeker vijf" -> [5, inf], "tientallen" -> [20, 99]) and, for counts, what is counted ("negen
gewonden" -> injured; "drie zwaargewond" -> injured:severe, a subset of the injured and never
compared with their total; "tien kinderen die vingers verloren" -> kinderen). Only quantities of
one type and one counted thing are compared; ages, years and ordinals never are.

The vocabulary here is general news language (what happened to people, currencies, units), never
the names of a particular story.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from checker.judge.attribution import without_frame
from checker.judge.lexicon import FINITE, MONTHS, STOP_WORDS, TENS, UNITS

INF = math.inf
TYPES = ("count", "money", "percent", "age", "year", "duration", "ordinal", "measure")
# Types that two reports of one event can disagree on; ages, years and ordinals are never compared.
COMPARED = frozenset({"count", "money", "percent", "duration", "measure"})

# Vague amounts as ranges.
_VAGUE = {"tientallen": (20, 99), "dozens": (24, 99), "honderden": (200, 999), "hundreds": (200, 999),
          "duizenden": (2000, 9999), "thousands": (2000, 9999), "enkele": (2, 9), "several": (3, 9),
          "meerdere": (2, 9), "verscheidene": (3, 9), "een paar": (2, 5), "a few": (2, 5), "een handvol": (2, 6),
          "a handful": (2, 6)}
# Bounds before a number: how the stated number n becomes a range.
_BOUNDS = [
    (r"ten minste|tenminste|minstens|zeker|at least|no fewer than|no less than", lambda n: (n, INF), "at_least"),
    (r"meer dan|ruim|over|more than|upwards of", lambda n: (math.floor(n) + 1, INF), "more_than"),
    (r"minder dan|fewer than|less than|under", lambda n: (0, max(math.ceil(n) - 1, 0)), "less_than"),
    (r"tot wel|tot|maximaal|hooguit|hoogstens|up to|at most|as many as", lambda n: (0, n), "at_most"),
    (r"bijna|nearly|almost", lambda n: (math.floor(n * 0.8), n), "nearly"),
    (r"ongeveer|circa|ca\.|zo'n|rond de|ruwweg|about|around|approximately|roughly|some|an estimated",
     lambda n: (math.floor(n * 0.8), math.ceil(n * 1.2)), "about"),
]
_BOUND_BEFORE = re.compile(r"(?:^|\s)(" + "|".join(f"(?P<b{i}>{p})" for i, (p, _, _) in enumerate(_BOUNDS)) + r")\s+$",
                           re.I)
# "opgelopen tot 50", "veroordeeld tot drie jaar": "tot" gives the amount itself, not an upper bound.
_RISE_BEFORE = re.compile(r"(?:opgelopen|gestegen|toegenomen|bijgesteld|verhoogd|verlaagd|veroordeeld|gedaald)\s+tot\s+$",
                          re.I)
_MULTIPLIERS = {"duizend": 1e3, "thousand": 1e3, "miljoen": 1e6, "million": 1e6, "mln": 1e6, "m": 1e6,
                "miljard": 1e9, "billion": 1e9, "mld": 1e9, "bn": 1e9, "biljoen": 1e12, "trillion": 1e12}
_CURRENCY_WORDS = {"euro": "EUR", "euros": "EUR", "eur": "EUR", "dollar": "USD", "dollars": "USD", "usd": "USD",
                   "pond": "GBP", "pounds": "GBP", "pound": "GBP", "gbp": "GBP", "yen": "JPY", "frank": "CHF",
                   "francs": "CHF", "roebel": "RUB", "roubles": "RUB", "rubles": "RUB", "yuan": "CNY"}
_CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}
_PERCENT = {"%": "%", "procent": "%", "percent": "%", "per cent": "%", "procentpunt": "pp", "procentpunten": "pp",
            "percentage points": "pp", "percentage point": "pp"}
_DURATIONS = {"jaar": "year", "jaren": "year", "year": "year", "years": "year", "maand": "month",
              "maanden": "month", "month": "month", "months": "month", "week": "week", "weken": "week",
              "weeks": "week", "dag": "day", "dagen": "day", "day": "day", "days": "day", "uur": "hour",
              "uren": "hour", "hour": "hour", "hours": "hour", "minuut": "minute", "minuten": "minute",
              "minute": "minute", "minutes": "minute", "seconden": "second", "seconds": "second"}
_MEASURES = {"km": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km",
             "mijl": "mile", "miles": "mile", "mile": "mile", "meter": "m", "meters": "m", "metre": "m",
             "metres": "m", "m": "m", "cm": "cm", "centimeter": "cm", "centimeters": "cm", "mm": "mm",
             "millimeter": "mm", "millimeters": "mm", "millimetres": "mm", "kilo": "kg", "kilos": "kg",
             "kg": "kg", "kilogram": "kg", "gram": "g", "grams": "g", "ton": "t", "tonnes": "t", "tons": "t",
             "graden": "degree", "graad": "degree", "degrees": "degree", "°": "degree", "°c": "degree",
             "liter": "l", "liters": "l", "litres": "l", "hectare": "ha", "hectares": "ha", "ha": "ha",
             "km/u": "km/h", "km/h": "km/h", "mph": "mph", "megawatt": "MW", "mw": "MW", "gigawatt": "GW"}
_AGE_AFTER = re.compile(r"^(?:-?jarige|-year-old|\s+jaar oud|\s+years? old)\b", re.I)
_AGE_BEFORE = re.compile(r"\b(?:aged|leeftijd van)\s+$", re.I)
_YEAR_BEFORE = re.compile(r"\b(?:in|sinds|since|vanaf|from|tot|until|van|uit|of|begin|eind|medio|early|late|mid|"
                          r"jaar|year|het jaar|the year|voor|before|na|after|in het jaar)\s+$", re.I)
_CLOCK_AFTER = re.compile(r"\s*(?:[ap]\.\s?m\.?|[ap]m\b)", re.I)
_PARTITIVE = re.compile(r"\s+(?:of|van)\s+(?:the|de|het|die|these|those|them|hen)\b", re.I)
_CLOCK_BEFORE = re.compile(r"\b(?:om|at|rond|around|tegen|vanaf|tot|until|sinds|since|from)\s+$", re.I)
_ORDINAL_WORDS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7,
                  "achtste": 8, "negende": 9, "tiende": 10, "elfde": 11, "twaalfde": 12, "twintigste": 20,
                  "honderdste": 100, "first": 1, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                  "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
                  "twentieth": 20, "hundredth": 100}
# What happened to the people counted (general news vocabulary), and how badly.
_EVENTS = {
    "killed": r"do(?:den|de|od)|doodsslachtoffers?|omgekomen|om het leven|kwam(?:en)? om|omkwam(?:en)?|gedood|"
              r"gesneuveld|sneuvelde(?:n)?|overleden|overleed|stierf|stierven|killed|dead|deaths?|died|fatalities",
    "injured": r"(?:zwaar|licht|ernstig)?gewond(?:en|e)?|verwond|injur(?:ed|ies|y)|wounded|hurt|letsel|"
               r"hersenschudding(?:en)?|concussions?",
    "missing": r"vermist(?:en|e)?|missing",
    "arrested": r"aangehouden|gearresteerd|opgepakt|arrestaties|arrested|detained|arrests",
    "evacuated": r"geëvacueerd|evacuated",
    "casualties": r"slachtoffers?|casualt(?:y|ies)|victims?",
}
_EVENT_RES = {name: re.compile(rf"^(?:{pattern})$", re.I) for name, pattern in _EVENTS.items()}
_EVENT_ANY = re.compile(r"\b(?:" + "|".join(p for n, p in _EVENTS.items() if n != "casualties") + r")\b", re.I)
_SEVERE = re.compile(r"^(?:zwaar|ernstig|kritiek|levensgevaarlijk|seriously|critically|badly|severely)", re.I)
_LIGHT = re.compile(r"^(?:licht|lightly|slightly|minor)", re.I)
# People in general: "negen mensen raakten gewond" counts the injured, like "negen gewonden".
_PEOPLE = frozenset({"mensen", "personen", "people", "persons", "individuals", "inwoners", "burgers",
                     "civilians", "mens", "persoon", "person"})
_ZERO = re.compile(r"\b(?:geen|no|zero|nul)\s+$", re.I)
_NOBODY = re.compile(r"\b(?:niemand|no one|nobody|no-one|none)\b", re.I)
_NO_REPORT = re.compile(r"\b(?:geen (?:melding|berichten|meldingen)(?: \w+){0,3} (?:van|over)|no (?:reports?|word) of)"
                        r"\s+$", re.I)
_COUNT_OF = re.compile(r"\b(?:het aantal|the number of|aantal)\s+(?P<thing>[\w'-]+(?:\s+[\w'-]+){0,4})", re.I)
_VERB_AFTER_THING = re.compile(r"\b(?:is|zijn|was|waren|wordt|werd|heeft|hebben|has|have|had|were|stands?|stood)\b")
_TOTAL = re.compile(r"\b(?:in totaal|totaal|alles bij elkaar|in total|in all|overall|altogether)\b", re.I)
_TOLL = re.compile(r"\b(?:dodental|death toll)\b", re.I)
_TOKEN = re.compile(r"[€$£¥]|\d+(?:[.,]\d+)*(?:-\w+)*|[^\W\d_]\w*(?:[-'’]\w+)*|%|°C?|[^\w\s]")
_NUMERIC = re.compile(r"(?P<num>\d+(?:[.,]\d+)*)(?P<suffix>(?:-\w+)*)$")
_CLAUSE_END = frozenset({",", ";", ":", "(", ")", "en", "and", "maar", "but", "terwijl", "while", "of", "or",
                         "–", "-", "—", "."})
_NOT_COUNTED = STOP_WORDS | FINITE | frozenset(MONTHS) | frozenset(_DURATIONS) | frozenset(_MEASURES)


@dataclass(frozen=True)
class Quantity:
    """``low``..``high`` (inf when open) of ``type``; for a count, what it counts.

    ``counted`` is the counted phrase as written ("zwaargewonden", "kinderen die vingers verloren");
    ``key`` is what comparisons use ("injured:severe", "kinderen"); ``unit`` a currency ("EUR"),
    "%", or a unit ("km", "year"). ``who`` holds entities named in the counted phrase ("Duitse"
    toeristen), ``scope`` the places the claim names, both as ``analyze.entity_key`` keys."""

    type: str
    low: float
    high: float
    text: str
    counted: str | None = None
    key: str | None = None
    unit: str | None = None
    bound: str | None = None
    who: frozenset[str] = frozenset()
    scope: frozenset[str] = frozenset()
    total: bool = False  # the claim says the count is a total ("in totaal", "in all")
    start: int = 0  # offsets of ``text`` in the claim
    end: int = 0

    def describe(self) -> str:
        what = self.unit or self.type
        if self.type == "count":
            what = self.counted or self.key or "counted"
            if self.key and self.key != _stem(what.split()[0]):
                what = f"{what} ({self.key})"
        if self.low == self.high:
            return f"{self.low:g} {what}"
        if self.high == INF:
            return f"≥ {self.low:g} {what}"
        return f"{self.low:g}–{self.high:g} {what}"


def _number_words() -> dict[str, float]:
    return {**{w: float(v) for w, v in UNITS.items() if " " not in w}, **{w: float(v) for w, v in TENS.items()
                                                                          if " " not in w}}


_WORDS = _number_words()
_DUTCH_COMPOUND = re.compile(r"^(?:(\w+?)(?:ën|en))?(twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)$")


def parse_number(word: str) -> float | None:
    """'80' -> 80, '1.200' -> 1200, '3,5' -> 3.5, 'tachtig' -> 80, 'tweeëntwintig' -> 22, 'forty-two' -> 42.

    A separator followed by exactly three digits groups thousands (Dutch "2.700", English "2,700");
    otherwise it is the decimal mark (Dutch "3,5", English "3.5")."""
    word = word.lower().strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", word):
        return float(re.sub(r"[.,]", "", word))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", word):
        return float(word.replace(",", "."))
    if word in ("a dozen", "dozen"):
        return 12.0
    if word in _WORDS:
        return _WORDS[word]
    match = _DUTCH_COMPOUND.match(word)
    if match:
        return float(UNITS.get(match.group(1) or "", 0) + TENS[match.group(2)])
    tens, _, unit = word.partition("-")
    if tens in TENS and unit in UNITS:
        return float(TENS[tens] + UNITS[unit])
    return None


@dataclass
class _Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def extract(sentence: str, entities: Sequence[tuple[int, int, str]] = (), lang: str = "nl") -> list[Quantity]:
    """Every amount in ``sentence`` (``lang`` "nl" or "en", for word order); ``entities`` are
    (start, end, key) of its named entities (offsets into ``sentence``; places keyed "loc:..."),
    giving each count its ``who`` and the claim its places."""
    content = without_frame(sentence)
    shift = sentence.find(content) if content in sentence else 0
    tokens = _tokens(content)
    found: list[Quantity] = []
    taken: set[int] = set()
    for i, token in enumerate(tokens):
        if i in taken:
            continue
        quantity = _read(tokens, i, content, taken, lang)
        if quantity is not None:
            found.append(quantity)
    found += _zeros(tokens, content, {q.start for q in found}, lang)
    places = frozenset(key for s, e, key in entities if key.startswith("loc:"))
    total = bool(_TOTAL.search(content))
    out, seen = [], set()
    for q in found:
        who = frozenset(key for s, e, key in entities if q.start + shift <= s and e <= q.end + shift + len(q.counted or "")
                        and not key.startswith("loc:")) if q.counted else frozenset()
        q = Quantity(q.type, q.low, q.high, q.text, q.counted, q.key, q.unit, q.bound, who, places - who,
                     total, q.start + shift, q.end + shift)
        identity = (q.type, q.low, q.high, q.key, q.unit)
        if identity not in seen:
            seen.add(identity)
            out.append(q)
    return out


def _value(tokens: list[_Token], i: int) -> tuple[float, int, str] | None:
    """(value, tokens used, kind) of a number at ``i``: digits, number words, vague amounts."""
    word = tokens[i].lower
    two = f"{word} {tokens[i + 1].lower}" if i + 1 < len(tokens) else ""
    if two in _VAGUE:
        return -1.0, 2, "vague"
    if word in _VAGUE:
        return -1.0, 1, "vague"
    if two in ("a dozen", "een dozijn"):  # a number: "more than a dozen" is bounded like "more than 12"
        return 12.0, 2, "number"
    match = _NUMERIC.match(tokens[i].text)
    if match:
        value = parse_number(match.group("num"))
        return (value, 1, "digits") if value is not None else None
    value = parse_number(word)
    if value is not None:
        return value, 1, "number"
    if word in _ORDINAL_WORDS:
        return float(_ORDINAL_WORDS[word]), 1, "ordinal"
    return None


def _read(tokens: list[_Token], i: int, text: str, taken: set[int], lang: str) -> Quantity | None:
    """The quantity that starts at token ``i``, or None."""
    got = _value(tokens, i)
    if got is None or (tokens[i].lower == "ten" and i + 1 < len(tokens) and tokens[i + 1].lower == "minste"):
        return None
    value, used, kind = got
    token = tokens[i]
    before = text[: token.start]
    after = text[tokens[i + used - 1].end:]
    suffix = _NUMERIC.match(token.text).group("suffix").lower() if kind == "digits" else ""
    nxt = tokens[i + used].lower if i + used < len(tokens) else ""
    prev = tokens[i - 1].lower if i > 0 else ""
    if kind == "ordinal":
        return Quantity("ordinal", value, value, token.text, start=token.start, end=token.end)
    if kind == "digits":
        if re.fullmatch(r"-\d+", suffix) or re.fullmatch(r"\d{1,2}[.:]\d{2}", token.text) and (
                nxt in ("uur", "u", "h", "am", "pm", "a.m.", "p.m.") or _CLOCK_BEFORE.search(before)):
            return None  # a score ("2-1") or a clock time ("om 21.15 uur")
        abbreviated_month = prev == "." and i > 1 and tokens[i - 2].lower in MONTHS  # "Sept. 11"
        if nxt in MONTHS or prev in MONTHS or abbreviated_month or _CLOCK_AFTER.match(after) or \
                (nxt in ("uur", "u") and _CLOCK_BEFORE.search(before)):
            return None  # a date ("3 juli", "July 3") or a clock time ("om 9 uur", "3 p.m.")
        attached = i + 1 < len(tokens) and tokens[i + 1].start == token.end
        if re.fullmatch(r"-(?:e|de|ste)", suffix) or attached and nxt in ("e", "de", "ste", "st", "nd", "rd", "th"):
            return Quantity("ordinal", value, value, token.text, start=token.start, end=token.end)
        if _AGE_AFTER.match(suffix or after) or _AGE_BEFORE.search(before):
            return Quantity("age", value, value, token.text, start=token.start, end=token.end)
    if kind == "number" and used == 1 and token.lower in ("een", "één", "a", "an", "one") \
            and not _BOUND_BEFORE.search(before) and nxt not in _MULTIPLIERS:
        return None  # "een" and "a" are mostly the article, "one of the" a part
    if kind == "vague":
        low, high, bound = *_VAGUE[" ".join(t.lower for t in tokens[i:i + used])], "vague"
        j = i + used + (1 if nxt in ("of", "van") else 0)
    else:
        j = i + used
        if j < len(tokens) and tokens[j].lower in _MULTIPLIERS and not (tokens[j].lower == "m" and
                                                                         not _currency_before(tokens, i)):
            value *= _MULTIPLIERS[tokens[j].lower]
            j += 1
        low, high, bound = _range(value, before)
    start, end = tokens[i - 1 if _currency_before(tokens, i) else i].start, tokens[j - 1].end
    if kind == "digits" and re.fullmatch(r"\d{4}", token.text) and 1800 <= value <= 2100 and bound is None and \
            (_YEAR_BEFORE.search(before) or not _noun_at(tokens, j)):
        return Quantity("year", value, value, token.text, start=start, end=end)
    typed = _typed(tokens, i, j, before)
    if typed is not None:
        qtype, unit, j = typed
        counted = _phrase(tokens, j, text, lang)[0] if qtype == "duration" else None
        key = f"{unit}:{counted.split()[0]}" if counted else unit
        taken.update(range(i, j))
        return Quantity(qtype, low, high, text[start:tokens[j - 1].end], counted, key, unit, bound,
                        start=start, end=tokens[j - 1].end)
    if kind != "vague" and _PARTITIVE.match(after):
        return None  # "Fifteen of the 19 hijackers": a part, counted by the number that follows
    counted, head, k = _phrase(tokens, j, text, lang)
    if head is None:
        counted, head = _counted_before(text[:start])
        if head is None:
            return None
    taken.update(range(i, k))
    key = _key(head, counted, tokens, i, k, text)
    return Quantity("count", low, high, text[start:end], counted, key, None, bound, start=start, end=end)


def _currency_before(tokens: list[_Token], i: int) -> bool:
    return i > 0 and tokens[i - 1].text in _CURRENCY_SIGNS


def _range(value: float, before: str) -> tuple[float, float, str | None]:
    match = _BOUND_BEFORE.search(before)
    if match and not (match.group(1).lower() == "tot" and _RISE_BEFORE.search(before)):
        for i, (_, to_range, name) in enumerate(_BOUNDS):
            if match.group(f"b{i}"):
                low, high = to_range(value)
                return low, high, name
    return value, value, None


def _typed(tokens: list[_Token], i: int, j: int, before: str) -> tuple[str, str, int] | None:
    """(type, unit, end token) for money, percent, duration and measure; None for a count."""
    if _currency_before(tokens, i):
        return "money", _CURRENCY_SIGNS[tokens[i - 1].text], j
    word = tokens[j].lower if j < len(tokens) else ""
    two = f"{word} {tokens[j + 1].lower}" if j + 1 < len(tokens) else ""
    if word in _CURRENCY_WORDS:
        return "money", _CURRENCY_WORDS[word], j + 1
    if two in _PERCENT:
        return "percent", _PERCENT[two], j + 2
    if word in _PERCENT:
        return "percent", _PERCENT[word], j + 1
    if word in _DURATIONS and not (_DURATIONS[word] == "hour" and _CLOCK_BEFORE.search(before)):
        return "duration", _DURATIONS[word], j + 1
    if word in _MEASURES and not (word == "m" and j > i + 1):
        return "measure", _MEASURES[word], j + 1
    letters = re.search(r"\d([a-z°/]+)$", tokens[i].text.lower())
    if letters and letters.group(1) in _MEASURES:
        return "measure", _MEASURES[letters.group(1)], j
    return None


def _noun_at(tokens: list[_Token], j: int) -> bool:
    return j < len(tokens) and tokens[j].text[:1].isalpha() and tokens[j].lower not in _NOT_COUNTED


def _phrase(tokens: list[_Token], j: int, text: str, lang: str) -> tuple[str | None, str | None, int]:
    """(counted phrase, its head word, end token) of the noun phrase at ``j``: up to three words;
    the head is the last (English: "US service members") or, in Dutch, the first word that is no
    inflected adjective ("Duitse toeristen", but "mensen" in "mensen gewond geraakt"); a relative
    clause ("die vingers verloren", "who lost fingers") is part of the phrase."""
    run = []
    k = j
    while k < len(tokens) and len(run) < 3 and tokens[k].text[:1].isalpha() and \
            (tokens[k].lower not in _NOT_COUNTED or tokens[k].text.isupper() and len(tokens[k].text) > 1):
        run.append(tokens[k])
        k += 1
    if not run:
        return None, None, j
    head = run[-1] if lang == "en" else next((t for t in run[:-1] if not _adjective_like(t.lower)), run[-1])
    end = run.index(head) + 1
    k = j + end
    stop = k
    if k < len(tokens) and tokens[k].lower in ("die", "dat", "who", "that", "which"):
        stop = next((m for m in range(k + 1, min(k + 7, len(tokens))) if tokens[m].lower in _CLAUSE_END),
                    min(k + 6, len(tokens)))
    return text[tokens[j].start:tokens[stop - 1].end].lower(), head.lower, j + end


def _adjective_like(word: str) -> bool:
    """Inflected Dutch adjectives ("zware", "Duitse") and English modifiers ("seriously", "injured")."""
    return (len(word) > 3 and word.endswith("e") and not word.endswith(("ie", "ee"))) or \
        word.endswith(("ly", "ed", "ing"))


def _counted_before(before: str) -> tuple[str | None, str | None]:
    """The thing of a bare number named earlier: "het aantal gewonden is opgelopen tot 34", "death toll"."""
    if _TOLL.search(before):
        return "doden", "doden"
    match = _COUNT_OF.search(before)
    if not match:
        return None, None
    thing = _VERB_AFTER_THING.split(match.group("thing").lower())[0]  # "gewonden is opgelopen" -> gewonden
    words = [w for w in thing.split() if w not in _NOT_COUNTED]
    head = next((w for w in words if not _adjective_like(w)), words[0]) if words else None
    return (" ".join(words), head) if words else (None, None)


def _event(word: str) -> str | None:
    for name, regex in _EVENT_RES.items():
        if regex.match(word):
            return name
    return None


def _key(head: str, counted: str | None, tokens: list[_Token], i: int, k: int, text: str) -> str:
    """What a count counts, for comparisons: what happened to the people counted, how badly and to
    which group ("negen mensen raakten gewond" and "negen gewonden": injured; "drie zwaargewond":
    injured:severe; "elf agenten raakten gewond": injured|agent), else the counted noun ("kinder").
    A refined key is part of the plainer one (``part_of``)."""
    event = _event(head)
    words = (counted or head).split()
    group = None
    modifier = next((w for w in words if _event(w)), None)  # "elf gewonde militairen", "troops with injuries"
    if event is None and modifier is not None:
        event, group = _event(modifier), None if head in _PEOPLE else _stem(head)
    elif event is None:
        clause = _clause(tokens, i, k)
        match = _EVENT_ANY.search(clause)
        if match is None:
            return _stem(head)
        event = _event(match.group())
        words = words + clause[:match.end()].split()[-2:]
        group = None if head in _PEOPLE else _stem(head)
    severity = next(("severe" if _SEVERE.match(w) else "light" for w in words if _SEVERE.match(w) or _LIGHT.match(w)),
                    None)
    return f"{event}{':' + severity if severity else ''}{'|' + group if group else ''}"


def counts_named(sentence: str) -> frozenset[str]:
    """Keys of the counts a sentence names without giving them ("het aantal gewonden is gestegen",
    "the death toll has risen"): what a revision without a number revises."""
    found = set()
    if _TOLL.search(sentence):
        found.add("killed")
    for match in _COUNT_OF.finditer(sentence):
        head = match.group("thing").split()[0].lower()
        event = _event(head)
        found.add(event or _stem(head))
    return frozenset(found)


def part_of(part: str, whole: str) -> bool:
    """``part`` counts a subset of ``whole``: the severely injured of the injured, the injured
    officers of the injured, the killed and injured of the casualties."""
    if whole == "casualties":
        return part.startswith(("killed", "injured"))
    return part.startswith(whole) and part[len(whole):len(whole) + 1] in (":", "|")


def _clause(tokens: list[_Token], i: int, k: int) -> str:
    """The words of the number's clause after it (up to eight), where what happened to the counted is said."""
    words = []
    for token in tokens[k:k + 8]:
        if token.lower in _CLAUSE_END or _NUMERIC.match(token.text) or parse_number(token.lower) is not None:
            break
        words.append(token.lower)
    return " ".join(words)


def _stem(word: str) -> str:
    """A crude plural fold so "woning"/"woningen" and "house"/"houses" meet."""
    for suffix in ("eren", "en", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _zeros(tokens: list[_Token], text: str, used: set[int], lang: str) -> list[Quantity]:
    """Zero counts: "geen doden", "no reports of casualties", "niemand kwam om", "nobody was hurt"."""
    out = []
    for j, token in enumerate(tokens):
        before = text[: token.start]
        if not (_ZERO.search(before) or _NO_REPORT.search(before)) or token.start in used:
            continue
        counted, head, k = _phrase(tokens, j, text, lang)
        key = _key(head, counted, tokens, j, k, text) if head else None
        if key and re.split(r"[:|]", key)[0] in _EVENTS:  # "geen doden", "geen agenten gewond"; not "geen escalatie"
            start = len(before.rstrip()) - len(before.rstrip().split()[-1])  # "geen", "no"
            out.append(Quantity("count", 0, 0, text[start:tokens[k - 1].end], counted, key, None, "zero",
                                start=start, end=tokens[k - 1].end))
    nobody = _NOBODY.search(text)
    if nobody:
        clause = text[nobody.end():nobody.end() + 60]
        events = dict.fromkeys(_event(m.group()) for m in _EVENT_ANY.finditer(clause))
        out += [Quantity("count", 0, 0, nobody.group(), None, event, None, "zero", start=nobody.start(),
                         end=nobody.end()) for event in events if event]
    return out


def comparable(a: Quantity, b: Quantity, link: str = "story") -> bool:
    """One type and unit, no different named groups, and claims linked closely enough (``link``):
    counts of what happened to people ("killed", "injured") within one story; counts of anything
    else ("pages", "hijackers") only in claims that word one event ("event"); money, percentages,
    durations and measures only in claims that make one statement ("statement": a budget story
    names many sums, a poll many percentages)."""
    if a.type != b.type or a.type not in COMPARED or a.unit != b.unit:
        return False
    if a.who and b.who and not a.who & b.who:
        return False
    if a.type != "count":
        return link == "statement" and (a.key == b.key or a.type == "money")
    happened = all(re.split(r"[:|]", q.key or "")[0] in _EVENTS for q in (a, b))
    return happened or link in ("event", "statement")


def compatible(a: Quantity, b: Quantity) -> bool:
    """Ranges overlap (for comparable quantities)."""
    return a.low <= b.high and b.low <= a.high


def relation(a: Quantity, b: Quantity, link: str = "story") -> str | None:
    """"clash", "match" or None (not comparable, or counts of different things or places).

    A part never exceeds its whole: a count of a subset ("drie zwaargewonden" of "negen gewonden")
    or of one place ("twee doden in Gent" against a count that says it is the total: "in totaal")
    clashes only when it is larger than the whole. Counts of different things or different places
    never clash."""
    if not comparable(a, b, link):
        return None
    if a.scope and b.scope and not a.scope & b.scope:
        return None
    one_place = bool(a.scope) != bool(b.scope)
    if a.key == b.key and one_place and (b if a.scope else a).total:  # a place's share of a total
        part, whole = (a, b) if a.scope else (b, a)
        return "clash" if part.low > whole.high else ("match" if compatible(a, b) else None)
    if a.key == b.key:  # naming where it happened ("op de A28") does not make a count a part
        return "match" if compatible(a, b) else "clash"
    if a.key and b.key and (part_of(a.key, b.key) or part_of(b.key, a.key)):
        part, whole = (a, b) if part_of(a.key, b.key) else (b, a)
        if part.low > whole.high:
            return "clash"
        return "match" if whole.high == 0 else None  # "geen slachtoffers" and "niemand kwam om" agree
    return None


def compare(first: Sequence[Quantity], second: Sequence[Quantity], link: str = "story") \
        -> tuple[list[tuple[Quantity, Quantity]], list[tuple[Quantity, Quantity]]]:
    """(clashes, matches) between the quantities of two claims."""
    pairs = [(a, b, relation(a, b, link)) for a in first for b in second]
    return [(a, b) for a, b, r in pairs if r == "clash"], [(a, b) for a, b, r in pairs if r == "match"]
