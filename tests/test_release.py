"""The learner edition (`course-lib release`): none of the answer key, and it works.

The edition is built into a temporary folder and installed, as a wheel, into a fresh
virtual environment that holds nothing else. Installing its runtime dependencies
(jupyterlab, matplotlib, ...) from the index would take minutes, so the fresh environment
borrows them from this one instead: a ``.pth`` file in its site-packages names a folder of
symbolic links to every top-level entry of this environment's site-packages *except*
``course_lib*`` and ``__editable__*``. This environment has course_lib installed in
editable mode (a finder that maps ``course_lib`` to the repository, solutions and hidden
cases included); pointing the ``.pth`` at site-packages wholesale would let that copy
answer ``import course_lib``, or fill in a module the edition lacks. So every import of
``course_lib`` below must come from the wheel, and the tests assert it does. Subprocesses
run from an empty folder, so ``python -m`` cannot pick up a ``course_lib/`` from the
current folder either.

The wheel is built with this environment's pip. Without build isolation when this
environment can build wheels by itself (setuptools >= 70.1); otherwise (setuptools 65 of
Python 3.11's ensurepip has no ``bdist_wheel``, Python 3.12's venv has no setuptools) with
build isolation, which takes the project's build requirement from pip's cache.
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from exercise_tools import exercise_with_answers
from packaging.version import Version

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.cli import release_arguments as add_arguments
from course_lib.instructor.release import INSTRUCTOR_ONLY, build_release, release_command

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
STEM = "01_gradient_descent"  # the exercise checked in the fresh environment (a few seconds)
LECTURE = "02_chain_rule"  # the lecture run there (two seconds; autodiff, plots, graphs)
INSTRUCTOR_MODULES = tuple(
    f"course_lib.exercises.{name}" for name in ("hidden", "grade", "gradescope", "build", "release")
)
INSTRUCTOR_COMMANDS = ("grade", "gradescope", "build", "release")
NEVER = ("solutions", "tests", "benchmarks", ".ci", "docs", ".git")
# Answer lines that the lectures (03, 04) and course_lib.visual.network also use, on purpose:
# they teach the forward pass. Without them forward_pass_answer has one distinctive line.
SHARED_ON_PURPOSE = {"for W, b in zip(weights, biases, strict=True):", "activations.append(a)"}
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


# ----- what must not leak -----


@functools.cache
def hidden_labels() -> list[str]:
    """The labels of the instructor's hidden cases (the fallback: those still in ASSIGNMENTS)."""
    try:
        from course_lib.instructor.key.hidden import HIDDEN
    except ModuleNotFoundError:
        groups = [getattr(ex, "hidden", ()) for a in ASSIGNMENTS.values() for ex in a.exercises]
    else:
        groups = list(HIDDEN.values())
    return sorted({case.label for cases in groups for case in cases})


@functools.cache
def public_labels() -> list[str]:
    return sorted({c.label for a in ASSIGNMENTS.values() for ex in a.exercises for c in ex.public})


@functools.cache
def answer_cells() -> dict[str, list[str]]:
    """The distinctive lines of every answer cell of solutions/: the lines between the
    solution markers (the rest of the cell is in the exercise notebook by design), stripped,
    at least 20 characters, not comments, not in SHARED_ON_PURPOSE."""
    cells = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("solution"):
                continue
            lines, inside = [], False
            for line in cell.source.split("\n"):
                marker = _MARKER.match(line)
                if marker:
                    inside = marker.group(1) == "BEGIN"
                elif inside and len(line.strip()) >= 20 and not line.strip().startswith("#"):
                    lines.append(line.strip())
            cells[f"{path.stem}/{meta['grade_id']}"] = [
                line for line in lines if line not in SHARED_ON_PURPOSE
            ]
    return cells


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [s for item in items for s in _strings(item)]


def file_texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text: a notebook as its decoded strings (sources,
    outputs, metadata), anything else as UTF-8 (binary files included, bytes replaced)."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            text = data.decode("utf-8", "replace")
            if path.suffix == ".ipynb":
                text += "\n" + "\n".join(_strings(json.loads(data)))
            texts[path.relative_to(folder).as_posix()] = text
    return texts


