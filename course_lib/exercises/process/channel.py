"""The grader's end of one learner process: a worker started (in a sandbox or not) and
spoken to over pipes, one request and one reply per line. Every exchange has a deadline,
the writes as well as the reads (a worker that stops reading its input cannot block the
grader), and what a reply may hold is bounded (bytes, and items before they are parsed),
so one learner costs only their own row. Killing a worker kills everything it started; the
CPU time it used is read from the kernel (``/proc``), where the learner cannot change it.

:class:`Limits` are what one learner process may use; a :class:`Launcher` (the bubblewrap
sandbox of ``course_lib.instructor.sandbox``) wraps the worker's command line; without
one, the worker runs as a plain child process (``course-lib check``, the learner's own
notebook).
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ...i18n import _
from .. import codec
from .environment import ENVIRONMENT
from .notebook import MAX_NOTEBOOK_BYTES


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 30.0  # seconds of wall time for one cell
    call_timeout: float | None = None  # seconds for one call; None: each exercise's own
    memory_mb: int = 2048  # address-space limit of the learner's process
    cpu_seconds: int = 600  # CPU-time limit of one learner process
    processes: int = 4  # processes and threads of the learner's uid (in the sandbox only)
    max_reply_bytes: int = 16 * 1024 * 1024  # a larger reply counts as an error
    max_reply_items: int = 100_000  # lists and dicts in one reply, counted before parsing
    max_restarts: int = 20  # after that, the remaining calls count as crashed
    startup_timeout: float = 120.0  # seconds for a new process to load Python and numpy
    # seconds of wall time for a whole submission, restarts and replays included
    submission_timeout: float = 300.0
    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES  # a larger submission is not read


class WorkerDied(RuntimeError):
    """The worker stopped, or could not start; the message says so to the learner."""


class ReplyRefused(WorkerDied):
    """The worker sent back more than a reply may hold; the message says what."""


class WorkerTimeout(RuntimeError):
    pass


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


class StandIns(Protocol):
    """The grader's stand-ins for earlier exercises: ``serve(name, args, kwargs)`` is the
    course's reference's answer, computed in the grader's process on the data the learner's
    process sent (KeyError for a name that may not be stood in for here)."""

    def __call__(self, name: str, args: list, kwargs: dict) -> Any: ...


def _stand_in_answer(serve: StandIns | None, request: dict[str, Any]) -> dict[str, Any]:
    """The answer to a stand-in's call: its value, or the error it raised (type, message)."""
    name, args, kwargs = request.get("function"), request.get("args"), request.get("kwargs")
    if serve is None or not isinstance(name, str):
        return {"error": ["RuntimeError", _("no stand-in is available here")]}
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        # TRANSLATORS: {function} is the name of a function of the course, "relu"
        said = _("{function}: arguments that are not data").format(function=name)
        return {"error": ["TypeError", said]}
    try:
        return {"value": serve(name, args, kwargs)}
    except KeyError:
        said = _("{function} has no stand-in here").format(function=codec.text(name, 60))
        return {"error": ["RuntimeError", said]}
    except Exception as err:  # the reference refused the learner's arguments: say how
        return {"error": [type(err).__name__, codec.text(str(err), 300)]}


class Launcher(Protocol):
    """How to start the worker inside a sandbox."""

    def command(
        self, scratch: Path, argv: list[str], masked: tuple[str, ...] = ()
    ) -> tuple[list[str], list[int]]:
        """The command line that runs ``argv`` in the sandbox, around ``scratch``, with the
        modules of course_lib in ``masked`` replaced by stubs; and the file descriptors to
        pass to it (then close)."""

    def python(self) -> str:
        """The path of Python as the sandbox sees it."""

    def uid(self, slot: int) -> int | None:
        """The uid for the learner's code in the sandbox numbered ``slot`` (None: ours)."""


