"""Issue 4: exercises/ is generated from solutions/ and contains no answer text."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from exercise_tools import EXERCISES, SOLUTIONS, STEMS

from course_lib.cli import main
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.build import BuildError, build, solution_lines, strip_solution


def test_exercises_are_in_sync_with_solutions(capsys):
    assert build(SOLUTIONS, EXERCISES, check=True) == []
    args = ["build", "--check", "--solutions", str(SOLUTIONS), "--exercises", str(EXERCISES)]
    assert main(args) == 0


def test_build_check_names_stale_and_missing_files(tmp_path, capsys):
    out = tmp_path / "exercises"
    shutil.copytree(EXERCISES, out)
    stale = out / "03_forward_pass.ipynb"
    stale.write_text(stale.read_text().replace("YOUR CODE HERE", "my code"))
    (out / "05_digit_classification.ipynb").unlink()
    args = ["build", "--check", "--solutions", str(SOLUTIONS), "--exercises", str(out)]
    assert main(args) == 1
    said = capsys.readouterr().out
    assert "03_forward_pass.ipynb" in said and "05_digit_classification.ipynb" in said
    assert "01_gradient_descent" not in said
    # building repairs it, byte for byte
    assert main(["build", "--solutions", str(SOLUTIONS), "--exercises", str(out)]) == 0
    for stem in STEMS:
        name = f"{stem}.ipynb"
        assert (out / name).read_bytes() == (EXERCISES / name).read_bytes()
    assert main(args) == 0


def test_every_assignment_has_a_solution_and_an_exercise():
    assert sorted(p.stem for p in SOLUTIONS.glob("*.ipynb")) == sorted(ASSIGNMENTS) == STEMS
    assert sorted(p.stem for p in EXERCISES.glob("*.ipynb")) == STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_exercises_contain_no_answer_text(stem):
    solution = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    exercise = nbformat.read(EXERCISES / f"{stem}.ipynb", as_version=4)
    answer_lines = {
        line.strip()
        for cell in solution.cells
        if cell.cell_type == "code"
        for line in solution_lines(cell.source)
        if line.strip()
    }
    assert len(answer_lines) >= 3
    exercise_lines = {line.strip() for cell in exercise.cells for line in cell.source.split("\n")}
    assert not answer_lines & exercise_lines
    text = (EXERCISES / f"{stem}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text


@pytest.mark.parametrize("stem", STEMS)
def test_exercise_cells_are_cleared_and_keep_nbgrader_metadata(stem):
    exercise = nbformat.read(EXERCISES / f"{stem}.ipynb", as_version=4)
    graded = 0
    for cell in exercise.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        meta = cell.metadata.get("nbgrader")
        if meta:
            assert meta["schema_version"] == 3
            assert {"grade_id", "solution", "grade", "locked"} <= set(meta)
            if meta["grade"]:
                graded += 1
                assert meta["points"] > 0 and meta["locked"]
    assert graded == len(ASSIGNMENTS[stem].exercises)
    assert 3 <= graded <= 6


def test_strip_solution_keeps_indentation_and_rejects_unbalanced_markers():
    source = (
        "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    )
    assert strip_solution(source) == (
        "def f(x):\n    '''doc'''\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    with pytest.raises(BuildError, match="without"):
        strip_solution("### BEGIN SOLUTION\nx = 1\n")
    with pytest.raises(BuildError, match="without"):
        strip_solution("x = 1\n### END SOLUTION\n")


@pytest.mark.parametrize("stem", STEMS)
def test_solutions_are_stored_with_every_check_passing(stem):
    solution = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    checks = [c for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(checks) == len(ASSIGNMENTS[stem].exercises)
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert text.startswith(f"✅ {cell.metadata['nbgrader']['grade_id']}: passed"), text


def test_each_exercise_says_what_it_may_not_call():
    """The text above each answer cell names everything the grader forbids there."""
    for stem, assignment in ASSIGNMENTS.items():
        nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
        ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        for ex in assignment.exercises:
            assert ex.forbidden and ex.forbidden_reason, ex.grade_id
            text = nb.cells[ids.index(ex.answer_id) - 1].source
            assert "*Off limits:*" in text, ex.grade_id
            missing = [name for name in ex.forbidden if f"`{name}`" not in text]
            assert missing == [], (ex.grade_id, missing)
