"""The exercises of 05_digit_classification, as learners get them: hints, tolerances, what each
function may not call, and how a wrong answer is explained. The public cases and the
answers of the known mistakes on them are data (public.json, made by ``course-lib build``
from the instructor's answer key).
"""

from __future__ import annotations

import numpy as np

from ... import nn
from ...i18n import N_, _
from ..inputs import USPS, resolve
from ..spec import ErrorRemark, Exercise, Failure, Source, Status, Verdict, describe
from .backward_pass import shape_errors

# In this notebook the logits of a batch come one example per column, z: (K, N), as the
# lecture writes z_k for one example. (The lecture's code, and course_lib, use (N, K).)


P_COLON_T = (
    "You indexed the columns with t, as in p[:, t]: the columns are the examples; "
    "each example n needs one entry, the probability of its own class t[n] (row "
    "t[n] of column n)."
)


def _columns_sum_to_one(args: tuple, got, expected) -> list[str]:
    """Softmax's columns are probabilities: say which do not sum to 1."""
    if not isinstance(got, np.ndarray) or got.ndim != 2 or not np.all(np.isfinite(got)):
        return []
    sums = got.sum(axis=0)
    off = ~np.isclose(sums, 1.0)
    if not off.any():
        return []
    shown = ", ".join(f"{s:.4g}" for s in sums[:6])
    # TRANSLATORS: {sums} lists the sums of the first columns, e.g. "1, 0.5, 1"
    said = _("Each column (one example) must sum to 1; the columns of yours sum to {sums}.")
    return [said.format(sums=shown)]


# 5.4 and 5.5 put one example per row, x: (N, n_in) and W: (n_in, n_out), as the lecture does;
# their logits z_[2] are (N, K), where cross_entropy_grad (5.3) takes them as (K, N)
ROWS_AND_COLUMNS = (
    "The shapes do not fit: write each array's shape beside it. Here the examples are the "
    "rows, x: (N, n_in), and W1, W2 are (n_in, n_out), as in the lecture; your "
    "cross_entropy_grad (5.3) takes the logits one example per column, (K, N), and gives "
    "dL/dz in that shape too."
)


def _layer_by_layer(args: tuple, got, expected) -> list[str]:
    """Where a wrong backward pass goes wrong: the output layer (2) first, then layer 1."""
    try:
        names = ("dW1", "db1", "dW2", "db2")
        right = {
            name: isinstance(g, np.ndarray)
            and g.shape == w.shape
            and bool(np.allclose(g, w, rtol=1e-5, atol=1e-8))
            for name, g, w in zip(names, got, expected, strict=True)
        }
    except (TypeError, ValueError):  # not four arrays: compare said so
        return []
    wrong = [name for name in ("dW2", "db2", "dW1", "db1") if not right[name]]
    if not wrong:
        return []
    if set(wrong) == {"db1", "db2"}:
        return [
            _(
                "Only db2 and db1 are wrong: the dW of the same layer is right, so its dL/dz "
                "is too; look at how the examples of the batch add up."
            )
        ]
    if set(wrong) <= {"db1", "db2"}:
        # TRANSLATORS: {name} is db1 or db2, the gradient of a layer's biases
        said = _(
            "Only {name} is wrong: the dW of the same layer is right, so its dL/dz is too; "
            "look at how the examples of the batch add up."
        )
        return [said.format(name=wrong[0])]
    if not right["dW2"] or not right["db2"]:
        return [
            _(
                "From the output layer back: layer 2 is already wrong, so the mistake is "
                "where your backward pass starts, dL/dz_[2], or in dW2 and db2; layer 1 gets "
                "its gradient through layer 2."
            )
        ]
    return [
        _(
            "From the output layer back: layer 2 is right, layer 1 is not, so the mistake is "
            "on the way back from z_[2] to z_[1] (through W2, then the ReLU), or in dW1 and db1."
        )
    ]


TARGET_ACCURACY = 0.93


HIDDEN_UNITS = (16, 512)  # the fewest and the most hidden units allowed


TIME_LIMIT = 60.0  # seconds for train_classifier: the check cell, `course-lib check`, the grader


