"""``course-lib doctor``: is this environment ready for the course? What to do if not.

Each check returns a :class:`Finding`; nothing here changes the environment. Most checks look
at the environment running this command (the server side: JupyterLab and its widgets front
end). The notebooks, though, run in the ``python3`` kernel, which may be another Python: so
:func:`check_kernel` starts that kernel as JupyterLab would, runs :data:`KERNEL_PROBE` in it,
and compares what the kernel imports with what this command sees.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.requirements import Requirement

FIX_INSTALL = "run `make lab` (or `pip install -e .`) in the course folder"
KERNEL_NAME = "python3"  # the kernel the course's notebooks are saved with
KERNEL_START_TIMEOUT = 60.0  # seconds for the kernel to answer; a cold laptop can be slow
KERNEL_RUN_TIMEOUT = 60.0  # seconds for the probe (it imports numpy, ipywidgets, course_lib)


@dataclass
class Finding:
    what: str
    ok: bool
    detail: str
    fix: str = ""
    needed: bool = True  # False: only some users need it; not ok is then not a problem


def check_python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 10)
    return Finding("Python", ok, version, "" if ok else "install Python 3.10 or newer")


def declared_requirements() -> list[Requirement]:
    """The course's runtime dependencies (``packaging`` Requirements), extras left out."""
    from packaging.requirements import Requirement

    requirements = [Requirement(text) for text in metadata.requires("course_lib") or []]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]


def check_packages() -> list[Finding]:
    """Every dependency the course declares: installed, and at least the version it asks."""
    findings = []
    for req in declared_requirements():
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            findings.append(Finding(req.name, False, "not installed", FIX_INSTALL))
            continue
        ok = req.specifier.contains(version, prereleases=True)
        fix = "" if ok else f"upgrade: pip install '{req}'"
        findings.append(Finding(req.name, ok, f"{version} (needs {req.specifier})", fix))
    return findings


def check_widgets_frontend() -> Finding:
    """The ipywidgets front end: JupyterLab draws widgets only with this lab extension."""
    from jupyter_core.paths import jupyter_path

    name = "@jupyter-widgets/jupyterlab-manager"
    for base in jupyter_path("labextensions"):
        if (Path(base) / name / "package.json").is_file():
            return Finding("ipywidgets front end", True, f"{name} found in {base}")
    return Finding(
        "ipywidgets front end",
        False,
        f"{name} is not installed in this JupyterLab: widgets would show 'Error displaying widget'",
        "pip install 'jupyterlab_widgets>=3' in the environment that runs JupyterLab",
    )


# ----- the kernel: started for real, as JupyterLab starts it -----

# Runs inside the kernel; prints one line of JSON with what the notebooks will import (and
# the kernel's process id, so that a test can see the kernel is gone afterwards).
KERNEL_PROBE = """
import importlib, json, os, platform, sys
from importlib import metadata
found = {"python": platform.python_version(), "executable": sys.executable, "pid": os.getpid()}
for name in ("numpy", "ipywidgets", "ipykernel", "course_lib"):
    try:
        module = importlib.import_module(name)
        found[name] = {"version": module.__version__, "file": module.__file__}
    except Exception as err:
        found[name] = {"error": f"{type(err).__name__}: {err}"}
try:
    found["ipywidgets"]["frontend"] = [
        r for r in metadata.requires("ipywidgets") or [] if r.startswith("jupyterlab_widgets")
    ]
except metadata.PackageNotFoundError:
    pass
print(json.dumps(found))
"""


