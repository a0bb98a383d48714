"""What an exercise is: the data model that every other layer of the exercises builds on.

An :class:`Exercise` is one graded function of a notebook, as learners get it. Its
``grade_id`` (also the function's name), its ``points`` and its assignment's title come from
the solution notebooks (``assignments/catalog.json``); its **public** cases, with their
expected answers and the answers of the known mistakes on them, are data
(``assignments/public.json``); both are written by ``course-lib build``. Everything else is
said once, in :mod:`.assignments`: a ladder of hints, what the learner's function may not
call, and how a wrong answer is explained. The references that compute expected answers, the
runnable known mistakes and the hidden cases are the instructor's
(``course_lib.instructor.key``, not in the learner edition). A :class:`Verdict` says how one
case went, as data; the report layer says it in words.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..i18n import N_, _
from . import codec
from .codec import Other
from .inputs import USPS, Fn

SPEED_FACTOR, SPEED_SLACK = 1000.0, 0.2
# the data of the course's exercises, written by `course-lib build` (see .assignments)
CATALOG = Path(__file__).with_name("assignments") / "catalog.json"
PUBLIC = Path(__file__).with_name("assignments") / "public.json"

# COURSE_LIB_SPEC_STRICT=1 (the test suite sets it): a broken spec, diagnosis or recogniser
# raises instead of being passed over (a learner's check must never stop on our bug)
STRICT_ENV = "COURSE_LIB_SPEC_STRICT"


class SpecError(RuntimeError):
    """A part of an exercise's spec (a diagnosis, a rule, a recogniser) is broken."""


def spec_failed(what: str, err: Exception) -> None:
    """Under COURSE_LIB_SPEC_STRICT=1, raise SpecError naming the broken part; else return
    (the caller goes on without it)."""
    if os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        raise SpecError(f"{what} is broken: {err!r}") from err


@dataclass(frozen=True)
class Known:
    """A known mistake's answer on one case, and what to say when the learner's is equal:
    ``message`` says what is wrong and where, never the formula (that is the hints' job).
    ``name`` is the mistake's key in the instructor's catalogue of known mistakes."""

    name: str
    message: str
    value: Any


@dataclass(frozen=True)
class PublicCase:
    """One public case, as data: what it is in words (``label``), its arguments, the
    expected answer (None where the exercise's own rule judges), the known mistakes'
    answers."""

    label: str
    args: tuple
    expected: Any = None
    known: tuple[Known, ...] = ()


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
    # a ladder, shown one rung at a time: first which idea applies, in words, then the
    # formula in the lecture's notation; never code
    hints: tuple[str, ...]
    grade_id: str = ""  # from the catalog: the check cell's nbgrader id, the function's name
    points: int = 0  # from the catalog
    number: str = ""  # "4.2": from the notebook's stem and the exercise's place in it
    public: tuple[PublicCase, ...] = ()  # from public.json
    arguments: tuple[str, ...] = ()  # the names of the function's arguments (public.json)
    rtol: float = 1e-6
    atol: float = 1e-9
    # a custom rule instead of "close to the expected answer": (args, got) -> Verdict
    custom: Callable[[tuple, Any], Verdict] | None = None
    # the time limit of one call, in seconds: the same in the notebook's check cell,
    # `course-lib check` and the grader (unless the instructor gives --call-timeout)
    call_timeout: float = 10.0
    returns: tuple[str, ...] = ()  # names of the items of a returned tuple, for messages
    # items of ``returns`` that are lists with one entry per layer (layer 1 first): they
    # are compared, and a wrong one named, from the output layer back
    layers: tuple[str, ...] = ()
    # what the function may not call while graded (dotted names: module, class or function,
    # see .monitor), and the reason given when it does
    forbidden: tuple[str, ...] = ()
    forbidden_reason: str = ""
    errors: tuple[ErrorRemark, ...] = ()  # known mistakes recognised by the error raised
    # earlier graded functions this one may call: the grader puts its stand-in for each in
    # place of the learner's while it runs this one; the check cell says "fix 4.2 first"
    uses: tuple[str, ...] = ()
    # modules of the taught library this function's answer may use where the notebook's
    # other functions may not (2.6 builds its network from autodiff's Value): the grader
    # runs it in a process of its own that has them (see masks)
    needs: tuple[str, ...] = ()
    # earlier graded functions that must pass their own public cases for this one to be
    # judged at all (never stood in for): when one does not, this one fails, saying
    # ``requires_remark`` ({function} and {number}: the earlier one's; {why}: its failure)
    requires: tuple[str, ...] = ()
    requires_remark: str = N_(
        "{function} ({number}), which this exercise requires, fails its own check: {why}"
    )
    order: tuple[int, ...] = ()  # the order in which to report the items of a returned tuple
    batch: Callable[[tuple], int] | None = None  # the batch size N of a case's arguments
    # more things to say about a wrong answer: (args, got, expected) -> remarks
    diagnose: Callable[[tuple, Any, Any], list[str]] | None = None

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


