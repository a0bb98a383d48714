"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per module.

Everything the server, the kernels and the browser write (Jupyter config, data and runtime
files, IPython and matplotlib config, the browser profile, the served notebook copies) lives
in one temporary directory, so a run leaves nothing in the user's home and never rewrites
the notebooks in ``notebooks/`` (JupyterLab autosaves the copies it serves).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
ENABLE = "apt-get install chromium && pip install playwright"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# JupyterLab user settings for the test server: no news or update pop-ups (they can cover
# the controls), and every cell kept in the page (no windowing), so all outputs can be checked.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}
SERVER_START_TIMEOUT = 60  # seconds
SESSION_START = time.time()


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if find_chromium() is None:
        return "no Chromium found (/usr/bin/chromium or chromium on PATH)"
    return None


def skip_or_fail_if_missing() -> None:
    """Skip (outside CI) or fail (under CI=true) when Chromium or Playwright is missing."""
    problem = missing_requirement()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {problem}", pytrace=False)
    pytest.skip(f"browser tests skipped: {problem}; to enable them: {ENABLE}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    url: str  # http://127.0.0.1:PORT
    token: str
    root_dir: Path  # the served copies of the notebooks
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}"


def _write_lab_settings(config_dir: Path) -> None:
    for key, values in LAB_SETTINGS.items():
        package, plugin = key.rsplit("/", 1)
        path = config_dir / "lab" / "user-settings" / package / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def _wait_ready(url: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    request = urllib.request.Request(
        f"{url}/api/status", headers={"Authorization": f"token {token}"}
    )
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"jupyter lab not ready after {SERVER_START_TIMEOUT} s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server by its own process id: terminate, then kill after a timeout."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """``jupyter lab`` on a free loopback port with its own token, serving copies of notebooks/."""
    skip_or_fail_if_missing()
    base = tmp_path_factory.mktemp("lab")
    root_dir = base / "notebooks"
    root_dir.mkdir()
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy2(notebook, root_dir / notebook.name)
    env = dict(os.environ)
    for var, sub in [
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("JUPYTER_DATA_DIR", "jupyter-data"),
        ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "matplotlib"),
    ]:
        (base / sub).mkdir()
        env[var] = str(base / sub)
    # One BLAS thread per kernel: the browser, the server and the kernel share the CPU, and
    # OpenBLAS threads that spin-wait for a busy core made training ~40x slower on 2 cores.
    for var in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]:
        env.setdefault(var, "1")
    env.pop("JUPYTERLAB_SETTINGS_DIR", None)  # the settings below live in JUPYTER_CONFIG_DIR
    env.pop("JUPYTERLAB_WORKSPACES_DIR", None)
    _write_lab_settings(base / "jupyter-config")
    token = secrets.token_hex(24)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: read the cells' outputs
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = base / "jupyter-lab.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            command, env=env, cwd=root_dir, stdout=log_file, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, token, proc, log)
        yield LabServer(url, token, root_dir, log)
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """A headless Chromium (the system's, via Playwright) on a fresh profile directory."""
    skip_or_fail_if_missing()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=find_chromium(),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def chromium_launch() -> dict:
    """Keyword arguments for Playwright's ``chromium.launch`` (sync or async API), after the
    same skip rules as ``browser``: for a test that drives its own browser (the site's crawl
    uses the async API to open many pages at once)."""
    skip_or_fail_if_missing()
    return {"executable_path": find_chromium(), "headless": True, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="module")
def artifacts_dir() -> Path:
    """Where the screenshots go (kept after the run, ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter) -> None:
    """List the screenshots this run saved, so they are easy to find."""
    saved = sorted(
        path
        for folder in (ARTIFACTS, ARTIFACTS.parent / "site-screens")  # site: test_site_browser
        if folder.is_dir()
        for path in folder.glob("*.png")
        if path.stat().st_mtime >= SESSION_START
    )
    if saved:
        terminalreporter.write_sep("-", "browser test screenshots")
        for path in saved:
            terminalreporter.write_line(str(path))
