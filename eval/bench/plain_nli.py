"""The baseline process for ``claimcheck nli``: a plain transformers loop (batch 32, fp32, input order).

    python -m eval.bench.plain_nli PAIRS.jsonl
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from checker.ingest import read_pairs
from checker.infer import NLIModel


def plain_loop(model: NLIModel, pairs: list[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
    """The baseline: a plain transformers loop, input order, fp32, no length sorting; its
    probabilities in the model's own label order."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            enc = model.tokenizer([p for p, _ in chunk], [h for _, h in chunk], padding=True, truncation=True,
                                  max_length=model.max_length, return_tensors="pt")
            out.append(torch.softmax(model.model(**enc).logits, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.model.config.num_labels), dtype=np.float32)


def main(argv: list[str] | None = None) -> int:
    (path,) = argv if argv is not None else sys.argv[1:]
    plain_loop(NLIModel(device="cpu"), read_pairs(path), batch_size=32)
    return 0


if __name__ == "__main__":
    sys.exit(main())