# The taught library: the modules a graded function may be forbidden to call. The grader
# runs each function in a sandbox where the ones it may not call are not there at all (a
# stub that raises ImportError stands in their place), so no trick inside the learner's
# process can reach them. course_lib.data is not among them: the worker loads the digits.
TAUGHT = (
    "course_lib.autodiff",
    "course_lib.gradcheck",
    "course_lib.nn",
    "course_lib.optim",
    "course_lib.train",
    "course_lib.recipe",
)


def masks(assignment: Assignment) -> list[tuple[tuple[str, ...], tuple[Exercise, ...]]]:
    """The processes the grader runs a notebook in: each a set of taught modules left out
    (masked) and the exercises graded there. A module is masked for every exercise of the
    notebook as soon as one forbids any of it (the notebooks' answers do not use what
    another exercise forbids), except where an exercise ``needs`` it: that exercise gets
    a process of its own. Most notebooks need one process; 02 needs two."""
    forbidden = {
        module
        for ex in assignment.exercises
        for name in ex.forbidden
        for module in TAUGHT
        if name == module or name.startswith(module + ".")
    }
    groups: dict[tuple[str, ...], list[Exercise]] = {}
    for ex in assignment.exercises:
        mask = tuple(sorted(forbidden - set(ex.needs)))
        groups.setdefault(mask, []).append(ex)
    return [(mask, tuple(exercises)) for mask, exercises in groups.items()]


def public_cases(entry: dict) -> tuple[tuple[PublicCase, ...], tuple[str, ...]]:
    """The public cases and argument names of one exercise's entry of public.json."""
    cases = tuple(
        PublicCase(
            c["label"], tuple(c["args"]), c["expected"], tuple(Known(*k) for k in c["known"])
        )
        for c in entry["cases"]
    )
    return cases, tuple(entry["arguments"])


def read_public(path: Path) -> dict[str, dict]:
    """public.json, decoded (numbers, arrays, tuples and named inputs: data only)."""
    return codec.decode(json.loads(path.read_text(encoding="utf-8")))


def load_assignments(
    specs: dict[str, Exercise], catalog: Path, public: Path
) -> dict[str, Assignment]:
    """The assignments of the catalog (stems, titles, grade ids and points, read from the
    solution notebooks by ``course-lib build``), each exercise completed from ``specs`` and
    its public cases from ``public``."""
    data = json.loads(catalog.read_text(encoding="utf-8"))
    cases = read_public(public) if public.is_file() else {}
    listed = {gid for a in data.values() for gid, _ in a["exercises"]}
    if listed != set(specs):
        raise RuntimeError(
            f"{catalog.name} and the exercises' specs disagree: only in the notebooks "
            f"{sorted(listed - set(specs))}, only in course_lib/exercises/assignments/ "
            f"{sorted(set(specs) - listed)}; run `course-lib build` after changing the "
            "solution notebooks"
        )
    assignments = {}
    for stem, a in data.items():
        exercises = []
        for i, (gid, pts) in enumerate(a["exercises"]):
            public_, arguments = public_cases(cases[gid]) if gid in cases else ((), ())
            exercises.append(
                replace(
                    specs[gid],
                    grade_id=gid,
                    points=pts,
                    number=f"{int(stem[:2])}.{i + 1}",
                    public=public_,
                    arguments=arguments,
                )
            )
        assignments[stem] = Assignment(stem, a["title"], tuple(exercises))
    return assignments


# ----- verdicts -----


