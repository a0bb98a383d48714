"""The engine: run an exercise's cases against a learner's function and judge each answer.

The same engine serves the check cells of the notebooks (the function is called right
there, in the learner's kernel: advisory feedback) and the runner of ``course-lib check``
and ``course-lib grade`` (the function is called in another process, and only the data
it returned comes back). Either way the result goes through the data-only format of
:mod:`.codec` before it is judged, so both give the same verdicts, and the expected
answers come with the cases (made by the instructor's reference), never from the learner's
code. Verdicts are structured (:class:`.spec.Verdict`): only :mod:`.report` makes words.

A :class:`Trial` is one case ready to run: its label, its arguments, its expected answer
and the answers of the known mistakes (all data: the references that compute them are the
instructor's, ``course_lib.instructor.key``). :func:`run_cases` runs trials in order and
stops at the first that does not pass; :func:`judge` compares one answer; the results of a
notebook are an :class:`ExerciseResult` per exercise in a :class:`NotebookResult`.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..i18n import N_, _
from . import codec
from .inputs import resolve
from .monitor import CallMonitor
from .spec import (
    Assignment,
    Ending,
    Exercise,
    Failure,
    Known,
    Mark,
    Remark,
    Source,
    Status,
    Verdict,
    describe,
    spec_failed,
)

# ----- trials: cases with their expected answers -----


@dataclass(frozen=True)
class Trial:
    """One case, ready to run: ``args`` go to the learner's function; ``expected`` is the
    reference's answer on them (None when the exercise has a custom rule); ``known``: the
    answers of the known mistakes on them, each with its remark."""

    label: str
    hidden: bool
    args: tuple
    expected: Any
    budget: float | None = None  # seconds the call may take (a timed case), else None
    fast_seconds: float = 0.0  # what the exercise's speed reference takes on it
    known: tuple[Known, ...] = ()


def public_trials(ex: Exercise) -> list[Trial]:
    """The exercise's public cases as trials (their expected answers are data, made by
    ``course-lib build`` from the instructor's reference)."""
    return [Trial(c.label, False, c.args, c.expected, known=c.known) for c in ex.public]


# ----- how a call ended -----


@dataclass
class Outcome:
    """What happened when the learner's function was called on one case: how it ended
    (``kind``), what it returned (``value``) or what went wrong (``message``), how long it
    took; ``forbidden``: the off-limits callables it called; ``tampered``: it removed the
    grader's call monitor. A timed case is judged by ``cpu_seconds`` where the kernel
    counted it (the grader's workers on Linux: it does not move with the machine's load),
    else by the wall-clock ``seconds``."""

    kind: Ending
    value: Any = None
    message: str = ""
    seconds: float = 0.0
    forbidden: list[str] = field(default_factory=list)
    tampered: bool = False
    cpu_seconds: float | None = None  # the CPU time the kernel counted (where it can)


# ----- comparing -----


def _is_number(x: Any) -> bool:
    return (isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)) or (
        isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "iuf"
    )


def relative_error(expected: Any, got: Any) -> float:
    """The course's relative error (course_lib.gradcheck), loaded when first needed: the
    grader's sandbox may leave gradcheck out of a learner's process that imports this."""
    from ..gradcheck import relative_error as measure

    return measure(expected, got)


ORDINALS = (
    N_("first"),
    N_("second"),
    N_("third"),
    N_("fourth"),
    N_("fifth"),
    N_("sixth"),
    N_("seventh"),
    N_("eighth"),
)


