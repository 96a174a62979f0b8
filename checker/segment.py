"""Split articles into claims: sentences with character offsets, headings and fragments dropped.

spaCy's blank pipeline plus its rule-based ``sentencizer`` split Dutch NOS-style text best of
the splitters tried (docs/models.md); extra abbreviations are added as tokenizer exceptions so
"dhr.", "o.a." and "ca." do not end a sentence.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace

from checker.config import LIMITS, Settings
from checker.judge.attribution import find_source
from checker.types import Article, Claim

# Abbreviations that end with a period but rarely end a sentence (lower-case forms; the
# capitalised form is added too).
ABBREVIATIONS = {
    "nl": ["dhr.", "mevr.", "mr.", "dr.", "prof.", "ir.", "drs.", "ing.", "o.a.", "ca.", "bijv.", "bv.",
           "m.b.t.", "i.p.v.", "t.a.v.", "z.g.", "zgn.", "resp.", "jl.", "nr.", "blz.", "d.w.z.", "e.d.",
           "enz.", "incl.", "excl.", "min.", "gen.", "kol.", "lt.", "st.", "vs.", "v.s."],
    "en": ["mr.", "mrs.", "ms.", "dr.", "prof.", "gen.", "col.", "lt.", "sgt.", "capt.", "gov.", "sen.",
           "rep.", "st.", "jr.", "sr.", "e.g.", "i.e.", "etc.", "vs.", "approx.", "no.", "u.s.", "u.k.",
           "a.m.", "p.m.", "jan.", "feb.", "aug.", "sept.", "oct.", "nov.", "dec."],
}
_TERMINAL = re.compile(r"[.!?…][\"'”’»)]*\s*$|[\"”’»]\s*$")
_WORD = re.compile(r"\w+")
_PARAGRAPH = re.compile(r"\n\s*\n")
MAX_MARKS = 2  # combining marks one letter may carry (Vietnamese "ệ" has two); more is decoration
_MARK = "".join(re.escape(chr(c)) for c in range(0x300, 0x20000) if unicodedata.combining(chr(c)))
_STACKED = re.compile(f"[{_MARK}]{{{MAX_MARKS + 1},}}")


@functools.lru_cache(maxsize=None)
def sentencizer(lang: str):  # -> spacy.Language
    """A blank spaCy pipeline with a sentencizer and the extra abbreviations, built once per language."""
    import spacy
    from spacy.symbols import ORTH

    nlp = spacy.blank(lang)
    nlp.max_length = LIMITS.max_input_bytes + 1  # one paragraph may be a whole file (spaCy's default: 1,000,000)
    for abbreviation in ABBREVIATIONS.get(lang, []):
        for form in {abbreviation, abbreviation.capitalize(), abbreviation.upper()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    nlp.add_pipe("sentencizer")
    return nlp


def detect_language(text: str, supported: tuple[str, ...]) -> str | None:
    """The most probable supported language of ``text`` (langdetect, seeded), or None."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        guesses = detect_langs(text[:5000])
    except LangDetectException:
        return None
    ranked = [g for g in guesses if g.lang in supported and g.prob >= 0.2]
    return ranked[0].lang if ranked else None


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Character spans of the blank-line separated paragraphs, whitespace trimmed."""
    spans, pos = [], 0
    for match in [*_PARAGRAPH.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[pos:end]
        if chunk.strip():
            start = pos + len(chunk) - len(chunk.lstrip())
            spans.append((start, pos + len(chunk.rstrip())))
        pos = match.end() if match else len(text)
    return spans


def is_claim(sentence: str, alone_in_paragraph: bool, settings: Settings) -> bool:
    """Headings (a short paragraph with no final punctuation) and fragments are not claims."""
    words = len(_WORD.findall(sentence))
    if words < settings.min_claim_words:
        return False
    return not (alone_in_paragraph and not _TERMINAL.search(sentence) and words < 12)


def article_language(article: Article, settings: Settings) -> str | None:
    """The article's language (as given, else detected), or None when it is not one the checker reads."""
    if article.lang:
        lang = article.lang.lower().split("-")[0]
        return lang if lang in settings.languages else None
    return detect_language(article.text, settings.languages)


