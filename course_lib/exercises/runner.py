"""Run a learner's notebook in a separate, limited process and judge its functions.

This is the engine shared by ``course-lib check`` (public cases, the learner's own
notebook, any operating system) and ``course-lib grade`` (public and hidden cases,
untrusted notebooks, Linux). The learner's code runs in a :mod:`.worker` process:

- for ``grade``, inside a bubblewrap sandbox (:mod:`.sandbox`): read-only system, no
  network, its own process IDs, an unprivileged uid, a scratch folder holding a copy
  of the notebook and nothing else of the grader's;
- with limits: address space (memory), CPU seconds, file sizes, open files, and (in the
  sandbox) the number of processes; one BLAS thread;
- with wall-clock timeouts per cell and per call: a cell that hangs is killed and skipped,
  a function that hangs, crashes or exits costs only its own points (the worker is
  restarted and the cells that ran well are run again);
- sending back only data (:mod:`.codec`, never pickle). Expected answers and the
  comparison stay in this process (:mod:`.engine`);
- with the course's reference in place of the earlier exercises a function may call
  (``Exercise.uses``: 4.3 calls 4.1 and 4.2), so that one mistake is not paid twice.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from . import codec
from .engine import (
    CellResult,
    ExerciseResult,
    NotebookResult,
    Outcome,
    Trial,
    public_trials,
    run_cases,
    unreadable,
)
from .sandbox import ENVIRONMENT, NOTEBOOK, Sandbox, learner_uid, python_executable
from .spec import Assignment, Exercise


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 30.0  # seconds of wall time for one cell
    call_timeout: float | None = None  # seconds for one call; None: each exercise's own
    memory_mb: int = 2048  # address-space limit of the learner's process
    cpu_seconds: int = 600  # CPU-time limit of one learner process
    processes: int = 4  # processes and threads of the learner's uid (in the sandbox only)
    max_reply_bytes: int = 64 * 1024 * 1024  # a larger reply counts as an error
    max_restarts: int = 20  # after that, the remaining calls count as crashed
    startup_timeout: float = 120.0  # seconds for a new process to load Python and numpy
    max_notebook_bytes: int = 20 * 1024 * 1024  # a larger submission is not read


class NotebookError(ValueError):
    """The submission cannot be read as a notebook; the reason is in words."""


class WorkerDied(RuntimeError):
    pass


class WorkerTimeout(RuntimeError):
    pass


class Cancelled(RuntimeError):
    """Grading was cancelled (Ctrl-C) while this notebook ran: it has no result."""


class Cancellation:
    """Shared by the workers of one batch: ``cancel()`` kills every live worker at once,
    and no new one starts after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._workers: set[Worker] = set()
        self.requested = False

    def add(self, worker: Worker) -> bool:
        with self._lock:
            if not self.requested:
                self._workers.add(worker)
            return not self.requested

    def discard(self, worker: Worker) -> None:
        with self._lock:
            self._workers.discard(worker)

    def cancel(self) -> None:
        with self._lock:
            self.requested = True
            workers = list(self._workers)
        for worker in workers:
            try:
                worker.kill()
            except Exception:  # one that cannot be killed must not spare the others
                continue


class _UidSlots:
    """Sandboxes running at the same time get different uids (see sandbox.learner_uid)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: set[int] = set()

    def take(self) -> int:
        with self._lock:
            slot = next(i for i in range(len(self._used) + 1) if i not in self._used)
            self._used.add(slot)
            return slot

    def give_back(self, slot: int) -> None:
        with self._lock:
            self._used.discard(slot)


UID_SLOTS = _UidSlots()


# ----- reading a submission -----


def read_submission(path: Path, max_bytes: int) -> bytes:
    """The bytes of a submitted file, read only if it is a regular file (not a symlink,
    FIFO or device) no larger than ``max_bytes``; otherwise NotebookError saying why."""
    try:
        info = os.lstat(path)
    except OSError as err:
        raise NotebookError(f"the file cannot be read ({err.strerror})") from None
    _check_kind(info, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise NotebookError(f"the file cannot be read ({err.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        _check_kind(os.fstat(f.fileno()), max_bytes)  # the same file as checked above
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NotebookError(_too_large(len(data), max_bytes))
    return data


def _check_kind(info: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise NotebookError("it is a symbolic link, not a file: submit the notebook itself")
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(
            info.st_mode) else "a device or socket"  # fmt: skip
        raise NotebookError(f"it is {kind}, not a regular file")
    if info.st_size > max_bytes:
        raise NotebookError(_too_large(info.st_size, max_bytes))


def _too_large(size: int, max_bytes: int) -> str:
    return (f"the file is larger than the {max_bytes / 2**20:g} MB a notebook may have "
            f"({size / 2**20:.1f} MB; clear large outputs and submit again)")  # fmt: skip


def parse_notebook(raw: bytes) -> nbformat.NotebookNode:
    """The notebook in ``raw``, or NotebookError saying why it cannot be graded."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise NotebookError("the file is not a notebook (it is not valid JSON)") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookError("the file is JSON but not a Jupyter notebook") from None
    major = data.get("nbformat")
    if major != 4:
        raise NotebookError(
            f"the notebook is in format version {codec.text(str(major), 20)}; open it in a "
            "current JupyterLab, save it (format 4) and submit it again"
        )
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as err:
        raise NotebookError(f"the notebook is damaged ({codec.text(str(err), 200)})") from None
    if not all(hasattr(c, "cell_type") and isinstance(c.get("source"), str) for c in nb.cells):
        raise NotebookError("the notebook is damaged (a cell has no source)")
    return nb


