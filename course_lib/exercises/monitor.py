"""Which forbidden functions did one call run? A profile hook that knows code by its source file.

Learners write, say, ``linear_backward`` themselves; if it calls the reference
``course_lib.nn.Linear.backward``, it must not earn the points. The check cell and the
grader run the learner's function inside a monitor::

    with CallMonitor(["course_lib.nn.Linear", "course_lib.gradcheck"]) as monitor:
        result = np.array(func(*args))  # turn the result into plain data inside the block
    monitor.calls     # e.g. ["course_lib.nn.Linear.backward"]: forbidden code that ran
    monitor.tampered  # True if the code removed, replaced or went around the monitor's hook

A forbidden *spec* is a dotted name of

- a module, ``"course_lib.gradcheck"``: every function and method defined in its file
  (a package means its ``__init__.py`` only);
- a class, ``"course_lib.nn.Linear"``: every method defined in its body (inherited
  methods belong to the class that defines them: forbid that one too if needed);
- a function or method, ``"course_lib.nn.Linear.backward"``, ``"course_lib.data.load_usps"``.

How it works. Each spec is resolved once to (source file, qualified name) and, during the
call, a profile hook (``sys.setprofile``; ``threading.setprofile`` for threads started
during the call) looks at every Python function that starts: its code's ``co_filename``
and ``co_qualname`` say where it was defined. So the name it was reached by does not
matter (an alias, ``getattr``, ``importlib.import_module``, ``__import__``), nor does
``importlib.reload`` (new objects, same file). Only the outermost forbidden call is
recorded, not the forbidden code it runs in turn (``Linear.backward`` running
``Linear.backward_params`` records ``Linear.backward``); each name once, first call first.
On Python 3.10 code has no ``co_qualname``: a method's class is then taken from its first
argument (``self`` or ``cls``), and a static method or a nested function is known by its
bare name (so on 3.10 a class spec misses the class's static methods).

Tampering. ``tampered`` is True when, during the call, ``sys.setprofile`` was called by
anything but the monitor (by any route: an alias, ``map``, ``ctypes``; seen by an audit
hook, which this module installs on import and nothing can remove), when the hook was
gone at the end, or when a thread was started that would not get the hook. So removing
the hook, and saving it with ``sys.getprofile()`` to put it back after cheating, are both
caught. The monitor binds ``sys.setprofile`` and its kin on import, so import this module,
and build the monitors (resolving imports the specs' modules), before running a learner's
code; a monitor can be used for any number of ``with`` blocks.

What it cannot see. It runs in the learner's process with the learner's rights, so it
stops the ordinary ways of reaching the reference, not code written against it:

- the reference's source copied into the notebook (or its file copied elsewhere, or its
  code object rebuilt with another file name) is just the learner's code;
- threads that were already running when the call began (Python before 3.12 cannot set
  another thread's profile function), threads started with the low-level ``_thread``
  module, and child processes run unwatched;
- work done after the block: a lazy result (a generator, an object whose ``__array__``
  or ``__eq__`` calls the reference) runs when the caller looks at it, so convert the
  result to plain data inside the ``with`` block;
- code that finds the monitor (through ``sys.getprofile()`` or ``gc``) can edit it, and
  code that runs before the monitor is built can swap the module that a spec names in
  ``sys.modules``.

Cost: with no specs, nothing is installed. Otherwise every Python call, return and call
of a builtin during the block runs the hook (a dictionary look-up for code already seen).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import sys
import threading
from collections.abc import Callable, Iterable
from types import CodeType, FrameType, TracebackType
from typing import Any

# Bound now, so that code which later replaces sys.setprofile or sys.getprofile by its own
# functions (say, at the top of a notebook) does not change what the monitor calls.
_setprofile, _getprofile, _getframe = sys.setprofile, sys.getprofile, sys._getframe
_thread_setprofile, _thread_getprofile = threading.setprofile, threading.getprofile
_get_ident = threading.get_ident


def _resolve(spec: str) -> tuple[str, str, str | None]:
    """``(source file, module name, qualified name or None for the whole module)``."""
    parts = spec.split(".")
    for i in range(len(parts), 0, -1):  # the longest prefix that is a module
        module_name = ".".join(parts[:i])
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if module_name != missing and not module_name.startswith(missing + "."):
                raise  # the module exists but one of its own imports failed
            continue
        break
    else:
        raise ValueError(f"cannot forbid {spec!r}: there is no module {parts[0]!r}")
    if i == len(parts):
        if not getattr(module, "__file__", None):
            raise ValueError(f"cannot forbid {spec!r}: the module has no source file")
        return _source_path(module.__file__), module.__name__, None
    obj: Any = module
    for part in parts[i:]:
        if not hasattr(obj, part):
            raise ValueError(f"cannot forbid {spec!r}: {obj.__name__!r} has no {part!r}")
        obj = getattr(obj, part)
    if isinstance(obj, type):
        return _source_path(inspect.getfile(obj)), obj.__module__, obj.__qualname__
    func = inspect.unwrap(getattr(obj, "__func__", obj))  # a bound or decorated function
    if not isinstance(getattr(func, "__code__", None), CodeType):
        raise ValueError(f"cannot forbid {spec!r}: it is not a Python function, class or module")
    return _source_path(func.__code__.co_filename), func.__module__, func.__qualname__


@functools.lru_cache(maxsize=4096)
def _source_path(filename: str) -> str:
    """One spelling per file: absolute, symlinks resolved, case folded where the OS does."""
    return os.path.normcase(os.path.realpath(filename))


def _qualname(frame: FrameType) -> str:
    """The qualified name of the function running in ``frame``, e.g. ``"Linear.backward"``."""
    qualname = getattr(frame.f_code, "co_qualname", None)  # Python >= 3.11
    return qualname if qualname is not None else _qualname_from_locals(frame)


def _qualname_from_locals(frame: FrameType) -> str:
    """Python 3.10: the class whose body defines this code, found from ``self`` or ``cls``."""
    code = frame.f_code
    try:
        owner = frame.f_locals.get("self", frame.f_locals.get("cls"))
        if owner is not None:
            for klass in (owner if isinstance(owner, type) else type(owner)).__mro__:
                attr = klass.__dict__.get(code.co_name)
                if getattr(getattr(attr, "__func__", attr), "__code__", None) is code:
                    return f"{klass.__qualname__}.{code.co_name}"
    except Exception:  # an odd object must not break the learner's call
        pass
    return code.co_name


# Monitors inside their ``with`` block. The audit hook (installed on import, as early as
# possible; audit hooks cannot be removed) marks them tampered when anyone else calls
# sys.setprofile, by any route.
_ACTIVE: list[CallMonitor] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in ("sys.setprofile", "sys._setprofileallthreads") or not _ACTIVE:
        return
    try:
        setter = _getframe(1).f_code  # the code that called sys.setprofile
    except ValueError:  # no Python frame: a C extension
        setter = None
    if setter not in _OWN_SETTERS:
        for monitor in _ACTIVE:
            monitor._tampered = True


_THREAD_START = threading.Thread.start.__code__
_START = object()  # the verdict for Thread.start, whose hook is checked: see _on_call


class CallMonitor:
    """Record which forbidden callables run during a ``with`` block; see the module docstring.

    ``specs``: dotted names of modules, classes and functions, resolved (and imported)
    here; a name that does not resolve raises ValueError. Nothing that runs in the block
    is trusted: the grader's stand-ins for earlier exercises run in the grader's process,
    not here (see process/worker.py). Each ``with`` block starts the record afresh; blocks
    must not overlap.
    """

    def __init__(self, specs: Iterable[str]) -> None:
        self.specs = list(specs)
        self._targets: dict[str, list[tuple[str, str | None]]] = {}  # file: (module, qualname)
        for spec in self.specs:
            path, module, qualname = _resolve(spec)
            self._targets.setdefault(path, []).append((module, qualname))
        self._calls: dict[str, None] = {}  # a dict keeps first-call order; setdefault is atomic
        self._tampered = False
        self._active = False

    @property
    def calls(self) -> list[str]:
        """Dotted names of the forbidden callables that ran, outermost only, first call first."""
        return list(self._calls)

    @property
    def tampered(self) -> bool:
        """True when the watched code removed, replaced or went around the hook."""
        return self._tampered

    def __enter__(self) -> CallMonitor:
        if not self._targets:
            return self  # nothing forbidden: no hook, no cost
        if self._active:
            raise RuntimeError("this CallMonitor is already active")
        self._calls.clear()
        self._tampered = False
        # id(code): (code, verdict), the verdict a dotted name (forbidden), None or _START;
        # keeping the code alive keeps its id unique
        self._verdicts: dict[int, tuple[CodeType, object]] = {
            id(_THREAD_START): (_THREAD_START, _START)
        }
        self._thread = _get_ident()
        self._base: FrameType | None = _getframe(1)  # the frame running the with block
        self._previous = _getprofile()
        self._previous_threading = _thread_getprofile()
        self._hook = self._make_hook(self._previous if callable(self._previous) else None)
        self._active = True
        _ACTIVE.append(self)
        _thread_setprofile(self._hook)
        _setprofile(self._hook)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._targets:
            return
        if _getprofile() is not self._hook:
            self._tampered = True
        self._active = False
        self._base = None
        _ACTIVE.remove(self)
        previous = self._previous
        if previous is None or callable(previous):
            _setprofile(previous)
        else:  # cProfile before 3.12 installs itself from C: getprofile() gives its Profile
            previous.enable()
        _thread_setprofile(self._previous_threading)

    def _make_hook(self, forward: Callable | None) -> Callable[[FrameType, str, Any], None]:
        """The profile function. It runs at every call, return and builtin call, so code
        already known to be allowed costs one dictionary look-up."""
        verdicts = self._verdicts

        def hook(frame: FrameType, event: str, arg: Any) -> None:
            if forward is not None:
                forward(frame, event, arg)  # an outer monitor (or profiler) sees it all
            if event == "call":
                seen = verdicts.get(id(frame.f_code))
                if seen is None or seen[1] is not None or not self._active:
                    self._on_call(frame)

        return hook

    def _on_call(self, frame: FrameType) -> None:
        """A function starts that is forbidden, new to the monitor, or Thread.start."""
        if not self._active:  # a thread started in the block outlived it: unhook it
            if _get_ident() != self._thread:
                _setprofile(self._previous_threading)
            return
        verdict = self._verdict(frame)
        if verdict is _START:
            # the new thread will get threading's hook: it must be the one watching us
            if _thread_getprofile() is not _getprofile():
                self._tampered = True
        elif isinstance(verdict, str) and verdict not in self._calls and self._outermost(frame):
            self._calls.setdefault(verdict)

    def _outermost(self, frame: FrameType) -> bool:
        """True if no forbidden code is running below ``frame`` since the block began."""
        caller = frame.f_back
        while caller is not None and caller is not self._base:
            if isinstance(self._verdict(caller), str):
                return False
            caller = caller.f_back
        return True

    def _verdict(self, frame: FrameType) -> object:
        """``"module.qualname"`` if the code running in ``frame`` is forbidden, else None."""
        code = frame.f_code
        seen = self._verdicts.get(id(code))
        if seen is not None:
            return seen[1]
        name = None
        targets = self._targets.get(_source_path(code.co_filename))
        # functions only: a module or class body runs on import, which is not a call
        if targets and code.co_flags & inspect.CO_OPTIMIZED:
            qualname = _qualname(frame)
            for module, prefix in targets:
                if prefix is None or qualname == prefix or qualname.startswith(prefix + "."):
                    name = f"{module}.{qualname}"
                    break
        self._verdicts[id(code)] = (code, name)
        return name


# code allowed to call sys.setprofile while a monitor is active
_OWN_SETTERS = {
    CallMonitor.__enter__.__code__,
    CallMonitor.__exit__.__code__,
    CallMonitor._on_call.__code__,
    threading.Thread._bootstrap_inner.__code__,  # a new thread installing threading's hook
}
sys.addaudithook(_audit)