def unverified(articles: Iterable[Article], claims: Iterable[Claim], settings: Settings) -> dict[str, str]:
    """Articles the checker could not read (no claim), each with why: they were not checked, which
    is neither a pass nor a contradiction (reported as *unverified*, docs/cli.md)."""
    read = {c.article_id for c in claims}
    return {a.id: why_unverified(a, settings) for a in articles if a.id not in read}


def why_unverified(article: Article, settings: Settings) -> str:
    supported = ", ".join(settings.languages)
    lang = article_language(article, settings)
    if lang is None and article.lang:
        return f"language '{article.lang}' is not supported (supported: {supported})"
    if lang is None:
        return f"its language is not one the checker reads (supported: {supported})"
    return f"no sentence that makes a claim was found in it (read as '{lang}')"


def segment(articles: Iterable[Article], settings: Settings) -> list[Claim]:
    """Claims of every article in order; ``article.text[c.start:c.end]`` is ``c.text`` (normalised: ``normalise``)."""
    claims: list[Claim] = []
    for article in articles:
        claims.extend(segment_article(article, settings))
    return claims


def segment_article(article: Article, settings: Settings) -> list[Claim]:
    """The claims of one article; none when its language is not one the checker reads (see ``unverified``).

    The text is analysed in its normal form (``normalise``): a claim's ``text`` is normalised, its
    ``start``/``end`` and paragraph point into ``article.text`` as read."""
    clean, origin = normalise(article.text)
    lang = article_language(replace(article, text=clean), settings)
    if lang is None:
        return []
    nlp = sentencizer(lang)
    spans = paragraphs(clean)
    claims: list[Claim] = []
    docs = nlp.pipe(clean[s:e] for s, e in spans)
    for (p_start, p_end), doc in zip(spans, docs):
        sentences = [s for s in doc.sents if s.text.strip()]
        for sent in sentences:
            for start, end in _bounded(p_start + sent.start_char, p_start + sent.end_char, clean):
                text = clean[start:end]
                if not (settings.keep_fragments or is_claim(text, len(sentences) == 1, settings)):
                    continue
                claims.append(Claim(article_id=article.id, index=len(claims), text=text, start=origin(start),
                                    end=origin(end), lang=lang, paragraph=(origin(p_start), origin(p_end)),
                                    attribution=find_source(text, lang)))
    return claims


def normalise(text: str) -> tuple[str, Callable[[int], int]]:
    """NFC, with a letter's combining marks dropped when more than ``MAX_MARKS`` are stacked on it
    ("zalgo" text hides a word from every rule and the models); and a map from an offset in the
    result to the offset in ``text`` where that character's letter starts (``len(text)`` at the end)."""
    if unicodedata.is_normalized("NFC", text) and not _STACKED.search(text):
        return text, int  # the common case: the text as it is, offsets unchanged
    pieces: list[str] = []
    starts: list[int] = []
    i = 0
    while i < len(text):
        start, i = i, i + 1
        while i < len(text) and unicodedata.combining(text[i]):
            i += 1
        cluster = text[start:i] if i - start - 1 <= MAX_MARKS else text[start]
        piece = unicodedata.normalize("NFC", cluster)
        pieces.append(piece)
        starts.extend([start] * len(piece))
    starts.append(len(text))
    return "".join(pieces), starts.__getitem__


def _bounded(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """Trim whitespace and cut a run-on "sentence" longer than the limit at spaces."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    pieces = []
    while end - start > LIMITS.max_claim_chars:
        cut = text.rfind(" ", start, start + LIMITS.max_claim_chars)
        cut = cut if cut > start else start + LIMITS.max_claim_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return [(s, e) for s, e in pieces if e > s]
