"""moodle.csv (with a roster): Moodle's grade import (Grades > Import > CSV file): map
"ID number" to the user's ID number, the assignment's column to its grade item and
"Feedback" to its feedback."""

from __future__ import annotations

from ..results import ClassResults
from .text import cell, csv_text


def text(run: ClassResults) -> str:
    a = run.assignment
    lines: list[list] = [["ID number", "Email address", "Full name", a.title, "Feedback"]]
    for e in run.book:
        s = e.student
        feedback = f"{e.total} / {a.max_score}"
        if e.notes:
            feedback += ": " + "; ".join(e.notes)
        lines.append([cell(s.student_id), cell(s.email), cell(s.name), e.total, cell(feedback)])
    return csv_text(lines)
