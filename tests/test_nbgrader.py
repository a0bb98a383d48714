"""The notebooks as nbgrader source notebooks, graded by nbgrader's real autograder, with
the points per function that ``course-lib grade`` gives.

Under ``nbgrader autograde`` a check that does not pass must raise (nbgrader gives a grade
cell 0 points only when it errors or writes to stderr), while in a learner's own notebook
checks only print: :func:`course_lib.exercises.autograding.strict` tells the two apart.
In the instructor's install the check then judges as ``course-lib grade`` does
(``course_lib/instructor/nbgrader.py``, found by the entry point group
``course_lib.checks``): hidden cases drawn from ``$COURSE_LIB_SECRET``, the course's
references in place of the earlier functions a function uses, the grader's time limits and
the ``requires`` rule.

The end-to-end test runs ``nbgrader generate_assignment``, ``autograde`` and ``validate``
as subprocesses on 04_backward_pass and five submissions (right; an earlier function
wrong; public cases passed but hidden ones not; broken cells and names; untouched), and
``course-lib grade`` through its command on the same files with the same secret: nbgrader's
gradebook and grades.csv must give the same points per function, and the expected ones.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from exercise_tools import SOLUTIONS, answer_body, answers, grade_class
from test_answer_key import BACKPROP_BY_HAND, LINEAR_KEEPDIMS

from course_lib.exercises import check, checking, codec
from course_lib.exercises.assignments import ASSIGNMENTS, find_exercise
from course_lib.exercises.autograding import (
    NBGRADER_ENV,
    OVERRIDE_ENV,
    CheckFailed,
    strict,
)
from course_lib.exercises.engine import public_trials
from course_lib.exercises.spec import Ending
from course_lib.instructor import nbgrader as instructor_judge
from course_lib.instructor.grading.command import SECRET_ENV, read_secret
from course_lib.instructor.grading.trials import prepare

ASSIGNMENT = "04_backward_pass"
COURSE_ID = "course_lib_test"
SECRET = "the same secret for nbgrader and course-lib grade"


# ----- strict(): the environment, as nbgrader sets it -----


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(NBGRADER_ENV, raising=False)
    monkeypatch.delenv(OVERRIDE_ENV, raising=False)
    return monkeypatch


def test_not_strict_in_a_learners_notebook(clean_env):
    assert strict() is False


@pytest.mark.parametrize("value", ["autograde", "validate"])
def test_strict_under_nbgrader_autograde_and_validate(clean_env, value):
    clean_env.setenv(NBGRADER_ENV, value)
    assert strict() is True


@pytest.mark.parametrize("value", ["", "generate_solution", "yes"])
def test_not_strict_for_other_nbgrader_values(clean_env, value):
    clean_env.setenv(NBGRADER_ENV, value)
    assert strict() is False


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_override_turns_strict_on(clean_env, value):
    clean_env.setenv(OVERRIDE_ENV, value)
    assert strict() is True


@pytest.mark.parametrize("value", ["", "0", "false", "off", "maybe"])
def test_override_cannot_turn_strict_off(clean_env, value):
    """Anything but a true value leaves it to nbgrader: a learner's answer cell that sets
    COURSE_LIB_STRICT_CHECKS=0 does not make nbgrader's checks advisory."""
    clean_env.setenv(OVERRIDE_ENV, value)
    assert strict() is False
    clean_env.setenv(NBGRADER_ENV, "autograde")
    assert strict() is True


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)
    report = "❌ neuron: case 'x' did not pass"
    assert str(CheckFailed(report)) == report


# ----- the instructor's judge: found only under an autograder -----


def test_a_learners_check_has_no_judge_an_autograded_one_has_the_instructors(tmp_path):
    """Not strict (a learner's notebook): the check judges on its own. Strict, in the
    instructor's install: the module of the entry point group course_lib.checks (the
    learner edition declares none: tests/test_release.py). In a fresh process, started
    outside the repository (whose git-ignored course_lib.egg-info, if a build left one
    there, would stand for the installed metadata)."""
    code = (
        "import os\n"
        "from course_lib.exercises.checking import grader\n"
        "print(grader())\n"
        f"os.environ[{NBGRADER_ENV!r}] = 'autograde'\n"
        "print(grader().__name__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in (NBGRADER_ENV, OVERRIDE_ENV)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", instructor_judge.__name__]


@pytest.fixture
def judged(clean_env):
    """Strict checks, judged by the instructor's module (found as in the test above)."""
    clean_env.setenv(NBGRADER_ENV, "autograde")
    clean_env.setattr(checking, "_grader_module", lambda: instructor_judge)
    return clean_env