def _item_words(
    i: int, n: int, where: str, names: tuple[str, ...], label: str, per_layer: bool
) -> tuple[str, str]:
    """The label of item ``i`` of ``n`` (in a list of marks, "expected ...") and the words
    that name it in a sentence: "the second item of your result (dW)"; an item of a named
    list "dWs[2]", with its layer when the list has one entry per layer, counted from 1:
    "dWs[2] (layer 3 of 3, the output layer)"."""
    if label:
        if not per_layer:
            return f"{label}[{i}]", f"{label}[{i}]"
        if i == n - 1:
            layer = _("{label}[{i}] (layer {layer} of {n}, the output layer)")
        else:
            layer = _("{label}[{i}] (layer {layer} of {n})")
        words = layer.format(label=label, i=i, layer=i + 1, n=n)
        return words, words
    if n == 1:
        ordinal = _("only")
    elif i < len(ORDINALS):
        ordinal = _(ORDINALS[i])
    else:
        ordinal = _("number {n}").format(n=i + 1)
    if len(names) == n:
        item = _("the {ordinal} item of {where} ({name})")
        return names[i], item.format(ordinal=ordinal, where=where, name=names[i])
    item = _("the {ordinal} item").format(ordinal=ordinal)
    return item, _("the {ordinal} item of {where}").format(ordinal=ordinal, where=where)


def compare(
    expected: Any,
    got: Any,
    rtol: float,
    atol: float,
    where: str = "",
    names: tuple[str, ...] = (),
    order: tuple[int, ...] = (),
    batch: int | None = None,
    layers: tuple[str, ...] = (),
    label: str = "",
) -> Verdict:
    """Compare ``got`` with ``expected`` by structure, type, shape, dtype, finiteness and
    value. Every item of a tuple is compared (in ``order``, e.g. from the output layer
    back) and gets a :class:`.spec.Mark` in ``items``; the verdict is the first wrong
    item's. ``label``: the name of this value as an item of a bigger result; a list named
    in ``layers`` has one entry per layer and is compared from the output layer back.
    ``batch``: the case's batch size N, to recognise "N times too large"."""
    where = where or _("your result")

    def failed(failure: Failure, what: str, *values: Any) -> Verdict:
        return Verdict(Status.FAILED, what, *values, failure=failure, where=where)

    if isinstance(expected, tuple | list):
        kind = "tuple" if isinstance(expected, tuple) else "list"
        if not isinstance(got, tuple | list):
            if kind == "tuple":
                what = _("should be a tuple of {n} items, got {got}")
            else:
                what = _("should be a list of {n} items, got {got}")
            return failed(Failure.KIND, what.format(n=len(expected), got=describe(got)))
        if len(got) != len(expected):
            what = _("should have {n} items, it has {count}")
            return failed(Failure.KIND, what.format(n=len(expected), count=len(got)))
        worst, first, marks = 0.0, None, []
        n = len(expected)
        per_layer = bool(label) and label in layers
        if per_layer:
            indices: Sequence[int] = range(n - 1, -1, -1)
        else:
            indices = order if len(order) == n else range(n)
        for i in indices:
            name, item = _item_words(i, n, where, names, label, per_layer)
            inner = name if len(names) == n or label else ""  # a named item's items
            v = compare(
                expected[i], got[i], rtol, atol, item, batch=batch, layers=layers, label=inner
            )
            if v.passed:
                worst = max(worst, v.relative_error or 0.0)
                marks.append(Mark(name, True))
            else:
                marks.append(Mark(v.item or name, False, v.what, v.relative_error))
                if first is None:
                    first = v
                    first.item = v.item or name
        if first is None:
            return Verdict(Status.PASSED, relative_error=worst)
        first.items = marks if n > 1 else []
        return first
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        if not _is_number(got):
            what = _("should be a number, got {got}").format(got=describe(got))
            return failed(Failure.KIND, what)
        g = float(got)
        if not np.isfinite(g):
            what = _("is {value}, not a finite number").format(value=g)
            return failed(Failure.NOT_FINITE, what, expected, got)
        err = relative_error(np.array(expected), np.array(g))
        if not np.isclose(g, expected, rtol=rtol, atol=atol):
            verdict = failed(Failure.VALUES, _("is wrong"), expected, got, err)
            _scaled(verdict, np.array(float(expected)), np.array(g), batch)
            return verdict
        return Verdict(Status.PASSED, relative_error=err)
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray) or isinstance(got, np.generic):
            what = _("should be a numpy array, got {got}").format(got=describe(got))
            return failed(Failure.KIND, what)
        if got.shape != expected.shape:
            if got.ndim == 2 and got.shape == expected.shape[::-1]:
                what = _("has shape {got}, expected {expected} (it looks transposed)")
            elif got.size == expected.size and got.ndim > expected.ndim:
                what = _(
                    "has shape {got}, expected {expected} (an extra axis of length 1: "
                    "keepdims=True, or a reshape?)"
                )
            elif got.size == expected.size and got.ndim < expected.ndim:
                what = _(
                    "has shape {got}, expected {expected} (an axis of length 1 is missing: "
                    "a squeeze, or a sum without keepdims?)"
                )
            else:
                what = _("has shape {got}, expected {expected}")
            return failed(Failure.SHAPE, what.format(got=got.shape, expected=expected.shape))
        want_kind = "float" if expected.dtype.kind == "f" else "integer"
        got_kind = {"f": "float", "i": "integer", "u": "integer", "b": "bool"}.get(
            got.dtype.kind, str(got.dtype)
        )
        if want_kind != got_kind:
            if want_kind == "float":
                what = _("has dtype {dtype}, expected a float array")
            else:
                what = _("has dtype {dtype}, expected an integer array")
            return failed(Failure.DTYPE, what.format(dtype=got.dtype))
        if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
            bad = "NaN" if np.any(np.isnan(got)) else "inf"
            where_bad = _positions(~np.isfinite(got))
            what = _("contains {bad} ({where})").format(bad=bad, where=where_bad)
            return failed(Failure.NOT_FINITE, what, expected, got)
        err = relative_error(expected, got)
        if not np.allclose(got, expected, rtol=rtol, atol=atol):
            what = _("has wrong values")
            square = got.ndim == 2 and got.shape[0] == got.shape[1]
            if square and np.allclose(got.T, expected, rtol=rtol, atol=atol):
                what = _("has wrong values (it equals the right answer transposed)")
            verdict = failed(Failure.VALUES, what, expected, got, err)
            if not _scaled(verdict, expected, got, batch):
                wrong = _positions(~np.isclose(got, expected, rtol=rtol, atol=atol))
                text = _("{where}: wrong entries {positions}").format(where=where, positions=wrong)
                verdict.remark(Source.ENTRIES, text)
            return verdict
        return Verdict(Status.PASSED, relative_error=err)
    raise TypeError(f"cannot compare with an expected value of type {type(expected).__name__}")


