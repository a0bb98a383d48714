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
        hints=(
            "Each operation's derivative with respect to each of its inputs, at the given values:"
            " one entry per input.",
            "∂(a + b)/∂a = ∂(a + b)/∂b = 1; ∂(ab)/∂a = b and ∂(ab)/∂b = a; (eᵃ)′ = eᵃ; tanh′(a) ="
            " 1 − tanh²(a); σ′(a) = σ(a) (1 − σ(a)).",
        ),
    ),
    "chain_rule_case2": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="apply the chain rule yourself",
        hints=(
            "s reaches z along two paths, through x and through y. The chain rule adds the two.",
            "dz/ds = ∂z/∂x · dx/ds + ∂z/∂y · dy/ds, with ∂z/∂x = y, ∂z/∂y = x, dx/ds = 2s and "
            "dy/ds = eˢ.",
        ),
    ),
    "forward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="write the forward pass yourself",
        hints=(
            "Visit the nodes in order. A node only uses nodes before it, whose values you already"
            " have.",
            "vₖ ← opₖ(vᵢ, vⱼ): node k's operation on the values of its inputs i, j < k, node 0 "
            "first.",
        ),
    ),
    "gate_backward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="apply the gate's rule yourself",
        hints=(
            "A gate hands each input the gradient that arrives from above, times that input's "
            "local derivative (chain rule, case 1).",
            "∂C/∂x = ∂out/∂x · ∂C/∂out. Add: both local derivatives are 1. Multiply: ∂(xy)/∂x "
            "is y and ∂(xy)/∂y is x. Max: 1 for the larger input (x on a tie), 0 for the other.",
        ),
        returns=("grad_x", "grad_y"),
    ),
    "backward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="write the backward pass yourself",
        hints=(
            "Walk back from the output, where ∂C/∂C = 1. Each node passes its gradient on to its "
            "inputs.",
            "From the last node to the first: ∂C/∂input += ∂node_k/∂input · ∂C/∂node_k. Add, "
            "because a node that feeds several others gets a share from each.",
        ),
        uses=("local_derivatives",),  # judged with the reference local_derivatives in its place
    ),
    "train_tiny_mlp": Exercise(
        forbidden=("course_lib.nn", "course_lib.optim", "course_lib.gradcheck"),
        forbidden_reason="build the network from Value yourself",
        needs=("course_lib.autodiff",),
        hints=(
            "Make every parameter a Value. W1 is (H, D): row j holds the weights into hidden "
            "unit j. Each step: clear the gradients, one backward pass per example, then one "
            "update.",
            "Each step: ∂L/∂p = (1/N) Σₙ ∂Cⁿ/∂p with Cⁿ = ½ (yⁿ − tⁿ)², then p ← p − η ∂L/∂p. "
            "Record L before each step and once after the last.",
        ),
        rtol=1e-6,
        atol=1e-9,
        # W1 is (H, D), one row per hidden unit: the net takes one example x, a column, at a
        # time, so the hidden layer is W1 x (notebook 03's batches use the transpose)
        returns=("dW1", "db1", "dW2", "db2", "losses"),
        order=(2, 3, 0, 1, 4),  # from the output layer back, then the losses
        batch=lambda args: len(args[4]),
    ),
}
