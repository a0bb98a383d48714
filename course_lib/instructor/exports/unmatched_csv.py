"""unmatched.csv: what did not reach the gradebook, so that nobody is left out unseen:
the roster's students without a submission, the graded files that count for nobody, and
the files found but not graded (the other notebooks of a home), each with the reason."""

from __future__ import annotations

from ..results import ClassResults
from .text import cell, csv_text

MISSING, NOBODY, NOT_GRADED = "no submission", "counts for nobody", "not graded"


def rows(run: ClassResults) -> list[list[str]]:
    """(what, student_id, name, submission, file, reason) per line, without the header."""
    lines = []
    for e in run.missing:
        lines.append([MISSING, e.student.student_id, e.student.name, "", "", "; ".join(e.notes)])
    for u in run.unmatched:
        lines.append([NOBODY, "", "", u.submission, u.source, u.reason])
    for u in run.skipped:
        lines.append([NOT_GRADED, "", "", "", u.source, u.reason])
    return lines


def text(run: ClassResults) -> str:
    head = ["what", "student_id", "name", "submission", "file", "reason"]
    return csv_text([head, *([cell(str(c)) for c in line] for line in rows(run))])