def leaks(texts: dict[str, str]) -> list[str]:
    """What of the answer key the files hold: hidden-case labels, solution markers, and
    answer cells (more than half of a cell's distinctive lines in one file)."""
    labels, public = hidden_labels(), public_labels()
    assert labels, "no hidden cases found: nothing to look for"
    by_length = sorted(labels, key=len, reverse=True)
    # a label counts whole: "s = 0" is not in "restarts = 0" nor in "s = 0.5"
    hidden = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, by_length))})(?!\w|\.\d)")
    # public labels may contain hidden ones ("a single example"): blank them out first
    shown = re.compile("|".join(map(re.escape, sorted(public, key=len, reverse=True))))
    found = []
    for rel, text in texts.items():
        if "BEGIN SOLUTION" in text:
            found.append(f"{rel}: BEGIN SOLUTION")
        for label in sorted(set(hidden.findall(shown.sub("\0", text)))):
            found.append(f"{rel}: hidden case {label!r}")
    for cell, lines in answer_cells().items():
        for rel, text in texts.items():
            hits = [line for line in lines if line in text]
            if lines and len(hits) > len(lines) / 2:
                found.append(f"{rel}: answer cell {cell} ({len(hits)} of {len(lines)} lines)")
    return found


# ----- the edition, and a fresh environment with it installed -----


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "edition"
    written = build_release(out, ROOT)
    assert written == sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return out


def run(argv: list, cwd: Path, env: dict | None = None, timeout: float = 180):
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _builds_wheels_here() -> bool:
    try:
        return Version(importlib.metadata.version("setuptools")) >= Version("70.1")
    except importlib.metadata.PackageNotFoundError:
        return False


@pytest.fixture(scope="module")
def fresh(edition, tmp_path_factory) -> SimpleNamespace:
    """A new venv with the edition's wheel installed (no deps) and this venv's runtime
    dependencies, minus course_lib, reachable through a .pth file (see the module docstring)."""
    tmp = tmp_path_factory.mktemp("fresh")
    venv, work = tmp / "venv", tmp / "work"
    work.mkdir()
    done = run([sys.executable, "-m", "venv", "--without-pip", venv], tmp)
    assert done.returncode == 0, done.stderr
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    source = shutil.copytree(edition, tmp / "source")  # the build writes build/ and egg-info
    isolation = ["--no-build-isolation"] if _builds_wheels_here() else []
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    done = run([*pip, "wheel", "--no-deps", *isolation, "-w", tmp / "wheels", source], tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp / "wheels").glob("course_lib-*.whl")
    done = run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel], tmp)
    assert done.returncode == 0, done.stdout + done.stderr

    site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp
        ).stdout.strip()
    )
    deps = tmp / "deps"
    deps.mkdir()
    for entry in sorted(Path(sysconfig.get_paths()["purelib"]).iterdir()):
        if not entry.name.startswith(("course_lib", "__editable__")):
            (deps / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (site / "zz_course_dependencies.pth").write_text(f"{deps}\n")

    kernel = tmp / "jupyter" / "kernels" / "edition"
    kernel.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "learner edition", "language": "python"}
    (kernel / "kernel.json").write_text(json.dumps(spec))

    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_CONFIG_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        PYTHONNOUSERSITE="1",
        MPLBACKEND="Agg",
        JUPYTER_PATH=str(tmp / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        IPYTHONDIR=str(tmp / "ipython"),
        MPLCONFIGDIR=str(tmp / "matplotlib"),
    )
    where = run([python, "-c", "import course_lib; print(course_lib.__file__)"], work, env)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout
    return SimpleNamespace(python=python, site=site, venv=venv, work=work, env=env)


def in_fresh(fresh, code: str, *args, timeout: float = 180):
    return run([fresh.python, "-c", textwrap.dedent(code), *args], fresh.work, fresh.env, timeout)


# ----- the edition's files -----


