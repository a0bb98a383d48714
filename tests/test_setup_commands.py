"""The README's two commands: `make lab` opens the welcome notebook; `make test` is what CI runs."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def recipe(target: str) -> list[str]:
    """The command lines of one Makefile target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        body.append(line.strip())
    return body


def test_readme_gives_make_lab_and_make_test_and_ci_runs_make_test():
    readme = (ROOT / "README.md").read_text()
    assert "make lab " in readme and "make test " in readme
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == "make test"


def install_lines(stamp: str) -> list[str]:
    """The pip install lines of the Makefile rule that makes ``stamp``."""
    return [line for line in recipe(f"$({stamp})") if "pip install" in line]


def test_plain_pip_commands_match_the_makefile():
    readme = (ROOT / "README.md").read_text()
    lab = recipe("lab")[0].replace("$(BIN)", ".venv/bin")
    test_cmd = recipe("test")[0].replace("$(BIN)", ".venv/bin")
    assert f".venv/bin/pip install -e . && {lab}\n" in readme
    assert f'.venv/bin/pip install -e ".[dev]" && {test_cmd}\n' in readme


def test_learners_install_the_runtime_dependencies_only():
    """`make lab` installs the course without extras; the dev tools come with `make test`."""
    assert install_lines("LAB_STAMP") == ["$(BIN)/python -m pip install --quiet -e ."]
    assert install_lines("TEST_STAMP") == ['$(BIN)/python -m pip install --quiet -e ".[dev]"']
    runtime = " ".join(project()["dependencies"])
    for tool in ("pytest", "nbval", "playwright", "ruff", "hypothesis", "nbgrader", "sphinx"):
        assert tool not in runtime, tool


def project() -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_lab_outside_the_course_folder_says_where_to_run_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "course_lib.cli", "lab"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "no notebooks/00_welcome.ipynb here" in done.stderr and "course folder" in done.stderr


def test_make_lab_opens_jupyterlab_on_the_welcome_notebook(tmp_path):
    """Run the lab recipe's command (course-lib lab, which adds --allow-root itself when
    run as root) with a stand-in browser that records the page."""
    command = recipe("lab")[0].replace("$(BIN)", str(Path(sys.executable).parent))
    opened = tmp_path / "opened.html"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\ncat "${{1#file://}}" > {opened}\n')
    browser.chmod(0o755)
    env = dict(os.environ, BROWSER=str(browser))
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[name] = str(tmp_path / name.lower())
    args = [*command.split(), "--ServerApp.port=0", "--ServerApp.ip=127.0.0.1"]
    server = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 90
        while not (opened.exists() and opened.stat().st_size) and time.monotonic() < deadline:
            assert server.poll() is None, f"jupyter lab exited with {server.returncode}"
            time.sleep(0.2)
        page = opened.read_text()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    url = re.search(r"url=([^\"]+)\"", page).group(1)
    assert "/lab/tree/notebooks/00_welcome.ipynb" in url