def check_kernel() -> list[Finding]:
    """Start the ``python3`` kernel, import the course there, and compare with this side."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    what = f"{KERNEL_NAME} kernel"
    resource_dir = KernelSpecManager().find_kernel_specs().get(KERNEL_NAME)
    if resource_dir is None:
        return [Finding(what, False, f"no kernel named {KERNEL_NAME}", _make_this_the_kernel())]
    spec_file = Path(resource_dir) / "kernel.json"
    try:  # the command as JupyterLab runs it (with "python" made this Python's full path)
        command = KernelManager(kernel_name=KERNEL_NAME).format_kernel_cmd()
    except (ValueError, OSError, KeyError, TypeError) as err:  # not JSON, unreadable, ...
        command, unreadable = [], f"{type(err).__name__}: {err}"
    else:
        unreadable = "its argv, the command to run, is empty"
    if not command:
        detail = f"{spec_file} is not a usable kernelspec: {unreadable}"
        return [Finding(what, False, detail, _kernel_fix(resource_dir))]
    started = time.perf_counter()
    try:
        found = run_in_kernel(KERNEL_PROBE)
    except KernelProblem as problem:
        detail = f"{spec_file} runs `{command[0]}`, which {problem}"
        lacks_ipykernel = "No module named ipykernel" in str(problem)
        fix = _kernel_fix(resource_dir, command[0] if lacks_ipykernel else None)
        return [Finding(what, False, detail, fix)]
    seconds = time.perf_counter() - started
    python = found["executable"]
    findings = [
        Finding(what, True, f"started {python} in {seconds:.1f} s ({spec_file})"),
        _kernel_python(found["python"]),
        _kernel_course(found["course_lib"], python),
    ]
    declared = {r.name.lower(): r for r in declared_requirements()}
    for name in ("numpy", "ipykernel", "ipywidgets"):
        findings.append(_kernel_package(name, found[name], declared.get(name), python))
    findings.append(_kernel_widgets_match(found["ipywidgets"]))
    return findings


def _make_this_the_kernel() -> str:
    """The fix that makes the Python running this command (the course's) the notebooks' kernel."""
    command = f"{sys.executable} -m ipykernel install --user --name {KERNEL_NAME}"
    return f"make this environment's Python the {KERNEL_NAME} kernel: `{command}`"


def _kernel_python(version: str) -> Finding:
    from packaging.specifiers import SpecifierSet

    needs = SpecifierSet(metadata.metadata("course_lib")["Requires-Python"] or "")
    ok = needs.contains(version, prereleases=True)
    fix = "" if ok else _make_this_the_kernel()
    return Finding("Python in the kernel", ok, f"{version} (needs {needs})", fix)


def _kernel_course(found: dict, python: str) -> Finding:
    """course_lib in the kernel must be the one this command runs: same version, same place."""
    from . import __version__

    what = "course_lib in the kernel"
    here = Path(__file__).resolve().parent
    if "error" in found:
        detail = f"`import course_lib` fails in the kernel ({python}): {found['error']}"
        return Finding(what, False, detail, _make_this_the_kernel())
    there = Path(found["file"]).resolve().parent
    if found["version"] != __version__ or there != here:
        detail = (
            f"{found['version']} from {there}, but this command runs {__version__} from {here}: "
            "the notebooks would not run the course this doctor checked"
        )
        return Finding(what, False, detail, _make_this_the_kernel())
    return Finding(what, True, f"{found['version']} from {there}, the same as this command's")


def _kernel_package(
    name: str, found: dict, requirement: Requirement | None, python: str
) -> Finding:
    """A dependency as the kernel imports it, against the version the course declares."""
    what = f"{name} in the kernel"
    if "error" in found:
        fix = f"`{python} -m pip install '{requirement or name}'`"
        return Finding(what, False, f"cannot be imported: {found['error']}", fix)
    if requirement is None:
        return Finding(what, True, found["version"])
    ok = requirement.specifier.contains(found["version"], prereleases=True)
    fix = "" if ok else f"`{python} -m pip install '{requirement}'`"
    return Finding(what, ok, f"{found['version']} (needs {requirement.specifier})", fix)


def _kernel_widgets_match(found: dict) -> Finding:
    """The kernel's ipywidgets names the front end it needs: is that the version here?"""
    from packaging.requirements import Requirement

    what = "widgets: kernel and front end"
    wanted = [Requirement(text) for text in found.get("frontend", [])]
    try:
        frontend = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError:
        frontend = None
    if "error" in found or not wanted or frontend is None:
        return Finding(what, True, "not compared (see the ipywidgets checks above)")
    need = wanted[0]
    if need.specifier.contains(frontend, prereleases=True):
        detail = f"ipywidgets {found['version']} in the kernel, jupyterlab_widgets {frontend} here"
        return Finding(what, True, detail)
    detail = (
        f"ipywidgets {found['version']} in the kernel needs {need}, but JupyterLab here has "
        f"jupyterlab_widgets {frontend}: widgets would show 'Error displaying widget'"
    )
    return Finding(what, False, detail, f"`{sys.executable} -m pip install '{need}'`")


class KernelProblem(Exception):
    """The kernel could not be started or did not run the probe; the message says why."""


def run_in_kernel(code: str, kernel_name: str = KERNEL_NAME) -> dict:
    """Start the kernel ``kernel_name`` in an empty folder, run ``code``, return the JSON it
    printed. Raises KernelProblem. The kernel is always shut down, whatever happens."""
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="course-lib-doctor-") as folder:
        manager = KernelManager(kernel_name=kernel_name)
        log = Path(folder) / "kernel-output.txt"  # what the kernel printed: why it died
        client = None
        try:
            with log.open("wb") as out:
                try:  # in an empty folder, so that no course_lib/ in the current one answers
                    manager.start_kernel(cwd=folder, stdout=out, stderr=out)
                except OSError as err:
                    raise KernelProblem(f"cannot be started ({err.strerror or err})") from None
            client = manager.client()
            client.start_channels()
            try:
                client.wait_for_ready(timeout=KERNEL_START_TIMEOUT)
            except RuntimeError:
                if manager.is_alive():
                    raise KernelProblem(
                        f"did not answer within {KERNEL_START_TIMEOUT:.0f} s"
                    ) from None
                status = manager.provisioner.process.poll()
                said = _last_line(log)
                raise KernelProblem(
                    f"died at start (exit status {status})" + (f": {said}" if said else "")
                ) from None
            return _run(client, code)
        finally:
            if client is not None:
                client.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)


