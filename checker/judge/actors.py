"""Who did what: the subject, agent and other actors of a claim, so different actors never "contradict".

"De bewoners zijn tijdig gewaarschuwd" and "The mayor was warned by the water board"
have different subjects, so an NLI contradiction (or agreement) between them is vetoed; "US troops
were warned" and "US troops were not warned" share theirs, so it stands. Actors are language-neutral
ids (``lexicon.ACTORS``) plus surnames of capitalised names ("Adil Abdul-Mahdi" -> "mahdi").

Roles come from word order, not a parser: the reporting frame ("X zegt dat") is set aside, "door
X"/"by X" is the agent, and the subject is what precedes the first finite verb (or, in Dutch after
a fronted adverbial, "Bij de aanval zijn elf militairen ..." , what follows it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker.judge.attribution import attribute, without_frame
from checker.judge.lexicon import ACTORS, CITIES, FINITE, GENERIC_ACTORS, NOT_NAMES

_FORMS = sorted(((form, actor) for actor, forms in ACTORS.items() for form in forms), key=lambda x: -len(x[0]))
_FORM_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f, _ in _FORMS) + r")(?!\w)", re.I)
_BY_FORM = dict(_FORMS)
_WORD = re.compile(r"[\w'’]+(?:\.\w+)*")
_AGENT = re.compile(r"\b(?:door|by)\s+(?:(?!(?:te|to|zijn|is|was|were|are|about|over|op|on|in|at|dat|that)\b)"
                    r"[\w'’-]+\s*){1,4}", re.I)
# The speaker is the subject of what they report: "X zegt ... te zijn gewaarschuwd", "X said he/it ..."
# ("ze", "they" mostly point at others: "de officier zegt dat ze zijn gewaarschuwd").
_REPORTED_SELF = re.compile(r"\bte (?:zijn|hebben|worden)\b|^\W*(?:dat |that )?(?:hij|he|she|it)\b", re.I)
# Words that open a sentence without being its subject ("Bij de aanval ...", "On Wednesday ...").
_FRONTED = frozenset("""bij op in na tijdens volgens door om ook er daar toch tot voorlopig vooralsnog inmiddels
eerder kort daarna gisteren vandaag vrijdag maandag dinsdag woensdag donderdag zaterdag zondag
on at after before during so shortly earlier according yesterday today""".split())
_SUBORDINATE = frozenset({"dat", "that"})
_NOT_A_NAME = NOT_NAMES | {"noord", "zuid", "oost", "west", "north", "south", "east", "state", "tv"}


@dataclass(frozen=True)
class Roles:
    """Actor ids by role: who the claim is about, who acted on them ("door/by"), everyone else."""

    subject: frozenset[str]
    agent: frozenset[str]
    other: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.subject | self.agent | self.other


def mentions(text: str) -> list[tuple[int, str]]:
    """(offset, actor id) for every lexicon form and capitalised name in ``text``."""
    forms = list(_FORM_RE.finditer(text))
    found = [(m.start(), _BY_FORM[m.group(1).lower()]) for m in forms]
    covered = {i for m in forms for i in range(m.start(), m.end())}
    return sorted(found + _names(text, covered))


def _names(text: str, covered: set[int]) -> list[tuple[int, str]]:
    """Runs of capitalised words outside the lexicon, each as (offset, its last word): "Adil Abdul-Mahdi" -> mahdi."""
    names, run = [], []
    for match in re.finditer(r"[\w'’]+", text):
        word = re.sub(r"['’]s$", "", match.group().lower())
        if match.group()[:1].isupper() and match.start() not in covered and word not in _NOT_A_NAME:
            run.append((match.start(), word))
        elif run:
            names.append((run[0][0], run[-1][1]))
            run = []
    return names + ([(run[0][0], run[-1][1])] if run else [])


def roles(sentence: str, lang: str) -> Roles:
    """The actors of ``sentence`` by role (``lang``: "nl" or "en", for word order)."""
    frame = attribute(sentence)
    text = without_frame(sentence)
    agent_spans = [m.span() for m in _AGENT.finditer(text)]
    words = [w for w in _WORD.finditer(text) if not any(s <= w.start() < e for s, e in agent_spans)]
    zone = _subject_zone(text, words, lang)
    subject, agent, other = set(), set(), set()
    cities = {m.start() for m in _FORM_RE.finditer(text) if m.group(1).lower() in CITIES}  # places, unless subject
    for offset, actor in mentions(text):
        if any(s <= offset < e for s, e in agent_spans):
            agent.add(actor)
        elif zone[0] <= offset < zone[1]:
            subject.add(actor)
        elif offset not in cities:
            other.add(actor)
    if not subject and frame is not None and _REPORTED_SELF.search(text.strip()):
        subject = {actor for _, actor in mentions(frame.speaker)}  # "X zegt ... te zijn gewaarschuwd"
    return Roles(frozenset(subject), frozenset(agent), frozenset(other - subject))


def different_actors(a: Roles, b: Roles) -> bool:
    """True when the claims are about different actors or objects.

    Different subjects count unless one claim's subject acts or is acted on in the other (active vs
    passive: "Ajax beat PSV" / "PSV was beaten by Ajax"); swapped roles without an agent ("Ajax
    beat PSV" / "PSV beat Ajax") are two events. Same subject, disjoint objects ("the council
    warned the residents" / "the council did not warn the farmers") differ too.
    """
    if not a.subject or not b.subject:
        return bool(a.all) and bool(b.all) and not _overlap(a.all, b.all)
    if _overlap(a.subject, b.subject):
        return bool(a.other) and bool(b.other) and not _overlap(a.other, b.other)
    a_in_b = _within(a.subject, b.agent | b.other)
    b_in_a = _within(b.subject, a.agent | a.other)
    if a_in_b and b_in_a:
        return not (a.agent or b.agent)
    return not (a_in_b or b_in_a)


def places(sentence: str) -> frozenset[str]:
    """Names and cities in a sentence, without countries and roles: the scope of a count."""
    specific = {actor for _, actor in mentions(sentence)} - set(ACTORS)
    cities = {m.group(1).lower() for m in _FORM_RE.finditer(sentence) if m.group(1).lower() in CITIES}
    return frozenset(specific | cities)


def _subject_zone(text: str, words: list[re.Match], lang: str) -> tuple[int, int]:
    """Character span where the subject is looked for."""
    if not words:
        return (0, 0)
    tokens = [w.group().lower() for w in words]
    first = 1 if tokens[0] in _SUBORDINATE else 0
    verb = next((i for i in range(first, len(tokens)) if tokens[i] in FINITE), len(tokens))
    fronted = first == 0 and (verb == 0 or tokens[0] in _FRONTED)
    bound = lambda i: words[i].start() if i < len(words) else len(text)  # noqa: E731
    if fronted and lang == "nl":  # V2: the subject follows the finite verb
        end = next((i for i in range(verb + 1, len(tokens)) if tokens[i] in FINITE), len(tokens))
        return (bound(verb + 1), bound(min(end, verb + 6)))
    start = bound(first)
    if fronted:  # English: the subject follows the fronted phrase ("So far, two ...", "On Wednesday the council")
        comma = text.find(",", 0, bound(8))
        start = comma + 1 if comma >= 0 else bound(2)
    return (start, bound(verb))


def _specific(ids: frozenset[str]) -> frozenset[str]:
    return ids - GENERIC_ACTORS


def _overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    if _specific(a) and _specific(b):
        return bool(_specific(a) & _specific(b))
    return bool(a & b)


def _within(part: frozenset[str], whole: frozenset[str]) -> bool:
    """All of ``part`` ("US troops": us and troops, not just us) is named in ``whole``."""
    return bool(part) and part <= whole
