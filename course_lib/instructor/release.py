"""``course-lib release``: write the learner edition of the course into a folder.

This repository is the instructor's edition: it holds the answer key (``solutions/``), the
hidden cases, the batch grader and the Gradescope autograder. The learner edition is what
learners get, published by the instructor as its own git repository (for Binder,
nbgitpuller or a clone). It contains:

- ``README.md`` for learners (written here; its course map is read from this README),
  ``LICENSE``, a ``Makefile`` with only ``make lab``, and a ``.gitignore`` (``.venv/`` and
  the other files that ``make lab`` creates, so they are not committed by mistake);
- ``notebooks/`` (the lectures, with their stored outputs) and ``exercises/`` (as generated);
- ``binder/`` (``requirements.txt``, ``runtime.txt``, ``postBuild``);
- ``pyproject.toml`` without the optional dependencies (dev, grader) and without the pytest
  and ruff settings;
- ``course_lib/`` without the instructor's package (:data:`INSTRUCTOR_ONLY`),
  and without ``__pycache__``, ``*.pyc`` and hidden files.

It leaves out ``solutions/``, ``tests/``, ``benchmarks/``, ``.ci/``, ``docs/`` (the grading
and instructor guides) and ``.git``: only the paths above are copied. The output is
deterministic: the same sources give the same files, byte for byte.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

from ..exercises.cli import UsageError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli (a dev dependency), else no verification
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

# Paths (relative to the repository, files or folders) that never reach learners.
INSTRUCTOR_ONLY: tuple[str, ...] = (
    # the instructor's package: the answer key, hidden cases, grader, LMS files, Gradescope,
    # the sandbox launcher, build and this module
    "course_lib/instructor",
)

# Copied as they are (folders recursively), minus INSTRUCTOR_ONLY, caches and hidden files.
COPIED: tuple[str, ...] = (
    "LICENSE",
    "notebooks",
    "exercises",
    "binder/requirements.txt",
    "binder/runtime.txt",
    "binder/postBuild",
    "course_lib",
)

# Never in the edition; checked before writing, as a guard against a change of COPIED.
NEVER: tuple[str, ...] = (
    "solutions",
    "tests",
    "benchmarks",
    ".ci",
    "docs",
    ".git",
    *INSTRUCTOR_ONLY,
)

_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_DROPPED_TABLES = re.compile(
    r'^(project\.optional-dependencies|project\.entry-points\."course_lib\.(commands|checks)"'
    r"|tool\.pytest"
    r"|tool\.ruff)(\.|$)"
)
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

README = """\
# Backpropagation, derived and run

A short course that takes you from "what is a gradient?" to a network that reads
handwritten digits, written by you, with every step of backpropagation derived on paper,
implemented in code, and checked numerically. It is a sequence of Jupyter notebooks and a
small companion package, `course_lib`, that the notebooks import. Everything runs offline:
the digit data (USPS, 16x16 images) ships inside the package.

## Start

If your instructor gave you a Binder or JupyterHub link, open it: nothing to install.
Otherwise you need Python 3.10 or newer and `make`. From this folder:

```bash
make lab     # set up, then open the course in JupyterLab on the first notebook
```

The first run creates `.venv/` and installs the course into it (a minute or two); later
runs reuse it. Without `make`, the same in plain pip:

```bash
python3 -m venv .venv && .venv/bin/pip install -e .     # once
.venv/bin/course-lib lab                                 # each time: JupyterLab on 00_welcome
```

(On Windows, use `.venv\\Scripts\\` in place of `.venv/bin/`.) `.venv/bin/course-lib doctor`
(or the setup check in `00_welcome`) says whether everything is ready, and what to do if not.
{languages}
## The course map

{course_map}

## Exercises and checks

Read a lecture in `notebooks/`, then open the exercise notebook of the same name in
`exercises/`. In each exercise you complete a function where it says
`raise NotImplementedError()`, then run the check cell below it. The check runs your
function on a few cases and says whether it passed, is not implemented yet, or fails
on a case: then it shows the input, the expected and the returned values and a hint.
Checks never raise, so *Run All* always reaches the end.

From a terminal, a whole notebook at once:

```bash
.venv/bin/course-lib check exercises/04_backward_pass.ipynb
```

runs the notebook in a separate process, prints one verdict per exercise and exits with 0
only when every exercise passes. The checks use a few public cases: a function that passes
them is very likely right, but not certainly, so also test it on inputs of your own.

## Layout

