"""Issue 5: `course-lib grade` on the command line: outputs, hidden cases, misuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from exercise_tools import SOLUTIONS, solution_with

from course_lib.cli import main


def test_grade_writes_csv_results_and_feedback_and_describes_hidden_cases(tmp_path, capsys):
    subs = tmp_path / "class"
    subs.mkdir()
    (subs / "alice.ipynb").write_bytes((SOLUTIONS / "03_forward_pass.ipynb").read_bytes())
    # bob's neuron works on the public cases but overflows on a strongly negative z
    solution_with(
        "03_forward_pass",
        subs / "bob.ipynb",
        {
            "neuron_answer": (
                "a = float(1.0 / (1.0 + np.exp(-z)))",
                "a = float(1.0 / (1.0 + np.exp(-z))) if z > -30 else float('nan')",
            )
        },
    )
    (subs / ".ipynb_checkpoints").mkdir()
    (subs / ".ipynb_checkpoints" / "alice-checkpoint.ipynb").write_text("{}")
    out = tmp_path / "out"
    args = [
        "grade",
        "--assignment",
        "03_forward_pass",
        "--out",
        str(out),
        str(subs),
        "--jobs",
        "2",
        "--no-progress",
    ]
    assert main(args) == 0
    assert "graded 2 submission(s)" in capsys.readouterr().out
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines == [
        "submission,neuron,layer_forward,forward_pass,bias_backward,total,max_score",
        "alice,1,2,2,1,6,6",
        "bob,0,2,2,1,5,6",
    ]
    feedback = (out / "submissions" / "bob" / "feedback.md").read_text()
    assert "hidden case" in feedback and "a strongly negative z" in feedback
    assert "expected:" not in feedback  # hidden values are never shown
    results = json.loads((out / "submissions" / "bob" / "results.json").read_text())
    assert results["score"] == 5 and results["tests"][0]["status"] == "failed"


def test_grade_misuse_exits_non_zero_with_a_clear_message(tmp_path, capsys):
    nb = str(SOLUTIONS / "01_gradient_descent.ipynb")
    out = str(tmp_path / "out")
    assert main(["grade", "--assignment", "99_nothing", "--out", out, nb]) == 2
    assert "unknown assignment '99_nothing'" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["grade", "--assignment", "01_gradient_descent", "--out", out, str(empty)]) == 2
    assert "no submissions found" in capsys.readouterr().err
    assert (
        main(
            [
                "grade",
                "--assignment",
                "01_gradient_descent",
                "--out",
                out,
                str(tmp_path / "nope.ipynb"),
            ]
        )
        == 2
    )
    assert "no such file or folder" in capsys.readouterr().err
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert (
        main(["grade", "--assignment", "01_gradient_descent", "--out", str(blocker / "out"), nb])
        == 2
    )
    assert "cannot write to the output folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", "--out", out, nb])  # --assignment missing: argparse says so
    assert exit_info.value.code == 2


def test_submissions_sharing_a_file_name_are_named_by_their_folders():
    from course_lib.instructor.grading.collect import names_for

    home = Path("/home")
    paths = [
        home / "alice" / "exercises" / "04_backward_pass.ipynb",
        home / "bob" / "exercises" / "04_backward_pass.ipynb",
        home / "carol.ipynb",
    ]
    assert list(names_for(paths).values()) == [
        "alice-exercises-04_backward_pass",
        "bob-exercises-04_backward_pass",
        "carol",
    ]


def test_the_grader_imports_nothing_after_the_first_learner_process_starts(tmp_path):
    """Everything grading needs (numpy.random, course_lib.data for the digits, ...) is
    imported before any learner code runs, so no later import can pick up a file that a
    learner process touched (the sandbox's read-only mounts already forbid that).
    In a fresh process, so that no other test has imported anything before."""
    import shutil
    import subprocess
    import sys

    stem = "05_digit_classification"  # the one whose cases need the bundled digits
    shutil.copy(SOLUTIONS / f"{stem}.ipynb", tmp_path / "a.ipynb")
    script = f"""
import sys
from pathlib import Path
from course_lib.exercises.process import session as runner
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.grading.batch import grade
first = {{}}
start = runner.Worker.__init__
def spy(self, *args, **kwargs):
    first.setdefault("modules", set(sys.modules))
    return start(self, *args, **kwargs)
runner.Worker.__init__ = spy
tmp = Path({str(tmp_path)!r})
rows = grade(ASSIGNMENTS[{stem!r}], [tmp / "a.ipynb"], tmp / "out", progress=False)
assert rows[0].total == rows[0].max_score, rows
print(sorted(set(sys.modules) - first["modules"]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
