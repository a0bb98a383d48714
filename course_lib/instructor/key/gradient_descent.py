"""The answer key of 01_gradient_descent: the reference of each graded function (built on
course_lib), the public cases' inputs and the known mistakes, as runnable code. Only the
instructor's side has it: the learner edition gets the public cases and the mistakes'
answers on them as data (``course-lib build`` writes them), never this module.
"""

from __future__ import annotations

import numpy as np

from ... import gradcheck, nn, optim
from ...exercises.inputs import Fn, resolve
from .common import Answer, Case, Mistake, linear, seeded


def ref_numerical_gradient(f, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    f = resolve(f)
    x = np.array(theta, dtype=np.float64)
    return gradcheck.numerical_gradient(lambda: f(x), x, eps)


def bowl_case(seed: int, p: int) -> tuple:
    rng = seeded(seed)
    M = rng.standard_normal((p, p))
    A = M @ M.T + p * np.eye(p)
    return (Fn("bowl", {"A": A, "c": rng.standard_normal(p)}), rng.standard_normal(p))


def wavy_case(seed: int, p: int) -> tuple:
    rng = seeded(seed)
    return (Fn("wavy", {"k": rng.uniform(0.5, 2.0, p)}), rng.standard_normal(p))


def ref_gradient_descent_step(theta: np.ndarray, grad: np.ndarray, eta: float) -> np.ndarray:
    value = np.array(theta, dtype=np.float64)
    optim.SGD([("theta", value, np.asarray(grad, dtype=np.float64))], lr=eta).step()
    return value


def step_case(seed: int, p: int, eta: float) -> tuple:
    rng = seeded(seed)
    return (rng.standard_normal(p), rng.standard_normal(p), eta)


def ref_total_loss_and_gradient(w: float, b: float, x: np.ndarray, t: np.ndarray) -> tuple:
    """L = sum_n C^n, C^n = 1/2 (w x^n + b - t^n)^2, and its gradient, from course_lib's MSELoss.

    MSELoss averages over the batch, so L and its gradient are N times its values.
    """
    n = len(x)
    layer, loss = linear(np.array([[w]]), np.array([b])), nn.MSELoss()
    mean_cost = loss.forward(layer.forward(x.reshape(n, 1)), t.reshape(n, 1))
    layer.backward(loss.backward())
    return (n * mean_cost, n * float(layer.dW[0, 0]), n * float(layer.db[0]))


def regression_case(seed: int, n: int) -> tuple:
    rng = seeded(seed)
    x = rng.uniform(-2, 2, n)
    return (float(rng.normal()), float(rng.normal()), x, 1.5 * x - 0.5 + 0.3 * rng.normal(size=n))


def ref_momentum_step(
    theta: np.ndarray, v: np.ndarray, grad: np.ndarray, eta: float, mu: float
) -> tuple:
    """(theta^i, v^i) of one momentum step, v^i = mu v^(i-1) - eta grad, theta^i = theta^(i-1)
    + v^i, by course_lib's Momentum optimiser with its velocity set to v."""
    value = np.array(theta, dtype=np.float64)
    step = optim.Momentum(
        [("theta", value, np.asarray(grad, dtype=np.float64))], lr=eta, momentum=mu
    )
    step.velocity[0][...] = v
    step.step()
    return (value, step.velocity[0].copy())


def momentum_case(seed: int, p: int, eta: float, mu: float, moving: bool = True) -> tuple:
    """(theta, v, grad, eta, mu) with P parameters; v = 0 (the first step) unless ``moving``."""
    rng = seeded(seed)
    theta, grad = rng.standard_normal(p), rng.standard_normal(p)
    v = 0.1 * rng.standard_normal(p) if moving else np.zeros(p)
    return (theta, v, grad, eta, mu)


ANSWERS: dict[str, Answer] = {
    "numerical_gradient": Answer(
        reference=ref_numerical_gradient,
        public=(
            Case("a quadratic bowl in 2 dimensions", lambda: bowl_case(1, 2)),
            Case("a curved function in 3 dimensions", lambda: wavy_case(2, 3)),
        ),
        mistakes=(
            Mistake(
                lambda f, theta: 2 * ref_numerical_gradient(f, theta),
                "Your gradient is twice too large: look at how far apart your two nudged "
                "points are.",
                "twice_too_large",
            ),
        ),
    ),
    "gradient_descent_step": Answer(
        reference=ref_gradient_descent_step,
        public=(Case("two parameters, eta = 0.1", lambda: step_case(3, 2, 0.1)),),
        mistakes=(
            Mistake(
                lambda theta, grad, eta: theta + eta * grad,
                "You stepped uphill: every entry moved the way in which the loss grows.",
                "uphill",
            ),
            Mistake(
                lambda theta, grad, eta: theta - grad,
                "Your step is as long as the gradient itself: the learning rate eta is missing.",
                "no_eta",
            ),
        ),
    ),
    "total_loss_and_gradient": Answer(
        reference=ref_total_loss_and_gradient,
        public=(Case("five examples", lambda: regression_case(4, 5)),),
        mistakes=(
            Mistake(
                lambda w, b, x, t: tuple(
                    v / len(x) for v in ref_total_loss_and_gradient(w, b, x, t)
                ),
                "You averaged over the examples: L is the sum of the C^n, not their mean.",
                "mean_not_sum",
            ),
        ),
    ),
    "momentum_step": Answer(
        reference=ref_momentum_step,
        public=(
            Case(
                "three parameters, moving already, eta = 0.1, mu = 0.9",
                lambda: momentum_case(21, 3, 0.1, 0.9),
            ),
            Case(
                "the first step (v = 0), eta = 0.05, mu = 0.5",
                lambda: momentum_case(22, 2, 0.05, 0.5, moving=False),
            ),
        ),
        mistakes=(
            Mistake(
                lambda theta, v, grad, eta, mu: (theta + mu * v + eta * grad, mu * v + eta * grad),
                "You stepped uphill: the velocity gathers the gradient with the wrong sign, so "
                "every step goes the way in which the loss grows.",
                "uphill",
            ),
            Mistake(
                lambda theta, v, grad, eta, mu: (theta + v, mu * v - eta * grad),
                "v_new is right but theta_new is not: theta moved by the old velocity v^(i-1); "
                "theta^i moves by the new velocity v^i, which already holds this gradient.",
                "old_velocity",
            ),
            Mistake(
                lambda theta, v, grad, eta, mu: (theta - eta * grad, -eta * grad),
                "Your velocity forgets the previous one: that is plain gradient descent. The "
                "velocity carries the past steps along, shrunk by mu at each step.",
                "velocity_forgotten",
            ),
            Mistake(
                lambda theta, v, grad, eta, mu: (theta + v - eta * grad, v - eta * grad),
                "The old velocity is not shrunk: mu is missing, so the past steps never fade "
                "(that is mu = 1, for which momentum never settles).",
                "no_mu",
            ),
        ),
    ),
}
