"""The exercise subcommands of ``course-lib``: ``check`` for learners; ``build``,
``grade``, ``gradescope`` and ``release`` for instructors.

``course_lib/cli.py`` calls :func:`add_commands` on its subparsers and dispatches to
:data:`COMMANDS`; the work is imported only when a command runs. An instructor's command
exists only where its module does: the learner edition (``course-lib release``) has
none of them.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path


def positive(kind: type):
    """An argparse type: a number of ``kind`` greater than 0, or a message naming what was given."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    return parse


def instructor_commands() -> list[str]:
    """The instructor's commands whose module is installed (none in the learner edition)."""
    return [name for name in ("build", "grade", "gradescope", "release")
            if importlib.util.find_spec(f"{__package__}.{name}") is not None]  # fmt: skip


def add_commands(commands) -> None:
    """Add ``check``, and the instructor's commands that are installed, to ``commands``."""
    check = commands.add_parser(
        "check",
        help="run your exercise notebook in a separate process and report on each exercise",
        description="Check an exercise notebook on the public cases of its check cells, in a "
        "separate process. Exits 0 when every exercise passes, 1 otherwise.",
    )
    check.add_argument(
        "notebook", help="an exercise notebook, e.g. exercises/04_backward_pass.ipynb"
    )

    available = instructor_commands()
    if "build" in available:
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
    if "grade" in available:
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
            help="CSV of the class (student_id, and login, name, email, section...): adds "
            "gradebook.csv, canvas.csv and moodle.csv, one row per student",
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
    if "gradescope" in available:
        from .gradescope import add_arguments

        add_arguments(commands.add_parser(
            "gradescope",
            help="build a Gradescope autograder for an assignment, or run it (inside Gradescope)",
            description="Gradescope autograder: `build` writes the zip to upload; `run` is what "
            "its run_autograder calls.",
        ))  # fmt: skip
    if "release" in available:
        from .release import add_arguments as add_release_arguments

        add_release_arguments(commands.add_parser(
            "release",
            help="write the learner edition of the course (no solutions, hidden cases, grader)",
            description="Write the learner edition: notebooks, exercises and the package, "
            "without the instructor's solutions, hidden cases and grader.",
        ))  # fmt: skip


def build_command(args: argparse.Namespace) -> int:
    from .build import build_command as run

    return run(args)


def check_command(args: argparse.Namespace) -> int:
    """Run the notebook in an isolated process; print one verdict per exercise.
    Exit 0 when every exercise passes, 1 otherwise (also when the notebook is unreadable)."""
    from .report import terminal_report
    from .runner import NotebookError, run_notebook

    path = Path(args.notebook)
    if not path.is_file():
        print(f"course-lib check: no such notebook: {path}")
        return 1
    try:
        result = run_notebook(path)
    except NotebookError as err:
        print(f"course-lib check: {path} cannot be checked: {err}")
        return 1
    print(terminal_report(result, f"Checking {path.name}"))
    return 0 if all(r.passed for r in result.exercises) else 1


def grade_command(args: argparse.Namespace) -> int:
    from .grade import grade_command as run

    return run(args)


def gradescope_command(args: argparse.Namespace) -> int:
    from .gradescope import gradescope_command as run

    return run(args)


def release_command(args: argparse.Namespace) -> int:
    from .release import release_command as run

    return run(args)


COMMANDS = {
    "build": build_command,
    "check": check_command,
    "grade": grade_command,
    "gradescope": gradescope_command,
    "release": release_command,
}
