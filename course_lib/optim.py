"""Optimisers: one gradient-descent step on every parameter, in place.

Lecture point 2: theta^i = theta^(i-1) - eta * grad L(theta^(i-1)).
Both take ``model.parameters()``: a list of ``(name, value, grad)`` whose arrays
the layers update in place, so the optimiser always sees the latest gradient.

Weight decay: with ``weight_decay=lam`` the optimiser minimises L + (lam/2) sum w^2 over
the weight matrices (names ending in "W"; biases are not penalised), whose gradient is
grad + lam * w: every step also pulls each weight a little towards 0. Large weights
make a network very sure of itself; the penalty keeps them small. :func:`l2_penalty`
computes the added term, for gradient checks.
"""

from __future__ import annotations

import numpy as np

Params = list[tuple[str, np.ndarray, np.ndarray]]


def _check_lr(lr: float) -> float:
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"the learning rate must be a positive number, got {lr}")
    return float(lr)


def _check_decay(weight_decay: float) -> float:
    if not np.isfinite(weight_decay) or weight_decay < 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay}")
    return float(weight_decay)


def is_weight(name: str) -> bool:
    """True for a weight matrix ("W", "0.W", ...), False for a bias."""
    return name.rsplit(".", 1)[-1] == "W"


def l2_penalty(params: Params, weight_decay: float) -> float:
    """(weight_decay / 2) * sum of w^2 over the weight matrices in ``params``."""
    return 0.5 * weight_decay * sum(float(np.sum(v**2)) for n, v, _ in params if is_weight(n))


class SGD:
    """theta <- theta - lr * (grad + weight_decay * theta for weights)."""

    def __init__(self, params: Params, lr: float, weight_decay: float = 0.0) -> None:
        self.params = list(params)
        self.lr = _check_lr(lr)
        self.weight_decay = _check_decay(weight_decay)

    def step(self) -> None:
        for name, value, grad in self.params:
            if self.weight_decay and is_weight(name):
                value -= self.lr * (grad + self.weight_decay * value)
            else:
                value -= self.lr * grad


class Momentum:
    """v <- mu * v - lr * grad;  theta <- theta + v  (mu = 0 is plain SGD).

    With ``weight_decay`` lam, grad is grad + lam * theta for the weight matrices.
    """

    def __init__(
        self, params: Params, lr: float, momentum: float = 0.9, weight_decay: float = 0.0
    ) -> None:
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.params = list(params)
        self.lr = _check_lr(lr)
        self.mu = float(momentum)
        self.weight_decay = _check_decay(weight_decay)
        self.velocity = [np.zeros_like(value) for _, value, _ in self.params]
        self._step = [np.zeros_like(value) for _, value, _ in self.params]  # lr * grad
        self._decays = [self.weight_decay > 0 and is_weight(name) for name, _, _ in self.params]

    def step(self) -> None:
        for (_, value, grad), v, lr_grad, decays in zip(
            self.params, self.velocity, self._step, self._decays, strict=True
        ):
            np.multiply(grad, self.lr, out=lr_grad)  # into a kept array: no allocation per step
            if decays:
                lr_grad += (self.lr * self.weight_decay) * value  # the gradient of the penalty
            v *= self.mu
            v -= lr_grad
            value += v
