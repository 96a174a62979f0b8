"""score_pairs: each distinct pair of texts goes to the model once, results in input order."""

from __future__ import annotations

import numpy as np

from checker.infer import score_pairs
from checker.types import CandidatePair, Claim


class CountingModel:
    """A fake NLI model: the probabilities encode the input's length, and every call is recorded."""

    name = "counting"

    def __init__(self) -> None:
        self.inputs: list[tuple[str, str]] = []

    def predict(self, pairs, batch_size=32, progress=None):
        self.inputs.extend(pairs)
        if progress:
            progress(len(pairs))
        return np.asarray([[len(a) / 1000, len(b) / 1000, 0.5] for a, b in pairs], dtype=np.float32)


def test_score_pairs_sends_repeated_sentence_pairs_once_and_completes_progress():
    wire = "Bij de brand raakten drie mensen gewond."
    other = "Bij de brand raakten vier mensen gewond, meldt de brandweer."
    pairs = [CandidatePair(Claim(f"a{i}", 0, wire, 0, len(wire), "nl"), Claim(f"b{i}", 0, other, 0, len(other), "nl"), 0.9)
             for i in range(50)]
    pairs.append(CandidatePair(pairs[0].b, pairs[0].a, 0.9))  # the other direction is another input
    model, ticks = CountingModel(), []
    scored = score_pairs(pairs, model, progress=ticks.append)
    assert sorted(model.inputs) == sorted([(wire, other), (other, wire)] * 2)
    assert [s.pair for s in scored] == pairs
    assert all(s.forward == scored[0].forward for s in scored[:50])
    assert scored[50].forward == scored[0].backward
    assert sum(ticks) == 2 * len(pairs)
