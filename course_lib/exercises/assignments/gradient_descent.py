"""The exercises of 01_gradient_descent, as learners get them: hints, tolerances, what each
function may not call, and how a wrong answer is explained. The public cases and the
answers of the known mistakes on them are data (public.json, made by ``course-lib build``
from the instructor's answer key).
"""

from __future__ import annotations

from ..spec import Exercise

EXERCISES: dict[str, Exercise] = {
    "numerical_gradient": Exercise(
        forbidden=("course_lib.gradcheck",),
        forbidden_reason="write the finite differences yourself",
        hints=(
            "Nudge one parameter at a time, both ways, by a tiny ε, and see how much f changes.",
            "∂f/∂θᵢ ≈ (f(θ + ε eᵢ) − f(θ − ε eᵢ)) / 2ε for each i. Put θᵢ back after each nudge.",
        ),
        rtol=1e-5,
        atol=1e-7,
    ),
    "gradient_descent_step": Exercise(
        forbidden=("course_lib.optim",),
        forbidden_reason="write the update yourself",
        hints=(
            "Take a small step against the gradient: downhill, where the loss decreases fastest.",
            "θⁱ = θⁱ⁻¹ − η ∇L(θⁱ⁻¹), as a new array.",
        ),
    ),
    "total_loss_and_gradient": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the loss and its gradient yourself",
        hints=(
            "The derivative of a sum is the sum of the derivatives. Work per example, then add up.",
            "With the errors eⁿ = w xⁿ + b − tⁿ: L = Σₙ ½ (eⁿ)², ∂L/∂w = Σₙ eⁿ xⁿ and ∂L/∂b = Σₙ "
            "eⁿ.",
        ),
        returns=("L", "dL/dw", "dL/db"),
    ),
    "momentum_step": Exercise(
        forbidden=("course_lib.optim",),
        forbidden_reason="write the momentum step yourself",
        hints=(
            "The velocity remembers the past steps. Shrink it by μ, add a plain gradient step, "
            "then move by it.",
            "vⁱ = μ vⁱ⁻¹ − η ∇L(θⁱ⁻¹), then θⁱ = θⁱ⁻¹ + vⁱ. The new velocity comes first.",
        ),
        returns=("theta_new", "v_new"),
    ),
}
