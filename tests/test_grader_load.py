"""Issue 23, finding 4: the same grades at any load.

A timed hidden case (backprop on a 256-64-10 network, batch 32) catches brute force by the
CPU time the kernel counts for the learner's processes, against a budget calibrated by the
reference's CPU time on one BLAS thread: neither moves with the machine's load. The same
class is graded twice, on an idle machine and with two busy loops beside it (this machine
has two cores): grades.csv must be the same file, brute-force finite differences must get 0
for backprop both times and a correct but slow loop over the examples full marks both times.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
from exercise_tools import SOLUTIONS, grade_id, with_sources

from course_lib.exercises.assignments import ASSIGNMENTS

STEM = "04_backward_pass"
FULL = {ex.grade_id: ex.points for ex in ASSIGNMENTS[STEM].exercises}

BRUTE_FORCE = """
    def cost():
        y = 1.0 / (1.0 + np.exp(-((1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))) @ W2.T + b2)))
        return 0.5 * np.mean(np.sum((y - t) ** 2, axis=1))

    grads = []
    for p in (W1, b1, W2, b2):  # central differences, one parameter at a time
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
SLOW_LOOP = """
    grads = [np.zeros_like(p) for p in (W1, b1, W2, b2)]
    for n in range(len(x)):  # one example at a time: slow, and right
        a1 = 1.0 / (1.0 + np.exp(-(W1 @ x[n] + b1)))
        y = 1.0 / (1.0 + np.exp(-(W2 @ a1 + b2)))
        dz2 = y * (1.0 - y) * (y - t[n]) / len(x)
        dz1 = a1 * (1.0 - a1) * (W2.T @ dz2)
        for g, d in zip(grads, (np.outer(dz1, x[n]), dz1, np.outer(dz2, a1), dz2)):
            g += d
    return tuple(grads)
"""


def backprop_body(code: str) -> dict[str, str]:
    nb = nbformat.read(SOLUTIONS / f"{STEM}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if grade_id(c) == "backprop_answer"]
    head, rest = cell.source.split("### BEGIN SOLUTION\n")
    _, tail = rest.split("### END SOLUTION")
    return {"backprop_answer": head + code.rstrip() + "\n    " + tail.lstrip(" ")}


def grade(subs: Path, out: Path) -> bytes:
    secret = out.parent / "secret.txt"
    secret.write_text("a class secret")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "course_lib.cli",
            "grade",
            "--assignment",
            STEM,
            "--out",
            str(out),
            "--jobs",
            "2",
            "--no-progress",
            "--secret-file",
            str(secret),
            str(subs),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return (out / "grades.csv").read_bytes()


def test_the_same_grades_idle_and_under_load(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    with_sources(
        SOLUTIONS / f"{STEM}.ipynb", subs / "brute_force.ipynb", backprop_body(BRUTE_FORCE)
    )
    with_sources(SOLUTIONS / f"{STEM}.ipynb", subs / "slow_loop.ipynb", backprop_body(SLOW_LOOP))
    idle = grade(subs, tmp_path / "idle")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        loaded = grade(subs, tmp_path / "loaded")
    finally:
        for loop in busy:
            loop.kill()
            loop.wait()
    assert loaded == idle
    rows = {r["submission"]: r for r in csv.DictReader(idle.decode().splitlines())}
    assert {gid: int(rows["slow_loop"][gid]) for gid in FULL} == FULL
    assert {gid: int(rows["brute_force"][gid]) for gid in FULL} == {**FULL, "backprop": 0}
    feedback = (tmp_path / "loaded" / "submissions" / "brute_force" / "feedback.md").read_text()
    assert "finite differences?" in feedback
