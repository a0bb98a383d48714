"""Lecture point 3, measured: what one gradient costs by backprop and by finite differences.

For a network with P parameters, finite differences need two forward passes per
parameter (central differences), so 2P forward passes per gradient. Backprop needs one
forward pass and one backward pass. :func:`measure_gradient_cost` times both on networks
up to the 100k-parameter digit classifier of notebook 05, and :func:`plot_gradient_cost`
draws the result.

Finite differences on 100 000 parameters would take minutes, so they are timed on a
random subset of ``n_sampled`` parameters and extrapolated: the full gradient costs
``P / n_sampled`` times as much, since every parameter costs the same two forward passes.
The plot says which points are extrapolated.

Timings run with one BLAS thread (``threadpoolctl``): with several threads on a busy
machine the threads wait for each other and a ratio of two timings comes out absurd
(a backward pass "0.0x" a forward pass). Every timing is the best of several short
runs, the one least disturbed by other work; finite differences are timed parameter by
parameter (two forward passes each), so no timed run is long enough to be cut by the
scheduler often.

Conventions as in :mod:`course_lib.nn`: ``z = a @ W + b``, a batch is ``(N, n_in)``, the
batch loss ``L`` is the mean of the examples' costs (``SoftmaxCrossEntropy``); float64.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from course_lib.nn import ReLU, SoftmaxCrossEntropy, mlp


@dataclass(frozen=True)
class GradientCost:
    """Seconds for one gradient of one network, measured (and extrapolated where said).

    forward_seconds, backward_seconds: one pass each (the best of several runs);
    finite_difference_seconds: the full gradient by central differences, extrapolated
    from ``sampled`` parameters when ``sampled < n_parameters``.
    """

    sizes: tuple[int, ...]
    n_parameters: int
    forward_seconds: float
    backward_seconds: float
    sampled: int
    sampled_seconds: float
    sampled_forward_passes: int

    @property
    def backprop_seconds(self) -> float:
        """One forward and one backward pass."""
        return self.forward_seconds + self.backward_seconds

    @property
    def extrapolated(self) -> bool:
        """True when finite differences were timed on a subset of the parameters."""
        return self.sampled < self.n_parameters

    @property
    def finite_difference_seconds(self) -> float:
        """The full finite-difference gradient: the subset's time times P / sampled."""
        return self.sampled_seconds * self.n_parameters / self.sampled

    @property
    def backward_forward_ratio(self) -> float:
        """How many forward passes one backward pass costs."""
        return self.backward_seconds / self.forward_seconds

    @property
    def speedup(self) -> float:
        """How many times faster backprop is than finite differences."""
        return self.finite_difference_seconds / self.backprop_seconds


def _best_of(repeats: int, run) -> float:
    """The fastest of ``repeats`` runs of ``run()``: the one least disturbed by other work."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure_gradient_cost(
    sizes_list: Sequence[Sequence[int]],
    batch_size: int = 64,
    n_sampled: int = 24,
    repeats: int = 9,
    rng: int = 0,
) -> list[GradientCost]:
    """Time forward, backward and finite differences for each ``mlp(sizes)`` (ReLU, float64).

    sizes_list: e.g. ``[[16, 8, 10], [256, 256, 128, 10]]``; a batch ``X: (batch_size, sizes[0])``
    with random class labels. Finite differences nudge ``min(n_sampled, P)`` parameters drawn at
    random from the whole network (two forward passes each, counted, not assumed).
    Runs with one BLAS thread; each time is the best of ``repeats`` runs.
    """
    if n_sampled < 1 or batch_size < 1 or repeats < 1:
        raise ValueError(
            f"measure_gradient_cost expects positive n_sampled, batch_size and repeats, "
            f"got {n_sampled}, {batch_size}, {repeats}"
        )
    gen = np.random.default_rng(rng)
    with threadpool_limits(limits=1):
        return [_measure(list(sizes), gen, batch_size, n_sampled, repeats) for sizes in sizes_list]


def _measure(
    sizes: list[int], gen: np.random.Generator, batch_size: int, n_sampled: int, repeats: int
) -> GradientCost:
    """One network of :func:`measure_gradient_cost`."""
    model = mlp(sizes, activation=ReLU, rng=gen, dtype=np.float64)
    X = gen.standard_normal((batch_size, sizes[0]))  # (N, n_0)
    labels = gen.integers(0, sizes[-1], size=batch_size)  # (N,)
    loss = SoftmaxCrossEntropy()
    passes = [0]

    def batch_loss() -> float:
        passes[0] += 1
        return loss.forward(model.forward(X), labels)

    batch_loss()  # warm up (first calls allocate)
    forward = _best_of(repeats, batch_loss)
    backward = _best_of(repeats, lambda: model.backward(loss.backward()))

    # the sampled parameters: flat index into the concatenation of all parameter arrays
    flat = [value.reshape(-1) for _, value, _ in model.parameters()]  # views, nudged in place
    ends = np.cumsum([v.size for v in flat])
    P = int(ends[-1])
    k = min(n_sampled, P)
    picks = gen.choice(P, size=k, replace=False)
    owner = np.searchsorted(ends, picks, side="right")  # which array holds each pick
    offset = picks - (ends - [v.size for v in flat])[owner]  # where in that array

    def difference(o: int, i: int, eps: float = 1e-6) -> float:
        """One entry of the gradient by central differences: two forward passes."""
        old = flat[o][i]
        flat[o][i] = old + eps
        up = batch_loss()
        flat[o][i] = old - eps
        down = batch_loss()
        flat[o][i] = old
        return (up - down) / (2 * eps)

    passes[0] = 0
    sampled = sum(
        _best_of(repeats, lambda o=o, i=i: difference(o, i))
        for o, i in zip(owner, offset, strict=True)
    )  # each parameter timed on its own, best of `repeats`: short runs, little disturbed
    return GradientCost(tuple(sizes), P, forward, backward, k, sampled, passes[0] // repeats)


def plot_gradient_cost(results: Sequence[GradientCost]):
    """Seconds per gradient against the number of parameters (log-log), both methods.

    Finite-difference points timed on a subset are drawn hollow and labelled as
    extrapolated. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    n = np.array([r.n_parameters for r in results])
    fd = np.array([r.finite_difference_seconds for r in results])
    bp = np.array([r.backprop_seconds for r in results])
    extra = np.array([r.extrapolated for r in results])
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.loglog(n, fd, "-", color="C0", alpha=0.6)
    ax.loglog(n[~extra], fd[~extra], "o", color="C0", label="finite differences (measured)")
    if extra.any():
        sampled = min(r.sampled for r in results if r.extrapolated)
        ax.loglog(
            n[extra],
            fd[extra],
            "o",
            mfc="white",
            color="C0",
            label=f"finite differences (extrapolated from {sampled} timed parameters)",
        )
    ax.loglog(n, bp, "s-", color="C1", label="backprop (one forward + one backward pass)")
    ax.set_xlabel("number of parameters $P$")
    ax.set_ylabel("seconds for one gradient")
    ax.set_title("the cost of one gradient of the batch loss")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
