"""A class's gradebook: submissions matched to a roster, an instructor's overrides, and
CSV files that an LMS imports (Canvas, Moodle).

``roster.csv`` has one row per student, with a header (any column order; other columns
are ignored):

- ``student_id`` (required, unique): the institution's id, the key of every export;
- ``name``, ``email``, ``section`` (optional): copied to the exports;
- ``login`` (optional): the student's hub user name. A submission belongs to the student
  when one folder of its path is ``login``, ``jupyter-login`` (The Littlest JupyterHub's
  home folders) or ``claim-login`` (Zero to JupyterHub's volumes), or else when its file
  name holds ``login`` as a whole word (``alice_04.ipynb``, ``04-alice.ipynb``): a folder
  outweighs a file name, so a file in alice's home named after bob is alice's;
- ``submission`` (optional): a glob pattern matched against the submission's path
  (``*/smithj_*.ipynb``), for names the rules above do not catch.

Letter case is ignored. A submission matching several students counts for none of them
(each gets a note); a student with several submissions gets the best-scoring one, and a
note naming the others.

``overrides.csv``: ``student,exercise,points,reason``. ``student`` is a ``student_id`` when a
roster is given, else a submission's name in grades.csv; ``exercise`` a grade id (the
function's name: ``backprop``); ``points`` a whole number from 0 to the exercise's points;
``reason`` a sentence the learner reads in feedback.md and results.json.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..exercises.cli import UsageError
from ..exercises.engine import ExerciseResult, NotebookResult
from ..exercises.spec import Assignment
from .writers import Row, markdown


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

    def match(self, path: Path) -> int:
        """How strongly the submission at ``path`` is this student's: 2 by the roster's
        pattern or a home folder, 1 by a word of the file name, 0 not at all."""
        text = path.as_posix().lower()
        if self.submission and fnmatch.fnmatch(text, self.submission.lower()):
            return 2
        login = self.login.lower()
        if not login:
            return 0
        if any(part.lower() in (login, f"jupyter-{login}", f"claim-{login}")
               for part in path.parent.parts):  # fmt: skip
            return 2
        word = rf"(?<![a-z0-9]){re.escape(login)}(?![a-z0-9])"
        return 1 if re.search(word, path.stem.lower()) else 0


def read_roster(path: Path) -> list[Student]:
    rows = _read_csv(path, ["student_id"], "roster")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        sid = row["student_id"]
        if not sid:
            raise GradebookError(f"{path}, line {line}: expected a student_id, got an empty cell")
        if sid in seen:
            raise GradebookError(
                f"{path}, line {line}: student_id {sid!r} is already on line {seen[sid]}"
            )
        seen[sid] = line
        optional = ("name", "email", "section", "login", "submission")
        students.append(Student(sid, *(row.get(k, "") for k in optional)))
    if not students:
        raise GradebookError(f"the roster {path} has no students")
    return students


def owners(students: list[Student], paths: list[Path]) -> dict[Path, list[Student]]:
    """Every submission's matching students (none, one, or several: ambiguous). A home
    folder or a roster pattern outweighs a word of the file name, so that a file in
    alice's home named after bob is alice's."""
    found = {}
    for p in paths:
        strength = {s.student_id: s.match(p) for s in students}
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


def read_overrides(path: Path, assignment: Assignment, known: set[str],
                   key: str) -> list[Override]:  # fmt: skip
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


@dataclass
class OverriddenResult(ExerciseResult):
    """An exercise's result whose points the instructor set (the verdict is unchanged)."""

    points: int = 0
    reason: str = ""
    graded: int = 0  # the points the cases gave

    @property
    def score(self) -> int:
        return self.points


def with_overrides(result: NotebookResult, overrides: list[Override]) -> NotebookResult:
    """The notebook's result with each override's points in place of the graded ones."""
    by_exercise = {o.exercise: o for o in overrides}
    exercises: list[ExerciseResult] = []
    for r in result.exercises:
        o = by_exercise.get(r.exercise.grade_id)
        if o is not None:
            r = OverriddenResult(r.exercise, r.results, r.problem, points=o.points,
                                 reason=o.reason, graded=r.score)  # fmt: skip
        exercises.append(r)
    return NotebookResult(result.assignment, exercises, result.cells, result.problem,
                          result.seconds)  # fmt: skip


def override_lines(result: NotebookResult) -> dict[str, str]:
    """One line per overridden exercise, for the learner, by grade id."""
    return {r.exercise.grade_id: f"{r.exercise.grade_id}: {r.points} / {r.exercise.points} "
            f"points, set by your instructor (the cases gave {r.graded}): {r.reason}"
            for r in result.exercises if isinstance(r, OverriddenResult)}  # fmt: skip


def override_markdown(result: NotebookResult) -> str:
    """The section feedback.md ends with when the instructor changed points."""
    lines = override_lines(result).values()
    if not lines:
        return ""
    return "\n".join(["", "## Points changed by your instructor", "",
                      *(f"- {markdown(line)}" for line in lines), ""])  # fmt: skip