def _positions(mask: np.ndarray, shown: int = 4) -> str:
    """Where ``mask`` is true, in words: "at [0, 2], [1, 3] (2 of 12 entries)"."""
    if mask.all():
        return _("everywhere (all {size} entries)").format(size=mask.size)
    spots = np.argwhere(mask)
    text = ", ".join("[" + ", ".join(str(int(i)) for i in spot) + "]" for spot in spots[:shown])
    more = ", ..." if len(spots) > shown else ""
    said = _("at {spots}{more} ({count} of {size} entries)")
    return said.format(spots=text, more=more, count=len(spots), size=mask.size)


EVIDENCE = 3  # distinct nonzero entries that must share a factor for it to be named


def _scaled(verdict: Verdict, expected: np.ndarray, got: np.ndarray, batch: int | None) -> bool:
    """Remark on ``verdict`` when ``got`` is the right answer times a constant (the sign, N,
    1/N, another factor); True if it did. Any wrong number is some multiple of the right
    one: another factor is named only where at least EVIDENCE distinct entries agree."""
    nonzero = np.abs(expected) > 1e-12
    if not nonzero.any() or not np.all(np.isfinite(got)):
        return False
    c = float(np.median(got[nonzero] / expected[nonzero]))
    if not np.isfinite(c) or abs(c) < 1e-12:
        return False
    if not np.allclose(got, c * expected, rtol=1e-6, atol=1e-9):
        return False
    distinct = np.unique(expected[nonzero]).size
    if np.isclose(c, -1.0):
        text = _("It has the opposite sign everywhere: check the direction of a subtraction.")
    elif batch and batch > 1 and np.isclose(c, batch):
        text = _(
            "It is N = {batch} times too large (N is the batch size): is a 1/N missing?"
        ).format(batch=batch)
    elif batch and batch > 1 and np.isclose(c, 1.0 / batch):
        text = _(
            "It is N = {batch} times too small (N is the batch size): an extra 1/N, or "
            "a mean where a sum belongs?"
        ).format(batch=batch)
    elif distinct >= EVIDENCE:
        text = _("It is {factor:.4g} times the right answer: a constant factor is off.")
        text = text.format(factor=c)
    else:
        return False
    verdict.remark(Source.SCALE, text)
    return True


