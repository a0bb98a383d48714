"""results.json, in Gradescope's autograder format: one test per graded function, all of
it plain text (``output_format``), never rendered as HTML or Markdown. (On Gradescope
itself, :mod:`..gradescope` splits each function in two tests, from the same model.)"""

from __future__ import annotations

from ...exercises.engine import ExerciseResult
from ..results import Graded
from .text import UNSAFE, json_text, override_lines


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
            "status": "passed" if r.passed else "failed",
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
