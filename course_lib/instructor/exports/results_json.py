"""results.json, in Gradescope's autograder format: one test per graded function, all of
it plain text (``output_format``), never rendered as HTML or Markdown. (On Gradescope
itself, :mod:`..gradescope` splits each function in two tests, from the same model.)"""

from __future__ import annotations

from ...exercises.engine import ExerciseResult
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


def results(graded: Graded) -> dict:
    """The results of a submission graded now, as a dict."""
    result, a = graded.result, graded.assignment
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
    summary = (
        f"{a.title}: {graded.total} / {a.max_score} points"
        + (f". Not graded: {result.problem}" if result.problem else "")
        + (f"\n{UNSAFE}" if graded.unsafe else "")
    )
    changed = override_lines(graded)
    if changed:
        summary += "\nPoints changed by your instructor: " + "; ".join(changed.values())
    return {
        "score": graded.total,
        "execution_time": round(result.seconds, 3),
        "output": summary,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def text(graded: Graded) -> str:
    return json_text(results(graded))
