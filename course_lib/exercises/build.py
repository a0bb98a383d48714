"""``course-lib build``: generate exercises/ from solutions/, the single source.

In a solution notebook the answers sit between ``### BEGIN SOLUTION`` and
``### END SOLUTION``. The exercise notebook is the same notebook with each such
region replaced by ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` (at the
region's indentation), all outputs and execution counts cleared, and the metadata
(nbgrader's included) kept. The output is deterministic: building twice gives
byte-identical files, so ``course-lib build --check`` can compare them.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .assignments import ASSIGNMENTS

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_MARKER = re.compile(r"^(\s*)### (BEGIN|END) SOLUTION\s*$")


class BuildError(ValueError):
    """A solution notebook is malformed (unbalanced markers, metadata disagreeing with the spec)."""


def strip_solution(source: str, where: str = "cell") -> str:
    """Replace every answer region of a code cell by the stub a learner completes."""
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        match = _MARKER.match(line)
        if match and match.group(2) == "BEGIN":
            if inside:
                raise BuildError(f"{where}: {BEGIN} inside another solution region")
            inside = True
            indent = match.group(1)
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
        elif match:
            if not inside:
                raise BuildError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise BuildError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def solution_lines(source: str) -> list[str]:
    """The lines inside the answer regions of a cell (for the "no answer text" test)."""
    lines, inside = [], False
    for line in source.split("\n"):
        match = _MARKER.match(line)
        if match:
            inside = match.group(2) == "BEGIN"
        elif inside:
            lines.append(line)
    return lines


def exercise_notebook(solution_path: Path) -> str:
    """The text of the exercise notebook generated from one solution notebook."""
    nb = nbformat.read(solution_path, as_version=4)
    stem = solution_path.stem
    _check_against_spec(nb, stem)
    for i, cell in enumerate(nb.cells):
        where = f"{solution_path.name}, cell {i}"
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source, where)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif BEGIN in cell.source:
            raise BuildError(f"{where}: solution markers belong in code cells")
    return nbformat.writes(nb) + "\n"


def _check_against_spec(nb, stem: str) -> None:
    """Every exercise of the spec has its answer cell and its check cell with the same points."""
    if stem not in ASSIGNMENTS:
        raise BuildError(f"{stem}.ipynb is not an assignment; known: {', '.join(ASSIGNMENTS)}")
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    for ex in ASSIGNMENTS[stem].exercises:
        answer, check = cells.get(ex.answer_id), cells.get(ex.grade_id)
        if answer is None or BEGIN not in answer.source:
            raise BuildError(f"{stem}: no answer cell {ex.answer_id!r} with solution markers")
        if check is None or check.metadata["nbgrader"].get("points") != ex.points:
            raise BuildError(f"{stem}: the check cell {ex.grade_id!r} must give {ex.points} points")
        if f"def {ex.function}(" not in answer.source:
            raise BuildError(f"{stem}: cell {ex.answer_id!r} does not define {ex.function}()")


def build(solutions: Path, exercises: Path, check: bool = False) -> list[str]:
    """Write exercises/NN_*.ipynb from solutions/NN_*.ipynb; return the names that changed.

    With ``check=True`` nothing is written: the returned names are the stale or
    missing exercise notebooks (and any exercise without a solution).
    """
    sources = sorted(solutions.glob("*.ipynb"))
    if not sources:
        raise BuildError(f"no solution notebooks in {solutions}")
    changed = []
    for source in sources:
        target = exercises / source.name
        text = exercise_notebook(source)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            changed.append(target.name)
            if not check:
                exercises.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    expected = {s.name for s in sources}
    for extra in sorted(exercises.glob("*.ipynb")):
        if extra.name not in expected:
            changed.append(f"{extra.name} (no solution notebook for it)")
    return changed


def find_root() -> Path:
    """The course folder: the current directory if it has solutions/, else the repository."""
    here = Path.cwd()
    if (here / "solutions").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


def build_command(args) -> int:
    root = find_root()
    solutions = Path(args.solutions) if args.solutions else root / "solutions"
    exercises = Path(args.exercises) if args.exercises else root / "exercises"
    try:
        changed = build(solutions, exercises, check=args.check)
    except (BuildError, OSError, nbformat.ValidationError) as err:
        print(f"course-lib build: {err}")
        return 2
    if args.check:
        if changed:
            print(f"exercises/ is stale, run `course-lib build`; stale: {', '.join(changed)}")
            return 1
        print(f"exercises/ is up to date with solutions/ ({exercises})")
        return 0
    names = f": {', '.join(changed)}" if changed else ""
    print(f"wrote {len(changed)} exercise notebook(s) to {exercises}{names}")
    return 0
