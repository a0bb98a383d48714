"""The hidden cases (course_lib.instructor.key.hidden): their numbers come from the secret only,
every exercise keeps its kinds of case, and any secret gives valid inputs and edge cases."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from course_lib.exercises import codec
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.exercises.inputs import resolve
from course_lib.instructor.key import ANSWERS, hidden
from course_lib.instructor.key.chain_rule import ref_backward, ref_forward
from course_lib.instructor.key.hidden import HIDDEN, generator, hidden_cases, seed_for

# The hidden cases' labels in assignments.py before they moved to hidden.py (commit 577d23f)
BEFORE = {
    "numerical_gradient": (
        "a quadratic bowl in 6 dimensions",
        "a curved function of a single parameter",
    ),
    "gradient_descent_step": ("ten parameters, eta = 0.01", "one parameter, eta = 2.5"),
    "total_loss_and_gradient": ("fifty examples", "a single example"),
    "local_derivatives": (
        "a * a with the same number twice",
        "sigmoid of a large negative number",
        "tanh of a negative number",
        "exp of a negative number",
    ),
    "chain_rule_case2": ("s = 0", "s = 2.3"),
    "forward": ("a random graph of 30 nodes", "a single input node"),
    "backward": ("a random graph of 30 nodes", "a random graph of 12 nodes", "a single input node"),
    "neuron": ("a neuron with 10 inputs", "a strongly negative z"),
    "layer_forward": (
        "a batch of 7 examples, 4 inputs, 4 outputs",
        "one example, 6 inputs, 2 outputs",
    ),
    "forward_pass": ("a 6-5-4-3 network on 8 examples", "a single layer"),
    "sigmoid_backward": ("a batch of 10 examples, 7 units", "saturated units (a close to 0 and 1)"),
    "linear_backward": (
        "a batch of 16, 8 inputs, 5 outputs",
        "a single example, 2 inputs, 6 outputs",
    ),
    "backprop": ("a 5-7-3 network on 9 examples", "a 2-3-1 network on one example"),
    "softmax": ("8 examples, 10 classes", "very large logits (hundreds)"),
    "cross_entropy": ("16 examples, 10 classes", "very large logits (hundreds)"),
    "cross_entropy_grad": ("16 examples, 10 classes", "very large logits (hundreds)"),
}
# labels that named a number which is now drawn
RENAMED = {
    "ten parameters, eta = 0.01": "ten parameters, a small eta (0.005 to 0.02)",
    "one parameter, eta = 2.5": "one parameter, a large eta (2 to 3)",
    "s = 2.3": "s between 2 and 3",
    # a phrase so common that a lecture notebook used it (the release's leak check flagged it)
    "a single example": "one example only (N = 1)",
}
LARGE = "a 256-64-10 network on a batch of 32"
ADDED = {  # cases added with the move, and the exercises added by issue 12 (with theirs)
    "backprop": (LARGE,),
    "momentum_step": (
        "ten parameters, a small eta (0.005 to 0.02), mu = 0.99",
        "mu = 0: plain gradient descent",
        "one parameter, mu between 0.5 and 0.95",
    ),
    "backprop_deep": (
        "a 5-7-6-4-3 network (four layers) on 9 examples",
        "a single layer (no hidden layer), 4 inputs, 2 outputs, on 6 examples",
        "a 2-3-3-1 network (one output) on one example",
        "a 256-64-32-10 network on a batch of 32",
    ),
    "classifier_gradients": (  # issue 23: 5.4, the backward pass of 5.5's classifier
        "a 6-8-4 network on 10 examples",
        "a 3-5-2 network on one example (N = 1)",
        "a 256-512-10 network (a wide hidden layer) on 16 images",
    ),
    "train_tiny_mlp": (
        "a 3-4-1 network, 8 examples, 8 steps",
        "one example, one input, 2 hidden units, 3 steps",
        "no step at all (steps = 0): the gradient and the loss at the start",
    ),
    "gate_backward": (  # issue 24: 2.4, the add, multiply and max gates
        "a multiply gate fed a negative upstream gradient",
        "an add gate fed a negative upstream gradient",
        "a max gate whose inputs differ by under 0.01",
        "a max gate whose two inputs are equal",
    ),
    "bias_backward": (  # issue 24: 3.4, a broadcast forward is a sum backward
        "a (n_out,) bias under a batch of one row",
        "a (n_out,) bias with as many rows as outputs (6)",
        "a (1, n_out) bias under 32 rows and 10 outputs",
        "a scalar bias under 8 rows and one output",
    ),
}
NONE = {"train_classifier"}  # judged on the test set; no hidden case (see hidden.py)
FIXED = {("chain_rule_case2", "s = 0")}  # the number is the kind: the same for every secret
SECRETS = ("", "the instructor's secret", "another secret", 'quotes " \\ and ünïcode \x00')

EXERCISES = {ex.grade_id: ex for a in ASSIGNMENTS.values() for ex in a.exercises}
CASES = [(gid, i) for gid, cases in HIDDEN.items() for i in range(len(cases))]
IDS = [f"{gid}-{i}" for gid, i in CASES]


def args_of(secret: str, grade_id: str, index: int) -> tuple:
    return HIDDEN[grade_id][index].make(generator(secret, grade_id, index))


def finite(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(finite(v) for v in value)
    return bool(np.all(np.isfinite(value)))


def shapes(*arrays: np.ndarray) -> list[tuple[int, ...]]:
    return [a.shape for a in arrays]


# ----- every exercise keeps its kinds of case -----


def test_every_exercise_keeps_its_kinds_of_hidden_case() -> None:
    assert set(HIDDEN) | NONE == set(EXERCISES) == set(BEFORE) | set(ADDED) | NONE
    for gid in HIDDEN:
        labels = [RENAMED.get(label, label) for label in BEFORE.get(gid, ())]
        assert [case.label for case in hidden_cases(gid)] == labels + list(ADDED.get(gid, ())), gid
    assert hidden_cases("no such exercise") == ()


def test_hidden_cases_build_on_the_public_case_builders_only() -> None:
    """hidden.py imports numpy, the standard library and the case builders of the answer
    key; nothing of the learner's side imports it (tests/test_grader_layers.py)."""
    for node in ast.walk(ast.parse(Path(hidden.__file__).read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            names = ["." * node.level + (node.module or "")]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            continue
        for name in names:
            public_builders = (
                ".backward_pass",
                ".chain_rule",
                ".digit_classification",
                ".forward_pass",
                ".gradient_descent",
            )
            ok = name == "numpy" or name in public_builders or name in sys.stdlib_module_names
            assert ok, f"hidden.py imports {name}"


# ----- the numbers come from the secret -----


def test_seed_for_is_stable_and_unambiguous() -> None:
    # pinned: the default (empty) secret gives the same inputs in every release
    assert seed_for("", "softmax", 0) == 14567622333331512867
    seeds = {seed_for("s", gid, i) for gid, i in CASES}
    assert len(seeds) == len(CASES) and all(0 <= s < 2**64 for s in seeds)
    for sep in ("|", "\x00", '", "', ":"):
        assert seed_for(f"a{sep}b", "c", 0) != seed_for("a", f"b{sep}c", 0)
    assert seed_for("a", "b", 1) != seed_for("a", "b", 10)


@pytest.mark.parametrize(("grade_id", "index"), CASES, ids=IDS)
def test_inputs_come_from_the_secret(grade_id: str, index: int) -> None:
    one = codec.dumps(args_of(SECRETS[1], grade_id, index))
    assert codec.dumps(args_of(SECRETS[1], grade_id, index)) == one  # deterministic
    assert codec.dumps(args_of("", grade_id, index)) == codec.dumps(args_of("", grade_id, index))
    differs = codec.dumps(args_of(SECRETS[2], grade_id, index)) != one
    assert differs == ((grade_id, HIDDEN[grade_id][index].label) not in FIXED)


# ----- any secret works -----


@pytest.mark.parametrize(("grade_id", "index"), CASES, ids=IDS)
def test_any_secret_gives_inputs_the_reference_can_answer(grade_id: str, index: int) -> None:
    reference = ANSWERS[grade_id].reference
    for secret in SECRETS:
        args = codec.loads(codec.dumps(args_of(secret, grade_id, index)))  # as sent to a learner
        if reference is None:  # a custom rule judges the answer: the inputs must resolve
            resolve(args)
            continue
        if HIDDEN[grade_id][index].label == LARGE:
            continue  # its reference takes a second: in the test below
        assert finite(reference(*resolve(args))), (secret, grade_id, index)


def exact_backprop(x, t, W1, b1, W2, b2) -> tuple:
    """The gradient of 4.3's network (a sigmoid output, W: (n_out, n_in)), written out in
    numpy here: what a correct answer returns, independently of the reference."""
    n = x.shape[0]
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))
    y = 1.0 / (1.0 + np.exp(-(a1 @ W2.T + b2)))
    dz2 = y * (1.0 - y) * (y - t) / n
    dz1 = a1 * (1.0 - a1) * (dz2 @ W2)
    return (dz1.T @ x, dz1.sum(axis=0), dz2.T @ a1, dz2.sum(axis=0))


