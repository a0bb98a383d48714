"""Words for a learner: the terminal report of ``course-lib check`` and ``feedback.md``.

Learner text (error messages, type names, file names) reaches these lines already folded
to one line (:func:`.codec.text`); :func:`markdown` escapes every line of feedback.md
that can hold some, so that nothing a learner writes renders as HTML, a link, a heading
or a line of its own.
"""

from __future__ import annotations

from . import codec
from .check import explain, summary_line
from .runner import ExerciseResult, NotebookResult

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
