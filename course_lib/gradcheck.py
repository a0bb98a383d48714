"""Gradient checking: compare backprop's gradient with finite differences.

The central difference  (f(x + eps) - f(x - eps)) / (2 eps)  has an error of order
eps^2, so in float64 with eps = 1e-6 it agrees with an exact gradient to about 1e-9
relative error; a relative error above 1e-6 means the backward pass has a bug.
(In float32 the rounding error of f alone is ~1e-7 / eps: never check in float32.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TOLERANCE = 1e-6  # the relative error below which a float64 gradient check passes


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``.

    ``x`` is nudged in place, one entry at a time, and restored; ``f`` takes no
    arguments and reads ``x`` itself (so ``x`` can be a layer's weight matrix).
    ``x`` must be a float64 array. Returns an array shaped like ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        given = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"numerical_gradient expects a float64 numpy array, got {given}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views into x and grad
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / max(||a|| + ||b||, 1e-12): 0 when equal, 1 when one is zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"relative_error expects arrays of the same shape, got {a.shape} and {b.shape}"
        )
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def check_model(
    model, loss, x: np.ndarray, targets: np.ndarray, eps: float = 1e-6
) -> dict[str, float]:
    """Relative error between backprop and finite differences, for each parameter and the input.

    ``model`` is a layer or Sequential with float64 parameters, ``loss`` a loss object
    (MSELoss or SoftmaxCrossEntropy). Returns ``{"<param name>": error, ..., "input": error}``.
    """
    x = np.array(x, dtype=np.float64)

    def cost() -> float:
        return loss.forward(model.forward(x), targets)

    cost()
    grad_x = model.backward(loss.backward())
    errors = {}
    for name, value, grad in model.parameters():
        if value.dtype != np.float64:
            raise TypeError(f"check_model needs float64 parameters, {name} is {value.dtype}")
        analytic = grad.copy()
        errors[name] = relative_error(analytic, numerical_gradient(cost, value, eps))
    errors["input"] = relative_error(grad_x, numerical_gradient(cost, x, eps))
    return errors
