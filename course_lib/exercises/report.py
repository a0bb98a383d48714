"""Words for a learner and files for an instructor: the verdict on one exercise, the
notebook's check cell, the terminal report of ``course-lib check``, ``feedback.md``,
Gradescope's ``results.json`` and ``grades.csv``.

Learner text (error messages, type names, file names) reaches these lines already folded
to one line (:func:`.codec.text`); :func:`markdown` escapes every line of feedback.md
that can hold some, so that nothing a learner writes renders as HTML, a link, a heading
or a line of its own.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from . import codec
from .engine import CaseResult, ExerciseResult, NotebookResult
from .spec import Assignment, Exercise, Status, describe

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


# ----- the verdict on one exercise -----


def summary_line(ex: Exercise, results: Sequence[CaseResult]) -> str:
    """One line: passed, not implemented yet, or failed (and on which case)."""
    if not results:
        return f"⏳ {ex.grade_id}: not checked"
    last = results[-1]
    n_public = sum(not r.hidden for r in results)
    if last.verdict.passed:
        hidden = sum(r.hidden for r in results)
        counted = f"{n_public} public case{'s' if n_public != 1 else ''}"
        if hidden:
            counted += f" and {hidden} hidden case{'s' if hidden != 1 else ''}"
        extra = f": {last.verdict.message}" if last.verdict.message else ""
        return f"✅ {ex.grade_id}: passed ({counted}){extra}"
    if last.verdict.status is Status.NOT_DONE:
        return f"⏳ {ex.grade_id}: not implemented yet"
    where = "hidden case" if last.hidden else "case"
    return f"❌ {ex.grade_id}: {where} '{last.trial.label}' did not pass"


def _arg_names(ex: Exercise) -> list[str]:
    if ex.reference is None:
        return ["X", "y", "seed"]
    return list(inspect.signature(ex.reference).parameters)


def explain(
    ex: Exercise, results: Sequence[CaseResult], indent: str = "   ", hint: bool = False
) -> list[str]:
    """The lines under the summary: for a failure, what is wrong and where (every item of
    a returned tuple, ✓ or ✗), what went in (public cases only), what was expected, what
    came back, the relative error and a pointed remark. The hint, which says how to write
    the code, only when ``hint`` is True (asked for, or after repeated failures); else how
    to ask for it."""
    if not results or results[-1].verdict.passed:
        return []
    last = results[-1]
    v = last.verdict
    if v.status is Status.NOT_DONE:
        return [f"{indent}replace `raise NotImplementedError()` in `{ex.function}` with your code"]
    lines = []
    if v.status is Status.ERROR:
        lines.append(f"calling `{ex.function}` failed: {v.message}")
    elif v.items:  # every item of the returned tuple, right or wrong
        lines.append("what you returned, from the output layer back (start at the first ✗):"
                     if ex.order else "what you returned:")  # fmt: skip
        lines += [f"  {item}" for item in v.items]
    elif v.status is Status.FAILED:
        message = v.message or "wrong result"
        if message.startswith(("your ", "item ")):
            message = message[0].upper() + message[1:]
        lines.append(message)
    lines += v.details
    if last.hidden:
        lines.append(
            f"(a hidden case: {last.trial.label}; the public cases passed, so think about "
            "what is special about this one)"
        )
    else:
        pairs = zip(_arg_names(ex), last.trial.args, strict=False)
        lines.append("input: " + "; ".join(f"{n} = {describe(a)}" for n, a in pairs))
        if v.expected is not None:
            what = f"{v.message.split(' (item')[0]} " if v.items else ""  # the first ✗
            lines.append(f"expected {what}: {describe(v.expected)}".replace(" :", ":"))
            lines.append(f"got {what}:      {describe(v.got)}".replace(" :", ":"))
        index = sum(not r.hidden for r in results) - 1  # public cases run first, in order
        lines.append(f"(to try it yourself: check.inputs({ex.grade_id!r})[{index}] are "
                     "these arguments)")  # fmt: skip
    if v.relative_error is not None:
        lines.append(f"relative error: {v.relative_error:.2e}")
    if hint:
        lines.append(f"hint: {ex.hint}")
    else:
        lines.append(f"stuck? check({ex.grade_id!r}, {ex.function}, hint=True) shows a hint")
    return [indent + line for line in lines]


def report(ex: Exercise, results: Sequence[CaseResult], hint: bool = False) -> str:
    """What a check cell prints."""
    return "\n".join([summary_line(ex, results), *explain(ex, results, hint=hint)])


def exercise_lines(r: ExerciseResult) -> list[str]:
    """The verdict on one exercise: one summary line, then details when it did not pass."""
    head = f"[{r.score}/{r.exercise.points}]"
    if r.problem:
        return [f"❌ {r.exercise.grade_id} {head}: {r.problem}"]
    lines = explain(r.exercise, r.results)
    return [f"{summary_line(r.exercise, r.results)} {head}", *lines]


def cell_notes(result: NotebookResult) -> list[str]:
    """Cells of the notebook that failed when run top to bottom (they may explain a failure)."""
    notes = []
    for cell in result.cells:
        if cell.error and not cell.error.startswith("NotImplementedError"):
            notes.append(f"cell {cell.index + 1} stopped with {cell.error}")
    return notes


def terminal_report(result: NotebookResult, title: str) -> str:
    lines = [f"{title} ({result.assignment.stem}: {result.assignment.title})", ""]
    if result.problem:
        lines.append(f"❌ {result.problem}")
    else:
        for r in result.exercises:
            lines += exercise_lines(r)
        notes = cell_notes(result)
        if notes:
            lines += ["", "While running the notebook from top to bottom:"]
            lines += [f"   {n}" for n in notes]
    passed = sum(r.passed for r in result.exercises)
    lines += [
        "",
        f"{passed} of {len(result.exercises)} exercises pass: "
        f"{result.score} of {result.assignment.max_score} points",
    ]
    return "\n".join(lines)


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
