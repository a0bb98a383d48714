"""Run a learner's notebook in a separate, limited process and judge its functions.

This is the engine shared by ``course-lib check`` (public cases) and ``course-lib grade``
(public and hidden cases). The learner's code runs in a :mod:`.worker` process:

- with limits: address space (memory), CPU seconds, file sizes, open files; one BLAS thread;
- with wall-clock timeouts per cell and per call: a cell that hangs is killed and skipped,
  a function that hangs, crashes or exits costs only its own points (the worker is
  restarted and the cells that ran well are run again);
- in a scratch directory that is deleted afterwards, with a minimal environment;
- sending back only data (:mod:`.codec`, never pickle). Expected answers and the
  comparison stay in this process (:mod:`.check`).
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from . import codec
from .assignments import ASSIGNMENTS
from .check import CaseResult, Outcome, run_cases
from .spec import ERROR, NOT_DONE, Assignment, Exercise, Verdict


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 30.0  # seconds of wall time for one cell
    call_timeout: float | None = None  # seconds for one call; None: each exercise's own
    memory_mb: int = 2048  # address-space limit of the learner's process
    cpu_seconds: int = 600  # CPU-time limit of one learner process
    max_reply_bytes: int = 64 * 1024 * 1024  # a larger reply counts as an error
    max_restarts: int = 20  # after that, the remaining calls count as crashed
    startup_timeout: float = 120.0  # seconds for a new process to load Python and numpy


class NotebookError(ValueError):
    """The submission cannot be read as a notebook; the reason is in words."""


class WorkerDied(RuntimeError):
    pass


class WorkerTimeout(RuntimeError):
    pass


# ----- reading a submission -----


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, or NotebookError saying why it cannot be graded."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise NotebookError(f"the file cannot be read ({err.strerror})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotebookError("the file is not a notebook (it is not valid JSON)") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookError("the file is JSON but not a Jupyter notebook") from None
    major = data.get("nbformat")
    if major != 4:
        raise NotebookError(
            f"the notebook is in format version {major}; open it in a current JupyterLab, "
            "save it (format 4) and submit it again"
        )
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as err:
        raise NotebookError(f"the notebook is damaged ({str(err)[:200]})") from None
    if not all(hasattr(c, "cell_type") and isinstance(c.get("source"), str) for c in nb.cells):
        raise NotebookError("the notebook is damaged (a cell has no source)")
    return nb


def assignment_of(nb: nbformat.NotebookNode, path: Path) -> Assignment | None:
    """The assignment a notebook belongs to: from its metadata, else from its file name."""
    stem = nb.metadata.get("course_lib", {}).get("assignment")
    if stem in ASSIGNMENTS:
        return ASSIGNMENTS[stem]
    for name, assignment in ASSIGNMENTS.items():
        if Path(path).stem.startswith(name) or Path(path).stem.startswith(name[:3]):
            return assignment
    return None


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def code_cells(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(index, source) of the cells to run: every code cell except the check cells
    (nbgrader test cells: grade true, solution false), which the grader replaces."""
    cells = []
    for i, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        cells.append((i, cell.source))
    return cells


# ----- the worker process -----


