"""The answer key: what makes the expected answers, and nothing a learner receives.

One module per exercise notebook holds each graded function's :class:`.common.Answer`: its
reference (built on course_lib), its public cases as code (the builders, by public name, that
:mod:`.hidden` draws the hidden cases with) and its known mistakes as runnable wrong
implementations. From them:

- :func:`public_data` is what ``course-lib build`` writes to the learner's
  ``course_lib/exercises/assignments/public.json``: each public case's arguments, expected
  answer and the known mistakes' answers on it, as data;
- :func:`all_trials` is what the grader runs: the public cases (from that data, checked
  against the references here) and the hidden ones drawn from the instructor's secret,
  each with its expected answer and its known mistakes' answers;
- :func:`stand_in` answers, in the grader's process, for an earlier exercise that a graded
  function calls (``Exercise.uses``).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ...exercises import codec
from ...exercises.engine import Trial, public_trials, same
from ...exercises.inputs import resolve
from ...exercises.spec import SPEED_FACTOR, SPEED_SLACK, Assignment, Exercise, Known
from . import backward_pass, chain_rule, digit_classification, forward_pass, gradient_descent
from .common import Answer
from .hidden import generator, hidden_cases

ANSWERS: dict[str, Answer] = {
    **gradient_descent.ANSWERS,
    **chain_rule.ANSWERS,
    **forward_pass.ANSWERS,
    **backward_pass.ANSWERS,
    **digit_classification.ANSWERS,
}


class BrokenCase(ValueError):
    """A case of the answer key cannot be made, or public.json no longer matches it."""


def known_answers(answer: Answer, args: tuple) -> tuple[Known, ...]:
    """Each known mistake's answer on ``args`` (a mistake that raises there has none)."""
    found = []
    for mistake in answer.mistakes:
        try:
            with np.errstate(all="ignore"):
                value = mistake.wrong(*resolve(args))
            value = codec.loads(codec.dumps(value))  # the data a learner's answer becomes
        except Exception:
            continue
        found.append(Known(mistake.name, mistake.message, value))
    return tuple(found)


def expected_answer(answer: Answer, args: tuple) -> Any:
    """The reference's answer on ``args``, as data (None where a rule judges)."""
    if answer.reference is None:
        return None
    return codec.loads(codec.dumps(answer.reference(*resolve(args))))


def arguments(answer: Answer) -> tuple[str, ...]:
    """The names of the graded function's arguments, for feedback ("input: x = ...")."""
    if answer.reference is None:
        return answer.arguments
    return tuple(inspect.signature(answer.reference).parameters)


def public_known(answer: Answer) -> list[tuple[Known, ...]]:
    """Each public case's known mistakes' answers, where they can be recognised: a mistake
    whose answer on a case is the right one cannot make that case fail, so it is left out
    there."""
    found = []
    for case in answer.public:
        args = case.make()
        expected = expected_answer(answer, args)
        known = known_answers(answer, args)
        if answer.reference is not None:
            known = tuple(k for k in known if not same(k.value, expected))
        found.append(known)
    return found


def public_data(grade_ids: list[str] | None = None) -> dict[str, dict]:
    """What public.json holds, by grade_id: the argument names, and each public case's
    label, arguments, expected answer and known mistakes' answers ([name, remark, value])."""
    data = {}
    for gid in grade_ids or ANSWERS:
        answer = ANSWERS[gid]
        cases = []
        for case, known in zip(answer.public, public_known(answer), strict=True):
            args = case.make()
            cases.append(
                {
                    "label": case.label,
                    "args": list(args),
                    "expected": expected_answer(answer, args),
                    "known": [[k.name, k.message, k.value] for k in known],
                }
            )
        data[gid] = {"arguments": list(arguments(answer)), "cases": cases}
    return data


def public_json(grade_ids: list[str] | None = None) -> str:
    """public.json's text: the public data in the data-only format of the codec."""
    import json

    return json.dumps(codec.encode(public_data(grade_ids)), indent=1, ensure_ascii=False) + "\n"


def stale_public(ex: Exercise) -> str | None:
    """Why the learner's public cases of ``ex`` no longer match the answer key, or None."""
    answer = ANSWERS[ex.grade_id]
    if [c.label for c in ex.public] != [c.label for c in answer.public]:
        return "its public cases' labels differ"
    knowns = public_known(answer)
    for ours, case, known in zip(ex.public, answer.public, knowns, strict=True):
        args = case.make()
        if codec.dumps(list(ours.args)) != codec.dumps(list(args)):
            return f"the arguments of '{case.label}' differ"
        expected = expected_answer(answer, args)
        # equal up to rounding: another BLAS may round the last digit differently
        if answer.reference is not None and not same(ours.expected, expected):
            return f"the expected answer of '{case.label}' differs"
        if [k.name for k in ours.known] != [k.name for k in known]:
            return f"the known mistakes of '{case.label}' differ"
    return None


def cpu_seconds(func: Callable, args: tuple) -> float:
    """The CPU time of one call of ``func``, on this thread and one BLAS thread: what the
    learner's worker (one BLAS thread, its CPU time counted by the kernel) is held to. CPU
    time, not wall-clock time: the same on an idle and on a loaded machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        start = time.thread_time()
        func(*args)
        return time.thread_time() - start


def hidden_trial(ex: Exercise, label: str, args: tuple, timed: bool = False) -> Trial:
    """A hidden case ready to run: its expected answer and known mistakes' answers computed
    now by the answer key; a timed one also gets its budget of CPU time, from the speed
    reference's CPU time here (the least of five runs)."""
    answer = ANSWERS[ex.grade_id]
    expected, known = expected_answer(answer, args), known_answers(answer, args)
    if not (timed and answer.speed_reference):
        return Trial(label, True, args, expected, known=known)
    fast = min(cpu_seconds(answer.speed_reference, resolve(args)) for _ in range(5))
    budget = SPEED_SLACK + SPEED_FACTOR * fast
    return Trial(label, True, args, expected, budget, fast, known)


def all_trials(assignment: Assignment, secret: str = "") -> dict[str, list[Trial]]:
    """Every trial of the assignment, by grade_id: its public cases (the learner's data,
    checked against the answer key), then its hidden ones drawn from ``secret``. Raises
    BrokenCase naming the case that cannot be made, or public.json when it is stale."""
    trials = {}
    for ex in assignment.exercises:
        try:
            stale = stale_public(ex)
        except Exception as err:
            raise BrokenCase(f"a public case of {ex.grade_id} is broken: {err!r}") from err
        if stale:
            raise BrokenCase(
                f"public.json is stale for {ex.grade_id} ({stale}): run `course-lib build`"
            )
        hidden = []
        for i, case in enumerate(hidden_cases(ex.grade_id)):
            try:
                args = case.make(generator(secret, ex.grade_id, i))
                hidden.append(hidden_trial(ex, case.label, args, timed=case.timed))
            except Exception as err:
                raise BrokenCase(
                    f"the hidden case '{case.label}' of {ex.grade_id} is broken: {err!r}"
                ) from err
        trials[ex.grade_id] = public_trials(ex) + hidden
        for trial in trials[ex.grade_id]:
            resolve(trial.args)  # loads what the cases need (the digits) now, not mid-batch
    return trials


def stand_in(name: str, args: list, kwargs: dict) -> Any:
    """The grader's stand-in for the earlier exercise ``name``: its reference's answer on
    the data the learner's process sent, computed here (never in the learner's process)."""
    reference = ANSWERS[name].reference
    if reference is None:
        raise KeyError(name)
    return reference(*resolve(args), **kwargs)
