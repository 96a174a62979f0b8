"""Who did what: the subject, agent and other actors of a claim, so different actors never "contradict".

"De bewoners van Delft zijn tijdig gewaarschuwd" and "Het waterschap waarschuwde de burgemeester
van Gouda" name different actors, so an NLI contradiction (or agreement) between them is vetoed;
"Ajax-supporters werden gewaarschuwd" and "Ajax-supporters werden niet gewaarschuwd" share theirs,
so it stands. Actors are the claim's named entities (the trained tagger, ``checker.analyze``), as
"TYPE:key": a person by surname, anything else by its lower-case name ("Duitse" and "Duits" meet).

Roles come from word order, not a parser: the reporting frame ("X zegt dat") is set aside, "door
X"/"by X" is the agent, and the subject is what precedes the first finite verb (or, in Dutch after
a fronted adverbial, "Bij de brand zijn drie brandweerlieden ...", what follows it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from checker.judge.attribution import attribute, without_frame
from checker.judge.lexicon import FINITE

_WORD = re.compile(r"[\w'’]+(?:\.\w+)*")
_AGENT = re.compile(r"\b(?:door|by)\s+(?:(?!(?:te|to|zijn|is|was|were|are|about|over|op|on|in|at|dat|that)\b)"
                    r"[\w'’-]+\s*){1,4}", re.I)
# The speaker is the subject of what they report: "X zegt ... te zijn gewaarschuwd", "X said he/it ..."
# ("ze", "they" mostly point at others: "de officier zegt dat ze zijn gewaarschuwd").
_REPORTED_SELF = re.compile(r"\bte (?:zijn|hebben|worden)\b|^\W*(?:dat |that )?(?:hij|he|she|it)\b", re.I)
# Words that open a sentence without being its subject ("Bij de brand ...", "On Wednesday ...").
_FRONTED = frozenset("""bij op in na tijdens volgens door om ook er daar toch tot voorlopig vooralsnog inmiddels
eerder kort daarna gisteren vandaag vrijdag maandag dinsdag woensdag donderdag zaterdag zondag
on at after before during so shortly earlier according yesterday today""".split())
_SUBORDINATE = frozenset({"dat", "that"})

Mention = tuple[int, int, str]  # (start, end, "TYPE:key" of an entity), offsets into the claim


@dataclass(frozen=True)
class Roles:
    """Entity keys by role: who the claim is about, who acted on them ("door/by"), everyone else."""

    subject: frozenset[str]
    agent: frozenset[str]
    other: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.subject | self.agent | self.other


NO_ROLES = Roles(frozenset(), frozenset(), frozenset())


def roles(sentence: str, lang: str, mentions: Sequence[Mention]) -> Roles:
    """The actors of ``sentence`` by role (``lang``: "nl" or "en", for word order); ``mentions``
    are its named entities."""
    frame = attribute(sentence)
    text = without_frame(sentence)
    agent_spans = [m.span() for m in _AGENT.finditer(text)]
    words = [w for w in _WORD.finditer(text) if not any(s <= w.start() < e for s, e in agent_spans)]
    zone = _subject_zone(text, words, lang)
    subject, agent, other = set(), set(), set()
    for start, end, key in mentions:
        if frame is not None and frame.start <= start < frame.end:
            continue  # the speaker is the source, not an actor of the claim
        if any(s <= start < e for s, e in agent_spans):
            agent.add(key)
        elif zone[0] <= start < zone[1]:
            subject.add(key)
        else:
            other.add(key)
    if not subject and frame is not None and _REPORTED_SELF.search(text.strip()):
        subject = {key for start, end, key in mentions if frame.start <= start < frame.end}  # "X zegt ... te zijn"
    return Roles(frozenset(subject), frozenset(agent), frozenset(other - subject))


def different_actors(a: Roles, b: Roles) -> bool:
    """True when the claims are about different actors or objects.

    Different subjects count unless one claim's subject acts or is acted on in the other (active vs
    passive: "Ajax beat PSV" / "PSV was beaten by Ajax"); swapped roles without an agent ("Ajax
    beat PSV" / "PSV beat Ajax") are two events. Same subject, disjoint objects ("the council
    warned Delft" / "the council did not warn Gouda") differ too. Only names of one kind tell
    actors apart: a person from a person, an organisation from an organisation ("de
    marine" and "Noorwegen", an organisation and a country, may be one actor). Claims
    without named actors are never vetoed here: the absence of a name is no evidence.
    """
    if not a.subject or not b.subject:
        return bool(a.all) and bool(b.all) and _apart(a.all, b.all)
    if _meet(a.subject, b.subject):
        return bool(a.other) and bool(b.other) and _apart(a.other, b.other)
    a_in_b = _within(a.subject, b.agent | b.other)
    b_in_a = _within(b.subject, a.agent | a.other)
    if a_in_b and b_in_a:
        return not (a.agent or b.agent)
    return not (a_in_b or b_in_a) and _apart(a.subject, b.subject)


def same_actor(x: str, y: str) -> bool:
    """Two mentions ("TYPE:key") name one actor: the same key, or an acronym of the other's name
    ("fnv" / "federatie nederlandse vakbeweging"), or one name inside the other ("vakbeweging" /
    "federatie nederlandse vakbeweging")."""
    if x == y:
        return True
    (kind_x, key_x), (kind_y, key_y) = x.split(":", 1), y.split(":", 1)
    if kind_x != kind_y:
        return False
    short, long = sorted((key_x, key_y), key=len)
    words = long.split()
    return short == "".join(w[0] for w in words) or short in words


def _meet(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(same_actor(x, y) for x in a for y in b)


def _apart(a: frozenset[str], b: frozenset[str]) -> bool:
    """Names of one kind on both sides, none of them one actor."""
    kinds = lambda keys: {k.split(":", 1)[0] for k in keys}  # noqa: E731
    return bool(kinds(a) & kinds(b)) and not _meet(a, b)


def _within(part: frozenset[str], whole: frozenset[str]) -> bool:
    return bool(part) and all(any(same_actor(x, y) for y in whole) for x in part)


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
