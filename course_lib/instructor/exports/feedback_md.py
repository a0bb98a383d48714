"""feedback.md, for the learner: what passed, what failed and why; hidden cases
described, never shown; the points the instructor changed, and why."""

from __future__ import annotations

from ...exercises.report import cell_notes
from ...i18n import _
from ..results import Graded
from .text import UNSAFE, markdown, override_lines


def text(graded: Graded) -> str:
    """feedback.md of a submission graded now (it says first when the sandbox was off)."""
    result, a = graded.result, graded.assignment
    assert result is not None, "a submission kept by --resume keeps its files"
    # TRANSLATORS: the title of feedback.md; {stem} is the notebook's file name, such as
    # 04_backward_pass
    heading = _("Feedback on {title} ({stem})").format(title=_(a.title), stem=a.stem)
    lines = [f"# {heading}", ""]
    if graded.unsafe:
        lines += [f"**{markdown(_(UNSAFE))}**", ""]
    # TRANSLATORS: Markdown: keep the ** around the score (bold); {file} is the name of
    # the notebook the learner submitted
    submission = _("Submission: {file}. Score: **{score} / {max_score}**.")
    file = markdown(graded.path.name)
    lines += [submission.format(file=file, score=graded.total, max_score=a.max_score), ""]
    if result.problem:
        # TRANSLATORS: {problem} says what is wrong with the notebook
        problem = _("Your notebook could not be graded: {problem}.")
        lines += [
            problem.format(problem=markdown(result.problem)),
            "",
            _("Every exercise scores 0. Fix this and submit again."),
        ]
        return "\n".join(lines) + "\n" + _overrides(graded)
    lines += [
        _(
            "Each function was run in a separate process on the public cases of the check "
            "cells and on hidden cases (other sizes, other seeds, edge cases). An exercise "
            "earns its points when every case passes."
        ),
        "",
    ]
    for r in result.exercises:
        summary, *details = graded.verdict(r)
        gid = r.exercise.grade_id
        lines += [f"## {gid} ({graded.scores[gid]} / {r.exercise.points})", ""]
        lines += [markdown(summary), ""]
        if details:
            lines += [f"- {markdown(line.strip())}" for line in details] + [""]
    notes = cell_notes(result)
    if notes:
        heading = _("Cells that failed when the notebook ran from top to bottom")
        lines += [f"## {heading}", ""]
        lines += [f"- {markdown(n)}" for n in notes] + [""]
    return "\n".join(lines) + _overrides(graded)


def _overrides(graded: Graded) -> str:
    """The section feedback.md ends with when the instructor changed points."""
    lines = [f"- {markdown(line)}" for line in override_lines(graded).values()]
    if not lines:
        return ""
    heading = _("Points changed by your instructor")
    return "\n".join(["", f"## {heading}", "", *lines, ""])
