"""The trials every submission is graded on, made before any learner process starts, and
the stand-ins the grader computes for earlier exercises (both from the answer key)."""

from __future__ import annotations

from ...exercises.cli import UsageError
from ...exercises.engine import Trial
from ...exercises.spec import Assignment
from ..key import BrokenCase, all_trials
from ..key import stand_in as stand_in


def prepare(assignment: Assignment, secret: str = "") -> dict[str, list[Trial]]:
    """Every trial of the assignment, by grade_id: its public cases, then its hidden ones
    drawn from ``secret``, each with its expected answer and its known mistakes' answers,
    computed now, in the grader, before any learner process starts (so a broken case or a
    stale public.json shows at once: UsageError, naming it)."""
    try:
        return all_trials(assignment, secret)
    except BrokenCase as err:
        raise UsageError(str(err)) from err.__cause__
