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


def ref_neuron(x: np.ndarray, w: np.ndarray, b: float) -> float:
    a = _sigmoid_layer(w.reshape(-1, 1), np.array([b])).forward(x.reshape(1, -1))
    return float(a[0, 0])


def ref_layer_forward(a: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple:
    layer = linear(W, b)
    z = layer.forward(a)
    return (z, nn.Sigmoid().forward(z))


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
                lambda x, w, b: float(np.dot(w, x) + b),
                "You returned z, the value before the activation.",
                "returned_z",
            ),
        ),
    ),
    "layer_forward": Answer(
        reference=ref_layer_forward,
        public=(
            Case("the lecture's first layer", lambda: (LECTURE_X, LECTURE_W1, LECTURE_B1)),
            Case("a batch of 4 examples, 3 inputs, 5 outputs", lambda: layer_case(6, 4, 3, 5)),
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
            Case("a 3-4-2 network on 5 examples", lambda: net_case(7, [3, 4, 2], 5)),
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
}
