"""The check cells under nbgrader, judged as ``course-lib grade`` judges.

Under ``nbgrader autograde`` a failing check raises, so that nbgrader gives its cell 0
(:mod:`course_lib.exercises.autograding`). In the instructor's install the check cell
(:func:`course_lib.exercises.checking.check`) finds this module by the entry point group
``course_lib.checks`` (pyproject.toml; the learner edition declares none) and judges the
learner's function as the grader does, in nbgrader's kernel, where the code already is:

- the same trials: the public cases, then the hidden ones drawn from the secret in
  ``$COURSE_LIB_SECRET`` (the course's default seed without one), made by the answer key
  (:func:`.key.all_trials`): the same secret gives the same cases;
- the course's reference in place of the earlier exercises the function uses
  (:func:`.key.stand_in`), so that a mistake in 4.2 costs 4.2's points only;
- the same time limits: the exercise's own, and on a timed case its budget of CPU time,
  the call stopped once it cannot be within it (as :class:`Session.call
  <course_lib.exercises.process.session.Session>` stops it).

The check cell keeps the rule of ``Exercise.requires``, with these calls. What cannot be
the same (there is no sandbox here) is listed in docs/grading.md, "Grading with nbgrader
instead".
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from ..exercises import codec
from ..exercises.assignments import find_exercise
from ..exercises.engine import Outcome, Trial, call_within
from ..exercises.spec import Ending, Exercise
from .key import all_trials, stand_in

# `course-lib grade` reads the same variable (grading/command.py, whose imports take
# seconds: too slow for a check cell); tests/test_nbgrader.py holds the two together
SECRET_ENV = "COURSE_LIB_SECRET"


def secret() -> str:
    """The instructor's secret as ``course-lib grade`` reads it without ``--secret-file``:
    ``$COURSE_LIB_SECRET``, stripped; "" (the course's default seed) when it is not set."""
    return os.environ.get(SECRET_ENV, "").strip()


def trials(ex: Exercise) -> list[Trial]:
    """``ex``'s trials as the grader makes them: its public cases, then its hidden ones
    drawn from :func:`secret`, each with its expected answer (and a timed one with its
    budget, measured here)."""
    assignment, _ = find_exercise(ex.grade_id)
    return all_trials(replace(assignment, exercises=(ex,)), secret())[ex.grade_id]


def call(ex: Exercise, func: Callable, trial: Trial) -> Outcome:
    """Call the learner's ``func`` on ``trial`` as the grader's worker calls it: with the
    course's reference in place of the earlier functions ``ex`` uses, stopped at the
    grader's time limit, its CPU time counted (what a timed case is judged by). What it
    writes to stderr goes to stdout: the grader ignores it, nbgrader would give 0 for it."""
    limit = ex.call_timeout  # course-lib grade's default (it has --call-timeout too)
    if trial.budget is not None:
        limit = min(limit, 4 * trial.budget + 1.0)  # as Session.call
    namespace = getattr(func, "__globals__", {})
    start = time.process_time()
    with _stood_in(ex.uses, namespace), contextlib.redirect_stderr(sys.stdout):
        outcome = call_within(func, trial.args, ex.forbidden, limit)
    if outcome.kind is not Ending.TIMEOUT:
        outcome.cpu_seconds = time.process_time() - start
    return outcome


# ----- the course's references in place of earlier functions -----


@functools.cache
def _reference_thread() -> ThreadPoolExecutor:
    """The thread the references run on, started before any learner's call: the call
    monitor only watches the threads that a call starts, so what a reference calls
    (course_lib.nn, which 4.3 may not call) is not held against the learner, as in the
    grader, where the references run in the grader's process."""
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="course-lib-reference")
    thread.submit(int).result()  # started now
    return thread


def _reference(name: str) -> Callable:
    """The stand-in for the earlier exercise ``name``: the course's reference, on the data
    the learner's function passed it, its answer as data (what the worker sends and gets)."""
    thread = _reference_thread()

    def answer(args: list, kwargs: dict) -> Any:
        with np.errstate(all="ignore"):
            return codec.dumps(stand_in(name, args, kwargs))

    def reference(*args: Any, **kwargs: Any) -> Any:
        sent = codec.loads(codec.dumps([list(args), kwargs]))
        return codec.loads(thread.submit(answer, *sent).result())

    reference.__name__ = reference.__qualname__ = name
    return reference


@contextlib.contextmanager
def _stood_in(names: tuple[str, ...], namespace: dict) -> Iterator[None]:
    """The references in place of the functions ``names`` in ``namespace`` (the learner's
    notebook), and the learner's own back afterwards."""
    missing = object()
    saved = {name: namespace.get(name, missing) for name in names}
    namespace.update({name: _reference(name) for name in names})  # before the call starts
    try:
        yield
    finally:
        for name, before in saved.items():
            if before is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = before
