"""Read articles from .txt, .jsonl and .html files, directories (recursively) and stdin."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from checker.config import LIMITS
from checker.errors import ClaimcheckError, Errors
from checker.types import Article

SUFFIXES = (".txt", ".jsonl", ".html", ".htm")
# Byte-order marks of the UTF-16/32 encodings (UTF-32 first: its little-endian mark starts with UTF-16's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# "date 2020-01" at the very start; the body may follow on the same line (as in seeds/).
_DATE_PREFIX = re.compile(r"^[ \t]*date[ \t]+(\S+)[ \t]*\n?", re.IGNORECASE)
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
_JSONL_LINE = re.compile(r":\d+$")  # how a JSONL article's path ends (every file path ends in its suffix)
_OPTIONAL_FIELDS = ("title", "date", "source", "url", "lang")


def normalise_date(value: str) -> str:
    """A publication time as ISO 8601: ``YYYY-MM``, ``YYYY-MM-DD``, or a date-time with optional
    seconds and zone (``2024-03-12T08:10+01:00``, ``2024-03-12 08:10Z``); the form is kept, the
    value checked (no month 13, no 30 February).

    Raises:
        ValueError: when the value is not such a date.
    """
    value = value.strip()
    if _ISO_MONTH.match(value):
        dt.date(int(value[:4]), int(value[5:7]), 1)
        return value
    if len(value) == 10:
        return dt.date.fromisoformat(value).isoformat()
    if len(value) < 16 or value[10] not in "T ":
        raise ValueError(value)
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat(timespec="minutes" if len(value) <= 16 or value[16] != ":" else "seconds")


def read_articles(paths: Iterable[str]) -> list[Article]:
    """Articles from every path in order (``-`` is stdin, read as JSONL when it looks like JSON).

    Raises:
        ClaimcheckError: E201-E215 for a missing, empty, binary or malformed input, and for
            duplicate article ids.
    """
    read: list[tuple[Article, str | None]] = []
    for raw in paths:
        read.extend(_read_path(raw))
    return check_unique(unique_path_ids(read))


def check_unique(articles: list[Article]) -> list[Article]:
    """``articles``, unless one id comes twice (E211, naming where each was read)."""
    seen: dict[str, str] = {}
    for article in articles:
        where = article.path or "-"
        if article.id in seen:
            raise ClaimcheckError(Errors.E211.format(id=article.id, first=seen[article.id], second=where))
        seen[article.id] = where
    return articles


def unique_path_ids(read: list[tuple[Article, str | None]]) -> list[Article]:
    """Articles named after their file (``(article, its path)``; JSONL ids come with no path) keep
    the file's stem as id unless another article has that id: then they take their path as given
    (``corpus/2020/report.txt`` and ``corpus/2021/report.txt`` are two articles, not one id twice)."""
    counts = Counter(article.id for article, _ in read)
    return [replace(article, id=path) if path and counts[article.id] > 1 else article for article, path in read]


def stdin_id(text: str) -> str:
    """The id of a plain-text article from stdin: ``stdin-`` and a hash of its text, so two
    different articles piped in on two runs do not replace each other in a store."""
    return "stdin-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _read_path(raw: str) -> Iterator[tuple[Article, str | None]]:
    """(article, path to name it by when its stem is ambiguous) for everything under ``raw``."""
    if raw == "-":
        text = _decode(sys.stdin.buffer.read(LIMITS.max_input_bytes + 1), "<stdin>")
        if text.lstrip().startswith("{"):
            yield from ((article, None) for article in parse_jsonl(text, "<stdin>"))
        else:
            article = parse_txt(text, "stdin", "<stdin>")
            yield replace(article, id=stdin_id(article.text)), None
        return
    path = Path(raw)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            raise ClaimcheckError(Errors.E209.format(path=path))
        for file in files:
            yield from _read_file(file, file.as_posix())
    elif path.is_file():
        yield from _read_file(path, path.as_posix())
    else:
        raise ClaimcheckError(Errors.E201.format(path=path))


def _read_file(path: Path, name: str) -> Iterator[tuple[Article, str | None]]:
    """A file's articles; one named after the file (.txt, .html) comes with ``name``, its path."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ClaimcheckError(Errors.E207.format(path=path, suffix=suffix or "(none)"))
    size = path.stat().st_size
    if size > LIMITS.max_input_bytes:
        raise ClaimcheckError(Errors.E208.format(path=path, size=size, limit=LIMITS.max_input_bytes))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClaimcheckError(Errors.E213.format(path=path, why=exc.strerror)) from exc
    text = _decode(data, str(path))
    if suffix == ".jsonl":
        yield from ((article, None) for article in parse_jsonl(text, str(path)))
    elif suffix in (".html", ".htm"):
        yield parse_html(text, path.stem, str(path)), name
    else:
        yield parse_txt(text, path.stem, str(path)), name


