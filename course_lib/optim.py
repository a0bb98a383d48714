"""Optimisers: one gradient-descent step on every parameter, in place.

Lecture point 2: theta^i = theta^(i-1) - eta * grad L(theta^(i-1)).
Both take ``model.parameters()``: a list of ``(name, value, grad)`` whose arrays
the layers update in place, so the optimiser always sees the latest gradient.
"""

from __future__ import annotations

import numpy as np

Params = list[tuple[str, np.ndarray, np.ndarray]]


def _check_lr(lr: float) -> float:
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"the learning rate must be a positive number, got {lr}")
    return float(lr)


class SGD:
    """theta <- theta - lr * grad."""

    def __init__(self, params: Params, lr: float) -> None:
        self.params = list(params)
        self.lr = _check_lr(lr)

    def step(self) -> None:
        for _, value, grad in self.params:
            value -= self.lr * grad


class Momentum:
    """v <- mu * v - lr * grad;  theta <- theta + v  (mu = 0 is plain SGD)."""

    def __init__(self, params: Params, lr: float, momentum: float = 0.9) -> None:
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.params = list(params)
        self.lr = _check_lr(lr)
        self.mu = float(momentum)
        self.velocity = [np.zeros_like(value) for _, value, _ in self.params]
        self._step = [np.zeros_like(value) for _, value, _ in self.params]  # lr * grad

    def step(self) -> None:
        for (_, value, grad), v, lr_grad in zip(
            self.params, self.velocity, self._step, strict=True
        ):
            np.multiply(grad, self.lr, out=lr_grad)  # into a kept array: no allocation per step
            v *= self.mu
            v -= lr_grad
            value += v
