"""The process that runs a learner's notebook code for ``course-lib check`` and ``grade``.

Started by :mod:`.channel` as
``python -I -B -m course_lib.exercises.process.worker MEMORY_MB CPU_S PROCESSES UID``, in a
scratch directory (in the grader's sandbox: ``/home/learner``). Before it reads any
learner code it sets its limits and, when started as root with a UID (the sandbox of a
grader that runs as root), becomes that unprivileged uid for good. It reads one
request per line on stdin and writes one reply per line on a private copy of the
original stdout; the learner's code sees an empty stdin and writes into a capped
buffer (or /dev/null at the C level). Requests:

- ``{"op": "run", "source": ...}``: execute one code cell in the notebook's namespace
- ``{"op": "watch", "specs": {function: [dotted names]}, "uses": {function: [names]}}``,
  first, before any cell: what each graded function may not call (:mod:`..monitor`), and
  which earlier graded functions it may call: while it runs, those names hold the
  grader's stand-in instead of the learner's version (so that a mistake in 4.2 costs 4.2
  only, not 4.3 too). A stand-in sends ``{"op": "stand_in", "function", "args",
  "kwargs"}`` with the call's id and reads the grader's answer, ``{"id", "value"}`` or
  ``{"id", "error": [type name, message]}``: the course's reference runs in the grader's
  process, on plain data, never here
- ``{"op": "call", "function": name, "args": [...]}``: call a function defined by the
  cells, and say which of the names it may not call it called

Replies carry only data in the format of :mod:`.codec`. Nothing here decides whether an
answer is right: the grader does that in its own process. Nor does anything here write a
sentence for the learner: this process does not know the learner's language. It sends the
pieces (an error as Python says it, ``ValueError: bad``; a line number; a count), and the
grader's process says them in the learner's words (:mod:`.session`). Replies:

- to ``run``: ``{"error": None or "ValueError: bad", "line": 3, "output", "dropped"}``
  (``line``, where the error was raised, only when known; ``dropped``: how many characters
  of printed output were left out)
- to ``call``: ``{"kind": "value", "value", "forbidden", "tampered"}``, ``{"kind": "not
  implemented"}``, ``{"kind": "missing"}``, ``{"kind": "error", "error": "ValueError: bad",
  "forbidden"}``, or ``{"kind": "not sent", "error"}`` (its value broke its own encoding);
  each with ``output`` and ``dropped`` too
"""

from __future__ import annotations

import io
import os
import re
import sys
import traceback
from typing import Any

OUTPUT_LIMIT = 20_000  # characters of printed output kept per request

_MAGIC = re.compile(r"^(\s*)([%!]|\?\?|\?)")


class CappedOutput(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters written to it."""

    def __init__(self, limit: int = OUTPUT_LIMIT) -> None:
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        text = text if isinstance(text, str) else str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def take(self) -> dict[str, Any]:
        """What was written since the last take: ``output``, the text kept, and
        ``dropped``, how many characters past the limit were not (for a reply)."""
        taken = {"output": "".join(self.parts), "dropped": self.dropped}
        self.parts, self.size, self.dropped = [], 0, 0
        return taken


def skip_magics(source: str) -> str | None:
    """The cell without IPython magics and shell escapes (None for a cell magic %%...)."""
    if source.lstrip().startswith("%%"):
        return None
    lines = []
    for line in source.split("\n"):
        match = _MAGIC.match(line)
        if match:
            lines.append(f"{match.group(1)}pass  # skipped: {line.strip()[:40]}")
        else:
            lines.append(line)
    return "\n".join(lines)


def limit_resources(memory_mb: int, cpu_seconds: int, processes: int) -> None:
    """Hard limits the learner's code cannot raise again (Unix only: on Windows, where
    ``course-lib check`` runs the learner's own notebook, only the timeouts apply)."""
    try:
        import resource
    except ImportError:
        return
    mb = 1024 * 1024
    limits = [
        (resource.RLIMIT_AS, memory_mb * mb),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, 16 * mb),  # no file written by the learner grows beyond 16 MB
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 256),
    ]
    if processes > 0:  # per uid: each sandbox has its own (see sandbox.learner_uid)
        limits.append((resource.RLIMIT_NPROC, processes))
    for which, value in limits:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def become(uid: int) -> None:
    """Give up root for ``uid`` (and its group, no others), for good; exit if that fails."""
    if uid < 0 or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != uid:
        os._exit(3)


def _error_text(err: BaseException) -> str:
    """The error as Python says it, ``ValueError: bad`` (no sentence around it)."""
    try:
        text = str(err)[:500]
    except Exception:
        text = ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class StandInError(Exception):
    """The grader could not answer a stand-in's call (its message says why). Its messages
    stay in English: they are raised here, in the learner's code, which only ever sees
    them if it keeps a stand-in and calls it after its call (or breaks the pipes)."""


def _raise_as(kind: str, message: str) -> None:
    """Raise what the grader's reference raised: the built-in exception of that name (so
    that the learner reads ``ValueError: matmul: ...`` as from their own function), else
    a StandInError naming it."""
    import builtins

    error = getattr(builtins, kind, None)
    if isinstance(error, type) and issubclass(error, Exception) and error is not StandInError:
        raise error(message)
    raise StandInError(f"{kind}: {message}")


