"""``course-lib build``: exercises/, the catalog and the public cases, generated from
solutions/ and the answer key.

The catalog (``course_lib/exercises/assignments/catalog.json``) lists each assignment's
title (the notebook's ``metadata.course_lib.title``) and its graded functions with their
points, in the order of the notebook's check cells (nbgrader ``grade_id`` and ``points``):
nothing of this is written anywhere else. ``public.json`` beside it holds each graded
function's public cases as data (arguments, expected answer, the known mistakes' answers),
computed by the answer key (:mod:`.key`), so that learners get the cases without the code
that answers them.

In a solution notebook the answers sit between ``### BEGIN SOLUTION`` and
``### END SOLUTION``. The exercise notebook is the same notebook with each such region
replaced by ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` (at the region's
indentation), all outputs and execution counts cleared, and the metadata (nbgrader's
included) kept. The output is deterministic: building twice gives byte-identical files,
so ``course-lib build --check`` can compare them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..exercises.cli import UsageError
from ..exercises.spec import CATALOG, PUBLIC
from .messages import build_messages
from .translate import build_translations, write_or_check

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_MARKER = re.compile(r"^(\s*)### (BEGIN|END) SOLUTION\s*$")


class BuildError(UsageError):
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


def exercise_notebook(solution_path: Path) -> tuple[str, dict]:
    """The text of the exercise notebook generated from one solution notebook, and the
    notebook's catalog entry (title, graded functions and points)."""
    import nbformat  # here: the grader imports this module (find_root), and not nbformat

    nb = nbformat.read(solution_path, as_version=4)
    entry = catalog_entry(nb, solution_path.stem)
    for i, cell in enumerate(nb.cells):
        where = f"{solution_path.name}, cell {i}"
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source, where)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif BEGIN in cell.source:
            raise BuildError(f"{where}: solution markers belong in code cells")
    return nbformat.writes(nb) + "\n", entry


def catalog_entry(nb, stem: str) -> dict:
    """The notebook's title and graded functions: every check cell (nbgrader grade cell)
    gives its grade_id and points, and needs an answer cell defining that function."""
    title = nb.metadata.get("course_lib", {}).get("title")
    if not title or nb.metadata["course_lib"].get("assignment") != stem:
        raise BuildError(f"{stem}: metadata.course_lib needs assignment {stem!r} and a title")
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    exercises = []
    for gid, cell in cells.items():
        meta = cell.metadata["nbgrader"]
        if not meta.get("grade") or meta.get("solution"):
            continue
        answer = cells.get(f"{gid}_answer")
        if answer is None or BEGIN not in answer.source:
            raise BuildError(f"{stem}: no answer cell {gid + '_answer'!r} with solution markers")
        if f"def {gid}(" not in answer.source:
            raise BuildError(f"{stem}: cell {gid + '_answer'!r} does not define {gid}()")
        points = meta.get("points")
        if type(points) is not int or points < 1:
            raise BuildError(f"{stem}: the check cell {gid!r} needs whole points, got {points!r}")
        exercises.append([gid, points])
    if not exercises:
        raise BuildError(f"{stem}: no check cell (nbgrader grade cell) in the notebook")
    return {"title": title, "exercises": exercises}


def build(
    solutions: Path, exercises: Path, check: bool = False, catalog: Path = CATALOG
) -> list[str]:
    """Write exercises/NN_*.ipynb from solutions/NN_*.ipynb, and the catalog; return the
    names that changed.

    With ``check=True`` nothing is written: the returned names are the stale or
    missing exercise notebooks (and any exercise without a solution), and the catalog if
    it is stale.
    """
    sources = sorted(solutions.glob("*.ipynb"))
    if not sources:
        raise BuildError(f"no solution notebooks in {solutions}")
    changed, entries = [], {}
    for source in sources:
        target = exercises / source.name
        text, entries[source.stem] = exercise_notebook(source)
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
    text = json.dumps(entries, indent=2) + "\n"
    if (catalog.read_text(encoding="utf-8") if catalog.exists() else None) != text:
        changed.append(catalog.name)
        if not check:
            catalog.write_text(text, encoding="utf-8")
    return changed


