"""The learner's subcommand of ``course-lib``: ``check`` (and what every command shares:
:class:`UsageError`, :func:`positive`).

``course_lib/cli.py`` calls :func:`add_commands` on its subparsers and dispatches to
:data:`COMMANDS`; the engine is imported only when ``check`` runs. The instructor's
commands live in ``course_lib.instructor.cli``, which the learner edition does not have.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..i18n import _, speaking


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
            said = _("expected a positive {kind}, got {text!r}")
            raise argparse.ArgumentTypeError(said.format(kind=kind.__name__, text=text))
        return value

    return parse


def add_commands(commands) -> None:
    """Add ``check`` to ``commands``."""
    check = commands.add_parser(
        "check",
        help=_("run your exercise notebook in a separate process and report on each exercise"),
        description=_(
            "Check an exercise notebook on the public cases of its check cells, in a "
            "separate process. Exits 0 when every exercise passes, 1 otherwise. Its words "
            "are in the notebook's language (a notebook of exercises/zh: Chinese), else in "
            "COURSE_LIB_LANG's or the locale's."
        ),
    )
    check.add_argument(
        "notebook", help=_("an exercise notebook, e.g. exercises/04_backward_pass.ipynb")
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

    def refused(why: object) -> int:
        said = _("{path} cannot be checked: {why}").format(path=path, why=why)
        print(f"course-lib check: {said}")
        return 1

    with speaking(notebook_language(path)):  # its folder's, until its metadata is read
        if not path.is_file():
            print("course-lib check: " + _("no such notebook: {path}").format(path=path))
            return 1
        try:
            data = read_submission(path, MAX_NOTEBOOK_BYTES)
            nb = parse_notebook(data)
        except NotebookError as err:
            return refused(err)
    with speaking(notebook_language(path, nb)):
        assignment = assignment_of(nb, path)
        if assignment is None:
            return refused(_("this notebook is not one of the course's exercise notebooks"))
        result = run_notebook(path, assignment, data=data)
        print(terminal_report(result, _("Checking {name}").format(name=path.name)))
    return 0 if all(r.passed for r in result.exercises) else 1


def notebook_language(path: Path, nb=None) -> str | None:
    """The language of a notebook: its metadata's (:func:`..i18n.metadata_language`), else
    its folder's (``exercises/zh``), else None (the learner's choice decides:
    COURSE_LIB_LANG, the locale)."""
    from ..i18n import metadata_language
    from ..i18n import notebook_language as by_folder

    return (metadata_language(nb.metadata) if nb is not None else None) or by_folder(path)


COMMANDS = {"check": check_command}
