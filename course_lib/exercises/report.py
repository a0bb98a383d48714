"""Words for a learner: the verdict on one exercise, the notebook's check cell and the
terminal report of ``course-lib check``. (The files an instructor's grader writes from
the same words are in ``course_lib.instructor.exports``.)

Learner text (error messages, type names, file names) reaches these lines already folded
to one line (:func:`.codec.text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import _, ngettext
from .engine import CaseResult, ExerciseResult, NotebookResult
from .spec import Exercise, Mark, Status, Verdict, describe

# ----- the verdict on one exercise -----


def summary_line(ex: Exercise, results: Sequence[CaseResult]) -> str:
    """One line: passed, not implemented yet, or failed (and on which case)."""
    if not results:
        return "⏳ " + _("{exercise}: not checked").format(exercise=ex.grade_id)
    last = results[-1]
    n_public = sum(not r.hidden for r in results)
    if last.verdict.passed:
        hidden = sum(r.hidden for r in results)
        counted = ngettext("{n} public case", "{n} public cases", n_public).format(n=n_public)
        if hidden:
            hidden_cases = ngettext("{n} hidden case", "{n} hidden cases", hidden)
            counted = _("{public} and {hidden}").format(
                public=counted, hidden=hidden_cases.format(n=hidden)
            )
        if last.verdict.message:
            said = _("{exercise}: passed ({cases}): {verdict}")
        else:
            said = _("{exercise}: passed ({cases})")
        return "✅ " + said.format(
            exercise=ex.grade_id, cases=counted, verdict=last.verdict.message
        )
    if last.verdict.status is Status.NOT_DONE:
        return "⏳ " + _("{exercise}: not implemented yet").format(exercise=ex.grade_id)
    if last.hidden:
        said = _("{exercise}: hidden case '{label}' did not pass")
    else:
        said = _("{exercise}: case '{label}' did not pass")
    return "❌ " + said.format(exercise=ex.grade_id, label=_(last.trial.label))


def sentence(v: Verdict) -> str:
    """The verdict's message as a sentence: a subject such as "your result" capitalised (a
    name such as dC_db stays as it is)."""
    if v.where.startswith(("your ", "the ")):
        return v.where[0].upper() + v.where[1:] + " " + v.what
    return v.message or _("wrong result")


def mark_line(mark: Mark) -> str:
    """One item of a returned tuple: ✓, or ✗ with what is wrong with it."""
    if mark.passed:
        return f"✓ {mark.label}"
    if mark.relative_error:
        said = _("{item}: {what}, relative error {error:.1e}")
    else:
        said = _("{item}: {what}")
    return "✗ " + said.format(item=mark.label, what=mark.what, error=mark.relative_error)


def hint_lines(ex: Exercise, rung: int) -> list[str]:
    """Rung ``rung`` (from 0) of the exercise's ladder of hints, and how to get the next."""
    rung = min(rung, len(ex.hints) - 1)
    said = _("hint {rung} of {count}: {hint}")
    lines = [said.format(rung=rung + 1, count=len(ex.hints), hint=_(ex.hints[rung]))]
    if rung + 1 < len(ex.hints):
        call = f"check({ex.grade_id!r}, {ex.function}, hint=True)"
        lines.append(
            _("still stuck? {call} again gives hint {rung}").format(call=call, rung=rung + 2)
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
        said = _("replace `raise NotImplementedError()` in `{function}` with your code")
        return [indent + said.format(function=ex.function)]
    lines = []
    if v.status is Status.ERROR:
        said = _("calling `{function}` failed: {why}")
        lines.append(said.format(function=ex.function, why=v.message))
    elif v.items:  # every item of the returned tuple, right or wrong
        lines.append(
            _("what you returned, from the output layer back (start at the first ✗):")
            if ex.order or ex.layers
            else _("what you returned:")
        )
        lines += [f"  {mark_line(mark)}" for mark in v.items]
    elif v.status is Status.FAILED:
        lines.append(sentence(v))
    lines += [remark.text for remark in v.remarks]
    if last.hidden:
        said = _(
            "(a hidden case: {label}; the public cases passed, so think about what is "
            "special about this one)"
        )
        lines.append(said.format(label=_(last.trial.label)))
    else:
        names = ex.arguments or tuple(
            _("argument {n}").format(n=i + 1) for i in range(len(last.trial.args))
        )
        pairs = zip(names, last.trial.args, strict=False)
        given = "; ".join(f"{n} = {describe(a)}" for n, a in pairs)
        lines.append(_("input: {arguments}").format(arguments=given))
        if v.expected is not None:
            item = v.item if v.items else ""  # the first ✗: a name, or "the second item"
            item = f"({item})" if item.startswith("the ") else item
            if item:
                expected, got = _("expected {item}: {value}"), _("got {item}:      {value}")
            else:
                expected, got = _("expected: {value}"), _("got:      {value}")
            lines.append(expected.format(item=item, value=describe(v.expected)))
            lines.append(got.format(item=item, value=describe(v.got)))
        index = sum(not r.hidden for r in results) - 1  # public cases run first, in order
        call = f"check.inputs({ex.grade_id!r})[{index}]"
        lines.append(_("(to try it yourself: {call} are these arguments)").format(call=call))
    if v.relative_error is not None:
        lines.append(_("relative error: {error:.2e}").format(error=v.relative_error))
    if hint is not None:
        lines += hint_lines(ex, hint)
    else:
        call = f"check({ex.grade_id!r}, {ex.function}, hint=True)"
        lines.append(_("stuck? {call} shows a hint").format(call=call))
    return [indent + line for line in lines]


def blocked_line(ex: Exercise, blocker: Exercise) -> str:
    """The first line of a verdict when an earlier function that ``ex`` uses fails its own
    check (where no stand-in replaces it: the check cell, ``course-lib check``)."""
    said = _(
        "{exercise}: fix {earlier} ({number}) first: it fails its own check, and {function} "
        "uses it. Then check {function} again. Its own verdict for now:"
    )
    return "❌ " + said.format(
        exercise=ex.grade_id,
        earlier=blocker.function,
        number=blocker.number,
        function=ex.function,
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
        if cell.error and not cell.not_done:
            said = _("cell {n} stopped with {error}")
            notes.append(said.format(n=cell.index + 1, error=cell.error))
    return notes


def terminal_report(result: NotebookResult, title: str) -> str:
    a = result.assignment
    lines = [f"{title} ({a.stem}: {_(a.title)})", ""]
    if result.problem:
        lines.append(f"❌ {result.problem}")
    else:
        for r in result.exercises:
            lines += exercise_lines(r)
        notes = cell_notes(result)
        if notes:
            lines += ["", _("While running the notebook from top to bottom:")]
            lines += [f"   {n}" for n in notes]
    passed = sum(r.passed for r in result.exercises)
    said = _("{passed} of {count} exercises pass: {score} of {max_score} points")
    lines += [
        "",
        said.format(
            passed=passed,
            count=len(result.exercises),
            score=result.score,
            max_score=a.max_score,
        ),
    ]
    return "\n".join(lines)