class Worker:
    """One learner process, spoken to over pipes. In a sandbox, killing it kills its PID
    namespace, so everything it started dies too; outside, its process group is killed."""

    def __init__(
        self,
        scratch: Path,
        limits: Limits,
        sandbox: Launcher | None = None,
        uid: int | None = None,
        cancellation: Cancellation | None = None,
        watch: dict[str, Any] | None = None,
        until: float | None = None,
        masked: tuple[str, ...] = (),
    ) -> None:
        """Start the worker (in ``sandbox`` if given, as ``uid``, without the ``masked``
        modules) and wait until it is ready and knows what to ``watch``; by ``until`` (a
        time.monotonic() deadline) at the latest."""
        self.limits, self.cancellation = limits, cancellation
        self.sandbox_pid: int | None = None  # the sandbox's first process, in our PID view
        numbers = (
            limits.memory_mb,
            limits.cpu_seconds,
            limits.processes if sandbox else 0,
            -1 if uid is None else uid,
        )
        python = sandbox.python() if sandbox is not None else sys.executable
        argv = [python, "-I", "-B", "-m", "course_lib.exercises.process.worker", *map(str, numbers)]
        options: dict[str, Any] = {}
        if os.name == "posix":
            options["start_new_session"] = True  # Ctrl-C in the terminal reaches only the grader
        status_r = status_w = None
        fds: list[int] = []
        if sandbox is not None:
            status_r, status_w = os.pipe()
            argv, fds = sandbox.command(scratch, argv, masked)
            argv[1:1] = ["--json-status-fd", str(status_w)]
            options.update(env=dict(ENVIRONMENT), pass_fds=(status_w, *fds))
        else:
            options.update(env=_plain_environment(scratch), cwd=scratch)
        self.sandboxed = sandbox is not None
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                **options,
            )
        finally:
            for fd in fds:
                os.close(fd)
        self.buffer = bytearray()
        self.next_id = "ready"
        self.chunks: queue.Queue[bytes] = queue.Queue(maxsize=16)  # of at most 64 KB each
        self.closed = threading.Event()
        if os.name == "posix":  # writes wait with a deadline (select), never forever
            os.set_blocking(self.proc.stdin.fileno(), False)
        threading.Thread(target=self._pump, daemon=True).start()
        deadline = min(time.monotonic() + limits.startup_timeout, until or float("inf"))
        try:
            if status_w is not None:
                os.close(status_w)
            if cancellation is not None and not cancellation.add(self):  # cancelled meanwhile
                raise WorkerDied(_("grading was cancelled"))
            if status_r is not None:
                self.sandbox_pid = _child_pid(status_r, deadline - time.monotonic())
            # wait until Python and numpy are loaded, so that timeouts are fair on a busy machine
            self._await_reply(deadline)
            if watch:  # before any learner code (see worker.py)
                self.request({"op": "watch", **watch}, deadline)
        except (WorkerTimeout, WorkerDied):
            self.kill()
            raise WorkerDied(_("the process for your code could not start")) from None
        finally:
            if status_r is not None:
                os.close(status_r)

    def _pump(self) -> None:
        """Move what the worker writes into ``chunks`` (a thread: pipes cannot be polled
        on every system). The queue is bounded, so a flood of output only blocks the writer."""
        fd = self.proc.stdout.fileno()
        while not self.closed.is_set():
            try:
                chunk = os.read(fd, 1 << 16)
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

    def request(
        self, message: dict[str, Any], deadline: float, serve: StandIns | None = None
    ) -> dict[str, Any]:
        """Send ``message`` and return the worker's reply to it, both by ``deadline`` (a
        time.monotonic() time; WorkerTimeout after it). Meanwhile, a stand-in's call (see
        worker.py) is answered by ``serve``."""
        # a fresh random id per request: a line the learner's code forges cannot answer
        # a request it has not seen yet
        self.next_id = secrets.token_hex(8)
        message["id"] = self.next_id
        self._send(message, deadline)
        return self._await_reply(deadline, serve)

    def _send(self, message: dict[str, Any], deadline: float) -> None:
        """Write one line to the worker by ``deadline``: a worker that does not read its
        input (a busy thread, a sleep, a flood of its own) times out instead of blocking us."""
        data = (codec.dumps(message) + "\n").encode("utf-8")
        fd = self.proc.stdin.fileno()
        try:
            while data:
                if os.name == "posix":
                    left = deadline - time.monotonic()
                    if left <= 0 or not select.select([], [fd], [], left)[1]:
                        raise WorkerTimeout()
                    try:
                        data = data[os.write(fd, data) :]
                    except BlockingIOError:
                        continue
                else:  # Windows (course-lib check, the learner's own notebook): blocking
                    self.proc.stdin.write(data)
                    self.proc.stdin.flush()
                    data = b""
        except (BrokenPipeError, OSError, ValueError):
            raise WorkerDied(_("the process running your code had stopped")) from None

    def _await_reply(self, deadline: float, serve: StandIns | None = None) -> dict[str, Any]:
        while True:
            line = self._read_line(deadline)
            items = line.count(b"[") + line.count(b"{")
            if items > self.limits.max_reply_items:  # before json builds them all
                said = _(
                    "the process running your code sent back {items:,} lists and dicts in one "
                    "reply (at most {limit:,})"
                )
                raise ReplyRefused(said.format(items=items, limit=self.limits.max_reply_items))
            try:
                reply = codec.loads(line)
            except (codec.DecodeError, RecursionError):
                continue  # not a reply of ours: ignore it
            if not isinstance(reply, dict) or reply.get("id") != self.next_id:
                continue
            if reply.get("op") != "stand_in":
                return reply
            self._send({"id": self.next_id, **_stand_in_answer(serve, reply)}, deadline)

    def cpu_seconds(self) -> float | None:
        """The CPU time used so far by the worker and every process it started (all their
        threads), as the kernel counts it (Linux; None elsewhere). Load on the machine does
        not change it, and nothing in the worker can."""
        root = self.sandbox_pid if self.sandbox_pid is not None else self.proc.pid
        return _tree_cpu_seconds(root)

    def _read_line(self, deadline: float) -> bytes:
        """The next line the worker wrote, by ``deadline``. The buffer grows in place and
        only what came last is searched for the end of the line: a reply of many megabytes
        costs its own size once, not its size times the number of chunks it came in."""
        scanned = 0
        while (end := self.buffer.find(b"\n", scanned)) < 0:
            scanned = len(self.buffer)
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerTimeout()
            try:
                chunk = self.chunks.get(timeout=left)
            except queue.Empty:
                continue
            if not chunk:
                self._end_of_stream()  # stays at the end of the stream
                raise WorkerDied(_("the process running your code stopped"))
            if len(self.buffer) + len(chunk) > self.limits.max_reply_bytes:
                self.buffer = bytearray()
                limit = self.limits.max_reply_bytes / 2**20
                said = _("the process running your code sent back more than {limit:g} MB at once")
                raise ReplyRefused(said.format(limit=limit))
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
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
    text, deadline = b"", time.monotonic() + timeout
    while b"}" not in text:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise WorkerTimeout()
        chunk = os.read(fd, 4096)
        if not chunk:
            raise WorkerDied(_("the sandbox did not start"))
        text += chunk
    return int(json.loads(text[: text.index(b"}") + 1])["child-pid"])


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree_cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of ``pid`` and all its descendants (Linux: /proc), counting
    the children they have already reaped; None where /proc is not there."""
    if not os.path.isdir(f"/proc/{pid}"):
        return None
    total, seen, todo = 0, set(), [pid]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()  # after the (name), which may hold spaces
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
                todo += [int(child) for child in children]
        except (OSError, ValueError, IndexError):
            continue  # it ended meanwhile: what it used is in its parent's cutime once reaped
    return total / _TICKS


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
    env = dict(
        ENVIRONMENT,
        PATH=os.environ.get("PATH", os.defpath),
        HOME=str(scratch),
        TMPDIR=str(scratch),
        MPLCONFIGDIR=str(scratch / ".matplotlib"),
    )
    if os.name == "nt":  # Windows' Python needs these to start
        env.update({k: os.environ[k] for k in ("SYSTEMROOT", "USERPROFILE") if k in os.environ})
    return env
