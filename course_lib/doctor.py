"""``course-lib doctor``: is this environment ready for the course? What to do if not.

Each check returns a :class:`Finding`; nothing here changes the environment. Most checks look
at the environment running this command (the server side: JupyterLab and its widgets front
end). The notebooks, though, run in the ``python3`` kernel, which may be another Python: so
:func:`check_kernel` starts that kernel as JupyterLab would, runs :data:`KERNEL_PROBE` in it,
and compares what the kernel imports with what this command sees.

Everything it says is in the learner's language (:mod:`.i18n`); names of packages, paths
and commands are not translated.
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

from .i18n import N_, _, ngettext

if TYPE_CHECKING:
    from packaging.requirements import Requirement

FIX_INSTALL = N_("run `make lab` (or `pip install -e .`) in the course folder")
KERNEL_NAME = "python3"  # the kernel the course's notebooks are saved with
KERNEL_START_TIMEOUT = 60.0  # seconds for the kernel to answer; a cold laptop can be slow
KERNEL_RUN_TIMEOUT = 60.0  # seconds for the probe (it imports numpy, ipywidgets, course_lib)


@dataclass
class Finding:
    """One check's result, in the learner's language: what was checked, whether it is
    fine, what was found, and how to fix it."""

    what: str
    ok: bool
    detail: str
    fix: str = ""
    needed: bool = True  # False: only some users need it; not ok is then not a problem


def check_python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 10)
    return Finding("Python", ok, version, "" if ok else _("install Python 3.10 or newer"))


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
            findings.append(Finding(req.name, False, _("not installed"), _(FIX_INSTALL)))
            continue
        ok = req.specifier.contains(version, prereleases=True)
        fix = "" if ok else _("upgrade: pip install '{requirement}'").format(requirement=req)
        findings.append(Finding(req.name, ok, _needs(version, req.specifier), fix))
    return findings


def _needs(version: str, specifier: object) -> str:
    # TRANSLATORS: a version found, and the versions the course needs: "1.26.4 (needs >=1.24)"
    return _("{version} (needs {specifier})").format(version=version, specifier=specifier)


def check_widgets_frontend() -> Finding:
    """The ipywidgets front end: JupyterLab draws widgets only with this lab extension."""
    from jupyter_core.paths import jupyter_path

    what = _("ipywidgets front end")
    name = "@jupyter-widgets/jupyterlab-manager"
    for base in jupyter_path("labextensions"):
        if (Path(base) / name / "package.json").is_file():
            found = _("{extension} found in {folder}").format(extension=name, folder=base)
            return Finding(what, True, found)
    # TRANSLATORS: 'Error displaying widget' is what JupyterLab shows: keep it as it is
    missing = _(
        "{extension} is not installed in this JupyterLab: widgets would show "
        "'Error displaying widget'"
    ).format(extension=name)
    fix = _("pip install 'jupyterlab_widgets>=3' in the environment that runs JupyterLab")
    return Finding(what, False, missing, fix)


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

    # TRANSLATORS: {kernel} is the kernel's name, "python3"
    what = _("{kernel} kernel").format(kernel=KERNEL_NAME)
    resource_dir = KernelSpecManager().find_kernel_specs().get(KERNEL_NAME)
    if resource_dir is None:
        detail = _("no kernel named {kernel}").format(kernel=KERNEL_NAME)
        return [Finding(what, False, detail, _make_this_the_kernel())]
    spec_file = Path(resource_dir) / "kernel.json"
    try:  # the command as JupyterLab runs it (with "python" made this Python's full path)
        command = KernelManager(kernel_name=KERNEL_NAME).format_kernel_cmd()
    except (ValueError, OSError, KeyError, TypeError) as err:  # not JSON, unreadable, ...
        command, unreadable = [], f"{type(err).__name__}: {err}"  # Python's words: as they are
    else:
        unreadable = _("its argv, the command to run, is empty")
    if not command:
        # TRANSLATORS: {kernelspec} is the path of a kernel.json file
        detail = _("{kernelspec} is not a usable kernelspec: {why}").format(
            kernelspec=spec_file, why=unreadable
        )
        return [Finding(what, False, detail, _kernel_fix(resource_dir))]
    started = time.perf_counter()
    try:
        found = run_in_kernel(KERNEL_PROBE)
    except KernelProblem as problem:
        detail = problem.sentence(spec_file, command[0])
        lacks_ipykernel = "No module named ipykernel" in problem.pieces.get("said", "")
        fix = _kernel_fix(resource_dir, command[0] if lacks_ipykernel else None)
        return [Finding(what, False, detail, fix)]
    seconds = time.perf_counter() - started
    python = found["executable"]
    ready = _("started {python} in {seconds:.1f} s ({kernelspec})").format(
        python=python, seconds=seconds, kernelspec=spec_file
    )
    findings = [
        Finding(what, True, ready),
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
    return _("make this environment's Python the {kernel} kernel: `{command}`").format(
        kernel=KERNEL_NAME, command=command
    )


def _kernel_python(version: str) -> Finding:
    from packaging.specifiers import SpecifierSet

    needs = SpecifierSet(metadata.metadata("course_lib")["Requires-Python"] or "")
    ok = needs.contains(version, prereleases=True)
    fix = "" if ok else _make_this_the_kernel()
    return Finding(_("Python in the kernel"), ok, _needs(version, needs), fix)


def _kernel_course(found: dict, python: str) -> Finding:
    """course_lib in the kernel must be the one this command runs: same version, same place."""
    from . import __version__

    what = _("course_lib in the kernel")
    here = Path(__file__).resolve().parent
    if "error" in found:
        # TRANSLATORS: {python} is the kernel's Python (a path); {error} Python's error
        detail = _("`import course_lib` fails in the kernel ({python}): {error}").format(
            python=python, error=found["error"]
        )
        return Finding(what, False, detail, _make_this_the_kernel())
    there = Path(found["file"]).resolve().parent
    if found["version"] != __version__ or there != here:
        detail = _(
            "{version} from {folder}, but this command runs {ours} from {our_folder}: "
            "the notebooks would not run the course this doctor checked"
        ).format(version=found["version"], folder=there, ours=__version__, our_folder=here)
        return Finding(what, False, detail, _make_this_the_kernel())
    same = _("{version} from {folder}, the same as this command's")
    return Finding(what, True, same.format(version=found["version"], folder=there))


def _kernel_package(
    name: str, found: dict, requirement: Requirement | None, python: str
) -> Finding:
    """A dependency as the kernel imports it, against the version the course declares."""
    # TRANSLATORS: {package} is a Python package's name, "numpy"
    what = _("{package} in the kernel").format(package=name)
    if "error" in found:
        fix = f"`{python} -m pip install '{requirement or name}'`"  # a command: not translated
        detail = _("cannot be imported: {error}").format(error=found["error"])
        return Finding(what, False, detail, fix)
    if requirement is None:
        return Finding(what, True, found["version"])
    ok = requirement.specifier.contains(found["version"], prereleases=True)
    fix = "" if ok else f"`{python} -m pip install '{requirement}'`"
    return Finding(what, ok, _needs(found["version"], requirement.specifier), fix)


def _kernel_widgets_match(found: dict) -> Finding:
    """The kernel's ipywidgets names the front end it needs: is that the version here?"""
    from packaging.requirements import Requirement

    what = _("widgets: kernel and front end")
    wanted = [Requirement(text) for text in found.get("frontend", [])]
    try:
        frontend = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError:
        frontend = None
    if "error" in found or not wanted or frontend is None:
        return Finding(what, True, _("not compared (see the ipywidgets checks above)"))
    need = wanted[0]
    if need.specifier.contains(frontend, prereleases=True):
        detail = _("ipywidgets {version} in the kernel, jupyterlab_widgets {frontend} here").format(
            version=found["version"], frontend=frontend
        )
        return Finding(what, True, detail)
    # TRANSLATORS: 'Error displaying widget' is what JupyterLab shows: keep it as it is
    detail = _(
        "ipywidgets {version} in the kernel needs {requirement}, but JupyterLab here has "
        "jupyterlab_widgets {frontend}: widgets would show 'Error displaying widget'"
    ).format(version=found["version"], requirement=need, frontend=frontend)
    return Finding(what, False, detail, f"`{sys.executable} -m pip install '{need}'`")


