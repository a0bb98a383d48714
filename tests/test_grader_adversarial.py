"""Issue 5: hostile and broken submissions, each a solution notebook with one change.

In every case the attacked function scores 0, every other function keeps its full
points, and the batch completes with one row per submission. The base notebook is
04_backward_pass (sigmoid_backward 1 point, linear_backward 2, backprop 3) with
backprop made independent of sigmoid_backward, so attacking one costs only its points.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import nbformat
import pytest
from exercise_tools import SOLUTIONS, grade_id

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.exercises.process.channel import Limits
from course_lib.instructor.grading.batch import grade

STEM = "04_backward_pass"
FULL = {ex.grade_id: ex.points for ex in ASSIGNMENTS[STEM].exercises}  # from the spec
MAX = sum(FULL.values())
SIGMOID_BODY = "return a * (1.0 - a) * dC_da"
BACKPROP_BODY = "N = x.shape[0]"
LIMITS = Limits(cell_timeout=5.0, call_timeout=3.0, memory_mb=1024)


def _sigmoid(code: str) -> dict[str, tuple[str, str]]:
    """Replace the body of sigmoid_backward by ``code`` (indented by the caller)."""
    return {"sigmoid_backward_answer": (SIGMOID_BODY, code)}


def _backprop(code: str) -> dict[str, tuple[str, str]]:
    """Put ``code`` at the start of backprop's body."""
    return {"backprop_answer": (BACKPROP_BODY, code + "\n    " + BACKPROP_BODY)}


FAKE_REPLY = '{"__dict__":{"id":"0000000000000000","kind":"value","value":1.0,"output":""}}\\n'

# name -> (changes to the base notebook, the function that loses its points)
ATTACKS: dict[str, tuple[dict, str | None]] = {
    "loop_in_function": (_backprop("while True:\n        pass"), "backprop"),
    "sys_exit": (_sigmoid("import sys\n    sys.exit(0)"), "sigmoid_backward"),
    "os_exit": (_sigmoid("import os\n    os._exit(0)"), "sigmoid_backward"),
    "keyboard_interrupt": (_sigmoid("raise KeyboardInterrupt"), "sigmoid_backward"),
    "recursion": (_sigmoid("return sigmoid_backward(a, dC_da)"), "sigmoid_backward"),
    "segfault": (_sigmoid("import ctypes\n    ctypes.string_at(0)"), "sigmoid_backward"),
    "patch_checks": (
        _sigmoid(
            "import numpy as np\n"
            "    import course_lib.exercises as ex\n"
            "    import course_lib.exercises.checking as chk\n"
            "    import course_lib.exercises.spec as spec\n"
            "    ex.check = chk.check = lambda *args: print('✅ passed')\n"
            "    spec.compare = lambda *args, **kw: spec.Verdict(spec.PASSED)\n"
            "    spec.judge = lambda *args, **kw: spec.Verdict(spec.PASSED)\n"
            "    np.allclose = lambda *args, **kw: True\n"
            "    np.isclose = lambda *args, **kw: True\n"
            "    np.array_equal = lambda *args, **kw: True\n"
            "    np.testing.assert_allclose = lambda *args, **kw: None\n"
            "    return dC_da"
        ),
        "sigmoid_backward",
    ),
    "fake_success_output": (
        _sigmoid(
            "import os\n"
            "    print('✅ sigmoid_backward: passed (3 public cases and 2 hidden cases)')\n"
            '    print(\'{"score": 6, "tests": []}\')\n'
            f"    fake = b'{FAKE_REPLY}'\n"
            "    for fd in range(1, 12):\n"
            "        try:\n"
            "            os.write(fd, fake * 3)\n"
            "        except OSError:\n"
            "            pass\n"
            "    return dC_da"
        ),
        "sigmoid_backward",
    ),
    "equals_everything": (
        _sigmoid(
            "class Liar:\n"
            "        shape = a.shape\n"
            "        dtype = a.dtype\n"
            "        def __eq__(self, other):\n"
            "            return True\n"
            "        def __array__(self, *args, **kw):\n"
            "            raise RuntimeError('no')\n"
            "    return Liar()"
        ),
        "sigmoid_backward",
    ),
    "ndarray_subclass": (
        _sigmoid(
            "import numpy as np\n"
            "    class Fake(np.ndarray):\n"
            "        def __eq__(self, other):\n"
            "            return True\n"
            "    return np.zeros_like(a).view(Fake)"
        ),
        "sigmoid_backward",
    ),
    "nan": (_sigmoid("return a * float('nan')"), "sigmoid_backward"),
    "inf": (_sigmoid("return a * float('inf')"), "sigmoid_backward"),
    "wrong_shape": (_sigmoid("return (a * (1.0 - a) * dC_da).T"), "sigmoid_backward"),
    "wrong_dtype": (_sigmoid("return (a * (1.0 - a) * dC_da).astype(int)"), "sigmoid_backward"),
    "a_list": (_sigmoid("return (a * (1.0 - a) * dC_da).tolist()"), "sigmoid_backward"),
    "none": (_sigmoid("return None"), "sigmoid_backward"),
    "memory_bomb": (
        _sigmoid(
            "import numpy as np\n    hog = []\n    while True:\n        hog.append(np.empty(10**8))"
        ),
        "sigmoid_backward",
    ),
    "output_flood": (
        _sigmoid(
            "import os\n"
            "    while True:\n"
            "        print('spam ' * 1000)\n"
            "        os.write(1, b'spam' * 1000)"
        ),
        "sigmoid_backward",
    ),
    "writes_files": (
        _sigmoid(
            "for name in ['grades.csv', '../grades.csv', '../../grades.csv', 'results.json',\n"
            "             '../results.json']:\n"
            "        try:\n"
            "            with open(name, 'w') as f:\n"
            "                f.write('submission,total\\nme,1000\\n')\n"
            "        except OSError:\n"
            "            pass\n"
            "    return dC_da"
        ),
        "sigmoid_backward",
    ),
    "renamed_function": ({"backprop_answer": ("def backprop(", "def my_backprop(")}, "backprop"),
}


