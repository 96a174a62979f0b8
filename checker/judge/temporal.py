"""Time in claims: hedges ("vooralsnog", "so far"), weekdays and clock times, article dates."""

from __future__ import annotations

import re
from dataclasses import dataclass

HEDGES = re.compile(
    r"\b(?:vooralsnog|tot nu toe|tot dusver|voorlopig|(?:nog )?niet (?:officieel )?bevestigd|"
    r"nog onduidelijk|so far|as yet|for now|thus far|until now|not yet (?:been )?confirmed|unconfirmed|"
    r"initial(?:ly)?|eerste berichten|preliminary)\b", re.I)
_WEEKDAYS = {
    "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_WEEKDAY_RE = re.compile(r"(" + "|".join(_WEEKDAYS) + r")", re.I)
# "0.30 uur", "01:30", "1.30 am", "half twee" is left out (rare in news copy).
_CLOCK_RE = re.compile(r"\b([01]?\d|2[0-3])[.:]([0-5]\d)(?:\s*(uur|u\b|am|pm|a\.m\.|p\.m\.))", re.I)


@dataclass(frozen=True)
class TimeInfo:
    hedged: bool
    weekdays: frozenset[int]
    clock: frozenset[str]


def time_info(sentence: str) -> TimeInfo:
    weekdays = frozenset(_WEEKDAYS[m.group(1).lower()] for m in _WEEKDAY_RE.finditer(sentence))
    clock = set()
    for match in _CLOCK_RE.finditer(sentence):
        hour, minute, suffix = int(match.group(1)), match.group(2), (match.group(3) or "").lower()
        if suffix.startswith("p") and hour < 12:
            hour += 12
        clock.add(f"{hour:02d}:{minute}")
    return TimeInfo(bool(HEDGES.search(sentence)), weekdays, frozenset(clock))


def clash(a: TimeInfo, b: TimeInfo) -> str | None:
    """Explicit times that cannot both hold, described; None when compatible or unstated."""
    if a.clock and b.clock and not a.clock & b.clock:
        return f"{'/'.join(sorted(a.clock))} vs {'/'.join(sorted(b.clock))}"
    if a.weekdays and b.weekdays and not a.weekdays & b.weekdays:
        names = {v: k for k, v in _WEEKDAYS.items() if k.endswith("dag")}
        fmt = lambda days: "/".join(names[d] for d in sorted(days))  # noqa: E731
        return f"{fmt(a.weekdays)} vs {fmt(b.weekdays)}"
    return None


def is_later(date_a: str | None, date_b: str | None) -> bool:
    """``date_b`` strictly after ``date_a``; partial ISO dates compare only when both are that precise."""
    if not date_a or not date_b:
        return False
    width = min(len(date_a), len(date_b))
    return date_b[:width] > date_a[:width]
