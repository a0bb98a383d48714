"""Helpers for the exercise and grader tests: notebooks with answers put in or changed."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
STEMS = [
    "01_gradient_descent",
    "02_chain_rule",
    "03_forward_pass",
    "04_backward_pass",
    "05_digit_classification",
]


def answer_body(stem: str, gid: str, code: str) -> dict[str, str]:
    """The solution's answer cell of ``gid`` with its body (inside the markers) replaced by
    ``code`` (indented as a function body, from its first line break)."""
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if grade_id(c) == f"{gid}_answer"]
    head, rest = cell.source.split("### BEGIN SOLUTION\n")
    _, tail = rest.split("### END SOLUTION")
    return {f"{gid}_answer": head + code.rstrip() + "\n    " + tail.lstrip(" ")}


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answers(stem: str) -> dict[str, str]:
    """The source of every answer cell of a solution notebook, by grade_id."""
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    return {
        grade_id(c): c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def with_sources(source: Path, path: Path, sources: dict[str, str]) -> Path:
    """Write the notebook ``source`` to ``path`` with the cells named in ``sources`` (by
    grade_id) replaced by their new source."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in sources:
            cell.source = sources[grade_id(cell)]
    nbformat.write(nb, path)
    return path


def exercise_with_answers(stem: str, path: Path, sources: dict[str, str] | None = None) -> Path:
    """Write the exercise notebook with the solution's answers (or ``sources``) put back."""
    sources = answers(stem) if sources is None else sources
    return with_sources(EXERCISES / f"{stem}.ipynb", path, sources)


def solution_with(stem: str, path: Path, changes: dict[str, tuple[str, str]]) -> Path:
    """Write the solution notebook with, in cell ``grade_id``, ``old`` replaced by ``new``.

    ``changes`` maps a grade_id (answer or other cell) to (old, new); old must occur.
    """
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    done = set()
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in changes:
            old, new = changes[gid]
            assert old in cell.source, f"{old!r} not in cell {gid}"
            cell.source = cell.source.replace(old, new)
            done.add(gid)
    assert done == set(changes), f"cells not found: {set(changes) - done}"
    nbformat.write(nb, path)
    return path


def add_cell(stem: str, path: Path, source: str, after: str | None = None) -> Path:
    """Write the solution notebook with a new code cell (after the cell ``after``, or last)."""
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "added-cell"
    index = len(nb.cells)
    if after is not None:
        index = 1 + next(i for i, c in enumerate(nb.cells) if grade_id(c) == after)
    nb.cells.insert(index, cell)
    nbformat.write(nb, path)
    return path


# `course-lib grade` in a child process, which then prints its own peak memory: VmHWM of
# /proc/self/status, the high-water mark of the grader's own pages (ru_maxrss would also count
# the pages of the test process it was forked from, before the exec)
_GRADE_AND_MEASURE = """\
import sys
from course_lib.cli import main
code = main(sys.argv[1:])
status = open('/proc/self/status').read()
print('peak_mb', int(status.split('VmHWM:')[1].split()[0]) // 1024)
sys.exit(code)
"""


def grade_class(
    stem: str,
    subs: Path,
    out: Path,
    *extra: str,
    secret: str,
    jobs: int = 2,
    timeout: float | None = 300,
) -> tuple[dict[str, dict[str, str]], int]:
    """Grade the notebooks in ``subs`` through the command (``secret`` in a file beside
    ``out``), in a child process that must succeed; grades.csv's rows by submission, and the
    grader's peak memory in MB."""
    secret_file = out.parent / f"{out.name}.secret"
    secret_file.write_text(secret)
    command = ["grade", "--assignment", stem, "--out", str(out), "--jobs", str(jobs)]
    command.append("--no-progress")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _GRADE_AND_MEASURE,
            *command,
            "--secret-file",
            str(secret_file),
            *extra,
            str(subs),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    with open(out / "grades.csv", newline="") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    return rows, int(done.stdout.split("peak_mb")[-1].split()[0])
