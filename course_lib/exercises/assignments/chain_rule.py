"""The exercises of 02_chain_rule, as learners get them: hints, tolerances, what each
function may not call, and how a wrong answer is explained. The public cases and the
answers of the known mistakes on them are data (public.json, made by ``course-lib build``
from the instructor's answer key).
"""

from __future__ import annotations

from ..spec import Exercise

EXERCISES: dict[str, Exercise] = {
    "local_derivatives": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="work the derivatives out yourself",
        hint="d(a+b)/da = 1, d(ab)/da = b, d(e^a)/da = e^a, d tanh(a)/da = 1 - tanh(a)^2, "
        "sigma'(a) = sigma(a) (1 - sigma(a)).",
    ),
    "chain_rule_case2": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="apply the chain rule yourself",
        hint="Two paths lead from s to z: dz/ds = dz/dx * dx/ds + dz/dy * dy/ds, with "
        "dz/dx = y, dz/dy = x, dx/ds = 2 s, dy/ds = e^s.",
    ),
    "forward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="write the forward pass yourself",
        hint="Walk through the nodes in order; node k only uses nodes before it, whose values "
        "you already have.",
    ),
    "backward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="write the backward pass yourself",
        hint="Start with grads = [0, ..., 0, 1] and visit the nodes from the last to the first; "
        "each node k adds local derivative * grads[k] to the grads of its inputs (+=, "
        "because a node may feed several others).",
        uses=("local_derivatives",),  # judged with the reference local_derivatives in its place
    ),
    "train_tiny_mlp": Exercise(
        forbidden=("course_lib.nn", "course_lib.optim", "course_lib.gradcheck"),
        forbidden_reason="build the network from Value yourself",
        needs=("course_lib.autodiff",),
        hint="Make every parameter a Value; for each example build y from the Values and "
        "C = 0.5 * (y - t)**2, call C.backward(), and add p.grad / N into a sum kept for each "
        "parameter p. At the start of every step set all those sums to 0 (zero_grad); after "
        "the examples, p.data -= eta * sum. Record L = the mean of C.data before each step "
        "and once after the last.",
        rtol=1e-6,
        atol=1e-9,
        returns=("dW1", "db1", "dW2", "db2", "losses"),
        order=(2, 3, 0, 1, 4),  # from the output layer back, then the losses
        batch=lambda args: len(args[4]),
    ),
}
