"""How fast does `course-lib grade` grade a class, and what does the sandbox cost?

Grades N copies of each solution notebook (public and hidden cases, every notebook in
its own worker process) through the same code as the command line
(``course_lib.instructor.grading.batch.grade``), with two jobs, once in the bubblewrap sandbox
and once without (``--no-sandbox``), alternating the two ``--rounds`` times in this one
process so that both see the same machine. It prints the median seconds per submission
of each, and the sandbox's cost per submission.

With ``--class-size N``, it also grades a class of N submissions of 04 through the command
itself (a child process), a share of them hostile or hung (``--hostile``, default 5%: the
attacks of tests/test_grader_trust.py, in turn), and prints the wall time, the grader's
peak memory and the machine's load average. Then what the class report (report.html and
report.md) adds to that: the class rebuilt here from the command's output as ``--resume``
rebuilds it, the time to read every submission's answer cells and write both pages (the
report's own work in the command), against the time of the rest of the command; and
whether the pages are the command's, to the byte.

Targets (issue 23): the sandbox costs at most 0.02 s per submission; 04 is graded in at
most 0.2 s per correct submission with 2 jobs on 2 cores; a class of 150 with 5% hostile
or hung submissions in at most 3 minutes, the grader's peak memory under 300 MB; the class
report adds at most 10% to grading a class.

    python benchmarks/bench_grading.py [--copies 10] [--rounds 3] [--jobs 2]
                                       [--assignments 04_backward_pass ...]
                                       [--class-size 150] [--hostile 0.05]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.exercises.process.notebook import MAX_NOTEBOOK_BYTES
from course_lib.instructor.exports.report import answer_cells, markdown_page, page
from course_lib.instructor.grading.batch import grade
from course_lib.instructor.grading.collect import collect, names_for
from course_lib.instructor.grading.records import reused, sha256
from course_lib.instructor.results import ClassResults

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


def grade_a_class(size: int, hostile: float, jobs: int) -> None:
    """Grade a class of ``size`` submissions of 04, ``hostile`` of them attacks, through the
    command; print the wall time, the grader's peak RSS and the load."""
    sys.path.insert(0, str(ROOT / "tests"))
    import test_grader_trust as attacks
    from exercise_tools import grade_class  # the command in a child process, and its peak memory

    kinds = {
        "stall": {"after": (attacks.STALL, attacks.BIG_CELL)},
        "flood": {"answers": attacks.body("sigmoid_backward", attacks.FLOOD)},
        "memfd": {"before": attacks.MEMFD},
        "forge": {"answers": attacks.body("backprop", attacks.FORGE), "before": attacks.REFERENCE},
        "loop": {"answers": attacks.body("linear_backward", "\n    while True:\n        pass")},
    }
    n_hostile = round(size * hostile)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "class"
        subs.mkdir()
        names = list(kinds)
        for i in range(size):
            kind = names[i % len(names)] if i < n_hostile else None
            name = f"learner{i:03d}" + (f"-{kind}" if kind else "")
            attacks.write(subs / f"{name}.ipynb", **(kinds[kind] if kind else {}))
        load = os.getloadavg()[0]
        start = time.perf_counter()
        rows, peak = grade_class(
            "04_backward_pass",
            subs,
            Path(tmp) / "out",
            secret="a class secret",
            jobs=jobs,
            timeout=None,
        )
        elapsed = time.perf_counter() - start
        report, same = report_seconds(subs, Path(tmp) / "out", "a class secret")
    rows = list(rows.values())
    full = sum(r["total"] == r["max_score"] for r in rows if "-" not in r["submission"])
    print(
        f"a class of {size} ({n_hostile} hostile or hung: {', '.join(names[:n_hostile])}), "
        f"{jobs} jobs: "
        f"{elapsed:.1f} s, {elapsed / size:.2f} s per submission; grader's peak RSS "
        f"{peak:.0f} MB; {full} of {size - n_hostile} honest learners with full marks; load "
        f"average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(
        f"the class report: {report:.2f} s against {elapsed - report:.1f} s for the rest of "
        f"grading, {100 * report / (elapsed - report):.1f}% more; "
        f"{'the same bytes as' if same else 'NOT the same bytes as'} the command's"
    )


def report_seconds(subs: Path, out: Path, secret: str) -> tuple[float, bool]:
    """The class report's own work in a graded class: every submission's answer cells read
    from its collected copy, report.html and report.md written (the class rebuilt from
    ``out`` first, as --resume does: not timed). Its seconds, and whether the pages are the
    ones in ``out``."""
    assignment = ASSIGNMENTS["04_backward_pass"]
    with collect([str(subs)], MAX_NOTEBOOK_BYTES) as found:
        names = names_for([s.path for s in found])
        kept = {
            s: reused(
                names[s.path],
                s.path,
                s.sha256,
                out / "submissions" / names[s.path],
                assignment,
                sha256(secret.encode()),
            )
            for s in found
        }
        start = time.perf_counter()
        graded = [replace(g, answers=answer_cells(s, assignment)) for s, g in kept.items() if g]
        run = ClassResults(assignment, graded)
        pages = page.text(run).encode(), markdown_page.text(run).encode()
        seconds = time.perf_counter() - start
    written = (out / "report.html").read_bytes(), (out / "report.md").read_bytes()
    return seconds, pages == written and len(graded) == len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    parser.add_argument("--class-size", type=int, default=0)
    parser.add_argument("--hostile", type=float, default=0.05)
    args = parser.parse_args()
    if args.class_size:
        grade_a_class(args.class_size, args.hostile, args.jobs)
        return
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
