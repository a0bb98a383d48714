"""The instructor's subcommands of ``course-lib``: ``build``, ``grade``, ``gradescope`` and
``release``. ``course_lib/cli.py`` adds them when this package is installed (the learner
edition has none of it); the work is imported only when a command runs.
"""

from __future__ import annotations

import argparse

from ..exercises.cli import positive
from ..i18n import LANGUAGES, _


def add_commands(commands) -> None:
    """Add the instructor's commands to ``commands``."""
    build = commands.add_parser(
        "build",
        help="generate exercises/ from solutions/ (answers replaced by stubs)",
        description="Regenerate the exercise notebooks from the solution notebooks.",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming the stale files if exercises/ is out of date",
    )
    build.add_argument("--solutions", help="folder of solution notebooks (default ./solutions)")
    build.add_argument("--exercises", help="folder of exercise notebooks (default ./exercises)")
    grade = commands.add_parser(
        "grade",
        help="grade submitted notebooks: grades.csv, Gradescope results.json, feedback.md",
        description="Grade learners' notebooks of one assignment, each in an isolated process, "
        "on public and hidden cases.",
    )
    grade.add_argument(
        "--assignment",
        required=True,
        help="the exercise notebook's stem, e.g. 04_backward_pass",
    )
    grade.add_argument(
        "--out", help="folder for grades.csv and one folder per submission (needed to grade)"
    )
    grade.add_argument(
        "submissions",
        nargs="*",
        metavar="SUBMISSION",
        help="a notebook, or a folder of notebooks",
    )
    grade.add_argument(
        "--validate",
        action="store_true",
        help="grade only the solution notebook, on every public and hidden case, and say "
        "whether it gets full marks (it must: grading checks it first and refuses if not)",
    )
    grade.add_argument(
        "--solutions",
        help="folder of the solution notebooks (default: the course's solutions/)",
    )
    grade.add_argument(
        "--roster",
        help="the class list: Canvas's gradebook export, Moodle's grading worksheet, "
        "nbgrader's student CSV, or ours (student_id, login, name...): adds gradebook.csv "
        "and the LMS's import (canvas.csv, moodle.csv), one row per student",
    )
    grade.add_argument(
        "--lms-assignment",
        metavar="COLUMN",
        help="the Canvas export's column of this assignment ('Title (id)', or its id), when "
        "its title does not name the assignment",
    )
    grade.add_argument(
        "--overrides",
        help="CSV of student,exercise,points,reason: points set by hand (a regrade), shown "
        "with the reason in grades.csv, feedback.md and results.json",
    )
    grade.add_argument(
        "--jobs",
        type=positive(int),
        default=None,
        help="submissions graded in parallel (default: the number of cores)",
    )
    grade.add_argument(
        "--resume", action="store_true", help="skip submissions already graded into --out"
    )
    grade.add_argument(
        "--cell-timeout",
        type=positive(float),
        default=30.0,
        help="seconds for one notebook cell (default %(default)s)",
    )
    grade.add_argument(
        "--call-timeout",
        type=positive(float),
        default=None,
        help="seconds for one call of a graded function (default: each exercise's own)",
    )
    grade.add_argument(
        "--memory-mb",
        type=positive(int),
        default=2048,
        help="memory limit of each learner process, in MB (default %(default)s)",
    )
    grade.add_argument(
        "--secret-file",
        help="a file whose first line is your secret: the hidden cases' inputs are drawn from "
        "it (default: $COURSE_LIB_SECRET, else the course's public default seed)",
    )
    grade.add_argument(
        "--submission-timeout",
        type=positive(float),
        default=300.0,
        help="seconds of wall time for one submission, restarts and replays included; what "
        "is not done by then counts as not run (default %(default)s)",
    )
    grade.add_argument(
        "--max-size-mb",
        type=positive(float),
        default=20.0,
        help="a larger notebook gets a zero row without being read (default %(default)s)",
    )
    grade.add_argument(
        "--no-sandbox",
        action="store_true",
        help="UNSAFE: run the learners' code without the bubblewrap sandbox, with your rights "
        "(only for code you trust, on a machine where no sandbox can be made)",
    )
    grade.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    grade.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help="write every learner's feedback in this language (default: each in the language "
        "of the notebook submitted: a notebook of exercises/zh gets Chinese feedback)",
    )
    gradescope_arguments(
        commands.add_parser(
            "gradescope",
            help="build a Gradescope autograder for an assignment, or run it (inside Gradescope)",
            description="Gradescope autograder: `build` writes the zip to upload; `run` is what "
            "its run_autograder calls.",
        )
    )
    release_arguments(
        commands.add_parser(
            "release",
            help="write the learner edition of the course (no solutions, hidden cases, grader)",
            description="Write the learner edition: notebooks, exercises and the package, "
            "without the instructor's solutions, hidden cases and grader.",
        )
    )


