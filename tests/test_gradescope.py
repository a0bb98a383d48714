"""The Gradescope autograder: the zip ``course-lib gradescope build`` writes, and its real
``run_autograder`` run on a simulated ``/autograder`` (source/ unzipped from the zip,
submission/, results/, and venv/ a link to this test's own Python environment).

Uploads are made from 04_backward_pass (sigmoid_backward 1 point, linear_backward 2,
backprop 3): the solution (full marks), the exercise notebook (nothing answered, 0),
hostile and misplaced variants.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from exercise_tools import EXERCISES, SOLUTIONS, STEMS, solution_with

from course_lib.cli import main
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.build import solution_lines
from course_lib.instructor.gradescope import ROOT_ENV, build_bundle

STEM = "04_backward_pass"
ASSIGNMENT = ASSIGNMENTS[STEM]
POINTS = {ex.grade_id: ex.points for ex in ASSIGNMENT.exercises}  # from the spec
SOLUTION = SOLUTIONS / f"{STEM}.ipynb"
EXERCISE = EXERCISES / f"{STEM}.ipynb"
SCRIPTS = ("setup.sh", "run_autograder")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / f"autograder_{STEM}.zip"
    build_bundle(ASSIGNMENT, out, secret=SECRET)
    return out


SECRET = "the instructor's gradescope secret"


def test_the_secret_travels_beside_the_package_never_inside_it(bundle):
    """The sandbox shows the installed package, never /autograder/source: the secret that
    draws the hidden cases stays out of the learner's reach."""
    with zipfile.ZipFile(bundle) as z:
        assert z.read("secret.txt").decode().strip() == SECRET
        inside = [n for n in z.namelist() if n.startswith("course/")]
        assert inside and not any(SECRET.encode() in z.read(n) for n in inside)


def unzip(bundle: Path, dest: Path) -> None:
    """Extract like unzip(1) does on Gradescope: with the modes stored in the zip."""
    with zipfile.ZipFile(bundle) as z:
        for info in z.infolist():
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)


def autograder(tmp_path: Path, bundle: Path, upload: dict[str, bytes | Path]) -> Path:
    """A simulated /autograder with ``upload`` in submission/ (bytes: a file; a Path: a
    symbolic link to it)."""
    root = tmp_path / "autograder"
    unzip(bundle, root / "source")
    (root / "results").mkdir()
    (root / "venv").symlink_to(sys.prefix)
    submission = root / "submission"
    submission.mkdir()
    for name, content in upload.items():
        path = submission / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            path.symlink_to(content)
        else:
            path.write_bytes(content)
    return root