def test_a_correct_backprop_passes_every_hidden_case() -> None:
    """A correct backprop, written independently of the reference, is within tolerance."""
    ex = EXERCISES["backprop"]
    for index, case in enumerate(HIDDEN["backprop"]):
        for secret in SECRETS[1:2] if case.label == LARGE else SECRETS:
            args = resolve(args_of(secret, "backprop", index))
            expected, got = ANSWERS["backprop"].reference(*args), exact_backprop(*args)
            for e, g in zip(expected, got, strict=True):
                assert np.allclose(g, e, rtol=ex.rtol, atol=ex.atol), (case.label, secret)


# ----- each case keeps its point for any secret -----

LOG_MAX = np.log(np.finfo(np.float64).max)  # np.exp overflows above it


def in_graph_limit(graph: list) -> bool:
    values = ref_forward(graph)
    return all(abs(v) <= hidden.GRAPH_LIMIT for v in values + ref_backward(graph, values))


def large_logits(z: np.ndarray, *_: Any) -> bool:
    return z.shape == (10, 4) and np.abs(z).max() >= 100 and z.max() > LOG_MAX


def logits(n: int) -> Callable[..., bool]:
    """(K, N) logits, one example per column (notebook 05's layout)."""
    return lambda z, t=None: z.shape == (10, n) and (t is None or set(t) <= set(range(10)))


