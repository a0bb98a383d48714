"""``course-lib grade``: grade a class's notebooks into a CSV gradebook, Gradescope
``results.json`` files and ``feedback.md`` files.

Each submission runs in its own isolated worker (:mod:`.runner`) on the public and
hidden cases of every exercise; several submissions run in parallel (``--jobs``),
each waiting on its own worker process, so threads are enough here. Results are
written per submission as soon as it is graded (``--resume`` picks them up again),
and ``grades.csv`` is replaced atomically at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .assignments import ASSIGNMENTS
from .report import exercise_lines, feedback_markdown
from .runner import ExerciseResult, Limits, NotebookResult, run_notebook
from .spec import Assignment


class UsageError(ValueError):
    """The command was misused (unknown assignment, no submissions, unwritable folder)."""


@dataclass
class Row:
    """One line of grades.csv."""

    submission: str
    scores: dict[str, int]
    total: int
    max_score: int


# ----- finding the submissions -----


def collect(paths: list[str]) -> list[Path]:
    """The submitted files: each path is a file (any file: a non-notebook gets a zero row
    with a reason) or a folder, whose *.ipynb files are taken (checkpoints skipped)."""
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {text}")
    if not found:
        raise UsageError(f"no submissions found in {', '.join(paths)} (expected .ipynb files)")
    return list(dict.fromkeys(p.resolve() for p in found))


def names_for(paths: list[Path]) -> dict[Path, str]:
    """A unique, file-system-safe name per submission: its stem, prefixed by as many of
    its folders as it takes to tell apart submissions that share a stem
    (``alice/exercises/04.ipynb`` and ``bob/exercises/04.ipynb`` -> ``alice-exercises-04``)."""
    by_stem: dict[str, list[Path]] = {}
    for p in paths:
        by_stem.setdefault(p.stem, []).append(p)
    raw: dict[Path, str] = {}
    for stem, group in by_stem.items():
        depth = 0
        while len(group) > 1 and depth < max(len(p.parent.parts) for p in group):
            depth += 1
            if len({p.parent.parts[-depth:] for p in group}) == len(group):
                break
        for p in group:
            raw[p] = "-".join([*p.parent.parts[len(p.parent.parts) - depth :], stem])
    names: dict[Path, str] = {}
    used: set[str] = set()
    for p in paths:
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in raw[p]).strip("._") or "x"
        base, k = name, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        names[p] = name
    return names


# ----- writing results -----


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def gradescope_results(result: NotebookResult) -> dict:
    """Gradescope's autograder results format: one test per graded function."""
    tests = []
    for r in result.exercises:
        tests.append({
            "name": _test_name(r.exercise),
            "score": r.score,
            "max_score": r.exercise.points,
            "status": "passed" if r.passed else "failed",
            "output": "\n".join(exercise_lines(r)),
            "visibility": "visible",
        })  # fmt: skip
    summary = (
        f"{result.assignment.title}: {result.score} / {result.assignment.max_score} points"
        + (f". Not graded: {result.problem}" if result.problem else "")
    )
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 3),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _test_name(ex) -> str:
    """The grade_id first (--resume reads it back), then the function if it differs."""
    return ex.grade_id if ex.function == ex.grade_id else f"{ex.grade_id} ({ex.function})"


def row_of(name: str, result: NotebookResult) -> Row:
    scores = {r.exercise.grade_id: r.score for r in result.exercises}
    return Row(name, scores, result.score, result.assignment.max_score)


def row_from_results_json(name: str, path: Path, assignment: Assignment) -> Row | None:
    """The row of a submission graded earlier (for --resume), or None if unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        scores = {t["name"].split(" ")[0]: int(t["score"]) for t in data["tests"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if set(scores) != {ex.grade_id for ex in assignment.exercises}:
        return None
    return Row(name, scores, sum(scores.values()), assignment.max_score)


def csv_text(rows: list[Row], assignment: Assignment) -> str:
    ids = [ex.grade_id for ex in assignment.exercises]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", *ids, "total", "max_score"])
    for row in sorted(rows, key=lambda r: r.submission):
        writer.writerow([row.submission, *(row.scores[i] for i in ids), row.total, row.max_score])
    return out.getvalue()


# ----- grading -----


def grade_one(path: Path, name: str, assignment: Assignment, out: Path, limits: Limits) -> Row:
    """Grade one submission and write its results.json and feedback.md; never raises
    for a bad submission (an internal error also gives a zero row, with its reason)."""
    try:
        result = run_notebook(path, assignment, hidden=True, limits=limits)
    except Exception as err:  # a bug of ours must not lose the rest of the batch
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        problem = f"the grader failed on it ({detail})"
        result = NotebookResult(assignment, problem=problem)
        result.exercises = [ExerciseResult(ex, problem=problem) for ex in assignment.exercises]
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "feedback.md", feedback_markdown(result, path.name))
    results = json.dumps(gradescope_results(result), indent=2, ensure_ascii=False)
    write_atomically(folder / "results.json", results + "\n")
    return row_of(name, result)


def grade(
    assignment: Assignment,
    submissions: list[Path],
    out: Path,
    jobs: int = 1,
    resume: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
) -> list[Row]:
    """Grade every submission into ``out``; return the rows of grades.csv (also written)."""
    from tqdm.auto import tqdm

    limits = limits or Limits()
    names = names_for(submissions)
    rows: list[Row] = []
    todo: list[Path] = []
    for path in submissions:
        previous = out / names[path] / "results.json"
        row = row_from_results_json(names[path], previous, assignment) if resume else None
        if row is not None:
            rows.append(row)
        else:
            todo.append(path)
    bar = tqdm(total=len(submissions), initial=len(rows), unit="notebook", disable=not progress,
               desc=f"grading {assignment.stem}", file=sys.stderr)  # fmt: skip
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_one, p, names[p], assignment, out, limits) for p in todo]
        for future in as_completed(futures):
            rows.append(future.result())
            bar.update(1)
    bar.close()
    write_atomically(out / "grades.csv", csv_text(rows, assignment))
    return rows


def grade_command(args: argparse.Namespace) -> int:
    try:
        if args.assignment not in ASSIGNMENTS:
            known = ", ".join(ASSIGNMENTS)
            raise UsageError(f"unknown assignment {args.assignment!r}; known: {known}")
        submissions = collect(args.submissions)
        out = Path(args.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            probe = out / ".course-lib-write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as err:
            raise UsageError(f"cannot write to the output folder {out}: {err.strerror}") from None
    except UsageError as err:
        print(f"course-lib grade: {err}", file=sys.stderr)
        return 2
    assignment = ASSIGNMENTS[args.assignment]
    limits = Limits(cell_timeout=args.cell_timeout, call_timeout=args.call_timeout,
                    memory_mb=args.memory_mb)  # fmt: skip
    jobs = args.jobs or os.cpu_count() or 1
    rows = grade(assignment, submissions, out, jobs=jobs, resume=args.resume, limits=limits,
                 progress=not args.no_progress)  # fmt: skip
    full = sum(r.total == r.max_score for r in rows)
    mean = sum(r.total for r in rows) / len(rows)
    print(
        f"graded {len(rows)} submission(s) of {assignment.stem}: mean {mean:.2f} / "
        f"{assignment.max_score}, {full} with full marks; see {out / 'grades.csv'}"
    )
    return 0
