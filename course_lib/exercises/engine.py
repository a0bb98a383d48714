"""The engine: run an exercise's cases against a learner's function and judge each answer.

The same engine serves the check cells of the notebooks (the function is called right
there, in the learner's kernel: advisory feedback) and the runner of ``course-lib check``
and ``course-lib grade`` (the function is called in another process, and only the data
it returned comes back). Either way the result goes through the data-only format of
:mod:`.codec` before it is judged, so both give the same verdicts, and the expected
answers are computed here, by the exercise's reference, never by the learner's code.

A :class:`Trial` is one case ready to run: its label, its arguments and its expected
answer. :func:`run_cases` runs trials in order and stops at the first that does not
pass; :func:`judge` compares one answer; the results of a notebook are an
:class:`ExerciseResult` per exercise in a :class:`NotebookResult`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..gradcheck import relative_error
from . import codec
from .inputs import resolve
from .monitor import CallMonitor
from .spec import (
    SPEED_FACTOR,
    SPEED_SLACK,
    Assignment,
    Exercise,
    Status,
    Verdict,
    describe,
)

# ----- trials: cases with their expected answers -----


@dataclass(frozen=True)
class Trial:
    """One case, ready to run: ``args`` go to the learner's function; ``expected`` is the
    reference's answer on them (None when the exercise has a custom rule)."""

    label: str
    hidden: bool
    args: tuple
    expected: Any
    budget: float | None = None  # seconds the call may take (a timed case), else None
    fast_seconds: float = 0.0  # what the exercise's speed reference takes on it


def make_trial(
    ex: Exercise, label: str, args: tuple, hidden: bool = False, timed: bool = False
) -> Trial:
    """A trial on ``args``, its expected answer computed now by the exercise's reference;
    a timed one also gets its time budget, from the speed reference timed here."""
    values = resolve(args)  # (loads what the args need, e.g. the digits, now)
    expected = None if ex.reference is None else ex.reference(*values)
    if not (timed and ex.speed_reference):
        return Trial(label, hidden, args, expected)
    fast = min(_seconds(ex.speed_reference, resolve(args)) for _ in range(5))
    return Trial(label, hidden, args, expected, SPEED_SLACK + SPEED_FACTOR * fast, fast)


def _seconds(func: Callable, args: tuple) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def public_trials(ex: Exercise) -> list[Trial]:
    return [make_trial(ex, case.label, case.make()) for case in ex.public]


# ----- judging one answer -----


@dataclass
class Outcome:
    """What happened when the learner's function was called on one case.

    ``kind`` is "value" (it returned ``value``), "not implemented", "error" (it raised),
    "timeout" or "crashed" (its process died); ``message`` says more. ``forbidden``: the
    off-limits callables it called; ``tampered``: it removed the grader's call monitor.
    """

    kind: str
    value: Any = None
    message: str = ""
    seconds: float = 0.0
    forbidden: list[str] = field(default_factory=list)
    tampered: bool = False


# ----- comparing -----


def _is_number(x: Any) -> bool:
    return (isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)) or (
        isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "iuf"
    )


