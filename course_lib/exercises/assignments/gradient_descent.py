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
        hint="For each entry i, nudge theta[i] up by eps and down by eps (on a copy, or restore "
        "it), and divide the change of f by 2 * eps.",
        rtol=1e-5,
        atol=1e-7,
    ),
    "gradient_descent_step": Exercise(
        forbidden=("course_lib.optim",),
        forbidden_reason="write the update yourself",
        hint="theta_new = theta - eta * grad: a step against the gradient, downhill.",
    ),
    "total_loss_and_gradient": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the loss and its gradient yourself",
        hint="Per example, C^n = 1/2 (w x^n + b - t^n)^2, so dC^n/dw = (w x^n + b - t^n) x^n and "
        "dC^n/db = (w x^n + b - t^n). The total loss and its gradient are sums over n.",
        returns=("L", "dL/dw", "dL/db"),
    ),
    "momentum_step": Exercise(
        forbidden=("course_lib.optim",),
        forbidden_reason="write the momentum step yourself",
        hint="First the new velocity, v_new = mu * v - eta * grad (the old velocity, shrunk by "
        "mu, plus a plain gradient-descent step); then theta_new = theta + v_new.",
        returns=("theta_new", "v_new"),
    ),
}
