"""``check(grade_id, func)``: the check cell under each exercise of a notebook.

It runs the learner's function right there, in the learner's kernel, on the public
cases (:mod:`.engine`), watching that it does not call what the exercise puts off limits
and that it keeps to the exercise's time limit, and prints a short verdict
(:mod:`.report`): what is wrong and where. The hint, which says how to write the code,
comes on request (``check(grade_id, func, hint=True)``) or after ``HINT_AFTER`` failures
in a row. When the function fails and an earlier exercise it may call (``uses``) fails
its own check, the verdict says to fix that one first; an earlier exercise that it
``requires`` and that fails its own check fails it, however it does on its own cases
(5.5's network is not graded when 5.4's backward pass is wrong). ``check.inputs(grade_id)`` gives
the public cases' arguments, to try the function on them by hand.

It never raises in a learner's notebook, so "Run all" always reaches the end; under an
autograder such as nbgrader's (:func:`.autograding.strict`) a failing check raises, so
that the cell scores 0. Either way it is advice: ``course-lib grade`` checks everything
again, in a sandbox.
"""

from __future__ import annotations

from typing import Any

from .autograding import CheckFailed, strict
from .engine import Outcome, call_here, error_text, public_trials, requirement_failed, run_cases
from .inputs import resolve
from .report import report
from .spec import Ending, Exercise, Status, describe, spec_failed

HINT_AFTER = 3  # failures in a row of one exercise, after which the hint is shown anyway
_failures: dict[str, int] = {}


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
    """Call ``func`` here; a call over the exercise's time limit counts as a timeout."""
    outcome = call_here(func, args, ex.forbidden)
    if outcome.kind is Ending.VALUE and outcome.seconds > ex.call_timeout:
        limit = f"it took {outcome.seconds:.2g} s, over the time limit of {ex.call_timeout:g} s"
        return Outcome(Ending.TIMEOUT, message=limit, seconds=outcome.seconds)
    return outcome


def _earlier_failing(ex: Exercise, func: Any) -> Exercise | None:
    """The first earlier exercise that ``ex`` may call whose function, in the learner's
    notebook, fails its own public cases."""
    namespace = getattr(func, "__globals__", {})
    for name in ex.uses:
        earlier = _exercise(name)
        if earlier.function in namespace and not _passes(earlier, namespace[earlier.function]):
            return earlier
    return None


def _requirement_unmet(ex: Exercise, func: Any, results: list) -> tuple | None:
    """The first earlier exercise that ``ex`` requires whose function, in the learner's
    notebook, fails its own public cases, and ``results`` failed by it (None: all pass)."""
    namespace = getattr(func, "__globals__", {})
    for name in ex.requires:
        earlier = _exercise(name)
        mine = namespace.get(earlier.function)
        if not callable(mine):
            missing = f"there is no function `{earlier.function}` in your notebook"
            return earlier, requirement_failed(ex, results, earlier, [], missing)
        call = lambda trial, e=earlier, f=mine: _call(e, f, trial.args)  # noqa: E731
        found = run_cases(earlier, call, public_trials(earlier))
        if not found[-1].verdict.passed:
            return earlier, requirement_failed(ex, results, earlier, found)
    return None


def check(grade_id: str, func: Any, hint: bool = False) -> None:
    """Check the learner's ``func`` on the public cases of exercise ``grade_id`` and print
    a short verdict; with ``hint=True`` also the hint. Never raises in a learner's
    notebook (see the module docstring)."""
    try:
        ex = _exercise(grade_id)
    except KeyError as err:
        print(f"⚠ {err.args[0]}")
        if strict():
            raise CheckFailed(err.args[0]) from None
        return
    try:
        if not callable(func):
            lines = [f"❌ {grade_id}: `{ex.function}` should be a function, got {describe(func)}"]
            passed = False
        else:
            results = run_cases(ex, lambda trial: _call(ex, func, trial.args), public_trials(ex))
            done = results[-1].verdict.status is not Status.NOT_DONE
            unmet = _requirement_unmet(ex, func, results) if done else None  # it fails too
            blocker, results = unmet or (None, results)
            passed = results[-1].verdict.passed
            failures = 0 if passed else _failures.get(grade_id, 0) + 1
            _failures[grade_id] = failures
            if done and not passed and blocker is None:
                blocker = _earlier_failing(ex, func)
            lines = report(ex, results, hint=hint or failures >= HINT_AFTER, blocked_by=blocker)
    except Exception as err:  # never let a check stop the notebook (but in strict mode)
        spec_failed(f"the check of {grade_id}", err)
        lines, passed = [f"⚠ {grade_id}: the check itself failed ({error_text(err)})"], False
    print("\n".join(lines))
    if not passed and strict():
        raise CheckFailed(lines[0])  # the verdict's first line; the rest is printed


def inputs(grade_id: str) -> list[tuple]:
    """The arguments of each public case of exercise ``grade_id`` (fresh copies), to call
    your function on by hand: ``softmax(*check.inputs("softmax")[0])``."""
    return [resolve(case.args) for case in _exercise(grade_id).public]


check.inputs = inputs  # type: ignore[attr-defined]