def compare(
    expected: Any,
    got: Any,
    rtol: float,
    atol: float,
    where: str = "your result",
    names: tuple[str, ...] = (),
    order: tuple[int, ...] = (),
    batch: int | None = None,
) -> Verdict:
    """Compare ``got`` with ``expected`` by structure, type, shape, dtype, finiteness and
    value. Every item of a tuple is compared (in ``order``, e.g. from the output layer
    back) and gets a line in ``items``; the message is the first wrong item's. ``batch``:
    the case's batch size N, to recognise "N times too large"."""
    if isinstance(expected, tuple | list):
        kind = "tuple" if isinstance(expected, tuple) else "list"
        if not isinstance(got, tuple | list):
            return Verdict(
                Status.FAILED,
                f"{where} should be a {kind} of {len(expected)} items, got {describe(got)}",
            )
        if len(got) != len(expected):
            return Verdict(
                Status.FAILED,
                f"{where} should have {len(expected)} items, it has {len(got)}",
            )
        worst, first, lines = 0.0, None, []
        for i in order if len(order) == len(expected) else range(len(expected)):
            item = f"item {i} of {where}"
            if len(names) == len(expected):
                item = f"{names[i]} ({item})"
            v = compare(expected[i], got[i], rtol, atol, where=item, batch=batch)
            label = names[i] if len(names) == len(expected) else f"item {i}"
            if v.passed:
                worst = max(worst, v.relative_error or 0.0)
                lines.append(f"✓ {label}")
            else:
                error = f", relative error {v.relative_error:.1e}" if v.relative_error else ""
                lines.append(f"✗ {label}: {_after(v.message, item)}{error}")
                first = first or v
        if first is None:
            return Verdict(Status.PASSED, relative_error=worst)
        first.items = lines if len(expected) > 1 else []
        return first
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        if not _is_number(got):
            return Verdict(Status.FAILED, f"{where} should be a number, got {describe(got)}")
        g = float(got)
        if not np.isfinite(g):
            return Verdict(Status.FAILED, f"{where} is {g}, not a finite number", expected, got)
        err = relative_error(np.array(expected), np.array(g))
        if not np.isclose(g, expected, rtol=rtol, atol=atol):
            verdict = Verdict(Status.FAILED, f"{where} is wrong", expected, got, err)
            verdict.details += _scaled(np.array(float(expected)), np.array(g), batch)
            return verdict
        return Verdict(Status.PASSED, relative_error=err)
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray) or isinstance(got, np.generic):
            return Verdict(Status.FAILED, f"{where} should be a numpy array, got {describe(got)}")
        if got.shape != expected.shape:
            message = f"{where} has shape {got.shape}, expected {expected.shape}"
            if got.ndim == 2 and got.shape == expected.shape[::-1]:
                message += " (it looks transposed)"
            elif got.size == expected.size and got.ndim > expected.ndim:
                message += " (an extra axis of length 1: keepdims=True, or a reshape?)"
            elif got.size == expected.size and got.ndim < expected.ndim:
                message += (
                    " (an axis of length 1 is missing: a squeeze, or a sum without keepdims?)"
                )
            return Verdict(Status.FAILED, message)
        want_kind = "float" if expected.dtype.kind == "f" else "integer"
        got_kind = {"f": "float", "i": "integer", "u": "integer", "b": "bool"}.get(
            got.dtype.kind, str(got.dtype)
        )
        if want_kind != got_kind:
            return Verdict(
                Status.FAILED, f"{where} has dtype {got.dtype}, expected a {want_kind} array"
            )
        if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
            bad = "NaN" if np.any(np.isnan(got)) else "inf"
            where_bad = _positions(~np.isfinite(got))
            return Verdict(Status.FAILED, f"{where} contains {bad} ({where_bad})", expected, got)
        err = relative_error(expected, got)
        if not np.allclose(got, expected, rtol=rtol, atol=atol):
            message = f"{where} has wrong values"
            square = got.ndim == 2 and got.shape[0] == got.shape[1]
            if square and np.allclose(got.T, expected, rtol=rtol, atol=atol):
                message += " (it equals the right answer transposed)"
            verdict = Verdict(Status.FAILED, message, expected, got, err)
            scaled = _scaled(expected, got, batch)
            verdict.details += scaled
            if not scaled:
                wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
                verdict.details.append(f"{where}: wrong entries {_positions(wrong)}")
            return verdict
        return Verdict(Status.PASSED, relative_error=err)
    raise TypeError(f"cannot compare with an expected value of type {type(expected).__name__}")


def _after(message: str, item: str) -> str:
    """A message about ``item`` without its name in front (for the line of that item)."""
    return message[len(item) + 1 :] if message.startswith(item + " ") else message


def _positions(mask: np.ndarray, shown: int = 4) -> str:
    """Where ``mask`` is true, in words: "at [0, 2], [1, 3] (2 of 12 entries)"."""
    if mask.all():
        return f"everywhere (all {mask.size} entries)"
    spots = np.argwhere(mask)
    text = ", ".join("[" + ", ".join(str(int(i)) for i in spot) + "]" for spot in spots[:shown])
    more = ", ..." if len(spots) > shown else ""
    return f"at {text}{more} ({len(spots)} of {mask.size} entries)"


def _scaled(expected: np.ndarray, got: np.ndarray, batch: int | None) -> list[str]:
    """A remark when ``got`` is the right answer times a constant: the sign, N, 1/N."""
    nonzero = np.abs(expected) > 1e-12
    if not nonzero.any() or not np.all(np.isfinite(got)):
        return []
    c = float(np.median(got[nonzero] / expected[nonzero]))
    if not np.isfinite(c) or abs(c) < 1e-12 or not np.allclose(got, c * expected, rtol=1e-6,
                                                               atol=1e-9):  # fmt: skip
        return []
    if np.isclose(c, -1.0):
        return ["It has the opposite sign everywhere: check the direction of a subtraction."]
    if batch and batch > 1 and np.isclose(c, batch):
        return [f"It is N = {batch} times too large (N is the batch size): is a 1/N missing?"]
    if batch and batch > 1 and np.isclose(c, 1.0 / batch):
        return [f"It is N = {batch} times too small (N is the batch size): an extra 1/N, or "
                "a mean where a sum belongs?"]  # fmt: skip
    return [f"It is {c:.4g} times the right answer: a constant factor is off."]


