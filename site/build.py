"""Build the course website from the stored notebooks, without running them.

``make site`` runs ``python site/build.py``; the pages go to ``site/_build/html`` (or to the
folder given as the first argument). Any Sphinx warning fails the build. The launch links
come from pyproject.toml's [tool.course]; ``-Dcourse_repository=URL`` (and
``-Dcourse_jupyterhub=URL``, ``-Dcourse_branch=NAME``) build them for another repository.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SITE = Path(__file__).resolve().parent
DEFAULT_OUT = SITE / "_build"


@dataclass
class Build:
    returncode: int
    seconds: float
    warnings: list[str]  # Sphinx's WARNING and ERROR lines
    log: str
    html: Path  # the built site: open html/index.html


def build(
    out: Path = DEFAULT_OUT, overrides: dict[str, str] | None = None, pages: tuple[str, ...] = ()
) -> Build:
    """Build the site into ``out/html`` (doctrees in ``out/doctrees``); warnings are errors.
    ``overrides``: settings of conf.py to replace, e.g. ``{"course_repository": URL}`` (the
    launch links; by default from pyproject.toml's [tool.course]). ``pages``: write only
    these source files (e.g. ``"notebooks/04_backward_pass.ipynb"``) of an earlier build."""
    settings = [f"-D{name}={value}" for name, value in (overrides or {}).items()]
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-q",
        "-W",
        "--keep-going",
        *settings,
        "-d",
        str(out / "doctrees"),
        str(SITE),
        str(out / "html"),
        *(str(SITE / page) for page in pages),
    ]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    log = done.stdout + done.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    return Build(done.returncode, seconds, warnings, log, out / "html")


def main(argv: list[str]) -> int:
    folder = [arg for arg in argv if not arg.startswith("-D")]
    overrides = dict(
        arg.removeprefix("-D").split("=", 1) for arg in argv if arg.startswith("-D") and "=" in arg
    )
    out = Path(folder[0]).resolve() if folder else DEFAULT_OUT
    result = build(out, overrides)
    print(result.log, end="")
    if result.returncode:
        print(f"the site did not build ({len(result.warnings)} warnings or errors)")
        return result.returncode
    print(f"built in {result.seconds:.1f} s: open {result.html / 'index.html'} (works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