def same(a: Any, b: Any) -> bool:
    """Whether two plain values agree closely, NaN and inf included (to recognise a known
    mistake's answer, which may well hold NaN)."""
    try:
        if isinstance(a, tuple | list):
            return (
                isinstance(b, tuple | list)
                and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True))
            )
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
                return False
            if a.shape != b.shape or a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
                return False
            return bool(
                np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)
                and np.array_equal(np.isinf(a), np.isinf(b))
            )
        if _is_number(a) and _is_number(b):
            return bool(np.isclose(float(a), float(b), rtol=1e-6, atol=1e-9, equal_nan=True))
        return False
    except Exception:  # a learner's value of another kind is simply not the same
        return False


# ----- judging one answer -----


def _batch(ex: Exercise, args: tuple) -> int | None:
    try:
        return int(ex.batch(args)) if ex.batch is not None else None
    except Exception as err:
        spec_failed(f"the batch size of {ex.grade_id}", err)
        return None


def judge(
    ex: Exercise, args: tuple, expected: Any, got: Any, known: Sequence[Known] = ()
) -> Verdict:
    """The verdict on one answer: compared with ``expected``, with a pointed remark when it
    is the answer of a known mistake (``known``) and the exercise's own diagnosis."""
    if ex.custom is not None:
        try:
            return ex.custom(args, got)
        except Exception as err:
            spec_failed(f"the rule of {ex.grade_id}", err)
            raise
    verdict = compare(
        expected,
        got,
        ex.rtol,
        ex.atol,
        names=ex.returns,
        order=ex.order,
        batch=_batch(ex, args),
        layers=ex.layers,
    )
    if verdict.passed:
        return verdict
    for mistake in known:
        if same(mistake.value, got):  # its own remark says more than "N times too large"
            kept = [r for r in verdict.remarks if r.source is Source.ENTRIES]
            said = Remark(Source.MISTAKE, _(mistake.message), mistake.name)
            verdict.remarks = [said, *kept]
            break
    if ex.diagnose is not None:
        try:
            said = ex.diagnose(args, got, expected)
        except Exception as err:
            spec_failed(f"the diagnosis of {ex.grade_id}", err)
            said = []
        verdict.remarks += [Remark(Source.DIAGNOSIS, text) for text in said]
    return verdict


def known_error(ex: Exercise, args: tuple, message: str) -> Remark | None:
    """The remark of a known mistake recognised by the error it raised on ``args``, if any."""
    for remark in ex.errors:
        try:
            if remark.text in message and (remark.when is None or remark.when(args)):
                return Remark(Source.ERROR, _(remark.message), remark.name)
        except Exception as err:
            spec_failed(f"the error remark {remark.name!r} of {ex.grade_id}", err)
            continue
    return None


VECTORISE = N_(
    "vectorise over the batch (one matrix product per layer for the whole "
    "mini-batch, no Python loop over its examples)"
)
NEVER_ENDS = N_(
    "look for a loop that never ends (a `while` whose condition never becomes false) or "
    "for very large work"
)
RAN_LONG = N_("look for very large work, or a loop that runs far more often than it should")
LOOP_MARGIN = 10.0  # a time limit this many times what a loop over the examples takes


