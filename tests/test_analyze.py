"""The analyze stage: words, entity spans, facts per claim and the ``claimcheck analyze`` command."""

from __future__ import annotations

import json

import pytest

from checker.analyze import Entity, EntityTagger, analyze, entities, entity_spans, words
from checker.cli import main
from checker.types import Article, Claim


def test_words_split_like_conll():
    text = ("Minister Jean-Marie T. Dupont (CD&V) zei: 2.700 mensen, o.a. in de U.S. en 's-Hertogenbosch, "
            "om 21:15 -- 4,5 procent meer informatica- en verkoopbanen...")
    assert [text[s:e] for s, e in words(text)] == [
        "Minister", "Jean-Marie", "T.", "Dupont", "(", "CD&V", ")", "zei", ":", "2.700", "mensen", ",", "o.a.", "in",
        "de", "U.S.", "en", "'s-Hertogenbosch", ",", "om", "21:15", "--", "4,5", "procent", "meer", "informatica-",
        "en", "verkoopbanen", "..."]


@pytest.mark.parametrize(("tags", "spans"), [
    (["B-PER", "I-PER", "O", "B-LOC"], [(0, 2, "PER"), (3, 4, "LOC")]),
    (["I-ORG", "I-ORG", "B-ORG"], [(0, 2, "ORG"), (2, 3, "ORG")]),
    (["B-PER", "I-LOC", "O"], [(0, 1, "PER"), (1, 2, "LOC")]),
    (["O", "O"], []),
])
def test_entity_spans_from_iob2(tags, spans):
    assert entity_spans(tags) == spans


def test_entities_point_into_the_article_text():
    text = "Gisteren. Burgemeester Femke Halsema van Amsterdam sprak in Utrecht."
    start = text.index("Burgemeester")
    claim = Claim("a", 1, text[start:], start, len(text), "nl")

    def tagger(sentences):  # a stand-in tagger that knows three names
        known = {"Femke": "B-PER", "Halsema": "I-PER", "Amsterdam": "B-LOC", "Utrecht": "B-LOC"}
        return [[known.get(w, "O") for w in ws] for ws in sentences]

    (found,) = entities([claim], tagger)
    assert found == (Entity("Femke Halsema", "PER", start + 13, start + 26),
                     Entity("Amsterdam", "LOC", start + 31, start + 40), Entity("Utrecht", "LOC", start + 50, start + 57))
    assert all(text[e.start:e.end] == e.text for e in found)


def test_analyze_computes_every_fact_once_per_claim():
    article = Article("a", "Er raakten negen mensen gewond, zegt de politie. Niemand werd opgepakt.", date="2024-03-12")
    claims = [Claim("a", 0, "Er raakten negen mensen gewond, zegt de politie.", 0, 48, "nl", attribution="de politie"),
              Claim("a", 1, "Niemand werd opgepakt.", 49, 71, "nl")]
    facts = analyze(claims, {"a": article}, tag=None)
    first, second = facts[claims[0]], facts[claims[1]]
    assert [(q.type, q.key, q.low) for q in first.quantities] == [("count", "injured", 9)]
    assert first.attribution == "de politie" and not first.negated
    assert second.polarity == "negative" and [(q.key, q.high) for q in second.quantities] == [("arrested", 0)]


def test_tagger_runs_a_token_classifier(tiny_ner_dir):
    tagger = EntityTagger(str(tiny_ner_dir), device="cpu")
    tags = tagger([["Femke", "Halsema", "sprak", "."], [], ["x"] * 400])
    assert [len(t) for t in tags] == [4, 0, 400]
    assert all(t in tagger.labels for ts in tags for t in ts)


def test_cli_analyze_prints_one_record_per_claim(tiny_ner_dir, tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a12", "lang": "nl", "date": "2024-03-12T08:10+01:00",
                                "text": "Op de A12 bij Woerden raakten negen mensen gewond. De weg is dicht."}) + "\n")
    assert main(["analyze", str(path), "--ner-model", str(tiny_ner_dir), "--device", "cpu"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["article"], r["index"]) for r in records] == [("a12", 0), ("a12", 1)]
    first = records[0]
    assert first["text"] == "Op de A12 bij Woerden raakten negen mensen gewond." and first["start"] == 0
    assert first["quantities"][0]["low"] == 9 and first["quantities"][0]["key"] == "injured" and first["polarity"] == "positive"
    assert set(first) >= {"entities", "times", "negated", "attribution", "end", "lang"}
    assert main(["analyze", str(path), "--ner-model", str(tiny_ner_dir), "--format", "xml"]) == 2


@pytest.mark.slow
def test_shipped_tagger_finds_people_places_and_organisations(tmp_path, capsys):
    """The real claimcheck-ner through `claimcheck analyze`, on sentences of several news domains."""
    sentences = {
        "politiek": "Burgemeester Femke Halsema van Amsterdam sprak woensdag met minister Hugo de Jonge in Den Haag.",
        "sport": "Ajax verloor zondag in Eindhoven met 2-1 van PSV door twee doelpunten van Luuk de Jong.",
        "gezondheid": "Volgens het RIVM is de griepgolf voorbij, meldt directeur Jaap van Dissel.",
        "world": "German chancellor Olaf Scholz met Emmanuel Macron in Paris on Tuesday to discuss Ukraine.",
    }
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"id": k, "text": v, "lang": "en" if k == "world" else "nl"}) + "\n"
                            for k, v in sentences.items()))
    assert main(["analyze", str(path), "--device", "cpu"]) == 0
    found = {}
    for line in capsys.readouterr().out.splitlines():
        record = json.loads(line)
        found[record["article"]] = {(e["text"], e["type"]) for e in record["entities"]}
        for e in record["entities"]:
            assert sentences[record["article"]][e["start"]:e["end"]] == e["text"]
    assert {("Femke Halsema", "PER"), ("Amsterdam", "LOC"), ("Den Haag", "LOC")} <= found["politiek"]
    assert {("Ajax", "ORG"), ("PSV", "ORG"), ("Luuk de Jong", "PER")} <= found["sport"]
    assert ("RIVM", "ORG") in found["gezondheid"] and ("Jaap van Dissel", "PER") in found["gezondheid"]
    assert {("Olaf Scholz", "PER"), ("Emmanuel Macron", "PER"), ("Paris", "LOC")} <= found["world"]


def test_each_line_of_a_claim_is_tagged_on_its_own():
    text = "Brand in Gent\nDe brandweer van Gent rukte uit."
    seen = []

    def tagger(sentences):
        seen.extend(sentences)
        return [["B-LOC" if w == "Gent" else "O" for w in ws] for ws in sentences]

    (found,) = entities([Claim("a", 0, text, 0, len(text), "nl")], tagger)
    assert seen == [["Brand", "in", "Gent"], ["De", "brandweer", "van", "Gent", "rukte", "uit", "."]]
    assert [(e.text, e.start) for e in found] == [("Gent", 9), ("Gent", 31)]


def test_iob_decode_keeps_sequences_valid():
    import numpy as np

    from checker.analyze import iob_decode

    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    scores = np.log(np.array([[0.1, 0.2, 0.6, 0.05, 0.05],  # argmax I-PER at the start: invalid
                              [0.1, 0.1, 0.7, 0.05, 0.05],
                              [0.2, 0.1, 0.1, 0.1, 0.5]]))  # I-LOC after a person: invalid
    assert iob_decode(scores, labels) == ["B-PER", "I-PER", "O"]
    assert iob_decode(np.zeros((0, 5)), labels) == []
