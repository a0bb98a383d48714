"""Issue 10: the answer key is the instructor's.

Through the public command (`course-lib grade`, in the sandbox):
- a graded function that calls the reference implementation where it is the answer scores
  0, whatever name it reaches it by (an alias, getattr, importlib), and feedback.md names
  the call; so does a backprop computed by finite differences (too slow on the big hidden
  case) and a classifier trained with course_lib's own layers and training loop;
- every solution notebook still gets full marks, under two different secrets;
- the hidden cases' inputs come from the secret: two secrets, two sets of inputs;
- (issue 11) a mistake in 4.2 costs 4.2 only: backprop is graded with the reference
  linear_backward in place of the learner's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from exercise_tools import (
    SOLUTIONS,
    STEMS,
    answer_body,
    answers,
    grade_class,
    grade_id,
    with_sources,
)

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.exercises.codec import dumps
from course_lib.instructor.grading.batch import grade as grade_here
from course_lib.instructor.grading.trials import prepare

FULL_04 = {ex.grade_id: ex.points for ex in ASSIGNMENTS["04_backward_pass"].exercises}


body = answer_body  # the solution's answer cell of a function, its body replaced


def notebook(stem: str, path: Path, answers: dict[str, str]) -> Path:
    """The solution notebook with the answer cells in ``answers`` replaced."""
    return with_sources(SOLUTIONS / f"{stem}.ipynb", path, answers)


def grade(stem: str, subs: Path, out: Path, *extra: str, secret: str = "s3cret") -> dict:
    return grade_class(stem, subs, out, *extra, secret=secret)[0]


SIGMOID_ALIAS = """
    from course_lib.nn import Sigmoid as S  # an alias
    s = S()
    s.forward(np.log(a / (1.0 - a)))
    return s.backward(dC_da)
"""
LINEAR_GETATTR = """
    import importlib
    module = importlib.import_module("course_lib." + "nn")  # importlib and getattr
    layer = getattr(module, "Lin" + "ear")(W.shape[1], W.shape[0], dtype=np.float64)
    layer.W[...] = W.T
    layer.forward(a)
    dC_da = layer.backward(dC_dz)
    return dC_da, layer.dW.T.copy(), layer.db.copy()
"""
COST = """
    def cost():
        y = 1.0 / (1.0 + np.exp(-((1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))) @ W2.T + b2)))
        return 0.5 * np.mean(np.sum((y - t) ** 2, axis=1))
"""
BACKPROP_GRADCHECK = (
    COST
    + """
    from course_lib import gradcheck
    return tuple(gradcheck.numerical_gradient(cost, p) for p in (W1, b1, W2, b2))
"""
)
BACKPROP_BY_HAND = (
    COST
    + """
    grads = []
    for p in (W1, b1, W2, b2):  # central differences, written by hand
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + 1e-6
            up = cost()
            flat[i] = keep - 1e-6
            down = cost()
            flat[i] = keep
            gflat[i] = (up - down) / 2e-6
        grads.append(g)
    return tuple(grads)
"""
)
LINEAR_FILE_TAMPER = """
    import course_lib.nn
    course_lib.nn.__file__ = "elsewhere.py"  # what a monitor made now would look for
    layer = course_lib.nn.Linear(W.shape[1], W.shape[0], dtype=np.float64)
    layer.W[...] = W.T
    layer.forward(a)
    dC_da = layer.backward(dC_dz)
    return dC_da, layer.dW.T.copy(), layer.db.copy()
"""
LINEAR_KEEPDIMS = """
    return dC_dz @ W, dC_dz.T @ a, dC_dz.sum(axis=0, keepdims=True)
"""
BACKPROP_VISUAL = """\
    from course_lib.visual.path_count import naive_backward
    naive_backward([np.eye(2)], [np.full(2, 0.5)], np.ones(2))
