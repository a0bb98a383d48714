"""The README and the guides cannot drift from the course: their tables of points and times
are checked against the solution notebooks and the notebooks' own openings, and every
command they give is either run by a named test or marked as illustrative.

A command is a line of a fenced code block that starts with a program (``make``,
``course-lib``, ``python3``, ...). A block preceded by ``<!-- illustrative -->`` holds
commands to adapt (URLs, a machine's paths) and is not checked. For the others,
:data:`RUN_BY` names the test that runs each one; this file checks that the test exists and
that its source holds the command's subcommand and every option it uses.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from test_guide_lms import COMMANDS as GUIDE_COMMANDS

from course_lib.exercises.assignments import ASSIGNMENTS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROGRAMS = ("make", "course-lib", ".venv/bin/", "python", "pip", "jupyter", "nbgrader", "git")
ILLUSTRATIVE = "<!-- illustrative -->"

# command (as in the docs, comments and line breaks removed) -> "test file::test function";
# a table, so the formatter keeps its layout (fmt: skip)
RUN_BY = {
    "make lab": "test_setup_commands.py::test_make_lab_opens_jupyterlab_on_the_welcome_notebook",
    "make test":
        "test_setup_commands.py::test_readme_gives_make_lab_and_make_test_and_ci_runs_make_test",
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/course-lib lab":
        "test_setup_commands.py::test_plain_pip_commands_match_the_makefile",
    'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && .venv/bin/python -m pytest':
        "test_setup_commands.py::test_plain_pip_commands_match_the_makefile",
    "course-lib build": "test_exercises_build.py::test_build_check_names_stale_and_missing_files",
    "course-lib build --check":
        "test_exercises_build.py::test_build_check_names_stale_and_missing_files",
    "course-lib check exercises/04_backward_pass.ipynb":
        "test_exercises_check.py::test_course_lib_check_exit_codes",
    "course-lib grade --assignment 04_backward_pass --out grades/04 submissions/04/":
        "test_grader_cli.py::test_grade_writes_csv_results_and_feedback_and_describes_hidden_cases",
    "course-lib grade --assignment 04_backward_pass --out grades/04 --secret-file "
    "~/course-secret.txt submissions/04/":
        "exercise_tools.py::grade_class",
    "course-lib grade --validate --assignment 04_backward_pass --secret-file ~/course-secret.txt":
        "test_gradebook.py::test_nothing_is_graded_when_the_solution_does_not_get_full_marks",
    "course-lib gradescope build --assignment 04_backward_pass --out autograder_04.zip":
        "test_gradescope.py::test_the_command_builds_the_same_zip",
    "course-lib gradescope build --assignment 04_backward_pass --out autograder_04.zip "
    "--secret-file ~/course-secret.txt": "test_gradescope.py::test_the_command_builds_the_same_zip",
    "course-lib release --out ../backprop-learners":
        "test_release.py::test_the_command_refuses_a_non_empty_folder_unless_forced",
    "nbgrader generate_assignment 04_backward_pass":
        "test_nbgrader.py::test_nbgrader_gives_the_points_of_course_lib_grade",
    "nbgrader autograde 04_backward_pass":
        "test_nbgrader.py::test_nbgrader_gives_the_points_of_course_lib_grade",
}  # fmt: skip
# the guide's route from an LMS to its gradebook, run word for word by one test
RUN_BY |= dict.fromkeys(
    GUIDE_COMMANDS,
    "test_guide_lms.py::test_the_guides_lms_route_ends_with_files_canvas_and_moodle_import",
)


def commands(path: Path) -> list[str]:
    """The commands of the fenced code blocks of ``path`` not marked illustrative."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M):
        before = text[: match.start()].rstrip().splitlines()
        if before and before[-1].strip() == ILLUSTRATIVE:
            continue
        body = match.group(1).replace("\\\n", " ")
        for line in body.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line.startswith(PROGRAMS):
                found.append(" ".join(line.split()))
    return found


def test_every_command_in_the_docs_is_run_by_a_named_test():
    unknown = [(p.name, c) for p in DOCS for c in commands(p) if c not in RUN_BY]
    assert unknown == [], "add these to RUN_BY (with the test that runs them) or mark illustrative"


