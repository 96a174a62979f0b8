"""From pairwise findings to disputes: one fact, the positions taken, and which sources take each.

A reader of four reports on one accident wants "injured: 9 — NOS, ND; 10 — AD", not the eight
sentence pairs behind it. Within a story, claims joined by contradiction or update findings form
one dispute; inside it, claims that agree (an agreement finding, or the same sentence) take one
position. Positions show the outlets that take them and how many independent *origins* those are:
near-identical articles (the same wire copy in two outlets, ``origins``) are one origin, so their
agreement is not independent confirmation. An update dispute is shown as a timeline in order of
publication.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checker.stories import Stories, published
from checker.types import Article, Claim, Finding, Reason

_WORD = re.compile(r"\w+")
SHINGLE = 5  # words per shingle
# Two articles whose 5-word shingles overlap this much (Jaccard) are copies of one text: measured on
# shared/data/news_clusters, different outlets' reports of one event share at most 0.19, while a
# wire copy with an edited head or tail shares well above 0.5 (tests/test_disputes.py).
SAME_ORIGIN_JACCARD = 0.5


@dataclass(frozen=True)
class Position:
    """One side of a dispute: claims that say the same, and who says it."""

    claims: tuple[Claim, ...]
    outlets: tuple[str, ...]  # distinct outlets (source, else title, else article id), first report first
    origins: int  # independent origins among the articles that take this position
    first_published: str | None  # ISO time of the earliest article taking it


@dataclass(frozen=True)
class Dispute:
    story: str
    kind: str  # "contradiction" or "update"
    fact: str  # what is disputed, from the strongest finding's first reason
    positions: tuple[Position, ...]
    findings: tuple[Finding, ...]

    @property
    def claims(self) -> tuple[Claim, ...]:
        return tuple(c for p in self.positions for c in p.claims)

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes behind the dispute, in order of first use."""
        return tuple(dict.fromkeys(r.code for f in self.findings for r in f.reasons))


def outlet(article: Article | None, article_id: str) -> str:
    """How a reader recognises an article's source: its outlet, else its title, else its id."""
    if article is None:
        return article_id
    return article.source or article.title or article.id


def origins(articles: Sequence[Article], stories: Stories) -> dict[str, str]:
    """Article id -> origin id (the earliest article of its group of near-identical copies).
    Copies are looked for only inside a story, so the cost stays linear in the number of stories."""
    shingles = {a.id: _shingles(a.text) for a in articles}
    by_id = {a.id: a for a in articles}
    parent = {a.id: a.id for a in articles}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for members in stories.members().values():
        ordered = sorted(members, key=lambda i: (published(by_id[i]) or dt.datetime.min, i))
        for x, first in enumerate(ordered):
            for second in ordered[x + 1 :]:
                a, b = shingles[first], shingles[second]
                if a and b and len(a & b) / len(a | b) >= SAME_ORIGIN_JACCARD:
                    ra, rb = find(first), find(second)
                    if ra != rb:
                        parent[rb] = ra
    return {a.id: find(a.id) for a in articles}


def _shingles(text: str) -> frozenset[int]:
    words = [w.lower() for w in _WORD.findall(text)]
    return frozenset(hash(tuple(words[i : i + SHINGLE])) for i in range(max(0, len(words) - SHINGLE + 1)))


def mark_same_origin(findings: Iterable[Finding], origin: dict[str, str]) -> list[Finding]:
    """Agreements between copies of one text carry ``SAME_ORIGIN``: not independent confirmation."""
    out = []
    for f in findings:
        if f.verdict == "agreement" and origin.get(f.a.article_id) == origin.get(f.b.article_id):
            f = Finding(f.verdict, f.score, f.a, f.b, f.reasons + (Reason(
                "SAME_ORIGIN", "both articles are copies of one text (wire copy): not independent confirmation"),),
                f.probs, f.similarity, f.disputed_by)
        out.append(f)
    return out


