"""Debiasing in the NLI fit (issue 11): the bias-only model, the product-of-experts and reweighting
losses, and a few real steps of the shared training loop on a tiny random model."""

from __future__ import annotations

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from models import training  # noqa: E402
from models.nli import cues, debias  # noqa: E402
from models.nli import train as nli_train  # noqa: E402


def _tiny_bert(meta, pack):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=32, num_labels=3)
    return BertForSequenceClassification(cfg)


def _tiny_pack(n: int = 24, with_bias: bool = True) -> tuple[dict, dict]:
    rng = np.random.default_rng(0)
    lengths = rng.integers(4, 10, n)
    ids = rng.integers(1, 50, int(lengths.sum())).astype(np.int32)
    labels = rng.integers(0, 4, n).astype(np.int8)  # 3 = not_entailment (2-way rows)
    pack = {"train.ids": ids, "train.offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "train.labels": labels}
    if with_bias:
        pack["train.bias"] = np.log(rng.dirichlet(np.ones(3), n)).astype(np.float32)
    meta = {"recipe": {"seed": 1, "train": {"epochs": 1, "batch_size": 8, "lr": 1e-3, "head_lr": 1e-3,
                                            "weight_decay": 0.0, "warmup": 0.1, "checkpoint_every": 2,
                                            "freeze": []}}}
    return meta, pack


def test_debiased_losses_differ_from_plain_and_give_gradients():
    meta, pack = _tiny_pack()
    model = _tiny_bert(meta, pack)
    idx = np.arange(8)
    input_ids, mask, (labels, bias) = nli_train.collate(pack, "train", idx, torch.device("cpu"))
    logits = model(input_ids=input_ids, attention_mask=mask).logits
    plain = debias.debiased_loss(logits, labels, bias, "none")
    poe = debias.debiased_loss(logits, labels, bias, "poe")
    reweight = debias.debiased_loss(logits, labels, bias, "reweight")
    assert torch.isclose(plain, nli_train.nli_loss(logits, labels))  # "none" is v1's loss
    assert not torch.isclose(plain, poe) and not torch.isclose(plain, reweight)
    poe.backward()
    assert model.classifier.weight.grad is not None and model.classifier.weight.grad.abs().sum() > 0


def test_poe_gradient_is_small_where_the_bias_model_is_already_right():
    logits = torch.zeros(2, 3, requires_grad=True)
    labels = torch.tensor([0, 0])
    confident = torch.log(torch.tensor([[0.98, 0.01, 0.01], [0.01, 0.01, 0.98]]))
    debias.debiased_loss(logits, labels, confident, "poe").backward()
    right, wrong = logits.grad.abs().sum(1)
    assert right < 0.1 * wrong


@pytest.mark.parametrize("method", ["none", "poe", "reweight"])
def test_fit_runs_and_resumes_with_each_method(tmp_path, method):
    meta, pack = _tiny_pack(with_bias=method != "none")
    run = tmp_path / method
    kwargs = dict(build_model=_tiny_bert, collate=nli_train.collate, loss_fn=nli_train.make_loss(method),
                  evaluate=lambda model, dev: {"ok": 1.0})
    assert training.fit(meta, pack, run, max_minutes=float("inf"), **kwargs)
    ckpt = torch.load(run / "checkpoint.pt", weights_only=False)
    assert ckpt["step"] == 3  # 24 rows / batch 8, one epoch
    assert training.fit(meta, pack, run, max_minutes=float("inf"), **kwargs)  # resumed: nothing left to do


def test_bias_model_learns_the_cue_it_is_meant_to_absorb():
    # hypotheses with "not" are contradictions, others entailments: the bias model must find that cue
    rng = random.Random(0)
    pairs, labels = [], []
    for i in range(200):
        neg = rng.random() < 0.5
        pairs.append((f"the man {i} walks", f"the man does {'not ' if neg else ''}walk {rng.randint(0, 9)}"))
        labels.append(2 if neg else 0)
    logp, stats = debias.bias_log_probs(pairs, np.asarray(labels), folds=2, iters=50)
    assert logp.shape == (200, 3) and np.allclose(np.exp(logp).sum(1), 1, atol=1e-4)
    assert stats["three_way_accuracy"] > 0.9


def test_cue_split_is_stable_and_disjoint():
    keys = [f"doc-{i}" for i in range(200)]
    halves = [cues.half(k) for k in keys]
    assert halves == [cues.half(k) for k in keys]
    assert 60 < halves.count("probe") < 140


def test_cue_constructions():
    doc = cues.Doc("k", "k", "nl", "test", ["Bij de aanval zijn zeker vijf mensen om het leven gekomen.",
                                             "De raketten zijn op dinsdag 3 maart niet ingeslagen in de stad.",
                                             "Westerse landen veroordeelden de aanval van Iran scherp."])
    rng = random.Random(1)
    swaps = cues.number_swap([doc], rng, per_sentence=3)
    assert swaps and all(p["label"] == "contradiction" for p in swaps)
    assert not any("vijf" in p["premise"] and "vijf" not in p["hypothesis"] for p in swaps)  # hedged: skipped
    hedged = cues.hedged_exact([doc], rng)
    assert hedged[0]["label"] == "neutral" and "zeker" not in hedged[0]["hypothesis"]
    flipped = cues.negation_flip([doc], rng)
    assert flipped and {"niet" in flipped[0]["premise"], "niet" in flipped[0]["hypothesis"]} == {True, False}
    neutral = cues.negation_neutral([doc], rng)
    assert neutral and all(p["label"] == "neutral" for p in neutral)