def _decode(data: bytes, where: str) -> str:
    if len(data) > LIMITS.max_input_bytes:
        raise ClaimcheckError(Errors.E208.format(path=where, size=len(data), limit=LIMITS.max_input_bytes))
    if not data.strip():
        raise ClaimcheckError(Errors.E202.format(path=where))
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), None)  # UTF-16/32 text carries a BOM
    if codec is None and b"\x00" in data[:8192]:
        raise ClaimcheckError(Errors.E203.format(path=where))
    try:
        text = data.decode(codec or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClaimcheckError(Errors.E204.format(path=where, offset=exc.start)) from exc
    if not text.strip():
        raise ClaimcheckError(Errors.E202.format(path=where))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_txt(text: str, article_id: str, where: str) -> Article:
    """A .txt article: an optional leading ``date YYYY-MM[-DD]`` (the body may follow on its line)."""
    date = None
    match = _DATE_PREFIX.match(text)
    if match:
        try:
            date = normalise_date(match.group(1))
        except ValueError:
            raise ClaimcheckError(Errors.E210.format(path=where, line=text.partition("\n")[0].strip()[:60])) from None
        text = text[match.end():]
    if not text.strip():
        raise ClaimcheckError(Errors.E202.format(path=where))
    first_line = 1 + match.group(0).count("\n") if match else 1
    return Article(id=article_id, text=text, date=date, path=where, line=first_line)


def jsonl_records(text: str, where: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank JSONL line; E205 for a line that is not an object."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ClaimcheckError(Errors.E205.format(path=where, line=number, why=exc.msg)) from exc
        except (ValueError, RecursionError) as exc:  # a number of over 4,300 digits; nesting too deep
            why = "nested too deeply" if isinstance(exc, RecursionError) else "a number too long to read"
            raise ClaimcheckError(Errors.E205.format(path=where, line=number, why=why)) from exc
        if not isinstance(record, dict):
            raise ClaimcheckError(Errors.E205.format(path=where, line=number, why="not a JSON object"))
        yield number, record


def read_pairs(source: str) -> list[tuple[str, str]]:
    """``premise``/``hypothesis`` pairs from a JSONL file or ``-`` (stdin), in order."""
    if source == "-":
        text = _decode(sys.stdin.buffer.read(LIMITS.max_input_bytes + 1), "<stdin>")
    else:
        path = Path(source)
        if not path.is_file():
            raise ClaimcheckError(Errors.E201.format(path=path))
        text = _decode(path.read_bytes(), source)
    pairs = []
    for number, record in jsonl_records(text, source):
        if not all(isinstance(record.get(k), str) for k in ("premise", "hypothesis")):
            raise ClaimcheckError(Errors.E212.format(path=source, line=number))
        pairs.append((record["premise"], record["hypothesis"]))
    return pairs


def parse_jsonl(text: str, where: str) -> Iterator[Article]:
    """One article a line: ``id`` and ``text`` required; title, date, source, url, lang optional."""
    for number, record in jsonl_records(text, where):
        yield article_from_record(record, where, number)


def article_from_record(record: dict, where: str, number: int) -> Article:
    """The article of one JSON object with the fields of a JSONL line (E205, E206 when it is not one);
    ``where`` and ``number`` name it in errors and in its ``path`` (``where:number``)."""
    for required in ("id", "text"):
        value = record.get(required)
        if type(value) is int and required == "id" and abs(value) < 10**18:  # noqa: E721 - not true/false
            record = {**record, "id": str(value)}
        elif not isinstance(value, str) or not value.strip():
            raise ClaimcheckError(Errors.E206.format(path=where, line=number, field=required))
    extra = {}
    for key in _OPTIONAL_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise ClaimcheckError(Errors.E205.format(path=where, line=number, why=f"'{key}' must be a string"))
        extra[key] = value
    if extra["date"]:
        try:
            extra["date"] = normalise_date(extra["date"])
        except ValueError:
            raise ClaimcheckError(Errors.E205.format(
                path=where, line=number, why=f"article '{record['id']}': 'date' {extra['date'][:40]!r} is not an "
                                             "ISO 8601 date or date-time")) from None
    return Article(id=record["id"], text=record["text"], path=f"{where}:{number}", line=number, **extra)


def source_file(article: Article) -> str | None:
    """The file an article was read from (a JSONL article's path without its ``:line``); None for stdin."""
    if not article.path or article.path.startswith("<stdin>"):
        return None
    return _JSONL_LINE.sub("", article.path)


def file_line(article: Article, offset: int) -> int:
    """The line of its file that holds ``article.text[offset]``: a JSONL article is all on its line."""
    if _JSONL_LINE.search(article.path or ""):
        return article.line
    return article.line + article.text.count("\n", 0, offset)


def _valid_date(value: str | None) -> str | None:
    try:
        return normalise_date(value) if value else None
    except ValueError:
        return None


def parse_html(html: str, article_id: str, where: str) -> Article:
    """Main text of an HTML page (trafilatura), with its title and date when the page has them."""
    import trafilatura

    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_precision=True)
    body = getattr(extracted, "text", None) if extracted is not None else None
    if not body or not body.strip():
        raise ClaimcheckError(Errors.E215.format(path=where))
    date = getattr(extracted, "date", None)
    return Article(id=article_id, text=body, title=getattr(extracted, "title", None),
                   date=_valid_date(date),
                   source=getattr(extracted, "sitename", None), url=getattr(extracted, "url", None), path=where)