def _within(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


_MISSING = object()


def main() -> None:
    memory_mb, cpu_seconds, processes, uid = (int(a) for a in sys.argv[1:5])
    # private channels: requests from the real stdin, replies to a copy of the real stdout
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    capture = CappedOutput()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(""), capture, capture

    import numpy as np  # noqa: F401  (imported before the limits are set)

    from .. import codec
    from ..inputs import resolve
    from ..monitor import CallMonitor

    become(uid)
    limit_resources(memory_mb, cpu_seconds, processes)
    namespace: dict[str, Any] = {"__name__": "__main__", "display": print}

    def reply(message: dict) -> None:
        replies.write(codec.dumps(message) + "\n")
        replies.flush()

    reply({"id": "ready"})  # started: from now on, the timeouts measure the learner's code
    # monitors are made (their names resolved to files) before the learner's code runs, which
    # could otherwise change what the names resolve to (course_lib.nn.__file__ = "x")
    monitors: dict[str, CallMonitor] = {}
    unwatched, ran = CallMonitor(()), False
    substitutes: dict[str, dict[str, Any]] = {}
    calling: dict[str, Any] = {"id": None}  # the id of the call being answered
    masked: set[str] = set()  # modules the sandbox left out (stubs raise ImportError)

    def stand_in(name: str) -> Any:
        """The grader's stand-in for the earlier exercise ``name``: it sends its arguments
        (as data) to the grader, which computes the course's reference in its own process,
        and returns the answer. No reference runs here, so nothing here is trusted."""

        def call_the_grader(*args: Any, **kwargs: Any) -> Any:
            if calling["id"] is None:
                raise StandInError(f"{name} (the grader's version) works only while graded")
            reply(
                {
                    "id": calling["id"],
                    "op": "stand_in",
                    "function": name,
                    "args": list(args),
                    "kwargs": kwargs,
                }
            )
            answer = codec.loads(requests.readline())
            if not isinstance(answer, dict) or answer.get("id") != calling["id"]:
                raise StandInError(f"{name}: the grader's answer did not come")
            if "error" in answer:
                kind, message = answer["error"]
                _raise_as(str(kind), str(message))
            return answer.get("value")

        call_the_grader.__name__ = call_the_grader.__qualname__ = name
        return call_the_grader

    for line in requests:
        try:
            request = codec.loads(line)
            rid, op = request["id"], request["op"]
        except Exception:
            return
        if op == "watch":  # before any learner code: what each graded function may not call
            if ran:
                return
            uses = request.get("uses") or {}
            for name, earlier in uses.items():
                substitutes[name] = {e: stand_in(e) for e in earlier}
            masked.update(request.get("masked") or ())
            for name, specs in request["specs"].items():  # what is masked is not here to watch
                kept = [s for s in specs if not any(_within(s, m) for m in masked)]
                monitors[name] = CallMonitor(kept)
            reply({"id": rid})
        elif op == "run":
            ran = True
            source = skip_magics(request["source"])
            ended: dict[str, Any] = {"error": None}
            try:
                if source is not None:
                    exec(compile(source, f"<cell {request.get('index', '?')}>", "exec"), namespace)
            except BaseException as err:  # SystemExit and KeyboardInterrupt too
                ended["error"] = _error_text(err)
                tb = traceback.extract_tb(err.__traceback__)
                if tb and tb[-1].lineno is not None:
                    ended["line"] = tb[-1].lineno  # the grader says "(line 3)"
            reply({"id": rid, **ended, **capture.take()})
        elif op == "call":
            func = namespace.get(request["function"])
            if not callable(func):
                result: dict = {"kind": "missing"}
            else:
                put_in = substitutes.get(request["function"], {})
                saved = {name: namespace.get(name, _MISSING) for name in put_in}
                monitor = monitors.get(request["function"], unwatched)
                try:
                    args = resolve(request["args"])
                    namespace.update(put_in)
                    calling["id"] = rid
                    with monitor:
                        value = func(*args)
                    result = {
                        "kind": "value",
                        "value": value,
                        "forbidden": monitor.calls,
                        "tampered": monitor.tampered,
                    }
                except NotImplementedError:
                    result = {"kind": "not implemented"}
                except BaseException as err:  # SystemExit and KeyboardInterrupt too
                    # what it reached for before it failed: a masked module (the stub's
                    # ImportError names it), or a forbidden call the monitor saw
                    reached = [getattr(err, "name", None)] if isinstance(err, ImportError) else []
                    called = [m for m in reached if m in masked] + monitor.calls
                    # the grader says "it raised ValueError: bad"
                    result = {"kind": "error", "error": _error_text(err), "forbidden": called}
                finally:  # the learner's own functions again
                    calling["id"] = None
                    for name, before in saved.items():
                        if before is _MISSING:
                            namespace.pop(name, None)
                        else:
                            namespace[name] = before
            result.update(id=rid, **capture.take())
            try:
                reply(result)
            except BaseException as err:  # a value that breaks its own encoding
                error = _error_text(err)
                reply({"id": rid, "kind": "not sent", "error": error, "output": "", "dropped": 0})


if __name__ == "__main__":
    main()