def find_disputes(findings: Sequence[Finding], articles: Sequence[Article], stories: Stories,
                  origin: dict[str, str]) -> list[Dispute]:
    """Disputes in every story, strongest first (contradictions before updates)."""
    by_id = {a.id: a for a in articles}
    conflict = [f for f in findings if f.verdict in ("contradiction", "update")]
    agree = [f for f in findings if f.verdict == "agreement"]
    groups = _components([(f.a.key, f.b.key) for f in conflict])
    disputes = []
    for keys in groups:
        own = [f for f in conflict if f.a.key in keys]
        claims = {c.key: c for f in own for c in f.claims}
        sides = _positions(claims, own, [f for f in agree if f.a.key in claims and f.b.key in claims])
        positions = tuple(sorted((_position(side, by_id, origin) for side in sides),
                                 key=lambda p: (p.first_published or "", p.claims[0].key)))
        strongest = max(own, key=lambda f: (f.verdict == "contradiction", f.score))
        kind = "contradiction" if any(f.verdict == "contradiction" for f in own) else "update"
        disputes.append(Dispute(stories.of.get(strongest.a.article_id, ""), kind, _fact(strongest), positions,
                                tuple(own)))
    return sorted(disputes, key=lambda d: (d.kind != "contradiction", -max(f.score for f in d.findings),
                                           d.claims[0].key))


def _components(edges: list[tuple]) -> list[set]:
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict = {}
    for node in list(parent):
        groups.setdefault(find(node), set()).add(node)
    return list(groups.values())


def _positions(claims: dict, conflicts: list[Finding], agreements: list[Finding]) -> list[list[Claim]]:
    """Claims joined by agreement (or the same wording) are one position; when the remaining groups
    split cleanly in two camps by the conflicts between them (a bipartite graph), each camp is one."""
    parent = {k: k for k in claims}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_text: dict[str, tuple] = {}
    for key, claim in sorted(claims.items()):
        same = by_text.setdefault(" ".join(claim.text.lower().split()), key)
        parent[find(key)] = find(same)
    for f in agreements:
        parent[find(f.b.key)] = find(f.a.key)
    edges = {(find(f.a.key), find(f.b.key)) for f in conflicts}
    colour = _two_colouring({find(k) for k in claims}, edges)
    groups: dict = {}
    for key in sorted(claims):
        side = colour[find(key)] if colour else find(key)
        groups.setdefault(side, []).append(claims[key])
    return list(groups.values())


def _two_colouring(nodes: set, edges: set) -> dict | None:
    """A side (0/1) per node when no conflict joins two nodes of one side, else None."""
    if any(a == b for a, b in edges):
        return None
    neighbours: dict = {n: set() for n in nodes}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    colour: dict = {}
    for start in sorted(nodes):
        if start in colour:
            continue
        colour[start] = 0
        todo = [start]
        while todo:
            node = todo.pop()
            for other in neighbours[node]:
                if other not in colour:
                    colour[other] = 1 - colour[node]
                    todo.append(other)
                elif colour[other] == colour[node]:
                    return None
    return colour if len(set(colour.values())) == 2 and len(nodes) > 2 else None


def _position(claims: list[Claim], by_id: dict[str, Article], origin: dict[str, str]) -> Position:
    def when(c: Claim) -> tuple:
        return (published(by_id[c.article_id]) or dt.datetime.max, c.key) if c.article_id in by_id else (dt.datetime.max, c.key)

    ordered = sorted(claims, key=when)
    outlets = list(dict.fromkeys(outlet(by_id.get(c.article_id), c.article_id) for c in ordered))
    first = by_id.get(ordered[0].article_id)
    return Position(tuple(ordered), tuple(outlets), len({origin.get(c.article_id, c.article_id) for c in ordered}),
                    first.date if first else None)


def _fact(finding: Finding) -> str:
    for reason in finding.reasons:
        if reason.code not in ("SOURCES", "DISPUTED", "NEGATION"):
            return reason.text
    return finding.reasons[0].text if finding.reasons else finding.verdict
