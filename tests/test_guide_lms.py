"""The instructor guide's route from an LMS to its gradebook, followed word for word: the
commands of its Canvas and Moodle steps run as they are printed, in a copy of the
repository's files (a fresh clone's), on the files each LMS gives, and end with files that
Canvas and Moodle import (:mod:`lms_rules`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from exercise_tools import ROOT, answer_body, answers, exercise_with_answers
from lms_rules import canvas_import, moodle_upload, rows

STEM = "04_backward_pass"
GUIDE = ROOT / "docs" / "instructor-guide.md"
SECTION = "### From your LMS to the gradebook, step by step"

# the commands of the section, in order: the test runs what the guide prints, and fails
# when the guide changes them without this list
COMMANDS = [
    'python -c "import secrets; print(secrets.token_hex())" > ~/course-secret.txt',
    "python -m zipfile -e canvas-submissions.zip canvas-download/",
    "course-lib grade --assignment 04_backward_pass --out grades/04-canvas --secret-file "
    "~/course-secret.txt --roster canvas-gradebook.csv canvas-download/",
    "python -m zipfile -e moodle-submissions.zip moodle-download/",
    "course-lib grade --assignment 04_backward_pass --out grades/04-moodle --secret-file "
    "~/course-secret.txt --roster moodle-worksheet.csv moodle-download/",
]

CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Lab 4: Backward pass (4321),Current Points\n"
    "    Points Possible,,,,,9.00,(read only)\n"
    '"Doe, Jane",201,s201,jdoe,A,,0\n'
    '"Doe, Jane",202,s202,jdoe2,A,,0\n'
    '"Li, Lei",203,s203,llei,A,,0\n'
)
WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    '"Participant 7001","Jane Doe",j@x,Submitted,,9.00,Yes,"Monday, 7 December 2026",-,\n'
    '"Participant 7002","Jane Doe",j2@x,Submitted,,9.00,Yes,"Monday, 7 December 2026",-,\n'
    '"Participant 7003","Li Lei",l@x,"No submission",,9.00,Yes,-,-,\n'
)


def guide_commands() -> list[str]:
    """The commands of the section's code blocks not marked illustrative."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    ends = [section.find(mark, 1) for mark in ("\n## ", "\n### ")]
    section = section[: min([e for e in ends if e > 0], default=len(section))]
    found = []
    for match in re.finditer(r"^```bash\n(.*?)^```", section, re.S | re.M):
        if section[: match.start()].rstrip().endswith("<!-- illustrative -->"):
            continue
        found += [line.strip() for line in match.group(1).splitlines() if line.strip()]
    return found


def zipped(path: Path, files: dict[str, Path]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, source in files.items():
            z.write(source, name)


def test_the_guides_lms_route_ends_with_files_canvas_and_moodle_import(tmp_path):
    assert guide_commands() == COMMANDS
    clone = tmp_path / "clone"  # the repository's files, as a fresh clone has them
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    home = tmp_path / "home"
    home.mkdir()

    # what the browser downloads: two Jane Does (one right, one with 4.3 wrong), Li Lei
    # right on Canvas and absent on Moodle
    made = tmp_path / "made"
    made.mkdir()
    good = exercise_with_answers(STEM, made / "good.ipynb")
    wrong = answers(STEM) | answer_body(STEM, "backprop", "return None")
    bad = exercise_with_answers(STEM, made / "bad.ipynb", wrong)
    zipped(
        clone / "canvas-submissions.zip",
        {
            f"doejane_201_9001_{STEM}.ipynb": good,
            f"doejane_late_202_9002_{STEM}.ipynb": bad,
            f"lilei_203_9003_{STEM}-1.ipynb": good,
        },
    )
    (clone / "canvas-gradebook.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    zipped(
        clone / "moodle-submissions.zip",
        {
            f"Jane Doe_7001_assignsubmission_file/{STEM}.ipynb": bad,
            f"Jane Doe_7002_assignsubmission_file/{STEM}.ipynb": good,
        },
    )
    (clone / "moodle-worksheet.csv").write_text(WORKSHEET, encoding="utf-8")

    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for command in COMMANDS:
        done = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"

    points = 9  # 04_backward_pass: the export's and the worksheet's points too
    canvas = canvas_import(clone / "grades/04-canvas/canvas.csv", clone / "canvas-gradebook.csv")
    assert canvas == {"201": str(points), "202": str(points - 3), "203": str(points)}
    moodle = moodle_upload(clone / "grades/04-moodle/moodle.csv", clone / "moodle-worksheet.csv")
    assert {k: g for k, (g, _) in moodle.items()} == {
        "Participant 7001": str(points - 3),
        "Participant 7002": str(points),
        "Participant 7003": "",
    }
    book = {r["student_id"]: r for r in rows(clone / "grades/04-canvas/gradebook.csv")}
    assert book["202"]["late"] == "yes"
