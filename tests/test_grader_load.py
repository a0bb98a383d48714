"""Issue 23, finding 4: the same grades at any load.

A timed hidden case (backprop on a 256-64-10 network, batch 32) catches brute force by the
CPU time the kernel counts for the learner's processes, against a budget calibrated by the
reference's CPU time on one BLAS thread: neither moves with the machine's load. The same
class is graded twice, on an idle machine and with two busy loops beside it (this machine
has two cores): grades.csv must be the same file; one learner's backprop by brute-force finite
differences gets 0 both times, and their backprop_deep, a correct but slow loop over the
examples, full marks both times.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from exercise_tools import SOLUTIONS, grade_class, with_sources
from test_answer_key import BACKPROP_BY_HAND  # central differences, by hand
from test_grader_trust import body

from course_lib.exercises.assignments import ASSIGNMENTS

STEM = "04_backward_pass"
FULL = {ex.grade_id: ex.points for ex in ASSIGNMENTS[STEM].exercises}

# backprop_deep, the loop of 4.4 (its own timed case: a 256-64-32-10 network, batch 32)
SLOW_LOOP = """
    dWs = [np.zeros_like(W) for W in weights]
    dbs = [np.zeros_like(b) for b in biases]
    for n in range(len(x)):  # one example at a time: slow, and right
        a = [x[n]]
        for W, b in zip(weights, biases):
            a.append(1.0 / (1.0 + np.exp(-(W @ a[-1] + b))))
        delta = (a[-1] - t[n]) * a[-1] * (1.0 - a[-1]) / len(x)
        for layer in range(len(weights) - 1, -1, -1):
            dWs[layer] += np.outer(delta, a[layer])
            dbs[layer] += delta
            if layer > 0:
                delta = (weights[layer].T @ delta) * a[layer] * (1.0 - a[layer])
    return dWs, dbs
"""


def grade(subs: Path, out: Path) -> bytes:
    grade_class(STEM, subs, out, secret="a class secret")
    return (out / "grades.csv").read_bytes()


def test_the_same_grades_idle_and_under_load(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    # one learner: backprop by brute force, backprop_deep by a slow but correct loop
    answers = {**body("backprop", BACKPROP_BY_HAND), **body("backprop_deep", SLOW_LOOP)}
    with_sources(SOLUTIONS / f"{STEM}.ipynb", subs / "learner.ipynb", answers)
    idle = grade(subs, tmp_path / "idle")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        loaded = grade(subs, tmp_path / "loaded")
    finally:
        for loop in busy:
            loop.kill()
            loop.wait()
    assert loaded == idle
    (row,) = csv.DictReader(idle.decode().splitlines())
    assert {gid: int(row[gid]) for gid in FULL} == {**FULL, "backprop": 0}  # deep: full marks
    feedback = (tmp_path / "loaded" / "submissions" / "learner" / "feedback.md").read_text()
    assert "finite differences?" in feedback
    assert "backprop_deep: passed" in feedback.replace("\\", "")
