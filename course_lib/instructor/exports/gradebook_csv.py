"""gradebook.csv (with a roster): one row per student, in the roster's order, then one
per submission that matches no student."""

from __future__ import annotations

from ..results import ClassResults
from .text import cell, csv_text

NOBODY = "matches no student of the roster"


def text(run: ClassResults) -> str:
    a = run.assignment
    ids = [ex.grade_id for ex in a.exercises]
    head = ["student_id", "name", "section", "submission", *ids, "total", "max_score", "notes"]
    lines: list[list] = [head]
    for e in run.book:
        s = e.student
        who = [cell(s.student_id), cell(s.name), cell(s.section), e.submission]
        scores = [e.score(i) for i in ids]
        lines.append([*who, *scores, e.total, a.max_score, cell("; ".join(e.notes))])
    for name in run.unmatched:
        blanks = [""] * len(ids)
        lines.append(["", "", "", name, *blanks, "", a.max_score, NOBODY])
    return csv_text(lines)
