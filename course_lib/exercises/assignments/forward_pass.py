"""The exercises of 03_forward_pass, as learners get them: hints, tolerances, what each
function may not call, and how a wrong answer is explained. The public cases and the
answers of the known mistakes on them are data (public.json, made by ``course-lib build``
from the instructor's answer key).
"""

from __future__ import annotations

from ..spec import Exercise

EXERCISES: dict[str, Exercise] = {
    "neuron": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the neuron yourself",
        hints=(
            "A neuron weighs its inputs, adds its bias and applies the sigmoid.",
            "z = w · x + b (a dot product), then a = σ(z) = 1 / (1 + e⁻ᶻ).",
        ),
    ),
    "layer_forward": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the layer yourself",
        hints=(
            "One matrix product computes the whole layer for the whole batch. The bias goes to "
            "every row.",
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
}
