"""The notebooks as nbgrader source notebooks, graded by nbgrader's real autograder.

Under ``nbgrader autograde`` a check that does not pass must raise (nbgrader gives a
grade cell 0 points only when it errors), while in a learner's own notebook checks only
print. :func:`course_lib.exercises.autograding.strict` tells the two apart; the
end-to-end test runs ``nbgrader generate_assignment`` and ``nbgrader autograde`` as
subprocesses on a real assignment, and reads the scores from nbgrader's gradebook.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from course_lib.exercises.autograding import (
    NBGRADER_ENV,
    OVERRIDE_ENV,
    CheckFailed,
    strict,
)

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "03_forward_pass"
COURSE_ID = "course_lib_test"
# the exercise the partial submission gets wrong, and its wrong (but running) answer
WRONG_ID = "neuron"
WRONG_ANSWER = textwrap.dedent(
    '''\
    def neuron(x, w, b):
        """Forgot the sigmoid: returns z, not a."""
        return float(np.dot(w, x) + b)
    '''
)
NOT_A_FUNCTION = "neuron = 0.98  # the lecture's value, not a function\n"


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


# ----- nbgrader's real autograder -----


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


def test_nbgrader_autograde_scores_by_the_checks(tmp_path, monkeypatch):
    """generate_assignment, then autograde four submissions, then validate one: all real
    nbgrader subprocesses; the scores come from nbgrader's gradebook."""
    pytest.importorskip(
        "nbgrader",
        reason="nbgrader is not installed (it comes with the dev extra: pip install -e '.[dev]')",
    )
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
    env = _env(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])  # the gradebook read below may run alembic too

    source = nbformat.read(ROOT / "solutions" / f"{ASSIGNMENT}.ipynb", as_version=4)
    points = _points(source)
    total = sum(points.values())
    assert WRONG_ID in points and total > points[WRONG_ID] > 0, points
    nbformat.write(source, course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")

    _nbgrader(course, env, "generate_assignment", ASSIGNMENT, "--force")
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert "raise NotImplementedError()" in "\n".join(c.source for c in release.cells)

    answers = {
        _grade_id(c): c.source
        for c in source.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }
    assert f"{WRONG_ID}_answer" in answers, sorted(answers)
    submissions = {
        "correct": source,  # the solution notebook itself
        "partial": _filled(release, {**answers, f"{WRONG_ID}_answer": WRONG_ANSWER}),
        # a number where the function should be: the check's early return must raise too
        "not_a_function": _filled(release, {**answers, f"{WRONG_ID}_answer": NOT_A_FUNCTION}),
        "untouched": release,
    }
    for student, nb in submissions.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC")

    _nbgrader(course, env, "autograde", ASSIGNMENT, "--force")

    one_wrong = {gid: (0.0 if gid == WRONG_ID else p) for gid, p in points.items()}
    expected = {
        "correct": dict(points),
        "partial": one_wrong,
        "not_a_function": one_wrong,
        "untouched": {gid: 0.0 for gid in points},
    }
    got, totals = {}, {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for student in submissions:
            sub = gb.find_submission(ASSIGNMENT, student)
            totals[student] = (sub.score, sub.max_score)
            got[student] = {
                gid: gb.find_grade(gid, ASSIGNMENT, ASSIGNMENT, student).score for gid in points
            }
    for student in submissions:
        autograded = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert got[student] == expected[student], (
            f"{student}: nbgrader gave {got[student]}, expected {expected[student]}.\n"
            "A grade cell gets 0 only if it raised (or wrote to stderr); did check() raise "
            "CheckFailed under nbgrader (course_lib.exercises.autograding.strict())?\n"
            f"The grade cells of {autograded}:\n{_grade_cell_outputs(autograded)}"
        )
    assert totals == {
        "correct": (total, total),
        "partial": (total - points[WRONG_ID], total),
        "not_a_function": (total - points[WRONG_ID], total),
        "untouched": (0.0, total),
    }

    # nbgrader validate (the learner's Validate button) names exactly the failing check
    partial = course / "submitted" / "partial" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    report = _nbgrader(course, env, "validate", str(partial)).stdout
    assert "VALIDATION FAILED ON 1 CELL(S)" in report, report[-4000:]
    assert f'check("{WRONG_ID}", {WRONG_ID})' in report, report[-4000:]
    assert "CheckFailed" in report, report[-4000:]
