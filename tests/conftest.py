"""Fixtures shared by the tests of tests/ and tests/browser/."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def build_site() -> Callable:
    """``build_site(folder)`` builds the website (site/build.py) into ``folder``, prints how
    long it took and returns the result, failing the test if the build failed."""
    spec = importlib.util.spec_from_file_location("course_site_build", ROOT / "site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)

    def build(folder: Path):
        result = module.build(folder)
        print(f"\nsite built in {result.seconds:.1f} s")
        assert result.returncode == 0, result.log
        return result

    return build