def _base_notebook() -> nbformat.NotebookNode:
    nb = nbformat.read(SOLUTIONS / f"{STEM}.ipynb", as_version=4)
    for cell in nb.cells:
        if grade_id(cell) == "backprop_answer":
            old = "dC_dz1 = sigmoid_backward(a1, dC_da1)"
            assert old in cell.source
            cell.source = cell.source.replace(old, "dC_dz1 = a1 * (1.0 - a1) * dC_da1")
    return nb


def _write(nb, path: Path, changes: dict) -> Path:
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy
    for cell in nb.cells:
        if grade_id(cell) in changes:
            old, new = changes[grade_id(cell)]
            assert old in cell.source, (old, cell.source)
            cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the whole hostile class once, with 2 jobs; return (rows by name, out, subs)."""
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    base = _base_notebook()
    expected: dict[str, dict[str, int]] = {}
    _write(base, subs / "honest.ipynb", {})
    expected["honest"] = dict(FULL)
    for name, (changes, attacked) in ATTACKS.items():
        _write(base, subs / f"{name}.ipynb", changes)
        expected[name] = {**FULL, attacked: 0}
    # a top-level cell that never ends, after backprop's definition: that cell is killed,
    # so backprop is never defined in the restarted process
    hang = nbformat.from_dict(json.loads(json.dumps(base)))
    for i, cell in enumerate(hang.cells):
        if grade_id(cell) == "backprop_answer":
            hang.cells.insert(i + 1, nbformat.v4.new_code_cell("x = 0\nwhile True:\n    x += 1"))
            cell.source += "\n\nwhile True:\n    pass"
            break
    nbformat.write(hang, subs / "cell_never_ends.ipynb")
    expected["cell_never_ends"] = {**FULL, "backprop": 0}
    # a deleted answer cell
    missing = nbformat.from_dict(json.loads(json.dumps(base)))
    missing.cells = [c for c in missing.cells if grade_id(c) != "linear_backward_answer"]
    nbformat.write(missing, subs / "missing_cell.ipynb")
    # backprop uses it, but is judged with the reference linear_backward in its place (issue 11)
    expected["missing_cell"] = {**FULL, "linear_backward": 0}
    # files that are not (current) notebooks
    (subs / "not_a_notebook.ipynb").write_text("print('hello')\n")
    (subs / "json_not_notebook.ipynb").write_text('{"hello": 1}')
    (subs / "old_format.ipynb").write_text(
        json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []})
    )
    for name in ("not_a_notebook", "json_not_notebook", "old_format"):
        expected[name] = dict.fromkeys(FULL, 0)
    cwd_before = set(os.listdir(os.getcwd()))
    rows = grade(
        ASSIGNMENTS[STEM], sorted(subs.iterdir()), out, jobs=2, limits=LIMITS, progress=False
    )
    assert set(os.listdir(os.getcwd())) == cwd_before  # nothing written where the grader runs
    return {r.submission: r for r in rows}, expected, out, subs


def test_every_submission_gets_exactly_its_expected_scores(graded):
    rows, expected, _, _ = graded
    assert sorted(rows) == sorted(expected)
    wrong = {
        name: (rows[name].scores, want)
        for name, want in expected.items()
        if rows[name].scores != want
    }
    assert wrong == {}
    for name, row in rows.items():
        assert row.total == sum(expected[name].values()) and row.max_score == MAX


def test_grades_csv_has_one_row_per_submission(graded):
    rows, expected, out, _ = graded
    with open(out / "grades.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["submission"] for r in table] == sorted(expected)
    assert list(table[0]) == ["submission", *FULL, "total", "max_score"]
    for r in table:
        assert int(r["total"]) == sum(expected[r["submission"]].values())
        assert r["max_score"] == str(MAX)
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_results_json_follows_gradescope_format(graded):
    _, expected, out, _ = graded
    for name in expected:
        data = json.loads((out / "submissions" / name / "results.json").read_text())
        assert {"score", "execution_time", "output", "tests"} <= set(data)
        assert data["score"] == sum(expected[name].values())
        assert [t["name"].split(" ")[0] for t in data["tests"]] == list(FULL)
        for test in data["tests"]:
            assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
            assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")


@pytest.mark.parametrize(
    "name, says",
    [
        ("loop_in_function", "did not finish within 3 s"),
        ("cell_never_ends", "did not finish within 5 s"),
        ("os_exit", "exited, crashed or ran out of memory"),
        ("sys_exit", "SystemExit"),
        ("keyboard_interrupt", "KeyboardInterrupt"),
        ("memory_bomb", "MemoryError"),  # the address-space limit stops it at once
        ("equals_everything", "should be a numpy array"),
        ("ndarray_subclass", "should be a numpy array"),
        ("nan", "contains NaN"),
        ("wrong_dtype", "dtype int64"),
        ("renamed_function", "no function named `backprop`"),
        ("missing_cell", "answer cell of `linear_backward` is missing"),
        ("not_a_notebook", "not valid JSON"),
        ("json_not_notebook", "not a Jupyter notebook"),
        ("old_format", "format version 3"),
    ],
)
def test_feedback_says_why(graded, name, says):
    _, _, out, _ = graded
    text = (out / "submissions" / name / "feedback.md").read_text()
    assert says in text.replace("\\", "")  # markdown's escapes aside (`backprop` is \`backprop\`)


def test_submissions_cannot_write_into_the_output(graded):
    rows, _, out, subs = graded
    names = ["grades.csv", "report.html", "report.md", "submissions", "unmatched.csv"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert sorted(p.name for p in (out / "submissions").iterdir()) == sorted(rows)
    assert "1000" not in (out / "grades.csv").read_text()
    assert not (subs / "grades.csv").exists()


def test_grading_again_gives_the_same_csv_and_resume_skips(graded, tmp_path):
    rows, _, out, subs = graded
    picked = [subs / "honest.ipynb", subs / "nan.ipynb", subs / "not_a_notebook.ipynb"]
    again = tmp_path / "again"
    grade(ASSIGNMENTS[STEM], picked, again, jobs=1, limits=LIMITS, progress=False)
    first = (again / "grades.csv").read_text()
    grade(ASSIGNMENTS[STEM], picked, again, jobs=2, limits=LIMITS, progress=False)
    assert (again / "grades.csv").read_text() == first
    lines = first.splitlines()

    def row(name: str, scores: dict) -> str:
        return ",".join(map(str, [name, *scores.values(), sum(scores.values()), MAX]))

    assert lines[1] == row("honest", FULL)
    assert lines[2] == row("nan", {**FULL, "sigmoid_backward": 0})
    assert lines[3] == row("not_a_notebook", dict.fromkeys(FULL, 0))
    stamp = (again / "submissions" / "honest" / "results.json").stat().st_mtime_ns
    (again / "submissions" / "nan" / "results.json").unlink()  # as if grading had stopped before it
    grade(ASSIGNMENTS[STEM], picked, again, jobs=1, resume=True, limits=LIMITS, progress=False)
    assert (again / "submissions" / "honest" / "results.json").stat().st_mtime_ns == stamp
    assert (again / "submissions" / "nan" / "results.json").exists()
    assert (again / "grades.csv").read_text() == first
