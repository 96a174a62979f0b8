"""Loading the entity tagger leaves torch's global state alone (training in the same process still works)."""

from __future__ import annotations

import torch

from checker.analyze import EntityTagger


def test_tagger_does_not_switch_off_gradients(tiny_ner_dir):
    EntityTagger(str(tiny_ner_dir), device="cpu")([["Gent", "."]])
    assert torch.is_grad_enabled()