def _run(client, code: str) -> dict:
    """Run ``code`` in a started kernel; return the JSON it printed on stdout."""
    printed: list[str] = []

    def collect(msg: dict) -> None:
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            printed.append(msg["content"]["text"])

    try:
        reply = client.execute_interactive(
            code, timeout=KERNEL_RUN_TIMEOUT, output_hook=collect, store_history=False
        )
    except TimeoutError:
        raise KernelProblem(
            f"started, but did not run the check within {KERNEL_RUN_TIMEOUT:.0f} s"
        ) from None
    if reply["content"]["status"] != "ok":
        raise KernelProblem(f"started, but the check failed: {reply['content'].get('ename')}")
    try:
        return json.loads("".join(printed))
    except ValueError:
        raise KernelProblem("started, but the check printed no answer") from None


def _last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else ""


def _kernel_fix(resource_dir: str, python_without_ipykernel: str | None = None) -> str:
    """The exact commands that repair the kernelspec in ``resource_dir``."""
    from jupyter_core.paths import jupyter_data_dir, jupyter_path

    fix = _make_this_the_kernel()
    # `--user` writes the user's kernelspec; one on JUPYTER_PATH would still win: remove it
    user_kernels = Path(jupyter_data_dir(), "kernels").resolve()
    ranked = [Path(p).resolve() for p in jupyter_path("kernels")]
    here = Path(resource_dir).resolve().parent
    if here != user_kernels and user_kernels in ranked and here in ranked:
        if ranked.index(here) < ranked.index(user_kernels):
            fix = f"remove the broken kernelspec (`rm -r '{resource_dir}'`), then {fix}"
    if python_without_ipykernel:
        install = f"{python_without_ipykernel} -m pip install ipykernel"
        fix += f"; or install ipykernel into that Python: `{install}`"
    return fix


# ----- data, grading, and the report -----


def check_data(path: Path | None = None) -> Finding:
    from .data import USPS_PATH, DataError, verify_usps

    try:
        verify_usps(path or USPS_PATH)
    except DataError as err:
        return Finding("USPS data", False, str(err), "reinstall the course: " + FIX_INSTALL)
    return Finding("USPS data", True, "checksum verified (7291 train, 2007 test)")


def run_checks() -> list[Finding]:
    return [
        check_python(),
        *check_packages(),
        check_widgets_frontend(),
        *check_kernel(),
        check_data(),
        *command_checks(),
    ]


def command_checks() -> list[Finding]:
    """The checks of the installed command modules (the instructor's edition adds whether
    sandboxed grading works here; the learner edition has no grader, so nothing)."""
    from .cli import command_modules

    found = []
    for module in command_modules():
        for check in getattr(module, "DOCTOR_CHECKS", ()):
            found.append(check())
    return found


def report(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        mark = "ok " if f.ok else "FIX" if f.needed else " - "
        lines.append(f"[{mark}] {f.what}: {f.detail}")
        if not f.ok:
            lines.append(f"      -> {f.fix}")
    problems = sum(not f.ok and f.needed for f in findings)
    lines.append("")
    lines.append(
        "Ready: every check passed." if not problems else f"{problems} problem(s) to fix, above."
    )
    return "\n".join(lines)


def main() -> int:
    findings = run_checks()
    print(report(findings))
    return 0 if all(f.ok or not f.needed for f in findings) else 1
