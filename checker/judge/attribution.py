"""Who makes a claim: "aldus X", "zegt X", "volgens X", "X meldt", "X said", "according to X"."""

from __future__ import annotations

import re

_NAME = r"(?P<src>(?:de |het |een |the |a )?[A-ZÀ-Ý][\w'’.-]*(?:[ -](?:[A-ZÀ-Ý][\w'’.-]*|van|de|der|den|von|al|bin|of|the|en|and))*)"
_PATTERNS = {
    "nl": [
        rf"\baldus (?:een |de |het )?{_NAME}",
        rf"\bvolgens (?:een |de |het )?{_NAME}",
        rf"\bzo (?:zegt|meldt|meldde|zei|stelt|schrijft|laat) {_NAME}",
        rf"\bzegt {_NAME}",
        rf"\bmeldt {_NAME}",
        rf"^{_NAME} (?:zegt|zei|meldt|meldde|stelt|verklaart|laat weten|heeft (?:tegen \w+ )?gezegd)\b",
        rf"\bheeft tegen {_NAME} gezegd",
    ],
    "en": [
        rf"\baccording to (?:the |a )?{_NAME}",
        rf",? {_NAME} (?:said|says|reported|reports|told|stated)\b",
        rf"\b(?:said|says|told) {_NAME}",
        rf"^{_NAME} (?:said|says|reported|reports|told|stated|confirmed)\b",
    ],
}
_COMPILED = {lang: [re.compile(p) for p in pats] for lang, pats in _PATTERNS.items()}
_GENERIC = {"hij", "zij", "ze", "he", "she", "they", "it", "het", "er", "dat", "dit", "this", "that"}


def find_source(text: str, lang: str) -> str | None:
    """The named source a sentence attributes itself to, or None ("aldus Javad Zarif" -> "Javad Zarif")."""
    for pattern in _COMPILED.get(lang, []) + [p for k, v in _COMPILED.items() if k != lang for p in v]:
        match = pattern.search(text)
        if match:
            source = re.sub(r"^(?:de|het|een|the|a) ", "", match.group("src").strip(" .,"), flags=re.I)
            if source.lower() not in _GENERIC and len(source) > 1:
                return source
    return None
