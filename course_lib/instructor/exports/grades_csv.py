"""grades.csv, for the instructor: one row per submitted file, by name."""

from __future__ import annotations

from ..results import ClassResults
from .text import csv_text


def text(run: ClassResults) -> str:
    ids = [ex.grade_id for ex in run.assignment.exercises]
    lines: list[list] = [["submission", *ids, "total", "max_score"]]
    for g in sorted(run.graded, key=lambda g: g.submission):
        lines.append([g.submission, *(g.scores[i] for i in ids), g.total, g.max_score])
    return csv_text(lines)