@pytest.mark.parametrize("value", [None, "", "  s3cret \n", "another one"])
def test_the_secret_is_read_as_course_lib_grade_reads_it(clean_env, value):
    assert instructor_judge.SECRET_ENV == SECRET_ENV
    if value is None:
        clean_env.delenv(SECRET_ENV, raising=False)
    else:
        clean_env.setenv(SECRET_ENV, value)
    assert instructor_judge.secret() == read_secret(None)


@pytest.mark.parametrize("secret", ["", SECRET])
def test_the_judges_trials_are_the_graders(clean_env, secret):
    """The same cases, public then hidden, with the same inputs and expected answers as
    `course-lib grade` draws from the same secret (or from none: the default seed)."""
    clean_env.setenv(SECRET_ENV, secret)
    graded = prepare(ASSIGNMENTS[ASSIGNMENT], secret)
    for ex in ASSIGNMENTS[ASSIGNMENT].exercises:
        ours, theirs = instructor_judge.trials(ex), graded[ex.grade_id]
        assert [(t.label, t.hidden) for t in ours] == [(t.label, t.hidden) for t in theirs]
        assert any(t.hidden for t in ours), ex.grade_id
        for a, b in zip(ours, theirs, strict=True):
            assert codec.dumps(list(a.args)) == codec.dumps(list(b.args)), (ex.grade_id, a.label)
            assert codec.dumps(a.expected) == codec.dumps(b.expected), (ex.grade_id, a.label)
            assert (a.budget is None) == (b.budget is None), (ex.grade_id, a.label)
    other = prepare(ASSIGNMENTS[ASSIGNMENT], secret + "?")["linear_backward"]
    hidden = [t for t in instructor_judge.trials(find_exercise("linear_backward")[1]) if t.hidden]
    assert codec.dumps([t.args for t in hidden]) != codec.dumps([t.args for t in other if t.hidden])


def _notebook_functions(stem: str, replaced: dict[str, str]) -> dict:
    """The namespace of a solution notebook whose code cells (not the checks) ran, with the
    answer cells in ``replaced`` (by grade_id) replaced: a kernel's, in this process."""
    namespace: dict = {"__name__": "__main__"}
    for cell in nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not meta.get("grade"):
            exec(replaced.get(meta.get("grade_id"), cell.source), namespace)
    return namespace


WRONG_CE_GRAD = (
    "def cross_entropy_grad(z, t):\n    return softmax(z)  # the one-hot target left out\n"
)
WRONG_GRADIENTS = (
    "def classifier_gradients(x, t, W1, b1, W2, b2):\n    return W1 * 0, b1 * 0, W2 * 0, b2 * 0\n"
)
NOT_TRAINED = "def train_classifier(*args):\n    raise RuntimeError('no time to train')\n"


@pytest.mark.parametrize(
    "strict_checks, replaced, blocked",
    [
        # 5.4 calls a wrong 5.3: judged with the reference 5.3 it passes, so 5.5 is judged
        (True, {"cross_entropy_grad_answer": WRONG_CE_GRAD}, False),
        # the learner's own check has no reference: 5.4 fails with 5.3, and blocks 5.5
        (False, {"cross_entropy_grad_answer": WRONG_CE_GRAD}, True),
        # 5.4 wrong itself: 5.5 fails, as it does in `course-lib grade`
        (True, {"classifier_gradients_answer": WRONG_GRADIENTS}, True),
    ],
)
def test_a_required_function_is_judged_as_the_grader_judges_it(
    judged, capsys, strict_checks, replaced, blocked
):
    if not strict_checks:
        judged.delenv(NBGRADER_ENV)
    namespace = _notebook_functions(
        "05_digit_classification", {**replaced, "train_classifier_answer": NOT_TRAINED}
    )
    with pytest.raises(CheckFailed) if strict_checks else contextlib.nullcontext():
        check("train_classifier", namespace["train_classifier"])
    said = capsys.readouterr().out
    assert ("classifier_gradients (5.4), is wrong" in said) is blocked, said
    assert ("failed: it raised RuntimeError: no time to train" in said) is not blocked, said


SPIN = """
def spin(*args):  # 3 s of busy work that ignores errors; says so if it gets to the end
    start = time.monotonic()
    while time.monotonic() - start < 3.0:
        try:
            linear_backward(None, None, None)  # the reference here: it raises
        except Exception:
            pass
    global finished
    finished = True
"""