def verdict_of(ex: Exercise, trial: Trial, outcome: Outcome) -> Verdict:
    """The verdict on one call: how it ended, what it called, how long it took, what it gave."""
    if outcome.kind is Ending.NOT_DONE:
        return Verdict(Status.NOT_DONE, _("not implemented yet"), failure=Failure.NOT_DONE)
    if outcome.kind is Ending.TIMEOUT:
        return _overtime(ex, trial, outcome)
    if outcome.forbidden and outcome.kind is Ending.ERROR:  # it failed reaching for it
        what = _(
            "{reason}: your function used {called}, which is off limits in this exercise "
            "(it is not there while your function is graded)"
        ).format(reason=_(ex.forbidden_reason), called=", ".join(outcome.forbidden))
        return Verdict(Status.FAILED, what, failure=Failure.FORBIDDEN)
    if outcome.kind is not Ending.VALUE:
        what = outcome.message or _(outcome.kind.value)
        verdict = Verdict(Status.ERROR, what, failure=Failure.ERROR, ending=outcome.kind)
        remark = known_error(ex, resolve(trial.args), outcome.message)
        if remark:
            verdict.remarks.append(remark)
        return verdict
    if outcome.tampered:
        what = _(
            "your function switched off the check of what it calls (sys.setprofile): that "
            "is not allowed while it is graded"
        )
        return Verdict(Status.FAILED, what, failure=Failure.TAMPERED)
    if outcome.forbidden:
        what = _(
            "{reason}: your function called {called}, which is off limits in this exercise"
        ).format(reason=_(ex.forbidden_reason), called=", ".join(outcome.forbidden))
        return Verdict(Status.FAILED, what, failure=Failure.FORBIDDEN)
    used = outcome.cpu_seconds if outcome.cpu_seconds is not None else outcome.seconds
    if trial.budget is not None and used > trial.budget:
        took = _("it took {used:.2g} s of CPU time (at most {budget:.2g} s allowed), where {slow}")
        what = took.format(used=used, budget=trial.budget, slow=_too_slow(trial))
        return Verdict(Status.FAILED, what, failure=Failure.TOO_SLOW)
    verdict = judge(ex, resolve(trial.args), trial.expected, outcome.value, trial.known)
    if verdict.passed and ex.custom is not None and verdict.what:
        timed = _("{what}, in {seconds:.1f} s (time limit {limit:g} s)")
        verdict.what = timed.format(
            what=verdict.what, seconds=outcome.seconds, limit=ex.call_timeout
        )
    return verdict


def _overtime(ex: Exercise, trial: Trial, outcome: Outcome) -> Verdict:
    """The verdict on a call over its time limit. Vectorising only speeds up a loop over
    the examples of a case, which takes about the batch size times what the vectorised
    reference takes (``fast_seconds``). An untimed case is small and its limit seconds:
    no such loop comes within LOOP_MARGIN times of it, so the call never ended (a `while`
    whose condition stays true) or did very large work. A timed case is stopped once over
    its budget of CPU time (:meth:`.process.session.Session.call`): only where that budget
    is under LOOP_MARGIN times such a loop can the loop be why (never with the course's
    SPEED_FACTOR); else it is brute force or a loop that never ends."""
    if trial.budget is None:  # outcome.seconds: it returned, late (the check cell times it)
        advice = RAN_LONG if outcome.seconds else NEVER_ENDS
        what = _("{what}: {advice}").format(what=outcome.message, advice=_(advice))
        return Verdict(Status.ERROR, what, failure=Failure.ERROR, ending=Ending.TIMEOUT)
    loop = (_batch(ex, resolve(trial.args)) or 1) * trial.fast_seconds
    if trial.budget < LOOP_MARGIN * loop:
        what = _("{what}: {advice}").format(what=outcome.message, advice=_(VECTORISE))
    else:
        what = _("{what}: {advice}, where {slow}").format(
            what=outcome.message, advice=_(NEVER_ENDS), slow=_too_slow(trial)
        )
    return Verdict(Status.ERROR, what, failure=Failure.TOO_SLOW, ending=Ending.TIMEOUT)


