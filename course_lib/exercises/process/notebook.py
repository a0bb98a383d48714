"""A submitted notebook as the grader reads it: once, as bytes, never through a link.

:func:`read_submission` takes a path's bytes only when it is a regular file no larger than
the limit; :func:`parse_notebook` turns them into a notebook or a :class:`NotebookError`
saying, in words a learner understands, why it cannot be graded; :func:`code_cells` lists
the cells a worker runs (every code cell but the check cells, which the grader replaces).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ...i18n import _
from .. import codec

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024  # a larger submission is not read


class NotebookError(ValueError):
    """The submission cannot be read as a notebook; the reason is in words (in the
    learner's language: said when it is raised)."""


@dataclass(frozen=True)
class Cell:
    """A cell of a notebook, as the grader needs it (its outputs are never read)."""

    cell_type: str
    source: str
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Notebook:
    """A notebook in format 4 as the grader needs it: its cells and its metadata. Read
    with json, not nbformat: importing nbformat imports jsonschema and its format
    checkers, 1.5 s of every grader's start, and the grader validates what it reads itself."""

    cells: list[Cell]
    metadata: dict = field(default_factory=dict)


def _cell(data: object) -> Cell:
    """One cell of the file (its source joined when stored as a list of lines)."""
    if not isinstance(data, dict) or not isinstance(data.get("cell_type"), str):
        raise NotebookError(_("the notebook is damaged (a cell has no type)"))
    source = data.get("source")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise NotebookError(_("the notebook is damaged (a cell has no source)"))
    meta = data.get("metadata")
    return Cell(data["cell_type"], source, meta if isinstance(meta, dict) else {})


def read_submission(path: Path, max_bytes: int) -> bytes:
    """The bytes of a submitted file, read only if it is a regular file (not a symlink,
    FIFO or device) no larger than ``max_bytes``; otherwise NotebookError saying why."""
    try:
        info = os.lstat(path)
    except OSError as err:
        raise NotebookError(_cannot_read(err)) from None
    _check_kind(info, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise NotebookError(_cannot_read(err)) from None
    with os.fdopen(fd, "rb") as f:
        _check_kind(os.fstat(f.fileno()), max_bytes)  # the same file as checked above
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NotebookError(_too_large(len(data), max_bytes))
    return data


def _cannot_read(err: OSError) -> str:
    # TRANSLATORS: {reason} is the system's, "No such file or directory"
    return _("the file cannot be read ({reason})").format(reason=err.strerror)


def _check_kind(info: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise NotebookError(_("it is a symbolic link, not a file: submit the notebook itself"))
    if stat.S_ISDIR(info.st_mode):
        raise NotebookError(_("it is a folder, not a regular file"))
    if stat.S_ISFIFO(info.st_mode):
        raise NotebookError(_("it is a FIFO, not a regular file"))
    if not stat.S_ISREG(info.st_mode):
        raise NotebookError(_("it is a device or socket, not a regular file"))
    if info.st_size > max_bytes:
        raise NotebookError(_too_large(info.st_size, max_bytes))


def _too_large(size: int, max_bytes: int) -> str:
    return _(
        "the file is larger than the {limit:g} MB a notebook may have "
        "({size:.1f} MB; clear large outputs and submit again)"
    ).format(limit=max_bytes / 2**20, size=size / 2**20)


def parse_notebook(raw: bytes) -> Notebook:
    """The notebook in ``raw``, or NotebookError saying why it cannot be graded."""
    if not raw.strip():
        raise NotebookError(
            _("the file is empty (0 bytes, or blank): save the notebook and submit again")
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise NotebookError(
            _("the file is not a notebook (it is not valid JSON: cut short or not a notebook)")
        ) from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookError(_("the file is JSON but not a Jupyter notebook")) from None
    major = data.get("nbformat")
    if major != 4:
        said = _(
            "the notebook is in format version {version}; open it in a "
            "current JupyterLab, save it (format 4) and submit it again"
        )
        raise NotebookError(said.format(version=codec.text(str(major), 20)))
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(_("the notebook is damaged (it has no list of cells)"))
    meta = data.get("metadata")
    return Notebook([_cell(c) for c in cells], meta if isinstance(meta, dict) else {})


def read_notebook(path: Path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Notebook:
    """The notebook at ``path``, or NotebookError saying why it cannot be graded."""
    return parse_notebook(read_submission(Path(path), max_bytes))


def nbgrader_meta(cell: Cell) -> dict:
    meta = cell.metadata.get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def code_cells(nb: Notebook) -> list[tuple[int, str]]:
    """(index, source) of the cells to run: every code cell except the check cells
    (nbgrader test cells: grade true, solution false), which the grader replaces."""
    cells = []
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        cells.append((i, cell.source))
    return cells
