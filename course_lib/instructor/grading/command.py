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
from ..lms.rosters import read_roster
from ..results import ClassResults
from ..roster import GradebookError, read_overrides
from ..sandbox import SandboxUnavailable, sandbox_problem
from .batch import grade_class, stopped_by_signals
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
            lms_column = roster.canvas_column(assignment, args.lms_assignment) if roster else None
            if args.lms_assignment and (roster is None or roster.kind == "plain"):
                lms_column = args.lms_assignment  # the column Canvas is to fill, as given
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
            run = grade_class(
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
                lms_column=lms_column,
                lang=getattr(args, "lang", None),
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
    graded = run.graded
    full = sum(g.total == g.max_score for g in graded)
    mean = sum(g.total for g in graded) / len(graded) if graded else 0.0
    kept = sum(g.reused for g in graded)
    done = f"graded {len(graded) - kept} submission(s)"
    if kept:
        done += f" and kept {kept} graded by an earlier run (--resume)"
    print(
        f"{done} of {assignment.stem}: mean {mean:.2f} / {assignment.max_score}, {full} with "
        f"full marks; see {out / 'grades.csv'}"
    )
    status = say_unmatched(run, out)
    if args.no_sandbox:
        print(f"course-lib grade: {UNSAFE}", file=sys.stderr)
    return status


UNMATCHED_STATUS = 3  # grading ran, but a graded file counts for no student of the roster
SHOWN = 20  # names listed on the terminal per kind; unmatched.csv has them all


def _listed(lines: list[str]) -> str:
    more = [f"and {len(lines) - SHOWN} more (see unmatched.csv)"] if len(lines) > SHOWN else []
    return "".join(f"\n  {line}" for line in [*lines[:SHOWN], *more])


def say_unmatched(run: ClassResults, out: Path) -> int:
    """Say what did not reach the gradebook (unmatched.csv lists it all); the exit status:
    UNMATCHED_STATUS when a graded file counts for no student, else 0."""
    if run.skipped:
        print(
            f"{len(run.skipped)} notebook(s) found but not graded (not the assignment's "
            "notebook of a learner's files):"
            + _listed([f"{u.source}: {u.reason}" for u in run.skipped])
        )
    roster = run.roster
    if roster is None:
        return 0
    files = {"canvas.csv": "Canvas", "moodle.csv": "Moodle"}
    lms = [f"{name} ({who})" for name, who in files.items() if (out / name).exists()]
    matched = sum(e.graded is not None for e in run.book)
    print(
        f"gradebook for the {len(roster)} students of {roster.path} ({roster.kind}): "
        f"{matched} with a submission; {out / 'gradebook.csv'}"
        + (f", {', '.join(lms)}" if lms else "")
        + (f"; Canvas's column filled: {run.lms_column}" if run.lms_column else "")
    )
    if roster.left_out:
        print("not students, left out of the roster:" + _listed(roster.left_out))
    if run.missing:
        print(
            f"{len(run.missing)} student(s) of the roster without a submission:"
            + _listed([f"{e.student.student_id} {e.student.name}".strip() for e in run.missing])
        )
    if run.unmatched:
        print(
            f"course-lib grade: {len(run.unmatched)} graded file(s) count for no student "
            f"(rows at the end of gradebook.csv; exit status {UNMATCHED_STATUS}):"
            + _listed([f"{u.source}: {u.reason}" for u in run.unmatched]),
            file=sys.stderr,
        )
        return UNMATCHED_STATUS
    return 0