def _too_slow(trial: Trial) -> str:
    return _(
        "a backward pass takes {ms:.2g} ms: finite differences? They need two forward "
        "passes per parameter; backpropagation gets every gradient in about the time of "
        "two forward passes in all"
    ).format(ms=1000 * trial.fast_seconds)


# ----- running the cases -----


@dataclass
class CaseResult:
    trial: Trial
    verdict: Verdict

    @property
    def hidden(self) -> bool:
        return self.trial.hidden


def run_cases(
    ex: Exercise, call: Callable[[Trial], Outcome], trials: Sequence[Trial]
) -> list[CaseResult]:
    """Call the learner's function on each trial in order (public ones first), stopping at
    the first that does not pass. ``call(trial)`` calls it on ``trial.args``, within the
    trial's limits, and returns an Outcome."""
    results = []
    for trial in trials:
        verdict = verdict_of(ex, trial, call(trial))
        results.append(CaseResult(trial, verdict))
        if not verdict.passed:
            break
    return results


def _one_blas_thread():
    """Small matrices run faster on one BLAS thread (extra threads only spin), and the
    time limit means the same on a shared hub as on a laptop."""
    from threadpoolctl import threadpool_limits  # loaded on the first check, not at import

    return threadpool_limits(limits=1, user_api="blas")


def call_here(func: Callable, args: tuple, forbidden: Sequence[str] = ()) -> Outcome:
    """Call ``func`` in this process, watching what it calls; its result is passed through
    the data-only format."""
    values = resolve(args)  # before the monitor: loading the digits is not the learner's call
    start = time.perf_counter()
    try:
        # numpy's warnings (an overflow in exp) would go to stderr: the verdict explains them
        with _one_blas_thread(), np.errstate(all="ignore"), CallMonitor(forbidden) as monitor:
            value = func(*values)
    except NotImplementedError:
        return Outcome(Ending.NOT_DONE)
    except (Exception, SystemExit) as err:
        return Outcome(Ending.ERROR, message=error_text(err))
    seconds = time.perf_counter() - start
    try:
        value = codec.loads(codec.dumps(value))
    except Exception as err:  # a hostile object can break even its own encoding
        message = _("its result could not be read: {error}").format(error=error_text(err))
        return Outcome(Ending.ERROR, message=message)
    return Outcome(
        Ending.VALUE,
        value,
        seconds=seconds,
        forbidden=list(monitor.calls),
        tampered=monitor.tampered,
    )


def error_text(err: BaseException) -> str:
    try:
        text = str(err)
    except Exception:
        text = ""
    name = type(err).__name__
    if not text:
        return _("it raised {error}").format(error=name)
    return _("it raised {error}").format(error=f"{name}: {codec.text(text, 300)}")


# ----- the results of a notebook -----


@dataclass
class CellResult:
    index: int
    error: str | None = None  # what stopped it, in words (None: it ran to the end)
    output: str = ""
    ended: Ending | None = None  # TIMEOUT or CRASHED: it was stopped, or not run at all
    not_done: bool = False  # it raised NotImplementedError (an exercise not done yet)


@dataclass
class ExerciseResult:
    exercise: Exercise
    results: list[CaseResult] = field(default_factory=list)
    problem: str | None = None  # a reason that applies before any case (missing cell, ...)
    # an earlier exercise it uses that fails its own public cases, where no stand-in took
    # its place (the check cell, `course-lib check`), or one it requires (everywhere, and
    # then it fails: mark_required): the verdict says to fix that first
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


