"""What an exercise is: the data model that every other layer of the exercises builds on.

An :class:`Exercise` is one graded function of a notebook. Its ``grade_id`` (also the
function's name), its ``points`` and its assignment's title come from the solution
notebooks (through ``catalog.json``, which ``course-lib build`` writes); everything else
is said once, in :mod:`.assignments`: a hint, the **public** cases that the notebook's
check cell shows, the **reference** implementation (built on ``course_lib``) that gives
the expected answers, the known mistakes, and what the learner's function may not call.
The hidden cases the grader adds are the instructor's (:mod:`.hidden`, not in the learner
edition). A :class:`Verdict` says how one case went, in words a learner understands.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .codec import Other
from .inputs import USPS, Fn

CATALOG = Path(__file__).with_name("catalog.json")
SPEED_FACTOR, SPEED_SLACK = 1000.0, 0.2


@dataclass(frozen=True)
class Case:
    """One set of inputs: ``make()`` builds the positional arguments.

    ``label`` says in words what the case is, so that a case can be described in
    feedback without its numbers.
    """

    label: str
    make: Callable[[], tuple]


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: if the learner's result equals ``wrong(*args)``, say ``message``.

    ``message`` says what is wrong and where, never the formula (that is the hint's job,
    shown on request). ``name`` is the mistake's key in the instructor's catalogue of wrong
    implementations (solutions/mistakes.py), which a test runs through the check.
    """

    wrong: Callable[..., Any]
    message: str
    name: str = ""


@dataclass(frozen=True)
class ErrorRemark:
    """A known mistake recognised by the error it raises: if the error message contains
    ``text`` (and ``when(args)`` holds for the case, if given), say ``message``."""

    text: str
    message: str
    name: str = ""
    when: Callable[[tuple], bool] | None = None


@dataclass(frozen=True, kw_only=True)
class Exercise:
    hint: str
    reference: Callable[..., Any] | None  # None when ``custom`` judges the answer
    public: tuple[Case, ...]
    grade_id: str = ""  # from the catalog: the check cell's nbgrader id, the function's name
    points: int = 0  # from the catalog
    rtol: float = 1e-6
    atol: float = 1e-9
    mistakes: tuple[Mistake, ...] = ()
    # a custom rule instead of "close to the reference": (args, got) -> Verdict
    custom: Callable[[tuple, Any], Verdict] | None = None
    # the time limit of one call, in seconds: the same in the notebook's check cell,
    # `course-lib check` and the grader (unless the instructor gives --call-timeout)
    call_timeout: float = 10.0
    # a fast implementation of the answer: a timed case may take at most SPEED_SLACK s plus
    # SPEED_FACTOR times what it takes (finite differences take ~10,000 times as long)
    speed_reference: Callable[..., Any] | None = None
    returns: tuple[str, ...] = ()  # names of the items of a returned tuple, for messages
    # what the function may not call while graded (dotted names: module, class or function,
    # see .monitor), and the reason given when it does
    forbidden: tuple[str, ...] = ()
    forbidden_reason: str = ""
    errors: tuple[ErrorRemark, ...] = ()  # known mistakes recognised by the error raised
    # earlier graded functions this one may call: the grader puts their reference in place
    # of the learner's while it runs this one; the check cell says "fix 4.2 first"
    uses: tuple[str, ...] = ()
    order: tuple[int, ...] = ()  # the order in which to report the items of a returned tuple
    batch: Callable[[tuple], int] | None = None  # the batch size N of a case's arguments
    # more things to say about a wrong answer: (args, got) -> remarks
    diagnose: Callable[[tuple, Any], list[str]] | None = None
    number: str = ""  # "4.2": from the notebook's stem and the exercise's place in it

    @property
    def function(self) -> str:
        """The name of the learner's function: its grade_id."""
        return self.grade_id

    @property
    def answer_id(self) -> str:
        """The nbgrader id of the cell that holds the learner's answer."""
        return f"{self.grade_id}_answer"


@dataclass(frozen=True)
class Assignment:
    stem: str  # the notebook's file name without .ipynb, e.g. "04_backward_pass"
    title: str
    exercises: tuple[Exercise, ...]

    @property
    def max_score(self) -> int:
        return sum(ex.points for ex in self.exercises)


def load_assignments(specs: dict[str, Exercise], catalog: Path = CATALOG) -> dict[str, Assignment]:
    """The assignments of the catalog (stems, titles, grade ids and points, read from the
    solution notebooks by ``course-lib build``), each exercise completed from ``specs``."""
    data = json.loads(catalog.read_text(encoding="utf-8"))
    listed = {gid for a in data.values() for gid, _ in a["exercises"]}
    if listed != set(specs):
        raise RuntimeError(
            f"{catalog.name} and assignments.py disagree on the exercises: only in the "
            f"notebooks {sorted(listed - set(specs))}, only in assignments.py "
            f"{sorted(set(specs) - listed)}; run `course-lib build` after changing solutions/"
        )
    assignments = {}
    for stem, a in data.items():
        exercises = [
            replace(specs[gid], grade_id=gid, points=pts, number=f"{int(stem[:2])}.{i + 1}")
            for i, (gid, pts) in enumerate(a["exercises"])
        ]
        assignments[stem] = Assignment(stem, a["title"], tuple(exercises))
    return assignments


# ----- verdicts -----


class Status(enum.Enum):
    """How one case (and so an exercise) went."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_DONE = "not implemented"
    ERROR = "error"


@dataclass
class Verdict:
    """The outcome of one case, with what a learner needs to understand it."""

    status: Status
    message: str = ""
    expected: Any = None
    got: Any = None
    relative_error: float | None = None
    details: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # one line per item of a returned tuple

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


SMALL = 16  # arrays of at most this many entries are shown in full


def describe(value: Any, limit: int = SMALL) -> str:
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
