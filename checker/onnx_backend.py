"""ONNX Runtime backend (the default): the NLI model and the embedder exported to ONNX, int8-quantised,
run without torch.

On first use (or by ``claimcheck models build``) a model folder is exported, in a child process so
the serving process never holds the torch copy of the weights, into the user cache next to the
rebuilt Hugging Face folders::

    <cache>/e5-small.onnx/ (a registered model), <cache>/<folder name>-<path hash>.onnx/ (any other)
        model.onnx            fp32 graph (torch.onnx.export, TorchScript exporter)
        model.int8.onnx       the same, linear layers and embeddings dynamically quantised to int8
        tokenizer.json        the fast tokenizer, run with ``tokenizers`` (no transformers at run time)
        claimcheck-onnx.json  what was exported from what, and the sha256 of each file

A source that changes (a new shipped delta, a local folder rebuilt) is exported again, and so is a
folder whose files no longer match their sha256 (checked once per process). ``OnnxNLIModel``
and ``OnnxEmbedder`` keep the contract of ``NLIModel.predict`` and ``Embedder.encode``: rows in
input order, batches sorted by length and padded only to their own longest row.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from checker import models
from checker.config import cache_dir
from checker.embed import CachedEncoder, text_prefix
from checker.errors import ClaimcheckError, Errors
from checker.infer import char_length, label_columns, run_sorted

logger = logging.getLogger(__name__)

FP32_FILE, INT8_FILE, META_FILE = "model.onnx", "model.int8.onnx", "claimcheck-onnx.json"
TOKENIZER_FILE = "tokenizer.json"
EXPORT_VERSION = 4  # part of the export stamp: a new recipe re-exports cached folders
# Linear layers whose input is quantised per token (``quantize``): the attention output and both
# feed-forward projections of every layer; the query/key/value projections, whose input is a
# layer norm's output, keep one scale per input. Measured by eval/bench/quant.py on the NLI model
# (eval/bench/results/quant.json, session 7; fidelity to the fp32 graph, SICK-NL dev unused):
# argmax flips on 2,000 SICK-NL train pairs 37 with one scale per input everywhere, 8 so (15 in
# the 7 bits of CPUs without VNNI, ``activation_bits``), 9 per token everywhere; 1,000 corpus pairs
# at 225, 199 and 179 pairs/s (medians). The session-6 recipe (one scale per input, layer 4's
# feed-forward down-projection in fp32) flipped 29 of another 2,000 train pairs where this one
# flips 8. SICK-NL dev: 83.64% so, 83.33% with the session-6 recipe, 83.94% in fp32
# (eval/results/nli_speed.json). The embedder gets the same recipe: over 1,500 corpus claims its
# vectors' cosine to fp32 is 0.99945 mean (0.99831 with the session-6 recipe).
PER_TOKEN = ("/output/dense/MatMul", "/intermediate/dense/MatMul")
KINDS = ("nli", "embed", "ner")
# What the default backend runs of each registered model: its kind and graph (the entity tagger
# runs fp32, see ``analyze.EntityTagger``); ``claimcheck models build`` exports and checks these.
REGISTERED = {models.EMBEDDER: ("embed", INT8_FILE), models.NLI: ("nli", INT8_FILE), models.NER: ("ner", FP32_FILE)}
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_TOKENIZE_CHUNK = 4096  # texts tokenized at a time; only their token ids are kept
_checked: dict[tuple[Path, str], dict] = {}  # (folder, model file) -> the stamp it was found current with
_tokenizers: dict[str, tuple[object, threading.Lock]] = {}  # sha256 of a tokenizer.json -> (Tokenizer, its lock)
_parsing = threading.Lock()


def source_folder(name: str, kind: str) -> Path:
    """The Hugging Face folder of a registered name, a local folder or a hub id (downloaded).

    Raises:
        ClaimcheckError: the kind's load error (E104, E107, E109) when it is none of these."""
    path = Path(models.resolve(name))
    if path.is_dir():
        return path
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name))
    except Exception as exc:  # an invalid id, no network, no such repository: all say "not found"
        why = f"no such folder, and not a hub id that can be downloaded ({type(exc).__name__})"
        raise ClaimcheckError(cannot_load(kind).format(name=name, why=why)) from exc


