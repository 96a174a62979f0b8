"""Time in claims: hedges ("vooralsnog", "so far"), revisions ("opgelopen tot", "has risen to"),
dates ("8 januari", "January 8"), months ("in juli"), weekdays, "gisteren", clock times, and the
article's own publication time.

With a full article date, a weekday is read as the most recent such day on or before it ("dinsdag"
in an article of Wednesday 2020-01-08 is 2020-01-07); "dinsdagnacht", "Tuesday night" and "de nacht
van dinsdag op woensdag" cover the next day too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from checker.judge.lexicon import MONTHS, WEEKDAYS

HEDGES = re.compile(
    r"\b(?:vooralsnog|tot nu toe|voor zover bekend|as far as (?:is )?known|tot dusver|tot op heden|voorlopig|nog (?:niet|geen)|niet (?:officieel )?bevestigd|"
    r"nog onduidelijk|eerste berichten|so far|as yet|yet|for now|thus far|until now|at this point|"
    r"not (?:yet )?(?:been )?confirmed|unconfirmed|initial(?:ly)?|preliminary)\b", re.I)
# A later count that says it replaces an earlier one.
REVISION = re.compile(r"\b(?:opgelopen|gestegen|toegenomen|bijgesteld|inmiddels|risen|rose|climbed|increased|"
                      r"revised|raised|now stands)\b", re.I)
_DAY = "|".join(WEEKDAYS)
_WEEKDAY_RE = re.compile(rf"\b({_DAY})(nacht|avond|ochtend|middag|morgen)?(?:\s+(night|evening|morning|afternoon))?",
                         re.I)
_NIGHT_BETWEEN = re.compile(rf"\bnacht van ({_DAY}) op ({_DAY})\b", re.I)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_DM = re.compile(rf"\b([0-3]?\d)\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I)
_DATE_MD = re.compile(rf"\b({_MONTH})\.?\s+([0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)
_CLOCK_RE = re.compile(r"(?:\b(om|at|rond|around|tegen)\s+)?\b(2[0-3]|[01]?\d)(?:([.:])([0-5]\d))?"
                       r"(?:\s*(uur\b|u\.|a\.m\.|p\.m\.|am\b|pm\b))?", re.I)
_FULL_MONTH = "|".join(sorted((m for m in MONTHS if len(m) > 3 or m == "mei"), key=len, reverse=True))
# A month without a day: "in juli", "uit oktober", "since March 2021", "October 2022".
_MONTH_RE = re.compile(rf"\b(?:(?:in|uit|sinds|van|vanaf|tot|eind|begin|medio|midden|tijdens|since|from|until|of|"
                       rf"early|late|mid|during|in de maand|in the month of)\s+({_FULL_MONTH})\b(?:\s+(\d{{4}}))?|"
                       rf"({_FULL_MONTH})\s+(\d{{4}})\b)", re.I)
# Days named relative to the publication date.
_RELATIVE = re.compile(r"\b(eergisteren|gister(?:en|avond|ochtend|middag|nacht)?|vandaag|vanochtend|vanmiddag|"
                       r"vanavond|yesterday|today|tonight|this (?:morning|afternoon|evening))\b", re.I)
_ZONES = [(re.compile(r"\b(?:plaatselijke|lokale) tijd|\blocal time", re.I), "local"),
          (re.compile(r"\bNederlandse tijd|\bDutch time|\bCET\b", re.I), "nl"),
          (re.compile(r"\b(?:GMT|UTC)\b", re.I), "utc")]

Day = tuple[int | None, int, int]  # (year or None, month, day)


@dataclass(frozen=True)
class TimeInfo:
    hedged: bool
    revised: bool
    days: frozenset[Day]  # explicit dates, weekdays and "gisteren" resolved against the article date
    months: frozenset[tuple[int | None, int]]  # months named without a day: (year or None, month)
    weekdays: frozenset[int]  # weekdays that could not be resolved (no full article date)
    clock: frozenset[int]  # minutes after midnight
    zone: str | None  # "local", "nl", "utc" or None when the text names no time zone


def time_info(sentence: str, article_date: str | None = None) -> TimeInfo:
    """What ``sentence`` says about time; ``article_date`` (ISO) resolves weekdays and years."""
    anchor = _parse_iso(article_date)
    weekdays = _weekdays(sentence)
    days = set(_dates(sentence, anchor))
    if anchor:
        days |= {_resolve(day, anchor) for day in weekdays} | set(_relative_days(sentence, anchor))
    zone = next((name for regex, name in _ZONES if regex.search(sentence)), None)
    return TimeInfo(bool(HEDGES.search(sentence)), bool(REVISION.search(sentence)), frozenset(days),
                    frozenset(_months(sentence, anchor)), frozenset() if anchor else frozenset(weekdays),
                    frozenset(_clock(sentence)), zone)


def clash(a: TimeInfo, b: TimeInfo, tolerance_minutes: int) -> str | None:
    """Explicit times that cannot both hold, described; None when compatible or unstated."""
    if a.days and b.days and not _same_day(a.days, b.days):
        return f"{_fmt_days(a.days)} vs {_fmt_days(b.days)}"
    months_a, months_b = a.months | {d[:2] for d in a.days}, b.months | {d[:2] for d in b.days}
    if (a.months or b.months) and months_a and months_b and not _same_month(months_a, months_b):
        return f"{_fmt_months(months_a)} vs {_fmt_months(months_b)}"
    if a.weekdays and b.weekdays and not a.weekdays & b.weekdays:
        return f"{_fmt_weekdays(a.weekdays)} vs {_fmt_weekdays(b.weekdays)}"
    zones_agree = a.zone == b.zone or a.zone is None or b.zone is None
    if a.clock and b.clock and zones_agree and _gap(a.clock, b.clock) > tolerance_minutes:
        return f"{_fmt_clock(a.clock)} vs {_fmt_clock(b.clock)}"
    return None


def is_later(date_a: str | None, date_b: str | None) -> bool:
    """``date_b`` strictly after ``date_a``: two publication times compare as instants (zones
    applied), so two reports of one day can be an update; partial dates compare only as far as
    both are precise."""
    if not date_a or not date_b:
        return False
    time_a, time_b = _instant(date_a), _instant(date_b)
    if time_a and time_b:
        return time_b > time_a
    width = min(len(date_a), len(date_b), 10)
    return date_b[:width] > date_a[:width]


def _instant(value: str) -> dt.datetime | None:
    """A date-time (not a bare date) as naive UTC."""
    if len(value) <= 10:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _parse_iso(date: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(date[:10]) if date and len(date) >= 10 else None
    except ValueError:
        return None


def _weekdays(sentence: str) -> set[int]:
    days = set()
    for match in _NIGHT_BETWEEN.finditer(sentence):
        days |= {WEEKDAYS[match.group(1).lower()], WEEKDAYS[match.group(2).lower()]}
    for match in _WEEKDAY_RE.finditer(sentence):
        day = WEEKDAYS[match.group(1).lower()]
        days.add(day)
        if (match.group(2) or "").lower() == "nacht" or (match.group(3) or "").lower() == "night":
            days.add((day + 1) % 7)
    return days


def _resolve(weekday: int, anchor: dt.date) -> Day:
    day = anchor - dt.timedelta(days=(anchor.weekday() - weekday) % 7)
    return (day.year, day.month, day.day)


def _dates(sentence: str, anchor: dt.date | None) -> list[Day]:
    """Dates named with a day; without a year, the year that puts the date nearest the anchor ("11
    december" in an article of 2 January 2019 is 2018-12-11, "3 januari" in one of 20 December is next year's)."""
    found = []
    for match in _DATE_DM.finditer(sentence):
        found.append((match.group(3), MONTHS[match.group(2).lower()], int(match.group(1))))
    for match in _DATE_MD.finditer(sentence):
        found.append((match.group(3), MONTHS[match.group(1).lower()], int(match.group(2))))
    return [(int(year) if year else _nearest_year(month, day, anchor), month, day)
            for year, month, day in found if 1 <= day <= 31]


def _nearest_year(month: int, day: int, anchor: dt.date | None) -> int | None:
    if anchor is None:
        return None
    candidates = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append((abs((dt.date(year, month, day) - anchor).days), year))
        except ValueError:  # 29 February of a common year, 31 April
            continue
    return min(candidates)[1] if candidates else anchor.year


def _months(sentence: str, anchor: dt.date | None) -> set[tuple[int | None, int]]:
    """Months named without a day; without a year, the latest such month on or before the anchor (news
    names past months more than coming ones: on eval/facts/gold.jsonl, taking a month that begins
    within three months ahead as the coming one got 2 of 15 wrong that this gets right)."""
    found = set()
    for match in _MONTH_RE.finditer(sentence):
        name, year = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        if name == "May" or name.lower() != "may" or match.group(1):
            month = MONTHS[name.lower()]
            if year:
                found.add((int(year), month))
            else:
                found.add((None if anchor is None else anchor.year - (month > anchor.month), month))
    return found


def _relative_days(sentence: str, anchor: dt.date) -> list[Day]:
    days = []
    for match in _RELATIVE.finditer(sentence):
        word = match.group(1).lower()
        back = 2 if word.startswith("eergister") else 1 if word.startswith(("gister", "yesterday")) else 0
        day = anchor - dt.timedelta(days=back)
        days.append((day.year, day.month, day.day))
    return days


def _clock(sentence: str) -> set[int]:
    """Clock times in minutes: "01.30 uur", "1:30 a.m.", "5 a.m.", "om 6 uur"; bare numbers are not times."""
    times = set()
    for match in _CLOCK_RE.finditer(sentence):
        prefix, hour, sep, minute, suffix = match.groups()
        suffix = (suffix or "").lower()
        if not (suffix or sep == ":" or (prefix and sep)):
            continue
        hour = int(hour)
        if suffix.startswith("p") and hour < 12:
            hour += 12
        elif suffix.startswith("a") and hour == 12:
            hour = 0
        times.add(hour * 60 + int(minute or 0))
    return times


def _same_day(a: frozenset[Day], b: frozenset[Day]) -> bool:
    """Any date in common; a date without a year matches that day of any year."""
    return any(x[1:] == y[1:] and (x[0] is None or y[0] is None or x[0] == y[0]) for x in a for y in b)


def _same_month(a: set[tuple[int | None, int]], b: set[tuple[int | None, int]]) -> bool:
    return any(x[1] == y[1] and (x[0] is None or y[0] is None or x[0] == y[0]) for x in a for y in b)


def _fmt_months(months: set[tuple[int | None, int]]) -> str:
    return "/".join(f"{y}-{m:02d}" if y else f"{m:02d}" for y, m in sorted(months, key=lambda x: (x[0] or 0, x[1])))


def _gap(a: frozenset[int], b: frozenset[int]) -> int:
    """Smallest distance in minutes between a time of ``a`` and one of ``b``, around the clock."""
    return min(min(abs(x - y), 1440 - abs(x - y)) for x in a for y in b)


def _fmt_days(days: frozenset[Day]) -> str:
    return "/".join(f"{y}-{m:02d}-{d:02d}" if y else f"{m:02d}-{d:02d}" for y, m, d in sorted(days, key=lambda x: x[1:]))


def _fmt_weekdays(days: frozenset[int]) -> str:
    names = {v: k for k, v in WEEKDAYS.items() if not k.endswith("dag")}
    return "/".join(names[d] for d in sorted(days))


def _fmt_clock(times: frozenset[int]) -> str:
    return "/".join(f"{t // 60:02d}:{t % 60:02d}" for t in sorted(times))
