"""Ingest: .txt/.jsonl/.html files, directories, stdin, and every bad input as a coded error."""

from __future__ import annotations

import codecs

import io
import json
import sys

import pytest

from checker.errors import ClaimcheckError
from checker.ingest import parse_txt, read_articles
from tests.conftest import SEEDS


def _code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.code


def test_ingest_reads_seed_directory_with_dates():
    articles = read_articles([str(SEEDS)])
    assert [a.id for a in articles] == ["000_045f236b697109b6", "004_91b7de1fc477113f"]
    assert [a.date for a in articles] == ["2020-01", None]
    assert articles[0].text.startswith("De Iraanse Revolutionaire Garde")


def test_ingest_date_line_may_start_with_space_and_is_optional():
    assert parse_txt(" date 2020-01-08\nBody text.", "x", "x.txt").date == "2020-01-08"
    same_line = parse_txt(" date 2020-01 Body text.", "x", "x.txt")
    assert (same_line.date, same_line.text) == ("2020-01", "Body text.")
    assert parse_txt("Body text.", "x", "x.txt").date is None


def test_ingest_jsonl_fields(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"id": "a1", "text": "Iran vuurde raketten af.", "title": "T", "date": "2020-01-08",
                                "source": "NOS", "url": "https://nos.nl/x", "lang": "nl"}) + "\n\n"
                    + json.dumps({"id": 7, "text": "Second article."}) + "\n")
    first, second = read_articles([str(path)])
    assert (first.id, first.source, first.lang, first.date) == ("a1", "NOS", "nl", "2020-01-08")
    assert second.id == "7"


def test_ingest_html_extracts_main_text(tmp_path):
    body = " ".join(["De Iraanse Revolutionaire Garde heeft twee legerbases in Irak gebombardeerd."] * 5)
    page = (f"<html><head><title>Aanval</title></head><body><nav>Menu Home Sport</nav>"
            f"<article><h1>Aanval op bases</h1><p>{body}</p><p>{body}</p></article></body></html>")
    (tmp_path / "page.html").write_text(page)
    (article,) = read_articles([str(tmp_path / "page.html")])
    assert article.id == "page"
    assert "legerbases in Irak gebombardeerd" in article.text
    assert "Menu Home Sport" not in article.text


def test_ingest_stdin_txt_and_jsonl(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"date 2020-01\nEen artikel van stdin.")))
    (article,) = read_articles(["-"])
    assert article.id.startswith("stdin-") and article.date == "2020-01"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "j", "text": "Uit JSONL."}\n')))
    assert read_articles(["-"])[0].id == "j"


@pytest.mark.parametrize(("name", "content", "code"), [
    ("empty.txt", b"", "E202"),
    ("blank.txt", b"  \n\n ", "E202"),
    ("binary.txt", b"\x00\x01\x02PNG\x00", "E203"),
    ("latin1.txt", "Caf\u00e9 in Den Haag".encode("latin-1"), "E204"),
    ("broken.jsonl", b'{"id": "a", "text": "ok"}\n{"id": "b", "text": \n', "E205"),
    ("list.jsonl", b'["not", "an", "object"]\n', "E205"),
    ("noid.jsonl", b'{"text": "no id"}\n', "E206"),
    ("emptytext.jsonl", b'{"id": "x", "text": "  "}\n', "E206"),
    ("baddate.txt", b"date 8-1-2020\nBody.", "E210"),
    ("month13.txt", b"date 2020-13-45\nBody.", "E210"),
    ("feb30.jsonl", b'{"id": "a", "text": "ok", "date": "2020-02-30"}\n', "E205"),
    ("badtime.jsonl", b'{"id": "a", "text": "ok", "date": "2020-01-08T25:00"}\n', "E205"),
    ("image.png", b"\x89PNG", "E207"),
])
def test_ingest_bad_input_is_a_coded_error(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ClaimcheckError) as excinfo:
        read_articles([str(path)])
    assert _code(excinfo) == code


def test_ingest_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(ClaimcheckError) as excinfo:
        read_articles([str(tmp_path / "nope")])
    assert _code(excinfo) == "E201"
    with pytest.raises(ClaimcheckError) as excinfo:
        read_articles([str(tmp_path)])
    assert _code(excinfo) == "E209"


def test_ingest_duplicate_ids_are_rejected(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "same", "text": "Eerste tekst."}\n')
    (tmp_path / "b.jsonl").write_text('{"id": "same", "text": "Tweede tekst."}\n')
    with pytest.raises(ClaimcheckError) as excinfo:
        read_articles([str(tmp_path)])
    assert _code(excinfo) == "E211"


