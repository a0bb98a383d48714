"""Issue 22: a class laid out as each LMS lays it out, graded with the LMS's own export as
the roster: every learner matched by id (two learners with the same name never swapped),
what did not match named, and the file for the LMS importable by the importer's rules.

The importers' rules are checked by :mod:`lms_rules`.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from exercise_tools import EXERCISES, ROOT, answer_body, answers, exercise_with_answers
from lms_rules import canvas_import, moodle_upload

from course_lib.cli import main
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.lms.layouts import CANVAS, HOME, MOODLE, NBGRADER, Claim, choose, claim
from course_lib.instructor.lms.rosters import read_roster
from course_lib.instructor.roster import GradebookError

STEM = "03_forward_pass"
A = ASSIGNMENTS[STEM]
FULL = A.max_score
NO_SIGMOID = "return float(np.dot(w, x) + b)  # forgot the sigmoid"


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def right(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return exercise_with_answers(STEM, path)


def wrong(path: Path) -> Path:
    """Every function right but 3.1 `neuron` (it forgets the sigmoid): FULL - 1 points."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return exercise_with_answers(
        STEM, path, answers(STEM) | answer_body(STEM, "neuron", NO_SIGMOID)
    )


def grade(out: Path, roster: Path, subs: Path, *extra: str) -> int:
    args = ["grade", "--assignment", STEM, "--out", str(out), "--no-progress", "--jobs", "2"]
    return main([*args, "--roster", str(roster), *extra, str(subs)])


# ----- the layouts, recognised from a file's own path -----


@pytest.mark.parametrize(
    ("own", "expected"),
    [
        (
            "dl/doejane_101_9001_03_forward_pass.ipynb",
            Claim(CANVAS, "101", "03_forward_pass.ipynb"),
        ),
        (
            "dl/smithanna_late_103_9003_03_forward_pass.ipynb",
            Claim(CANVAS, "103", "03_forward_pass.ipynb", late=True),
        ),
        (
            "dl/müllerjürgen_104_9004_03_forward_pass-1.ipynb",
            Claim(CANVAS, "104", "03_forward_pass-1.ipynb", attempt=1),
        ),
        ("dl/张伟_105_9005_my_work.ipynb", Claim(CANVAS, "105", "my_work.ipynb")),
        ("dl/anon_Xy12z_9006_03.ipynb", Claim(CANVAS, "anon_Xy12z", "03.ipynb")),
        ("dl/late_anon_Xy12z_9006_03.ipynb", Claim(CANVAS, "anon_Xy12z", "03.ipynb", late=True)),
        (
            "dl/Jane Doe_500001_assignsubmission_file_/03_forward_pass.ipynb",
            Claim(MOODLE, "500001", "03_forward_pass.ipynb"),
        ),
        (
            "dl/Anna Smith_500002_assignsubmission_file/sub/03.ipynb",
            Claim(MOODLE, "500002", "03.ipynb"),
        ),
        (
            "dl/王芳_500004_assignsubmission_file_03_forward_pass.ipynb",
            Claim(MOODLE, "500004", "03_forward_pass.ipynb"),
        ),
        (
            "course/submitted/alice/ps03/03_forward_pass.ipynb",
            Claim(NBGRADER, "alice", "03_forward_pass.ipynb"),
        ),
        ("home/jupyter-bob/repo/exercises/03.ipynb", Claim(HOME, "bob", "03.ipynb")),
        ("claim-eve/exercises/03.ipynb", Claim(HOME, "eve", "03.ipynb")),
        ("inbox/alice_03.ipynb", None),
        ("inbox/03_forward_pass.ipynb", None),
    ],
)
def test_each_lms_layout_is_recognised_by_the_id_in_its_path(own, expected):
    assert claim(own) == expected


def test_only_the_assignments_notebook_of_a_home_is_graded():
    owns = [
        (f"homes/jupyter-ann/backprop/{folder}/{name}", None)
        for folder in ("notebooks", "exercises")
        for name in ("01_gradient_descent.ipynb", f"{STEM}.ipynb")
    ]
    owns = [(own, claim(own)) for own, _ in owns]
    owns.append(("homes/jupyter-bob/scratch.ipynb", claim("homes/jupyter-bob/scratch.ipynb")))
    keep, why = choose(owns, STEM)
    assert keep == [3]  # exercises/03, not the lecture notebook of the same name
    assert why[2] == f"not graded: another of this learner's files is {STEM}.ipynb"
    assert why[4] == f"not graded: this home has no {STEM}.ipynb"