def _same(a: Any, b: Any) -> bool:
    """Whether two plain values agree closely, NaN and inf included (used to recognise
    known mistakes, which may well give NaN)."""
    try:
        if isinstance(a, tuple | list):
            return (isinstance(b, tuple | list) and len(a) == len(b)
                    and all(_same(x, y) for x, y in zip(a, b, strict=True)))  # fmt: skip
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
                return False
            if a.shape != b.shape or a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
                return False
            return bool(np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
                        and np.array_equal(np.isinf(a), np.isinf(b)))  # fmt: skip
        if _is_number(a) and _is_number(b):
            return bool(np.isclose(float(a), float(b), rtol=1e-6, atol=1e-9, equal_nan=True))
        return False
    except Exception:
        return False


def _batch(ex: Exercise, args: tuple) -> int | None:
    try:
        return int(ex.batch(args)) if ex.batch is not None else None
    except Exception:
        return None


def judge(ex: Exercise, args: tuple, expected: Any, got: Any) -> Verdict:
    """The verdict on one answer, with a pointed remark when a known mistake is recognised."""
    if ex.custom is not None:
        return ex.custom(args, got)
    verdict = compare(expected, got, ex.rtol, ex.atol, names=ex.returns, order=ex.order,
                      batch=_batch(ex, args))  # fmt: skip
    if verdict.passed:
        return verdict
    for mistake in ex.mistakes:
        try:
            with np.errstate(all="ignore"):
                wrong = mistake.wrong(*args)
        except Exception:
            continue
        if _same(wrong, got):  # its own remark says more than "N times too large"
            kept = [d for d in verdict.details if "wrong entries" in d]
            verdict.details = [mistake.message, *kept]
            break
    if ex.diagnose is not None:
        try:
            verdict.details += ex.diagnose(args, got)
        except Exception:
            pass
    return verdict


def known_error(ex: Exercise, args: tuple, message: str) -> str | None:
    """The remark of a known mistake recognised by the error it raised on ``args``, if any."""
    for remark in ex.errors:
        try:
            if remark.text in message and (remark.when is None or remark.when(args)):
                return remark.message
        except Exception:
            continue
    return None


VECTORISE = ("vectorise over the batch (one matrix product per layer for the whole "
             "mini-batch, no Python loop over its examples)")  # fmt: skip


def verdict_of(ex: Exercise, trial: Trial, outcome: Outcome) -> Verdict:
    """The verdict on one call: how it ended, what it called, how long it took, what it gave."""
    if outcome.kind == "not implemented":
        return Verdict(Status.NOT_DONE, "not implemented yet")
    if outcome.kind == "timeout" and trial.budget is not None:
        return Verdict(Status.ERROR, f"{outcome.message}, where {_too_slow(trial)}")
    if outcome.kind == "timeout":  # over the exercise's time limit (or --call-timeout)
        return Verdict(Status.ERROR, f"{outcome.message}: {VECTORISE}")
    if outcome.kind != "value":
        verdict = Verdict(Status.ERROR, outcome.message or outcome.kind)
        remark = known_error(ex, resolve(trial.args), outcome.message)
        if remark:
            verdict.details.append(remark)
        return verdict
    if outcome.tampered:
        return Verdict(Status.FAILED, "your function switched off the check of what it calls "
                       "(sys.setprofile): that is not allowed while it is graded")  # fmt: skip
    if outcome.forbidden:
        called = ", ".join(outcome.forbidden)
        return Verdict(Status.FAILED, f"{ex.forbidden_reason}: your function called {called}, "
                       "which is off limits in this exercise")  # fmt: skip
    if trial.budget is not None and outcome.seconds > trial.budget:
        took = f"it took {outcome.seconds:.2g} s (at most {trial.budget:.2g} s allowed)"
        return Verdict(Status.FAILED, f"{took}, where {_too_slow(trial)}")
    verdict = judge(ex, resolve(trial.args), trial.expected, outcome.value)
    if verdict.passed and ex.custom is not None and verdict.message:
        verdict.message += f", in {outcome.seconds:.1f} s (time limit {ex.call_timeout:g} s)"
    return verdict


