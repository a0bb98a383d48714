"""Words for a learner: the verdict on one exercise, the notebook's check cell and the
terminal report of ``course-lib check``. (The files an instructor's grader writes from
the same words are in ``course_lib.instructor.exports``.)

Learner text (error messages, type names, file names) reaches these lines already folded
to one line (:func:`.codec.text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .engine import CaseResult, ExerciseResult, NotebookResult
from .spec import Exercise, Mark, Status, Verdict, describe

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


def sentence(v: Verdict) -> str:
    """The verdict's message as a sentence: a subject such as "your result" capitalised (a
    name such as dC_db stays as it is)."""
    if v.where.startswith(("your ", "the ")):
        return v.where[0].upper() + v.where[1:] + " " + v.what
    return v.message or "wrong result"


def mark_line(mark: Mark) -> str:
    """One item of a returned tuple: ✓, or ✗ with what is wrong with it."""
    if mark.passed:
        return f"✓ {mark.label}"
    error = f", relative error {mark.relative_error:.1e}" if mark.relative_error else ""
    return f"✗ {mark.label}: {mark.what}{error}"


def hint_lines(ex: Exercise, rung: int) -> list[str]:
    """Rung ``rung`` (from 0) of the exercise's ladder of hints, and how to get the next."""
    rung = min(rung, len(ex.hints) - 1)
    lines = [f"hint {rung + 1} of {len(ex.hints)}: {ex.hints[rung]}"]
    if rung + 1 < len(ex.hints):
        lines.append(
            f"still stuck? check({ex.grade_id!r}, {ex.function}, hint=True) again gives "
            f"hint {rung + 2}"
        )
    return lines


def explain(
    ex: Exercise, results: Sequence[CaseResult], indent: str = "   ", hint: int | None = None
) -> list[str]:
    """The lines under the summary: for a failure, what is wrong and where (every item of
    a returned tuple, ✓ or ✗), what went in (public cases only), what was expected, what
    came back, the relative error and a pointed remark. A hint, which says how to get to
    the code, only when ``hint`` gives its rung (asked for, or after repeated failures);
    else how to ask for one."""
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
        lines.append(
            "what you returned, from the output layer back (start at the first ✗):"
            if ex.order or ex.layers
            else "what you returned:"
        )
        lines += [f"  {mark_line(mark)}" for mark in v.items]
    elif v.status is Status.FAILED:
        lines.append(sentence(v))
    lines += [remark.text for remark in v.remarks]
    if last.hidden:
        lines.append(
            f"(a hidden case: {last.trial.label}; the public cases passed, so think about "
            "what is special about this one)"
        )
    else:
        names = ex.arguments or tuple(f"argument {i + 1}" for i in range(len(last.trial.args)))
        pairs = zip(names, last.trial.args, strict=False)
        lines.append("input: " + "; ".join(f"{n} = {describe(a)}" for n, a in pairs))
        if v.expected is not None:
            what = f" {v.item}" if v.items else ""  # the first ✗: a name, or "(the second item)"
            what = f" ({v.item})" if what.startswith(" the ") else what
            lines.append(f"expected{what}: {describe(v.expected)}")
            lines.append(f"got{what}:      {describe(v.got)}")
        index = sum(not r.hidden for r in results) - 1  # public cases run first, in order
        lines.append(
            f"(to try it yourself: check.inputs({ex.grade_id!r})[{index}] are these arguments)"
        )
    if v.relative_error is not None:
        lines.append(f"relative error: {v.relative_error:.2e}")
    if hint is not None:
        lines += hint_lines(ex, hint)
    else:
        lines.append(f"stuck? check({ex.grade_id!r}, {ex.function}, hint=True) shows a hint")
    return [indent + line for line in lines]


def blocked_line(ex: Exercise, blocker: Exercise) -> str:
    """The first line of a verdict when an earlier function that ``ex`` uses fails its own
    check (where no stand-in replaces it: the check cell, ``course-lib check``)."""
    return (
        f"❌ {ex.grade_id}: fix {blocker.function} ({blocker.number}) first: it fails its "
        f"own check, and {ex.function} uses it. Then check {ex.function} again. Its own "
        "verdict for now:"
    )


def report(
    ex: Exercise,
    results: Sequence[CaseResult],
    hint: int | None = None,
    blocked_by: Exercise | None = None,
) -> list[str]:
    """The lines a check cell prints: the summary line and the details (with rung ``hint``
    of the hints); first, when an earlier function it uses fails (``blocked_by``), which
    one to fix first."""
    lines = [summary_line(ex, results), *explain(ex, results, hint=hint)]
    if blocked_by is not None:
        lines = [blocked_line(ex, blocked_by), "   " + lines[0], *lines[1:]]
    return lines


def exercise_lines(r: ExerciseResult) -> list[str]:
    """The verdict on one exercise: one summary line, then details when it did not pass."""
    head = f"[{r.score}/{r.exercise.points}]"
    if r.problem:
        return [f"❌ {r.exercise.grade_id} {head}: {r.problem}"]
    lines = [f"{summary_line(r.exercise, r.results)} {head}", *explain(r.exercise, r.results)]
    if r.blocked_by is not None:
        lines = [blocked_line(r.exercise, r.blocked_by), "   " + lines[0], *lines[1:]]
    return lines


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
