"""``course-lib grade``: the command's options checked, the instructor's secret read, the
solution validated, then the batch run (:func:`.batch.grade`) and summed up."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from ...exercises.assignments import ASSIGNMENTS
from ...exercises.cli import UsageError
from ...exercises.process.channel import Limits
from ...exercises.spec import Assignment
from ..exports.text import UNSAFE
from ..roster import GradebookError, read_overrides, read_roster
from ..sandbox import SandboxUnavailable, sandbox_problem
from .batch import grade, stopped_by_signals
from .collect import collect, names_for
from .validate import default_solutions, validate, validated

SECRET_ENV = "COURSE_LIB_SECRET"
NO_SECRET = (
    "no secret given: the hidden cases use the course's default seed, which anyone who reads "
    f"its sources can compute; for a class, pass --secret-file FILE (or set ${SECRET_ENV})"
)


def read_secret(path: str | None) -> str:
    """The instructor's secret: the first line of ``path``, else $COURSE_LIB_SECRET, else ""."""
    if path:
        try:
            secret = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read the secret file {path}: {err}") from None
        if not secret:
            raise UsageError(f"the secret file {path} is empty")
        return secret
    return os.environ.get(SECRET_ENV, "").strip()


def _fail(message: str) -> int:
    print(f"course-lib grade: {message}", file=sys.stderr)
    return 2


def validate_command(
    args: argparse.Namespace, assignment: Assignment, secret: str, limits: Limits
) -> int:
    """``--validate``: grade the solution notebook, print its report; 0 on full marks."""
    from ...exercises.report import terminal_report

    result, problems = validate(
        assignment, Path(args.solutions or default_solutions()), secret, not args.no_sandbox, limits
    )
    print(terminal_report(result, f"Validating {assignment.stem} (the solution notebook)"))
    if problems:
        print(
            f"course-lib grade: the solution of {assignment.stem} does not get full marks: "
            "fix the case or the solution before grading"
        )
        return 1
    print(f"the solution of {assignment.stem} gets full marks on every public and hidden case")
    return 0


def grade_command(args: argparse.Namespace) -> int:
    """The command; the submissions it collects (each read once, into a private folder)
    are removed when it ends, however it ends."""
    with contextlib.ExitStack() as collected:
        return _grade_command(args, collected)


def _grade_command(args: argparse.Namespace, collected: contextlib.ExitStack) -> int:
    try:
        if args.assignment not in ASSIGNMENTS:
            known = ", ".join(ASSIGNMENTS)
            raise UsageError(f"unknown assignment {args.assignment!r}; known: {known}")
        assignment = ASSIGNMENTS[args.assignment]
        if not args.validate:
            if not args.out:
                raise UsageError("--out FOLDER is needed (where grades.csv goes)")
            if not args.submissions:
                raise UsageError("no submissions given (notebooks, or folders of notebooks)")
            max_bytes = int(args.max_size_mb * 2**20)
            submissions = collected.enter_context(collect(args.submissions, max_bytes))
            out = Path(args.out)
            try:
                out.mkdir(parents=True, exist_ok=True)
                probe = out / ".course-lib-write-test"
                probe.write_text("ok")
                probe.unlink()
            except OSError as err:
                raise UsageError(
                    f"cannot write to the output folder {out}: {err.strerror}"
                ) from None
            roster = read_roster(Path(args.roster)) if args.roster else None
            overrides = []
            if args.overrides:
                if roster is not None:
                    known, key = {s.student_id for s in roster}, "student_id of the roster"
                else:
                    names = names_for([s.path for s in submissions])
                    known, key = set(names.values()), "submission name"
                overrides = read_overrides(Path(args.overrides), assignment, known, key)
        if args.no_sandbox:
            print(f"course-lib grade: {UNSAFE}", file=sys.stderr)
        else:
            problem = sandbox_problem()
            if problem:
                raise UsageError(
                    f"no sandbox, no grading: {problem}. (For code you trust, --no-sandbox "
                    "grades without it: unsafe.)"
                )
        secret = read_secret(args.secret_file)
    except (UsageError, GradebookError) as err:
        return _fail(str(err))
    limits = Limits(
        cell_timeout=args.cell_timeout,
        call_timeout=args.call_timeout,
        memory_mb=args.memory_mb,
        max_notebook_bytes=int(args.max_size_mb * 2**20),
        submission_timeout=args.submission_timeout,
    )
    jobs = args.jobs or os.cpu_count() or 1
    if not secret:
        print(f"course-lib grade: {NO_SECRET}", file=sys.stderr)
    try:
        if args.validate:
            return validate_command(args, assignment, secret, limits)
        solutions = Path(args.solutions or default_solutions())
        problems = validated(assignment, solutions, secret, not args.no_sandbox, limits)
    except UsageError as err:
        return _fail(str(err))
    except SandboxUnavailable as err:
        return _fail(f"no sandbox, no grading: {err}")
    if problems:
        return _fail(
            f"nothing graded: the solution notebook {solutions / assignment.stem}.ipynb does not "
            "get full marks with these cases, so every learner would lose the same points:\n  "
            + "\n  ".join(problems)
            + "\nFix the case or the solution (then `course-lib build`), and check with "
            f"`course-lib grade --validate --assignment {assignment.stem}`."
        )
    try:
        with stopped_by_signals() as stop:  # Ctrl-C or `kill`: grading stops cleanly
            graded = grade(
                assignment,
                submissions,
                out,
                jobs=jobs,
                resume=args.resume,
                limits=limits,
                progress=not args.no_progress,
                sandbox=not args.no_sandbox,
                secret=secret,
                stop=stop,
                roster=roster,
                overrides=overrides,
            )
    except UsageError as err:  # a broken case
        return _fail(f"nothing graded: {err}")
    except SandboxUnavailable as err:
        return _fail(f"no sandbox, no grading: {err}")
    except KeyboardInterrupt:
        print(
            f"course-lib grade: interrupted; {out / 'grades.csv'} has the submissions "
            "graded so far (--resume continues)",
            file=sys.stderr,
        )
        return 130
    full = sum(g.total == g.max_score for g in graded)
    mean = sum(g.total for g in graded) / len(graded)
    print(
        f"graded {len(graded)} submission(s) of {assignment.stem}: mean {mean:.2f} / "
        f"{assignment.max_score}, {full} with full marks; see {out / 'grades.csv'}"
    )
    if roster is not None:
        print(
            f"gradebook for {len(roster)} students: {out / 'gradebook.csv'} (Canvas: "
            f"{out / 'canvas.csv'}, Moodle: {out / 'moodle.csv'})"
        )
    if args.no_sandbox:
        print(f"course-lib grade: {UNSAFE}", file=sys.stderr)
    return 0
