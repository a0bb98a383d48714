"""The exercises of 04_backward_pass, as learners get them: hints, tolerances, what each
function may not call, and how a wrong answer is explained. The public cases and the
answers of the known mistakes on them are data (public.json, made by ``course-lib build``
from the instructor's answer key).
"""

from __future__ import annotations

import numpy as np

from ..spec import ErrorRemark, Exercise

# In this notebook a weight matrix has one row per output neuron, W: (n_out, n_in), the way
# PyTorch stores it: z = a @ W.T + b. (The lecture, and notebook 03, use W: (n_in, n_out).)


def _by_layer(args: tuple, got, expected) -> list[str]:
    """Each layer's dW and db, right or wrong, from the output layer back."""
    try:
        dWs, dbs = got
        want_W, want_b = expected
        if len(dWs) != len(want_W) or len(dbs) != len(want_b):
            return []
        marks = []
        for layer in range(len(want_W), 0, -1):
            pair = []
            for name, mine, right in (("dW", dWs, want_W), ("db", dbs, want_b)):
                g, w = mine[layer - 1], right[layer - 1]
                ok = (
                    isinstance(g, np.ndarray)
                    and g.shape == w.shape
                    and np.allclose(g, w, 1e-5, 1e-8)
                )
                pair.append(f"{'✓' if ok else '✗'} {name}_[{layer}]")
            marks.append(" ".join(pair))
    except (TypeError, ValueError, IndexError):  # not two lists of arrays: compare said so
        return []
    return [
        "layer by layer, from the output layer back (start at the first ✗): " + "; ".join(marks)
    ]


SHAPES_DO_NOT_FIT = ("matmul", "could not be broadcast", "shapes", "not aligned")


def shape_errors(message: str, name: str) -> tuple[ErrorRemark, ...]:
    return tuple(ErrorRemark(text, message, name) for text in SHAPES_DO_NOT_FIT)


EXERCISES: dict[str, Exercise] = {
    "sigmoid_backward": Exercise(
        forbidden=(
            "course_lib.nn.Activation",
            "course_lib.nn.Sigmoid",
            "course_lib.nn.Tanh",
            "course_lib.nn.ReLU",
        ),
        forbidden_reason="write sigma'(z) yourself",
        hint="dC/dz = sigma'(z) * dC/da, element-wise, and sigma'(z) = a * (1 - a): the "
        "amplifier of the reversed network.",
        batch=lambda args: len(args[0]),
    ),
    "linear_backward": Exercise(
        forbidden=("course_lib.nn.Linear",),
        forbidden_reason="write the backward pass yourself",
        hint="W is (n_out, n_in) and z = a @ W.T + b. dC/dW[j, i] = sum over the batch of "
        "dC/dz[n, j] * a[n, i], so dC/dW = dC/dz.T @ a; dC/db = dC/dz summed over the batch "
        "(axis 0); dC/da = dC/dz @ W.",
        returns=("dC_da", "dC_dW", "dC_db"),
        batch=lambda args: len(args[0]),
        errors=shape_errors(
            "The shapes of a matrix product do not fit: write each factor's shape beside it. "
            "Here W is (n_out, n_in): one row per output neuron.",
            "shapes_do_not_fit",
        ),
    ),
    "backprop": Exercise(
        forbidden=("course_lib.nn", "course_lib.gradcheck", "course_lib.autodiff"),
        forbidden_reason="write backpropagation yourself",
        hint="Forward: a_[1] = sigma(x @ W1.T + b1), y = sigma(a_[1] @ W2.T + b2). Backward, L "
        "being the mean over the batch: dL/dy = (y - t) / N; case 1, dL/dz_[2] = "
        "sigma'(z_[2]) * dL/dy = sigmoid_backward(y, dL/dy); linear_backward(a_[1], W2, "
        "dL/dz_[2]) gives dL/da_[1], dW2, db2; case 2, dL/dz_[1] = sigmoid_backward(a_[1], "
        "dL/da_[1]); linear_backward(x, W1, dL/dz_[1]) gives dW1, db1.",
        rtol=1e-5,
        atol=1e-8,
        returns=("dW1", "db1", "dW2", "db2"),
        order=(2, 3, 0, 1),  # from the output layer back
        uses=("sigmoid_backward", "linear_backward"),
        batch=lambda args: len(args[0]),
        errors=(
            ErrorRemark(
                "",
                "It fails on the case with one output (K = 1) only: y and t have shape "
                "(N, 1) there; an array squeezed to (N,) broadcasts against an (N, 1) one into "
                "an (N, N) array. Print the shapes.",
                "squeeze",
                when=lambda args: args[1].shape[1] == 1,
            ),
        ),
    ),
    "backprop_deep": Exercise(
        forbidden=("course_lib.nn", "course_lib.gradcheck", "course_lib.autodiff"),
        forbidden_reason="write backpropagation yourself",
        hint="Forward: keep a list a with a[0] = x and a[l] = sigma(a[l-1] @ W_[l].T + b_[l]). "
        "Backward: start with dL/da = (y - t) / N for the output a[-1] = y; then for l from the "
        "last layer down to 1: dL/dz = sigmoid_backward(a[l], dL/da), and linear_backward(a[l-1], "
        "weights[l-1], dL/dz) gives the next dL/da and layer l's dW and db. Put them at "
        "position l-1 of your lists.",
        rtol=1e-5,
        atol=1e-8,
        returns=("dWs", "dbs"),
        uses=("sigmoid_backward", "linear_backward"),
        batch=lambda args: len(args[0]),
        diagnose=_by_layer,
    ),
}
