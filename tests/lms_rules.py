"""The rules by which Canvas and Moodle import a file of grades, as their sources state
them, to check the files the grader writes for them.

- Canvas's gradebook import (``app/models/gradebook_importer.rb`` in instructure/canvas-lms):
  a header whose first cells hold "Student" and "ID", whose SIS columns follow, and whose
  student columns end with "Section"; a student is found by ID, then by SIS ids, then by
  name (we demand the ID); a column ``Title (id)`` fills that assignment, any other column
  creates one (we demand the export's id); the row whose first cell holds "Points
  Possible" gives the points.
- Moodle's grading worksheet upload (``mod/assign/feedback/offline/importgradeslib.php``):
  the columns Identifier, Grade and Last modified (grade); a row is found by the number of
  its Identifier ("Participant N") among the assignment's participants, others are
  skipped (we demand none); its Last modified (grade) is compared with Moodle's.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def canvas_import(path: Path, export: Path) -> dict[str, str]:
    """What Canvas's importer would take from ``path`` for a course exported as ``export``:
    {Canvas user ID: grade}, asserting its rules on the way (no new assignment, no student
    found by name alone, no new student)."""
    given = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    exported = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8-sig"))))
    header = given[0]
    assert "Student" in header[0] and "ID" in header[1]  # row_has_student_headers?
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    student_columns = 5
    assert "Section" in header[student_columns - 1]  # the last student column
    assignment_ids = {m[1] for c in exported[0] if (m := re.search(r"\((\d+)\)$", c))}
    columns = header[student_columns:]
    assert columns and all(re.search(r"\((\d+)\)$", c)[1] in assignment_ids for c in columns)
    users = {r[1]: r for r in exported[1:] if r[1].isdigit()}
    grades, points = {}, None
    for row in given[1:]:
        if "Points Possible" in row[0]:
            points = float(row[student_columns])
            continue
        assert row[1] in users, f"{row[0]} would be found by name, or made a new user"
        assert row[1] not in grades
        assert row[0] != "Student, Test"
        grade = row[student_columns]
        assert grade == "" or 0 <= float(grade) <= points
        grades[row[1]] = grade
    (given_points,) = [r for r in exported if r and "Points Possible" in r[0]]
    assert points == float(given_points[exported[0].index(columns[0])])  # unchanged
    return grades


def moodle_upload(path: Path, worksheet: Path) -> dict[str, tuple[str, str]]:
    """What Moodle's worksheet upload would take from ``path``: {Identifier: (Grade,
    Feedback comments)}, asserting its rules on the way."""
    given, sheet = rows(path), rows(worksheet)
    assert {"Identifier", "Grade", "Last modified (grade)"} <= set(given[0])
    known = {r["Identifier"]: r for r in sheet}
    taken = {}
    for row in given:
        assert re.fullmatch(r"Participant \d+", row["Identifier"])
        assert row["Identifier"] in known, "a user Moodle does not know"
        assert row["Last modified (grade)"] == known[row["Identifier"]]["Last modified (grade)"]
        assert row["Grade"] == "" or 0 <= float(row["Grade"]) <= float(row["Maximum Grade"])
        taken[row["Identifier"]] = (row["Grade"], row["Feedback comments"])
    return taken