# ----- Canvas -----

CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 1 (55),03 Forward pass (4321),"
    "Current Points,Final Points,Current Score,Unposted Current Score,Final Score,"
    "Unposted Final Score\n"
    ",,,,,Manual Posting,,,,,,,\n"
    "    Points Possible,,,,,10.00,6.00,(read only),(read only),(read only),(read only),"
    "(read only),(read only)\n"
    '"Doe, Jane",101,s101,jdoe,Lab A,8,,8,8,80,80,80,80\n'
    '"Smith, Anna",102,s102,asmith1,Lab A,,,0,0,,,,\n'
    '"Smith, Anna",103,s103,asmith2,Lab B,,,0,0,,,,\n'
    '"Müller, Jürgen",104,s104,jmueller,Lab B,,,0,0,,,,\n'
    '"张, 伟",105,s105,zwei,Lab B,,,0,0,,,,\n'
    '"O\'Brien, Pat",108,s108,pobrien,Lab A,,,0,0,,,,\n'
    '"Lee, Kim",106,s106,klee,Lab A,,,0,0,,,,\n'
    '"Student, Test",107,,,Lab A,,,0,0,,,,\n'
)


def canvas_class(root: Path) -> tuple[Path, Path]:
    """A bulk download: a late file, a file sent again, two Anna Smiths (one right, one
    wrong), a non-ASCII and a Chinese name, a truncated notebook, the test student's file,
    a file of a user not on the roster; Kim Lee sent nothing."""
    dl = root / "submissions"
    right(dl / "doejane_101_9001_03_forward_pass.ipynb")
    right(dl / "smithanna_102_9002_03_forward_pass.ipynb")
    wrong(dl / "smithanna_late_103_9003_03_forward_pass.ipynb")
    right(dl / "müllerjürgen_104_9004_03_forward_pass-1.ipynb")
    shutil.copy(EXERCISES / f"{STEM}.ipynb", dl / "张伟_105_9005_03_forward_pass.ipynb")
    (dl / "obrienpat_108_9008_03_forward_pass.ipynb").write_text('{"cells": [')
    right(dl / "studenttest_107_9007_03_forward_pass.ipynb")
    right(dl / "stranger_999_9999_03_forward_pass.ipynb")
    export = root / "canvas-export.csv"
    export.write_text(CANVAS_EXPORT, encoding="utf-8")
    return dl, export


def test_a_canvas_class_goes_back_into_canvas_by_id(tmp_path, capsys):
    dl, export = canvas_class(tmp_path)
    out = tmp_path / "out"
    assert grade(out, export, dl) == 3  # a file counts for nobody: the command says so
    said = capsys.readouterr()
    assert "Canvas's column filled: 03 Forward pass (4321)" in said.out
    assert "studenttest_107_9007_03_forward_pass.ipynb: not graded: Canvas's test" in said.out
    assert "1 student(s) of the roster without a submission:\n  106 Lee, Kim" in said.out
    assert "stranger_999_9999_03_forward_pass.ipynb: Canvas's user 999 is not on" in said.err

    grades = canvas_import(out / "canvas.csv", export)
    assert grades == {
        "101": str(FULL),
        "102": str(FULL),
        "103": str(FULL - 1),  # the other Anna Smith: her own grade, not her namesake's
        "104": str(FULL),
        "105": "0",
        "108": "0",
        "106": "",  # nothing sent: left as it is
    }
    book = {r["student_id"] or r["submission"]: r for r in rows(out / "gradebook.csv")}
    assert book["103"]["late"] == "yes" and "late" in book["103"]["notes"]
    assert book["102"]["late"] == ""
    assert "sent again: 03_forward_pass-1.ipynb" in book["104"]["notes"]
    assert book["105"]["notes"].startswith("0 points: no function passed all its cases")
    assert book["108"]["notes"].startswith("0 points: not graded: ")
    assert book["106"]["notes"] == "no submission found"
    unmatched = {
        (r["what"], r["student_id"] or Path(r["file"]).name) for r in rows(out / "unmatched.csv")
    }
    assert unmatched == {
        ("no submission", "106"),
        ("counts for nobody", "stranger_999_9999_03_forward_pass.ipynb"),
        ("not graded", "studenttest_107_9007_03_forward_pass.ipynb"),
    }
    assert not (out / "moodle.csv").exists()  # Moodle does not know Canvas's users


