"""Words for a learner: the terminal report of ``course-lib check`` and ``feedback.md``."""

from __future__ import annotations

from .check import explain, summary_line
from .runner import ExerciseResult, NotebookResult


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


def feedback_markdown(result: NotebookResult, submission: str) -> str:
    """feedback.md: what passed, what failed and why; hidden cases described, never shown."""
    a = result.assignment
    lines = [
        f"# Feedback on {a.title} ({a.stem})",
        "",
        f"Submission: `{submission}`. Score: **{result.score} / {a.max_score}**.",
        "",
    ]
    if result.problem:
        lines += [
            f"Your notebook could not be graded: {result.problem}.",
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
        lines += [f"## {r.exercise.grade_id} ({r.score} / {r.exercise.points})", "", summary, ""]
        if details:
            lines += [f"- {line.strip()}" for line in details] + [""]
    notes = cell_notes(result)
    if notes:
        lines += ["## Cells that failed when the notebook ran from top to bottom", ""]
        lines += [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)
