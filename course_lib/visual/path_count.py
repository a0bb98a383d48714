"""Why the backward pass goes backwards: count the paths and the work (notebook 04).

A weight of the first layer reaches the cost C along many paths: one through every
choice of a neuron in each later layer. The chain rule sums over all of them. Going
front to back, a naive recursion walks every path again for every neuron. Going back
to front, each ``dC/dz`` is computed once and reused by the layer before it.

``sizes`` is as in :func:`course_lib.nn.mlp`: ``[n_0, n_1, ..., n_L]``, with ``n_0``
inputs and ``L`` layers of neurons, the last one the output layer.

- :func:`count_paths`: the paths from one weight of the first layer to C.
- :func:`naive_calls`: the calls of the naive recursion, for ``dC/dz`` of every neuron.
- :func:`sweep_values`: the ``dC/dz`` values one backward sweep computes (each once).
- :func:`naive_backward`: that naive recursion, run on a network, with a call counter.

Conventions as in :mod:`course_lib.visual.network`: ``z = a @ W + b`` with
``W: (n_in, n_out)``, sigmoid everywhere, ``dC/dy`` given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(
            f"expected sizes [n_0, n_1, ..., n_L] with at least 2 positive entries, got {sizes}"
        )
    return sizes


def count_paths(sizes: Sequence[int]) -> int:
    """Paths from one weight of the first layer to C.

    The weight feeds one neuron of layer 1. From there a path picks one neuron in each
    later layer, then goes to C. Counted layer by layer from the output backwards:
    an output neuron has 1 path to C; any other neuron has the sum of its successors' paths.
    """
    sizes = _check_sizes(sizes)
    paths = [1] * sizes[-1]  # an output neuron: y -> C
    for n in reversed(sizes[1:-1]):  # layers L-1, ..., 1
        paths = [sum(paths)] * n  # every neuron feeds every neuron of the next layer
    return paths[0]


def naive_calls(sizes: Sequence[int]) -> int:
    """Calls of a naive front-to-back recursion that gets dC/dz of every neuron.

    ``dC/dz`` of a neuron calls itself once for each neuron of the next layer and never
    remembers an answer: ``calls(L) = 1`` and ``calls(l) = 1 + n_{l+1} calls(l+1)``.
    Every neuron of every layer is asked once from the outside.
    """
    sizes = _check_sizes(sizes)
    calls_one, total = 1, sizes[-1]  # an output neuron: one call
    for layer in range(len(sizes) - 2, 0, -1):  # layers L-1, ..., 1
        calls_one = 1 + sizes[layer + 1] * calls_one
        total += sizes[layer] * calls_one
    return total


def sweep_values(sizes: Sequence[int]) -> int:
    """dC/dz values one backward sweep computes: one per neuron."""
    return sum(_check_sizes(sizes)[1:])


def naive_backward(
    weights: Sequence[np.ndarray],
    activations: Sequence[np.ndarray],
    dC_dy: np.ndarray,
) -> tuple[list[np.ndarray], int]:
    """dC/dz of every layer by the naive recursion, and the number of calls it made.

    weights[l]: (n_l, n_{l+1}); activations[l]: the (n_{l+1},) outputs of layer l + 1
    (as returned by a forward pass); dC_dy: (n_L,). Same values as one backward sweep,
    but each call recomputes everything after its neuron.
    """
    n_layers = len(weights)
    if len(activations) != n_layers:
        raise ValueError(
            f"naive_backward expected one activation vector per layer ({n_layers}), "
            f"got {len(activations)}"
        )
    calls = 0

    def dC_dz(layer: int, j: int) -> float:
        nonlocal calls
        calls += 1
        a = float(activations[layer][j])
        sigma_prime = a * (1.0 - a)
        if layer == n_layers - 1:  # case 1: the output layer
            return sigma_prime * float(dC_dy[j])
        W = weights[layer + 1]  # case 2: recurse into every neuron of the next layer
        return sigma_prime * sum(float(W[j, k]) * dC_dz(layer + 1, k) for k in range(W.shape[1]))

    deltas = [
        np.array([dC_dz(layer, j) for j in range(len(activations[layer]))])
        for layer in range(n_layers)
    ]
    return deltas, calls