def test_a_canvas_export_without_the_assignments_column_is_refused(tmp_path, capsys):
    dl, export = canvas_class(tmp_path)
    export.write_text(CANVAS_EXPORT.replace("03 Forward pass (4321)", "Quiz 2 (4321)"))
    assert grade(tmp_path / "out", export, dl) == 2
    err = capsys.readouterr().err
    assert "no single column for 03_forward_pass" in err and "--lms-assignment" in err
    assert not (tmp_path / "out" / "grades.csv").exists()  # said before grading


def test_canvas_exports_are_read_as_canvas_writes_them(tmp_path):
    export = tmp_path / "e.csv"
    table = list(csv.reader(io.StringIO(CANVAS_EXPORT.replace('"Doe, Jane"', '"=""Doe, Jane"""'))))
    with open(export, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=";").writerows(table)
    roster = read_roster(export)
    assert roster.kind == "canvas" and [s.student_id for s in roster] == [
        "101",
        "102",
        "103",
        "104",
        "105",
        "108",
        "106",
    ]
    assert roster.left_out == ["line 11: Student, Test (Canvas's test student)"]
    assert roster.students[0].name == "Doe, Jane"  # Canvas's ="..." guard taken off
    assert roster.points_possible["03 Forward pass (4321)"] == "6.00"


# ----- Moodle -----

WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    '"Participant 500001","Jane Doe",jane@uni.edu,"Submitted for grading",,6.00,Yes,'
    '"Monday, 7 December 2026, 9:00 AM",-,\n'
    '"Participant 500002","Anna Smith",anna1@uni.edu,"Submitted for grading",,6.00,Yes,'
    '"Monday, 7 December 2026, 9:01 AM",-,\n'
    '"Participant 500003","Anna Smith",anna2@uni.edu,"Submitted for grading",,6.00,Yes,'
    '"Monday, 7 December 2026, 9:02 AM","Monday, 7 December 2026, 10:00 AM",\n'
    '"Participant 500004","王芳",wang@uni.edu,"Submitted for grading",,6.00,Yes,'
    '"Monday, 7 December 2026, 9:03 AM",-,\n'
    '"Participant 500005","Kim Lee",kim@uni.edu,"No submission",,6.00,Yes,-,-,\n'
)


def test_a_moodle_class_goes_back_through_the_grading_worksheet(tmp_path, capsys):
    dl = tmp_path / "moodle-download"
    (dl / "Jane Doe_500001_assignsubmission_file_").mkdir(parents=True)
    (dl / "Jane Doe_500001_assignsubmission_file_" / f"{STEM}.ipynb").write_bytes(b"")
    right(dl / "Anna Smith_500002_assignsubmission_file" / f"{STEM}.ipynb")
    wrong(dl / "Anna Smith_500003_assignsubmission_file_" / f"{STEM}.ipynb")
    right(dl / f"王芳_500004_assignsubmission_file_{STEM}.ipynb")
    worksheet = tmp_path / "Grades-Lab-3.csv"
    worksheet.write_text(WORKSHEET, encoding="utf-8")
    out = tmp_path / "out"
    assert grade(out, worksheet, dl) == 0
    assert (
        "1 student(s) of the roster without a submission:\n  500005 Kim Lee"
        in capsys.readouterr().out
    )

    taken = moodle_upload(out / "moodle.csv", worksheet)
    assert list(taken) == [f"Participant {n}" for n in range(500001, 500006)]
    grades = {k: g for k, (g, _) in taken.items()}
    assert grades == {
        "Participant 500001": "0",
        "Participant 500002": str(FULL),
        "Participant 500003": str(FULL - 1),
        "Participant 500004": str(FULL),
        "Participant 500005": "",
    }
    jane = taken["Participant 500001"][1]
    assert jane.startswith(f"0 / {FULL}") and "not graded: the file is empty" in jane
    assert "neuron 0" in taken["Participant 500003"][1]
    assert not (out / "canvas.csv").exists()


