"""The answer key of 05_digit_classification: the reference of each graded function (built on
course_lib), the public cases' inputs and the known mistakes, as runnable code. Only the
instructor's side has it: the learner edition gets the public cases and the mistakes'
answers on them as data (``course-lib build`` writes them), never this module.
"""

from __future__ import annotations

import numpy as np

from ... import nn
from ...data import load_usps
from ...exercises.assignments.digit_classification import P_COLON_T
from ...exercises.inputs import USPS
from .backward_pass import _Identity
from .common import Answer, Case, Mistake, linear, seeded

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


# ----- 5.4: the classifier's backward pass (one example per row, W: (n_in, n_out)) -----


def _classifier(W1, b1, W2, b2) -> nn.Sequential:
    """The network of 5.4 and 5.5, z1 = x @ W1 + b1, a1 = ReLU(z1), z2 = a1 @ W2 + b2, its
    weights stored as course_lib stores them, W: (n_in, n_out)."""
    return nn.Sequential(linear(W1, b1), nn.ReLU(), linear(W2, b2))


def _classifier_grads(
    x, t, W1, b1, W2, b2, relu_prime: bool = True, scale: float = 1.0, back_through=None
) -> tuple:
    """(dW1, db1, dW2, db2) of the mean softmax cross-entropy by course_lib's backward pass;
    with ReLU' left out, dL/dz_[2] scaled, or the gradient passed back from z_[2] to a_[1]
    through another matrix than W2 (``back_through``): what the usual mistakes give."""
    net, loss = _classifier(W1, b1, W2, b2), nn.SoftmaxCrossEntropy()
    loss.forward(net.forward(x), t)
    if not relu_prime:
        net.layers[1] = _Identity()
    if back_through is not None:
        net.layers[2].W = np.array(back_through, dtype=np.float64)
    net.backward(scale * loss.backward())
    return tuple(grad.copy() for _, _, grad in net.parameters())


def ref_classifier_gradients(x, t, W1, b1, W2, b2) -> tuple:
    """Every gradient of the classifier's mean cross-entropy, by course_lib's layers (each
    checked against finite differences in tests/test_nn.py)."""
    return _classifier_grads(x, t, W1, b1, W2, b2)


def classifier_case(seed: int, n: int, sizes: tuple[int, int, int], x=None, t=None) -> tuple:
    """(x: (n, d), t: (n,) in [0, k), W1: (d, h), b1, W2: (h, k), b2), W scaled by
    sqrt(2 / n_in) as 5.5 starts them; x standard normal unless given (t then too)."""
    rng = seeded(seed)
    d, h, k = sizes
    if x is None:
        x, t = rng.standard_normal((n, d)), rng.integers(0, k, n)
    return (
        x,
        t,
        rng.standard_normal((d, h)) * np.sqrt(2.0 / d),
        0.1 * rng.standard_normal(h),
        rng.standard_normal((h, k)) * np.sqrt(2.0 / h),
        0.1 * rng.standard_normal(k),
    )


def digits_case(seed: int, n: int, hidden: int) -> tuple:
    """A 256-hidden-10 network on the first ``n`` digits of the USPS training set (float64)."""
    (x_train, y_train), _ = load_usps()
    x, t = x_train[:n].astype(np.float64), y_train[:n].copy()
    return classifier_case(seed, n, (256, hidden, 10), x, t)


ANSWERS: dict[str, Answer] = {
    "softmax": Answer(
        reference=ref_softmax,
        public=(
            Case(
                "4 classes, 3 examples, one per column: z is (4, 3)",
                lambda: logits_case(12, 3, 4)[:1],
            ),
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
            Case(
                "4 classes, 3 examples, one per column: z is (4, 3)", lambda: logits_case(13, 3, 4)
            ),
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
            Case(
                "4 classes, 3 examples, one per column: z is (4, 3)", lambda: logits_case(14, 3, 4)
            ),
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
    "classifier_gradients": Answer(
        reference=ref_classifier_gradients,
        public=(
            Case(
                "a 4-3-3 network on 6 examples, one per row: W1 is (4, 3)",
                lambda: classifier_case(16, 6, (4, 3, 3)),
            ),
            Case(
                "a 256-16-10 network on 8 digits of the training set",
                lambda: digits_case(17, 8, 16),
            ),
        ),
        mistakes=(
            Mistake(
                lambda *args: _classifier_grads(*args, relu_prime=False),
                "On its way back from a_[1] to z_[1], the gradient skips the hidden layer's "
                "amplifier ReLU'(z_[1]): a hidden unit that was off (z below 0) passes nothing "
                "back.",
                "no_relu_prime",
            ),
            Mistake(
                lambda x, *rest: _classifier_grads(x, *rest, scale=float(len(x))),
                "Every gradient is N times too large (N the batch size): the loss L is the "
                "mean of the costs C^n over the batch.",
                "missing_1_over_N",
            ),
            Mistake(
                lambda x, *rest: _classifier_grads(x, *rest, scale=1.0 / len(x)),
                "Every gradient is N times too small (N the batch size): the mean over the "
                "batch is taken twice. Your cross_entropy_grad (5.3) has already averaged.",
                "extra_1_over_N",
            ),
            Mistake(
                lambda *args: _classifier_grads(*args, scale=-1.0),
                "Every gradient has the opposite sign: a gradient points uphill, yours point "
                "downhill. Look at the sign where your backward pass starts, dL/dz_[2].",
                "uphill",
            ),
            Mistake(
                lambda x, t, W1, b1, W2, b2: _classifier_grads(
                    x, t, W1, b1, W2, b2, back_through=W2.T
                ),
                "On its way back from z_[2] to a_[1], the gradient went through W2 the wrong "
                "way round: here W2 is (H, K), one row per hidden unit (notebook 04 stored "
                "one row per output neuron).",
                "transposed_W2",
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
