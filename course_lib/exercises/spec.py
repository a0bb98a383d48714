"""What an exercise is, and how an answer is judged.

An :class:`Exercise` names one graded function of a notebook: its ``grade_id`` (the
nbgrader id of its check cell), the function's name, its points, a hint, the
**public** cases that the notebook's check cell shows, the **hidden** cases used
only by the batch grader, and the **reference** implementation (built on
``course_lib``) that gives the expected answers. :func:`judge` compares a learner's
answer with the expected one and returns a :class:`Verdict` in words a learner
understands. Judging always happens in the grader's (or the checker's) own
process, on plain data: the learner's code never sees the expected answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..gradcheck import relative_error
from .codec import Other
from .inputs import USPS, Fn

# ----- the description of an exercise -----


@dataclass(frozen=True)
class Case:
    """One set of inputs: ``make()`` builds the positional arguments (from a fixed seed).

    ``label`` says in words what the case is, so a hidden case can be described
    in feedback without revealing its numbers.
    """

    label: str
    make: Callable[[], tuple]


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: if the learner's result equals ``wrong(*args)``, say ``message``."""

    wrong: Callable[..., Any]
    message: str


@dataclass(frozen=True)
class Exercise:
    grade_id: str
    function: str
    points: int
    hint: str
    reference: Callable[..., Any] | None  # None when ``custom`` judges the answer
    public: tuple[Case, ...]
    hidden: tuple[Case, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    mistakes: tuple[Mistake, ...] = ()
    # a custom rule instead of "close to the reference": (args, got) -> Verdict
    custom: Callable[[tuple, Any], Verdict] | None = None
    call_timeout: float = 10.0  # seconds for one call in the batch grader
    returns: tuple[str, ...] = ()  # names of the items of a returned tuple, for messages

    @property
    def answer_id(self) -> str:
        """The nbgrader id of the cell that holds the learner's answer."""
        return f"{self.grade_id}_answer"


@dataclass(frozen=True)
class Assignment:
    stem: str  # the notebook's file name without .ipynb, e.g. "04_backward_pass"
    title: str
    exercises: tuple[Exercise, ...]

    def exercise(self, grade_id: str) -> Exercise:
        for ex in self.exercises:
            if ex.grade_id == grade_id:
                return ex
        known = ", ".join(ex.grade_id for ex in self.exercises)
        raise KeyError(f"no exercise {grade_id!r} in {self.stem} (it has {known})")

    @property
    def max_score(self) -> int:
        return sum(ex.points for ex in self.exercises)


# ----- verdicts -----

PASSED, FAILED, NOT_DONE, ERROR = "passed", "failed", "not implemented", "error"


@dataclass
class Verdict:
    """The outcome of one case: ``status`` is passed, failed, not implemented or error."""

    status: str
    message: str = ""
    expected: Any = None
    got: Any = None
    relative_error: float | None = None
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == PASSED


# ----- describing values briefly -----


def describe(value: Any, limit: int = 8) -> str:
    """A short, safe description of a value: small arrays in full (4 digits), big ones by shape."""
    if isinstance(value, np.ndarray):
        if value.size <= limit and value.dtype.kind in "biuf":
            text = np.array2string(value, precision=4, separator=", ", suppress_small=True)
            return f"array({' '.join(text.split())}, dtype={value.dtype})"
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, np.generic):
        return describe(value.item(), limit)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return repr(value[:60])
    if isinstance(value, Fn | USPS):
        return value.describe()
    if isinstance(value, list | tuple):
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        if len(value) > limit:
            return f"a {type(value).__name__} of {len(value)} items"
        return opening + ", ".join(describe(v, limit) for v in value) + closing
    if isinstance(value, Other):
        return f"an object of type {value.type_name}"
    return f"an object of type {type(value).__name__}"


def describe_args(args: tuple, names: list[str] | None = None) -> str:
    names = names or [f"argument {i + 1}" for i in range(len(args))]
    return "; ".join(f"{n} = {describe(a)}" for n, a in zip(names, args, strict=False))


# ----- judging -----


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
) -> Verdict:
    """Compare ``got`` with ``expected`` by structure, type, shape, dtype, finiteness and value."""
    if isinstance(expected, tuple | list):
        kind = "tuple" if isinstance(expected, tuple) else "list"
        if not isinstance(got, tuple | list):
            return Verdict(
                FAILED,
                f"{where} should be a {kind} of {len(expected)} items, got {describe(got)}",
            )
        if len(got) != len(expected):
            return Verdict(
                FAILED,
                f"{where} should have {len(expected)} items, it has {len(got)}",
            )
        worst = 0.0
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            item = f"item {i} of {where}"
            if len(names) == len(expected):
                item = f"{names[i]} ({item})"
            v = compare(e, g, rtol, atol, where=item)
            if not v.passed:
                return v
            worst = max(worst, v.relative_error or 0.0)
        return Verdict(PASSED, relative_error=worst)
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        if not _is_number(got):
            return Verdict(FAILED, f"{where} should be a number, got {describe(got)}")
        g = float(got)
        if not np.isfinite(g):
            return Verdict(FAILED, f"{where} is {g}, not a finite number", expected, got)
        err = relative_error(np.array(expected), np.array(g))
        if not np.isclose(g, expected, rtol=rtol, atol=atol):
            return Verdict(FAILED, f"{where} is wrong", expected, got, err)
        return Verdict(PASSED, relative_error=err)
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray) or isinstance(got, np.generic):
            return Verdict(FAILED, f"{where} should be a numpy array, got {describe(got)}")
        if got.shape != expected.shape:
            message = f"{where} has shape {got.shape}, expected {expected.shape}"
            if got.ndim == 2 and got.shape == expected.shape[::-1]:
                message += " (it looks transposed)"
            return Verdict(FAILED, message)
        want_kind = "float" if expected.dtype.kind == "f" else "integer"
        got_kind = {"f": "float", "i": "integer", "u": "integer", "b": "bool"}.get(
            got.dtype.kind, str(got.dtype)
        )
        if want_kind != got_kind:
            return Verdict(FAILED, f"{where} has dtype {got.dtype}, expected a {want_kind} array")
        if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
            bad = "NaN" if np.any(np.isnan(got)) else "inf"
            return Verdict(FAILED, f"{where} contains {bad}", expected, got)
        err = relative_error(expected, got)
        if not np.allclose(got, expected, rtol=rtol, atol=atol):
            message = f"{where} has wrong values"
            square = got.ndim == 2 and got.shape[0] == got.shape[1]
            if square and np.allclose(got.T, expected, rtol=rtol, atol=atol):
                message += " (it equals the right answer transposed)"
            return Verdict(FAILED, message, expected, got, err)
        return Verdict(PASSED, relative_error=err)
    raise TypeError(f"cannot compare with an expected value of type {type(expected).__name__}")


def _equal(a: Any, b: Any) -> bool:
    """Whether two plain values agree closely (used to recognise known mistakes)."""
    try:
        return compare(a, b, rtol=1e-6, atol=1e-9).passed
    except Exception:
        return False


def judge(ex: Exercise, args: tuple, expected: Any, got: Any) -> Verdict:
    """The verdict on one case, with a pointed message when a known mistake is recognised."""
    if ex.custom is not None:
        return ex.custom(args, got)
    verdict = compare(expected, got, ex.rtol, ex.atol, names=ex.returns)
    if verdict.passed:
        return verdict
    for mistake in ex.mistakes:
        try:
            wrong = mistake.wrong(*args)
        except Exception:
            continue
        if _equal(wrong, got):
            verdict.details.append(mistake.message)
            break
    return verdict
