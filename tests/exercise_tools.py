"""Helpers for the exercise and grader tests: notebooks with answers put in or changed."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
STEMS = [
    "01_gradient_descent",
    "02_chain_rule",
    "03_forward_pass",
    "04_backward_pass",
    "05_digit_classification",
]


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answers(stem: str) -> dict[str, str]:
    """The source of every answer cell of a solution notebook, by grade_id."""
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    return {
        grade_id(c): c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def with_sources(source: Path, path: Path, sources: dict[str, str]) -> Path:
    """Write the notebook ``source`` to ``path`` with the cells named in ``sources`` (by
    grade_id) replaced by their new source."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in sources:
            cell.source = sources[grade_id(cell)]
    nbformat.write(nb, path)
    return path


def exercise_with_answers(stem: str, path: Path, sources: dict[str, str] | None = None) -> Path:
    """Write the exercise notebook with the solution's answers (or ``sources``) put back."""
    sources = answers(stem) if sources is None else sources
    return with_sources(EXERCISES / f"{stem}.ipynb", path, sources)


def solution_with(stem: str, path: Path, changes: dict[str, tuple[str, str]]) -> Path:
    """Write the solution notebook with, in cell ``grade_id``, ``old`` replaced by ``new``.

    ``changes`` maps a grade_id (answer or other cell) to (old, new); old must occur.
    """
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    done = set()
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in changes:
            old, new = changes[gid]
            assert old in cell.source, f"{old!r} not in cell {gid}"
            cell.source = cell.source.replace(old, new)
            done.add(gid)
    assert done == set(changes), f"cells not found: {set(changes) - done}"
    nbformat.write(nb, path)
    return path


def add_cell(stem: str, path: Path, source: str, after: str | None = None) -> Path:
    """Write the solution notebook with a new code cell (after the cell ``after``, or last)."""
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "added-cell"
    index = len(nb.cells)
    if after is not None:
        index = 1 + next(i for i, c in enumerate(nb.cells) if grade_id(c) == after)
    nb.cells.insert(index, cell)
    nbformat.write(nb, path)
    return path
