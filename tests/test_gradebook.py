"""Issue 13: a gradebook keyed to the roster, overrides for a regrade, and no grading when
the solution notebook does not get full marks (all through `course-lib grade`)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from exercise_tools import EXERCISES, SOLUTIONS, exercise_with_answers, solution_with

from course_lib.cli import main
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.lms.rosters import read_roster
from course_lib.instructor.roster import GradebookError, Student, read_overrides

STEM = "03_forward_pass"
A = ASSIGNMENTS[STEM]
POINTS = {ex.grade_id: ex.points for ex in A.exercises}
FIRST, SECOND = (ex.grade_id for ex in A.exercises[:2])

ROSTER = """student_id,name,email,login,section,submission
s001,Alice Liddell,alice@uni.edu,alice,A,
s002,Bob Marley,bob@uni.edu,bob,A,
s003,Dora Maar,dora@uni.edu,dora,B,
s004,Erin Brockovich,erin@uni.edu,erin,B,
s005,Eva Peron,eva@uni.edu,eva,B,
s006,Fay Wray,fay@uni.edu,,C,*/wray-f_*.ipynb
s007,Gus Grissom,gus@uni.edu,gus,C,
"""


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def make_class(root: Path) -> Path:
    """Hub homes (alice, bob), a file named by login (erin, twice), one by pattern (fay),
    one matching two students (dora, eva), one matching nobody; gus submits nothing."""
    subs = root / "collected"
    for home in ("jupyter-alice", "jupyter-bob"):
        (subs / home / "REPO" / "exercises").mkdir(parents=True)
    (subs / "inbox").mkdir()
    exercise_with_answers(STEM, subs / "jupyter-alice" / "REPO" / "exercises" / f"{STEM}.ipynb")
    shutil.copy(EXERCISES / f"{STEM}.ipynb", subs / "jupyter-bob" / "REPO" / "exercises")
    exercise_with_answers(STEM, subs / "inbox" / f"{STEM}_erin.ipynb")
    shutil.copy(EXERCISES / f"{STEM}.ipynb", subs / "inbox" / f"{STEM}_erin-Copy1.ipynb")
    exercise_with_answers(STEM, subs / "inbox" / "wray-f_03.ipynb")
    shutil.copy(EXERCISES / f"{STEM}.ipynb", subs / "inbox" / "dora-and-eva.ipynb")
    shutil.copy(EXERCISES / f"{STEM}.ipynb", subs / "inbox" / "stranger.ipynb")
    (root / "roster.csv").write_text(ROSTER)
    return subs


def test_roster_gradebook_lms_files_and_overrides_then_a_regrade(tmp_path, capsys):
    subs = make_class(tmp_path)
    (tmp_path / "overrides.csv").write_text(
        "student,exercise,points,reason\n"
        f's002,{FIRST},{POINTS[FIRST]},"sent a fixed version by e-mail on time"\n'
        f"s003,{SECOND},{POINTS[SECOND]},graded on paper\n"
    )
    out = tmp_path / "out"
    args = [
        "grade",
        "--assignment",
        STEM,
        "--out",
        str(out),
        "--no-progress",
        "--jobs",
        "2",
        "--roster",
        str(tmp_path / "roster.csv"),
        str(subs),
    ]
    # two files count for nobody: the command says so, and exits with 3
    assert main([*args, "--overrides", str(tmp_path / "overrides.csv")]) == 3
    said = capsys.readouterr()
    assert "gradebook for the 7 students" in said.out
    missing = "2 student(s) of the roster without a submission:\n  s005 Eva Peron\n  s007 Gus"
    assert missing in said.out  # eva's only file is also dora's: it counts for neither
    assert "2 graded file(s) count for no student" in said.err
    assert "inbox/stranger.ipynb: matches no student" in said.err

    book = {r["student_id"] or r["submission"]: r for r in rows(out / "gradebook.csv")}
    ids = ["s001", "s002", "s003", "s004", "s005", "s006", "s007"]
    assert list(book) == [*ids, "dora-and-eva", "stranger"]
    full = str(A.max_score)
    assert book["s001"]["total"] == full and book["s001"]["notes"] == ""
    assert book["s001"]["submission"] == f"jupyter-alice-REPO-exercises-{STEM}"
    assert book["s002"]["total"] == str(POINTS[FIRST])  # an empty notebook, plus the override
    assert "sent a fixed version" in book["s002"]["notes"]
    assert book["s003"]["total"] == str(POINTS[SECOND])  # graded by hand, no submission
    assert "dora-and-eva matches several students (s003, s005)" in book["s003"]["notes"]
    assert book["s005"]["total"] == "0" and "counts for none" in book["s005"]["notes"]
    assert book["s007"]["total"] == "0" and book["s007"]["notes"] == "no submission found"
    assert book["s004"]["total"] == full  # the better of erin's two files counts
    assert f"also submitted {STEM}_erin-Copy1" in book["s004"]["notes"]
    assert book["s006"]["total"] == full  # matched by the roster's submission pattern
    assert book["stranger"]["notes"].startswith("matches no student: no LMS id in its path")
    assert book["dora-and-eva"]["notes"] == "matches several students (s003, s005)"
    unmatched = rows(out / "unmatched.csv")
    assert [(r["what"], r["student_id"] or r["submission"]) for r in unmatched] == [
        ("no submission", "s005"),
        ("no submission", "s007"),
        ("counts for nobody", "dora-and-eva"),
        ("counts for nobody", "stranger"),
    ]

    canvas = (out / "canvas.csv").read_text().splitlines()
    assert canvas[0] == f"Student,ID,SIS User ID,SIS Login ID,Section,{A.title} ({STEM})"
    assert canvas[1] == f"Points Possible,,,,,{A.max_score}"
    assert canvas[2] == f"Alice Liddell,,s001,alice,A,{A.max_score}"
    assert len(canvas) == 2 + 7
    assert canvas[-1] == "Gus Grissom,,s007,gus,C,"  # no submission: left as it is, not a 0
    moodle = rows(out / "moodle.csv")
    assert [r["ID number"] for r in moodle] == [
        "s001",
        "s002",
        "s003",
        "s004",
        "s005",
        "s006",
        "s007",
    ]
    assert moodle[1][A.title] == str(POINTS[FIRST])
    assert "sent a fixed version" in moodle[1]["Feedback"]

    # the override reaches grades.csv, feedback.md and results.json alike
    bob = f"jupyter-bob-REPO-exercises-{STEM}"
    graded = {r["submission"]: r for r in rows(out / "grades.csv")}
    assert graded[bob][FIRST] == str(POINTS[FIRST]) and graded[bob]["total"] == str(POINTS[FIRST])
    feedback = (out / "submissions" / bob / "feedback.md").read_text()
    assert f"Score: **{POINTS[FIRST]} / {A.max_score}**" in feedback
    assert "## Points changed by your instructor" in feedback
    assert "sent a fixed version by e-mail on time" in feedback
    results = json.loads((out / "submissions" / bob / "results.json").read_text())
    assert results["score"] == POINTS[FIRST]
    test = next(t for t in results["tests"] if t["name"] == FIRST)
    assert test["score"] == POINTS[FIRST] and "set by your instructor" in test["output"]

    # a regrade: the override is withdrawn; --resume regrades bob only, whose files drop it
    alice = out / "submissions" / f"jupyter-alice-REPO-exercises-{STEM}" / "grading.json"
    before = alice.stat().st_mtime_ns
    (tmp_path / "overrides.csv").write_text("student,exercise,points,reason\n")
    assert main([*args, "--overrides", str(tmp_path / "overrides.csv"), "--resume"]) == 3
    assert "graded 1 submission(s) and kept 6 graded by an earlier run" in capsys.readouterr().out
    assert alice.stat().st_mtime_ns == before
    feedback = (out / "submissions" / bob / "feedback.md").read_text()
    assert "set by your instructor" not in feedback and f"Score: **0 / {A.max_score}**" in feedback
    assert {r["student_id"]: r["total"] for r in rows(out / "gradebook.csv")}["s002"] == "0"


def test_results_json_status_agrees_with_the_points_overrides_give(tmp_path):
    """Gradescope colours a test by its status: an override to full points is "passed", to
    0 of a passed function "failed", to partial points "failed" (Gradescope's own rule for
    a score below max_score); results.json and the Gradescope autograder's split agree."""
    from course_lib.exercises.engine import CaseResult, ExerciseResult, NotebookResult, Trial
    from course_lib.exercises.spec import Status, Verdict
    from course_lib.instructor.exports.results_json import results
    from course_lib.instructor.gradescope import split_results
    from course_lib.instructor.results import Graded
    from course_lib.instructor.roster import Override

    def judged(ex, passed: bool) -> ExerciseResult:
        verdict = Verdict(Status.PASSED) if passed else Verdict(Status.FAILED, "wrong values")
        return ExerciseResult(ex, [CaseResult(Trial("a case", False, (), None), verdict)])

    first, second, third, *_ = A.exercises  # 3.4 (bias_backward) left out
    assert (first.points, second.points, third.points) == (1, 2, 2)
    graded = Graded(
        "bob",
        tmp_path / "bob.ipynb",
        None,
        A,
        NotebookResult(A, [judged(first, False), judged(second, True), judged(third, True)]),
        overrides=(
            Override("bob", first.grade_id, 1, "fixed on time"),  # failed, now full points
            Override("bob", second.grade_id, 0, "copied"),  # passed, now 0
            Override("bob", third.grade_id, 1, "half of it copied"),  # passed, now partial
        ),
    )
    tests = {t["name"]: t for t in results(graded)["tests"]}
    expected = {first.grade_id: (1, "passed"), second.grade_id: (0, "failed")}
    expected[third.grade_id] = (1, "failed")
    assert {n: (t["score"], t["status"]) for n, t in tests.items()} == expected
    split = {t["name"]: t for t in split_results(graded, "bob.ipynb", 1.0)["tests"]}
    hidden = {n.removesuffix(": hidden cases"): t for n, t in split.items() if "hidden" in n}
    assert {n: (t["score"], t["status"]) for n, t in hidden.items()} == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("student,exercise,points\n", "needs the columns student, exercise, points, reason"),
        (
            "student,exercise,points,reason\nzed,{first},1,x\n",
            "line 2: expected a student_id of the roster, got 'zed'",
        ),
        ("student,exercise,points,reason\ns001,4.3,1,x\n", "expected an exercise of"),
        ("student,exercise,points,reason\ns001,{first},99,x\n", "expected whole points from 0 to"),
        ("student,exercise,points,reason\ns001,{first},1.5,x\n", "got '1.5'"),
        ("student,exercise,points,reason\ns001,{first},1,\n", "expected a reason"),
        (
            "student,exercise,points,reason\ns001,{first},1,x\ns001,{first},0,y\n",
            "line 3: s001 {first} is already overridden on line 2",
        ),
    ],
)
def test_a_bad_overrides_file_names_the_line_what_was_expected_and_given(tmp_path, text, message):
    (tmp_path / "o.csv").write_text(text.format(first=FIRST))
    with pytest.raises(GradebookError, match=message.format(first=FIRST).replace(".", r"\.")):
        read_overrides(tmp_path / "o.csv", A, {"s001"}, "student_id of the roster")


