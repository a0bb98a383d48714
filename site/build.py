"""Build the course website from the stored notebooks, without running them.

``make site`` runs ``python site/build.py``; the pages go to ``site/_build/html`` (or to the
folder given as the first argument). Any Sphinx warning fails the build.
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


def build(out: Path = DEFAULT_OUT) -> Build:
    """Build the site into ``out/html`` (doctrees in ``out/doctrees``); warnings are errors."""
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-q",
        "-W",
        "--keep-going",
        "-d",
        str(out / "doctrees"),
        str(SITE),
        str(out / "html"),
    ]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    log = done.stdout + done.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    return Build(done.returncode, seconds, warnings, log, out / "html")


def main(argv: list[str]) -> int:
    out = Path(argv[0]).resolve() if argv else DEFAULT_OUT
    result = build(out)
    print(result.log, end="")
    if result.returncode:
        print(f"the site did not build ({len(result.warnings)} warnings or errors)")
        return result.returncode
    print(f"built in {result.seconds:.1f} s: open {result.html / 'index.html'} (works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
