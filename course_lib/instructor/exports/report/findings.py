"""What the class report keeps of one graded submission: for each exercise, how its last
case went (the failure, the known mistake recognised, the earlier exercise that blocked
it, a time-out or a crash, a call off limits), and the notebook's own problems.

These are data, as grading.json records them (:mod:`..grading_json`), so that a submission
kept by ``--resume`` reports what it reported when it was graded. The learner's answer
cells are not recorded: every run reads them from the collected copy (:func:`answer_cells`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Protocol

from ....exercises import codec
from ....exercises.engine import CaseResult, ExerciseResult, NotebookResult
from ....exercises.spec import Assignment, Ending, Failure, Source, Status

# how an exercise went
PASSED, FAILED, NOT_DONE, NOT_GRADED = "passed", "failed", "not done", "not graded"
# how a call or a cell was stopped, or (a cell) failed
TIMEOUT, CRASHED, ERROR = "time-out", "crash", "error"

# How a call or a cell was stopped, from how the session saw it end (process/session.py:
# Verdict.ending, CellResult.ended), never from its words, which are in the learner's language
_STOPPED = {Ending.TIMEOUT: TIMEOUT, Ending.CRASHED: CRASHED}

MAX_ANSWER = 20_000  # characters of one answer cell kept for the comparison of answers
MAX_CELLS = 20  # failed cells recorded per notebook
DETAIL = 300  # characters of a message recorded


@dataclass(frozen=True)
class Finding:
    """How one exercise of one submission went (its last case: cases stop at a failure)."""

    status: str  # PASSED, FAILED, NOT_DONE or NOT_GRADED (a missing cell, a bad notebook)
    failure: str = ""  # the name of the Failure of the case that did not pass
    mistake: str = ""  # the known mistake recognised there: its name in solutions/mistakes.py
    blocked_by: str = ""  # the grade_id of the earlier exercise it requires, which fails
    stopped: str = ""  # TIMEOUT or CRASHED: how that case's call ended
    detail: str = ""  # that case and its message, for a time-out, a crash or a flag


@dataclass(frozen=True)
class Findings:
    """What the report keeps of one submission."""

    exercises: dict[str, Finding]  # by grade_id (empty: not known)
    problem: str = ""  # why the notebook could not be graded at all
    cells: tuple[tuple[int, str, str], ...] = ()  # failed cells: (number, how, what it said)

    def record(self) -> dict:
        """As grading.json keeps it."""
        return {
            "exercises": {gid: asdict(f) for gid, f in self.exercises.items()},
            "problem": self.problem,
            "cells": [list(c) for c in self.cells],
        }


def _mistake(case: CaseResult) -> str:
    """The name of the known mistake a remark on ``case`` recognised ("" if none)."""
    for remark in case.verdict.remarks:
        if remark.source in (Source.MISTAKE, Source.ERROR) and remark.name:
            return remark.name
    return ""


def finding(r: ExerciseResult) -> Finding:
    """What the report keeps of one exercise's result."""
    if r.problem is not None or not r.results:
        return Finding(NOT_GRADED)
    case = r.results[-1]
    v = case.verdict
    if v.passed:
        return Finding(PASSED)
    if v.status is Status.NOT_DONE:
        return Finding(NOT_DONE)
    failure = v.failure.name if v.failure is not None else ""
    blocked = r.blocked_by.grade_id if r.blocked_by is not None else ""
    stopped = _STOPPED.get(v.ending, "") if v.status is Status.ERROR else ""
    detail = ""
    if stopped or v.failure in (Failure.FORBIDDEN, Failure.TAMPERED):
        where = "hidden case" if case.hidden else "case"
        detail = codec.text(f"{where} '{case.trial.label}': {v.message}", DETAIL)
    mistake = "" if blocked else _mistake(case)  # a blocked one has the earlier's
    return Finding(FAILED, failure, mistake, blocked, stopped, detail)


def of_result(result: NotebookResult) -> Findings:
    """What the report keeps of a submission's result."""
    cells = []
    for cell in result.cells:
        if cell.error and not cell.not_done:
            how = _STOPPED.get(cell.ended, ERROR)
            cells.append((cell.index + 1, how, codec.text(cell.error, DETAIL)))
    return Findings(
        {r.exercise.grade_id: finding(r) for r in result.exercises},
        codec.text(result.problem, DETAIL) if result.problem else "",
        tuple(cells[:MAX_CELLS]),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def from_record(record: dict, assignment: Assignment) -> Findings:
    """The findings grading.json recorded (:meth:`Findings.record`); ValueError or
    TypeError when they are not findings of ``assignment``."""
    exercises = {}
    for gid, entry in record["exercises"].items():
        f = Finding(**{k: _text(v) for k, v in entry.items()})
        if (
            f.status not in (PASSED, FAILED, NOT_DONE, NOT_GRADED)
            or f.failure not in ("", *Failure.__members__)
            or f.stopped not in ("", TIMEOUT, CRASHED)
        ):
            raise ValueError(f"not a finding: {entry}")
        exercises[gid] = f
    if set(exercises) != {ex.grade_id for ex in assignment.exercises}:
        raise ValueError("the findings are not about this assignment's exercises")
    cells = []
    for number, how, what in record["cells"]:
        if type(number) is not int or how not in (TIMEOUT, CRASHED, ERROR):
            raise ValueError(f"not a failed cell: {[number, how]}")
        cells.append((number, how, _text(what)))
    return Findings(exercises, _text(record["problem"]), tuple(cells))


# ----- the answer cells -----


class Collected(Protocol):
    """A collected submission (:class:`..grading.collect.Submission`): its bytes."""

    def read(self) -> bytes: ...


def answer_sources(data: bytes, assignment: Assignment) -> dict[str, str]:
    """The source of each answer cell of the notebook ``data``, by grade_id (the first
    code cell of that nbgrader id; at most MAX_ANSWER characters each): {} for a file that
    is not a notebook. Never raises."""
    wanted = {ex.answer_id: ex.grade_id for ex in assignment.exercises}
    found: dict[str, str] = {}
    try:
        for cell in json.loads(data.decode("utf-8"))["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = wanted.get(meta.get("grade_id")) if isinstance(meta, dict) else None
            if gid is None or gid in found or cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if isinstance(source, str):
                found[gid] = source[:MAX_ANSWER]
    except Exception:  # not a notebook, or not one we can read: nothing to compare
        return {}
    return found


def answer_cells(submission: Collected, assignment: Assignment) -> dict[str, str]:
    """The answer cells of a collected submission (:func:`answer_sources`). Never raises."""
    try:
        data = submission.read()
    except Exception:  # it could not be read: its row says why
        return {}
    return answer_sources(data, assignment)
