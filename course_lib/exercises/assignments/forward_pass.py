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
        hint="z = w . x + b (np.dot), then a = sigma(z) = 1 / (1 + e^(-z)).",
    ),
    "layer_forward": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the layer yourself",
        hint="With one example per row, z = a @ W + b has shape (N, n_out); then apply the "
        "sigmoid element-wise. Return both z and sigma(z).",
        returns=("z", "a_out"),
    ),
    "forward_pass": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the forward pass yourself",
        hint="Keep a list that starts with x; for each (W, b), compute a = sigma(a @ W + b) from "
        "the last entry and append it. The cache holds one array more than there are layers.",
        uses=("layer_forward",),  # judged with the reference layer_forward in its place
    ),
}
