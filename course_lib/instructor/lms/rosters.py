"""Class lists as the LMS exports them, read as they are into one :class:`Roster`.

Four formats, told apart by their header (:func:`read_roster`):

- **ours** (``plain``): ``student_id`` and optional ``name``, ``email``, ``section``,
  ``login``, ``submission``, ``canvas_id``, ``participant`` (:mod:`..roster` says how each
  is matched);
- **Canvas's gradebook export** (Grades > Export > Export Entire Gradebook): ``Student``
  (the sortable name "Last, First"; or ``LastName``, ``FirstName``), ``ID`` (Canvas's
  user id: the key), ``SIS User ID`` (when the export includes it), ``SIS Login ID``,
  optional ``Integration ID`` and ``Root Account``, ``Section``, then custom columns, one
  ``Title (id)`` column per assignment and the totals. A row whose first cell holds
  "Points Possible" gives each assignment's points; a row of "Manual Posting" (or
  "Muted") cells and the Test Student (student view) are not students. Semicolons are
  accepted as separators. These rules are those of Canvas's exporter and importer
  (``lib/gradebook_exporter.rb``, ``app/models/gradebook_importer.rb`` in
  instructure/canvas-lms): a name starting with ``=`` is exported as ``="..."``.
- **Moodle's grading worksheet** (Assignment > View all submissions > Download grading
  worksheet; assignfeedback_offline): ``Identifier`` ("Participant 123456", the key: the
  number is the participant id of Moodle's downloads), ``Full name``, the identity
  columns the site shows (``Email address``, ``ID number``...), ``Status``, ``Grade``,
  ``Maximum Grade``, ``Grade can be changed``, ``Last modified (submission)``,
  ``Last modified (grade)``, ``Feedback comments``. Moodle's upload
  (``mod/assign/feedback/offline/importgradeslib.php``) needs ``Identifier``, ``Grade``
  and ``Last modified (grade)``; the worksheet is written back with its own columns.
- **nbgrader's student list** (``nbgrader db student import``): ``id`` (the key: the
  folder of ``submitted/<id>/``), ``first_name``, ``last_name``, ``email``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...exercises.spec import Assignment
from ..roster import GradebookError, Student

PLAIN, CANVAS, MOODLE, NBGRADER = "plain", "canvas", "moodle", "nbgrader"

# Canvas's columns before the custom and assignment columns, and its total columns (with
# "Unposted " or an assignment group's name before them), none of them an assignment's
CANVAS_STUDENT = ("Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID")
CANVAS_STUDENT += ("Integration ID", "Root Account", "Section")
CANVAS_TOTALS = re.compile(r"(Current|Final|Override) (Score|Points|Grade|Status)")
CANVAS_TEST_STUDENT = ("Student, Test", "Test Student")
TITLE_WITH_ID = re.compile(r"^(?P<title>.*) \((?P<id>\d+)\)$")  # Canvas's "Title (id)"
MOODLE_REQUIRED = ("Identifier", "Grade", "Last modified (grade)")


@dataclass(frozen=True)
class Roster:
    """A class list: its students in the file's order, and what the LMS's own file needs
    to be written back (the header, each student's row as given)."""

    kind: str  # PLAIN, CANVAS, MOODLE or NBGRADER
    path: Path
    students: list[Student]
    header: list[str] = field(default_factory=list)  # the file's columns, as given
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # by student_id
    points_possible: dict[str, str] = field(default_factory=dict)  # Canvas: by column
    left_out: list[str] = field(default_factory=list)  # rows that are no students, said why
    ignored: dict[str, str] = field(default_factory=dict)  # Canvas: ids not graded, and why

    def __iter__(self):
        return iter(self.students)

    def __len__(self) -> int:
        return len(self.students)

    def assignment_columns(self) -> list[str]:
        """Canvas: the export's ``Title (id)`` columns."""
        return [c for c in self.header if TITLE_WITH_ID.match(c) and not CANVAS_TOTALS.search(c)]

    def canvas_column(self, assignment: Assignment, chosen: str | None = None) -> str | None:
        """The Canvas export's column of ``assignment``: ``chosen`` (its whole title, or
        its id), else the one column whose title names the assignment (its stem, its
        title, or its number and title). None when the roster is not Canvas's; a
        GradebookError naming the columns when there is no such column, or several."""
        if self.kind != CANVAS:
            return None
        columns = self.assignment_columns()
        if chosen:
            found = [c for c in columns if chosen in (c, TITLE_WITH_ID.match(c)["id"])]
        else:
            found = [c for c in columns if _names(TITLE_WITH_ID.match(c)["title"], assignment)]
        if len(found) == 1:
            return found[0]
        listed = "; ".join(columns) or "none"
        what = f"no column {chosen!r}" if chosen else f"no single column for {assignment.stem}"
        raise GradebookError(
            f"the Canvas export {self.path} has {what} (its assignment columns: {listed}); "
            "name the assignment's column with --lms-assignment 'Title (id)' (or its id), so "
            "that Canvas fills that column instead of making a new one"
        )


def _words(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _names(title: str, assignment: Assignment) -> bool:
    """Whether a Canvas assignment's title names ``assignment``: it holds the stem
    (``04_backward_pass``), or is the title or the stem's words (``The backward pass``,
    ``Backward pass``), or holds them and the number (``Lab 4: Backward pass``), ignoring
    case, spaces and punctuation."""
    number, words = assignment.stem.split("_", 1)
    t, names = _words(title), {_words(assignment.title), _words(words)}
    if _words(assignment.stem) in t or t in names:
        return True
    numbers = {int(d) for d in re.findall(r"\d+", title)}
    return any(n in t for n in names) and int(number) in numbers


# ----- reading -----


def _rows(path: Path) -> list[list[str]]:
    """The CSV rows of ``path`` (UTF-8, a spreadsheet's BOM allowed; commas, or
    semicolons where they split the first line into more cells, as Canvas's importer
    decides)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise GradebookError(f"cannot read the roster {path}: {err}") from None
    first = text.split("\n", 1)[0]
    semicolon = len(next(csv.reader([first], delimiter=";"), [])) > len(
        next(csv.reader([first]), [])
    )
    return list(csv.reader(io.StringIO(text), delimiter=";" if semicolon else ","))


def read_roster(path: Path) -> Roster:
    """The roster in ``path``, whichever of the four formats it is (GradebookError naming
    the line and what was expected when it cannot be used)."""
    rows = _rows(path)
    header = [c.strip() for c in rows[0]] if rows else []
    lower = [c.lower() for c in header]
    if "student_id" in lower:
        roster = _plain(path, header, rows[1:])
    elif "identifier" in lower and "full name" in lower:
        roster = _moodle(path, header, rows[1:])
    elif len(header) > 3 and ("Student" in header[0] or header[:2] == ["LastName", "FirstName"]):
        roster = _canvas(path, header, rows[1:])
    elif "id" in lower:
        roster = _nbgrader(path, header, rows[1:])
    else:
        raise GradebookError(
            f"the roster {path} is none of the formats known: ours (a student_id column), "
            "Canvas's gradebook export (Student, ID, ..., Section), Moodle's grading worksheet "
            "(Identifier, Full name, ...) or nbgrader's student list (id, first_name, "
            f"last_name, email); its header has {', '.join(header) or 'nothing'}"
        )
    if not roster.students:
        raise GradebookError(f"the roster {path} has no students")
    return roster


def _records(header: list[str], rows: list[list[str]]):
    """(line number, {column: stripped cell}) of each non-empty row."""
    for line, row in enumerate(rows, start=2):
        cells = {h: (row[i] if i < len(row) else "").strip() for i, h in enumerate(header) if h}
        if any(cells.values()):
            yield line, cells


def _unique(path: Path, key: str, what: str, line: int, seen: dict[str, int]) -> None:
    if not key:
        raise GradebookError(f"{path}, line {line}: expected a {what}, got an empty cell")
    if key in seen:
        raise GradebookError(f"{path}, line {line}: {what} {key!r} is already on line {seen[key]}")
    seen[key] = line


def _plain(path: Path, header: list[str], rows: list[list[str]]) -> Roster:
    columns = [h.lower() for h in header]
    students, seen = [], {}
    for line, row in _records(columns, rows):
        sid = row["student_id"]
        _unique(path, sid, "student_id", line, seen)
        get = row.get
        students.append(
            Student(
                sid,
                get("name", ""),
                get("email", ""),
                get("section", ""),
                get("login", ""),
                get("submission", ""),
                canvas_id=get("canvas_id", ""),
                participant=get("participant", ""),
            )
        )
    return Roster(PLAIN, path, students, header)


def _canvas(path: Path, header: list[str], rows: list[list[str]]) -> Roster:
    split = header[:2] == ["LastName", "FirstName"]
    if "ID" not in header or "Section" not in header:
        raise GradebookError(
            f"the Canvas export {path} needs the columns Student (or LastName, FirstName), "
            f"ID and Section; its header has {', '.join(header)}"
        )
    students, kept, points, left_out, ignored, seen = [], {}, {}, [], {}, {}
    for line, row in _records(header, rows):
        first = row[header[0]]
        if "Points Possible" in first:
            points = {c: row.get(c, "") for c in header}
            continue
        if all(re.fullmatch(r"(Muted|Manual Posting.*)?", v, re.I) for v in row.values()):
            continue  # Canvas's row of hidden assignments
        name = f"{row['FirstName']} {row['LastName']}".strip() if split else first
        if name.startswith('="') and name.endswith('"'):  # Canvas's guard against formulas
            name = name[2:-1]
        if name in CANVAS_TEST_STUDENT:
            left_out.append(f"line {line}: {name} (Canvas's test student)")
            ignored[row["ID"]] = "not graded: Canvas's test student (student view)"
            continue
        cid = row["ID"]
        _unique(path, cid, "user ID (Canvas's ID column)", line, seen)
        if not cid.isdigit():
            raise GradebookError(f"{path}, line {line}: expected Canvas's user ID, got {cid!r}")
        login = row.get("SIS Login ID", "")
        students.append(
            Student(
                cid,
                name,
                section=row.get("Section", ""),
                canvas_id=cid,
                sis_user_id=row.get("SIS User ID", ""),
                sis_login_id=login,
            )
        )
        kept[cid] = row
    return Roster(CANVAS, path, students, header, kept, points, left_out, ignored)


def _moodle(path: Path, header: list[str], rows: list[list[str]]) -> Roster:
    missing = [c for c in MOODLE_REQUIRED if c not in header]
    if missing:
        raise GradebookError(
            f"the Moodle worksheet {path} lacks {', '.join(missing)}, which Moodle's upload "
            "needs: download it again with Download grading worksheet"
        )
    students, kept, seen = [], {}, {}
    for line, row in _records(header, rows):
        number = re.search(r"(\d+)\s*$", row["Identifier"])
        if number is None:
            raise GradebookError(
                f"{path}, line {line}: expected an Identifier such as 'Participant 123456', "
                f"got {row['Identifier']!r}"
            )
        pid = number[1]
        _unique(path, pid, "participant number", line, seen)
        email = row.get("Email address", "")
        students.append(Student(pid, row["Full name"], email, participant=pid))
        kept[pid] = row
    return Roster(MOODLE, path, students, header, kept)


def _nbgrader(path: Path, header: list[str], rows: list[list[str]]) -> Roster:
    columns = [h.lower() for h in header]
    students, seen = [], {}
    for line, row in _records(columns, rows):
        sid = row["id"]
        _unique(path, sid, "student id", line, seen)
        name = f"{row.get('first_name', '')} {row.get('last_name', '')}".strip()
        students.append(Student(sid, name, row.get("email", ""), login=sid))
    return Roster(NBGRADER, path, students, header)