def _too_slow(trial: Trial) -> str:
    return (f"a backward pass takes {1000 * trial.fast_seconds:.2g} ms: finite differences? "
            "They need two forward passes per parameter; backpropagation gets every gradient "
            "in about the time of two forward passes in all")  # fmt: skip


# ----- running the cases -----


@dataclass
class CaseResult:
    trial: Trial
    verdict: Verdict

    @property
    def hidden(self) -> bool:
        return self.trial.hidden


def run_cases(
    ex: Exercise, call: Callable[[tuple], Outcome], trials: Sequence[Trial]
) -> list[CaseResult]:
    """Call the learner's function on each trial in order (public ones first), stopping at
    the first that does not pass. ``call(args)`` returns an Outcome."""
    results = []
    for trial in trials:
        verdict = verdict_of(ex, trial, call(trial.args))
        results.append(CaseResult(trial, verdict))
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


def call_here(func: Callable, args: tuple, forbidden: Sequence[str] = ()) -> Outcome:
    """Call ``func`` in this process, watching what it calls; its result is passed through
    the data-only format."""
    start = time.perf_counter()
    try:
        # numpy's warnings (an overflow in exp) would go to stderr: the verdict explains them
        with _one_blas_thread(), np.errstate(all="ignore"), CallMonitor(forbidden) as monitor:
            value = func(*resolve(args))
    except NotImplementedError:
        return Outcome("not implemented")
    except (Exception, SystemExit) as err:
        return Outcome("error", message=error_text(err))
    seconds = time.perf_counter() - start
    try:
        value = codec.loads(codec.dumps(value))
    except Exception as err:  # a hostile object can break even its own encoding
        return Outcome("error", message=f"its result could not be read: {error_text(err)}")
    return Outcome("value", value, seconds=seconds, forbidden=list(monitor.calls),
                   tampered=monitor.tampered)  # fmt: skip


def error_text(err: BaseException) -> str:
    try:
        text = str(err)
    except Exception:
        text = ""
    name = type(err).__name__
    return f"it raised {name}: {codec.text(text, 300)}" if text else f"it raised {name}"


# ----- the results of a notebook -----


@dataclass
class CellResult:
    index: int
    error: str | None = None
    output: str = ""


@dataclass
class ExerciseResult:
    exercise: Exercise
    results: list[CaseResult] = field(default_factory=list)
    problem: str | None = None  # a reason that applies before any case (missing cell, ...)
    # an earlier exercise it uses that fails its own public cases, where no stand-in took
    # its place (the check cell, `course-lib check`): the verdict says to fix that first
    blocked_by: Exercise | None = None

    @property
    def passed(self) -> bool:
        return self.problem is None and bool(self.results) and self.results[-1].verdict.passed

    @property
    def score(self) -> int:
        return self.exercise.points if self.passed else 0

    @property
    def public_passed(self) -> bool:
        """Every public case passed (cases stop at the first failure: public ones first)."""
        return (
            self.problem is None and bool(self.results) and (self.passed or self.results[-1].hidden)
        )


@dataclass
class NotebookResult:
    assignment: Assignment
    exercises: list[ExerciseResult] = field(default_factory=list)
    cells: list[CellResult] = field(default_factory=list)
    problem: str | None = None  # the notebook could not be graded at all
    seconds: float = 0.0

    @property
    def score(self) -> int:
        return sum(r.score for r in self.exercises)


def mark_blocked(result: NotebookResult) -> None:
    """Where no stand-in replaced the earlier functions an exercise uses: mark each failed
    exercise whose earlier function fails its own public cases (fix that one first)."""
    by_id = {r.exercise.grade_id: r for r in result.exercises}
    for r in result.exercises:
        if r.passed or r.problem or not r.results:
            continue
        if r.results[-1].verdict.status is Status.NOT_DONE:
            continue
        for name in r.exercise.uses:
            earlier = by_id.get(name)
            if earlier is not None and not earlier.public_passed:
                r.blocked_by = earlier.exercise
                break


def unreadable(assignment: Assignment, reason: str) -> NotebookResult:
    """The result of a notebook that could not be run at all: every exercise gets 0."""
    result = NotebookResult(assignment, problem=reason)
    result.exercises = [ExerciseResult(ex, problem=reason) for ex in assignment.exercises]
    return result
