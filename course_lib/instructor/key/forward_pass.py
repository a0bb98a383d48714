"""The answer key of 03_forward_pass: the reference of each graded function (built on
course_lib), the public cases' inputs and the known mistakes, as runnable code. Only the
instructor's side has it: the learner edition gets the public cases and the mistakes'
answers on them as data (``course-lib build`` writes them), never this module.
"""

from __future__ import annotations

import numpy as np

from ... import nn
from .common import Answer, Case, Mistake, linear, seeded


def _sigmoid_layer(W: np.ndarray, b: np.ndarray) -> nn.Sequential:
    return nn.Sequential(linear(W, b), nn.Sigmoid())


def ref_neuron(x: np.ndarray, w: np.ndarray, b: float) -> tuple[float, float]:
    """(z, a) of one sigmoid neuron, x and w: (D,), by course_lib's Linear and Sigmoid."""
    z, a = ref_layer_forward(x.reshape(1, -1), w.reshape(-1, 1), np.array([b]))
    return (float(z[0, 0]), float(a[0, 0]))


def ref_layer_forward(a: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple:
    layer = linear(W, b)
    z = layer.forward(a)
    return (z, nn.Sigmoid().forward(z))


def ref_bias_backward(dZ: np.ndarray, shape: tuple) -> np.ndarray | float:
    """dC/db for a bias of ``shape`` ((n_out,), (1, n_out) or ()) that the forward pass
    broadcast to dZ's shape (N, n_out): course_lib's Linear gives the sum over the rows
    (its db, shape (n_out,)); a (1, n_out) bias keeps the row axis, a scalar one sums all."""
    n, n_out = dZ.shape
    layer = linear(np.zeros((1, n_out)), np.zeros(n_out))
    layer.forward(np.zeros((n, 1)))
    layer.backward(dZ)
    db = layer.db.copy()
    if tuple(shape) == ():
        return float(db.sum())
    if tuple(shape) not in ((n_out,), (1, n_out)):
        raise ValueError(f"a bias of shape {shape} does not broadcast to {dZ.shape}")
    return db.reshape(shape)


def _bias_but(wrong) -> object:
    """A bias_backward right but where ``wrong(dZ, shape)`` gives another answer (None)."""

    def bias(dZ: np.ndarray, shape: tuple) -> np.ndarray | float:
        got = wrong(dZ, tuple(shape))
        return ref_bias_backward(dZ, shape) if got is None else got

    return bias


def bias_case(seed: int, n: int, n_out: int, shape: tuple) -> tuple:
    """(dZ: (n, n_out), shape): dC/dz of a batch and the shape the bias had."""
    return (seeded(seed).standard_normal((n, n_out)), shape)


def ref_forward_pass(x: np.ndarray, weights: list, biases: list) -> list:
    net = nn.Sequential(*[_sigmoid_layer(W, b) for W, b in zip(weights, biases, strict=True)])
    net.forward(x)
    return [x] + [block[1].a for block in net.layers]


LECTURE_X = np.array([[1.0, -1.0]])


LECTURE_W1 = np.array([[1.0, -1.0], [-2.0, 1.0]])  # column j holds the weights into neuron j


LECTURE_B1 = np.array([1.0, 0.0])


LECTURE_W2 = np.array([[2.0, -2.0], [-1.0, -1.0]])


LECTURE_B2 = np.array([0.0, 0.0])


def layer_case(seed: int, n: int, n_in: int, n_out: int) -> tuple:
    rng = seeded(seed)
    return (
        rng.standard_normal((n, n_in)),
        rng.standard_normal((n_in, n_out)),
        rng.standard_normal(n_out),
    )


def net_case(seed: int, sizes: list[int], n: int) -> tuple:
    rng = seeded(seed)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [rng.standard_normal((i, o)) / np.sqrt(i) for i, o in pairs]
    biases = [rng.standard_normal(o) * 0.1 for o in sizes[1:]]
    return (rng.standard_normal((n, sizes[0])), weights, biases)


ANSWERS: dict[str, Answer] = {
    "neuron": Answer(
        reference=ref_neuron,
        public=(
            Case(
                "the lecture's first neuron",
                lambda: (np.array([1.0, -1.0]), np.array([1.0, -2.0]), 1.0),
            ),
            Case(
                "the lecture's second neuron",
                lambda: (np.array([1.0, -1.0]), np.array([-1.0, 1.0]), 0.0),
            ),
        ),
        mistakes=(
            Mistake(
                lambda x, w, b: ref_neuron(x, w, b)[1],
                "You returned a alone: give back the pair (z, a), z first, as the neuron of "
                "lecture notebook 03 does.",
                "a_alone",
            ),
            Mistake(
                lambda x, w, b: (ref_neuron(x, w, b)[0],) * 2,
                "Your a equals z: the activation is missing.",
                "no_activation",
            ),
            Mistake(
                lambda x, w, b: ref_neuron(x, w, b)[::-1],
                "Your z and a are swapped: z, the value before the activation, comes first.",
                "z_and_a_swapped",
            ),
        ),
    ),
    "layer_forward": Answer(
        reference=ref_layer_forward,
        public=(
            Case("the lecture's first layer", lambda: (LECTURE_X, LECTURE_W1, LECTURE_B1)),
            Case(
                "a batch of 4 examples, 3 inputs, 5 outputs: W is (3, 5), by column",
                lambda: layer_case(6, 4, 3, 5),
            ),
        ),
        mistakes=(
            Mistake(
                lambda a, W, b: (a @ W.T + b, nn.Sigmoid().sigma(a @ W.T + b)),
                "You used W transposed: in this notebook W has shape (n_in, n_out), one "
                "column per neuron.",
                "W_transposed",
            ),
        ),
    ),
    "forward_pass": Answer(
        reference=ref_forward_pass,
        public=(
            Case(
                "the lecture's 2-2-2 network",
                lambda: (LECTURE_X, [LECTURE_W1, LECTURE_W2], [LECTURE_B1, LECTURE_B2]),
            ),
            Case(
                "a 3-4-2 network on 5 examples: W1 is (3, 4), by column",
                lambda: net_case(7, [3, 4, 2], 5),
            ),
        ),
        mistakes=(
            Mistake(
                lambda x, weights, biases: ref_forward_pass(x, weights, biases)[1:],
                "The cache should start with the input x itself (a_[0] = x): dz/dW of the "
                "first layer is x.",
                "cache_without_x",
            ),
        ),
    ),
    "bias_backward": Answer(
        reference=ref_bias_backward,
        public=(
            Case("a bias of shape (n_out,): 4 rows, 3 outputs", lambda: bias_case(8, 4, 3, (3,))),
            Case(
                "a bias of shape (1, n_out): 5 rows, 2 outputs", lambda: bias_case(9, 5, 2, (1, 2))
            ),
            Case("a scalar bias, shape (): 3 rows, 4 outputs", lambda: bias_case(10, 3, 4, ())),
        ),
        mistakes=(
            Mistake(
                _bias_but(
                    lambda dZ, shape: float(dZ.mean()) if shape == () else dZ.mean(0).reshape(shape)
                ),
                "Your db is an average over the rows: every row's share counts in full.",
                "mean_not_sum",
            ),
            Mistake(
                _bias_but(
                    lambda dZ, shape: None if shape == () else dZ.sum(1, keepdims=len(shape) == 2)
                ),
                "Your db is summed over the wrong axis: it has one entry per example, and the "
                "bias has one per output neuron.",
                "wrong_axis",
            ),
            Mistake(
                _bias_but(lambda dZ, shape: dZ.sum(0, keepdims=True) if len(shape) == 1 else None),
                "Your db has shape (1, n_out), but this bias had shape (n_out,): give db back "
                "in the shape the bias had.",
                "keepdims",
            ),
            Mistake(
                _bias_but(lambda dZ, shape: dZ.sum(0) if shape == () else None),
                "For a scalar bias your db is a vector: one number was copied to every entry "
                "of z, so its gradient is one number too.",
                "scalar_not_summed",
            ),
        ),
    ),
}
