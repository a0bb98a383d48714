"""Issue 23, finding 8: a classifier trained with a wrong backward pass is not graded.

Without ReLU' in its backward pass, the network of 5.5 still reaches 93% (in 8 epochs),
so the accuracy alone cannot tell a right gradient from a wrong one. The backward pass is
exercise 5.4, ``classifier_gradients``, checked against the reference; ``train_classifier``
(5.5) calls it and ``requires`` it: while it fails its own public cases, 5.5 fails too,
however well the network learns, with a remark naming 5.4 and what is wrong there.

Through the public command (``course-lib grade``, in the sandbox, with the grader's
stand-ins in place): a notebook whose backward pass forgets ReLU' (trained to 93%), has
no 1/N, the opposite sign or W2 the wrong way round gets 0 for both exercises and keeps
the points of the others; the solution gets full marks. The check cell and ``course-lib
check`` say the same. One grading run serves every assertion on the grader.
"""

from __future__ import annotations

import csv
import re
import runpy
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from exercise_tools import SOLUTIONS, with_sources

from course_lib.cli import main
from course_lib.exercises import check
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.key import ANSWERS

STEM = "05_digit_classification"
FULL = {ex.grade_id: ex.points for ex in ASSIGNMENTS[STEM].exercises}
CATALOGUE = runpy.run_path(str(SOLUTIONS / "mistakes.py"))["CATALOGUE"]["classifier_gradients"]
# through the command, two of the four named mistakes (each of the four fails a public case
# of the check with its own remark: tests/test_feedback.py); every training costs seconds
WRONG = ("no_relu_prime", "uphill")
FOUR_EPOCHS = "eta, epochs, batch_size = 0.1, 4, 32"
LONGER = FOUR_EPOCHS.replace("4, 32", "8, 32")  # the accuracy of a right gradient's 4


def remark(name: str) -> str:
    return next(m.message for m in ANSWERS["classifier_gradients"].mistakes if m.name == name)


def submission(path: Path, mistake: str | None, longer: bool = False) -> Path:
    """The solution notebook with 5.4's answer replaced by the catalogue's ``mistake``,
    and 5.5 trained for 8 epochs instead of 4 when ``longer``."""
    nb = nbformat.read(SOLUTIONS / f"{STEM}.ipynb", as_version=4)
    train = next(
        c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == ("train_classifier_answer")
    )
    assert FOUR_EPOCHS in train
    sources = {"train_classifier_answer": train.replace(FOUR_EPOCHS, LONGER)} if longer else {}
    if mistake is not None:
        sources["classifier_gradients_answer"] = CATALOGUE[mistake]
    return with_sources(SOLUTIONS / f"{STEM}.ipynb", path, sources)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict, Path]:
    """One `course-lib grade` run over the solution and two wrong backward passes:
    (the rows of grades.csv by submission, the output folder)."""
    root = tmp_path_factory.mktemp("classifier")
    subs, out = root / "class", root / "out"
    subs.mkdir()
    submission(subs / "solution.ipynb", None)
    for name in WRONG:
        submission(subs / f"{name}.ipynb", name, longer=name == "no_relu_prime")
    (root / "secret").write_text("a secret")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "course_lib.cli", "grade", "--assignment", STEM),
            *("--out", str(out), "--jobs", "2", "--no-progress"),
            *("--secret-file", str(root / "secret"), str(subs)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "grades.csv", newline="") as f:
        return {r["submission"]: r for r in csv.DictReader(f)}, out


def feedback(out: Path, name: str) -> str:
    """feedback.md on one line, its Markdown escapes (\\[ for [) undone."""
    text = (out / "submissions" / name / "feedback.md").read_text()
    return " ".join(re.sub(r"\\([!-/:-@[-`{-~])", r"\1", text).split())  # ASCII punctuation


def test_the_solution_gets_full_marks(graded):
    rows, _ = graded
    assert {gid: int(rows["solution"][gid]) for gid in FULL} == FULL


@pytest.mark.parametrize("name", WRONG)
def test_a_wrong_backward_pass_fails_5_4_and_5_5_with_a_remark_naming_5_4(graded, name):
    rows, out = graded
    assert {gid: int(rows[name][gid]) for gid in FULL} == {
        **FULL,
        "classifier_gradients": 0,
        "train_classifier": 0,
    }
    text = feedback(out, name)
    assert remark(name) in text  # where 5.4 goes wrong, under 5.4 and again under 5.5
    five_five = text.split("train_classifier", 1)[1]
    assert "fix classifier_gradients (5.4) first" in five_five
    assert "Your backward pass, classifier_gradients (5.4), is wrong: it fails its public case" in (
        five_five
    )
    assert "a network trained with it is not graded, however well it learns" in five_five
    assert remark(name) in five_five


def test_without_relu_prime_it_reaches_93_percent_and_still_scores_0(graded):
    rows, out = graded
    five_five = feedback(out, "no_relu_prime").split("train_classifier", 1)[1]
    reached = re.search(r"Not counted: your network reaches ([\d.]+)% test accuracy", five_five)
    assert reached and float(reached.group(1)) >= 93.0, five_five  # it trained well
    assert int(rows["no_relu_prime"]["train_classifier"]) == 0


def test_the_check_cell_and_course_lib_check_say_the_same(tmp_path, capsys):
    """The check cell, in the learner's kernel (no stand-ins), and `course-lib check`."""
    path = submission(tmp_path / "no_relu_prime.ipynb", "no_relu_prime", longer=True)
    ns: dict = {"np": np}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade"):
            exec(cell.source, ns)
    capsys.readouterr()
    check("classifier_gradients", ns["classifier_gradients"])
    out = capsys.readouterr().out
    assert out.startswith("❌ classifier_gradients: case") and remark("no_relu_prime") in out
    check("train_classifier", ns["train_classifier"])
    out = capsys.readouterr().out
    assert out.startswith("❌ train_classifier: fix classifier_gradients (5.4) first"), out
    assert "Your backward pass, classifier_gradients (5.4), is wrong" in out
    assert remark("no_relu_prime") in out
    reached = re.search(r"Not counted: your network reaches ([\d.]+)%", out)
    assert reached and float(reached.group(1)) >= 93.0, out

    assert main(["check", str(path)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "❌ train_classifier: fix classifier_gradients (5.4) first" in out
    assert "Your backward pass, classifier_gradients (5.4), is wrong" in out
    points = sum(
        p for gid, p in FULL.items() if gid not in ("classifier_gradients", "train_classifier")
    )
    assert f"{points} of {sum(FULL.values())} points" in out
