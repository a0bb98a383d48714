"""A class's roster, the submissions matched to it, and an instructor's overrides.

The roster is the class list the LMS exports, as it is, or ours
(:func:`.lms.rosters.read_roster` reads the four formats). Every student has a
``student_id``, the key of the gradebook and of ``overrides.csv``: Canvas's user ID,
Moodle's participant number, nbgrader's id, or our ``student_id`` column. A submission
belongs to a student

1. by the id its LMS's layout puts in its path (:mod:`.lms.layouts`): Canvas's user id
   (``canvas_id``), Moodle's participant id (``participant``), nbgrader's
   ``submitted/<id>/`` (``student_id`` or ``login``); never by the name beside it;
2. else by the roster's ``submission`` glob pattern (``*/smithj_*.ipynb``), or when one of
   its own folders is the student's ``login``, ``jupyter-login`` (The Littlest
   JupyterHub's homes) or ``claim-login`` (Zero to JupyterHub's volumes);
3. else when its file name holds ``login`` as a whole word (``alice_04.ipynb``): a folder
   outweighs a file name, so a file in alice's home named after bob is alice's.

A submission's own path is the part the grader walked down (no symbolic link on it): from
the folder named on the command line (its name included) to the file, or the whole path
of a file named there; the folders above the one named are the instructor's, and match
nobody. Letter case is ignored. A submission matching several students counts for none of
them (each gets a note); a student with several submissions gets the best-scoring one,
and a note naming the others (:func:`entries`, one per student, which the gradebook,
Canvas's and Moodle's files are written from: :mod:`.exports`).

``overrides.csv``: ``student,exercise,points,reason``. ``student`` is a ``student_id`` when a
roster is given, else a submission's name in grades.csv; ``exercise`` a grade id (the
function's name: ``backprop``); ``points`` a whole number from 0 to the exercise's points;
``reason`` a sentence the learner reads in feedback.md and results.json. The points are
applied in the result model (:class:`.results.Graded`), which every file is written from.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..exercises.cli import UsageError
from ..exercises.spec import Assignment
from .lms.layouts import CANVAS, MOODLE, NBGRADER, Claim

if TYPE_CHECKING:  # results.py imports this module
    from .results import Graded


class GradebookError(UsageError):
    """A roster or overrides file that cannot be used: says which line, what was expected
    and what was given."""


def _read_csv(path: Path, required: Iterable[str], what: str) -> list[tuple[int, dict]]:
    """The rows of a CSV file with a header, as (line number, {column: stripped text})."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's UTF-8 starts with a BOM
    except (OSError, UnicodeDecodeError) as err:
        raise GradebookError(f"cannot read the {what} {path}: {err}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise GradebookError(
            f"the {what} {path} needs the columns {', '.join(required)}; "
            f"its header has {', '.join(header) or 'nothing'}"
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if any(values.values()):
            rows.append((reader.line_num, values))
    return rows


# ----- the roster -----


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str = ""
    email: str = ""
    section: str = ""
    login: str = ""
    submission: str = ""  # a glob pattern
    canvas_id: str = ""  # Canvas's user ID
    sis_user_id: str = ""
    sis_login_id: str = ""
    participant: str = ""  # Moodle's participant id

    def owns(self, claim: Claim) -> bool:
        """Whether the id a layout put in a file's path is this student's."""
        key = claim.key.lower()
        if claim.layout == CANVAS:
            return bool(self.canvas_id) and self.canvas_id == claim.key
        if claim.layout == MOODLE:
            return bool(self.participant) and self.participant == claim.key
        if claim.layout == NBGRADER:
            return key in (self.student_id.lower(), self.login.lower())
        return False  # a home: by login, below

    def match(self, path: Path, own: str | None = None, claim: Claim | None = None) -> int:
        """How strongly the submission at ``path`` is this student's: 3 by the id its LMS's
        layout gives (``claim``), 2 by the roster's pattern or a home folder, 1 by a word
        of the file name, 0 not at all. ``own``: the submission's own path (the folder
        named on the command line down to the file; default: all of ``path``)."""
        if claim is not None and self.owns(claim):
            return 3
        mine = PurePosixPath(own if own is not None else path.as_posix())
        text = mine.as_posix().lower()
        if self.submission and fnmatch.fnmatch(text, self.submission.lower()):
            return 2
        login = self.login.lower()
        if not login:
            return 0
        homes = (login, f"jupyter-{login}", f"claim-{login}")
        if any(part.lower() in homes for part in mine.parent.parts):
            return 2
        word = rf"(?<![a-z0-9]){re.escape(login)}(?![a-z0-9])"
        return 1 if re.search(word, path.stem.lower()) else 0


def owners(
    students: Iterable[Student],
    paths: list[Path],
    own: dict[Path, str] | None = None,
    claims: dict[Path, Claim | None] | None = None,
) -> dict[Path, list[Student]]:
    """Every submission's matching students (none, one, or several: ambiguous), by its own
    path (``own``, by path) and its layout's claim (``claims``, by path): see
    :meth:`Student.match`. An id outweighs a home folder or a roster pattern, which outweigh
    a word of the file name, so that a file in alice's home named after bob is alice's."""
    students = list(students)
    found = {}
    for p in paths:
        mine, claim = (own or {}).get(p), (claims or {}).get(p)
        strength = {s.student_id: s.match(p, mine, claim) for s in students}
        best = max(strength.values(), default=0)
        found[p] = [s for s in students if best and strength[s.student_id] == best]
    return found


# ----- overrides -----


@dataclass(frozen=True)
class Override:
    student: str
    exercise: str
    points: int
    reason: str


def read_overrides(path: Path, assignment: Assignment, known: set[str], key: str) -> list[Override]:
    """The overrides of ``path`` for ``assignment``; ``known`` holds the valid students
    (student ids with a roster, submission names without one; ``key`` names which)."""
    points = {ex.grade_id: ex.points for ex in assignment.exercises}
    found: dict[tuple[str, str], int] = {}
    overrides = []
    for line, row in _read_csv(path, ["student", "exercise", "points", "reason"], "overrides"):
        where = f"{path}, line {line}"
        student, exercise, given = row["student"], row["exercise"], row["points"]
        if student not in known:
            raise GradebookError(f"{where}: expected a {key}, got {student!r}")
        if exercise not in points:
            raise GradebookError(
                f"{where}: expected an exercise of {assignment.stem} "
                f"({', '.join(points)}), got {exercise!r}"
            )
        if not re.fullmatch(r"\d+", given) or int(given) > points[exercise]:
            raise GradebookError(
                f"{where}: expected whole points from 0 to {points[exercise]} for "
                f"{exercise}, got {given!r}"
            )
        if not row["reason"]:
            raise GradebookError(f"{where}: expected a reason the learner will read, got none")
        if (student, exercise) in found:
            raise GradebookError(
                f"{where}: {student} {exercise} is already overridden on line "
                f"{found[student, exercise]}"
            )
        found[student, exercise] = line
        overrides.append(Override(student, exercise, int(given), row["reason"]))
    return overrides


# ----- one entry per student -----


@dataclass
class Entry:
    """One student's line of the gradebook."""

    student: Student
    graded: Graded | None = None  # the submission that counts; None: nothing graded counts
    claim: Claim | None = None  # what its LMS's layout said of it (late, sent again)
    by_hand: dict[str, int] = field(default_factory=dict)  # else: overrides' points, by hand
    notes: list[str] = field(default_factory=list)

    @property
    def submission(self) -> str:
        """The name of the submission that counts ("" if none)."""
        return self.graded.submission if self.graded else ""

    @property
    def late(self) -> bool:
        """Whether the LMS marked the submission that counts late (Canvas)."""
        return self.claim is not None and self.claim.late

    def score(self, grade_id: str) -> int:
        if self.graded is not None:
            return self.graded.scores[grade_id]
        return self.by_hand.get(grade_id, 0)

    @property
    def total(self) -> int:
        if self.graded is not None:
            return self.graded.total
        return sum(self.by_hand.values())


@dataclass(frozen=True)
class Unmatched:
    """A submission that counts for no student, and why."""

    submission: str  # its name: its row of grades.csv
    source: str  # its path
    reason: str


NO_SUBMISSION = "no submission found"


def _why_nobody(claim: Claim | None) -> str:
    if claim is None:
        return "matches no student: no LMS id in its path, and no login or pattern of the roster"
    if claim.anonymous:
        return (
            f"{claim.describe()}: anonymous grading hides whose it is (match it with a "
            "roster's submission pattern once the LMS shows names)"
        )
    return f"{claim.describe()} is not on the roster"


def _zero(graded: Graded) -> str:
    """Why a submission scores 0, for the gradebook's note and the LMS's feedback."""
    if graded.problem:
        return f"0 points: not graded: {graded.problem}"
    return "0 points: no function passed all its cases (feedback.md says why for each)"


def entries(
    students: Iterable[Student],
    matches: dict[Path, list[Student]],
    graded: dict[Path, Graded],
    overrides: Iterable[Override] = (),
    claims: dict[Path, Claim | None] | None = None,
) -> tuple[list[Entry], list[Unmatched]]:
    """One entry per student, in roster order, and the submissions that count for nobody.
    ``graded`` already have the overrides; a student with overrides and no submission
    (work graded by hand) gets zeros and the overrides' points. ``claims``: what each
    submission's LMS layout said (Canvas's late mark and resubmission go into the notes)."""
    claims = claims or {}
    by_id = {s.student_id: Entry(s) for s in students}
    unmatched = []
    for path, found in matches.items():
        mine = graded[path]
        name = mine.submission
        if not found:
            unmatched.append(Unmatched(name, mine.source, _why_nobody(claims.get(path))))
        elif len(found) > 1:
            ids = ", ".join(s.student_id for s in found)
            unmatched.append(Unmatched(name, mine.source, f"matches several students ({ids})"))
            for s in found:
                by_id[s.student_id].notes.append(
                    f"{name} matches several students ({ids}) and counts for none"
                )
        else:
            entry = by_id[found[0].student_id]
            if entry.graded is None or mine.total > entry.graded.total:
                if entry.graded is not None:
                    entry.notes.append(f"also submitted {entry.graded.submission}")
                entry.graded, entry.claim = mine, claims.get(path)
            else:
                entry.notes.append(f"also submitted {name}")
    book = list(by_id.values())
    for entry in book:
        if entry.graded is None and not entry.notes:
            entry.notes.append(NO_SUBMISSION)
        elif entry.graded is not None and any(n.startswith("also submitted") for n in entry.notes):
            entry.notes.append(f"the best-scoring one counts: {entry.graded.submission}")
        if entry.late:
            entry.notes.append("late (the LMS marked it so)")
        if entry.claim is not None and entry.claim.attempt:
            entry.notes.append(f"sent again: {entry.claim.original}")
    for o in overrides:
        entry = by_id[o.student]
        if entry.graded is None:  # graded by hand: zeros, then the overrides' points
            entry.by_hand[o.exercise] = o.points
        entry.notes.append(f"{o.exercise} set to {o.points}: {o.reason}")
    for entry in book:
        if entry.graded is not None and entry.total == 0:
            entry.notes.insert(0, _zero(entry.graded))
    return book, sorted(unmatched, key=lambda u: u.submission)
