"""A synthetic news corpus of real sentences, with planted agreements and contradictions.

    python -m eval.bench.corpus --data ../shared/data --out /tmp/claimcheck-bench/corpus [--articles 1000]

Articles come in events of ``EVENT_SIZE`` (several outlets covering one story, same date). Each
event gets the ``PLANTED`` real labelled NLI pairs, premise in one of its articles and
hypothesis in another (contradiction, entailment or neutral as the data set labels them), and
each article is filled up with background sentences. Every sentence is used once in the corpus.

Planted pairs: SICK-NL train (Dutch events, ``DUTCH_SHARE``) and XNLI en (English events).
Background: see ``sources``. The data are read
from ``--data`` and never copied into the repository; the corpus is written to ``--out``
(``corpus.jsonl``: one article a line; ``planted.jsonl``: the planted pairs and their labels).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

EVENT_SIZE = 4
PLANTED = ("contradiction", "entailment", "neutral", "contradiction")  # labels planted per event
DUTCH_SHARE = 0.6
SENTENCES_PER_ARTICLE = (5, 10)  # background + planted, drawn uniformly
START = datetime.date(2020, 1, 1)  # event i is dated START + i days
_TERMINAL = (".", "!", "?", '"', "'", "”", "’")


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        yield from (json.loads(line) for line in handle if line.strip())


def as_sentence(text: str) -> str:
    """Trimmed, capitalised, with a full stop when it has no terminal punctuation (SICK has none)."""
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    return text if text.endswith(_TERMINAL) else text + "."


def sources(data: Path) -> dict[str, tuple[list[tuple[str, str, str]], list[str]]]:
    """Per language: labelled (premise, hypothesis, label) pairs and background sentences.

    Background takes one side of each paraphrase or translation pair (never both), from several
    genres: news (UD Alpino), STS-B (captions, headlines, forums), Tatoeba, XNLI premises, PAWS-X.
    """
    rows = {name: list(read_jsonl(data / name)) for name in (
        "nli/sick_nl/train.jsonl", "nli/xnli/all.jsonl", "text_nl/ud_alpino/sentences.jsonl",
        "sts/stsb/nl_train.jsonl", "sts/stsb/en_train.jsonl", "nli2/tatoeba_nl_en/pairs.jsonl", "nli2/pawsx/all.jsonl")}
    xnli = [r for r in rows["nli/xnli/all.jsonl"] if r["lang"] == "en"]
    pairs = {"nl": [(as_sentence(r["premise"]), as_sentence(r["hypothesis"]), r["label"]) for r in rows["nli/sick_nl/train.jsonl"]],
             "en": [(as_sentence(r["premise"]), as_sentence(r["hypothesis"]), r["label"]) for r in xnli]}
    background = {
        "nl": [r["text"] for r in rows["text_nl/ud_alpino/sentences.jsonl"]]
        + [r["sentence1"] for r in rows["sts/stsb/nl_train.jsonl"]]
        + [r["premise"] for r in rows["nli2/tatoeba_nl_en/pairs.jsonl"]],
        "en": [r["premise"] for r in xnli] + [r["sentence1"] for r in rows["sts/stsb/en_train.jsonl"]]
        + [r["premise"] for r in rows["nli2/pawsx/all.jsonl"] if r["lang"] == "en"],
    }
    return {lang: (pairs[lang], sorted({as_sentence(t) for t in background[lang]})) for lang in pairs}


class Draw:
    """Sentences drawn without replacement across the whole corpus."""

    def __init__(self, pool: dict[str, tuple[list[tuple[str, str, str]], list[str]]], rng: random.Random):
        self.rng = rng
        self.pairs = {lang: rng.sample(p, len(p)) for lang, (p, _) in pool.items()}
        self.background = {lang: rng.sample(b, len(b)) for lang, (_, b) in pool.items()}
        self.used: set[str] = set()

    def pair(self, lang: str, label: str) -> tuple[str, str]:
        for i, (premise, hypothesis, row_label) in enumerate(self.pairs[lang]):
            if row_label == label and premise != hypothesis and not {premise, hypothesis} & self.used:
                del self.pairs[lang][i]
                self.used |= {premise, hypothesis}
                return premise, hypothesis
        raise ValueError(f"no unused {label} pair left in {lang}")

    def sentence(self, lang: str) -> str:
        while self.background[lang]:
            text = self.background[lang].pop()
            if text not in self.used and len(text.split()) >= 4:
                self.used.add(text)
                return text
        raise ValueError(f"no background sentence left in {lang}")


def build(data: Path, n_articles: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Articles (ingest's JSONL fields) and the planted pairs; all pairs are planted before any
    background sentence is drawn, so background never takes a sentence a pair needs."""
    rng = random.Random(seed)
    draw = Draw(sources(data), rng)
    events, planted = [], []
    for event in range((n_articles + EVENT_SIZE - 1) // EVENT_SIZE):
        lang = "nl" if rng.random() < DUTCH_SHARE else "en"
        ids = [f"{event:04d}_{j}_{lang}" for j in range(min(EVENT_SIZE, n_articles - event * EVENT_SIZE))]
        events.append((event, lang, ids))
        for label in PLANTED if len(ids) > 1 else ():
            first, second = rng.sample(ids, 2)
            premise, hypothesis = draw.pair(lang, label)
            planted.append({"label": label, "a": first, "b": second, "premise": premise, "hypothesis": hypothesis})
    body: dict[str, list[str]] = {}
    for row in planted:
        body.setdefault(row["a"], []).append(row["premise"])
        body.setdefault(row["b"], []).append(row["hypothesis"])
    articles = []
    for event, lang, ids in events:
        for j, article_id in enumerate(ids):
            sentences = body.get(article_id, [])
            sentences += [draw.sentence(lang) for _ in range(max(0, rng.randint(*SENTENCES_PER_ARTICLE) - len(sentences)))]
            rng.shuffle(sentences)
            paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
            articles.append({"id": article_id, "text": "\n\n".join(paragraphs), "lang": lang,
                             "date": (START + datetime.timedelta(days=event)).isoformat(), "source": f"outlet-{j}",
                             "title": f"event {event}, outlet {j}"})
    return articles, planted


def event_of(article_id: str) -> str:
    """The event an article of this corpus belongs to (its id starts with the event number)."""
    return "event-" + article_id.split("_")[0]


def write(out: Path, articles: list[dict], planted: list[dict]) -> Path:
    """``corpus.jsonl``, ``planted.jsonl`` and ``stories.json`` (article id -> event: the corpus's
    articles are random real sentences, so only their event says which story they are in; verify
    reads it with ``--stories``)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("corpus.jsonl", articles), ("planted.jsonl", planted)):
        (out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (out / "stories.json").write_text(json.dumps({a["id"]: event_of(a["id"]) for a in articles}, indent=0))
    return out / "corpus.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    articles, planted = build(args.data, args.articles, args.seed)
    print(write(args.out, articles, planted), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