class Worker:
    """One learner process, spoken to over pipes, killed with its whole process group."""

    def __init__(self, scratch: Path, limits: Limits) -> None:
        self.limits = limits
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(scratch),
            "TMPDIR": str(scratch),
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(scratch / ".matplotlib"),
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "LANG": "C.UTF-8",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "course_lib.exercises.worker",
             str(limits.memory_mb), str(limits.cpu_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=scratch, env=env, start_new_session=True,
        )  # fmt: skip
        self.buffer = b""
        self.next_id = "ready"
        try:  # wait until Python and numpy are loaded, so that timeouts are fair on a busy machine
            self._await_reply(time.monotonic() + limits.startup_timeout)
        except (WorkerTimeout, WorkerDied):
            self.kill()
            raise WorkerDied("the process for your code could not start") from None

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        # a fresh random id per request: a line the learner's code forges cannot answer
        # a request it has not seen yet
        self.next_id = secrets.token_hex(8)
        message["id"] = self.next_id
        try:
            self.proc.stdin.write((codec.dumps(message) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerDied("the process running your code had stopped") from None
        return self._await_reply(time.monotonic() + timeout)

    def _await_reply(self, deadline: float) -> dict[str, Any]:
        while True:
            line = self._read_line(deadline)
            try:
                reply = codec.loads(line)
            except codec.DecodeError:
                continue  # not a reply of ours: ignore it
            if isinstance(reply, dict) and reply.get("id") == self.next_id:
                return reply

    def _read_line(self, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WorkerTimeout()
                if not selector.select(left):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise WorkerDied("the process running your code stopped")
                self.buffer += chunk
                if len(self.buffer) > self.limits.max_reply_bytes:
                    raise WorkerDied("the process running your code sent back too much data")
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


# ----- running a notebook -----


@dataclass
class CellResult:
    index: int
    error: str | None = None
    output: str = ""


@dataclass
class ExerciseResult:
    exercise: Exercise
    results: list[CaseResult] = field(default_factory=list)
    problem: str | None = None  # a reason that applies before any case (missing cell, ...)

    @property
    def passed(self) -> bool:
        return self.problem is None and bool(self.results) and self.results[-1].verdict.passed

    @property
    def score(self) -> int:
        return self.exercise.points if self.passed else 0


@dataclass
class NotebookResult:
    assignment: Assignment
    exercises: list[ExerciseResult] = field(default_factory=list)
    cells: list[CellResult] = field(default_factory=list)
    problem: str | None = None  # the notebook could not be graded at all
    seconds: float = 0.0

    @property
    def score(self) -> int:
        return sum(r.score for r in self.exercises)


class Session:
    """A notebook's cells running in a worker, restarted when it hangs or dies."""

    def __init__(self, cells: list[tuple[int, str]], scratch: Path, limits: Limits) -> None:
        self.cells, self.scratch, self.limits = cells, scratch, limits
        self.good: list[tuple[int, str]] = []  # cells that ran to the end, to replay
        self.results: list[CellResult] = []
        self.restarts = 0
        self.worker: Worker | None = None

    def run_all(self) -> None:
        self.worker = self._start()
        for index, source in self.cells:
            if self.worker is None:
                self.results.append(CellResult(index, "not run: the process could not start"))
                continue
            self.results.append(self._run_cell(index, source))

    def _start(self) -> Worker | None:
        try:
            return Worker(self.scratch, self.limits)
        except WorkerDied:
            return None

    def _run_cell(self, index: int, source: str) -> CellResult:
        try:
            reply = self.worker.request(
                {"op": "run", "index": index, "source": source}, self.limits.cell_timeout
            )
        except WorkerTimeout:
            self.restart()
            limit = self.limits.cell_timeout
            return CellResult(index, f"the cell did not finish within {limit:g} s")
        except WorkerDied as err:
            self.restart()
            return CellResult(index, f"{err} (it exited, crashed or ran out of memory)")
        if reply.get("error") is None:
            self.good.append((index, source))
        return CellResult(index, reply.get("error"), str(reply.get("output", ""))[:2000])

    def restart(self) -> None:
        """A fresh worker that has run again every cell that ran well before."""
        if self.worker is not None:
            self.worker.kill()
        self.restarts += 1
        if self.restarts > self.limits.max_restarts:
            self.worker = None
            return
        self.worker = self._start()
        if self.worker is None:
            return
        for index, source in list(self.good):
            try:
                self.worker.request({"op": "run", "index": index, "source": source},
                                    self.limits.cell_timeout)  # fmt: skip
            except (WorkerTimeout, WorkerDied):
                self.good.remove((index, source))  # it behaved differently this time
                return self.restart()

    def call(self, ex: Exercise, args: tuple) -> Outcome:
        if self.worker is None:
            return Outcome("crashed", message="not run: your code crashed its process too often")
        timeout = self.limits.call_timeout or ex.call_timeout
        try:
            reply = self.worker.request(
                {"op": "call", "function": ex.function, "args": list(args)}, timeout
            )
        except WorkerTimeout:
            self.restart()
            return Outcome("timeout", message=f"it did not finish within {timeout:g} s")
        except WorkerDied as err:
            self.restart()
            return Outcome("crashed", message=f"{err} (it exited, crashed or ran out of memory)")
        kind = reply.get("kind")
        if kind == "value":
            return Outcome("value", reply.get("value"))
        if kind == "not implemented":
            return Outcome("not implemented")
        if kind == "missing":
            return Outcome("missing", message=f"there is no function named `{ex.function}`")
        return Outcome("error", message=str(reply.get("message", "it failed"))[:600])

    def close(self) -> None:
        if self.worker is not None:
            self.worker.kill()


def run_notebook(
    path: Path | str, assignment: Assignment | None = None, hidden: bool = False,
    limits: Limits | None = None,
) -> NotebookResult:  # fmt: skip
    """Run one learner's notebook in a worker and judge each exercise of ``assignment``
    (found from the notebook when None) on its public cases, and its hidden ones if asked.
    Never raises for a bad submission: problems are reported in the result."""
    start = time.monotonic()
    limits = limits or Limits()
    path = Path(path)
    try:
        nb = read_notebook(path)
    except NotebookError as err:
        if assignment is None:
            raise
        return _unreadable(assignment, str(err), start)
    assignment = assignment or assignment_of(nb, path)
    if assignment is None:
        raise NotebookError("this notebook is not one of the course's exercise notebooks")
    ids = {_nbgrader(c).get("grade_id") for c in nb.cells}
    result = NotebookResult(assignment)
    with tempfile.TemporaryDirectory(prefix="course-lib-") as tmp:
        scratch = Path(tmp) / "work"
        scratch.mkdir()
        session = Session(code_cells(nb), scratch, limits)
        try:
            session.run_all()
            for ex in assignment.exercises:
                if ex.answer_id not in ids:
                    result.exercises.append(ExerciseResult(ex, problem=(
                        f"the answer cell of `{ex.function}` is missing from the notebook "
                        "(was it deleted? copy your code into a fresh exercise notebook)"
                    )))  # fmt: skip
                    continue
                cases = run_cases(ex, lambda args, ex=ex: _outcome(session.call(ex, args)),
                                  hidden=hidden)  # fmt: skip
                result.exercises.append(ExerciseResult(ex, cases))
        finally:
            session.close()
        result.cells = session.results
    result.seconds = time.monotonic() - start
    return result


def _outcome(outcome: Outcome) -> Outcome:
    """Missing functions count as errors (with their own words)."""
    if outcome.kind == "missing":
        return Outcome("error", message=outcome.message + " (was it renamed?)")
    return outcome


def _unreadable(assignment: Assignment, reason: str, start: float) -> NotebookResult:
    result = NotebookResult(assignment, problem=reason)
    result.exercises = [ExerciseResult(ex, problem=reason) for ex in assignment.exercises]
    result.seconds = time.monotonic() - start
    return result


def exercise_status(r: ExerciseResult) -> str:
    if r.problem:
        return ERROR
    if not r.results:
        return NOT_DONE
    return r.results[-1].verdict.status


__all__ = ["Limits", "NotebookError", "NotebookResult", "run_notebook", "Verdict"]