# ----- nbgrader and JupyterHub homes -----


def test_an_nbgrader_exchange_is_matched_by_its_student_folders(tmp_path, capsys):
    course = tmp_path / "course"
    right(course / "submitted" / "alice" / "ps03" / f"{STEM}.ipynb")
    wrong(course / "submitted" / "bob" / "ps03" / f"{STEM}.ipynb")
    shutil.copy(EXERCISES / "01_gradient_descent.ipynb", course / "submitted" / "bob" / "ps03")
    roster = tmp_path / "students.csv"
    roster.write_text(
        "id,first_name,last_name,email\nalice,Alice,Liddell,a@x\nbob,Bob,Ross,b@x\ncarol,C,D,c@x\n"
    )
    assert grade(tmp_path / "out", roster, course / "submitted") == 0
    said = capsys.readouterr().out
    assert "1 notebook(s) found but not graded" in said and "carol" in said
    book = {r["student_id"]: r for r in rows(tmp_path / "out" / "gradebook.csv")}
    assert {k: r["total"] for k, r in book.items()} == {
        "alice": str(FULL),
        "bob": str(FULL - 1),
        "carol": "0",
    }
    assert not (tmp_path / "out" / "canvas.csv").exists()
    assert not (tmp_path / "out" / "moodle.csv").exists()


def test_jupyterhub_homes_holding_the_learner_edition_give_one_row_each(tmp_path, capsys):
    homes = tmp_path / "home"
    for who in ("ann", "ben"):
        edition = homes / f"jupyter-{who}" / "backprop"
        shutil.copytree(ROOT / "notebooks", edition / "notebooks")
        shutil.copytree(EXERCISES, edition / "exercises")
    # Ann works in the Chinese edition (exercises/zh): both of a home's notebooks named after
    # the assignment are graded, English and Chinese, and the better one counts
    right(homes / "jupyter-ann" / "backprop" / "exercises" / "zh" / f"{STEM}.ipynb")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,login\ns1,Ann,ann\ns2,Ben,ben\n")
    assert grade(tmp_path / "out", roster, homes) == 0
    said = capsys.readouterr().out
    found = len(list(ROOT.glob("notebooks/**/*.ipynb"))) + len(list(EXERCISES.glob("**/*.ipynb")))
    others = 2 * (found - 2)
    assert f"{others} notebook(s) found but not graded" in said
    graded = rows(tmp_path / "out" / "grades.csv")
    assert [r["submission"] for r in graded] == [
        f"jupyter-ann-backprop-exercises-{STEM}",
        f"jupyter-ann-backprop-exercises-zh-{STEM}",
        f"jupyter-ben-backprop-exercises-{STEM}",
        f"jupyter-ben-backprop-exercises-zh-{STEM}",
    ]
    assert [r["total"] for r in graded] == ["0", str(FULL), "0", "0"]
    book = {r["student_id"]: r["total"] for r in rows(tmp_path / "out" / "gradebook.csv")}
    assert book == {"s1": str(FULL), "s2": "0"}
    skipped = [r for r in rows(tmp_path / "out" / "unmatched.csv") if r["what"] == "not graded"]
    assert len(skipped) == others


def test_rosters_that_cannot_be_used_say_what_was_expected(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Identifier,Full name,Grade\nParticipant 1,A,\n")
    with pytest.raises(GradebookError, match="lacks Last modified \\(grade\\)"):
        read_roster(bad)
    bad.write_text(WORKSHEET.replace('"Participant 500002"', "Someone"))
    with pytest.raises(GradebookError, match="line 3: expected an Identifier such as"):
        read_roster(bad)
    bad.write_text(CANVAS_EXPORT.replace(",102,", ",101,"))
    with pytest.raises(GradebookError, match="user ID \\(Canvas's ID column\\) '101' is already"):
        read_roster(bad)