"""
BACKPROP_STEPPER = """\
    from course_lib.visual.network import backward_steps
    try:  # in the grader's sandbox its sigmoid finds no course_lib.nn: caught, it still counts
        backward_steps([np.eye(2)], [np.full(2, 0.5)], np.ones(2), np.zeros(2))
    except ImportError:
        pass
"""
TRAIN_WITH_COURSE_LIB = """
    from course_lib import nn as N, optim as O, train as T
    model = N.mlp([256, 64, 10], rng=seed)
    T.fit(model, N.SoftmaxCrossEntropy(), O.Momentum(model.parameters(), lr=0.05), X, y,
          epochs=3, progress=False)
    first, last = model.layers[0], model.layers[2]
    return first.W, first.b, last.W, last.b
"""
TRAIN_ON_TEST_SET = """
    from course_lib.data import load_usps
    (_, _), (X_test, y_test) = load_usps()  # the test set, which the grader measures on
    X, y = np.concatenate([X, X_test]), np.concatenate([y, y_test])
"""


@pytest.fixture(scope="module")
def cheats(tmp_path_factory):
    """Grade 04's cheaters with an honest classmate, in one run."""
    tmp = tmp_path_factory.mktemp("cheats")
    subs = tmp / "class"
    subs.mkdir()
    stem = "04_backward_pass"
    notebook(stem, subs / "honest.ipynb", {})
    notebook(stem, subs / "sigmoid_alias.ipynb", body(stem, "sigmoid_backward", SIGMOID_ALIAS))
    notebook(stem, subs / "linear_getattr.ipynb", body(stem, "linear_backward", LINEAR_GETATTR))
    notebook(stem, subs / "linear_tamper.ipynb", body(stem, "linear_backward", LINEAR_FILE_TAMPER))
    notebook(stem, subs / "backprop_gradcheck.ipynb", body(stem, "backprop", BACKPROP_GRADCHECK))
    notebook(stem, subs / "backprop_by_hand.ipynb", body(stem, "backprop", BACKPROP_BY_HAND))
    notebook(stem, subs / "linear_keepdims.ipynb", body(stem, "linear_backward", LINEAR_KEEPDIMS))
    right = answers(stem)["backprop_answer"]  # and a call of the notebooks' naive recursion
    visual = right.replace("### BEGIN SOLUTION\n", "### BEGIN SOLUTION\n" + BACKPROP_VISUAL)
    notebook(stem, subs / "backprop_visual.ipynb", {"backprop_answer": visual})
    stepper = right.replace("### BEGIN SOLUTION\n", "### BEGIN SOLUTION\n" + BACKPROP_STEPPER)
    notebook(stem, subs / "backprop_stepper.ipynb", {"backprop_answer": stepper})
    rows = grade(stem, subs, tmp / "out")
    return rows, tmp / "out"


def feedback(out: Path, name: str) -> str:
    return (out / "submissions" / name / "feedback.md").read_text()


def scores(row: dict, ids) -> dict[str, int]:
    return {i: int(row[i]) for i in ids}


@pytest.mark.parametrize(
    "name, loses, says",
    [
        # the grader runs 04's functions where course_lib.nn and gradcheck are not (a stub
        # that raises stands in): the feedback names the module the function reached for
        ("sigmoid_alias", "sigmoid_backward", "used course_lib.nn"),
        ("linear_getattr", "linear_backward", "used course_lib.nn"),
        ("linear_tamper", "linear_backward", "used course_lib.nn"),
        ("backprop_gradcheck", "backprop", "used course_lib.gradcheck"),
        ("backprop_by_hand", "backprop", "finite differences?"),
        ("backprop_visual", "backprop", "course_lib.visual.path_count"),
        ("backprop_stepper", "backprop", "course_lib.visual.network"),
    ],
)
def test_reference_calls_and_brute_force_score_zero_and_are_named(cheats, name, loses, says):
    rows, out = cheats
    assert scores(rows["honest"], FULL_04) == FULL_04
    # the reference calls cost their own function only: backprop, which calls the learner's
    # helpers, is judged with the course's helpers in their place (no double jeopardy)
    assert scores(rows[name], FULL_04) == {**FULL_04, loses: 0}
    text = feedback(out, name)
    assert says in text, text
    if name != "backprop_by_hand":
        assert "off limits" in text