class Status(enum.Enum):
    """How one case (and so an exercise) went."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_DONE = "not implemented"
    ERROR = "error"


class Ending(enum.Enum):
    """How a call of the learner's function ended (an :class:`.engine.Outcome`'s kind)."""

    VALUE = N_("it returned a value")
    NOT_DONE = N_("not implemented")
    ERROR = N_("it raised an error")
    TIMEOUT = N_("it ran out of time")
    CRASHED = N_("its process died")
    MISSING = N_("no such function")


class Failure(enum.Enum):
    """Why a case did not pass."""

    NOT_DONE = "not implemented yet"
    ERROR = "the call did not return"  # it raised, ran out of time or crashed
    TAMPERED = "it switched off the call monitor"
    FORBIDDEN = "it called what the exercise puts off limits"
    TOO_SLOW = "too slow for a backward pass"
    KIND = "a value of the wrong kind"  # type, number of items
    SHAPE = "the wrong shape"
    DTYPE = "the wrong dtype"
    NOT_FINITE = "NaN or inf"
    VALUES = "wrong values"
    RULE = "the exercise's own rule"  # a custom judge
    REQUIRED = "an earlier function it requires fails its own check"  # Exercise.requires


class Source(enum.Enum):
    """Where a remark about a wrong answer comes from."""

    ENTRIES = "which entries are wrong"
    SCALE = "a constant factor"
    MISTAKE = "a known mistake"
    DIAGNOSIS = "the exercise's diagnosis"
    ERROR = "a known error"
    RULE = "the exercise's own rule"


@dataclass(frozen=True)
class Remark:
    """One thing to say about a wrong answer, and where it comes from (``name``: the known
    mistake's, for a remark of one)."""

    source: Source
    text: str
    name: str = ""


@dataclass(frozen=True)
class Mark:
    """The verdict on one item of a returned tuple: its label, right or wrong, and what is
    wrong with it (without its name in front)."""

    label: str
    passed: bool
    what: str = ""
    relative_error: float | None = None


@dataclass
class Verdict:
    """The outcome of one case, with what a learner needs to understand it.

    The words are in two parts: ``where`` (what is wrong: "your result", "the second item
    of your result (dW1)", or nothing) and ``what`` (what is wrong with it); ``message``
    joins them.
    ``items``: every item of a returned tuple, right or wrong; ``item``: the label of the
    first wrong one. Only the report layer turns the rest into sentences.
    """

    status: Status
    what: str = ""
    expected: Any = None
    got: Any = None
    relative_error: float | None = None
    remarks: list[Remark] = field(default_factory=list)
    items: list[Mark] = field(default_factory=list)
    failure: Failure | None = None
    where: str = ""
    item: str = ""
    ending: Ending | None = None  # how the call ended, where it did not return a value

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def message(self) -> str:
        if not self.where:
            return self.what
        # TRANSLATORS: where is what is wrong ("your result", "the second item of your
        # result (dW)"), what what is wrong with it ("has wrong values")
        return _("{where} {what}").format(where=self.where, what=self.what)

    def remark(self, source: Source, text: str, name: str = "") -> None:
        self.remarks.append(Remark(source, text, name))


SMALL = 16  # arrays of at most this many entries are shown in full


def describe(value: Any, limit: int = SMALL) -> str:
    """A short, safe description of a value: small arrays in full (4 digits), big ones by shape."""
    if isinstance(value, np.ndarray):
        if value.size <= limit and value.dtype.kind in "biuf":
            text = np.array2string(value, precision=4, separator=", ", suppress_small=True)
            return f"array({' '.join(text.split())}, dtype={value.dtype})"
        return _("array of shape {shape}, dtype {dtype}").format(
            shape=value.shape, dtype=value.dtype
        )
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
            if isinstance(value, list):
                return _("a list of {n} items").format(n=len(value))
            return _("a tuple of {n} items").format(n=len(value))
        if isinstance(value, tuple) and len(value) == 1:
            closing = ",)"  # (3,), a tuple, not (3), a number in brackets
        return opening + ", ".join(describe(v, limit) for v in value) + closing
    if isinstance(value, Other):
        return _("an object of type {name}").format(name=value.description)
    return _("an object of type {name}").format(name=type(value).__name__)