```
notebooks/      the lectures: narrative, derivations, plots, widgets (outputs stored)
exercises/      the exercise notebooks you complete
course_lib/     the companion package the notebooks import (the course's reference code)
binder/         the environment for Binder and JupyterHub
```

## Licence

MIT for the code and text. The USPS data keeps its own terms: see
[course_lib/data/USPS.md](course_lib/data/USPS.md).
"""

MAKEFILE = """\
# `make lab` opens the course in JupyterLab; the first time, it creates .venv
# with the course installed in it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab

$(STAMP): pyproject.toml
\t$(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --quiet --upgrade pip
\t$(BIN)/python -m pip install --quiet -e .
\ttouch $(STAMP)

# course-lib lab starts JupyterLab on the welcome notebook (adding --allow-root as root)
lab: $(STAMP)
\t$(BIN)/course-lib lab
"""


GITIGNORE = """\
.venv/
__pycache__/
*.egg-info/
build/
.ipynb_checkpoints/
"""


class ReleaseError(UsageError):
    """The edition cannot be written (no repository, a refused --out, a source missing)."""


def default_repo() -> Path:
    """The repository this ``course_lib`` is imported from, else the current folder."""
    for candidate in (Path(__file__).resolve().parents[2], Path.cwd()):
        if all((candidate / name).exists() for name in ("pyproject.toml", "README.md", *COPIED)):
            return candidate
    raise ReleaseError("cannot find the course repository: run from it or pass --repo")


def course_map(readme: str) -> str:
    """The table of the README's "## The course map" section."""
    match = re.search(r"^## The course map[ \t]*\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    rows = [line for line in (match.group(1) if match else "").split("\n") if line[:1] == "|"]
    if len(rows) < 3:
        raise ReleaseError('README.md has no table in a "## The course map" section')
    return "\n".join(rows)


def learner_pyproject(text: str) -> str:
    """pyproject.toml without the optional dependencies, the instructor's entry points (its
    commands and its judge of check cells, naming ``course_lib.instructor``) and the pytest
    and ruff tables.

    Whole tables are dropped line by line, so comments and order stay as they were.
    ``[tool.setuptools.packages.find]`` needs no change: what the edition leaves out is
    not in its folder, so it cannot be packaged.
    """
    kept: list[str] = []
    dropping = False
    for line in text.split("\n"):
        header = _HEADER.match(line)
        if header:
            dropping = bool(_DROPPED_TABLES.match(header.group(1)))
        if not dropping:
            kept.append(line)
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n") + "\n"
    if tomllib is None:
        return result
    before, after = tomllib.loads(text), tomllib.loads(result)
    expected = {k: v for k, v in before["project"].items() if k != "optional-dependencies"}
    points = expected.pop("entry-points", {})
    instructor = ("course_lib.commands", "course_lib.checks")  # groups naming its package
    points = {group: e for group, e in points.items() if group not in instructor}
    if points:
        expected["entry-points"] = points
    tools = after.get("tool", {})
    if after["project"] != expected or "pytest" in tools or "ruff" in tools:
        raise ReleaseError("pyproject.toml: could not remove the instructor's tables cleanly")
    return result


def _excluded(rel: str) -> bool:
    parts = rel.split("/")
    if any(p == "__pycache__" or p.startswith(".") for p in parts):
        return True
    if rel.endswith(_SKIPPED_SUFFIXES):
        return True
    return any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in INSTRUCTOR_ONLY)


LANGS = ("all", "en", "zh")
# what the learner README says of the languages of its edition
LANGUAGE_NOTE = {
    "all": "\n**中文版**: every notebook and exercise is also in Simplified Chinese, in "
    "`notebooks/zh/` and\n`exercises/zh/`: `COURSE_LIB_LANG=zh make lab` opens the course in "
    "Chinese, and the checks of `exercises/zh/` answer in Chinese. 所有讲座笔记本和练习都有\n"
    "简体中文版：运行 `COURSE_LIB_LANG=zh make lab` 即可用中文学习本课程，"
    "检查结果和提示也是中文。\n",
    "en": "",
    "zh": "\n**中文版**: this edition is in Simplified Chinese: `make lab` opens "
    "`notebooks/zh/00_welcome.ipynb`, and the checks answer in Chinese\n(`COURSE_LIB_LANG=zh "
    "course-lib doctor` too). 本版本为简体中文版：`make lab` 打开中文的欢迎笔记本，\n"
    "练习的检查结果和提示都是中文。\n",
}


def _in_language(rel: str, lang: str) -> bool:
    """Whether a notebook belongs to an edition in ``lang``: notebooks/zh and exercises/zh are
    the Chinese notebooks, the other notebooks the English ones."""
    if lang == "all" or not rel.endswith(".ipynb"):
        return True
    chinese = rel.split("/")[1:2] == ["zh"]
    return chinese == (lang == "zh")


def _readme_in(readme: str, lang: str) -> str:
    """The learner README, its links to notebooks pointing at the Chinese ones in a Chinese
    edition."""
    if lang != "zh":
        return readme
    return re.sub(r"(?<=[\s(`])(notebooks|exercises)/(?=[\w.]+\.ipynb\b)", r"\1/zh/", readme)


def _sources(repo: Path) -> list[str]:
    """The relative paths of every file to copy, sorted."""
    found: list[str] = []
    for entry in COPIED:
        path = repo / entry
        if path.is_file():
            found.append(entry)
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    found.append((Path(folder) / name).relative_to(repo).as_posix())
        else:
            raise ReleaseError(f"{entry} is missing from {repo}")
    return sorted(rel for rel in found if not _excluded(rel))


def _prepare(out: Path, repo: Path, force: bool) -> None:
    """Make ``out`` an empty folder (keeping a .git) or refuse."""
    out_abs, repo_abs = out.resolve(), repo.resolve()
    if out_abs == repo_abs or out_abs in repo_abs.parents:
        raise ReleaseError(f"{out} holds the course repository itself; choose another folder")
    for entry in COPIED:
        if (repo_abs / entry) in (out_abs, *out_abs.parents):
            raise ReleaseError(f"{out} is inside {entry}, which is copied; choose another folder")
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise ReleaseError(
                f"{out} exists and is not empty; --force replaces what it holds (except .git)"
            )
        for child in sorted(out.iterdir()):
            if child.name == ".git":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _write(path: Path, data: bytes, executable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o755 if executable else 0o644)


def build_release(
    out: Path, repo: Path | None = None, *, force: bool = False, lang: str = "all"
) -> list[str]:
    """Write the learner edition of ``repo`` (default: :func:`default_repo`) into ``out``;
    return the relative paths written, sorted. ``lang`` ("all", "en" or "zh") chooses the
    notebooks' language (`course-lib lab` opens the welcome notebook the edition has).

    ``out`` must be missing or empty, unless ``force``: then everything in it except
    ``.git`` is removed first, so it can be the learner repository's working copy.
    Raises :class:`ReleaseError` when it refuses.
    """
    if lang not in LANGS:
        raise ReleaseError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    repo = default_repo() if repo is None else Path(repo)
    out = Path(out)
    readme = (repo / "README.md").read_text(encoding="utf-8")
    files: dict[str, tuple[bytes, bool]] = {
        "README.md": (
            _readme_in(
                README.format(course_map=course_map(readme), languages=LANGUAGE_NOTE[lang]), lang
            ).encode(),
            False,
        ),
        "Makefile": (MAKEFILE.encode(), False),
        ".gitignore": (GITIGNORE.encode(), False),
        "pyproject.toml": (
            learner_pyproject((repo / "pyproject.toml").read_text(encoding="utf-8")).encode(),
            False,
        ),
    }
    for rel in _sources(repo):
        if not _in_language(rel, lang):
            continue
        source = repo / rel
        files[rel] = (source.read_bytes(), bool(source.stat().st_mode & 0o111))
    for rel, (data, _) in files.items():
        if b"BEGIN SOLUTION" in data:
            raise ReleaseError(f"{rel} contains a solution marker (BEGIN SOLUTION)")
        if any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in NEVER):
            raise ReleaseError(f"{rel} is instructor-only")
    _prepare(out, repo, force)
    for rel in sorted(files):
        data, executable = files[rel]
        _write(out / rel, data, executable)
    return sorted(files)


def release_command(args: argparse.Namespace) -> int:
    """Write the edition; 0 when written, 2 when refused (the message says why)."""
    try:
        written = build_release(
            Path(args.out),
            Path(args.repo) if args.repo else None,
            force=args.force,
            lang=getattr(args, "lang", "all"),
        )
    except (ReleaseError, OSError) as err:
        print(f"course-lib release: {err}", file=sys.stderr)
        return 2
    size = sum((Path(args.out) / rel).stat().st_size for rel in written)
    print(f"wrote the learner edition to {args.out}: {len(written)} files, {size / 1e6:.1f} MB")
    print("publish it as its own git repository (git add -A && git commit in that folder)")
    return 0
