"""How fast does `course-lib grade` grade a class? Seconds per submission, per assignment.

Grades N copies of each solution notebook (public and hidden cases, every function in
its own isolated worker process), once with one job and once with two, through the same
code as the command line (``course_lib.exercises.grade.grade``), and prints the wall
time per submission. Target: under 2 s per submission with 2 jobs on a 2-core machine,
so that a class of 200 is graded in minutes.

    python benchmarks/bench_grading.py [--copies 10] [--assignments 04_backward_pass ...]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.exercises.grade import grade

ROOT = Path(__file__).resolve().parents[1]


def seconds_per_submission(stem: str, copies: int, jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "class"
        subs.mkdir()
        for i in range(copies):
            shutil.copy(ROOT / "solutions" / f"{stem}.ipynb", subs / f"learner{i:03d}.ipynb")
        start = time.perf_counter()
        rows = grade(ASSIGNMENTS[stem], sorted(subs.iterdir()), Path(tmp) / "out", jobs=jobs,
                     progress=False)  # fmt: skip
        elapsed = time.perf_counter() - start
    assert all(r.total == r.max_score for r in rows), "a solution notebook lost points"
    return elapsed / copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    args = parser.parse_args()
    print(f"{'assignment':<26} {'1 job':>8} {'2 jobs':>8}   (seconds per submission, "
          f"{args.copies} copies)")  # fmt: skip
    for stem in args.assignments:
        one = seconds_per_submission(stem, args.copies, jobs=1)
        two = seconds_per_submission(stem, args.copies, jobs=2)
        print(f"{stem:<26} {one:>8.2f} {two:>8.2f}")


if __name__ == "__main__":
    main()