def run_autograder(root: Path, **env: str) -> dict:
    """Run the bundle's real run_autograder, as Gradescope does (from /autograder)."""
    done = subprocess.run(
        [str(root / "source" / "run_autograder")],
        env={**os.environ, ROOT_ENV: str(root), **env},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def fingerprint(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: file contents by hash, links by target."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "folder"
    return found


def exercise_with_cell(path: Path, source: str) -> bytes:
    """The exercise notebook (nothing answered) with a code cell added after the imports."""
    nb = nbformat.read(EXERCISE, as_version=4)
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "added-cell"
    nb.cells.insert(1 + next(i for i, c in enumerate(nb.cells) if c.cell_type == "code"), cell)
    nbformat.write(nb, path)
    return path.read_bytes()


def entries_by_name(results: dict) -> dict[str, dict]:
    return {t["name"]: t for t in results["tests"]}


# ----- the zip -----


def test_bundle_holds_the_scripts_and_the_package_and_nothing_of_the_answers(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as z:
        infos = {i.filename: i for i in z.infolist()}
        texts = {n: z.read(n).decode("utf-8", "replace") for n in infos}
    names = set(infos)
    for must in (
        *SCRIPTS,
        "autograder.json",
        "course/pyproject.toml",
        "course/README.md",
        "course/LICENSE",
        "course/course_lib/__init__.py",
        "course/course_lib/instructor/gradescope.py",
        "course/course_lib/data/usps.npz",
    ):
        assert must in names
    for name in SCRIPTS:
        mode = infos[name].external_attr >> 16
        assert mode & 0o111 == 0o111 and mode & 0o170000 == 0o100000, (name, oct(mode))
    top = (*SCRIPTS, "autograder.json", "secret.txt")
    assert all(n in top or n.startswith("course/") for n in names)
    for name in names:
        parts = name.split("/")
        assert not {"solutions", "tests", "notebooks", "__pycache__"} & set(parts), name
        assert parts[:2] != ["course", "exercises"] and parts[0] != "exercises", name
        assert not name.endswith((".ipynb", ".pyc")), name
    assert json.loads(texts["autograder.json"])["assignment"] == STEM
    assert f"--assignment {STEM}" in texts["run_autograder"]

    def squeeze(text: str) -> str:
        return "\n".join(line.strip() for line in text.split("\n") if line.strip())

    packed = [squeeze(t) for t in texts.values()]
    blocks = 0
    for stem in STEMS:
        for cell in nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4).cells:
            block = squeeze("\n".join(solution_lines(cell.source)))
            if block:
                blocks += 1
                assert not any(block in text for text in packed), (stem, block)
    assert blocks >= 15

    for name in SCRIPTS:  # valid bash
        path = tmp_path / name
        path.write_text(texts[name])
        done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_the_command_builds_the_same_zip(bundle, tmp_path, capsys):
    out = tmp_path / "a.zip"
    (tmp_path / "secret").write_text(SECRET + "\n")
    assert (
        main(
            [
                "gradescope",
                "build",
                "--assignment",
                STEM,
                "--out",
                str(out),
                "--secret-file",
                str(tmp_path / "secret"),
            ]
        )
        == 0
    )
    assert out.read_bytes() == bundle.read_bytes()
    assert main(["gradescope", "build", "--assignment", "nope", "--out", str(out)]) == 2
    assert "unknown assignment 'nope'" in capsys.readouterr().err


# ----- grading a submission -----


@pytest.fixture(scope="module")
def solution_graded(bundle, tmp_path_factory) -> tuple[dict, Path, dict]:
    """The solution notebook uploaded under a learner's own file name."""
    root = autograder(
        tmp_path_factory.mktemp("solution"), bundle, {"my notebook.ipynb": SOLUTION.read_bytes()}
    )
    before = fingerprint(root / "submission")
    return run_autograder(root), root, before


def test_a_correct_solution_gets_full_marks(solution_graded):
    results, root, before = solution_graded
    assert results["score"] == ASSIGNMENT.max_score
    assert "my notebook.ipynb" in results["output"]
    assert all(t["status"] == "passed" for t in results["tests"])
    assert fingerprint(root / "submission") == before  # the upload is only read


def test_hidden_results_wait_for_publication_and_the_points_add_up(solution_graded):
    results, _, _ = solution_graded
    assert results["output_format"] == "text" and results["visibility"] == "visible"
    tests = entries_by_name(results)
    assert set(tests) == {f"{f}: {side} cases" for f in POINTS for side in ("public", "hidden")}
    for function, points in POINTS.items():
        public, hidden = tests[f"{function}: public cases"], tests[f"{function}: hidden cases"]
        assert (public["visibility"], public["max_score"], public["score"]) == ("visible", 0, 0)
        assert (hidden["visibility"], hidden["max_score"]) == ("after_published", points)
        assert hidden["score"] == points
    assert all(t["output_format"] == "text" for t in results["tests"])
    assert sum(t["max_score"] for t in results["tests"]) == ASSIGNMENT.max_score
    assert sum(t["score"] for t in results["tests"]) == results["score"]


def test_the_notebook_is_found_among_other_files(bundle, tmp_path):
    """A notebook (sigmoid_backward wrong on a hidden case only), an identical copy,
    unrelated files, another assignment's notebook, a different notebook of this
    assignment in .ipynb_checkpoints and one behind a symbolic link (both ignored)."""
    hidden_only = solution_with(
        STEM,
        tmp_path / "hidden_only.ipynb",
        {
            "sigmoid_backward_answer": (
                "return a * (1.0 - a) * dC_da",
                "if np.any(a < 1e-6):  # wrong on saturated units only\n"
                "        return dC_da\n"
                "    return a * (1.0 - a) * dC_da",
            ),
        },
    ).read_bytes()
    root = autograder(
        tmp_path,
        bundle,
        {
            "notes.txt": b"my notes",
            "data/weights.csv": b"1,2,3\n",
            "work/04_backward_pass.ipynb": hidden_only,
            "work/copy of 04_backward_pass.ipynb": hidden_only,
            "work/.ipynb_checkpoints/04_backward_pass-checkpoint.ipynb": EXERCISE.read_bytes(),
            "03_forward_pass.ipynb": (EXERCISES / "03_forward_pass.ipynb").read_bytes(),
            "linked.ipynb": SOLUTION,
        },
    )
    results = run_autograder(root)
    assert results["score"] == ASSIGNMENT.max_score - POINTS["sigmoid_backward"], results["output"]
    assert "work/" in results["output"]
    tests = entries_by_name(results)
    public = tests["sigmoid_backward: public cases"]
    hidden = tests["sigmoid_backward: hidden cases"]
    assert public["status"] == "passed" and public["visibility"] == "visible"
    assert "saturated" not in public["output"]
    assert hidden["status"] == "failed" and hidden["score"] == 0
    assert hidden["visibility"] == "after_published" and "saturated" in hidden["output"]
    assert tests["backprop: hidden cases"]["score"] == 3


def test_a_hostile_notebook_cannot_write_the_results_or_touch_the_upload(bundle, tmp_path):
    root = tmp_path / "autograder"
    forged = json.dumps({"score": 6, "output": "forged", "tests": []})
    code = (
        "import pathlib\n"
        f"results = pathlib.Path({str(root / 'results')!r})\n"
        "for name, text in (('results.json', " + repr(forged) + "), ('forged', 'x')):\n"
        "    try:\n"
        "        (results / name).write_text(text)\n"
        "    except OSError:\n"
        "        pass\n"
        f"for path in pathlib.Path({str(root / 'submission')!r}).rglob('*'):\n"
        "    try:\n"
        "        path.write_text('overwritten')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    hostile = exercise_with_cell(tmp_path / "hostile.ipynb", code)
    root = autograder(tmp_path, bundle, {f"{STEM}.ipynb": hostile})
    (root / "results" / "results.json").write_text(forged)  # left there beforehand, too
    before = fingerprint(root / "submission")
    results = run_autograder(root)
    assert results["score"] == 0 and "forged" not in results["output"]
    assert len(results["tests"]) == 2 * len(POINTS)
    assert sorted(p.name for p in (root / "results").iterdir()) == ["results.json"]
    assert fingerprint(root / "submission") == before


def test_two_different_notebooks_are_not_graded(bundle, tmp_path):
    root = autograder(
        tmp_path,
        bundle,
        {
            "first.ipynb": SOLUTION.read_bytes(),
            "later/second.ipynb": EXERCISE.read_bytes(),
        },
    )
    results = run_autograder(root)
    assert results["score"] == 0 and results["tests"] == []
    assert "first.ipynb" in results["output"] and "later/second.ipynb" in results["output"]
    assert "only the one notebook" in results["output"]


@pytest.mark.parametrize("empty", [True, False])
def test_no_notebook_of_the_assignment_says_what_was_uploaded(bundle, tmp_path, empty):
    upload = (
        {}
        if empty
        else {
            "answers.py": b"def sigmoid_backward(a, dC_da):\n    return a * (1 - a) * dC_da\n",
            "03_forward_pass.ipynb": (EXERCISES / "03_forward_pass.ipynb").read_bytes(),
        }
    )
    results = run_autograder(autograder(tmp_path, bundle, upload))
    assert results["score"] == 0 and results["tests"] == []
    assert f"no notebook of {ASSIGNMENT.title} ({STEM})" in results["output"]
    if empty:
        assert "Your submission is empty" in results["output"]
    else:
        assert "answers.py" in results["output"]
        assert "03_forward_pass.ipynb (the notebook of 03_forward_pass)" in results["output"]


def test_without_a_sandbox_no_learner_code_runs(bundle, tmp_path):
    ran = tmp_path / "learner-code-ran"
    code = f"open({str(ran)!r}, 'w').write('it ran')"
    notebook = exercise_with_cell(tmp_path / "upload.ipynb", code)
    root = autograder(tmp_path, bundle, {f"{STEM}.ipynb": notebook})
    results = run_autograder(root, COURSE_LIB_BWRAP="/nonexistent/bwrap")
    assert results["score"] == 0 and results["tests"] == []
    assert "Grading could not run" in results["output"]
    assert "instructor must fix the autograder" in results["output"]
    assert "bwrap" in results["output"]  # the cause
    assert not ran.exists()