def gradescope_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``build`` and ``run`` to the ``gradescope`` subcommand's parser."""
    actions = parser.add_subparsers(dest="gradescope_action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="write the autograder zip to upload to Gradescope",
        description="Write the Gradescope autograder zip of one assignment: setup.sh, "
        "run_autograder and the course_lib package (never the solutions).",
    )
    build.add_argument(
        "--assignment", required=True, help="the exercise notebook's stem, e.g. 04_backward_pass"
    )
    build.add_argument("--out", help="the zip to write (default autograder_ASSIGNMENT.zip)")
    build.add_argument(
        "--secret-file",
        help="your secret (its first line), put in the zip so that Gradescope draws the same "
        "hidden cases as `course-lib grade --secret-file` (default: $COURSE_LIB_SECRET)",
    )
    run = actions.add_parser(
        "run",
        help="grade one Gradescope submission (what run_autograder runs)",
        description="Grade the notebook in ROOT/submission in the sandbox and write "
        "ROOT/results/results.json.",
    )
    run.add_argument("--assignment", required=True, help="the exercise notebook's stem")
    run.add_argument("--root", default="/autograder", help="Gradescope's folder (%(default)s)")


def release_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course-lib release``."""
    parser.add_argument("--out", required=True, help="folder for the learner edition")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace what --out holds (its .git is kept) instead of refusing a non-empty folder",
    )
    parser.add_argument(
        "--repo", help="the instructor's repository (default: the one course_lib comes from)"
    )
    parser.add_argument(
        "--lang",
        choices=("all", "en", "zh"),
        default="all",
        help="the notebooks' language: English, Chinese (notebooks/zh, exercises/zh) or both "
        "(default)",
    )


def build_command(args: argparse.Namespace) -> int:
    from .build import build_command as run

    return run(args)


def grade_command(args: argparse.Namespace) -> int:
    from .grading.command import grade_command as run

    return run(args)


def gradescope_command(args: argparse.Namespace) -> int:
    from .gradescope import gradescope_command as run

    return run(args)


def release_command(args: argparse.Namespace) -> int:
    from .release import release_command as run

    return run(args)


def check_sandbox():
    """For `course-lib doctor`: sandboxed grading (`course-lib grade`) works here, or why
    not; only instructors who grade need it."""
    from ..doctor import Finding
    from .sandbox import sandbox_problem

    problem = sandbox_problem()
    name = _("sandboxed grading")
    if problem is None:
        return Finding(name, True, _("bubblewrap can isolate learners' code here"))
    return Finding(
        name,
        False,
        _("not available here (only needed to grade a class)"),
        problem,
        needed=False,
    )


def check_memory_guard():
    """For `course-lib doctor`: what limits a learner's memory beyond the address space."""
    from ..doctor import Finding
    from .sandbox import filter_program, memory_guard

    return Finding(
        _("sandbox memory guard"),
        filter_program() is not None,
        memory_guard(),
        _("grade on x86_64 or aarch64 Linux, where the grader's seccomp filter is known"),
        needed=False,
    )


DOCTOR_CHECKS = (check_sandbox, check_memory_guard)

COMMANDS = {
    "build": build_command,
    "grade": grade_command,
    "gradescope": gradescope_command,
    "release": release_command,
}
