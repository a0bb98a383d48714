"""The files the grader writes from a graded notebook: ``feedback.md`` for the learner,
Gradescope's ``results.json`` and ``grades.csv`` for the instructor.

Learner text (error messages, type names, file names) reaches these lines already folded
to one line (``codec.text``); :func:`markdown` escapes every line of feedback.md that can
hold some, so that nothing a learner writes renders as HTML, a link, a heading or a line
of its own.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from ..exercises import codec
from ..exercises.engine import NotebookResult
from ..exercises.report import cell_notes, exercise_lines
from ..exercises.spec import Assignment

UNSAFE = (
    "UNSAFE: graded with --no-sandbox: the learners' code ran with the grader's rights, "
    "so it could read and change its files and these results"
)

# HTML and links are what a line can smuggle in; emphasis and code spans are harmless
_MARKDOWN = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;", "\\": "\\\\", "[": "\\[",
                           "]": "\\]"})  # fmt: skip


def markdown(line: str) -> str:
    """One line of text that cannot become HTML, a link, an image or a line of its own."""
    return codec.text(line, 2000).translate(_MARKDOWN)


def feedback_markdown(result: NotebookResult, submission: str, unsafe: bool = False) -> str:
    """feedback.md: what passed, what failed and why; hidden cases described, never shown.
    ``unsafe``: graded without the sandbox, which the file then says first."""
    a = result.assignment
    lines = [f"# Feedback on {a.title} ({a.stem})", ""]
    if unsafe:
        lines += [f"**{markdown(UNSAFE)}**", ""]
    lines += [
        f"Submission: {markdown(submission)}. Score: **{result.score} / {a.max_score}**.",
        "",
    ]
    if result.problem:
        lines += [
            f"Your notebook could not be graded: {markdown(result.problem)}.",
            "",
            "Every exercise scores 0. Fix this and submit again.",
        ]
        return "\n".join(lines) + "\n"
    lines += [
        "Each function was run in a separate process on the public cases of the check cells "
        "and on hidden cases (other sizes, other seeds, edge cases). An exercise earns its "
        "points when every case passes.",
        "",
    ]
    for r in result.exercises:
        summary, *details = exercise_lines(r)
        lines += [f"## {r.exercise.grade_id} ({r.score} / {r.exercise.points})", "",
                  markdown(summary), ""]  # fmt: skip
        if details:
            lines += [f"- {markdown(line.strip())}" for line in details] + [""]
    notes = cell_notes(result)
    if notes:
        lines += ["## Cells that failed when the notebook ran from top to bottom", ""]
        lines += [f"- {markdown(n)}" for n in notes] + [""]
    return "\n".join(lines)


# ----- files for the instructor: results.json, grades.csv -----


def json_text(data: dict) -> str:
    """JSON in which learner text cannot pass for HTML: <, > and & are written as escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def gradescope_results(result: NotebookResult, unsafe: bool = False) -> dict:
    """Gradescope's autograder results format: one test per graded function; all text
    is plain text (``output_format``), never rendered as HTML or Markdown."""
    tests = []
    for r in result.exercises:
        tests.append({
            "name": r.exercise.grade_id,
            "score": r.score,
            "max_score": r.exercise.points,
            "status": "passed" if r.passed else "failed",
            "output": "\n".join(exercise_lines(r)),
            "output_format": "text",
            "visibility": "visible",
        })  # fmt: skip
    summary = (
        f"{result.assignment.title}: {result.score} / {result.assignment.max_score} points"
        + (f". Not graded: {result.problem}" if result.problem else "")
        + (f"\n{UNSAFE}" if unsafe else "")
    )
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 3),
        "output": summary,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


@dataclass
class Row:
    """One line of grades.csv."""

    submission: str
    scores: dict[str, int]
    total: int
    max_score: int


def row_of(name: str, result: NotebookResult) -> Row:
    scores = {r.exercise.grade_id: r.score for r in result.exercises}
    return Row(name, scores, result.score, result.assignment.max_score)


def csv_text(rows: list[Row], assignment: Assignment) -> str:
    ids = [ex.grade_id for ex in assignment.exercises]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", *ids, "total", "max_score"])
    for row in sorted(rows, key=lambda r: r.submission):
        writer.writerow([row.submission, *(row.scores[i] for i in ids), row.total, row.max_score])
    return out.getvalue()
