"""What grading gives: one :class:`Graded` per submission, and :class:`ClassResults` for a
run. Every file the grader writes (feedback.md, results.json, grading.json, grades.csv,
the gradebooks: :mod:`.exports`) and Gradescope's results (:mod:`.gradescope`) are made
from these values in memory; none is read back from another.

The instructor's overrides are applied here, once: :attr:`Graded.scores` are the points
each exercise counts for (the cases', or the override's), and :meth:`Graded.override`
gives an overridden exercise's points and reason. A submission kept by ``--resume`` is
rebuilt from its grading.json as a :class:`Graded` too: its scores, and what the class
report keeps of its result (its answer cells are read again from the collected copy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from ..exercises.engine import ExerciseResult, NotebookResult
from ..exercises.report import exercise_lines
from ..exercises.spec import Assignment
from ..i18n import ENGLISH, speaking
from .roster import Entry, Override, Unmatched

if TYPE_CHECKING:
    from .lms.rosters import Roster


def path_text(path: Path) -> str:
    """A path as text, also when its name is not valid UTF-8 (bytes become \\xNN)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass
class _Scored(ExerciseResult):
    """An exercise's result counting for the points the instructor set (its verdict, which
    cases passed, is unchanged)."""

    points: int = 0

    @property
    def score(self) -> int:
        return self.points


@dataclass(frozen=True)
class Graded:
    """One graded submission."""

    submission: str  # its name: its row of grades.csv, its folder submissions/<name>/
    path: Path  # the graded file
    sha256: str | None  # of the file's bytes (None: it could not be read)
    assignment: Assignment
    result: NotebookResult | None  # what the cases gave; None: kept by --resume
    overrides: tuple[Override, ...] = ()  # the instructor's, in the file's order
    unsafe: bool = False  # graded without the sandbox (--no-sandbox)
    secret_sha256: str = ""  # the sha256 of the secret the hidden cases were drawn from
    kept: dict[str, int] = field(default_factory=dict)  # --resume: grading.json's scores
    kept_problem: str | None = None  # --resume: grading.json's reason it was not graded
    kept_findings: dict = field(default_factory=dict)  # --resume: grading.json's findings
    # the learner's answer cells as collected, by grade_id: the class report compares them
    answers: dict[str, str] = field(default_factory=dict)
    lang: str = ENGLISH  # the language of its words (its notebook's, or the grader's --lang)

    @property
    def source(self) -> str:
        """The graded file's path, as text."""
        return path_text(self.path)

    @property
    def reused(self) -> bool:
        """Kept by --resume: graded by an earlier run, whose files stay as they are."""
        return self.result is None

    @property
    def problem(self) -> str | None:
        """Why the notebook could not be graded at all (None: it was)."""
        return self.result.problem if self.result is not None else self.kept_problem

    def override(self, grade_id: str) -> Override | None:
        """The instructor's override of the exercise ``grade_id``, if any."""
        return next((o for o in self.overrides if o.exercise == grade_id), None)

    @property
    def scores(self) -> dict[str, int]:
        """The points each exercise counts for, by grade_id (overrides applied)."""
        if self.result is None:
            return dict(self.kept)
        scores = {r.exercise.grade_id: r.score for r in self.result.exercises}
        return scores | {o.exercise: o.points for o in self.overrides}

    @property
    def total(self) -> int:
        return sum(self.scores.values())

    @property
    def max_score(self) -> int:
        return self.assignment.max_score

    @property
    def public_passed(self) -> dict[str, bool]:
        """Whether each function passed its public cases, by grade_id (empty when reused)."""
        if self.result is None:
            return {}
        return {r.exercise.grade_id: r.public_passed for r in self.result.exercises}

    def verdict(self, r: ExerciseResult) -> list[str]:
        """The verdict on one exercise of :attr:`result` (a summary line, then details)
        with the points it counts for, in the submission's language (its verdicts were
        judged in it)."""
        o = self.override(r.exercise.grade_id)
        if o is not None:
            given = {f.name: getattr(r, f.name) for f in fields(r) if f.init}
            r = _Scored(**given, points=o.points)
        with speaking(self.lang):
            return exercise_lines(r)


@dataclass(frozen=True)
class ClassResults:
    """A run's results: every submission's and, with a roster, one entry per student."""

    assignment: Assignment
    graded: list[Graded]
    book: list[Entry] = field(default_factory=list)  # with a roster: in its order
    unmatched: list[Unmatched] = field(default_factory=list)  # graded, counting for nobody
    skipped: list[Unmatched] = field(default_factory=list)  # found, not graded (not the
    # assignment's notebook: the rest of a home)
    roster: Roster | None = None
    lms_column: str | None = None  # Canvas: the export's column of the assignment

    @property
    def missing(self) -> list[Entry]:
        """The roster's students without a submission that counts."""
        return [e for e in self.book if e.graded is None and not e.by_hand]
