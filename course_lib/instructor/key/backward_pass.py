"""The answer key of 04_backward_pass: the reference of each graded function (built on
course_lib), the public cases' inputs and the known mistakes, as runnable code. Only the
instructor's side has it: the learner edition gets the public cases and the mistakes'
answers on them as data (``course-lib build`` writes them), never this module.
"""

from __future__ import annotations

import numpy as np

from ... import nn
from .common import Answer, Case, Mistake, linear, seeded
from .forward_pass import LECTURE_B1, LECTURE_B2, LECTURE_W1, LECTURE_W2, LECTURE_X

# In this notebook a weight matrix has one row per output neuron, W: (n_out, n_in), the way
# PyTorch stores it: z = a @ W.T + b. (The lecture, and notebook 03, use W: (n_in, n_out).)


def ref_sigmoid_backward(a: np.ndarray, dC_da: np.ndarray) -> np.ndarray:
    layer = nn.Sigmoid()
    layer.a = a  # the layer's kept output: sigma'(z) = a (1 - a)
    return layer.backward(dC_da)


def ref_linear_backward(a: np.ndarray, W: np.ndarray, dC_dz: np.ndarray) -> tuple:
    """(dC/da, dC/dW, dC/db) of z = a @ W.T + b, W: (n_out, n_in), by course_lib's Linear
    (which stores W.T)."""
    layer = linear(W.T, np.zeros(W.shape[0]))
    layer.forward(a)
    dC_da = layer.backward(dC_dz)
    return (dC_da, layer.dW.T.copy(), layer.db.copy())


def _two_layer(W1, b1, W2, b2, output: bool = True) -> nn.Sequential:
    """The network of 4.3, y = sigma(sigma(x @ W1.T + b1) @ W2.T + b2), W: (n_out, n_in);
    without its output sigmoid when ``output`` is False."""
    layers = [linear(W1.T, b1), nn.Sigmoid(), linear(W2.T, b2)]
    return nn.Sequential(*layers, *([nn.Sigmoid()] if output else []))


def _grads(net: nn.Sequential, dC_dy: np.ndarray) -> tuple:
    """(dW1, db1, dW2, db2) in the notebook's layout, after a forward pass of ``net``."""
    net.backward(dC_dy)
    dW1, db1, dW2, db2 = (grad for _, _, grad in net.parameters())
    return (dW1.T.copy(), db1.copy(), dW2.T.copy(), db2.copy())


def ref_backprop(x, t, W1, b1, W2, b2) -> tuple:
    """Every gradient by course_lib's backward pass (itself checked against finite
    differences in tests/test_nn.py); also what a timed case is measured against."""
    net, loss = _two_layer(W1, b1, W2, b2), nn.MSELoss()
    loss.forward(net.forward(x), t)
    return _grads(net, loss.backward())


def _backprop_without(
    x, t, W1, b1, W2, b2, hidden: bool = True, output: bool = True, scale: float = 1.0
) -> tuple:
    """backprop's gradients with the hidden or the output amplifier sigma' left out, or
    dC/dy scaled: what the usual mistakes give (built from course_lib's layers)."""
    net, loss = _two_layer(W1, b1, W2, b2), nn.MSELoss()
    loss.forward(net.forward(x), t)
    if not output:
        net.layers[3] = _Identity()
    if not hidden:
        net.layers[1] = _Identity()
    return _grads(net, scale * loss.backward())


class _Identity:
    """A layer that passes the gradient back unchanged (an amplifier forgotten)."""

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad

    def parameters(self) -> list:
        return []


def _linear_output(x, t, W1, b1, W2, b2) -> tuple:
    """The gradients of the network without its output sigmoid (a linear output)."""
    net, loss = _two_layer(W1, b1, W2, b2, output=False), nn.MSELoss()
    loss.forward(net.forward(x), t)
    return _grads(net, loss.backward())


def _layout_of_notebook_03(x, t, W1, b1, W2, b2) -> tuple:
    """What weights read as (n_in, n_out), z = a W + b, give: the gradients of the network
    whose weights are these transposed, each gradient transposed back (square layers only)."""
    dW1, db1, dW2, db2 = ref_backprop(x, t, W1.T, b1, W2.T, b2)
    return dW1.T, db1, dW2.T, db2


def grad_case(seed: int, n: int, d: int) -> tuple:
    rng = seeded(seed)
    a = nn.Sigmoid().sigma(rng.standard_normal((n, d)))
    return (a, rng.standard_normal((n, d)))


def linear_back_case(seed: int, n: int, n_in: int, n_out: int) -> tuple:
    """(a: (n, n_in), W: (n_out, n_in), dC_dz: (n, n_out))."""
    rng = seeded(seed)
    return (
        rng.standard_normal((n, n_in)),
        rng.standard_normal((n_out, n_in)),
        rng.standard_normal((n, n_out)),
    )