def test_ingest_huge_file_is_refused(tmp_path, monkeypatch):
    from checker import ingest
    from checker.config import Limits

    monkeypatch.setattr(ingest, "LIMITS", Limits(max_input_bytes=100))
    path = tmp_path / "big.txt"
    path.write_text("x" * 101)
    with pytest.raises(ClaimcheckError) as excinfo:
        read_articles([str(path)])
    assert _code(excinfo) == "E208"


@pytest.mark.parametrize(("given", "kept"), [
    ("2020-01", "2020-01"), ("2020-01-08", "2020-01-08"),
    ("2024-03-12T08:10:00+01:00", "2024-03-12T08:10:00+01:00"),
    ("2024-03-12T08:10+01:00", "2024-03-12T08:10+01:00"), ("2024-03-12 08:10Z", "2024-03-12T08:10+00:00"),
])
def test_ingest_publication_time_keeps_the_time_of_day(tmp_path, given, kept):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Een zin.", "date": given}) + "\n")
    assert read_articles([str(path)])[0].date == kept
    assert parse_txt(f"date {given.replace(' ', 'T')}\nBody text.", "x", "x.txt").date is not None


def test_ingest_bad_date_names_the_article_and_field(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "ongeluk-a12", "text": "Een zin.", "date": "2020-13-45"}) + "\n")
    with pytest.raises(ClaimcheckError) as excinfo:
        read_articles([str(path)])
    assert "ongeluk-a12" in str(excinfo.value) and "'date'" in str(excinfo.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_ingest_reads_utf16_and_utf32_with_a_bom(tmp_path, encoding):
    path = tmp_path / "a.txt"
    body = "date 2024-03-12\nIn Zürich raakten négen mensen gewond."
    data = body.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path.write_bytes(data)
    (article,) = read_articles([str(path)])
    assert article.text == "In Zürich raakten négen mensen gewond." and article.date == "2024-03-12"


@pytest.mark.parametrize(("line", "why"), [
    ('{"id": true, "text": "Een zin."}', "'id'"),
    ('{"id": ' + "9" * 5000 + ', "text": "Een zin."}', "too long"),
    ("[" * 100000 + "]" * 100000, "nested"),
])
def test_ingest_rejects_odd_ids_and_hostile_json(tmp_path, line, why):
    path = tmp_path / "a.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(ClaimcheckError) as excinfo:
        read_articles([str(path)])
    assert _code(excinfo) in ("E205", "E206") and why in str(excinfo.value)


def test_ingest_ids_from_paths_are_unique(tmp_path, monkeypatch):
    """Same file name in two folders: two ids (their paths), not one article read twice (issue 15 D1)."""
    for folder, text in (("2020", "Het eerste verslag van de brand."), ("2021", "Een tweede, ander verslag.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text(text)
    (tmp_path / "2021" / "other.txt").write_text("Een los artikel.")
    assert [a.id for a in read_articles([str(tmp_path)])] == [f"{tmp_path.as_posix()}/2020/report.txt", "other",
                                                              f"{tmp_path.as_posix()}/2021/report.txt"]
    assert len({a.id for a in read_articles([str(tmp_path / "2020"), str(tmp_path / "2021")])}) == 3  # two folders
    given = [str(tmp_path / "2020" / "report.txt"), str(tmp_path / "2021" / "report.txt")]
    assert [a.id for a in read_articles(given)] == [(tmp_path / f / "report.txt").as_posix() for f in ("2020", "2021")]
    assert read_articles([given[0]])[0].id == "report"  # unambiguous: the stem, as before


def test_ingest_stdin_articles_get_ids_from_their_text(monkeypatch):
    ids = []
    for text in (b"Een eerste artikel van stdin.", b"Een ander artikel van stdin.", b"Een eerste artikel van stdin."):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
        ids.append(read_articles(["-"])[0].id)
    assert ids[0] != ids[1] and ids[0] == ids[2]


def test_ingest_file_lines_count_the_date_header_and_jsonl_records(tmp_path):
    """GitHub annotations point at the line in the file (issue 15 B6)."""
    from checker.ingest import file_line, source_file

    (tmp_path / "a.txt").write_text("date 2020-01-08\nEerste zin.\n\nTweede alinea hier.")
    (article,) = read_articles([str(tmp_path / "a.txt")])
    assert file_line(article, article.text.index("Tweede")) == 4
    assert file_line(parse_txt("date 2020-01 Eerste zin.\nTweede.", "x", "x.txt"), 13) == 2
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps({"id": f"j{i}", "text": "Regel een.\nRegel twee."})
                                                for i in range(3)) + "\n")
    third = read_articles([str(tmp_path / "b.jsonl")])[2]
    assert (file_line(third, third.text.index("twee")), source_file(third)) == (3, str(tmp_path / "b.jsonl"))