def requirement_failed(
    ex: Exercise,
    results: Sequence[CaseResult],
    earlier: Exercise,
    found: Sequence[CaseResult],
    problem: str | None = None,
) -> list[CaseResult]:
    """``ex``'s results (``results``) turned into a failure because ``earlier``, which it
    requires (``Exercise.requires``), does not pass its own public cases (its results
    ``found``, or its ``problem``): the first case's verdict says so in ``requires_remark``'s
    words, with the remarks on ``earlier``'s failure; ``ex``'s own verdict, not counted,
    is kept as a remark."""
    last = found[-1] if found else None
    if problem or last is None:
        why = problem or _("it was not checked")
    elif last.verdict.status is Status.NOT_DONE:
        why = _("it is not implemented yet")
    else:
        why = _("it fails its public case '{label}' ({message})").format(
            label=_(last.trial.label), message=last.verdict.message
        )
    remark = _(ex.requires_remark)
    what = remark.format(function=earlier.function, number=earlier.number, why=why)
    verdict = Verdict(Status.FAILED, what, failure=Failure.REQUIRED)
    if last is not None:
        verdict.remarks += [r for r in last.verdict.remarks if r.source is not Source.ENTRIES]
    own = results[-1].verdict.message
    if own:
        verdict.remark(Source.RULE, _("Not counted: {verdict}.").format(verdict=own))
    return [CaseResult(results[0].trial, verdict)]


def mark_required(result: NotebookResult) -> None:
    """With stand-ins or without (a required function is never stood in for): fail each
    exercise whose required earlier function fails its own public cases, blocked by it
    (:func:`requirement_failed`), however its own cases went."""
    by_id = {r.exercise.grade_id: r for r in result.exercises}
    for r in result.exercises:
        if r.problem or not r.results or r.results[-1].verdict.status is Status.NOT_DONE:
            continue
        for name in r.exercise.requires:
            earlier = by_id.get(name)
            if earlier is not None and not earlier.public_passed:
                r.results = requirement_failed(
                    r.exercise, r.results, earlier.exercise, earlier.results, earlier.problem
                )
                r.blocked_by = earlier.exercise
                break


def unreadable(assignment: Assignment, reason: str) -> NotebookResult:
    """The result of a notebook that could not be run at all: every exercise gets 0."""
    result = NotebookResult(assignment, problem=reason)
    result.exercises = [ExerciseResult(ex, problem=reason) for ex in assignment.exercises]
    return result


# ----- a call in this process, stopped at its time limit -----


class OutOfTime(BaseException):
    """Raised in the learner's call at its time limit: not an Exception, so that the
    learner's ``except Exception`` does not swallow it (nor call_here count it as raised)."""


def stopped_after(seconds: float, func: Callable) -> Callable:
    """``func``, stopped by SIGALRM after ``seconds`` (where there is one: Unix, the main
    thread; elsewhere the call runs on, and is judged by its time when it returns)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return func

    def stop(signum: int, frame: Any) -> None:
        raise OutOfTime()

    def stopped(*args: Any) -> Any:
        before = signal.signal(signal.SIGALRM, stop)
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                return func(*args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:  # even when the signal came just as the call ended
            signal.signal(signal.SIGALRM, before)

    return stopped


def call_within(func: Callable, args: tuple, forbidden: Sequence[str], limit: float) -> Outcome:
    """:func:`call_here`, stopped at ``limit`` seconds where it can be (:func:`stopped_after`:
    a loop that never ends does not hang the notebook); a call that returns over the limit
    counts as a timeout too."""
    try:
        outcome = call_here(stopped_after(limit, func), args, forbidden)
    except OutOfTime:
        message = _("it did not finish within {limit:g} s").format(limit=limit)
        return Outcome(Ending.TIMEOUT, message=message)
    if outcome.kind is Ending.VALUE and outcome.seconds > limit:
        late = _("it took {seconds:.2g} s, over the time limit of {limit:g} s")
        late = late.format(seconds=outcome.seconds, limit=limit)
        return Outcome(Ending.TIMEOUT, message=late, seconds=outcome.seconds)
    return outcome
