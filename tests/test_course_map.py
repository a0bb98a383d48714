"""The course map (README and 00_welcome) and the notebooks agree."""

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
# lecture notebooks: "04_backward_pass", and "04b_vanishing_gradients" sorted right after it
# (and the optional appendix "05b_how_the_recipe_was_chosen" after 05)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def minutes_in_opening(path):
    opening = nbformat.read(path, as_version=4).cells[0].source
    found = re.findall(r"(\d+)\s*minutes", opening)
    assert found, f"{path.name} should say in its first cell how long it takes"
    return int(found[0])


def test_the_lecture_notebooks_exist_in_order():
    numbers = [p.stem.split("_")[0] for p in NOTEBOOKS]
    assert numbers == ["00", "01", "02", "03", "04", "04b", "05", "05b"]
    assert not [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p not in NOTEBOOKS]


def headings(name):
    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    return [
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]


def test_the_sections_that_05_refers_back_to_exist():
    """05 uses momentum, ReLU and He initialisation and refers back to where they are taught."""
    assert "## 5. Momentum" in headings("01_gradient_descent")
    for section in ["## Vanishing gradients", "## ReLU", "## Initialisation"]:
        assert section in headings("04b_vanishing_gradients")


def test_welcome_map_lists_each_notebook_with_its_own_time():
    welcome = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    course_map = next(c.source for c in welcome.cells if c.source.startswith("## The course map"))
    for path in NOTEBOOKS:
        row = next(
            (line for line in course_map.splitlines() if line.startswith(f"| {path.stem} ")), None
        )
        assert row, f"the course map in 00_welcome has no row for {path.stem}"
        assert row.rstrip(" |").endswith(f"| {minutes_in_opening(path)}"), row
    rows = re.findall(r"^\| (\w+) \|", course_map, re.M)
    assert [r for r in rows if r != "notebook"] == [p.stem for p in NOTEBOOKS]


def test_readme_links_every_notebook_in_order():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme
    rows = re.findall(r"^\| \[(\w+)\]\(notebooks/", readme, re.M)
    assert rows == [p.stem for p in NOTEBOOKS]


def test_the_site_lists_every_notebook_in_order():
    index = (ROOT / "site" / "index.md").read_text()
    listed = re.findall(r"^notebooks/(\w+)$", index, re.M)
    assert listed == [p.stem for p in NOTEBOOKS]
