"""The code is ruff-clean and ruff-formatted (the rules are in pyproject.toml): checked by
the test run, so CI checks it too. One formatter for everyone; notebooks are linted, not
reformatted (their layout teaches)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_finds_nothing():
    done = ruff("check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_changes_nothing():
    done = ruff("format", "--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_formatter_is_switched_off_but_for_tables():
    """`# fmt: skip` only where a hand layout reads better (a table), and each one says so
    in the comment above it."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if any(
            part.startswith(".") or part in ("site", "build")
            for part in path.parts[len(ROOT.parts) :]
        ):
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.rstrip().endswith(("# fmt: skip", "# fmt: off")):
                above = "\n".join(lines[max(0, i - 40) : i])
                if "(fmt: skip)" not in above:
                    found.append(f"{path.relative_to(ROOT)}:{i + 1}")
    assert found == []
