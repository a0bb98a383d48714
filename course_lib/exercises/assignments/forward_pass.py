"""The exercises of 03_forward_pass, as learners get them: hints, tolerances, what each
function may not call, and how a wrong answer is explained. The public cases and the
answers of the known mistakes on them are data (public.json, made by ``course-lib build``
from the instructor's answer key).
"""

from __future__ import annotations

from ..spec import Exercise

# In this notebook a weight matrix has one column per neuron, W: (n_in, n_out), as in the
# lecture and course_lib: with one example per row, a layer needs no transpose.
# (Exercise 2.6 stores (H, D), one example at a time as a column; notebook 04 (n_out, n_in).)
EXERCISES: dict[str, Exercise] = {
    "neuron": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the neuron yourself",
        hints=(
            "A neuron weighs its inputs and adds its bias: that is z. The sigmoid of z is a. "
            "Give back both, z first.",
            "z = w · x + b (a dot product), then a = σ(z) = 1 / (1 + e⁻ᶻ); the result is the "
            "pair (z, a).",
        ),
        returns=("z", "a"),
    ),
    "layer_forward": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the layer yourself",
        hints=(
            "One matrix product computes the whole layer for the whole batch. W is (n_in, n_out): "
            "column j holds the weights into neuron j. The bias goes to every row.",
            "z = a W + b, of shape (N, n_out), then a′ = σ(z) element-wise. Give back both.",
        ),
        returns=("z", "a_out"),
    ),
    "forward_pass": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the forward pass yourself",
        hints=(
            "Keep every activation, the input included: the backward pass needs each layer's "
            "input.",
            "The list starts with a_[0] = x; then a_[l] = σ(a_[l−1] W_[l] + b_[l]) for l = 1, 2, "
            "…, one layer_forward each.",
        ),
        uses=("layer_forward",),  # judged with the reference layer_forward in its place
    ),
    "bias_backward": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="add up the bias's gradient yourself",
        hints=(
            "The forward pass copied the bias to every row of z (a scalar bias to every entry). "
            "Each copy sends back its own share of ∂C/∂z, and the shares add up.",
            "For a bias of shape (n_out,): ∂C/∂b_j = Σₙ ∂C/∂z_nj, over the N rows. For (1, n_out)"
            " the same sums, kept as one row. For a scalar (): the sum of every entry of ∂C/∂z.",
        ),
        batch=lambda args: len(args[0]),
    ),
}