def cannot_load(kind: str) -> str:
    """The error template for a model of ``kind`` that cannot be loaded or exported."""
    return {"nli": Errors.E104, "embed": Errors.E107, "ner": Errors.E109}[kind]


def fingerprint(folder: Path) -> str:
    """sha256 over the name, size and mtime of every file: changes when the folder is rebuilt."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def read_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / META_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def onnx_folder(name: str, kind: str, model_file: str = INT8_FILE, rebuild: bool = False) -> Path:
    """The exported folder of model ``name`` (``kind`` nli, embed or ner), exported when missing, stale or
    corrupt (its ``model_file`` or tokenizer no longer has the sha256 recorded at export).

    A registered model's export (``<cache>/e5-small.onnx``, ``<cache>/claimcheck-nli-v1.onnx``) is
    current while the shipped files it was made from are (``models.source_fingerprint``): checking
    it reads neither the Hugging Face folder nor torch, which are needed only to export. A local
    folder or hub id goes to ``<cache>/<folder name>-<path hash>.onnx`` and is exported again when
    any of its files changes.

    Raises:
        ClaimcheckError: E502 when onnxruntime is not installed.
    """
    if importlib.util.find_spec("onnxruntime") is None:
        raise ClaimcheckError(Errors.E502)
    if models.registered(name):
        dest = models.folder(name).with_name(models.folder(name).name + ".onnx")
        stamp = {"source": models.source_fingerprint(name)}
        source = lambda: models.model_path(name)  # noqa: E731 - built only when an export is needed
    else:
        src = source_folder(name, kind).resolve()
        dest = cache_dir() / f"{src.name}-{hashlib.sha256(str(src).encode()).hexdigest()[:8]}.onnx"
        stamp = {"source": str(src), "fingerprint": fingerprint(src)}
        source = lambda: src  # noqa: E731
    stamp.update(kind=kind, export_version=EXPORT_VERSION, activation_bits=activation_bits())
    if not rebuild and _checked.get((dest, model_file)) == stamp:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.with_name(dest.name + ".lock"), "w") as lock:  # one export per folder at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rebuild or not _is_current(dest, stamp, model_file):
            _export_atomic(source(), dest, kind, stamp)
    _checked[(dest, model_file)] = stamp
    return dest


def _is_current(dest: Path, stamp: dict, model_file: str) -> bool:
    """Whether ``dest`` was exported from ``stamp`` and its files are whole (called under the folder lock).

    A file's sha256 is computed again only when its size or modification time differs from those
    recorded when it was last found whole (``checked``): hashing the graph and tokenizer of the
    embedder and NLI model cost 0.3 s of every process start (``claimcheck verify`` of two
    articles: 6 s), and a truncated or rewritten file changes its size or time."""
    meta = read_meta(dest)
    if not meta:
        return False
    files, checked = meta.get("sha256", {}), meta.get("checked", {})
    seen = {file: _stat(dest / file) for file in (model_file, TOKENIZER_FILE)}
    ok = {k: meta.get(k) for k in stamp} == stamp and all(
        stat is not None and (checked.get(file) == stat or models.sha256_file(dest / file) == files.get(file))
        for file, stat in seen.items())
    if ok and any(checked.get(file) != stat for file, stat in seen.items()):
        try:
            _write_meta(dest, dict(meta, checked=dict(checked, **seen)))
        except OSError:  # a cache this process may not write: it hashes again next time
            pass
    if not ok:
        logger.warning("ONNX folder %s is stale, incomplete or corrupt; exporting it again", dest)
    return ok


def _stat(path: Path) -> list[int] | None:
    """Size and modification time (ns) of a file, or None when it is missing."""
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns] if path.is_file() else None


def _write_meta(folder: Path, meta: dict) -> None:
    """Replace the metadata file in one step: readers never see half of it."""
    tmp = folder / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1))
    os.replace(tmp, folder / META_FILE)


def _export_atomic(src: Path, dest: Path, kind: str, stamp: dict) -> None:
    """Export into a temporary sibling folder in a child process, then swap it in."""
    models.build_log.info("exporting %s to ONNX int8 into %s (first use only, a minute or two)", src.name, dest)
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        done = subprocess.run([sys.executable, "-m", "checker.onnx_backend", kind, str(src), str(tmp)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["exit code %d" % done.returncode])[-1]
            raise ClaimcheckError(cannot_load(kind).format(name=str(src), why=f"ONNX export failed: {why}"))
        names = (FP32_FILE, INT8_FILE, TOKENIZER_FILE)
        files = {file: models.sha256_file(tmp / file) for file in names}
        checked = {file: _stat(tmp / file) for file in names}
        _write_meta(tmp, dict(json.loads((tmp / META_FILE).read_text()), **stamp, sha256=files, checked=checked))
        old = dest.with_name(dest.name + ".old")
        if dest.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for key in [key for key in _checked if key[0] == dest]:
        del _checked[key]


# --- export (runs in the child process) -----------------------------------------------------------

def export(kind: str, src: Path, dest: Path) -> None:
    """Write the fp32 and int8 graphs, ``tokenizer.json`` and the metadata of ``src`` into ``dest``."""
    import torch

    model, forward, tokenizer, meta = {"nli": _nli_module, "embed": _embed_module, "ner": _ner_module}[kind](src)
    names = [n for n in _INPUTS if n in tokenizer.model_input_names]
    dummy = tokenizer(["een korte zin", "nog een wat langere zin"], ["a", "b"] if kind == "nli" else None,
                      padding=True, return_tensors="pt")
    per_token = {1: "tokens"} if kind == "ner" else {}
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"output": {0: "batch", **per_token}}
    with torch.inference_mode():
        torch.onnx.export(_traceable(model, forward, names), tuple(dummy[n] for n in names), str(dest / FP32_FILE),
                          input_names=names, output_names=["output"], dynamic_axes=axes, opset_version=17,
                          dynamo=False)
    quantize(dest / FP32_FILE, dest / INT8_FILE, bits=activation_bits())
    tokenizer.backend_tokenizer.save(str(dest / TOKENIZER_FILE))
    meta.update(kind=kind, inputs=names, pad_id=int(tokenizer.pad_token_id or 0))
    (dest / META_FILE).write_text(json.dumps(meta, indent=1))


@functools.cache
def activation_bits(cpuinfo: Path = Path("/proc/cpuinfo")) -> int:
    """Bits of the uint8 activations ``quantize`` writes for this CPU: 8 where it multiplies uint8 by
    int8 with VNNI, 7 elsewhere (and where it cannot tell).

    Without VNNI, onnxruntime's x86 kernels add pairs of uint8 x int8 products in 16 bits
    (VPMADDUBSW), which saturates above 32,767: 2 x 255 x 127 can, 2 x 127 x 127 cannot. Emulated
    on 40 bench-corpus pairs (session 7), 8-bit per-token inputs would saturate 2.8e-4 of those
    pair sums (per-input quantisation 3.2e-5); 7 bits (and 7-bit weights for the per-input layers)
    never do. On a VNNI CPU 7 bits would cost argmax flips against fp32 (eval/bench/quant.py)."""
    try:
        flags = cpuinfo.read_text(errors="replace")
    except OSError:
        return 7
    return 8 if re.search(r"\b(avx512_vnni|avx_vnni)\b", flags) else 7


def quantize(fp32: Path, int8: Path, per_token: tuple[str, ...] = PER_TOKEN, bits: int = 8) -> None:
    """Dynamic int8 quantisation: weights int8 per output column; the input of a linear layer whose
    node name ends with one of ``per_token`` quantised per token into ``bits`` bits
    (``_quantize_per_token``), that of the others over the whole input (onnxruntime's
    ``quantize_dynamic``, which also stores the word embeddings in int8; 7-bit weights when ``bits``
    is 7). The pooler and classifier (``Gemm``, one row per input) stay in fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(fp32))
    _quantize_per_token(model.graph, per_token, float(2 ** bits - 1))
    # onnxruntime rewrites a Gemm to "<name>_MatMul" and an Add before it quantises
    heads = [name for node in model.graph.node if node.op_type == "Gemm" for name in (node.name, node.name + "_MatMul")]
    with tempfile.TemporaryDirectory(dir=int8.parent) as tmp:
        staged = Path(tmp) / "per-token.onnx"
        # weights in a side file: a protobuf holds at most 2 GB (a large --nli-model's fp32 parts)
        onnx.save(model, str(staged), save_as_external_data=True, location="per-token.weights")
        quantize_dynamic(str(staged), str(int8), weight_type=QuantType.QInt8, per_channel=True, reduce_range=bits < 8,
                         op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=heads)


