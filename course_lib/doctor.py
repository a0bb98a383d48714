"""``course-lib doctor``: is this environment ready for the course? What to do if not.

Each check returns a :class:`Finding`; nothing here changes the environment.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

FIX_INSTALL = "run `make lab` (or `pip install -e .`) in the course folder"


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


def check_packages() -> list[Finding]:
    """Every dependency the course declares: installed, and at least the version it asks."""
    from packaging.requirements import Requirement

    findings = []
    for text in metadata.requires("course_lib") or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # an optional extra (dev tools), not needed to take the course
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


def check_kernel() -> Finding:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return Finding("python3 kernel", False, "no kernel named python3", "pip install ipykernel")
    return Finding("python3 kernel", True, spec.argv[0])


def check_data(path: Path | None = None) -> Finding:
    from .data import USPS_PATH, DataError, verify_usps

    try:
        verify_usps(path or USPS_PATH)
    except DataError as err:
        return Finding("USPS data", False, str(err), "reinstall the course: " + FIX_INSTALL)
    return Finding("USPS data", True, "checksum verified (7291 train, 2007 test)")


def check_sandbox() -> Finding:
    """Sandboxed grading (`course-lib grade`): only instructors who grade need it."""
    from .exercises.sandbox import sandbox_problem

    problem = sandbox_problem()
    if problem is None:
        return Finding("sandboxed grading", True, "bubblewrap can isolate learners' code here")
    return Finding(
        "sandboxed grading", False, "not available here (only needed to grade a class)",
        problem, needed=False,
    )  # fmt: skip


def run_checks() -> list[Finding]:
    return [
        check_python(),
        *check_packages(),
        check_widgets_frontend(),
        check_kernel(),
        check_data(),
        check_sandbox(),
    ]


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