def read_notebook(path: Path, max_bytes: int = Limits.max_notebook_bytes) -> nbformat.NotebookNode:
    """The notebook at ``path``, or NotebookError saying why it cannot be graded."""
    return parse_notebook(read_submission(Path(path), max_bytes))


def assignment_of(nb: nbformat.NotebookNode, path: Path) -> Assignment | None:
    """The assignment a notebook belongs to: from its metadata, else from its file name."""
    from .assignments import ASSIGNMENTS  # the course's exercises, loaded when needed

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
    """One learner process, spoken to over pipes. In a sandbox, killing it kills its PID
    namespace, so everything it started dies too; outside, its process group is killed."""

    def __init__(
        self, scratch: Path, limits: Limits, sandbox: Sandbox | None = None,
        uid: int | None = None, cancellation: Cancellation | None = None,
        watch: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        self.limits, self.cancellation = limits, cancellation
        self.sandbox_pid: int | None = None  # the sandbox's first process, in our PID view
        numbers = (limits.memory_mb, limits.cpu_seconds, limits.processes if sandbox else 0,
                   -1 if uid is None else uid)  # fmt: skip
        python = python_executable() if sandbox is not None else sys.executable
        argv = [python, "-I", "-B", "-m", "course_lib.exercises.worker", *map(str, numbers)]
        options: dict[str, Any] = {}
        if os.name == "posix":
            options["start_new_session"] = True  # Ctrl-C in the terminal reaches only the grader
        status_r = status_w = None
        if sandbox is not None:
            status_r, status_w = os.pipe()
            argv = sandbox.command(scratch, argv)
            argv[1:1] = ["--json-status-fd", str(status_w)]
            options.update(env=dict(ENVIRONMENT), pass_fds=(status_w,))
        else:
            options.update(env=_plain_environment(scratch), cwd=scratch)
        self.sandboxed = sandbox is not None
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            **options,
        )  # fmt: skip
        self.buffer = b""
        self.next_id = "ready"
        self.chunks: queue.Queue[bytes] = queue.Queue(maxsize=64)
        self.closed = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()
        try:
            if status_w is not None:
                os.close(status_w)
            if cancellation is not None and not cancellation.add(self):  # cancelled meanwhile
                raise WorkerDied("grading was cancelled")
            if status_r is not None:
                self.sandbox_pid = _child_pid(status_r, limits.startup_timeout)
            # wait until Python and numpy are loaded, so that timeouts are fair on a busy machine
            self._await_reply(time.monotonic() + limits.startup_timeout)
            if watch:  # before any learner code (see worker.py)
                self.request({"op": "watch", **watch}, limits.startup_timeout)
        except (WorkerTimeout, WorkerDied):
            self.kill()
            raise WorkerDied("the process for your code could not start") from None
        finally:
            if status_r is not None:
                os.close(status_r)

    def _pump(self) -> None:
        """Move what the worker writes into ``chunks`` (a thread: pipes cannot be polled
        on every system). The queue is bounded, so a flood of output only blocks the writer."""
        fd = self.proc.stdout.fileno()
        while not self.closed.is_set():
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError:
                chunk = b""
            while not self.closed.is_set():
                try:
                    self.chunks.put(chunk, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if not chunk:
                return

    def _end_of_stream(self) -> None:
        """Queue the end of the stream (b""), making room for it if the queue is full."""
        while True:
            try:
                self.chunks.put_nowait(b"")
                return
            except queue.Full:
                try:
                    self.chunks.get_nowait()
                except queue.Empty:
                    pass

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        # a fresh random id per request: a line the learner's code forges cannot answer
        # a request it has not seen yet
        self.next_id = secrets.token_hex(8)
        message["id"] = self.next_id
        try:
            self.proc.stdin.write((codec.dumps(message) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
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
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerTimeout()
            try:
                chunk = self.chunks.get(timeout=left)
            except queue.Empty:
                continue
            if not chunk:
                self._end_of_stream()  # stays at the end of the stream
                raise WorkerDied("the process running your code stopped")
            self.buffer += chunk
            if len(self.buffer) > self.limits.max_reply_bytes:
                raise WorkerDied("the process running your code sent back too much data")
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def kill(self) -> None:
        """Kill the process and all it started (also when the worker itself has exited:
        what it started may still run). Safe to call twice, and while it starts."""
        if self.sandboxed and self.sandbox_pid is None:
            # killed before bwrap said its child's PID: find that child ourselves (bwrap's
            # --die-with-parent alone can miss a child that was just being set up)
            self.sandbox_pid = _first_child(self.proc.pid)
        if self.sandbox_pid is not None:
            _kill(self.sandbox_pid)  # the namespace's first process: the kernel kills the rest
            try:
                self.proc.wait(timeout=5)  # bwrap reaps it, so the namespace is gone
            except subprocess.TimeoutExpired:
                pass
        elif hasattr(os, "killpg"):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.closed.set()
        # whoever waits for a reply (another thread, on Ctrl-C) learns at once that none comes:
        # the pump stops once closed is set, and might not have queued the end of the stream
        self._end_of_stream()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self.cancellation is not None:
            self.cancellation.discard(self)


def _child_pid(fd: int, timeout: float) -> int:
    """The PID of the sandbox's first process, from bwrap's --json-status-fd."""
    import select

    text, deadline = b"", time.monotonic() + timeout
    while b"}" not in text:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise WorkerTimeout()
        chunk = os.read(fd, 4096)
        if not chunk:
            raise WorkerDied("the sandbox did not start")
        text += chunk
    return int(json.loads(text[: text.index(b"}") + 1])["child-pid"])


def _first_child(pid: int) -> int | None:
    """The first child process of ``pid`` (Linux), or None."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _plain_environment(scratch: Path) -> dict[str, str]:
    """The environment of an unsandboxed worker (``course-lib check``): the sandbox's, with
    this system's PATH and the scratch folder as home."""
    env = dict(ENVIRONMENT, PATH=os.environ.get("PATH", os.defpath), HOME=str(scratch),
               TMPDIR=str(scratch), MPLCONFIGDIR=str(scratch / ".matplotlib"))  # fmt: skip
    if os.name == "nt":  # Windows' Python needs these to start
        env.update({k: os.environ[k] for k in ("SYSTEMROOT", "USERPROFILE") if k in os.environ})
    return env


# ----- running a notebook -----


class Session:
    """A notebook's cells running in a worker, restarted when it hangs or dies."""

    def __init__(
        self, cells: list[tuple[int, str]], scratch: Path, limits: Limits,
        sandbox: Sandbox | None = None, uid: int | None = None,
        cancellation: Cancellation | None = None, watch: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        self.cells, self.scratch, self.limits = cells, scratch, limits
        self.sandbox, self.uid, self.cancellation = sandbox, uid, cancellation
        self.watch = watch
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
            return Worker(self.scratch, self.limits, self.sandbox, self.uid, self.cancellation,
                          self.watch)  # fmt: skip
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
        error = reply.get("error")
        if error is None:
            self.good.append((index, source))
        else:
            error = codec.text(str(error), 600)
        return CellResult(index, error, codec.text(str(reply.get("output", "")), 2000))

    def restart(self) -> None:
        """A fresh worker that has run again every cell that ran well before."""
        if self.worker is not None:
            self.worker.kill()
        self.restarts += 1
        cancelled = self.cancellation is not None and self.cancellation.requested
        if self.restarts > self.limits.max_restarts or cancelled:
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
            start = time.monotonic()
            request = {"op": "call", "function": ex.function, "args": list(args)}
            reply = self.worker.request(request, timeout)
            seconds = time.monotonic() - start  # measured here: the learner cannot fake it
        except WorkerTimeout:
            self.restart()
            return Outcome("timeout", message=f"it did not finish within {timeout:g} s")
        except WorkerDied as err:
            self.restart()
            return Outcome("crashed", message=f"{err} (it exited, crashed or ran out of memory)")
        kind = reply.get("kind")
        if kind == "value":
            called = reply.get("forbidden")
            called = [codec.text(str(c), 100) for c in called] if isinstance(called, list) else []
            return Outcome("value", reply.get("value"), seconds=seconds, forbidden=called,
                           tampered=reply.get("tampered") is not False)  # fmt: skip
        if kind == "not implemented":
            return Outcome("not implemented")
        if kind == "missing":
            return Outcome("missing", message=f"there is no function named `{ex.function}`")
        return Outcome("error", message=codec.text(str(reply.get("message", "it failed")), 600))

    def close(self) -> None:
        if self.worker is not None:
            self.worker.kill()


def run_notebook(
    path: Path | str, assignment: Assignment | None = None,
    trials: dict[str, list[Trial]] | None = None, limits: Limits | None = None,
    sandbox: Sandbox | None = None, data: bytes | None = None,
    cancellation: Cancellation | None = None,
) -> NotebookResult:  # fmt: skip
    """Run one learner's notebook in a worker (in ``sandbox`` if given) and judge each
    exercise of ``assignment`` (found from the notebook when None) on its ``trials``
    (by grade_id; default: the public cases). ``data``: the file's bytes, when already
    read. Never raises for a bad submission: problems are reported in the result.
    Raises Cancelled when ``cancellation`` was requested meanwhile."""
    start = time.monotonic()
    limits = limits or Limits()
    path = Path(path)
    try:
        if data is None:
            data = read_submission(path, limits.max_notebook_bytes)
        nb = parse_notebook(data)
    except NotebookError as err:
        if assignment is None:
            raise
        return unreadable(assignment, str(err))
    assignment = assignment or assignment_of(nb, path)
    if assignment is None:
        raise NotebookError("this notebook is not one of the course's exercise notebooks")
    if trials is None:
        trials = {ex.grade_id: public_trials(ex) for ex in assignment.exercises}
    ids = {_nbgrader(c).get("grade_id") for c in nb.cells}
    result = NotebookResult(assignment)
    slot = UID_SLOTS.take()
    uid = learner_uid(slot) if sandbox is not None else None
    try:
        with tempfile.TemporaryDirectory(prefix="course-lib-") as tmp:
            scratch = Path(tmp) / "work"
            scratch.mkdir()
            copy = scratch / NOTEBOOK  # the learner's own copy (read-only in the sandbox)
            copy.write_bytes(data)
            os.chmod(copy, 0o644)
            # what each function may not call, and the earlier functions whose reference
            # is put in place of the learner's while it runs (no double jeopardy)
            watch = {"specs": {ex.function: list(ex.forbidden) for ex in assignment.exercises},
                     "uses": {ex.function: list(ex.uses) for ex in assignment.exercises
                              if ex.uses}}  # fmt: skip
            session = Session(code_cells(nb), scratch, limits, sandbox, uid, cancellation, watch)
            try:
                session.run_all()
                for ex in assignment.exercises:
                    if ex.answer_id not in ids:
                        result.exercises.append(ExerciseResult(ex, problem=(
                            f"the answer cell of `{ex.function}` is missing from the notebook "
                            "(was it deleted? copy your code into a fresh exercise notebook)"
                        )))  # fmt: skip
                        continue
                    call = lambda args, ex=ex: _outcome(session.call(ex, args))  # noqa: E731
                    found = run_cases(ex, call, trials[ex.grade_id])
                    result.exercises.append(ExerciseResult(ex, found))
            finally:
                session.close()
            result.cells = session.results
    finally:
        UID_SLOTS.give_back(slot)
    if cancellation is not None and cancellation.requested:
        raise Cancelled()
    result.seconds = time.monotonic() - start
    return result


def _outcome(outcome: Outcome) -> Outcome:
    """Missing functions count as errors (with their own words)."""
    if outcome.kind == "missing":
        return Outcome("error", message=outcome.message + " (was it renamed?)")
    return outcome


__all__ = ["Limits", "NotebookError", "NotebookResult", "run_notebook"]
