"""Before any learner's notebook: the assignment's solution notebook must get full marks
on the cases the learners will get (a broken case, a stale catalog would cost every
learner the same points); a validation that passed is remembered."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from ...exercises.cli import UsageError
from ...exercises.engine import NotebookResult
from ...exercises.process.channel import Cancellation, Limits
from ...exercises.process.session import run_notebook
from ...exercises.report import exercise_lines
from ...exercises.spec import Assignment
from ..sandbox import Sandbox
from .records import write_atomically
from .trials import prepare, stand_in

PACKAGE = Path(__file__).resolve().parents[2]  # course_lib: every module and data file


def default_solutions() -> Path:
    """The solutions/ folder of the course this package was installed from, if it is an
    editable install of the repository; else ./solutions."""
    beside = PACKAGE.parent / "solutions"
    return beside if beside.is_dir() else Path("solutions")


def validate(
    assignment: Assignment,
    solutions: Path,
    secret: str = "",
    sandbox: bool = True,
    limits: Limits | None = None,
) -> tuple[NotebookResult, list[str]]:
    """Grade the assignment's solution notebook on every case the learners will get;
    return the result and one problem per exercise that did not get full marks (empty:
    the answer key, the cases and the catalog agree)."""
    path = solutions / f"{assignment.stem}.ipynb"
    if not path.is_file():
        raise UsageError(
            f"cannot check the cases before grading: no solution notebook {path} "
            "(pass --solutions DIR, the folder of the solution notebooks)"
        )
    limits = limits or Limits()
    box = Sandbox.find() if sandbox else None
    result = run_notebook(
        path,
        assignment,
        prepare(assignment, secret),
        limits=limits,
        sandbox=box,
        cancellation=Cancellation(),
        stand_ins=stand_in,
    )
    problems = [
        " ".join(line.strip() for line in exercise_lines(r))
        for r in result.exercises
        if not r.passed
    ]
    if result.problem:
        problems.insert(0, result.problem)
    return result, problems


def _validation_key(
    assignment: Assignment, solutions: Path, secret: str, sandbox: bool, limits: Limits
) -> str:
    """What a validation depends on: the solution notebook, every module and data file of
    the grader (cases, references, catalog), the secret, the sandbox and the limits."""
    digest = hashlib.sha256()
    files = [
        solutions / f"{assignment.stem}.ipynb",
        *sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".json")),
    ]
    for f in files:
        name = f.name if f.parent == solutions else f.relative_to(PACKAGE).as_posix()
        digest.update(name.encode() + b"\0" + f.read_bytes() + b"\0")
    digest.update(f"{assignment.stem}|{secret}|{sandbox}|{limits}".encode())
    return digest.hexdigest()


def validated(
    assignment: Assignment, solutions: Path, secret: str, sandbox: bool, limits: Limits
) -> list[str]:
    """:func:`validate`, remembered: a validation that passed is not run again for the same
    solution, grader files, secret and limits (a file named by their sha256 in
    ~/.cache/course-lib/validated/)."""
    key = _validation_key(assignment, solutions, secret, sandbox, limits)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    mark = cache / "course-lib" / "validated" / key
    if mark.is_file():
        return []
    _, problems = validate(assignment, solutions, secret, sandbox, limits)
    if not problems:
        with contextlib.suppress(OSError):
            mark.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(mark, assignment.stem + "\n")
    return problems
