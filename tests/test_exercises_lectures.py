"""Issue 12: the exercises follow the lectures.

- the new exercises' references are right, checked independently of course_lib's layers:
  backprop_deep (4.4) and train_tiny_mlp (2.6) against finite differences, momentum_step
  (1.4) against the update rule written out, and each agrees with the exercise it extends;
- train_tiny_mlp's public cases train (the loss goes down), and forgetting zero_grad shows
  from the third loss on, so a public case tells it apart;
- each new exercise states its time limit, and the exercise notebooks use the course's one
  notation (layer indices in brackets, the target t, no hat) and the right counts.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from exercise_tools import EXERCISES, SOLUTIONS, STEMS

from course_lib.exercises.assignments import find_exercise
from course_lib.gradcheck import numerical_gradient, relative_error
from course_lib.instructor.key.backward_pass import ref_backprop, ref_backprop_deep
from course_lib.instructor.key.chain_rule import tiny_mlp_run
from course_lib.instructor.key.gradient_descent import (
    ref_gradient_descent_step,
    ref_momentum_step,
)

NEW = ("momentum_step", "backprop_deep", "train_tiny_mlp")


def public(gid: str) -> list[tuple]:
    return [case.args for case in find_exercise(gid)[1].public]


def deep_loss(x, t, weights, biases) -> float:
    """L = mean over n of 1/2 ||y^n - t^n||^2 of a sigmoid network, W stored by row."""
    a = x
    for W, b in zip(weights, biases, strict=True):
        a = 1.0 / (1.0 + np.exp(-(a @ W.T + b)))
    return 0.5 * float(np.sum((a - t) ** 2)) / len(x)


@pytest.mark.parametrize("index", [0, 1])
def test_backprop_deep_reference_agrees_with_finite_differences(index):
    x, t, weights, biases = public("backprop_deep")[index]
    dWs, dbs = ref_backprop_deep(x, t, weights, biases)
    assert len(weights) == 3 and [d.shape for d in dWs] == [W.shape for W in weights]
    for params, grads in ((weights, dWs), (biases, dbs)):
        for p, g in zip(params, grads, strict=True):
            numeric = numerical_gradient(lambda: deep_loss(x, t, weights, biases), p)
            assert relative_error(g, numeric) < 1e-6


def test_backprop_deep_on_two_layers_is_backprop():
    x, t, W1, b1, W2, b2 = find_exercise("backprop")[1].public[1].args
    dWs, dbs = ref_backprop_deep(x, t, [W1, W2], [b1, b2])
    for mine, theirs in zip(
        (dWs[0], dbs[0], dWs[1], dbs[1]), ref_backprop(x, t, W1, b1, W2, b2), strict=True
    ):
        assert np.allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_momentum_step_reference_is_the_update_rule():
    for theta, v, grad, eta, mu in public("momentum_step"):
        theta_new, v_new = ref_momentum_step(theta, v, grad, eta, mu)
        assert np.allclose(v_new, mu * v - eta * grad, rtol=1e-14)
        assert np.allclose(theta_new, theta + mu * v - eta * grad, rtol=1e-14)
        plain, _ = ref_momentum_step(theta, np.zeros_like(v), grad, eta, 0.0)
        assert np.allclose(plain, ref_gradient_descent_step(theta, grad, eta), rtol=1e-14)
    (theta, v, *_), _ = public("momentum_step")
    assert np.any(v != 0.0)  # the first public case is moving already: mu matters there


def mlp_loss(W1, b1, W2, b2, xs, ts) -> float:
    y = np.tanh(xs @ W1.T + b1) @ W2 + b2
    return 0.5 * float(np.mean((y - ts) ** 2))


@pytest.mark.parametrize("index", [0, 1])
def test_train_tiny_mlp_reference_gradients_and_training(index):
    W1, b1, W2, b2, xs, ts, eta, steps = public("train_tiny_mlp")[index]
    dW1, db1, dW2, db2, losses = tiny_mlp_run(W1, b1, W2, b2, xs, ts, eta, steps)
    b2_array = np.array([b2])
    for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2_array, np.array([db2]))):
        numeric = numerical_gradient(lambda: mlp_loss(W1, b1, W2, b2_array[0], xs, ts), param)
        assert relative_error(grad, numeric) < 1e-6
    assert losses.shape == (steps + 1,) and np.isclose(losses[0], mlp_loss(W1, b1, W2, b2, xs, ts))
    assert np.all(np.diff(losses) < 0) and losses[-1] < 0.9 * losses[0]  # it trains
    stale = tiny_mlp_run(W1, b1, W2, b2, xs, ts, eta, steps, accumulate=True)[-1]
    assert np.allclose(stale[:2], losses[:2]) and not np.allclose(stale[2:], losses[2:])


@pytest.mark.parametrize("gid", NEW)
def test_each_new_exercise_states_its_time_limit(gid):
    assignment, ex = find_exercise(gid)
    nb = nbformat.read(SOLUTIONS / f"{assignment.stem}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    text = nb.cells[ids.index(ex.answer_id) - 1].source
    assert f"## Exercise {ex.number}:" in text
    assert f"**Time limit:** {ex.call_timeout:g} s" in text


# the styles notebook 00 retired: layer indices as superscripts or bare subscripts, the hat
OLD_NOTATION = re.compile(r"[Wbza]\^\{?\d|[Wbz]_\d|\\hat|\by_n\b|x_n\b|a\^l|W\^l")


@pytest.mark.parametrize("stem", STEMS)
def test_exercise_notebooks_use_the_courses_notation(stem):
    nb = nbformat.read(EXERCISES / f"{stem}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for formula in re.findall(r"\$\$?(.+?)\$\$?", cell.source, re.S):
                assert not OLD_NOTATION.search(formula), (stem, formula)


def test_the_count_of_forward_passes_in_exercise_4_is_right():
    text = "\n".join(
        c.source for c in nbformat.read(EXERCISES / "04_backward_pass.ipynb", as_version=4).cells
    )
    count = 2 * (256 * 64 + 64 + 64 * 10 + 10)
    assert f"= {count:,} forward passes" in text and count == 34_196
