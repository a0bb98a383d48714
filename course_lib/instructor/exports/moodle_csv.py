"""moodle.csv (with our roster or Moodle's grading worksheet as the roster).

With the **grading worksheet** as the roster: the worksheet itself, its columns and rows as
downloaded, with ``Grade`` and ``Feedback comments`` filled in, for the assignment's
"Upload grading worksheet". Moodle's upload (``mod/assign/feedback/offline``) finds each
row by ``Identifier`` ("Participant N"), takes ``Grade`` and the feedback columns, and
keeps ``Last modified (grade)`` as downloaded, so that a grade changed in Moodle since
the download is not overwritten unless asked. Only the worksheet's participants are
written: users Moodle knows.

With **our roster**: Moodle's gradebook import (Grades > Import > CSV file): map "ID number"
to the user's ID number, the assignment's column to its grade item and "Feedback" to its
feedback. Moodle stops that import at a user it does not know, so the roster must hold
only Moodle's users of the course.

A learner without a submission gets an empty grade (left as it is), never a 0 that looks
earned; every 0 says why in the feedback."""

from __future__ import annotations

from ..lms.rosters import MOODLE, PLAIN
from ..results import ClassResults
from ..roster import Entry
from .text import cell, csv_text

FEEDBACK = "Feedback comments"  # the comments plugin's column in the worksheet


def wanted(run: ClassResults) -> bool:
    return run.roster is not None and run.roster.kind in (PLAIN, MOODLE)


def feedback(e: Entry, max_score: int) -> str:
    """The learner's line: the points, each function's, and the notes (why a 0)."""
    text = f"{e.total} / {max_score}"
    if e.graded is not None:
        text += " (" + ", ".join(f"{k} {v}" for k, v in e.graded.scores.items()) + ")"
    return text + (": " + "; ".join(e.notes) if e.notes else "")


def _grade(e: Entry) -> int | str:
    return "" if e.graded is None and not e.by_hand else e.total


def text(run: ClassResults) -> str:
    roster, a = run.roster, run.assignment
    assert roster is not None
    if roster.kind == MOODLE:
        head = [*roster.header, *([] if FEEDBACK in roster.header else [FEEDBACK])]
        lines: list[list] = [head]
        for e in run.book:
            row = dict(roster.rows[e.student.student_id])
            row["Grade"] = _grade(e)
            row[FEEDBACK] = feedback(e, a.max_score)
            lines.append([cell(str(row.get(c, ""))) for c in head])
        return csv_text(lines)
    lines = [["ID number", "Email address", "Full name", a.title, "Feedback"]]
    for e in run.book:
        s = e.student
        who = [cell(s.student_id), cell(s.email), cell(s.name)]
        lines.append([*who, _grade(e), cell(feedback(e, a.max_score))])
    return csv_text(lines)