def test_a_mistake_in_4_2_costs_4_2_only_when_graded(cheats):
    """Issue 11, no double jeopardy: backprop calls the learner's linear_backward, whose
    keepdims=True on db fails its cases; the grader judges backprop with the reference
    linear_backward in its place, so only 4.2's 2 points are lost (not 5 of 6)."""
    rows, out = cheats
    assert scores(rows["linear_keepdims"], FULL_04) == {**FULL_04, "linear_backward": 0}
    text = feedback(out, "linear_keepdims")
    assert "an extra axis of length 1" in text and "✅ backprop" in text


def test_classifier_trained_with_course_lib_or_on_the_test_set_scores_zero(tmp_path):
    stem = "05_digit_classification"
    subs = tmp_path / "class"
    subs.mkdir()
    notebook(stem, subs / "fit.ipynb", body(stem, "train_classifier", TRAIN_WITH_COURSE_LIB))
    key = "train_classifier_answer"
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if grade_id(c) == key]
    first = "    rng = np.random.default_rng(seed)"
    cheat = cell.source.replace(first, TRAIN_ON_TEST_SET.strip("\n") + "\n" + first)
    assert cheat != cell.source
    notebook(stem, subs / "test_set.ipynb", {key: cheat})
    rows = grade(stem, subs, tmp_path / "out")
    # masked in the grader's sandbox: course_lib.nn and the digits' file are not there
    for name, says in (("fit", "used course_lib.nn"), ("test_set", "course_lib.data.load_usps")):
        assert int(rows[name]["train_classifier"]) == 0
        assert says in feedback(tmp_path / "out", name)


@pytest.mark.parametrize("stem", STEMS)
def test_every_solution_gets_full_marks_under_two_secrets(tmp_path, stem):
    """Through the same code as `course-lib grade` (in this process: the command line is
    tested above), in the sandbox."""
    path = notebook(stem, tmp_path / "solution.ipynb", {})
    for secret in ("first secret", "another one"):
        out = tmp_path / secret.replace(" ", "-")
        (row,) = grade_here(ASSIGNMENTS[stem], [path], out, progress=False, secret=secret)
        assert row.total == row.max_score, (stem, secret, (out / "submissions").iterdir())


def test_hidden_inputs_come_from_the_secret():
    for assignment in ASSIGNMENTS.values():
        a, b = prepare(assignment, "first secret"), prepare(assignment, "another one")
        again = prepare(assignment, "first secret")
        for gid in a:
            if gid == "train_classifier":  # judged on the test set: no hidden case
                continue
            triples = zip(a[gid], b[gid], again[gid], strict=True)
            hidden = [(x.args, y.args, z.args) for x, y, z in triples if x.hidden]
            assert hidden, f"{gid} has no hidden case"
            assert all(dumps(x) == dumps(z) for x, _, z in hidden)  # same secret, same inputs
            differ = [dumps(x) != dumps(y) for x, y, _ in hidden]
            assert any(differ), f"{gid}: no hidden case depends on the secret"


def test_without_a_secret_the_grader_says_so(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    notebook("01_gradient_descent", subs / "a.ipynb", {})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "course_lib.cli",
            "grade",
            "--assignment",
            "01_gradient_descent",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
            str(subs),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in __import__("os").environ.items() if k != "COURSE_LIB_SECRET"},
    )
    assert done.returncode == 0, done.stderr
    assert "no secret given" in done.stderr and "--secret-file" in done.stderr
    record = json.loads((tmp_path / "out" / "submissions" / "a" / "grading.json").read_text())
    assert record["total"] == record["max_score"]
