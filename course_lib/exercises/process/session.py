"""A notebook's cells running in a worker, and its graded functions judged.

:class:`Session` runs the cells in order in one worker (:mod:`.channel`), restarts it
when it hangs or dies and replays the cells that ran well; :func:`run_notebook` runs a
whole submission that way and judges each exercise of the assignment on its trials
(:mod:`..engine`), with the course's reference in place of the earlier exercises a
function may call (``Exercise.uses``: 4.3 calls 4.1 and 4.2), so that one mistake is
not paid twice.

This is shared by ``course-lib check`` (public cases, the learner's own notebook, any
operating system) and ``course-lib grade`` (public and hidden cases, untrusted notebooks,
in the instructor's bubblewrap sandbox). The learner's code only ever sends back data
(:mod:`..codec`, never pickle); expected answers and the comparison stay in this process.
So do the sentences the learner reads: the worker sends their pieces (an error as Python
says it, a line number), and this process says them in the learner's language.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no locks, so no sweep (folders removed as they end only)
    fcntl = None  # type: ignore[assignment]

from ...i18n import _, ngettext
from .. import codec
from ..engine import (
    CellResult,
    ExerciseResult,
    NotebookResult,
    Outcome,
    Trial,
    mark_blocked,
    mark_required,
    public_trials,
    run_cases,
    unreadable,
)
from ..inputs import with_data
from ..spec import Assignment, Ending, Exercise, masks
from .channel import (
    Cancellation,
    Launcher,
    Limits,
    ReplyRefused,
    StandIns,
    Worker,
    WorkerDied,
    WorkerTimeout,
)
from .environment import NOTEBOOK
from .notebook import NotebookError, code_cells, nbgrader_meta, parse_notebook, read_submission


class Cancelled(RuntimeError):
    """Grading was cancelled (Ctrl-C) while this notebook ran: it has no result."""


class _UidSlots:
    """Sandboxes running at the same time get different uids (see Launcher.uid)."""

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


# ----- private folders, and what a killed run left of them -----

# course-lib-KIND-PID-START-RANDOM: the kind of folder, the pid of the process that made it
# and that process's start time (0 where unknown), which tells a pid used again apart
_PRIVATE = re.compile(r"course-lib-([a-z]+)-([0-9]+)-([0-9]+)-[a-z0-9_]+")
LOCK = ".lock"  # in each private folder: flock-ed by its process for as long as it lives
_swept = False


def _start_time(pid: int) -> int:
    """When process ``pid`` started (clock ticks after boot, /proc/PID/stat's 22nd field);
    0 where that is unknown (no /proc, or the process is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return 0


def _running(pid: int, start: int) -> bool:
    """Whether the process that made a folder may still run: ``pid`` exists, and (where the
    start times are known) it is the same process, not a later one given the same pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        pass
    now = _start_time(pid)
    return not (start and now) or now == start


@contextlib.contextmanager
def private_folder(kind: str) -> Iterator[Path]:
    """A new folder in the temporary folder that only this user can read (0700: learners'
    notebooks are copied there), removed when the block ends, however it ends (Ctrl-C
    included). A run killed outright (SIGKILL, a power cut) cannot remove it: its folders
    stay, private, and the next run of this user removes them (:func:`sweep`, the first
    time a process makes one). They are named course-lib-KIND-PID-START-RANDOM (the process
    that made them and when it started), and hold a lock file that their process keeps
    locked (flock) as long as it lives, so that a running one is never taken for a dead
    one's, whatever the pid says (another container, the same pid used again)."""
    if not _swept:
        sweep()
    pid = os.getpid()
    folder = Path(tempfile.mkdtemp(prefix=f"course-lib-{kind}-{pid}-{_start_time(pid)}-"))
    lock = None
    try:
        if fcntl is not None:
            lock = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
        yield folder
    finally:
        _remove(folder)
        if lock is not None:
            os.close(lock)  # only now: a sweep never sees the folder unlocked before it is gone


def sweep(where: Path | None = None) -> list[Path]:
    """Remove what killed runs of this user left in the temporary folder (``where``): each
    real folder (not a link) named as :func:`private_folder` names them, owned by this user,
    whose process is gone and whose lock file nobody holds (taken here while it is removed).
    A folder without its lock file is left alone (it is being made, or not ours). Returns
    the folders removed (none where there are no locks: Windows)."""
    global _swept
    _swept = True
    root = Path(where or tempfile.gettempdir())
    removed: list[Path] = []
    if fcntl is None:
        return removed
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        found = _PRIVATE.fullmatch(entry.name)
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if found is None or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        pid, start = int(found[2]), int(found[3])
        if pid == os.getpid() or _running(pid, start):
            continue
        folder = Path(entry.path)
        try:
            lock = os.open(folder / LOCK, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its run is alive (in another pid namespace)
            os.close(lock)
            continue
        try:
            if _remove(folder):
                removed.append(folder)
        finally:
            os.close(lock)
    return removed


def _remove(folder: Path) -> bool:
    """Remove ``folder``, its lock file last: what cannot be removed keeps the folder, and
    its lock file, for a later sweep. True when it is gone."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in list(entries):
            if entry.name == LOCK:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.unlink(folder / LOCK)
    with contextlib.suppress(OSError):
        os.rmdir(folder)
    return not os.path.lexists(folder)


class Session:
    """A notebook's cells running in a worker, restarted when it hangs or dies; all of it
    (restarts and replays included) by ``until``, the submission's deadline."""

    def __init__(
        self,
        cells: list[tuple[int, str]],
        scratch: Path,
        limits: Limits,
        sandbox: Launcher | None = None,
        uid: int | None = None,
        cancellation: Cancellation | None = None,
        watch: dict[str, Any] | None = None,
        stand_ins: StandIns | None = None,
        until: float | None = None,
        masked: tuple[str, ...] = (),
    ) -> None:
        self.cells, self.scratch, self.limits = cells, scratch, limits
        self.masked = masked
        self.sandbox, self.uid, self.cancellation = sandbox, uid, cancellation
        self.watch, self.stand_ins = watch, stand_ins
        self.until = until if until is not None else time.monotonic() + limits.submission_timeout
        self.good: list[tuple[int, str]] = []  # cells that ran to the end, to replay
        self.results: list[CellResult] = []
        self.restarts = 0
        self.worker: Worker | None = None
        # TRANSLATORS: why the remaining cells and calls were not run ("not run: ...")
        self.why_stopped = _("your code crashed its process too often")

    def _deadline(self, seconds: float) -> float:
        """The deadline of an exchange of ``seconds``: never past the submission's."""
        return min(time.monotonic() + seconds, self.until)

    def _out_of_time(self) -> bool:
        if time.monotonic() < self.until:
            return False
        limit = self.limits.submission_timeout
        # TRANSLATORS: the submission's whole time limit, in seconds, was used up
        self.why_stopped = _("the submission used up its {limit:g} s").format(limit=limit)
        return True

    def run_all(self) -> None:
        self.worker = self._start()
        if self.worker is None:
            self.why_stopped = _("the process for your code could not start")
        for index, source in self.cells:
            if self.worker is None:
                said = _not_run(self.why_stopped)
                self.results.append(CellResult(index, said, ended=Ending.CRASHED))
                continue
            self.results.append(self._run_cell(index, source))

    def _start(self) -> Worker | None:
        if self._out_of_time():
            return None
        try:
            return Worker(
                self.scratch,
                self.limits,
                self.sandbox,
                self.uid,
                self.cancellation,
                self.watch,
                until=self.until,
                masked=self.masked,
            )
        except WorkerDied:
            return None

    def _run_cell(self, index: int, source: str) -> CellResult:
        try:
            reply = self.worker.request(
                {"op": "run", "index": index, "source": source},
                self._deadline(self.limits.cell_timeout),
            )
        except WorkerTimeout:
            self.restart()
            if self._out_of_time():
                said = _not_finished(self.why_stopped)
                return CellResult(index, said, ended=Ending.TIMEOUT)
            limit = self.limits.cell_timeout
            said = _("the cell did not finish within {limit:g} s").format(limit=limit)
            return CellResult(index, said, ended=Ending.TIMEOUT)
        except WorkerDied as err:
            self.restart()
            return CellResult(index, _died(err), ended=Ending.CRASHED)
        error = reply.get("error")
        not_done = False
        if error is None:
            self.good.append((index, source))
        else:
            not_done = str(error).startswith("NotImplementedError")
            error = codec.text(_cell_error(error, reply.get("line")), 600)
        output = codec.text(_output(reply), 2000)
        return CellResult(index, error, output, not_done=not_done)

    def restart(self) -> None:
        """A fresh worker that has run again every cell that ran well before."""
        if self.worker is not None:
            self.worker.kill()
        self.restarts += 1
        cancelled = self.cancellation is not None and self.cancellation.requested
        if self.restarts > self.limits.max_restarts or cancelled or self._out_of_time():
            self.worker = None
            return
        self.worker = self._start()
        if self.worker is None:
            return
        for index, source in list(self.good):
            try:
                self.worker.request(
                    {"op": "run", "index": index, "source": source},
                    self._deadline(self.limits.cell_timeout),
                )
            except (WorkerTimeout, WorkerDied):
                self.good.remove((index, source))  # it behaved differently this time
                return self.restart()

    def call(self, ex: Exercise, trial: Trial) -> Outcome:
        """Call ``ex``'s function on ``trial.args`` in the worker. A timed trial is stopped
        well before the call's time limit once it cannot be within its budget of CPU time
        (a budget's worth four times over in wall-clock time, plus a second, leaves room
        for a loaded machine): brute force costs seconds, not the whole limit."""
        if self.worker is None:
            return Outcome(Ending.CRASHED, message=_not_run(self.why_stopped))
        args = trial.args
        timeout = self.limits.call_timeout or ex.call_timeout
        if trial.budget is not None:
            timeout = min(timeout, 4 * trial.budget + 1.0)
        try:
            start, cpu = time.monotonic(), self.worker.cpu_seconds()
            # a sandbox holds no digits (not the test set, above all): they come with the call
            sent = with_data(args) if self.sandbox is not None else args
            request = {"op": "call", "function": ex.function, "args": list(sent)}
            reply = self.worker.request(request, self._deadline(timeout), self._serve(ex))
            seconds = time.monotonic() - start  # measured here: the learner cannot fake it
            cpu_after = self.worker.cpu_seconds()  # counted by the kernel: neither can it
            cpu_seconds = cpu_after - cpu if cpu is not None and cpu_after is not None else None
        except WorkerTimeout:
            self.restart()
            if self._out_of_time():
                return Outcome(Ending.TIMEOUT, message=_not_finished(self.why_stopped))
            said = _("it did not finish within {limit:g} s").format(limit=timeout)
            return Outcome(Ending.TIMEOUT, message=said)
        except WorkerDied as err:
            self.restart()
            why = str(err) if isinstance(err, ReplyRefused) else _died(err)
            return Outcome(Ending.CRASHED, message=why)
        kind = reply.get("kind")
        if kind == "value":
            called = reply.get("forbidden")
            called = [codec.text(str(c), 100) for c in called] if isinstance(called, list) else []
            return Outcome(
                Ending.VALUE,
                reply.get("value"),
                seconds=seconds,
                forbidden=called,
                tampered=reply.get("tampered") is not False,
                cpu_seconds=cpu_seconds,
            )
        if kind == "not implemented":
            return Outcome(Ending.NOT_DONE)
        if kind == "missing":
            said = _("there is no function named `{function}`").format(function=ex.function)
            return Outcome(Ending.MISSING, message=said)
        said = codec.text(_call_error(kind, reply.get("error")), 600)
        called = reply.get("forbidden")
        called = [codec.text(str(c), 100) for c in called] if isinstance(called, list) else []
        return Outcome(Ending.ERROR, message=said, forbidden=called)

    def _serve(self, ex: Exercise) -> StandIns | None:
        """The stand-ins ``ex`` may call while it runs: those of ``ex.uses`` only."""
        if self.stand_ins is None or not ex.uses:
            return None
        stand_ins = self.stand_ins

        def serve(name: str, args: list, kwargs: dict) -> Any:
            if name not in ex.uses:
                raise KeyError(name)
            return stand_ins(name, args, kwargs)

        return serve

    def close(self) -> None:
        if self.worker is not None:
            self.worker.kill()


def run_notebook(
    path: Path | str,
    assignment: Assignment,
    trials: dict[str, list[Trial]] | None = None,
    limits: Limits | None = None,
    sandbox: Launcher | None = None,
    data: bytes | None = None,
    cancellation: Cancellation | None = None,
    stand_ins: StandIns | None = None,
) -> NotebookResult:
    """Run one learner's notebook in a worker (in ``sandbox`` if given) and judge each
    exercise of ``assignment`` on its ``trials`` (by grade_id; default: the public cases).

    In a sandbox, each function runs where the taught modules it may not call are absent
    (:func:`..spec.masks`: one process for most notebooks). Every public case of every
    function runs before any hidden case, so nothing a function computes after it has seen
    a hidden input can show in what the public cases report. ``data``: the file's bytes,
    when already read. ``stand_ins``: the grader's stand-ins for earlier exercises
    (``Exercise.uses``), computed in this process; without them (``course-lib check``) a
    function calls the learner's own earlier functions. All of it within the limits'
    ``submission_timeout``. Never raises for a bad submission: problems are reported in the
    result. Raises Cancelled when ``cancellation`` was requested meanwhile."""
    start = time.monotonic()
    limits = limits or Limits()
    path = Path(path)
    try:
        if data is None:
            data = read_submission(path, limits.max_notebook_bytes)
        nb = parse_notebook(data)
    except NotebookError as err:
        return unreadable(assignment, str(err))
    if trials is None:
        trials = {ex.grade_id: public_trials(ex) for ex in assignment.exercises}
    ids = {nbgrader_meta(c).get("grade_id") for c in nb.cells}
    groups = masks(assignment) if sandbox is not None else [((), assignment.exercises)]
    until = start + limits.submission_timeout
    found: dict[str, list] = {}
    sessions: list[Session] = []
    slot = UID_SLOTS.take()
    uid = sandbox.uid(slot) if sandbox is not None else None
    try:
        with private_folder("run") as tmp:
            scratch = tmp / "work"
            scratch.mkdir()
            copy = scratch / NOTEBOOK  # the learner's own copy (read-only in the sandbox)
            copy.write_bytes(data)
            os.chmod(copy, 0o644)
            try:
                graded: list[tuple[Exercise, Session]] = []
                for masked, exercises in groups:
                    # what each function may not call, and the earlier functions whose stand-in
                    # is put in place of the learner's while it runs (no double jeopardy)
                    uses = {ex.function: list(ex.uses) for ex in exercises if ex.uses}
                    watch = {
                        "specs": {ex.function: list(ex.forbidden) for ex in exercises},
                        "uses": uses if stand_ins is not None else {},
                        "masked": list(masked),
                    }
                    session = Session(
                        code_cells(nb),
                        scratch,
                        limits,
                        sandbox,
                        uid,
                        cancellation,
                        watch,
                        stand_ins,
                        until,
                        masked,
                    )
                    sessions.append(session)
                    session.run_all()
                    graded += [(ex, session) for ex in exercises if ex.answer_id in ids]
                place = {ex.grade_id: i for i, ex in enumerate(assignment.exercises)}
                graded.sort(key=lambda pair: place[pair[0].grade_id])
                for hidden in (False, True):  # every public case first, then the hidden ones
                    for ex, session in graded:
                        so_far = found.setdefault(ex.grade_id, [])
                        if hidden and not (so_far and so_far[-1].verdict.passed):
                            continue
                        todo = [t for t in trials[ex.grade_id] if t.hidden == hidden]
                        call = lambda trial, ex=ex, s=session: _outcome(s.call(ex, trial))  # noqa: E731
                        so_far += run_cases(ex, call, todo)
            finally:
                for session in sessions:
                    session.close()
    finally:
        UID_SLOTS.give_back(slot)
    result = NotebookResult(assignment)
    for ex in assignment.exercises:
        if ex.answer_id not in ids:
            missing = _(
                "the answer cell of `{function}` is missing from the notebook "
                "(was it deleted? copy your code into a fresh exercise notebook)"
            ).format(function=ex.function)
            result.exercises.append(ExerciseResult(ex, problem=missing))
        else:
            result.exercises.append(ExerciseResult(ex, found.get(ex.grade_id, [])))
    result.cells = sessions[0].results if sessions else []
    if stand_ins is None:  # the learner's own earlier functions were called
        mark_blocked(result)
    mark_required(result)  # never stood in for: with stand-ins too
    if cancellation is not None and cancellation.requested:
        raise Cancelled()
    result.seconds = time.monotonic() - start
    return result


def _outcome(outcome: Outcome) -> Outcome:
    """Missing functions count as errors (with their own words)."""
    if outcome.kind is Ending.MISSING:
        # TRANSLATORS: {problem} is "there is no function named `relu`"
        said = _("{problem} (was it renamed?)").format(problem=outcome.message)
        return Outcome(Ending.ERROR, message=said)
    return outcome


# ----- what the learner reads, from the worker's pieces (untrusted: see codec.text) -----


def _not_run(why: str) -> str:
    # TRANSLATORS: {why} says why, e.g. "the submission used up its 300 s"
    return _("not run: {why}").format(why=why)


def _not_finished(why: str) -> str:
    # TRANSLATORS: {why} says why, e.g. "the submission used up its 300 s"
    return _("not finished: {why}").format(why=why)


def _died(err: WorkerDied) -> str:
    # TRANSLATORS: {problem} is "the process running your code stopped"
    return _("{problem} (it exited, crashed or ran out of memory)").format(problem=err)


def _cell_error(error: object, line: object) -> str:
    """What stopped a cell: the error as Python says it (``ValueError: bad``), and the line
    of the cell it was raised at, where the worker sent one."""
    if isinstance(line, int) and not isinstance(line, bool):
        # TRANSLATORS: {error} is Python's error as raised, "ValueError: bad"; {line} a number
        return _("{error} (line {line})").format(error=error, line=line)
    return str(error)


def _call_error(kind: object, error: object) -> str:
    """How a call failed, from the worker's reply: it raised ``error`` (``ValueError:
    bad``), or its value could not be sent back (``kind`` "not sent")."""
    if error is None or kind not in ("error", "not sent"):
        return _("it failed")
    if kind == "not sent":
        # TRANSLATORS: the value the function returned could not be encoded; {error} is
        # Python's error, "ValueError: bad"
        return _("its result could not be sent back: {error}").format(error=error)
    # TRANSLATORS: {error} is Python's error as raised, "ValueError: bad"
    return _("it raised {error}").format(error=error)


def _output(reply: dict) -> str:
    """What the code printed, with a note of how much of it was left out."""
    output, dropped = str(reply.get("output", "")), reply.get("dropped")
    if isinstance(dropped, int) and not isinstance(dropped, bool) and dropped > 0:
        # TRANSLATORS: the same for every count in English; give your language's forms
        note = ngettext(
            "[... {count} more characters of output were dropped]",
            "[... {count} more characters of output were dropped]",
            dropped,
        )
        output += "\n" + note.format(count=dropped)
    return output


__all__ = ["Limits", "NotebookError", "NotebookResult", "private_folder", "run_notebook", "sweep"]
