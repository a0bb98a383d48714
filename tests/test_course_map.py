"""The course map (README and 00_welcome) and the notebooks agree."""

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def minutes_in_opening(path):
    opening = nbformat.read(path, as_version=4).cells[0].source
    found = re.findall(r"(\d+)\s*minutes", opening)
    assert found, f"{path.name} should say in its first cell how long it takes"
    return int(found[0])


def test_the_six_lecture_notebooks_exist():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05"]


def test_welcome_map_lists_each_notebook_with_its_own_time():
    welcome = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    course_map = next(c.source for c in welcome.cells if c.source.startswith("## The course map"))
    for path in NOTEBOOKS:
        row = next(
            (line for line in course_map.splitlines() if line.startswith(f"| {path.stem} ")), None
        )
        assert row, f"the course map in 00_welcome has no row for {path.stem}"
        assert row.rstrip(" |").endswith(f"| {minutes_in_opening(path)}"), row


def test_readme_links_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme
