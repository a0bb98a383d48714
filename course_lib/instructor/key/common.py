"""What every module of the answer key uses: a case as code, a known mistake as a runnable
wrong implementation, an exercise's answer, a seeded generator and (the learner's side
has it too, for the classifier's rule) a Linear layer holding given weights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...exercises.assignments.digit_classification import linear_layer as linear


@dataclass(frozen=True)
class Case:
    """One set of inputs: ``make()`` builds the positional arguments. ``label`` says in
    words what the case is, so that feedback can describe it without its numbers."""

    label: str
    make: Callable[[], tuple]


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: ``wrong(*args)`` is what the mistake gives; when the learner's
    answer equals it, the learner reads ``message`` (what is wrong and where, never the
    formula). ``name`` is its key in the catalogue of solutions/mistakes.py, which a test
    runs through the check."""

    wrong: Callable[..., Any]
    message: str
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class Answer:
    """The instructor's side of one graded function: the reference that gives expected
    answers (None where a rule judges, e.g. an accuracy), the public cases as code, the
    known mistakes, and a fast implementation that times a timed hidden case."""

    reference: Callable[..., Any] | None
    public: tuple[Case, ...]
    mistakes: tuple[Mistake, ...] = ()
    speed_reference: Callable[..., Any] | None = None
    arguments: tuple[str, ...] = ()  # where there is no reference to name them


def seeded(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


__all__ = ["Answer", "Case", "Mistake", "linear", "seeded"]
