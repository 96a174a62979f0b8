"""Which linear layer the int8 NLI model keeps in fp32 (``checker.onnx_backend.KEEP_FP32``).

For each layer's feed-forward down-projection, the NLI model is quantised with that one node left
in fp32, and its probabilities on random cross-article corpus pairs are compared with the fp32
ONNX model's: mean absolute change and argmax agreement. SICK-NL dev is not used here, so the
accuracy measured there (``speed``) stays a held-out check of the choice.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import onnx

from checker import models
from checker.onnx_backend import FP32_FILE, INT8_FILE, KEEP_FP32, META_FILE, OnnxNLIModel, OnnxRunner, onnx_folder, quantize

_DOWN_PROJECTION = re.compile(r"/encoder/layer\.(\d+)/output/dense/MatMul$")


def fidelity(model: OnnxNLIModel, pairs: list[tuple[str, str]], reference: np.ndarray) -> dict[str, float]:
    probs = model.predict(pairs, batch_size=32)
    return {"mean_abs_change": round(float(np.abs(probs - reference).mean()), 4),
            "argmax_agreement": round(float((probs.argmax(1) == reference.argmax(1)).mean()), 4)}


def run(pairs: list[tuple[str, str]], work: Path) -> dict[str, object]:
    source = onnx_folder(models.NLI, "nli")
    scan = work / "quant-scan"
    shutil.rmtree(scan, ignore_errors=True)
    scan.mkdir(parents=True)
    for name in ("tokenizer.json", META_FILE):
        shutil.copy(source / name, scan / name)
    layers = sorted({int(m.group(1)) for node in onnx.load(str(source / FP32_FILE), load_external_data=False).graph.node
                     if (m := _DOWN_PROJECTION.search(node.name))})
    model = OnnxNLIModel(int8=False)
    reference = model.predict(pairs, batch_size=32)
    candidates = {"all int8": (), **{f"layer {i} down-projection in fp32": (f"/encoder/layer.{i}/output/dense/MatMul",)
                                     for i in layers}}
    out: dict[str, object] = {"pairs": len(pairs), "kept_fp32_in_checker": list(KEEP_FP32), "candidates": {}}
    for name, keep in candidates.items():
        quantize(source / FP32_FILE, scan / INT8_FILE, keep)
        model.runner = OnnxRunner(scan)
        out["candidates"][name] = fidelity(model, pairs, reference)
    return out