def test_a_call_is_stopped_at_the_graders_time_limit(judged):
    """In the kernel too a call ends at its time limit, whatever the function catches, with
    the grader's words; the learner's own earlier function is back in place afterwards."""
    ex = replace(find_exercise("backprop")[1], call_timeout=0.3)
    namespace = {"time": time, "linear_backward": "the learner's own"}
    exec(SPIN, namespace)
    handler = signal.getsignal(signal.SIGALRM)
    outcome = instructor_judge.call(ex, namespace["spin"], public_trials(ex)[0])
    assert "finished" not in namespace  # stopped inside its loop, not judged once it ended
    assert outcome.kind is Ending.TIMEOUT, outcome
    assert outcome.message == "it did not finish within 0.3 s"
    assert namespace["linear_backward"] == "the learner's own"
    assert signal.getsignal(signal.SIGALRM) is handler


# ----- nbgrader's real autograder: helpers -----


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _points(nb) -> dict[str, float]:
    """The points of each grade cell of a notebook, by grade_id."""
    return {
        _grade_id(c): float(c.metadata["nbgrader"]["points"])
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }


def _env(tmp: Path) -> dict[str, str]:
    """nbgrader's environment: this Python as the kernel, this environment's scripts first
    on PATH, every Jupyter and IPython folder in ``tmp`` (no user config, no IPython
    startup files), one BLAS thread, and no strictness inherited from the caller."""
    kernels = tmp / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (course_lib tests)",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (NBGRADER_ENV, OVERRIDE_ENV, "NBGRADER_VALIDATING")
        and not k.startswith(("JUPYTER", "IPYTHON"))
    }
    env.update(
        # nbgrader runs `alembic` (a script of this environment) when it creates a gradebook
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)]),
        JUPYTER_PATH=str(tmp / "jupyter"),  # searched first: the kernel above
        JUPYTER_DATA_DIR=str(tmp / "jupyter"),
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter_config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "jupyter_runtime"),
        IPYTHONDIR=str(tmp / "ipython"),
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def _nbgrader(course: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (
        f"nbgrader {' '.join(args)} exited {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )
    return proc


def _grade_cell_outputs(path: Path) -> str:
    """What each grade cell of an autograded notebook printed or raised (for messages)."""
    if not path.exists():
        return f"(no autograded notebook at {path})"
    nb = nbformat.read(path, as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            shown = []
            for out in cell.get("outputs", []):
                if out.output_type == "stream":
                    shown.append(f"[{out.name}] {out.text.strip()}")
                elif out.output_type == "error":
                    shown.append(f"[error] {out.ename}: {out.evalue}")
            lines.append(f"  {_grade_id(cell)}: " + (" | ".join(shown) or "(no output)"))
    return "\n".join(lines)


def _filled(release, answers: dict[str, str]):
    """The released notebook with answer cells (by grade_id) rewritten, as a learner would."""
    nb = copy.deepcopy(release)
    filled = {_grade_id(c) for c in nb.cells if _grade_id(c) in answers}
    assert filled == set(answers), f"answer cells not in the notebook: {set(answers) - filled}"
    for cell in nb.cells:
        if _grade_id(cell) in answers:
            cell.source = answers[_grade_id(cell)]
    return nb


# ----- nbgrader's real autograder, and `course-lib grade` on the same notebooks -----

SIGMOID_THEN_RAISE = (
    answers(ASSIGNMENT)["sigmoid_backward_answer"]
    + "\n\nsigmoid_backward(np.ones(3))  # a quick try, one argument short: the cell raises\n"
)
LINEAR_SQUEEZE = """
    dz = np.squeeze(dC_dz)  # "to be safe": it drops the batch axis when N = 1 too
    return dz @ W, dz.T @ a, dz.sum(axis=0)
"""
BACKPROP_TO_STDERR = "import sys\n\n" + answers(ASSIGNMENT)["backprop_answer"].replace(
    "    N = x.shape[0]\n", "    N = x.shape[0]\n    print('backprop: N =', N, file=sys.stderr)\n"
)
SUBMISSIONS = {
    "right": {},
    "earlier_wrong": answer_body(ASSIGNMENT, "linear_backward", LINEAR_KEEPDIMS),
    "hidden_fail": {
        **answer_body(ASSIGNMENT, "linear_backward", LINEAR_SQUEEZE),
        **answer_body(ASSIGNMENT, "backprop", BACKPROP_BY_HAND),
    },
    "broken": {
        "sigmoid_backward_answer": SIGMOID_THEN_RAISE,
        "linear_backward_answer": answers(ASSIGNMENT)["linear_backward_answer"].replace(
            "def linear_backward(", "def linear_backward_v2("
        ),
        "backprop_answer": BACKPROP_TO_STDERR,
        "backprop_deep_answer": "backprop_deep = None  # to do\n",
    },
    "untouched": None,  # the released notebook as it is
}
GRADE_IDS = ("sigmoid_backward", "linear_backward", "backprop", "backprop_deep")
# the points each function gets, from nbgrader and from `course-lib grade` alike
EXPECTED = {
    "right": (1, 2, 3, 3),
    # 4.2 keeps an axis on dC_db; 4.3 and 4.4 call it: judged with the reference 4.2
    "earlier_wrong": (1, 0, 3, 3),
    # 4.2 fails a hidden case (N = 1); 4.3 by finite differences: too slow on the timed one
    "hidden_fail": (1, 0, 0, 3),
    # 4.1's cell raises after the def; 4.2 renamed (4.3 gets the reference); 4.3 writes
    # to stderr, which nbgrader would count as an error; 4.4 is not a function
    "broken": (1, 0, 3, 0),
    "untouched": (0, 0, 0, 0),
}


def test_nbgrader_gives_the_points_of_course_lib_grade(tmp_path, monkeypatch):
    """generate_assignment, autograde (all five submissions at once), validate: real
    nbgrader subprocesses, scores from its gradebook; meanwhile `course-lib grade` on the
    same notebooks with the same secret, scores from its grades.csv."""
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        textwrap.dedent(
            f"""\
            c = get_config()  # noqa: F821
            c.CourseDirectory.root = {str(course)!r}
            c.CourseDirectory.course_id = {COURSE_ID!r}
            c.CourseDirectory.db_url = {db_url!r}
            c.Exchange.root = {str(tmp_path / "exchange")!r}
            c.Execute.kernel_name = "python3"
            c.Execute.timeout = 120
            """
        )
    )
    env = {**_env(tmp_path), SECRET_ENV: SECRET}
    monkeypatch.setenv("PATH", env["PATH"])  # the gradebook read below may run alembic too

    source = nbformat.read(SOLUTIONS / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert tuple(_points(source)) == GRADE_IDS
    assert tuple(_points(source).values()) == EXPECTED["right"]
    nbformat.write(source, course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    _nbgrader(course, env, "generate_assignment", ASSIGNMENT)
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert "raise NotImplementedError()" in "\n".join(c.source for c in release.cells)

    solution = answers(ASSIGNMENT)
    subs = tmp_path / "class"
    subs.mkdir()
    for student, changed in SUBMISSIONS.items():
        nb = release if changed is None else _filled(release, {**solution, **changed})
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC")
        nbformat.write(nb, subs / f"{student}.ipynb")

    # all three at once (each waits on its processes): the grader, nbgrader's autograder and
    # nbgrader validate (the Validate button) on the notebook whose 4.2 is wrong
    earlier_wrong = course / "submitted" / "earlier_wrong" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    with ThreadPoolExecutor(max_workers=2) as meanwhile:
        graded = meanwhile.submit(grade_class, ASSIGNMENT, subs, tmp_path / "out", secret=SECRET)
        validated = meanwhile.submit(_nbgrader, course, env, "validate", str(earlier_wrong))
        _nbgrader(course, env, "autograde", ASSIGNMENT)
        rows, _ = graded.result()
        report = validated.result().stdout

    with Gradebook(db_url, COURSE_ID) as gb:
        by_nbgrader = {
            student: tuple(
                gb.find_grade(gid, ASSIGNMENT, ASSIGNMENT, student).score for gid in GRADE_IDS
            )
            for student in SUBMISSIONS
        }
        totals = {s: gb.find_submission(ASSIGNMENT, s).score for s in SUBMISSIONS}
    by_grader = {s: tuple(float(rows[s][gid]) for gid in GRADE_IDS) for s in SUBMISSIONS}
    table = "\n".join(
        f"  {s:14} nbgrader {by_nbgrader[s]}  course-lib grade {by_grader[s]}  "
        f"expected {EXPECTED[s]}"
        for s in SUBMISSIONS
    )
    for student in SUBMISSIONS:
        autograded = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        feedback = tmp_path / "out" / "submissions" / student / "feedback.md"
        assert by_nbgrader[student] == by_grader[student] == EXPECTED[student], (
            f"points per function ({', '.join(GRADE_IDS)}):\n{table}\n"
            f"{student}'s grade cells under nbgrader:\n{_grade_cell_outputs(autograded)}\n"
            "course-lib grade's feedback:\n"
            + (feedback.read_text()[-3000:] if feedback.exists() else f"(no {feedback})")
        )
    assert totals == {s: float(rows[s]["total"]) for s in SUBMISSIONS}

    # nbgrader validate fails 4.2 only: 4.3 and 4.4 are judged with the reference 4.2
    assert "VALIDATION FAILED ON 1 CELL(S)" in report, report[-4000:]
    assert 'check("linear_backward", linear_backward)' in report, report[-4000:]
    assert "CheckFailed" in report, report[-4000:]
