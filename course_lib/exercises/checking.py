"""``check(grade_id, func)``: the check cell under each exercise of a notebook.

It runs the learner's function right there, in the learner's kernel, on the public cases
(:mod:`.engine`), watching that it does not call what the exercise puts off limits and that
it keeps to the exercise's time limit, and prints a short verdict (:mod:`.report`): what is
wrong and where. The hints are a ladder (first the idea, then the formula), shown one rung
at a time: on request (``check(grade_id, func, hint=True)``) and at each failure from the
``HINT_AFTER``-th in a row on. When the function fails and an earlier exercise it may call
(``uses``) fails its own check, the verdict says to fix that one first; an earlier exercise
that it ``requires`` and that fails its own check fails it, however it does on its own cases
(5.5's network is not graded when 5.4's backward pass is wrong). ``check.inputs(grade_id)``
gives the public cases' arguments, to try the function on them by hand.

It never raises in a learner's notebook, so "Run all" always reaches the end; under an
autograder such as nbgrader's (:func:`.autograding.strict`) a failing check raises, so
that the cell scores 0. Either way it is advice: ``course-lib grade`` checks everything
again, in a sandbox.

Under an autograder in the instructor's install, the check judges as ``course-lib grade``
does (:func:`grader`): the public cases, then the hidden ones, with the course's reference
in place of the earlier functions a function uses (so no "fix 4.2 first": 4.2's mistake
costs 4.2 only), and the grader's time limits; it finds how by an entry point that only
the instructor's edition declares, so a learner's check never loads any of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..i18n import _
from .autograding import CheckFailed, strict
from .engine import (
    Outcome,
    Trial,
    call_within,
    error_text,
    public_trials,
    requirement_failed,
    run_cases,
)
from .inputs import resolve
from .report import report
from .spec import Exercise, Status, describe, spec_failed

HINT_AFTER = 3  # failures in a row of one exercise, from which a hint is shown anyway
_failures: dict[str, int] = {}
_hints: dict[str, int] = {}  # the rungs of an exercise's hints shown since it last passed
# entry points (pyproject.toml) of a module that judges a check as `course-lib grade` does
GRADER_GROUP = "course_lib.checks"


def grader() -> Any | None:
    """Under an autograder (:func:`.autograding.strict`), the instructor's way of judging a
    function as ``course-lib grade`` does: a module with ``trials(ex)`` (the exercise's
    public and hidden trials) and ``call(ex, func, trial)`` (an Outcome), found by the
    entry point group ``course_lib.checks``, which the learner edition does not declare.
    None in a learner's notebook and in the learner edition."""
    return _grader_module() if strict() else None


@functools.cache
def _grader_module() -> Any | None:
    from importlib.metadata import entry_points

    for point in sorted(entry_points(group=GRADER_GROUP), key=lambda p: p.name):
        try:
            return point.load()
        except ImportError:  # declared by an install whose package is gone
            continue
    return None


def _exercise(grade_id: str) -> Exercise:
    from .assignments import find_exercise  # the course's exercises, loaded when first used

    return find_exercise(grade_id)[1]


def _passes(ex: Exercise, func: Any) -> bool:
    """Whether ``func`` passes every public case of ``ex`` (quietly)."""
    if not callable(func):
        return False
    results = run_cases(ex, lambda trial: _call(ex, func, trial.args), public_trials(ex))
    return results[-1].verdict.passed


def _call(ex: Exercise, func: Any, args: tuple) -> Outcome:
    """Call ``func`` here, within the exercise's time limit."""
    return call_within(func, args, ex.forbidden, ex.call_timeout)


def _caller(ex: Exercise, func: Any, judge: Any | None) -> Callable[[Trial], Outcome]:
    """How a case calls ``func``, the learner's function of ``ex``: here, within the
    exercise's time limit, or as the grader calls it (``judge``, from :func:`grader`)."""
    if judge is None:
        return lambda trial: _call(ex, func, trial.args)
    return lambda trial: judge.call(ex, func, trial)


def _earlier_failing(ex: Exercise, func: Any) -> Exercise | None:
    """The first earlier exercise that ``ex`` may call whose function, in the learner's
    notebook, fails its own public cases."""
    namespace = getattr(func, "__globals__", {})
    for name in ex.uses:
        earlier = _exercise(name)
        if earlier.function in namespace and not _passes(earlier, namespace[earlier.function]):
            return earlier
    return None


def _requirement_unmet(
    ex: Exercise, func: Any, results: list, judge: Any | None = None
) -> tuple | None:
    """The first earlier exercise that ``ex`` requires whose function, in the learner's
    notebook, fails its own public cases (called as ``judge`` calls, see :func:`_caller`),
    and ``results`` failed by it (None: all pass)."""
    namespace = getattr(func, "__globals__", {})
    for name in ex.requires:
        earlier = _exercise(name)
        mine = namespace.get(earlier.function)
        if not callable(mine):
            missing = _("there is no function `{function}` in your notebook")
            missing = missing.format(function=earlier.function)
            return earlier, requirement_failed(ex, results, earlier, [], missing)
        found = run_cases(earlier, _caller(earlier, mine, judge), public_trials(earlier))
        if not found[-1].verdict.passed:
            return earlier, requirement_failed(ex, results, earlier, found)
    return None


def check(grade_id: str, func: Any, hint: bool = False) -> None:
    """Check the learner's ``func`` on the public cases of exercise ``grade_id`` and print
    a short verdict; with ``hint=True`` also the next rung of its hints. Never raises in
    a learner's notebook (see the module docstring)."""
    try:
        ex = _exercise(grade_id)
    except KeyError as err:
        print(f"⚠ {err.args[0]}")
        if strict():
            raise CheckFailed(err.args[0]) from None
        return
    try:
        if not callable(func):
            said = _("{exercise}: `{function}` should be a function, got {got}")
            lines = [
                "❌ " + said.format(exercise=grade_id, function=ex.function, got=describe(func))
            ]
            passed = False
        else:
            judge = grader()  # None in a learner's notebook
            trials = public_trials(ex) if judge is None else judge.trials(ex)
            results = run_cases(ex, _caller(ex, func, judge), trials)
            done = results[-1].verdict.status is not Status.NOT_DONE
            unmet = _requirement_unmet(ex, func, results, judge) if done else None  # fails too
            blocker, results = unmet or (None, results)
            passed = results[-1].verdict.passed
            failures = 0 if passed else _failures.get(grade_id, 0) + 1
            _failures[grade_id] = failures
            if done and not passed and blocker is None and judge is None:  # no stand-ins
                blocker = _earlier_failing(ex, func)
            rung = None
            if done and not passed and (hint or failures >= HINT_AFTER):
                rung = _hints.get(grade_id, 0)
                _hints[grade_id] = rung + 1
            elif passed:
                _hints.pop(grade_id, None)
            lines = report(ex, results, hint=rung, blocked_by=blocker)
    except Exception as err:  # never let a check stop the notebook (but in strict mode)
        spec_failed(f"the check of {grade_id}", err)
        said = _("{exercise}: the check itself failed ({error})")
        lines, passed = ["⚠ " + said.format(exercise=grade_id, error=error_text(err))], False
    print("\n".join(lines))
    if not passed and strict():
        raise CheckFailed(lines[0])  # the verdict's first line; the rest is printed


def inputs(grade_id: str) -> list[tuple]:
    """The arguments of each public case of exercise ``grade_id`` (fresh copies), to call
    your function on by hand: ``softmax(*check.inputs("softmax")[0])``."""
    return [resolve(case.args) for case in _exercise(grade_id).public]


check.inputs = inputs  # type: ignore[attr-defined]