def _check_specs(catalog: Path) -> None:
    """Every graded function of the notebooks has its spec in course_lib/exercises/assignments/
    and its answer in the key, and back."""
    from ..exercises.assignments import SPECS
    from ..exercises.spec import load_assignments
    from .key import ANSWERS

    try:
        load_assignments(SPECS, catalog, PUBLIC)
    except RuntimeError as err:
        raise BuildError(str(err)) from None
    if set(ANSWERS) != set(SPECS):
        raise BuildError(
            "the answer key and the specs disagree: only in the key "
            f"{sorted(set(ANSWERS) - set(SPECS))}, only in the specs "
            f"{sorted(set(SPECS) - set(ANSWERS))}"
        )


def public_cases(public: Path = PUBLIC, check: bool = False) -> list[str]:
    """Write public.json from the answer key (or, with ``check``, say whether it is stale:
    its cases, arguments and known mistakes must be the key's, its expected answers equal
    up to rounding); return [its name] if it changed (or is stale), else []."""
    from .key import public_json, stale_public

    if check:
        if not public.is_file():
            return [public.name]
        try:
            from ..exercises.assignments import ASSIGNMENTS
        except RuntimeError:  # the catalog is stale too (build() names it)
            return [public.name]
        for assignment in ASSIGNMENTS.values():
            for ex in assignment.exercises:
                reason = stale_public(ex)
                if reason:
                    return [f"{public.name} ({ex.grade_id}: {reason})"]
        return []
    text = public_json()
    if (public.read_text(encoding="utf-8") if public.is_file() else None) == text:
        return []
    public.write_text(text, encoding="utf-8")
    return [public.name]


def find_root() -> Path:
    """The course folder: the current directory if it has solutions/, else the repository."""
    here = Path.cwd()
    if (here / "solutions").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


def build_command(args) -> int:
    import nbformat

    root = find_root()
    solutions = Path(args.solutions) if args.solutions else root / "solutions"
    exercises = Path(args.exercises) if args.exercises else root / "exercises"
    try:
        changed = build(solutions, exercises, check=args.check)
        if not args.check:
            _check_specs(CATALOG)
        changed += public_cases(check=args.check)
        # the Chinese notebooks, from the English ones (exercises/ as just built)
        translations = build_translations(root) if exercises == root / "exercises" else None
        if translations is not None:
            changed += write_or_check(translations, check=args.check)
        # the catalogs of the course's messages (course_lib/locale, instructor/locale)
        messages = build_messages() if translations is not None else None
        if messages is not None:
            changed += write_or_check(messages, check=args.check)
    except (BuildError, OSError, nbformat.ValidationError) as err:
        print(f"course-lib build: {err}")
        return 2
    untranslated = translations.problems if translations is not None else []
    if untranslated:
        print(
            f"{len(untranslated)} paragraph(s) of the Chinese notebooks need a translator "
            "(they show in English until then; edit translations/zh/):"
        )
        print("\n".join(f"  {problem}" for problem in untranslated))
    unsaid = messages.problems if messages is not None else []
    if unsaid:
        print(
            f"{len(unsaid)} message(s) need a translator (they are said in English until "
            "then; edit course_lib/locale/zh/LC_MESSAGES/course_lib.po or "
            "course_lib/instructor/locale/zh/LC_MESSAGES/course_lib_instructor.po):"
        )
        print("\n".join(f"  {problem}" for problem in unsaid))
    untranslated = untranslated + unsaid
    if args.check:
        if changed:
            print(
                f"exercises/, the catalog or a Chinese notebook is stale, run `course-lib "
                f"build`; stale: {', '.join(changed)}"
            )
        if changed or untranslated:
            return 1
        print(f"exercises/ is up to date with solutions/ ({exercises}), and every translation")
        return 0
    names = f": {', '.join(changed)}" if changed else ""
    print(
        f"wrote {len(changed)} file(s) (exercise notebooks in {exercises}, the catalog and "
        f"public cases in {CATALOG.parent}, the Chinese notebooks and catalogs){names}"
    )
    return 0
