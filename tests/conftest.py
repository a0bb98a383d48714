"""Fixtures shared by the tests of tests/ and tests/browser/."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory):
    """The website (site/build.py) built once per test run, whichever process asks first:
    under pytest-xdist the others wait on a lock and reuse it (a build takes 10 to 20 s of
    a 2-core machine). Prints how long the build took; fails the test if it failed."""
    spec = importlib.util.spec_from_file_location("course_site_build", ROOT / "site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, shared by its workers (pytest-N)
    record = shared / "site.json"
    with open(shared / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if record.exists():
            result = module.Build(**json.loads(record.read_text()))
            result.html = Path(result.html)
        else:
            result = module.build(shared / "site")
            print(f"\nsite built in {result.seconds:.1f} s")
            record.write_text(json.dumps({**vars(result), "html": str(result.html)}))
    assert result.returncode == 0, result.log
    return result
