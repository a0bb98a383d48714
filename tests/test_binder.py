"""The repo2docker configuration (Binder, JupyterHub) agrees with pyproject.toml."""

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
HUB_ONLY = {"nbgitpuller": ">=1.2"}  # needed on a hub, not by the course itself


def requirements(lines):
    return {
        Requirement(line).name.lower(): str(Requirement(line).specifier)
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    }


def test_binder_requirements_equal_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = requirements(project["dependencies"])
    binder = requirements((BINDER / "requirements.txt").read_text().splitlines())
    assert binder == {**declared, **HUB_ONLY}


def test_runtime_satisfies_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    assert match, f"runtime.txt should read python-X.Y, got {runtime!r}"
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", project["requires-python"])
    assert tuple(map(int, match.groups())) >= tuple(map(int, minimum.groups()))


def test_post_build_installs_the_package_and_opens_the_welcome_notebook():
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in script
    assert "pip install --no-cache-dir --no-deps -e ." in script
    assert "/lab/tree/notebooks/00_welcome.ipynb" in script
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
