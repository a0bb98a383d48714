"""gradebook.csv (with a roster): one row per student, in the roster's order, then one
per graded submission that counts for nobody (with the reason)."""

from __future__ import annotations

from ..results import ClassResults
from .text import cell, csv_text


def text(run: ClassResults) -> str:
    a = run.assignment
    ids = [ex.grade_id for ex in a.exercises]
    head = ["student_id", "name", "section", "submission", "late", *ids]
    lines: list[list] = [[*head, "total", "max_score", "notes"]]
    for e in run.book:
        s = e.student
        who = [cell(s.student_id), cell(s.name), cell(s.section), e.submission]
        scores = [e.score(i) for i in ids]
        late = "yes" if e.late else ""
        lines.append([*who, late, *scores, e.total, a.max_score, cell("; ".join(e.notes))])
    for u in run.unmatched:
        blanks = [""] * len(ids)
        lines.append(["", "", "", u.submission, "", *blanks, "", a.max_score, cell(u.reason)])
    return csv_text(lines)