def test_edition_has_the_learner_files_only(edition):
    top = sorted(p.name for p in edition.iterdir())
    assert top == sorted(
        [
            ".gitignore",
            "LICENSE",
            "Makefile",
            "README.md",
            "binder",
            "course_lib",
            "exercises",
            "notebooks",
            "pyproject.toml",
        ]
    )
    files = {p.relative_to(edition).as_posix() for p in edition.rglob("*") if p.is_file()}
    assert not [f for f in files if f.split("/")[0] in NEVER]
    assert not set(INSTRUCTOR_ONLY) & files
    assert not {f"{name.replace('.', '/')}.py" for name in INSTRUCTOR_MODULES} & files
    assert not [f for f in files if "__pycache__" in f or f.endswith((".pyc", ".pyo"))]
    for folder in ("notebooks", "exercises"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            assert (edition / folder / path.name).read_bytes() == path.read_bytes(), path
    for name in ("requirements.txt", "runtime.txt", "postBuild"):
        assert (edition / "binder" / name).read_bytes() == (ROOT / "binder" / name).read_bytes()
    assert os.access(edition / "binder" / "postBuild", os.X_OK)
    for module in (
        "process/session.py",
        "process/worker.py",
        "checking.py",
        "assignments/__init__.py",
        "assignments/public.json",
    ):
        assert f"course_lib/exercises/{module}" in files
    assert not [f for f in files if f.startswith("course_lib/instructor")]
    assert "course_lib/data/usps.npz" in files


MISSING_PLACES = re.compile(r"(?<![\w/.-])(?:benchmarks|tests|solutions|docs|site|\.ci)/[\w./-]*")


def test_no_learner_file_names_a_file_the_edition_lacks(edition):
    """The notebooks, the README and the package's modules of the edition name no file of
    the instructor's repository that the edition does not have (benchmarks/..., tests/...)."""
    texts = [*edition.glob("*.md"), *edition.rglob("*.ipynb"), *edition.rglob("*.py")]
    missing = []
    for path in texts:
        for found in MISSING_PLACES.findall(path.read_text(encoding="utf-8")):
            if not (edition / found.rstrip("./")).exists():
                missing.append(f"{path.relative_to(edition)}: {found}")
    assert missing == []


def test_pyproject_keeps_the_runtime_only(edition):
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text())
    theirs = tomllib.loads((edition / "pyproject.toml").read_text())
    assert "optional-dependencies" not in theirs["project"]
    assert theirs["project"]["dependencies"] == ours["project"]["dependencies"]
    assert theirs["project"]["scripts"] == ours["project"]["scripts"]
    assert not {"pytest", "ruff"} & set(theirs["tool"])
    assert theirs["tool"]["setuptools"] == ours["tool"]["setuptools"]


def test_readme_and_makefile_are_for_learners(edition):
    readme = (edition / "README.md").read_text()
    ours = (ROOT / "README.md").read_text()
    section = ours.split("## The course map", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.split("\n") if line.startswith("| [")]
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(rows) == len(notebooks) and all(row in readme for row in rows)
    assert "make lab" in readme and "pip install -e ." in readme and "course-lib check" in readme
    instructor_words = ("course-lib grade", "gradescope", "solutions/", "hidden case", "[dev]")
    for word in (*instructor_words, "make test"):
        assert word not in readme.lower(), word
    makefile = (edition / "Makefile").read_text()
    targets = re.findall(r"^([A-Za-z][\w.-]*):", makefile, re.M)
    assert targets == ["lab"], targets
    assert "pip install --quiet -e .\n" in makefile and "[dev]" not in makefile
    if shutil.which("make"):
        done = run(["make", "-n", "lab"], edition)
        assert done.returncode == 0, done.stderr
        assert "pip install --quiet -e ." in done.stdout and "course-lib lab" in done.stdout


def test_release_is_deterministic(edition, tmp_path):
    again = tmp_path / "again"
    written = build_release(again, ROOT)
    assert written == sorted(
        p.relative_to(edition).as_posix() for p in edition.rglob("*") if p.is_file()
    )
    for rel in written:
        assert (again / rel).read_bytes() == (edition / rel).read_bytes(), rel


