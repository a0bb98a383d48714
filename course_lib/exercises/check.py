"""``check(grade_id, func)``: the check cell under each exercise of a notebook.

It runs the learner's function right there, in the learner's kernel, on the public
cases (:mod:`.engine`), watching that it does not call what the exercise puts off limits,
and prints a short verdict (:mod:`.report`). It never raises in a learner's notebook, so
"Run all" always reaches the end; under an autograder such as nbgrader's
(:func:`.autograding.strict`) a failing check raises, so that the cell scores 0. Either
way it is advice: ``course-lib grade`` checks everything again, in a sandbox.
"""

from __future__ import annotations

from typing import Any

from .autograding import CheckFailed, strict
from .engine import call_here, error_text, public_trials, run_cases
from .report import report
from .spec import describe


def check(grade_id: str, func: Any) -> None:
    """Check the learner's ``func`` on the public cases of exercise ``grade_id`` and print
    a short verdict. Never raises in a learner's notebook (see the module docstring)."""
    from .assignments import find_exercise  # the course's exercises, loaded when first used

    try:
        _, ex = find_exercise(grade_id)
    except KeyError as err:
        print(f"⚠ {err.args[0]}")
        if strict():
            raise CheckFailed(err.args[0]) from None
        return
    try:
        if not callable(func):
            text, passed = (
                f"❌ {grade_id}: `{ex.function}` should be a function, got " + describe(func),
                False,
            )
        else:
            forbidden = ex.forbidden
            results = run_cases(
                ex, lambda args: call_here(func, args, forbidden), public_trials(ex)
            )
            text, passed = report(ex, results), results[-1].verdict.passed
    except Exception as err:  # never let a check stop the notebook
        text, passed = f"⚠ {grade_id}: the check itself failed ({error_text(err)})", False
    print(text)
    if not passed and strict():
        raise CheckFailed(text.split("\n")[0])  # the verdict's first line; the rest is printed
