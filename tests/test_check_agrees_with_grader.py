"""Issue 11: the notebook's check cell, `course-lib check` and the grader agree.

- the same public cases (labels, inputs, expected answers) in `course-lib check` and in
  the grader, for every exercise;
- one time limit per exercise, stated in its notebook and enforced the same way by the
  check cell, `course-lib check` and the grader (whose default is each exercise's own);
  over it, each says so and, on a case that is not timed, to look for a loop that never
  ends or very large work;
- a notebook run by `course-lib check` and by the grader (in its sandbox) gets the same
  verdict on every public case of a function whose earlier functions pass; the grader
  puts its stand-ins (the references, run in its own process) in place of the earlier
  functions, so 4.2's mistake does not fail 4.3, while the check cell and `course-lib
  check` (the learner's side has no reference to put in) say "fix 4.2 first".
"""

from __future__ import annotations

import sys
from dataclasses import replace

import nbformat
import pytest
from exercise_tools import SOLUTIONS, solution_with

from course_lib.cli import build_parser
from course_lib.exercises import check, codec
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.exercises.engine import public_trials
from course_lib.exercises.process.channel import Limits
from course_lib.exercises.process.session import run_notebook
from course_lib.exercises.report import exercise_lines, explain
from course_lib.instructor.grading.trials import prepare, stand_in
from course_lib.instructor.sandbox import Sandbox

CHECK = sys.modules["course_lib.exercises.checking"]


@pytest.mark.parametrize("stem", list(ASSIGNMENTS))
def test_check_and_grader_run_the_same_public_cases(stem):
    assignment = ASSIGNMENTS[stem]
    graded = prepare(assignment, "a secret")
    for ex in assignment.exercises:
        checked = public_trials(ex)  # what `course-lib check` runs (run_notebook's default)
        first = graded[ex.grade_id][: len(checked)]
        assert [t.label for t in first] == [t.label for t in checked]
        assert not any(t.hidden for t in first) and all(
            t.hidden for t in graded[ex.grade_id][len(checked) :]
        )
        for a, b in zip(first, checked, strict=True):
            assert codec.dumps(list(a.args)) == codec.dumps(list(b.args))
            assert codec.dumps(a.expected) == codec.dumps(b.expected)


def test_one_time_limit_per_exercise_stated_in_its_notebook():
    assert Limits().call_timeout is None  # `course-lib check`: each exercise's own limit
    args = build_parser().parse_args(
        ["grade", "--assignment", "04_backward_pass", "--out", "x", "y.ipynb"]
    )
    assert args.call_timeout is None  # the grader's default: each exercise's own limit
    for stem, assignment in ASSIGNMENTS.items():
        nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
        intro = nb.cells[0].source
        assert "time\nlimit: 10 s unless the exercise says otherwise." in intro, stem
        for ex in assignment.exercises:
            if ex.call_timeout != 10.0:
                stated = f"at most **{ex.call_timeout:g} seconds**"
                assert any(stated in c.source for c in nb.cells), (ex.grade_id, stated)


LIMIT = 0.2  # seconds: a lowered limit for sigmoid_backward, so that the test is quick
SLOW = "import time\n    time.sleep(0.4)\n    return a * (1.0 - a) * dC_da"
KEEPDIMS = ("dC_db = dC_dz.sum(axis=0)", "dC_db = dC_dz.sum(axis=0, keepdims=True)")


def test_check_cell_check_command_and_grader_agree(tmp_path, monkeypatch, capsys):
    base = ASSIGNMENTS["04_backward_pass"]
    exercises = tuple(
        replace(ex, call_timeout=LIMIT) if ex.grade_id == "sigmoid_backward" else ex
        for ex in base.exercises
    )
    assignment = replace(base, exercises=exercises)
    path = solution_with(
        "04_backward_pass",
        tmp_path / "mine.ipynb",
        {
            "sigmoid_backward_answer": ("return a * (1.0 - a) * dC_da", SLOW),
            "linear_backward_answer": KEEPDIMS,
        },
    )
    by_check = run_notebook(path, assignment)  # what `course-lib check` does
    by_grader = run_notebook(
        path, assignment, prepare(assignment), sandbox=Sandbox.find(), stand_ins=stand_in
    )
    for mine, graded in zip(by_check.exercises, by_grader.exercises, strict=True):
        if mine.exercise.grade_id in ("backprop", "backprop_deep"):  # they use 4.1 and 4.2
            assert not mine.public_passed and graded.passed
            assert mine.blocked_by.grade_id == "sigmoid_backward" and graded.blocked_by is None
            assert exercise_lines(mine)[0].startswith(
                f"❌ {mine.exercise.grade_id}: fix sigmoid_backward (4.1) first"
            )
            continue
        assert mine.public_passed == graded.public_passed, mine.exercise.grade_id
        if not mine.public_passed:
            assert explain(mine.exercise, mine.results) == explain(graded.exercise, graded.results)
    verdicts = {r.exercise.grade_id: r for r in by_grader.exercises}
    slow = explain(verdicts["sigmoid_backward"].exercise, verdicts["sigmoid_backward"].results)
    assert f"did not finish within {LIMIT:g} s: look for a loop that never ends" in " ".join(slow)
    assert not verdicts["linear_backward"].public_passed
    assert verdicts["backprop"].passed  # judged with the reference linear_backward
    assert verdicts["backprop_deep"].passed  # (issue 12) the same for the loop of 4.4

    # the check cell: the same limit (it stops the call too), and "fix 4.2 first" (it has no
    # reference to put in)
    monkeypatch.setattr(CHECK, "_exercise", lambda gid: {e.grade_id: e for e in exercises}[gid])
    ns: dict = {}
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade"):
            exec(cell.source, ns)
    capsys.readouterr()
    check("sigmoid_backward", ns["sigmoid_backward"])
    assert (
        f"did not finish within {LIMIT:g} s: look for a loop that never ends"
        in capsys.readouterr().out
    )
    check("backprop", ns["backprop"])
    assert capsys.readouterr().out.startswith("❌ backprop: fix sigmoid_backward (4.1) first")
