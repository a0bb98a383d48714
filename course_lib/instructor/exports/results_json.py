"""results.json, in Gradescope's autograder format: one test per graded function, all of
it plain text (``output_format``), never rendered as HTML or Markdown. (On Gradescope
itself, :mod:`..gradescope` splits each function in two tests, from the same model.)"""

from __future__ import annotations

from ...exercises.engine import ExerciseResult
from ...i18n import _
from ..results import Graded
from .text import UNSAFE, json_text, override_lines


def status(points: int, max_score: int) -> str:
    """A test's status from the points the learner gets, overrides applied: "passed" with
    full points, else "failed" (partial points too). Gradescope colours a test by its
    status and, where results.json gives none, marks it passed when its score reaches its
    max_score and failed below that (its autograder specification, "Test case status"):
    the same rule, so the colour never disagrees with the points (an override to full
    points of a failed function is green, to 0 of a passed one red)."""
    return "passed" if points >= max_score else "failed"


def output(graded: Graded, r: ExerciseResult) -> str:
    """What a function's test says: the verdict, then the instructor's override, if any."""
    lines = graded.verdict(r)
    changed = override_lines(graded).get(r.exercise.grade_id)
    return "\n".join(lines if changed is None else [*lines, changed])


def summary(graded: Graded) -> str:
    """What the learner reads above the tests: the score, why the notebook was not graded
    (if it was not), the sandbox warning, the points the instructor changed."""
    result, a = graded.result, graded.assignment
    assert result is not None, "a submission kept by --resume keeps its files"
    if result.problem:
        # TRANSLATORS: {title} is the assignment's; {problem} says what is wrong with the
        # notebook
        line = _("{title}: {score} / {max_score} points. Not graded: {problem}")
    else:
        # TRANSLATORS: {title} is the assignment's
        line = _("{title}: {score} / {max_score} points")
    score, max_score = graded.total, a.max_score
    lines = [
        line.format(title=_(a.title), score=score, max_score=max_score, problem=result.problem)
    ]
    if graded.unsafe:
        lines.append(_(UNSAFE))
    changed = override_lines(graded)
    if changed:
        # TRANSLATORS: {changes} lists one line of "{exercise}: ... set by your instructor"
        # per exercise, separated by "; "
        line = _("Points changed by your instructor: {changes}")
        lines.append(line.format(changes="; ".join(changed.values())))
    return "\n".join(lines)


def results(graded: Graded) -> dict:
    """The results of a submission graded now, as a dict."""
    result = graded.result
    assert result is not None, "a submission kept by --resume keeps its files"
    tests = [
        {
            "name": r.exercise.grade_id,
            "score": graded.scores[r.exercise.grade_id],
            "max_score": r.exercise.points,
            "status": status(graded.scores[r.exercise.grade_id], r.exercise.points),
            "output": output(graded, r),
            "output_format": "text",
            "visibility": "visible",
        }
        for r in result.exercises
    ]
    return {
        "score": graded.total,
        "execution_time": round(result.seconds, 3),
        "output": summary(graded),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def text(graded: Graded) -> str:
    return json_text(results(graded))