def _quantize_per_token(graph, suffixes: tuple[str, ...], levels: float = 255.0) -> None:
    """Replace each ``MatMul`` of a constant 2-D weight whose name ends with one of ``suffixes`` by
    uint8 x int8 integer arithmetic with one scale and zero point per token (row of its input),
    the token's range mapped onto 0..``levels``.

    onnxruntime's dynamic quantisation has one scale per input: a token with large activations
    coarsens every other token's, and a row's result depends on the rows batched with it. Per
    token, a row's result depends on that row alone and the int8 model stays closer to fp32."""
    from onnx import TensorProto, helper, numpy_helper

    weights = {init.name: init for init in graph.initializer}
    added: list = []
    nodes: list = []

    def const(name: str, value: np.ndarray) -> str:
        added.append(numpy_helper.from_array(value, name))
        return name

    def op(kind: str, inputs: list[str], **attributes: object) -> str:
        out = f"per_token/{len(nodes)}/{kind}"
        nodes.append(helper.make_node(kind, inputs, [out], name=out, **attributes))
        return out

    zero, tiny, top = (const(f"per_token/{n}", np.array(v, np.float32)) for n, v in
                       (("zero", 0.0), ("tiny", 1e-12), ("levels", levels)))
    flat = const("per_token/flat", np.array([-1], np.int64))
    tokens: dict[str, tuple[str, str, str]] = {}  # input -> its uint8 tokens, their scales, their zero points

    def per_token(x: str, width: int) -> tuple[str, str, str]:
        if x not in tokens:
            high = op("Max", [op("ReduceMax", [x], axes=[-1], keepdims=1), zero])
            low = op("Min", [op("ReduceMin", [x], axes=[-1], keepdims=1), zero])
            scale = op("Max", [op("Div", [op("Sub", [high, low]), top]), tiny])
            shift = op("Round", [op("Div", [op("Neg", [low]), scale])])
            rows = op("Reshape", [x, const(f"per_token/rows{width}", np.array([-1, width], np.int64))])
            quantised = op("QuantizeLinear", [rows, op("Reshape", [scale, flat]),
                                              op("Cast", [op("Reshape", [shift, flat])], to=TensorProto.UINT8)], axis=0)
            tokens[x] = (op("Reshape", [quantised, op("Shape", [x])]), scale, shift)
        return tokens[x]

    rewritten = []
    for node in graph.node:
        weight = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if weight is None or len(weight.dims) != 2 or not node.name.endswith(suffixes):
            rewritten.append(node)
            continue
        w = numpy_helper.to_array(weight).astype(np.float32)
        column_scale = np.maximum(np.abs(w).max(axis=0) / 127, 1e-12).astype(np.float32)
        w8 = np.clip(np.round(w / column_scale), -127, 127).astype(np.int8)
        start = len(nodes)
        x, scale, shift = per_token(node.input[0], w.shape[0])
        product = op("Cast", [op("MatMulInteger", [x, const(weight.name + "/int8", w8)])], to=TensorProto.FLOAT)
        # (x8 - shift) . w8 = x8 . w8 - shift * (column sums of w8)
        centred = op("Sub", [product, op("Mul", [shift, const(weight.name + "/sums", w8.sum(axis=0, dtype=np.float32))])])
        nodes.append(helper.make_node("Mul", [op("Mul", [centred, scale]), const(weight.name + "/scale", column_scale)],
                                      list(node.output), name=node.name))
        rewritten.extend(nodes[start:])
    used = {name for node in rewritten for name in node.input}
    kept = [init for init in list(graph.initializer) + added if init.name in used]
    del graph.node[:], graph.initializer[:]
    graph.node.extend(rewritten)
    graph.initializer.extend(kept)


