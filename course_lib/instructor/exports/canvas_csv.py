"""canvas.csv (with our roster or Canvas's export as the roster): the file Canvas's
gradebook import (Grades > Import) takes as it is.

Canvas's importer (``app/models/gradebook_importer.rb`` in instructure/canvas-lms) reads a
header whose first cells are ``Student`` and ``ID`` and whose student columns end with
``Section``; it finds each student by ``ID`` (Canvas's user id) first, then by ``SIS User
ID``, ``SIS Login ID``, and only last by name; it fills the assignment whose ``Title (id)``
heads a column, and makes a new assignment of any other column; it skips the row whose
first cell holds "Points Possible". So, with Canvas's export as the roster, every row
carries that learner's ID and the student columns as exported, and the one assignment
column is the export's own (:meth:`..lms.rosters.Roster.canvas_column`). A learner without
a submission gets an empty cell, which the import leaves as it is (Canvas's missing policy
applies), never a 0 that looks earned."""

from __future__ import annotations

from ..lms.rosters import CANVAS, CANVAS_STUDENT, PLAIN
from ..results import ClassResults
from .text import cell, csv_text


def wanted(run: ClassResults) -> bool:
    return run.roster is not None and run.roster.kind in (PLAIN, CANVAS)


def column(run: ClassResults) -> str:
    """The assignment's column: the export's, or one Canvas will make."""
    a = run.assignment
    return run.lms_column or f"{a.title} ({a.stem})"


def text(run: ClassResults) -> str:
    roster, a = run.roster, run.assignment
    assert roster is not None
    if roster.kind == CANVAS:
        student = [c for c in roster.header[: roster.header.index("Section") + 1]]
        student = [c for c in student if c in CANVAS_STUDENT]
        points = roster.points_possible.get(column(run)) or a.max_score
    else:
        student = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        points = a.max_score
    lines: list[list] = [[*student, column(run)]]
    lines.append(["Points Possible", *[""] * (len(student) - 1), points])
    for e in run.book:
        s = e.student
        if roster.kind == CANVAS:
            given = roster.rows[s.student_id]
            who = [cell(given.get(c, "")) for c in student]
        else:
            login = s.login or s.email
            who = [cell(s.name), s.canvas_id, cell(s.student_id), cell(login), cell(s.section)]
        lines.append([*who, "" if e.graded is None and not e.by_hand else e.total])
    return csv_text(lines)