POINTS: dict[tuple[str, int], Callable[..., bool]] = {
    ("numerical_gradient", 0): lambda f, theta: f.name == "bowl" and theta.shape == (6,),
    ("numerical_gradient", 1): lambda f, theta: f.name == "wavy" and theta.shape == (1,),
    ("gradient_descent_step", 0): lambda th, g, eta: th.shape == (10,) and 0.005 <= eta <= 0.02,
    ("gradient_descent_step", 1): lambda th, g, eta: th.shape == (1,) and 2 <= eta <= 3,
    ("total_loss_and_gradient", 0): lambda w, b, x, y: x.shape == y.shape == (50,),
    ("total_loss_and_gradient", 1): lambda w, b, x, y: x.shape == y.shape == (1,),
    ("local_derivatives", 0): lambda op, a, b: op == "*" and a == b,
    ("local_derivatives", 1): lambda op, a, b: op == "sigmoid" and -40 <= a <= -20 and b is None,
    ("local_derivatives", 2): lambda op, a, b: op == "tanh" and a < 0 and b is None,
    ("local_derivatives", 3): lambda op, a, b: op == "exp" and a < 0 and b is None,
    ("chain_rule_case2", 0): lambda s: s == 0,
    ("chain_rule_case2", 1): lambda s: 2 <= s <= 3,
    ("forward", 0): lambda graph: len(graph) == 30 and in_graph_limit(graph),
    ("forward", 1): lambda graph: len(graph) == 1 and graph[0][0] == "input",
    ("backward", 0): lambda graph, values: len(graph) == 30 and in_graph_limit(graph),
    ("backward", 1): lambda graph, values: len(graph) == 12 and in_graph_limit(graph),
    ("backward", 2): lambda graph, values: len(graph) == 1 and graph[0][0] == "input",
    ("neuron", 0): lambda x, w, b: x.shape == w.shape == (10,),
    ("neuron", 1): lambda x, w, b: x.shape == (1,) and float(w @ x + b) <= -40,
    ("layer_forward", 0): lambda *arrays: shapes(*arrays) == [(7, 4), (4, 4), (4,)],
    ("layer_forward", 1): lambda *arrays: shapes(*arrays) == [(1, 6), (6, 2), (2,)],
    ("forward_pass", 0): lambda x, ws, bs: (
        x.shape == (8, 6) and shapes(*ws) == [(6, 5), (5, 4), (4, 3)]
    ),
    ("forward_pass", 1): lambda x, ws, bs: shapes(*ws) == [(3, 2)],
    ("sigmoid_backward", 0): lambda a, d: a.shape == d.shape == (10, 7),
    ("sigmoid_backward", 1): lambda a, d: (
        a.shape == d.shape == (1, 3) and a[0, 0] <= 1e-8 and a[0, 2] >= 1 - 1e-8
    ),
    # notebook 04 stores W by row: (n_out, n_in)
    ("linear_backward", 0): lambda *arrays: shapes(*arrays) == [(16, 8), (5, 8), (16, 5)],
    ("linear_backward", 1): lambda *arrays: shapes(*arrays) == [(1, 2), (6, 2), (1, 6)],
    ("backprop", 0): lambda *arrays: (
        shapes(*arrays) == [(9, 5), (9, 3), (7, 5), (7,), (3, 7), (3,)]
    ),
    ("backprop", 1): lambda *arrays: (
        shapes(*arrays) == [(1, 2), (1, 1), (3, 2), (3,), (1, 3), (1,)]
    ),
    ("backprop", 2): lambda *arrays: (
        shapes(*arrays) == [(32, 256), (32, 10), (64, 256), (64,), (10, 64), (10,)]
    ),
    ("momentum_step", 0): lambda th, v, g, eta, mu: (
        th.shape == v.shape == g.shape == (10,)
        and 0.005 <= eta <= 0.02
        and mu == 0.99
        and np.all(v != 0)
    ),
    ("momentum_step", 1): lambda th, v, g, eta, mu: mu == 0 and np.all(v != 0),
    ("momentum_step", 2): lambda th, v, g, eta, mu: th.shape == (1,) and 0.5 <= mu <= 0.95,
    ("backprop_deep", 0): lambda x, t, ws, bs: (
        x.shape == (9, 5)
        and t.shape == (9, 3)
        and shapes(*ws) == [(7, 5), (6, 7), (4, 6), (3, 4)]
        and shapes(*bs) == [(7,), (6,), (4,), (3,)]
    ),
    ("backprop_deep", 1): lambda x, t, ws, bs: x.shape == (6, 4) and shapes(*ws) == [(2, 4)],
    ("backprop_deep", 2): lambda x, t, ws, bs: (
        x.shape == (1, 2) and t.shape == (1, 1) and shapes(*ws) == [(3, 2), (3, 3), (1, 3)]
    ),
    ("backprop_deep", 3): lambda x, t, ws, bs: (
        x.shape == (32, 256) and shapes(*ws) == [(64, 256), (32, 64), (10, 32)]
    ),
    ("train_tiny_mlp", 0): lambda W1, b1, W2, b2, xs, ts, eta, steps: (
        W1.shape == (4, 3)
        and xs.shape == (8, 3)
        and ts.shape == (8,)
        and steps == 8
        and 0.1 <= eta <= 0.4
    ),
    ("train_tiny_mlp", 1): lambda W1, b1, W2, b2, xs, ts, eta, steps: (
        W1.shape == (2, 1) and xs.shape == (1, 1) and steps == 3
    ),
    ("train_tiny_mlp", 2): lambda W1, b1, W2, b2, xs, ts, eta, steps: steps == 0,
    ("gate_backward", 0): lambda op, x, y, g: op == "*" and x != y and g < 0,
    ("gate_backward", 1): lambda op, x, y, g: op == "+" and x != y and g < 0,
    ("gate_backward", 2): lambda op, x, y, g: op == "max" and 0.001 <= abs(x - y) <= 0.01,
    ("gate_backward", 3): lambda op, x, y, g: op == "max" and x == y and g > 0,
    ("bias_backward", 0): lambda dZ, shape: dZ.shape == (1, 5) and shape == (5,),
    ("bias_backward", 1): lambda dZ, shape: dZ.shape == (6, 6) and shape == (6,),
    ("bias_backward", 2): lambda dZ, shape: dZ.shape == (32, 10) and shape == (1, 10),
    ("bias_backward", 3): lambda dZ, shape: dZ.shape == (8, 1) and shape == (),
    ("softmax", 0): logits(8),
    ("softmax", 1): large_logits,
    ("cross_entropy", 0): logits(16),
    ("cross_entropy", 1): large_logits,
    ("cross_entropy_grad", 0): logits(16),
    ("cross_entropy_grad", 1): large_logits,
    ("classifier_gradients", 0): lambda x, t, W1, b1, W2, b2: (
        x.shape == (10, 6) and t.shape == (10,) and W1.shape == (6, 8) and W2.shape == (8, 4)
    ),
    ("classifier_gradients", 1): lambda x, t, W1, b1, W2, b2: (
        x.shape == (1, 3) and t.shape == (1,) and W1.shape == (3, 5) and W2.shape == (5, 2)
    ),
    ("classifier_gradients", 2): lambda x, t, W1, b1, W2, b2: (
        x.shape == (16, 256)
        and W1.shape == (256, 512)
        and W2.shape == (512, 10)
        and 0.0 <= x.min() <= x.max() <= 1.0
    ),
}


def test_every_hidden_case_keeps_its_point_for_any_secret() -> None:
    assert set(POINTS) == set(CASES)
    for k in range(40):
        secret = f"secret number {k}"
        for gid, index in CASES:
            args = args_of(secret, gid, index)
            assert POINTS[gid, index](*args), (secret, HIDDEN[gid][index].label)
