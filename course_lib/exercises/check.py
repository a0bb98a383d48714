"""Running an exercise's cases against a learner's function, and saying how it went.

The same code serves the check cells of the notebooks (the function is called right
there, in the learner's kernel: advisory feedback) and the isolated runner of
``course-lib check`` / ``course-lib grade`` (the function is called in another
process and only its returned *data* comes back). Either way the learner's result
goes through the data-only format of :mod:`.codec` before it is judged, so the
two give the same verdicts.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import codec
from .assignments import find_exercise
from .inputs import resolve
from .spec import ERROR, FAILED, NOT_DONE, Case, Exercise, Verdict, describe, judge


@dataclass
class Outcome:
    """What happened when the learner's function was called on one case.

    ``kind`` is "value" (it returned ``value``), "not implemented", "error" (it raised),
    "timeout" or "crashed" (its process died); ``message`` says more.
    """

    kind: str
    value: Any = None
    message: str = ""


@dataclass
class CaseResult:
    case: Case
    hidden: bool
    verdict: Verdict


def arg_names(ex: Exercise) -> list[str]:
    if ex.reference is None:
        return ["X", "y", "seed"]
    return list(inspect.signature(ex.reference).parameters)


@functools.lru_cache(maxsize=512)
def expected_answer(grade_id: str, hidden: bool, index: int) -> Any:
    """The reference answer of one case (computed once per process, then reused)."""
    _, ex = find_exercise(grade_id)
    case = (ex.hidden if hidden else ex.public)[index]
    if ex.reference is None:
        return None
    return ex.reference(*resolve(case.make()))


def run_cases(
    ex: Exercise, call: Callable[[tuple], Outcome], hidden: bool = False
) -> list[CaseResult]:
    """Call the learner's function on the public cases (then the hidden ones if asked),
    stopping at the first case that does not pass. ``call(args)`` returns an Outcome."""
    plan: list[tuple[bool, int, Case]] = [(False, i, c) for i, c in enumerate(ex.public)]
    if hidden:
        plan += [(True, i, c) for i, c in enumerate(ex.hidden)]
    results = []
    for is_hidden, index, case in plan:
        args = case.make()
        outcome = call(args)
        if outcome.kind == "value":
            expected = expected_answer(ex.grade_id, is_hidden, index)
            verdict = judge(ex, resolve(args), expected, outcome.value)
        elif outcome.kind == "not implemented":
            verdict = Verdict(NOT_DONE, "not implemented yet")
        else:
            verdict = Verdict(ERROR, outcome.message or outcome.kind)
        results.append(CaseResult(case, is_hidden, verdict))
        if not verdict.passed:
            break
    return results


def _one_blas_thread():
    """Small matrices run faster on one BLAS thread (extra threads only spin)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def call_here(func: Callable, args: tuple) -> Outcome:
    """Call ``func`` in this process; its result is passed through the data-only format."""
    try:
        with _one_blas_thread():
            value = func(*resolve(args))
    except NotImplementedError:
        return Outcome("not implemented")
    except (Exception, SystemExit) as err:
        return Outcome("error", message=error_text(err))
    try:
        return Outcome("value", codec.loads(codec.dumps(value)))
    except Exception as err:  # a hostile object can break even its own encoding
        return Outcome("error", message=f"its result could not be read: {error_text(err)}")


def error_text(err: BaseException) -> str:
    try:
        text = str(err)
    except Exception:
        text = ""
    name = type(err).__name__
    return f"it raised {name}: {text[:300]}" if text else f"it raised {name}"


# ----- saying it in words -----


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
    if last.verdict.status == NOT_DONE:
        return f"⏳ {ex.grade_id}: not implemented yet"
    where = "hidden case" if last.hidden else "case"
    return f"❌ {ex.grade_id}: {where} '{last.case.label}' did not pass"


def explain(ex: Exercise, results: Sequence[CaseResult], indent: str = "   ") -> list[str]:
    """The lines under the summary: for a failure, what went in (public cases only),
    what was expected, what came back, the relative error, a pointed remark and the hint."""
    if not results or results[-1].verdict.passed:
        return []
    last = results[-1]
    v = last.verdict
    if v.status == NOT_DONE:
        return [f"{indent}replace `raise NotImplementedError()` in `{ex.function}` with your code"]
    lines = []
    if v.status == ERROR:
        lines.append(f"calling `{ex.function}` failed: {v.message}")
    elif v.status == FAILED:
        message = v.message or "wrong result"
        if message.startswith(("your ", "item ")):
            message = message[0].upper() + message[1:]
        lines.append(message)
    if last.hidden:
        lines.append(
            f"(a hidden case: {last.case.label}; the public cases passed, so think about "
            "what is special about this one)"
        )
    else:
        names = arg_names(ex)
        args = last.case.make()
        lines.append("input: " + "; ".join(
            f"{n} = {describe(a)}" for n, a in zip(names, args, strict=False)
        ))  # fmt: skip
        if v.expected is not None:
            lines.append(f"expected: {describe(v.expected)}")
            lines.append(f"got:      {describe(v.got)}")
    if v.relative_error is not None:
        lines.append(f"relative error: {v.relative_error:.2e}")
    lines += v.details
    lines.append(f"hint: {ex.hint}")
    return [indent + line for line in lines]


def report(ex: Exercise, results: Sequence[CaseResult]) -> str:
    return "\n".join([summary_line(ex, results), *explain(ex, results)])


def status(results: Sequence[CaseResult]) -> str:
    """passed, not implemented, failed or error: the status of the last case run."""
    return results[-1].verdict.status if results else NOT_DONE


# ----- the check cells -----


def check(grade_id: str, func: Any) -> None:
    """Check the learner's ``func`` on the public cases of exercise ``grade_id`` and print
    a short verdict. Never raises, so a notebook can always run to the end. Advisory:
    the batch grader re-checks everything in a separate process."""
    try:
        _, ex = find_exercise(grade_id)
    except KeyError as err:
        print(f"⚠ {err.args[0]}")
        return
    try:
        if not callable(func):
            print(f"❌ {grade_id}: `{ex.function}` should be a function, got {describe(func)}")
            return
        results = run_cases(ex, lambda args: call_here(func, args))
        print(report(ex, results))
    except Exception as err:  # never let a check stop the notebook
        print(f"⚠ {grade_id}: the check itself failed ({error_text(err)})")
