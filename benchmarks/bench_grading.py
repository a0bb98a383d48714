"""How fast does `course-lib grade` grade a class, and what does the sandbox cost?

Grades N copies of each solution notebook (public and hidden cases, every notebook in
its own worker process) through the same code as the command line
(``course_lib.instructor.grading.batch.grade``), with two jobs, once in the bubblewrap sandbox
and once without (``--no-sandbox``), alternating the two ``--rounds`` times in this one
process so that both see the same machine. It prints the median seconds per submission
of each, and the sandbox's cost per submission.

Targets: under 2 s per submission with 2 jobs on a 2-core machine (a class of 200 in
minutes), and a sandbox that costs at most 0.1 s per submission.

    python benchmarks/bench_grading.py [--copies 10] [--rounds 3] [--jobs 2]
                                       [--assignments 04_backward_pass ...]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.grading.batch import grade

ROOT = Path(__file__).resolve().parents[1]


def seconds_per_submission(stem: str, copies: int, jobs: int, sandbox: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "class"
        subs.mkdir()
        for i in range(copies):
            shutil.copy(ROOT / "solutions" / f"{stem}.ipynb", subs / f"learner{i:03d}.ipynb")
        start = time.perf_counter()
        rows = grade(
            ASSIGNMENTS[stem],
            sorted(subs.iterdir()),
            Path(tmp) / "out",
            jobs=jobs,
            progress=False,
            sandbox=sandbox,
        )
        elapsed = time.perf_counter() - start
    assert all(r.total == r.max_score for r in rows), "a solution notebook lost points"
    return elapsed / copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    args = parser.parse_args()
    print(
        f"seconds per submission, {args.copies} copies, {args.jobs} jobs, median of "
        f"{args.rounds} alternating rounds"
    )
    print(f"{'assignment':<26} {'sandbox':>8} {'none':>8} {'cost':>8}")
    for stem in args.assignments:
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.rounds):
            for sandbox in (True, False):
                times[sandbox].append(seconds_per_submission(stem, args.copies, args.jobs, sandbox))
        boxed, bare = statistics.median(times[True]), statistics.median(times[False])
        print(f"{stem:<26} {boxed:>8.3f} {bare:>8.3f} {boxed - bare:>+8.3f}")


if __name__ == "__main__":
    main()