class KernelProblem(Exception):
    """The kernel could not be started or did not run the probe. ``template`` (English,
    marked with N_) says so in one sentence about the kernelspec and the command it runs,
    ``{kernelspec}`` and ``{command}``; ``pieces`` fill in the rest (``said``: the last line
    the kernel printed). :meth:`sentence` is that sentence in the learner's language."""

    def __init__(self, template: str, **pieces: object) -> None:
        super().__init__(template)
        self.template, self.pieces = template, pieces

    def sentence(self, kernelspec: Path, command: str) -> str:
        return _(self.template).format(kernelspec=kernelspec, command=command, **self.pieces)


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
                    raise KernelProblem(
                        # TRANSLATORS: {reason} is the system's, "No such file or directory"
                        N_("{kernelspec} runs `{command}`, which cannot be started ({reason})"),
                        reason=err.strerror or err,
                    ) from None
            client = manager.client()
            client.start_channels()
            try:
                client.wait_for_ready(timeout=KERNEL_START_TIMEOUT)
            except RuntimeError:
                if manager.is_alive():
                    raise KernelProblem(
                        N_(
                            "{kernelspec} runs `{command}`, which did not answer within "
                            "{limit:.0f} s"
                        ),
                        limit=KERNEL_START_TIMEOUT,
                    ) from None
                status, said = manager.provisioner.process.poll(), _last_line(log)
                if said:
                    raise KernelProblem(
                        # TRANSLATORS: {said} is the last line the kernel printed (English)
                        N_(
                            "{kernelspec} runs `{command}`, which died at start "
                            "(exit status {status}): {said}"
                        ),
                        status=status,
                        said=said,
                    ) from None
                raise KernelProblem(
                    N_("{kernelspec} runs `{command}`, which died at start (exit status {status})"),
                    status=status,
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
            N_(
                "{kernelspec} runs `{command}`, which started, but did not run the check "
                "within {limit:.0f} s"
            ),
            limit=KERNEL_RUN_TIMEOUT,
        ) from None
    if reply["content"]["status"] != "ok":
        raise KernelProblem(
            # TRANSLATORS: {error} is the name of a Python error, "ImportError"
            N_("{kernelspec} runs `{command}`, which started, but the check failed: {error}"),
            error=reply["content"].get("ename"),
        )
    try:
        return json.loads("".join(printed))
    except ValueError:
        raise KernelProblem(
            N_("{kernelspec} runs `{command}`, which started, but the check printed no answer")
        ) from None


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
            # TRANSLATORS: {fix} is the fix that follows, "make this environment's Python ..."
            fix = _("remove the broken kernelspec (`rm -r '{folder}'`), then {fix}").format(
                folder=resource_dir, fix=fix
            )
    if python_without_ipykernel:
        install = f"{python_without_ipykernel} -m pip install ipykernel"
        # TRANSLATORS: {fix} is the fix above; this one is another way
        fix = _("{fix}; or install ipykernel into that Python: `{command}`").format(
            fix=fix, command=install
        )
    return fix


