"""The hidden cases of the exercises, drawn from the instructor's secret.

The grader runs each exercise on its public cases (the ones the notebooks show, in the
modules beside this one) and then on the hidden cases here. The course is public, so a hidden case
cannot come from a fixed seed: anybody could compute its inputs. A hidden case is a *kind*
of input (its label, e.g. "one example only (N = 1)") and a recipe that draws the numbers from a
random generator, which the grader seeds from the instructor's secret, the exercise's
grade_id and the case's position (:func:`generator`). Reading this file tells which kinds
of case exist, never their numbers. Expected answers still come from each exercise's
``reference``, so any secret works, and the same secret always gives the same inputs. Each
case has its own generator, so adding a case at the end changes no other case's inputs.

A number that *is* the kind stays fixed (``s = 0``), and so do sizes that a label states.
Edge cases keep their point for every secret: very large logits overflow a naive
``np.exp``, saturated units stay saturated, a single example stays single.

Only the grader imports this module: the learner edition of the course ships without it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .backward_pass import backprop_case, deep_case, grad_case, linear_back_case
from .chain_rule import graph_case, random_graph, ref_backward, ref_forward, tiny_mlp_case
from .digit_classification import classifier_case, logits_case
from .forward_pass import bias_case, layer_case, net_case
from .gradient_descent import bowl_case, momentum_case, regression_case, step_case, wavy_case


@dataclass(frozen=True)
class HiddenCase:
    """One kind of input: ``make(rng)`` builds the positional arguments of one call."""

    label: str
    make: Callable[[np.random.Generator], tuple]
    timed: bool = False  # the call must be about as fast as the exercise's speed reference


def seed_for(secret: str, grade_id: str, index: int) -> int:
    """A 64-bit seed from sha256 of the secret, the grade_id and the case's index.

    The three are hashed as a JSON list, which quotes and escapes each part: no two
    different triples give the same text, whatever characters the secret holds.
    """
    text = json.dumps([secret, grade_id, index])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def generator(secret: str, grade_id: str, index: int) -> np.random.Generator:
    """The random generator of hidden case ``index`` of exercise ``grade_id``."""
    return np.random.default_rng(seed_for(secret, grade_id, index))


# ----- drawing the numbers -----


def _seed(rng: np.random.Generator) -> int:
    """A seed for one of the public case builders of the answer key."""
    return int(rng.integers(2**31))


def _input_value(rng: np.random.Generator) -> float:
    """The value of an input node, drawn as :func:`.chain_rule.random_graph` draws them."""
    return round(float(rng.uniform(-1.5, 1.5)), 3)


GRAPH_LIMIT = 100.0  # the largest |value| or |gradient| in a hidden random graph


def _graph(rng: np.random.Generator, n_inputs: int, n_ops: int) -> list:
    """A random graph whose values and gradients all lie within +-GRAPH_LIMIT.

    About one random graph of 30 nodes in four goes beyond (an exp of an exp of a
    product...), one in twenty overflows: those are drawn again. Within the limit, no
    correct way of computing exp or sigmoid overflows, and rounding stays far below the
    tolerance.
    """
    while True:  # accepts at least 3 draws in 4
        graph = random_graph(_seed(rng), n_inputs, n_ops)
        try:
            values = ref_forward(graph)
            grads = ref_backward(graph, values)
        except OverflowError:
            continue
        if all(abs(v) <= GRAPH_LIMIT for v in values + grads):  # (False for NaN)
            return graph


def _same_number_twice(rng: np.random.Generator) -> tuple:
    """("*", a, a): a product of a number with itself."""
    a = float(rng.uniform(-2.5, 2.5))
    return ("*", a, a)


def _pair(rng: np.random.Generator) -> tuple[float, float]:
    """Two different inputs of a gate, x and y, each between -3 and 3."""
    x, y = (float(v) for v in rng.uniform(-3.0, 3.0, 2))
    return (x, y)


def _close_max(rng: np.random.Generator) -> tuple:
    """("max", x, y, g) with |x - y| between 0.001 and 0.01, either one the larger."""
    x = float(rng.uniform(-2.0, 2.0))
    y = x + float(rng.choice([-1.0, 1.0]) * rng.uniform(0.001, 0.01))
    return ("max", x, y, float(rng.uniform(0.5, 2.0)))


def _tied_max(rng: np.random.Generator) -> tuple:
    """("max", a, a, g): a tie, whose gradient goes all to x."""
    a = float(rng.uniform(-2.0, 2.0))
    return ("max", a, a, float(rng.uniform(0.5, 2.0)))


def _strongly_negative_neuron(rng: np.random.Generator) -> tuple:
    """One input, with z = w x + b between -83 and -49: sigma(z) is below 1e-21."""
    return (rng.uniform(2.5, 3.5, 1), rng.uniform(-22.0, -18.0, 1), float(rng.uniform(-6.0, -4.0)))


def _saturated(rng: np.random.Generator) -> tuple:
    """Three units of one example: a within 1e-8 of 0, a in between, a within 1e-8 of 1."""
    tiny = 10.0 ** -rng.uniform(8.0, 10.0, 2)
    a = np.array([[tiny[0], rng.uniform(0.2, 0.8), 1.0 - tiny[1]]])
    return (a, rng.uniform(-3.0, 3.0, (1, 3)))


def _large_backprop(rng: np.random.Generator) -> tuple:
    """A 256-64-10 network (17,098 parameters) on 32 examples: (x, t, W1, b1, W2, b2),
    each W of shape (n_out, n_in) as in notebook 04.

    Its weights are scaled by 1 / sqrt(n_in), as in the forward pass's networks, so that
    the sigmoids are not all saturated.
    """
    x, (W1, W2), (b1, b2) = net_case(_seed(rng), [256, 64, 10], 32)
    return (x, rng.uniform(0.0, 1.0, (32, 10)), W1.T.copy(), b1, W2.T.copy(), b2)


EXP_OVERFLOW = float(np.log(np.finfo(np.float64).max))  # 709.78: np.exp overflows above it


def _large_logits(rng: np.random.Generator) -> tuple:
    """(z: (10, 4), t) for 4 examples and 10 classes, logits in the hundreds, at least one of
    them above EXP_OVERFLOW, so that a softmax without the max subtracted overflows."""
    while True:  # accepts about 24 draws in 25
        z, t = logits_case(_seed(rng), 4, 10, 500.0)
        if z.max() > EXP_OVERFLOW:
            return (z, t)


def _wide_classifier(rng: np.random.Generator) -> tuple:
    """A 256-512-10 network (the widest hidden layer 5.5 allows) on 16 images of random
    pixels in [0, 1]: (x, t, W1, b1, W2, b2), W: (n_in, n_out) as in notebook 05."""
    x, t = rng.uniform(0.0, 1.0, (16, 256)), rng.integers(0, 10, 16)
    return classifier_case(_seed(rng), 16, (256, 512, 10), x, t)


# ----- the hidden cases, by grade_id -----

HIDDEN: dict[str, tuple[HiddenCase, ...]] = {
    # 01 gradient descent
    "numerical_gradient": (
        HiddenCase("a quadratic bowl in 6 dimensions", lambda rng: bowl_case(_seed(rng), 6)),
        HiddenCase("a curved function of a single parameter", lambda rng: wavy_case(_seed(rng), 1)),
    ),
    "gradient_descent_step": (
        HiddenCase(
            "ten parameters, a small eta (0.005 to 0.02)",
            lambda rng: step_case(_seed(rng), 10, float(rng.uniform(0.005, 0.02))),
        ),
        HiddenCase(
            "one parameter, a large eta (2 to 3)",
            lambda rng: step_case(_seed(rng), 1, float(rng.uniform(2.0, 3.0))),
        ),
    ),
    "total_loss_and_gradient": (
        HiddenCase("fifty examples", lambda rng: regression_case(_seed(rng), 50)),
        HiddenCase("one example only (N = 1)", lambda rng: regression_case(_seed(rng), 1)),
    ),
    "momentum_step": (
        HiddenCase(
            "ten parameters, a small eta (0.005 to 0.02), mu = 0.99",
            lambda rng: momentum_case(_seed(rng), 10, float(rng.uniform(0.005, 0.02)), 0.99),
        ),
        HiddenCase(
            "mu = 0: plain gradient descent",
            lambda rng: momentum_case(_seed(rng), 4, float(rng.uniform(0.05, 0.5)), 0.0),
        ),
        HiddenCase(
            "one parameter, mu between 0.5 and 0.95",
            lambda rng: momentum_case(_seed(rng), 1, 0.1, float(rng.uniform(0.5, 0.95))),
        ),
    ),
    # 02 chain rule
    "local_derivatives": (
        HiddenCase("a * a with the same number twice", _same_number_twice),
        HiddenCase(
            "sigmoid of a large negative number",
            lambda rng: ("sigmoid", float(rng.uniform(-40.0, -20.0)), None),
        ),
        HiddenCase(
            "tanh of a negative number", lambda rng: ("tanh", float(rng.uniform(-2.5, -0.5)), None)
        ),
        HiddenCase(
            "exp of a negative number", lambda rng: ("exp", float(rng.uniform(-3.0, -1.0)), None)
        ),
    ),
    "chain_rule_case2": (
        HiddenCase("s = 0", lambda rng: (0.0,)),  # zero is the kind: the same for every secret
        HiddenCase("s between 2 and 3", lambda rng: (float(rng.uniform(2.0, 3.0)),)),
    ),
    "gate_backward": (
        HiddenCase(
            "a multiply gate fed a negative upstream gradient",
            lambda rng: ("*", *_pair(rng), float(rng.uniform(-2.0, -0.5))),
        ),
        HiddenCase(
            "an add gate fed a negative upstream gradient",
            lambda rng: ("+", *_pair(rng), float(rng.uniform(-2.0, -0.5))),
        ),
        HiddenCase("a max gate whose inputs differ by under 0.01", _close_max),
        HiddenCase("a max gate whose two inputs are equal", _tied_max),
    ),
    "forward": (
        HiddenCase("a random graph of 30 nodes", lambda rng: (_graph(rng, 4, 26),)),
        HiddenCase("a single input node", lambda rng: ([["input", _input_value(rng)]],)),
    ),
    "backward": (
        HiddenCase("a random graph of 30 nodes", lambda rng: graph_case(_graph(rng, 4, 26))),
        HiddenCase("a random graph of 12 nodes", lambda rng: graph_case(_graph(rng, 2, 10))),
        HiddenCase("a single input node", lambda rng: graph_case([["input", _input_value(rng)]])),
    ),
    "train_tiny_mlp": (
        HiddenCase(
            "a 3-4-1 network, 8 examples, 8 steps",
            lambda rng: tiny_mlp_case(_seed(rng), 8, 3, 4, float(rng.uniform(0.1, 0.4)), 8),
        ),
        HiddenCase(
            "one example, one input, 2 hidden units, 3 steps",
            lambda rng: tiny_mlp_case(_seed(rng), 1, 1, 2, 0.5, 3),
        ),
        HiddenCase(
            "no step at all (steps = 0): the gradient and the loss at the start",
            lambda rng: tiny_mlp_case(_seed(rng), 5, 2, 3, 0.5, 0),
        ),
    ),
    # 03 forward pass
    "neuron": (
        HiddenCase(
            "a neuron with 10 inputs",
            lambda rng: (
                rng.standard_normal(10),
                rng.standard_normal(10),
                float(rng.uniform(-1.0, 1.0)),
            ),
        ),
        HiddenCase("a strongly negative z", _strongly_negative_neuron),
    ),
    "layer_forward": (
        HiddenCase(
            "a batch of 7 examples, 4 inputs, 4 outputs",
            lambda rng: layer_case(_seed(rng), 7, 4, 4),
        ),
        HiddenCase("one example, 6 inputs, 2 outputs", lambda rng: layer_case(_seed(rng), 1, 6, 2)),
    ),
    "forward_pass": (
        HiddenCase(
            "a 6-5-4-3 network on 8 examples", lambda rng: net_case(_seed(rng), [6, 5, 4, 3], 8)
        ),
        HiddenCase("a single layer", lambda rng: net_case(_seed(rng), [3, 2], 2)),
    ),
    "bias_backward": (
        HiddenCase(
            "a (n_out,) bias under a batch of one row",
            lambda rng: bias_case(_seed(rng), 1, 5, (5,)),
        ),
        HiddenCase(
            "a (n_out,) bias with as many rows as outputs (6)",
            lambda rng: bias_case(_seed(rng), 6, 6, (6,)),
        ),
        HiddenCase(
            "a (1, n_out) bias under 32 rows and 10 outputs",
            lambda rng: bias_case(_seed(rng), 32, 10, (1, 10)),
        ),
        HiddenCase(
            "a scalar bias under 8 rows and one output",
            lambda rng: bias_case(_seed(rng), 8, 1, ()),
        ),
    ),
    # 04 backward pass
    "sigmoid_backward": (
        HiddenCase("a batch of 10 examples, 7 units", lambda rng: grad_case(_seed(rng), 10, 7)),
        HiddenCase("saturated units (a close to 0 and 1)", _saturated),
    ),
    "linear_backward": (
        HiddenCase(
            "a batch of 16, 8 inputs, 5 outputs",
            lambda rng: linear_back_case(_seed(rng), 16, 8, 5),
        ),
        HiddenCase(
            "a single example, 2 inputs, 6 outputs",
            lambda rng: linear_back_case(_seed(rng), 1, 2, 6),
        ),
    ),
    "backprop": (
        HiddenCase(
            "a 5-7-3 network on 9 examples", lambda rng: backprop_case(_seed(rng), 9, (5, 7, 3))
        ),
        HiddenCase(
            "a 2-3-1 network on one example", lambda rng: backprop_case(_seed(rng), 1, (2, 3, 1))
        ),
        HiddenCase("a 256-64-10 network on a batch of 32", _large_backprop, timed=True),
    ),
    "backprop_deep": (
        HiddenCase(
            "a 5-7-6-4-3 network (four layers) on 9 examples",
            lambda rng: deep_case(_seed(rng), 9, (5, 7, 6, 4, 3)),
        ),
        HiddenCase(
            "a single layer (no hidden layer), 4 inputs, 2 outputs, on 6 examples",
            lambda rng: deep_case(_seed(rng), 6, (4, 2)),
        ),
        HiddenCase(
            "a 2-3-3-1 network (one output) on one example",
            lambda rng: deep_case(_seed(rng), 1, (2, 3, 3, 1)),
        ),
        HiddenCase(
            "a 256-64-32-10 network on a batch of 32",
            lambda rng: deep_case(_seed(rng), 32, (256, 64, 32, 10)),
            timed=True,
        ),
    ),
    # 05 digit classification
    "softmax": (
        HiddenCase("8 examples, 10 classes", lambda rng: logits_case(_seed(rng), 8, 10)[:1]),
        HiddenCase("very large logits (hundreds)", lambda rng: _large_logits(rng)[:1]),
    ),
    "cross_entropy": (
        HiddenCase("16 examples, 10 classes", lambda rng: logits_case(_seed(rng), 16, 10)),
        HiddenCase("very large logits (hundreds)", _large_logits),
    ),
    "cross_entropy_grad": (
        HiddenCase("16 examples, 10 classes", lambda rng: logits_case(_seed(rng), 16, 10)),
        HiddenCase("very large logits (hundreds)", _large_logits),
    ),
    "classifier_gradients": (
        HiddenCase(
            "a 6-8-4 network on 10 examples",
            lambda rng: classifier_case(_seed(rng), 10, (6, 8, 4)),
        ),
        HiddenCase(
            "a 3-5-2 network on one example (N = 1)",
            lambda rng: classifier_case(_seed(rng), 1, (3, 5, 2)),
        ),
        HiddenCase("a 256-512-10 network (a wide hidden layer) on 16 images", _wide_classifier),
    ),
    # train_classifier has none: its public case trains on the whole training set and is
    # judged on the test set; another seed would fail a correct network for about 7% of
    # secrets (seen on 100 seeds) and double the grading time
}


def hidden_cases(grade_id: str) -> tuple[HiddenCase, ...]:
    """The hidden cases of one exercise (none for an unknown grade_id)."""
    return HIDDEN.get(grade_id, ())
