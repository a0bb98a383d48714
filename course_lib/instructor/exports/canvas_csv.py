"""canvas.csv (with a roster): Canvas's gradebook import.

Student, ID, SIS User ID, SIS Login ID, Section, then the assignment's column, with the
points possible on the second line. Canvas matches students by SIS User ID (our
student_id); ID (Canvas's own number) stays empty."""

from __future__ import annotations

from ..results import ClassResults
from .text import cell, csv_text


def text(run: ClassResults) -> str:
    a = run.assignment
    lines: list[list] = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{a.title} ({a.stem})"],
        ["Points Possible", "", "", "", "", a.max_score],
    ]
    for e in run.book:
        s = e.student
        login = cell(s.login or s.email)
        lines.append([cell(s.name), "", cell(s.student_id), login, cell(s.section), e.total])
    return csv_text(lines)