def test_the_command_refuses_a_non_empty_folder_unless_forced(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "learner"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / "stale.txt").write_text("from an older release")
    assert release_command(parser.parse_args(["--out", str(out), "--repo", str(ROOT)])) == 2
    assert str(out) in capsys.readouterr().err
    assert (out / "stale.txt").exists()
    args = parser.parse_args(["--out", str(out), "--repo", str(ROOT), "--force"])
    assert release_command(args) == 0
    assert not (out / "stale.txt").exists() and (out / ".git" / "HEAD").exists()
    assert (out / "README.md").exists()
    assert release_command(parser.parse_args(["--out", str(ROOT), "--force"])) == 2


# ----- (a) no file holds the answer key -----


def test_no_file_of_the_edition_holds_the_answer_key(edition):
    assert leaks(file_texts(edition)) == []


def test_no_file_of_the_installed_package_holds_the_answer_key(fresh):
    texts = file_texts(fresh.site)
    assert any(rel.startswith("course_lib/exercises/") for rel in texts)
    assert leaks(texts) == []


# ----- (b) nothing of it is importable -----


def test_no_instructor_object_is_importable(fresh):
    done = in_fresh(
        fresh,
        """
        import importlib, importlib.util, json, pkgutil, sys
        import course_lib
        errors, modules = {}, []
        def failed(name):
            errors[name] = repr(sys.exc_info()[1])
        for info in pkgutil.walk_packages(course_lib.__path__, "course_lib.", onerror=failed):
            try:
                module = importlib.import_module(info.name)
            except Exception as err:
                errors[info.name] = repr(err)
            else:
                modules.append([info.name, module.__file__, hasattr(module, "HIDDEN")])
        importable = []
        for name in sys.argv[1:]:
            try:
                if importlib.util.find_spec(name) is not None:
                    importable.append(name)
            except ImportError:
                pass
        from course_lib.exercises.assignments import ASSIGNMENTS
        hidden = [f"{stem}/{ex.grade_id}" for stem, a in ASSIGNMENTS.items()
                  for ex in a.exercises if getattr(ex, "hidden", ())]
        print(json.dumps(dict(errors=errors, modules=modules, importable=importable,
                              hidden=hidden)))
        """,
        *INSTRUCTOR_MODULES,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["errors"] == {}
    assert len(found["modules"]) >= 20
    assert all(Path(file).is_relative_to(fresh.site) for _, file, _ in found["modules"])
    assert [name for name, _, has in found["modules"] if has] == []
    assert found["importable"] == []
    assert found["hidden"] == []


# ----- (c) it works for a learner -----


def test_a_learner_checks_a_finished_exercise(fresh):
    notebook = exercise_with_answers(STEM, fresh.work / f"{STEM}.ipynb")
    done = run([fresh.python, "-m", "course_lib.cli", "check", notebook], fresh.work, fresh.env)
    assert done.returncode == 0, done.stdout + done.stderr
    n = len(ASSIGNMENTS[STEM].exercises)  # every exercise passes
    assert f"{n} of {n} exercises pass" in done.stdout, done.stdout


def test_the_learner_command_lists_no_instructor_command(fresh):
    done = run([fresh.python, "-m", "course_lib.cli", "--help"], fresh.work, fresh.env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check" in done.stdout
    for command in INSTRUCTOR_COMMANDS:
        assert not re.search(rf"(^\s+|[{{,]){command}(\s|[,}}]|$)", done.stdout, re.M), command


def test_a_learner_runs_a_lecture_notebook(edition, fresh):
    notebook = shutil.copy(edition / "notebooks" / f"{LECTURE}.ipynb", fresh.work)
    done = in_fresh(
        fresh,
        """
        import sys
        import nbformat
        from nbclient import NotebookClient
        nb = nbformat.read(sys.argv[1], as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("import course_lib; print(course_lib.__file__)"))
        NotebookClient(nb, kernel_name="edition", timeout=120,
                       resources={"metadata": {"path": sys.argv[2]}}).execute()
        print(nb.cells[-1].outputs[0]["text"].strip())
        """,
        notebook,
        fresh.work,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert Path(done.stdout.strip().splitlines()[-1]).is_relative_to(fresh.site), done.stdout
