"""Word lists the judge checks share: reporting verbs, finite verbs that end a subject, negations, number
words, month and weekday names, stop words (general language, never the names of a story)."""

from __future__ import annotations

import sys


def import_spacy_without_torch() -> None:
    """Import spaCy without letting thinc (under it) import torch, unless torch is loaded already.

    thinc imports torch whenever it is installed (~2 s, half of a warm ``verify`` of two articles on
    the ONNX backend) for its torch layers only; claimcheck uses spaCy for a blank pipeline, its
    sentencizer and stop words. torch stays importable afterwards (``--backend torch``, training).
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment] - makes `import torch` raise ImportError
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


import_spacy_without_torch()

from spacy.lang.en.stop_words import STOP_WORDS as _EN_STOP  # noqa: E402
from spacy.lang.nl.stop_words import STOP_WORDS as _NL_STOP  # noqa: E402

# Verbs that say who claims something ("zegt", "said"), in Dutch and English.
REPORTING = ("zegt|zei|zeggen|zeiden|meldt|meldde|melden|meldden|stelt|stelde|verklaart|verklaarde|"
             "bevestigt|bevestigde|ontkent|ontkende|schrijft|schreef|twittert|twitterde|claimt|claimde|"
             "beweert|beweerde|laat weten|liet weten|"
             "said|says|say|reported|reports|told|tells|stated|confirmed|confirms|denied|denies|"
             "claimed|tweeted|wrote|writes|announced|announces")

# Finite verbs and auxiliaries: the first one ends the subject of a sentence.
FINITE = frozenset("""
is zijn was waren werd werden wordt worden heeft hebben had hadden zal zullen zou zouden kan kon konden
moet moeten wil wilde willen gaat ging komt kwam kwamen raakte raakten raakt viel vielen vuurde vuurden
vuurt sloeg sloegen stemde stemden steunt steunen riep roept veroordeelt veroordelen doodde doodden
bestookte bestookten liet laat neemt nam stuurt benadrukken benadrukt dreigt stortte
are were has have did does do will would could can may might must shall
fired launched attacked hit struck killed kills warned warns voted condemned condemns wants responded
responds bombed took landed failed received called
""".split()) | frozenset(REPORTING.replace(" ", "|").split("|"))

NEGATIONS = frozenset({"niet", "geen", "nooit", "niemand", "niets", "not", "no", "never", "nobody", "nothing",
                       "none"})
# Opposite verdicts in otherwise equal wording: "voted for" / "voted against".
OPPOSITES = (("stemde voor", "stemde tegen"), ("stemden voor", "stemden tegen"), ("voted for", "voted against"),
             ("bevestigt", "ontkent"), ("bevestigde", "ontkende"), ("confirmed", "denied"), ("confirms", "denies"),
             ("accepted", "rejected"), ("aanvaardde", "verwierp"))

# Number words, Dutch and English.
UNITS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
         "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
         "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19,
         "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
         "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19, "a dozen": 12, "dozen": 12}
TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80,
        "negentig": 90, "honderd": 100, "duizend": 1000,
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90, "hundred": 100, "a hundred": 100, "thousand": 1000, "a thousand": 1000}
MONTHS = {"januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7, "augustus": 8,
          "september": 9, "oktober": 10, "november": 11, "december": 12, "january": 1, "february": 2,
          "march": 3, "may": 5, "june": 6, "july": 7, "august": 8, "october": 10,
          "jan": 1, "feb": 2, "aug": 8, "sept": 9, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12}
WEEKDAYS = {"maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6,
            "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
STOP_WORDS = frozenset(_NL_STOP | _EN_STOP)
# Openings of a sentence that supposes instead of stating ("Stel dat de dijk breekt", "Let's say there's
# no birth certificate").
HYPOTHETICAL = ("stel dat", "stel je voor", "stel nou dat", "gesteld dat", "veronderstel", "let's say", "let us say",
                "suppose", "supposing", "imagine", "what if")