# what judge_classifier says about the known mistakes of train_classifier, by name (in
# English: judge_classifier says them in the learner's language)
CLASSIFIER_REMARKS = {
    "zero_init": N_(
        "Every hidden unit has the same weights (the columns of W1 are identical): units "
        "that start equal get equal gradients, and stay equal."
    ),
    "uphill": N_(
        "That is worse than guessing (10%): training made the network worse. Does each step "
        "go downhill?"
    ),
}


def linear_layer(W: np.ndarray, b: np.ndarray) -> nn.Linear:
    """A course_lib Linear layer holding the given W: (n_in, n_out) and b: (n_out,)."""
    layer = nn.Linear(W.shape[0], W.shape[1], dtype=np.float64)
    layer.W[...] = W
    layer.b[...] = b
    return layer


def judge_classifier(args: tuple, got) -> Verdict:
    """The returned weights must form a 256-H-10 ReLU network (16 <= H <= 512, float arrays)
    that reaches 93% on the test set.

    The accuracy is computed here, in the grader's process, with course_lib's layers.
    """

    def failed(where: str, what: str) -> Verdict:
        return Verdict(Status.FAILED, what, failure=Failure.RULE, where=where)

    if not isinstance(got, tuple | list) or len(got) != 4:
        # TRANSLATORS: follows the function's name, train_classifier; {value} describes
        # what it returned
        what = _("should return a tuple (W1, b1, W2, b2), got {value}")
        return failed("train_classifier", what.format(value=describe(got)))
    W1 = got[0]
    h = W1.shape[1] if isinstance(W1, np.ndarray) and W1.ndim == 2 else 64
    low, high = HIDDEN_UNITS
    if not low <= h <= high:
        # TRANSLATORS: follows the name of the first layer's weights, W1
        what = _("has {count} hidden units; use between {low} and {high}")
        return failed("W1", what.format(count=h, low=low, high=high))
    shapes = {"W1": (256, h), "b1": (h,), "W2": (h, 10), "b2": (10,)}
    for (name, shape), value in zip(shapes.items(), got, strict=True):
        if not isinstance(value, np.ndarray):
            # TRANSLATORS: follows an array's name (W1, b1, W2 or b2); {value} describes
            # what was returned in its place
            what = _("should be a numpy array, got {value}")
            return failed(name, what.format(value=describe(value)))
        if value.shape != shape:
            # TRANSLATORS: follows an array's name; {shape} and {expected} are shapes,
            # such as (256, 64)
            what = _("has shape {shape}, expected {expected}")
            return failed(name, what.format(shape=value.shape, expected=shape))
        if value.dtype not in (np.float32, np.float64):
            # TRANSLATORS: follows an array's name; {dtype} is a numpy dtype, such as int64
            what = _("has dtype {dtype}, expected float32 or float64")
            return failed(name, what.format(dtype=value.dtype))
        if not np.all(np.isfinite(value)):
            # TRANSLATORS: follows an array's name (W1, b1, W2 or b2)
            return failed(name, _("contains NaN or inf: did the training diverge?"))
    net = nn.Sequential(linear_layer(got[0], got[1]), nn.ReLU(), linear_layer(got[2], got[3]))
    x_test, y_test = resolve(USPS("x_test")), resolve(USPS("y_test"))
    accuracy = float(np.mean(np.argmax(net.forward(x_test.astype(np.float64)), axis=1) == y_test))
    # TRANSLATORS: the subject of the two messages on the learner's trained network,
    # "your network reaches 95.1% test accuracy"
    network = _("your network")
    if accuracy < TARGET_ACCURACY:
        # TRANSLATORS: follows "your network"; {accuracy} and {target} are percentages
        what = _("reaches {accuracy:.1%} test accuracy; it needs at least {target:.0%}")
        verdict = failed(network, what.format(accuracy=accuracy, target=TARGET_ACCURACY))
        if np.allclose(W1, W1[:, :1]):
            verdict.remark(Source.RULE, _(CLASSIFIER_REMARKS["zero_init"]))
        elif accuracy < 0.1:
            verdict.remark(Source.RULE, _(CLASSIFIER_REMARKS["uphill"]))
        return verdict
    # TRANSLATORS: follows "your network"; {accuracy} is a percentage
    what = _("reaches {accuracy:.1%} test accuracy").format(accuracy=accuracy)
    return Verdict(Status.PASSED, what, where=network)