def backprop_case(seed: int, n: int, sizes: tuple[int, int, int]) -> tuple:
    """(x: (n, d), t: (n, k) in [0, 1], W1: (h, d), b1, W2: (k, h), b2)."""
    rng = seeded(seed)
    d, h, k = sizes
    return (
        rng.standard_normal((n, d)),
        rng.uniform(0.0, 1.0, (n, k)),
        rng.standard_normal((h, d)),
        0.1 * rng.standard_normal(h),
        rng.standard_normal((k, h)),
        0.1 * rng.standard_normal(k),
    )


def lecture_backprop_case() -> tuple:
    """The lecture's 2-2-2 network, in this notebook's layout (W transposed), target (0, 1)."""
    return (
        LECTURE_X,
        np.array([[0.0, 1.0]]),
        LECTURE_W1.T.copy(),
        LECTURE_B1,
        LECTURE_W2.T.copy(),
        LECTURE_B2,
    )


def _sigmoid_net(weights: list, biases: list) -> nn.Sequential:
    """A sigmoid network of any depth from weights stored by row, W_[l]: (n_l, n_(l-1))."""
    layers: list = []
    for W, b in zip(weights, biases, strict=True):
        layers += [linear(W.T, b), nn.Sigmoid()]
    return nn.Sequential(*layers)


def _deep_grads(x, t, weights, biases, skip_hidden: bool = False, scale: float = 1.0) -> tuple:
    """(dWs, dbs) of the mean squared-error loss of a sigmoid network, by course_lib's
    backward pass; with the hidden layers' amplifiers sigma' left out, or dL/dy scaled: what
    the usual mistakes give."""
    net, loss = _sigmoid_net(weights, biases), nn.MSELoss()
    loss.forward(net.forward(x), t)
    if skip_hidden:
        for i in range(1, len(net.layers) - 1, 2):
            net.layers[i] = _Identity()
    net.backward(scale * loss.backward())
    grads = [grad for _, _, grad in net.parameters()]
    return ([g.T.copy() for g in grads[0::2]], [g.copy() for g in grads[1::2]])


def ref_backprop_deep(x, t, weights, biases) -> tuple:
    """(dWs, dbs): every gradient of the mean squared-error loss of a sigmoid network of any
    depth, W stored by row, by course_lib's backward pass."""
    return _deep_grads(x, t, weights, biases)


def deep_case(seed: int, n: int, sizes: tuple[int, ...]) -> tuple:
    """(x: (n, sizes[0]), t: (n, sizes[-1]) in [0, 1], weights, biases), W_[l]: (n_l, n_(l-1))
    scaled by 1 / sqrt(n_(l-1)) so that the sigmoids are not saturated."""
    rng = seeded(seed)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in pairs]
    biases = [0.1 * rng.standard_normal(o) for o in sizes[1:]]
    return (
        rng.standard_normal((n, sizes[0])),
        rng.uniform(0.0, 1.0, (n, sizes[-1])),
        weights,
        biases,
    )


LECTURE_W3 = np.array([[3.0, -1.0], [-1.0, 4.0]])  # the lecture's third layer (notebook 04, §2)


LECTURE_B3 = np.array([-2.0, 2.0])


def lecture_deep_case() -> tuple:
    """The lecture's 2-2-2-2 network (notebook 04, section 2), W stored by row, target (0, 1)."""
    weights = [W.T.copy() for W in (LECTURE_W1, LECTURE_W2, LECTURE_W3)]
    return (LECTURE_X, np.array([[0.0, 1.0]]), weights, [LECTURE_B1, LECTURE_B2, LECTURE_B3])