def _nli_module(src: Path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(src, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(src)
    meta = {"id2label": {str(k): v for k, v in model.config.id2label.items()},
            "max_length": int(min(tokenizer.model_max_length, model.config.max_position_embeddings))}
    return model, (lambda m, features: m(**features).logits), tokenizer, meta


def _ner_module(src: Path):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model = AutoModelForTokenClassification.from_pretrained(src, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(src)
    meta = {"id2label": {str(k): v for k, v in model.config.id2label.items()},
            "max_length": int(model.config.max_position_embeddings)}
    return model, (lambda m, features: m(**features).logits), tokenizer, meta


def _embed_module(src: Path):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(src), device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()
    meta = {"dim": int(st.get_sentence_embedding_dimension()), "max_length": int(st.max_seq_length)}
    return st, (lambda m, features: m(features)["sentence_embedding"]), st.tokenizer, meta


def _traceable(model, forward: Callable, names: list[str]):
    """A module for the tracer: positional inputs become a features dict, one tensor comes out."""
    import torch

    class Traced(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model  # registered, so its weights become graph initializers

        def forward(self, *inputs):
            return forward(self.model, dict(zip(names, inputs)))

    return Traced()


# --- run ------------------------------------------------------------------------------------------

class OnnxRunner:
    """An onnxruntime session over an exported folder, with its tokenizer."""

    def __init__(self, folder: Path, max_length: int | None = None, threads: int | None = None,
                 device: str | None = None, int8: bool = True):
        import onnxruntime as ort

        self.folder, self.int8 = folder, int8
        # An int8 graph runs its rows one at a time (``run``), each on one thread, in one thread more
        # than there are cores (``threads``, when given, bounds them): one prepares a row while the
        # others compute. Over 2,000 bench-corpus claims and 1,200 NLI pairs (idle 2-core machine,
        # session 6) the embedder took 6.8-6.9 s so, 8.2-9.4 s with two rows side by side each on
        # onnxruntime's default thread pool (8.2 s batched); the NLI model 4.4-4.7 s against 5.4 s.
        # Four or six threads gained nothing more.
        self.workers = threads or usable_cores() + 1
        self._pool: ThreadPoolExecutor | None = None
        self.meta = read_meta(folder)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if int8 else threads or 0
        options.inter_op_num_threads = 1
        # No busy-waiting between ops: on a shared 2-core machine (load ~9) the NLI pass over the
        # seeds' 182 pairs took 7.4-11.5 s wall and 3.0 s CPU without it, 12.2-12.6 s and 4.2 s with it.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if (device or "").startswith("cuda") \
            else ["CPUExecutionProvider"]
        self.max_length = min(max_length or self.meta["max_length"], self.meta["max_length"])
        # The session is built (onnxruntime releases the GIL) while the tokenizer is parsed (it holds it).
        with ThreadPoolExecutor(1) as pool:
            session = pool.submit(ort.InferenceSession, str(folder / (INT8_FILE if int8 else FP32_FILE)), options,
                                  providers=providers)
            self.tokenizer, self.lock = shared_tokenizer(folder / TOKENIZER_FILE,
                                                         self.meta.get("sha256", {}).get(TOKENIZER_FILE))
            self.session = session.result()
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.padding = 0  # padding tokens fed so far (the bench reports the waste)

    def tokenize(self, texts: list) -> list[np.ndarray]:
        """Token ids and type ids per text (or (premise, hypothesis) pair), shape ``(2, tokens)``."""
        rows = []
        for start in range(0, len(texts), _TOKENIZE_CHUNK):
            with self.lock:  # the tokenizer may be shared with a runner of another max_length
                self.tokenizer.enable_truncation(self.max_length)
                encodings = self.tokenizer.encode_batch(texts[start : start + _TOKENIZE_CHUNK])
            rows.extend(np.asarray([e.ids, e.type_ids], dtype=np.int64) for e in encodings)
        return rows

    def encode(self, texts: list, **options: object) -> list:
        """The tokenizer's encodings of ``texts``, not truncated (the entity tagger cuts its sentences
        into windows itself); ``options`` go to ``encode_batch`` (``is_pretokenized``, ``add_special_tokens``)."""
        with self.lock:
            self.tokenizer.no_truncation()
            return self.tokenizer.encode_batch(texts, **options)

    def run(self, rows: list[np.ndarray]) -> np.ndarray:
        """The model's output for a batch of tokenized rows, padded to the longest row.

        An int8 graph quantises its activations over its whole input, so a row's result would
        depend on the rows batched with it (the CI gate, scoring a new article's pairs, would not
        find what ``verify`` finds over the same articles; the Ray engine not what the local one
        does). It runs each row alone instead, rows side by side (``workers``, threads kept for the
        runner's life: a resident checker's small checks paid ~3 ms a call to start them): 1,500
        bench corpus pairs took 8.2 s so, 12.6 s one after another, 7.7 s in batches of 32, with
        results identical to one after another (idle 2-core machine, session 5)."""
        if self.int8 and len(rows) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="onnx-rows")
            return np.concatenate(list(self._pool.map(lambda row: self.run([row]), rows)))
        width = max(r.shape[1] for r in rows)
        ids = np.full((len(rows), width), self.meta["pad_id"], dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, : row.shape[1]], types[i, : row.shape[1]], mask[i, : row.shape[1]] = row[0], row[1], 1
        self.padding += int(mask.size - mask.sum())
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self.session.run(None, {name: feeds[name] for name in self.inputs})[0]

    def run_sorted(self, texts: list, batch_size: int, width: int, post: Callable[[np.ndarray], np.ndarray],
                   progress: Callable[[int], None] | None = None) -> np.ndarray:
        """``post(output)`` per batch, rows in input order. Batches are sorted by character count,
        as the torch path and the ray engine form them."""
        rows = self.tokenize(texts)
        return run_sorted([char_length(t) for t in texts], batch_size, width,
                          lambda idx: post(self.run([rows[i] for i in idx])), progress)


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it, as in a container)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def shared_tokenizer(path: Path, sha256: str | None = None) -> tuple[object, threading.Lock]:
    """One ``tokenizers.Tokenizer`` (and a lock for its truncation setting) per distinct file: the
    shipped embedder, NLI model and entity tagger carry the same 250k-piece tokenizer, parsed once
    (0.8 s CPU, 290 MB). ``sha256``: the file's, as its export recorded it (computed when not given)."""
    from tokenizers import Tokenizer

    key = sha256 or models.sha256_file(path)
    with _parsing:  # runners loading side by side (``Models.load``) parse a shared file once
        if key not in _tokenizers:
            tokenizer = Tokenizer.from_file(str(path))
            tokenizer.no_padding()
            _tokenizers[key] = (tokenizer, threading.Lock())
        return _tokenizers[key]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class OnnxNLIModel:
    """``NLIModel`` on onnxruntime: same ``predict`` contract, label order from the exported config."""

    def __init__(self, name: str = models.NLI, device: str | None = None, max_length: int = 256,
                 threads: int | None = None, int8: bool = True):
        self.name = name
        self.runner = OnnxRunner(onnx_folder(name, "nli", INT8_FILE if int8 else FP32_FILE), max_length, threads,
                                 device, int8)
        self.columns = label_columns(self.runner.meta["id2label"])

    def predict(self, pairs: list[tuple[str, str]], batch_size: int = 32,
                progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Probabilities, shape ``(len(pairs), 3)``, columns in ``LABELS`` order."""
        return self.runner.run_sorted(list(pairs), batch_size, 3,
                                      lambda logits: softmax(logits.astype(np.float32))[:, self.columns], progress)


class OnnxEmbedder(CachedEncoder):
    """``Embedder`` on onnxruntime: same ``encode`` contract and cache per distinct text."""

    def __init__(self, name: str = models.EMBEDDER, device: str | None = None, batch_size: int = 64,
                 threads: int | None = None, int8: bool = True):
        super().__init__()
        self.name = name
        self.prefix = text_prefix(name)
        self.batch_size = batch_size
        self.runner = OnnxRunner(onnx_folder(name, "embed", INT8_FILE if int8 else FP32_FILE), None, threads,
                                 device, int8)

    @property
    def dim(self) -> int:
        return int(self.runner.meta["dim"])

    def embed_new(self, texts: list[str], show_progress: bool) -> np.ndarray:
        return self.runner.run_sorted(texts, self.batch_size, self.dim, _normalise)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = vectors.astype(np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def main(argv: list[str]) -> int:
    """``python -m checker.onnx_backend KIND SOURCE DEST``: the export child process."""
    import warnings

    kind, src, dest = argv
    if kind not in KINDS:
        raise SystemExit(f"kind must be one of {KINDS}")
    logging.getLogger("onnxruntime").setLevel(logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        export(kind, Path(src), Path(dest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