def verbatim(tree: ast.Module) -> list[str]:
    """A test module's COMMANDS: the commands it runs word for word, as the docs print them."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "COMMANDS" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    return []


@pytest.mark.parametrize("command", sorted(RUN_BY))
def test_the_named_test_runs_the_command(command):
    file, name = RUN_BY[command].split("::")
    tree = ast.parse((ROOT / "tests" / file).read_text(encoding="utf-8"))
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert name in functions, f"{file} has no function {name}"
    source = ast.get_source_segment((ROOT / "tests" / file).read_text(), functions[name])
    if command in verbatim(tree) and "COMMANDS" in source:
        return  # the test runs the command as the docs print it
    words = command.split()
    if words[0] == "course-lib":
        subcommand = words[1:3] if words[1] == "gradescope" else words[1:2]
        for word in subcommand:  # in an argument list, or the command's function called
            assert f'"{word}"' in source or f"{word}_command(" in source, f"{file}::{name}"
        for option in [w for w in words if w.startswith("--")]:
            assert f'"{option}"' in source, f"{file}::{name} does not pass {option}"


# ----- points and times -----


def points_tables(path: Path) -> dict[str, list[tuple[str, int]]]:
    """Rows like | `04_backward_pass` | `sigmoid_backward` (1), `backprop` (3) |."""
    tables = {}
    for stem, cell in re.findall(
        r"^\| `(\d\d_\w+)` \| (`\w+` \(\d+\)(?:, `\w+` \(\d+\))*) \|",
        path.read_text(encoding="utf-8"),
        re.M,
    ):
        tables[stem] = [(f, int(p)) for f, p in re.findall(r"`(\w+)` \((\d+)\)", cell)]
    return tables


@pytest.mark.parametrize("doc", ["grading.md", "instructor-guide.md"])
def test_points_tables_match_the_solution_notebooks(doc):
    expected = {
        stem: [(ex.grade_id, ex.points) for ex in a.exercises] for stem, a in ASSIGNMENTS.items()
    }
    assert points_tables(ROOT / "docs" / doc) == expected


def minutes(path: Path) -> int:
    opening = nbformat.read(path, as_version=4).cells[0].source
    return int(re.findall(r"(\d+)\s*minutes", opening)[0])


def hours_and_minutes(text: str) -> int:
    h, m = re.fullmatch(r"(\d+) h (\d+) min", text).groups()
    return int(h) * 60 + int(m)


def test_the_guides_times_are_the_notebooks_times():
    guide = (ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    lectures = sorted((ROOT / "notebooks").glob("*.ipynb"))
    exercises = sorted((ROOT / "exercises").glob("*.ipynb"))
    for folder in (lectures, exercises):
        for path in folder:
            row = re.search(rf"^\| `{path.stem}` \|.*\| (\d+) min \|", guide, re.M)
            assert row, f"the instructor guide has no row for {path.stem}"
    rows = re.findall(r"^\| `(\w+)` \|.*\| (\d+) min \|", guide, re.M)
    stated = {}
    for stem, m in rows:
        stated.setdefault(stem, []).append(int(m))
    for path in lectures:
        assert stated[path.stem][0] == minutes(path), path
    for path in exercises:
        assert stated[path.stem][-1] == minutes(path), path
    total_lectures = sum(map(minutes, lectures))
    total_exercises = sum(map(minutes, exercises))
    said = re.search(
        r"lecture\s+notebooks add up to about (\d+ h \d+ min).*?exercise\s+"
        r"notebooks to about (\d+ h \d+ min)",
        guide,
        re.S,
    )
    assert said, "the guide should state both totals"
    assert hours_and_minutes(said.group(1)) == total_lectures
    assert hours_and_minutes(said.group(2)) == total_exercises
    in_all = re.search(r"about ([\d.]+) hours\s+in all", guide)
    assert in_all and float(in_all.group(1)) == round((total_lectures + total_exercises) / 30) / 2


def test_the_welcome_notebook_states_the_lectures_total():
    words = {"three": 3, "four": 4, "five": 5, "six": 6}
    welcome = "\n".join(
        c.source for c in nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4).cells
    )
    said = re.search(r"about (\w+)( and a half)? hours in total", welcome)
    assert said, "00_welcome should say how long the lectures take in total"
    total = sum(map(minutes, (ROOT / "notebooks").glob("*.ipynb")))
    hours = words[said.group(1)] + (0.5 if said.group(2) else 0)
    assert abs(hours - total / 60) <= 0.25, (hours, total)


# ----- headings, and the recipe "change the points of an exercise" -----

HEADING = re.compile(r"^## Exercise (\d+\.\d+): .*\((\d+) points?\)\s*$", re.M)


def heading_problems(path: Path) -> list[str]:
    """Each graded check cell's points against the "## Exercise N.M: ... (P points)" heading
    that opens its exercise (the last such heading above it)."""
    problems, said = [], None
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and HEADING.search(cell.source):
            said = HEADING.search(cell.source)
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            if said is None or int(said.group(2)) != meta["points"]:
                heading = said.group(0) if said else "no heading"
                problems.append(
                    f"{path.name} {meta['grade_id']}: {meta['points']} points, but {heading!r}"
                )
    return problems


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_exercise_headings_state_the_points_of_their_check_cell(folder):
    problems = [p for nb in sorted((ROOT / folder).glob("*.ipynb")) for p in heading_problems(nb)]
    assert problems == []


def test_the_recipe_for_new_points_is_caught_at_every_step_forgotten(tmp_path):
    """The guide's recipe, section 4, on a copy: change a check cell's points and its heading
    in the solution notebook, rebuild; the exercise and the catalog follow, a heading left
    behind or a docs table left behind is caught by the tests above."""
    import json

    from course_lib.instructor.build import build

    stem, gid = "03_forward_pass", "layer_forward"
    (tmp_path / "solutions").mkdir()
    nb = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    old = next(ex.points for ex in ASSIGNMENTS[stem].exercises if ex.grade_id == gid)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == gid and cell.cell_type == "code":
            if not cell.metadata["nbgrader"]["solution"]:
                cell.metadata["nbgrader"]["points"] = old + 1  # step 1: the check cell
    path = tmp_path / "solutions" / f"{stem}.ipynb"
    nbformat.write(nb, path)
    assert any(gid in p for p in heading_problems(path))  # forgotten heading: caught
    text = path.read_text().replace(f"({old} points)", f"({old + 1} points)", 1)  # the heading
    path.write_text(text)
    assert heading_problems(path) == []
    build(tmp_path / "solutions", tmp_path / "exercises", catalog=tmp_path / "catalog.json")
    catalog = json.loads((tmp_path / "catalog.json").read_text())  # step 2: course-lib build
    assert [gid, old + 1] in catalog[stem]["exercises"]
    assert heading_problems(tmp_path / "exercises" / f"{stem}.ipynb") == []
    tables = points_tables(ROOT / "docs" / "grading.md")  # step 3: the docs tables
    assert dict(tables[stem])[gid] == old != old + 1  # left behind: the table test fails


# ----- the guide's common mistakes are the checks' catalogue -----


def known_mistakes() -> dict[tuple[str, str], str]:
    """(grade id, mistake name) -> the remark the check shows, for every named mistake."""
    from course_lib.exercises.assignments.digit_classification import CLASSIFIER_REMARKS
    from course_lib.instructor.key import ANSWERS

    found = {}
    for a in ASSIGNMENTS.values():
        for ex in a.exercises:
            for m in (*ANSWERS[ex.grade_id].mistakes, *ex.errors):
                if m.name:
                    found.setdefault((ex.grade_id, m.name), m.message)
    for name, message in CLASSIFIER_REMARKS.items():
        found[("train_classifier", name)] = message
    return found


def test_the_guides_common_mistakes_are_the_checks_catalogue():
    """Section 5 of the instructor guide has one row per named mistake, and every remark it
    quotes is what the check says."""
    guide = (ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    section = guide.split("## 5. Common mistakes", 1)[1].split("\n## 6.", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| (.*) \| (.*) \|$", section, re.M)
    listed = {(gid, name): said for gid, name, said, _ in rows}
    catalogue = known_mistakes()
    assert sorted(set(catalogue) - set(listed)) == [], "named mistakes missing from the guide"
    assert sorted(set(listed) - set(catalogue)) == [], "rows of the guide that no check knows"
    for key, said in listed.items():
        quoted = re.findall(r"\"([^\"]+)\"", said)
        assert quoted, f"{key}: quote the remark the learner sees"
        for q in quoted:
            assert q.replace("\\|", "|") in catalogue[key], (key, q)
