"""Debiasing for the NLI fit (issue 11, item 2): a small bias-only model, and the two remedies that use it.

**Bias model** (:func:`bias_log_probs`): a multinomial logistic regression on features that do not
need the premise to be *read*: the hypothesis' words (hashed unigrams and bigrams), negation words in
the hypothesis and in the premise, the share of hypothesis words found in the premise (binned) and the
length ratio (binned). It sees the cues (negation = contradiction, overlap = entailment) and nothing
else. It is cross-fitted (``folds``): each training row gets the log-probabilities of a model fitted
on the other folds, so the bias is not overconfident on rows it memorised. 2-way rows
(``not_entailment``) train it through ``-log(P(neutral) + P(contradiction))``, as in the main loss.

**Remedies**, used during training only (evaluation and the shipped model use the main logits alone):

* ``poe`` (product of experts; Clark et al. 2019, He et al. 2019): the loss is taken on
  ``log_softmax(log_softmax(logits) + weight * bias_logp)``; where the bias model is already right the
  gradient to the main model is small, where it is wrong the main model must do the work.
* ``reweight`` (example reweighting; Utama et al. 2020): each row's loss is weighted by
  ``1 - P_bias(gold)`` (normalised over the batch).
* ``none``: plain loss (the ablation).
"""

from __future__ import annotations

import re
import zlib

import numpy as np

_NEG = re.compile(r"\b(not|never|no|nobody|nothing|none|niet|geen|nooit|niemand|niets|nergens|nicht|kein|keine|"
                  r"nie|ne|pas|jamais|no|nunca|nadie|nada)\b|n't\b", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
BUCKETS = 2 ** 18
N_EXTRA = 16  # dense features after the hashed ones


def _hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) % BUCKETS


def features(premise: str, hypothesis: str) -> tuple[list[int], list[float]]:
    """Hashed hypothesis n-grams plus the cue features (indices, values) of one pair."""
    hyp = [w.lower() for w in _WORD.findall(hypothesis)]
    prem = {w.lower() for w in _WORD.findall(premise)}
    idx = [_hash("u:" + w) for w in hyp] + [_hash("b:" + a + " " + b) for a, b in zip(hyp, hyp[1:])]
    vals = [1.0] * len(idx)
    overlap = sum(w in prem for w in hyp) / max(1, len(hyp))
    ratio = len(hyp) / max(1, len(prem))
    extra = [
        bool(_NEG.search(hypothesis)), bool(_NEG.search(premise)),
        bool(_NEG.search(hypothesis)) != bool(_NEG.search(premise)),
        overlap == 1.0, overlap >= 0.8, overlap >= 0.6, overlap >= 0.4, overlap >= 0.2, overlap < 0.2,
        ratio < 0.5, 0.5 <= ratio < 0.9, 0.9 <= ratio <= 1.1, ratio > 1.1,
        premise.strip() == hypothesis.strip(), len(hyp) <= 6, 1.0,
    ]
    idx += [BUCKETS + i for i in range(N_EXTRA)]
    vals += [float(x) for x in extra]
    return idx, vals


def design(pairs: list[tuple[str, str]]):
    from scipy import sparse

    rows, cols, vals = [], [], []
    for r, (p, h) in enumerate(pairs):
        i, v = features(p, h)
        rows += [r] * len(i)
        cols += i
        vals += v
    mat = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(len(pairs), BUCKETS + N_EXTRA))
    mat.sum_duplicates()
    return mat


def _target_mask(labels: np.ndarray) -> np.ndarray:
    """Rows x 3 mask of the gold set: one class, or neutral+contradiction for label 3 (not_entailment)."""
    mask = np.zeros((len(labels), 3), dtype=np.float64)
    three = labels < 3
    mask[np.flatnonzero(three), labels[three]] = 1.0
    mask[~three, 1:] = 1.0
    return mask


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def fit_logreg(x, labels: np.ndarray, l2: float = 1.0, iters: int = 200) -> np.ndarray:
    """Weights (features x 3) minimising the set-valued NLL + l2/2 |W|^2 / n (L-BFGS, deterministic)."""
    from scipy.optimize import minimize

    mask = _target_mask(labels)
    n, d = x.shape

    def objective(flat: np.ndarray):
        w = flat.reshape(d, 3)
        logp = _log_softmax(np.asarray(x @ w))
        gold = np.log((np.exp(logp) * mask).sum(1) + 1e-12)
        p = np.exp(logp)
        q = p * mask / (p * mask).sum(1, keepdims=True)
        grad = x.T @ (p - q) / n + l2 * w / n
        return -gold.mean() + 0.5 * l2 * (w ** 2).sum() / n, np.asarray(grad).ravel()

    res = minimize(objective, np.zeros(d * 3), jac=True, method="L-BFGS-B", options={"maxiter": iters})
    return res.x.reshape(d, 3)


def bias_log_probs(pairs: list[tuple[str, str]], labels: np.ndarray, folds: int = 2, seed: int = 0,
                   iters: int = 200) -> tuple[np.ndarray, dict]:
    """Cross-fitted log-probabilities (rows x 3, float32) of the bias-only model, and its statistics."""
    x = design(pairs)
    labels = np.asarray(labels, dtype=np.int64)
    fold = np.random.default_rng(seed).integers(0, folds, len(pairs))
    out = np.zeros((len(pairs), 3), dtype=np.float32)
    for k in range(folds):
        train, held = fold != k, fold == k
        w = fit_logreg(x[train], labels[train], iters=iters)
        out[held] = _log_softmax(np.asarray(x[held] @ w)).astype(np.float32)
    mask = _target_mask(labels)
    p = np.exp(out)
    three = labels < 3
    stats = {
        "features": "hashed hypothesis uni+bigrams, negation in hypothesis/premise, "
                    "hypothesis-in-premise overlap bins, "
                    "length-ratio bins",
        "folds": folds,
        "three_way_accuracy": float((p[three].argmax(1) == labels[three]).mean()) if three.any() else None,
        "mean_p_gold": float((p * mask).sum(1).mean()),
    }
    return out, stats


# --------------------------------------------------------------------------- losses (torch)
def set_nll(logp, labels):
    """Per-row NLL of the gold set from log-probabilities: one class, or neutral+contradiction (label 3)."""
    import torch

    three = labels < 3
    safe = torch.where(three, labels, torch.zeros_like(labels))
    nll_three = -logp.gather(1, safe[:, None])[:, 0]
    nll_not_ent = -torch.logsumexp(logp[:, 1:], dim=-1)
    return torch.where(three, nll_three, nll_not_ent)


def debiased_loss(logits, labels, bias_logp=None, method: str = "none", weight: float = 1.0):
    """The training loss with the bias model's log-probabilities (``bias_logp``) applied by ``method``."""
    import torch

    logp = torch.log_softmax(logits.float(), dim=-1)
    if method == "none" or bias_logp is None:
        return set_nll(logp, labels).mean()
    if method == "poe":
        return set_nll(torch.log_softmax(logp + weight * bias_logp.float(), dim=-1), labels).mean()
    if method == "reweight":
        p_gold = torch.exp(-set_nll(bias_logp.float(), labels))
        w = (1.0 - p_gold).clamp(min=1e-3) ** weight
        return (w * set_nll(logp, labels)).sum() / w.sum()
    raise ValueError(f"unknown debias method {method!r}")
