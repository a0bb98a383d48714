"""The exercises of 04_backward_pass, as learners get them: hints, tolerances, what each
function may not call, and how a wrong answer is explained. The public cases and the
answers of the known mistakes on them are data (public.json, made by ``course-lib build``
from the instructor's answer key).
"""

from __future__ import annotations

import numpy as np

from ...i18n import _
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
    # TRANSLATORS: {layers} lists each layer's gradients with ✓ (right) or ✗ (wrong),
    # e.g. "✓ dW_[2] ✓ db_[2]; ✗ dW_[1] ✓ db_[1]"
    said = _("layer by layer, from the output layer back (start at the first ✗): {layers}")
    return [said.format(layers="; ".join(marks))]


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
        hints=(
            "The gradient that arrives is multiplied by the sigmoid's slope, element by element. "
            "You are given a = σ(z), not z.",
            "∂C/∂z = σ′(z) ⊙ ∂C/∂a, and σ′(z) = σ(z) (1 − σ(z)) = a ⊙ (1 − a).",
        ),
        batch=lambda args: len(args[0]),
    ),
    "linear_backward": Exercise(
        forbidden=("course_lib.nn.Linear",),
        forbidden_reason="write the backward pass yourself",
        hints=(
            "A weight's gradient is its input times the gradient at its neuron's z, summed over "
            "the batch. Here W is (n_out, n_in).",
            "With z = a Wᵀ + b: ∂C/∂W = (∂C/∂z)ᵀ · a; ∂C/∂b = ∂C/∂z summed over the batch; ∂C/∂a "
            "= ∂C/∂z · W.",
        ),
        returns=("dC_da", "dC_dW", "dC_db"),
        batch=lambda args: len(args[0]),
        errors=shape_errors(
            "The shapes of a matrix product do not fit: write each factor's shape beside it. "
            "Here W is (n_out, n_in): one row per output neuron.",
            "shapes_do_not_fit",
        ),
    ),
    "backprop": Exercise(
        # notebook 04's naive recursion (path_count) and its stepper (network.backward_steps)
        # each give every dC/dz
        forbidden=(
            "course_lib.nn",
            "course_lib.gradcheck",
            "course_lib.autodiff",
            "course_lib.visual.path_count",
            "course_lib.visual.network",
        ),
        forbidden_reason="write backpropagation yourself",
        hints=(
            "Keep a_[1] and y on the way forward. Back: case 1 at the output layer, then case 2 "
            "in the hidden layer, with 4.1 and 4.2.",
            "∂L/∂y = (y − t)/N; ∂L/∂z_[2] = σ′(z_[2]) ⊙ ∂L/∂y; ∂L/∂a_[1] = ∂L/∂z_[2] · W_[2]; "
            "∂L/∂z_[1] = σ′(z_[1]) ⊙ ∂L/∂a_[1]; ∂L/∂W_[l] = (∂L/∂z_[l])ᵀ · a_[l−1].",
        ),
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
        # notebook 04's naive recursion (path_count) and its stepper (network.backward_steps)
        # each give every dC/dz
        forbidden=(
            "course_lib.nn",
            "course_lib.gradcheck",
            "course_lib.autodiff",
            "course_lib.visual.path_count",
            "course_lib.visual.network",
        ),
        forbidden_reason="write backpropagation yourself",
        hints=(
            "Keep every activation on the way forward. Then go back from the output layer, one "
            "layer at a time, as in 4.3.",
            "∂L/∂a_[L] = (y − t)/N; then from layer L down to 1: ∂L/∂z_[l] = σ′(z_[l]) ⊙ "
            "∂L/∂a_[l], ∂L/∂W_[l] = (∂L/∂z_[l])ᵀ · a_[l−1], ∂L/∂a_[l−1] = ∂L/∂z_[l] · W_[l]. "
            "Layer l goes at position l − 1 of the lists.",
        ),
        rtol=1e-5,
        atol=1e-8,
        returns=("dWs", "dbs"),
        layers=("dWs", "dbs"),  # one entry per layer: reported from the output layer back
        uses=("sigmoid_backward", "linear_backward"),
        batch=lambda args: len(args[0]),
        diagnose=_by_layer,
    ),
}
