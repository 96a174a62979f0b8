"""Who a claim is about, in language-neutral ids, to keep different actors from "contradicting".

"Amerikaanse militairen zijn tijdig gewaarschuwd" and "Iraq's prime minister was warned by
Tehran" share no actor, so an NLI contradiction between them is vetoed; "US troops were warned"
and "US troops were not warned" share theirs, so it stands.
"""

from __future__ import annotations

import re

# Canonical actor -> Dutch and English forms (lower case, matched on word boundaries).
LEXICON = {
    "us": ["amerikaans", "amerikaanse", "amerikanen", "amerikaan", "vs", "verenigde staten", "us", "u.s.",
           "american", "americans", "united states", "washington", "pentagon", "witte huis", "white house"],
    "iran": ["iran", "iraans", "iraanse", "teheran", "tehran", "iranian", "iranians", "revolutionaire garde",
             "revolutionary guard"],
    "iraq": ["irak", "iraaks", "iraakse", "bagdad", "baghdad", "iraq", "iraqi", "iraqis"],
    "netherlands": ["nederland", "nederlandse", "defensie", "dutch", "netherlands"],
    "troops": ["militairen", "soldaten", "troepen", "personeel", "manschappen", "troops", "soldiers",
               "service members", "servicemen", "personnel"],
    "prime_minister": ["premier", "minister-president", "prime minister", "pm"],
    "officer": ["officier", "legerofficier", "officer", "official", "functionaris"],
    "president": ["president"],
    "militia": ["militie", "milities", "militia", "militias"],
}
_FORMS = sorted(((form, actor) for actor, forms in LEXICON.items() for form in forms), key=lambda x: -len(x[0]))
_FORM_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(f) for f, _ in _FORMS) + r")(?![\w-])", re.I)
_BY_FORM = dict(_FORMS)
_NAME_RE = re.compile(r"(?<![\w-])([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)")
_NOT_NAMES = {"de", "het", "een", "er", "ook", "in", "op", "bij", "na", "dat", "die", "dit", "hij", "zij", "ze",
              "we", "wij", "the", "a", "an", "in", "on", "at", "after", "this", "that", "he", "she", "they",
              "it", "we", "there", "volgens", "according", "daar", "deze", "enkele", "lokale", "minister"}


def actors(sentence: str) -> frozenset[str]:
    """Canonical actor ids plus lower-cased proper names not in the lexicon."""
    found = {_BY_FORM[m.group(1).lower()] for m in _FORM_RE.finditer(sentence) if m.group(1).lower() in _BY_FORM}
    for match in _NAME_RE.finditer(sentence):
        words = [w for w in match.group(1).split() if w.lower() not in _NOT_NAMES]
        name = " ".join(words).lower()
        if name and not _FORM_RE.fullmatch(name) and not any(w.lower() in _BY_FORM for w in words):
            found.add(name)
    return frozenset(found)


def different_actors(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both claims name actors and none is shared."""
    return bool(a) and bool(b) and not a & b