EXERCISES: dict[str, Exercise] = {
    "softmax": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write softmax yourself",
        hints=(
            "Subtracting one number from a whole column changes nothing. Pick it so that exp "
            "cannot overflow.",
            "softmax(z)_kn = e^(z_kn − m_n) / Σⱼ e^(z_jn − m_n), with m_n the maximum of column n.",
        ),
        diagnose=_columns_sum_to_one,
    ),
    "cross_entropy": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the cost yourself",
        hints=(
            "Never take the log of a probability that may round to 0. Work out log softmax from "
            "the shifted logits.",
            "log softmax(z)_kn = (z_kn − m_n) − log Σⱼ e^(z_jn − m_n); then L = −(1/N) Σₙ log "
            "softmax(z)_tⁿn.",
        ),
        batch=lambda args: len(args[1]),
        errors=(ErrorRemark("out of bounds for axis 1", P_COLON_T, "p_colon_t"),),
    ),
    "cross_entropy_grad": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the gradient yourself",
        hints=(
            "Softmax and cross-entropy together have a simple gradient: the probabilities minus "
            "the one-hot targets.",
            "∂L/∂z = (softmax(z) − onehot(t)) / N, where onehot(t) is (K, N) with a 1 in row tⁿ "
            "of column n.",
        ),
        uses=("softmax",),
        batch=lambda args: len(args[1]),
        errors=shape_errors(
            "The shapes do not fit: here the examples are the *columns* of z, (K, N); a "
            "one-hot matrix built with one row per example is (N, K).",
            "onehot_rows",
        ),
    ),
    "classifier_gradients": Exercise(
        forbidden=("course_lib.nn", "course_lib.gradcheck", "course_lib.autodiff"),
        forbidden_reason="write the backward pass yourself",
        hints=(
            "Keep z_[1] on the way forward. Go back from the output layer: through W_[2], then "
            "through the ReLU.",
            "∂L/∂z_[2] from 5.3, which takes one example per column; ∂L/∂W_[2] = a_[1]ᵀ · "
            "∂L/∂z_[2]; ∂L/∂z_[1] = (∂L/∂z_[2] · W_[2]ᵀ) ⊙ [z_[1] > 0]; ∂L/∂W_[1] = xᵀ · "
            "∂L/∂z_[1]; each ∂L/∂b_[l] is ∂L/∂z_[l] summed over the batch.",
        ),
        rtol=1e-5,
        atol=1e-8,
        returns=("dW1", "db1", "dW2", "db2"),
        order=(2, 3, 0, 1),  # from the output layer back
        uses=("cross_entropy_grad",),
        batch=lambda args: len(args[0]),
        diagnose=_layer_by_layer,
        errors=(
            *shape_errors(ROWS_AND_COLUMNS, "rows_and_columns"),
            ErrorRemark("out of bounds for axis", ROWS_AND_COLUMNS, "rows_and_columns"),
            ErrorRemark("expected labels of shape", ROWS_AND_COLUMNS, "rows_and_columns"),
        ),
    ),
    "train_classifier": Exercise(
        forbidden=(
            "course_lib.nn",
            "course_lib.train",
            "course_lib.optim",
            "course_lib.data.load_usps",
            "course_lib.data.verify_usps",
        ),
        forbidden_reason="train with your own functions, on the training set you are given",
        hints=(
            "Mini-batch gradient descent with your 5.4, on the shifted copies of the images too "
            "(augment_shifts).",
            "Each step, for every parameter θ: θ ← θ − η ∂L/∂θ, on batches of 32, η near 0.1, a "
            "few epochs. Start W ~ N(0, 2/n_in), not at 0. Near 10% accuracy? Check the sign.",
        ),
        custom=judge_classifier,
        uses=("cross_entropy_grad",),
        # trained with a wrong gradient, a network can still reach the bar (without ReLU'
        # it does): the backward pass it is trained with must pass its own check first
        requires=("classifier_gradients",),
        requires_remark="Your backward pass, {function} ({number}), is wrong: {why}; a "
        "network trained with it is not graded, however well it learns",
        call_timeout=TIME_LIMIT,
    ),
}