ANSWERS: dict[str, Answer] = {
    "sigmoid_backward": Answer(
        reference=ref_sigmoid_backward,
        public=(Case("a batch of 3 examples, 4 units", lambda: grad_case(8, 3, 4)),),
        mistakes=(
            Mistake(
                lambda a, dC_da: dC_da,
                "You returned dC/da unchanged: on its way back, the gradient also goes "
                "through the sigmoid's amplifier sigma'(z).",
                "missing_sigma_prime",
            ),
            Mistake(
                lambda a, dC_da: nn.Sigmoid().sigma(a) * (1 - nn.Sigmoid().sigma(a)) * dC_da,
                "You applied the sigmoid to a: a is already the sigmoid's output sigma(z), "
                "so sigma is applied twice.",
                "sigma_twice",
            ),
        ),
    ),
    "linear_backward": Answer(
        reference=ref_linear_backward,
        public=(
            Case(
                "a batch of 5, 3 inputs, 2 outputs: W is (2, 3), by row",
                lambda: linear_back_case(10, 5, 3, 2),
            ),
            Case(
                "a batch of 4, 2 inputs, 6 outputs: W is (6, 2), by row",
                lambda: linear_back_case(9, 4, 2, 6),
            ),
        ),
        mistakes=(
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1].T, r[2]))(ref_linear_backward(a, W, dz)),
                "dC_dW is transposed: it must have the shape of W, (n_out, n_in), one row per "
                "output neuron.",
                "transposed_dW",
            ),
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1], r[2] / len(a)))(
                    ref_linear_backward(a, W, dz)
                ),
                "dC_db is an average over the batch: each example's contribution to the "
                "gradient adds up, as in dC_dW.",
                "mean_for_db",
            ),
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1], dz.sum(axis=1)))(
                    ref_linear_backward(a, W, dz)
                ),
                "dC_db is summed over the wrong axis: it has one entry per example, it needs "
                "one per output neuron.",
                "wrong_sum_axis",
            ),
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1], r[2][None, :]))(
                    ref_linear_backward(a, W, dz)
                ),
                "dC_db has shape (1, n_out), with an axis kept for the batch: b is a vector "
                "of shape (n_out,).",
                "keepdims",
            ),
        ),
    ),
    "backprop": Answer(
        speed_reference=ref_backprop,
        reference=ref_backprop,
        public=(
            Case(
                "the lecture's 2-2-2 network, target (0, 1), weights by row", lecture_backprop_case
            ),
            Case(
                "a 3-4-2 network on 5 examples: W1 is (4, 3), by row",
                lambda: backprop_case(11, 5, (3, 4, 2)),
            ),
            Case(
                "a 4-3-1 network (one output) on 6 examples: W2 is (1, 3), by row",
                lambda: backprop_case(12, 6, (4, 3, 1)),
            ),
        ),
        mistakes=(
            Mistake(
                lambda *args: _backprop_without(*args, hidden=False),
                "dW2 and db2 are right but dW1 and db1 are not: on its way back from a_[1] to "
                "z_[1] the gradient skips the hidden layer's amplifier sigma'(z_[1]) (case 2).",
                "missing_hidden_sigma_prime",
            ),
            Mistake(
                lambda *args: _backprop_without(*args, output=False),
                "Every gradient is off, from the output layer on: the gradient skips the "
                "output sigmoid's amplifier sigma'(z_[2]) (case 1): this network's output is "
                "y = sigma(z_[2]), not z_[2].",
                "output_treated_as_linear",
            ),
            Mistake(
                _layout_of_notebook_03,
                "Your gradients are those of weights stored as in notebook 03, (n_in, n_out), "
                "with z = a W + b. Here W is stored by row, (n_out, n_in), as in 4.2 (the square "
                "2-2-2 case hides this; the others fail on the shapes).",
                "layout_of_notebook_03",
            ),
            Mistake(
                _linear_output,
                "Your forward pass has no sigmoid on the output: this network's output is "
                "y = sigma(z_[2]), as in the lecture.",
                "no_output_sigmoid",
            ),
            Mistake(
                lambda x, *rest: _backprop_without(x, *rest, scale=float(len(x))),
                "Every gradient is N times too large (N the batch size): the loss L is the "
                "mean of the costs C^n over the batch.",
                "missing_1_over_N",
            ),
        ),
    ),
    "backprop_deep": Answer(
        speed_reference=ref_backprop_deep,
        reference=ref_backprop_deep,
        public=(
            Case("the lecture's 2-2-2-2 network, target (0, 1), weights by row", lecture_deep_case),
            Case(
                "a 3-5-4-2 network on 5 examples: W_[1] is (5, 3), by row",
                lambda: deep_case(31, 5, (3, 5, 4, 2)),
            ),
        ),
        mistakes=(
            Mistake(
                lambda *args: _deep_grads(*args, skip_hidden=True),
                "The output layer's gradients are right, every other layer's are not: on its "
                "way back through a hidden layer, the gradient skips that layer's amplifier "
                "sigma'(z_[l]) (case 2).",
                "missing_hidden_sigma_prime",
            ),
            Mistake(
                lambda x, *rest: _deep_grads(x, *rest, scale=float(len(x))),
                "Every gradient is N times too large (N the batch size): the loss L is the "
                "mean of the costs C^n over the batch.",
                "missing_1_over_N",
            ),
            Mistake(
                lambda *args: tuple(g[::-1] for g in ref_backprop_deep(*args)),
                "Your lists are in backward order, the output layer first: dWs[0] must be the "
                "gradient of weights[0], the first layer's, as the lists you were given.",
                "reversed_lists",
            ),
            Mistake(
                lambda *args: tuple(g[1:] for g in ref_backprop_deep(*args)),
                "Your lists have one layer too few: the loop stops before the first layer "
                "(layer 1, whose input is x).",
                "first_layer_left_out",
            ),
        ),
    ),
}