def override_results(results: dict, result: NotebookResult) -> dict:
    """Gradescope's results.json with the overridden tests' output saying so."""
    lines = override_lines(result)
    for test in results["tests"]:
        if test["name"] in lines:
            test["output"] += "\n" + lines[test["name"]]
    if lines:
        results["output"] += "\nPoints changed by your instructor: " + "; ".join(lines.values())
    return results


# ----- the gradebook and the LMS files -----


@dataclass
class Entry:
    """One student's line of the gradebook."""

    student: Student
    row: Row | None = None  # None: nothing graded counts for this student
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.row.total if self.row else 0


def entries(students: list[Student], matches: dict[Path, list[Student]], rows: dict[Path, Row],
            assignment: Assignment, overrides: Iterable[Override] = ()
            ) -> tuple[list[Entry], list[str]]:  # fmt: skip
    """One entry per student, in roster order, and the submissions that match nobody.
    ``rows`` already have the overrides; a student with overrides and no submission (work
    graded by hand) gets a row of zeros with the overrides' points."""
    by_id = {s.student_id: Entry(s) for s in students}
    unmatched = []
    for path, found in matches.items():
        name = rows[path].submission
        if not found:
            unmatched.append(name)
        elif len(found) > 1:
            ids = ", ".join(s.student_id for s in found)
            for s in found:
                by_id[s.student_id].notes.append(
                    f"{name} matches several students ({ids}) and counts for none"
                )
        else:
            entry = by_id[found[0].student_id]
            row = rows[path]
            if entry.row is None or row.total > entry.row.total:
                if entry.row is not None:
                    entry.notes.append(f"also submitted {entry.row.submission}")
                entry.row = row
            else:
                entry.notes.append(f"also submitted {name}")
    result = list(by_id.values())
    for entry in result:
        if entry.row is None and not entry.notes:
            entry.notes.append("no submission found")
        elif entry.row is not None and any(n.startswith("also submitted") for n in entry.notes):
            entry.notes.append(f"the best-scoring one counts: {entry.row.submission}")
    for o in overrides:
        entry = by_id[o.student]
        if entry.row is None:  # graded by hand: zeros, then the overrides' points
            zeros = {ex.grade_id: 0 for ex in assignment.exercises}
            entry.row = Row("", zeros, 0, assignment.max_score)
        if entry.row.submission == "":
            entry.row.scores[o.exercise] = o.points
            entry.row.total = sum(entry.row.scores.values())
        entry.notes.append(f"{o.exercise} set to {o.points}: {o.reason}")
    return result, sorted(unmatched)


def _csv(lines: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue()


def _cell(text: str) -> str:
    """Text for a spreadsheet cell: never read as a formula (=, +, -, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook_csv(book: list[Entry], unmatched: list[str], assignment: Assignment) -> str:
    """gradebook.csv: one row per student (roster order), then one per unmatched submission."""
    ids = [ex.grade_id for ex in assignment.exercises]
    lines: list[list] = [["student_id", "name", "section", "submission", *ids, "total",
                          "max_score", "notes"]]  # fmt: skip
    for e in book:
        s = e.student
        scores = [e.row.scores[i] if e.row else 0 for i in ids]
        lines.append([_cell(s.student_id), _cell(s.name), _cell(s.section),
                      e.row.submission if e.row else "", *scores, e.total,
                      assignment.max_score, _cell("; ".join(e.notes))])  # fmt: skip
    for name in unmatched:
        lines.append(["", "", "", name, *([""] * len(ids)), "", assignment.max_score,
                      "matches no student of the roster"])  # fmt: skip
    return _csv(lines)


def canvas_csv(book: list[Entry], assignment: Assignment) -> str:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the
    assignment's column, with the points possible on the second line. Canvas matches
    students by SIS User ID (our student_id); ID (Canvas's own number) stays empty."""
    column = f"{assignment.title} ({assignment.stem})"
    lines: list[list] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                         ["Points Possible", "", "", "", "", assignment.max_score]]  # fmt: skip
    for e in book:
        s = e.student
        lines.append([_cell(s.name), "", _cell(s.student_id), _cell(s.login or s.email),
                      _cell(s.section), e.total])  # fmt: skip
    return _csv(lines)


def moodle_csv(book: list[Entry], assignment: Assignment) -> str:
    """Moodle's grade import (Grades > Import > CSV file): map "ID number" to the user's ID
    number, the assignment's column to its grade item and "Feedback" to its feedback."""
    lines: list[list] = [["ID number", "Email address", "Full name", assignment.title,
                          "Feedback"]]  # fmt: skip
    for e in book:
        s = e.student
        feedback = f"{e.total} / {assignment.max_score}"
        if e.notes:
            feedback += ": " + "; ".join(e.notes)
        lines.append([_cell(s.student_id), _cell(s.email), _cell(s.name), e.total,
                      _cell(feedback)])  # fmt: skip
    return _csv(lines)