def test_a_bad_roster_is_refused_before_grading(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    out = str(tmp_path / "out")
    nb = str(SOLUTIONS / f"{STEM}.ipynb")
    bad = [
        ("login,name\n1,x\n", "is none of the formats known"),
        ("student_id\ns1\ns1\n", "line 3: student_id 's1' is already on line 2"),
        ("student_id,name\n,Ann\n", "line 2: expected a student_id"),
    ]
    for text, message in bad:
        roster.write_text(text)
        assert main(["grade", "--assignment", STEM, "--out", out, "--roster", str(roster), nb]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_matching_rules():
    alice = Student("1", login="alice")
    assert alice.match(Path("/c/jupyter-alice/REPO/exercises/04.ipynb"))
    assert alice.match(Path("/c/claim-alice/04.ipynb"))
    assert alice.match(Path("/c/Alice/04.ipynb"))  # letter case ignored
    assert alice.match(Path("/c/inbox/04_backward_pass-alice.ipynb"))
    assert not alice.match(Path("/c/inbox/04_backward_pass-alicex.ipynb"))  # not a whole word
    assert not alice.match(Path("/c/malice/04.ipynb"))
    assert not Student("2").match(Path("/c/x/04.ipynb"))  # no login, no pattern: nothing


def test_a_file_named_after_a_classmate_stays_its_owners():
    """alice cannot hand bob a submission: a home folder outweighs a word of a file name."""
    from course_lib.instructor.roster import owners

    alice, bob = Student("1", login="alice"), Student("2", login="bob")
    mine = Path("/c/jupyter-alice/REPO/exercises/04_backward_pass_bob.ipynb")
    loose = Path("/c/inbox/04_backward_pass_bob.ipynb")
    assert owners([alice, bob], [mine, loose]) == {mine: [alice], loose: [bob]}


def test_roster_file_from_a_spreadsheet_with_a_bom_and_extra_columns(tmp_path):
    (tmp_path / "r.csv").write_text("\ufeffStudent_ID,Name,Notes\ns1,Ann,x\n", encoding="utf-8")
    assert read_roster(tmp_path / "r.csv").students == [Student("s1", name="Ann")]


def test_nothing_is_graded_when_the_solution_does_not_get_full_marks(tmp_path, capsys):
    """A case and the answer key that disagree would cost every learner the same points:
    grading refuses and names the case; --validate says the same, and passes on the real
    solutions."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    solution_with(
        STEM, solutions / f"{STEM}.ipynb", {f"{SECOND}_answer": ("a @ W + b", "a @ W + 2 * b")}
    )
    out = tmp_path / "out"
    nb = str(SOLUTIONS / f"{STEM}.ipynb")
    args = ["grade", "--assignment", STEM, "--solutions", str(solutions), "--no-progress"]
    assert main([*args, "--out", str(out), nb]) == 2
    err = capsys.readouterr().err
    assert "nothing graded" in err and f"{SECOND}: case" in err and "did not pass" in err
    assert f"course-lib grade --validate --assignment {STEM}" in err
    assert not (out / "grades.csv").exists() and not (out / "submissions").exists()
    assert main([*args, "--validate"]) == 1
    assert f"❌ {SECOND}" in capsys.readouterr().out
    (tmp_path / "secret.txt").write_text("a class secret\n")
    assert (
        main(
            [
                "grade",
                "--validate",
                "--assignment",
                STEM,
                "--secret-file",
                str(tmp_path / "secret.txt"),
            ]
        )
        == 0
    )
    assert "gets full marks on every public and hidden case" in capsys.readouterr().out


def test_a_broken_hidden_case_is_named_and_nothing_is_graded(tmp_path, capsys, monkeypatch):
    import numpy as np

    from course_lib.instructor import key
    from course_lib.instructor.key.hidden import HiddenCase

    real = key.hidden_cases
    wrong_width = HiddenCase(
        "a batch of the wrong width",
        lambda rng: (rng.normal(size=(2, 3)), np.ones((4, 2)), np.zeros(2)),
    )
    monkeypatch.setattr(
        key, "hidden_cases", lambda gid: (*real(gid), wrong_width) if gid == SECOND else real(gid)
    )
    out = tmp_path / "out"
    nb = str(SOLUTIONS / f"{STEM}.ipynb")
    assert main(["grade", "--assignment", STEM, "--out", str(out), "--no-progress", nb]) == 2
    err = capsys.readouterr().err
    assert f"the hidden case 'a batch of the wrong width' of {SECOND} is broken" in err
    assert not (out / "grades.csv").exists()