# ----- data, grading, and the report -----


def check_data(path: Path | None = None) -> Finding:
    from .data import USPS_PATH, DataError, verify_usps

    what = _("USPS data")
    try:
        verify_usps(path or USPS_PATH)
    except DataError as err:
        # TRANSLATORS: {fix} is "run `make lab` (or `pip install -e .`) in the course folder"
        fix = _("reinstall the course: {fix}").format(fix=_(FIX_INSTALL))
        return Finding(what, False, str(err), fix)
    return Finding(what, True, _("checksum verified (7291 train, 2007 test)"))


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
    """The findings, one a line (and its fix), then the verdict. The marks "ok ", "FIX" and
    " - " are the same in every language: a column of three characters to run an eye down."""
    lines = []
    for f in findings:
        mark = "ok " if f.ok else "FIX" if f.needed else " - "
        lines.append(f"[{mark}] {f.what}: {f.detail}")
        if not f.ok:
            lines.append(f"      -> {f.fix}")
    problems = sum(not f.ok and f.needed for f in findings)
    lines.append("")
    if problems:
        # TRANSLATORS: "problem(s)" is the same for every count in English; give your forms
        said = ngettext(
            "{count} problem(s) to fix, above.", "{count} problem(s) to fix, above.", problems
        )
        lines.append(said.format(count=problems))
    else:
        lines.append(_("Ready: every check passed."))
    return "\n".join(lines)


def main() -> int:
    findings = run_checks()
    print(report(findings))
    return 0 if all(f.ok or not f.needed for f in findings) else 1
