"""The learner's subcommand of ``course-lib``: ``check`` (and what every command shares:
:class:`UsageError`, :func:`positive`).

``course_lib/cli.py`` calls :func:`add_commands` on its subparsers and dispatches to
:data:`COMMANDS`; the engine is imported only when ``check`` runs. The instructor's
commands live in ``course_lib.instructor.cli``, which the learner edition does not have.
"""

from __future__ import annotations

import argparse
from pathlib import Path


class UsageError(ValueError):
    """A command was misused (an unknown assignment, a missing file, a refused folder...);
    the message says what was expected and what was given."""


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


def add_commands(commands) -> None:
    """Add ``check`` to ``commands``."""
    check = commands.add_parser(
        "check",
        help="run your exercise notebook in a separate process and report on each exercise",
        description="Check an exercise notebook on the public cases of its check cells, in a "
        "separate process. Exits 0 when every exercise passes, 1 otherwise.",
    )
    check.add_argument(
        "notebook", help="an exercise notebook, e.g. exercises/04_backward_pass.ipynb"
    )


def check_command(args: argparse.Namespace) -> int:
    """Run the notebook in an isolated process; print one verdict per exercise.
    Exit 0 when every exercise passes, 1 otherwise (also when the notebook is unreadable)."""
    from .assignments import assignment_of
    from .process.notebook import (
        MAX_NOTEBOOK_BYTES,
        NotebookError,
        parse_notebook,
        read_submission,
    )
    from .process.session import run_notebook
    from .report import terminal_report

    path = Path(args.notebook)
    if not path.is_file():
        print(f"course-lib check: no such notebook: {path}")
        return 1
    try:
        data = read_submission(path, MAX_NOTEBOOK_BYTES)
        assignment = assignment_of(parse_notebook(data), path)
        if assignment is None:
            raise NotebookError("this notebook is not one of the course's exercise notebooks")
    except NotebookError as err:
        print(f"course-lib check: {path} cannot be checked: {err}")
        return 1
    result = run_notebook(path, assignment, data=data)
    print(terminal_report(result, f"Checking {path.name}"))
    return 0 if all(r.passed for r in result.exercises) else 1


COMMANDS = {"check": check_command}
