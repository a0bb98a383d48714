"""A vectorised network in the lecture's notation, batch-first.

A batch of N examples is a matrix with one example per row, so a layer computes

    z = a @ W + b          a: (N, n_in), W: (n_in, n_out), b: (n_out,), z: (N, n_out)

Every layer has ``forward(x)`` and ``backward(grad_out) -> grad_in``. Forward keeps
what backward needs; backward receives dL/d(output) and returns dL/d(input), where L is
the batch loss (written dC/d... below, as in the lecture's point 7 and 8, for one example):

- :class:`Linear` backward is lecture point 8, ``dC/dw = a * dC/dz``, for a whole
  matrix at once: ``dW = a.T @ dC/dz``; and it sends ``dC/dz @ W.T`` back.
- an activation's backward is the *amplifier* of point 7: ``dC/dz = sigma'(z) * dC/da``.

Losses take the network's output and the targets and return the batch loss L, the mean
of the examples' costs C^n; their ``backward()`` starts the backward pass with dL/d(output).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np

# The checks below name the layer (its repr) only when they fail: they run on every step.


def _check_batch(owner: object, x: np.ndarray, width: int | None) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or (width is not None and x.shape[1] != width):
        expected = f"(N, {width})" if width is not None else "(N, D)"
        raise ValueError(f"{_name(owner)} expected input of shape {expected}, got {x.shape}")
    return x


def _check_grad(owner: object, grad_out: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    if shape is None:
        raise RuntimeError(
            f"{_name(owner)}.backward() was called before forward(): run forward first"
        )
    grad_out = np.asarray(grad_out)
    if grad_out.shape != shape:
        raise ValueError(
            f"{_name(owner)}.backward expected grad_out of shape {shape} "
            f"(the shape of its output), got {grad_out.shape}"
        )
    return grad_out


def _name(owner: object) -> str:
    return owner if isinstance(owner, str) else repr(owner)


class Layer:
    """Base class: a layer with no parameters unless a subclass adds some."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def backward_params(self, grad_out: np.ndarray) -> None:
        """Like backward, when dC/d(input) is not needed (the input is data, not a parameter)."""
        self.backward(grad_out)

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``(name, value, grad)`` for each parameter; arrays are updated in place."""
        return []


class Linear(Layer):
    """``z = a @ W + b``, with W: (n_in, n_out) and b: (n_out,).

    Weights start as N(0, scale^2) with ``scale = sqrt(2 / n_in)`` ("he", suits ReLU)
    or ``sqrt(1 / n_in)`` ("lecun", suits sigmoid and tanh); b starts at 0. ("xavier" is a
    deprecated alias of "lecun": Glorot and Bengio's scale is ``sqrt(2 / (n_in + n_out))``,
    which is not what this gives.)
    After ``backward``, ``dW`` (n_in, n_out) and ``db`` (n_out,) hold dC/dW and dC/db.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        rng: np.random.Generator | int | None = None,
        init: str = "he",
        dtype: type = np.float32,
    ) -> None:
        if int(n_in) != n_in or n_in < 1 or int(n_out) != n_out or n_out < 1:
            raise ValueError(
                f"Linear expects positive integer sizes, got n_in={n_in}, n_out={n_out}"
            )
        if init == "xavier":
            warnings.warn(
                'Linear(init="xavier") is deprecated: its scale sqrt(1 / n_in) is LeCun\'s, '
                'so the name is init="lecun"',
                DeprecationWarning,
                stacklevel=2,
            )
            init = "lecun"
        if init not in ("he", "lecun"):
            raise ValueError(f"Linear init expects 'he' or 'lecun', got {init!r}")
        rng = np.random.default_rng(rng)
        scale = np.sqrt((2.0 if init == "he" else 1.0) / n_in)
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.W = (rng.standard_normal((n_in, n_out)) * scale).astype(dtype)
        self.b = np.zeros(n_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.a: np.ndarray | None = None  # the input, kept for backward: dz/dw = a

    def __repr__(self) -> str:
        return f"Linear({self.n_in} -> {self.n_out})"

    def forward(self, a: np.ndarray) -> np.ndarray:
        """a: (N, n_in) -> z: (N, n_out)."""
        self.a = _check_batch(self, a, self.n_in)
        return self.a @ self.W + self.b

    def backward(self, dz: np.ndarray) -> np.ndarray:
        """dz = dC/dz: (N, n_out) -> dC/da: (N, n_in); stores dW and db."""
        self.backward_params(dz)
        return dz @ self.W.T  # dC/da = sum over the next layer's z of w * dC/dz

    def backward_params(self, dz: np.ndarray) -> None:
        """Only dW (n_in, n_out) and db (n_out,), from dz = dC/dz: (N, n_out)."""
        shape = None if self.a is None else (self.a.shape[0], self.n_out)
        dz = _check_grad(self, dz, shape)
        np.matmul(self.a.T, dz, out=self.dW)  # dC/dw = a * dC/dz, summed over the batch
        dz.sum(axis=0, out=self.db)

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        return [("W", self.W, self.dW), ("b", self.b, self.db)]


class Activation(Layer):
    """An element-wise ``a = sigma(z)``; backward multiplies by ``sigma'(z)``."""

    def __init__(self) -> None:
        self.a: np.ndarray | None = None  # the output, kept for backward

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def sigma(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def sigma_prime(self) -> np.ndarray:
        """sigma'(z) at the z of the last forward, computed from the kept output."""
        raise NotImplementedError

    def forward(self, z: np.ndarray) -> np.ndarray:
        """z: (N, D) -> a: (N, D)."""
        self.a = self.sigma(np.asarray(z))
        return self.a

    def backward(self, da: np.ndarray) -> np.ndarray:
        """da = dC/da: (N, D) -> dC/dz = sigma'(z) * dC/da: (N, D)."""
        da = _check_grad(self, da, None if self.a is None else self.a.shape)
        return self.sigma_prime() * da


class Sigmoid(Activation):
    """sigma(z) = 1 / (1 + e^-z); sigma'(z) = sigma(z) (1 - sigma(z))."""

    def sigma(self, z: np.ndarray) -> np.ndarray:
        # 0.5 * (1 + tanh(z / 2)) equals the logistic function and never overflows
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    def sigma_prime(self) -> np.ndarray:
        return self.a * (1.0 - self.a)


class Tanh(Activation):
    """tanh(z); its derivative is 1 - tanh(z)^2."""

    def sigma(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def sigma_prime(self) -> np.ndarray:
        return 1.0 - self.a**2


class ReLU(Activation):
    """max(z, 0); its derivative is 1 where z > 0 and 0 elsewhere."""

    def sigma(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0)

    def sigma_prime(self) -> np.ndarray:
        return self.a > 0  # a mask: True (1) where z > 0, False (0) elsewhere


class Dropout(Layer):
    """While training, each input is kept with probability 1 - p and scaled by 1 / (1 - p).

    A dropped unit passes nothing forward and gets no gradient back: the next layer cannot
    rely on any single unit, which makes the network spread what it knows over many. The
    scaling keeps the expected output equal to the input, so when ``training`` is False
    (evaluation; ``fit`` sets the flag) the layer does nothing. x: (N, D) -> (N, D).
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None) -> None:
        if not 0 <= p < 1:
            raise ValueError(f"Dropout expects a probability p in [0, 1), got {p}")
        self.p = float(p)
        self.rng = np.random.default_rng(rng)
        self.training = True
        self.mask: np.ndarray | None = None  # 0 or 1/(1-p) per input, kept for backward

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if not self.training or self.p == 0:
            self.mask = np.ones_like(x)
            return x
        keep = self.rng.random(x.shape) >= self.p
        self.mask = keep.astype(x.dtype) / x.dtype.type(1 - self.p)
        return x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dC/dx = mask * dC/d(output): (N, D)."""
        grad_out = _check_grad(self, grad_out, None if self.mask is None else self.mask.shape)
        return grad_out * self.mask


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (the reversed network)."""

    def __init__(self, *layers: Layer) -> None:
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(
                    f"Sequential expects layers with forward and backward, "
                    f"got {type(layer).__name__} at position {i}"
                )
        self.layers = list(layers)

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner}\n)"

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def backward_params(self, grad_out: np.ndarray) -> None:
        """Backward without dC/dx for the input x: training never needs it, and for a
        first Linear layer it is a third of the backward pass's work."""
        for layer in reversed(self.layers[1:]):
            grad_out = layer.backward(grad_out)
        if self.layers:
            self.layers[0].backward_params(grad_out)

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``("<layer index>.<name>", value, grad)`` for every parameter, in order."""
        return [
            (f"{i}.{name}", value, grad)
            for i, layer in enumerate(self.layers)
            for name, value, grad in layer.parameters()
        ]

    def n_parameters(self) -> int:
        return sum(value.size for _, value, _ in self.parameters())


class Ensemble(Layer):
    """The mean of several networks' outputs: (N, D) -> (N, K).

    Networks trained from different random starts make partly different mistakes;
    averaging their logits cancels some of them. Backward sends dC/d(output) / k into
    each of the k members (the mean is linear), so an ensemble can be gradient-checked
    like any layer.
    """

    def __init__(self, *members: Layer) -> None:
        if not members:
            raise ValueError("Ensemble expects at least one network")
        self.members = list(members)

    def __repr__(self) -> str:
        return f"Ensemble of {len(self.members)}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return sum(m.forward(x) for m in self.members) / len(self.members)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        share = np.asarray(grad_out) / len(self.members)
        return sum(m.backward(share) for m in self.members)

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        return [
            (f"{i}.{name}", value, grad)
            for i, m in enumerate(self.members)
            for name, value, grad in m.parameters()
        ]


def mlp(
    sizes: list[int] | tuple[int, ...],
    activation: type[Activation] = ReLU,
    rng: np.random.Generator | int | None = None,
    dtype: type = np.float32,
) -> Sequential:
    """A multi-layer perceptron: ``mlp([256, 128, 10])`` is Linear, ReLU, Linear.

    No activation after the last Linear: the loss (softmax cross-entropy) takes logits.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp expects at least an input and an output size, got {sizes}")
    rng = np.random.default_rng(rng)
    init = "he" if activation is ReLU else "lecun"
    layers: list[Layer] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out, rng=rng, init=init, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(activation())
    return Sequential(*layers)


# ----- losses -----


class MSELoss:
    """L = (1/N) sum_n C^n with C^n = 1/2 ||y^n - t^n||^2; dL/dy = (y - t) / N.

    outputs y and targets t: both (N, K).
    """

    def __init__(self) -> None:
        self.diff: np.ndarray | None = None

    def __call__(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        return self.forward(outputs, targets)

    def forward(self, outputs: np.ndarray, targets: np.ndarray) -> float:
        y = _check_batch("MSELoss", outputs, None)
        t = np.asarray(targets)
        if t.shape != y.shape:
            raise ValueError(
                f"MSELoss expected targets shaped like the outputs {y.shape}, got {t.shape}"
            )
        self.diff = y - t
        return float(0.5 * (self.diff**2).sum()) / y.shape[0]

    def backward(self) -> np.ndarray:
        """dL/dy: (N, K)."""
        if self.diff is None:
            raise RuntimeError("MSELoss.backward() was called before forward(): run forward first")
        return self.diff / self.diff.shape[0]


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax along the last axis, stable for any finite logits (log-sum-exp trick)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax along the last axis: (N, K) -> (N, K), each row sums to 1."""
    return np.exp(log_softmax(z))


class SoftmaxCrossEntropy:
    """L = (1/N) sum_n C^n with C^n = -log softmax(z^n)[t^n]; dL/dz = (softmax(z) - onehot(t)) / N.

    logits z: (N, K); targets t: (N,) integer class labels in [0, K).

    ``label_smoothing`` alpha replaces onehot(t) by (1 - alpha) onehot(t) + alpha / K: the target
    gives a little probability to every class, so the cost keeps rising when the network
    becomes ever more certain, and the logits stop growing once they are sure enough.
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        self.alpha = float(label_smoothing)
        self.probs: np.ndarray | None = None
        self.targets: np.ndarray | None = None

    def __call__(self, logits: np.ndarray, targets: np.ndarray) -> float:
        return self.forward(logits, targets)

    def forward(self, logits: np.ndarray, targets: np.ndarray) -> float:
        z = _check_batch("SoftmaxCrossEntropy", logits, None)
        t = check_labels(targets, z.shape[0], z.shape[1])
        shifted = z - z.max(axis=1, keepdims=True)  # softmax(z) = softmax(z - max z)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.probs, self.targets, self._rows = exp / total, t, np.arange(len(t))
        # -log softmax(z)[t] = log(sum_k e^z_k) - z_t, averaged over the batch
        cost = float((np.log(total[:, 0]) - shifted[self._rows, t]).sum()) / len(t)
        if self.alpha:  # mix with the cost of the uniform target: mean over k of -log softmax(z)_k
            uniform = float(np.log(total).sum() - shifted.mean(axis=1).sum()) / len(t)
            cost = (1 - self.alpha) * cost + self.alpha * uniform
        return cost

    def backward(self) -> np.ndarray:
        """dL/dz: (N, K)."""
        if self.probs is None:
            raise RuntimeError(
                "SoftmaxCrossEntropy.backward() was called before forward(): run forward first"
            )
        n, k = self.probs.shape
        if self.alpha:
            grad = (self.probs - self.alpha / k) / n
            grad[self._rows, self.targets] -= (1.0 - self.alpha) / n
            return grad
        grad = self.probs / n
        grad[self._rows, self.targets] -= 1.0 / n
        return grad


def check_labels(targets: np.ndarray, n: int, n_classes: int) -> np.ndarray:
    """Return targets as an int array of shape (n,), or raise naming what is wrong."""
    t = np.asarray(targets)
    if t.shape != (n,):
        raise ValueError(f"expected labels of shape ({n},) (one per example), got {t.shape}")
    if t.dtype.kind not in "iu":  # signed or unsigned integers
        raise ValueError(f"expected integer class labels, got dtype {t.dtype}")
    if n and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"expected labels in [0, {n_classes - 1}], got values from {t.min()} to {t.max()}"
        )
    return t
