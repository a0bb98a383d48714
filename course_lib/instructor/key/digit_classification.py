"""The answer key of 05_digit_classification: the reference of each graded function (built on
course_lib), the public cases' inputs and the known mistakes, as runnable code. Only the
instructor's side has it: the learner edition gets the public cases and the mistakes'
answers on them as data (``course-lib build`` writes them), never this module.
"""

from __future__ import annotations

import numpy as np

from ... import nn
from ...exercises.assignments.digit_classification import P_COLON_T
from ...exercises.inputs import USPS
from .common import Answer, Case, Mistake, seeded

# In this notebook the logits of a batch come one example per column, z: (K, N), as the
# lecture writes z_k for one example. (The lecture's code, and course_lib, use (N, K).)


def ref_softmax(z: np.ndarray) -> np.ndarray:
    return nn.softmax(z.T).T


def ref_cross_entropy(z: np.ndarray, t: np.ndarray) -> float:
    return nn.SoftmaxCrossEntropy().forward(z.T, t)


def ref_cross_entropy_grad(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    loss = nn.SoftmaxCrossEntropy()
    loss.forward(z.T, t)
    return loss.backward().T


def logits_case(seed: int, n: int, k: int, scale: float = 2.0) -> tuple:
    """(z: (k, n), t: (n,))."""
    rng = seeded(seed)
    return (scale * rng.standard_normal((k, n)), rng.integers(0, k, n))


def far_apart_logits() -> tuple:
    """(z: (5, 3), t): logits in the hundreds. The examples' logits are far apart (800
    between columns; the largest above 709, where np.exp overflows), and each target's
    logit is 1000 below the rest of its column (its probability rounds to 0)."""
    z, t = logits_case(15, 3, 5, 1.0)
    z = z + np.array([800.0, 0.0, -800.0])
    z[t, np.arange(3)] -= 1000.0
    return (z, t)


def _p_of_targets(z: np.ndarray, pick) -> float:
    with np.errstate(all="ignore"):
        p = ref_softmax(z)
        return float(-np.mean(np.log(pick(p))))


def _naive_softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=0)


def _global_max_softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        return e / e.sum(axis=0)


ANSWERS: dict[str, Answer] = {
    "softmax": Answer(
        reference=ref_softmax,
        public=(
            Case("4 classes, 3 examples", lambda: logits_case(12, 3, 4)[:1]),
            Case(
                "very large logits, far apart (5 classes, 3 examples)",
                lambda: far_apart_logits()[:1],
            ),
        ),
        mistakes=(
            Mistake(
                _naive_softmax,
                "NaN where the logits are large: np.exp overflowed (e^z is inf for z above "
                "709), and inf / inf is NaN. Softmax does not change if the same number is "
                "taken off every logit of an example.",
                "naive_softmax",
            ),
            Mistake(
                _global_max_softmax,
                "NaN in the examples whose logits are all far below the batch's largest "
                "logit: subtracting one maximum for the whole batch sends their np.exp to 0, "
                "and 0 / 0 is NaN. Each example needs its own maximum.",
                "global_max",
            ),
            Mistake(
                lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
                "You normalised along the wrong axis: here each *column* is one example.",
                "wrong_axis",
            ),
            Mistake(
                lambda z: np.exp(z) / np.exp(z).sum(),
                "You divided by the sum of the whole array: each example (column) must sum "
                "to 1 on its own.",
                "whole_sum",
            ),
        ),
    ),
    "cross_entropy": Answer(
        reference=ref_cross_entropy,
        public=(
            Case("4 classes, 3 examples", lambda: logits_case(13, 3, 4)),
            Case("very large logits, far apart (5 classes, 3 examples)", far_apart_logits),
        ),
        mistakes=(
            Mistake(
                lambda z, t: _p_of_targets(z, lambda p: p[t, np.arange(len(t))]),
                "Your loss L is inf: a target's probability rounds to 0 when its logit is far "
                "below the largest, and log(0) is -inf. The log of a softmax can be computed "
                "without computing the softmax first.",
                "log_of_softmax",
            ),
            Mistake(
                lambda z, t: float(-np.mean(np.log(_naive_softmax(z)[t, np.arange(len(t))]))),
                "NaN for large logits: np.exp overflowed (e^z is inf above 709).",
                "naive_softmax",
            ),
            Mistake(lambda z, t: _p_of_targets(z, lambda p: p[:, t]), P_COLON_T, "p_colon_t"),
            Mistake(
                lambda z, t: _p_of_targets(z, lambda p: p[t]),
                "You took whole rows, p[t]: each example n needs one entry, the probability "
                "of its own class t[n] (row t[n] of column n).",
                "p_rows_t",
            ),
            Mistake(
                lambda z, t: len(t) * ref_cross_entropy(z, t),
                "You summed over the batch: the loss L is the *mean* of the costs C^n.",
                "sum_over_batch",
            ),
        ),
    ),
    "cross_entropy_grad": Answer(
        reference=ref_cross_entropy_grad,
        public=(
            Case("4 classes, 3 examples", lambda: logits_case(14, 3, 4)),
            Case("very large logits, far apart (5 classes, 3 examples)", far_apart_logits),
        ),
        mistakes=(
            Mistake(
                lambda z, t: len(t) * ref_cross_entropy_grad(z, t),
                "Every entry is N times too large: L is the mean of the N costs C^n.",
                "missing_1_over_N",
            ),
            Mistake(
                lambda z, t: ref_softmax(z) / len(t),
                "Only the target classes are wrong: the one-hot target was never taken off.",
                "no_onehot",
            ),
        ),
    ),
    "train_classifier": Answer(
        reference=None,  # judge_classifier (course_lib.exercises.assignments) judges it
        arguments=("X", "y", "seed"),
        public=(
            Case("the USPS training set, seed 0", lambda: (USPS("x_train"), USPS("y_train"), 0)),
        ),
    ),
}
