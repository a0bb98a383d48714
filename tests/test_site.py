"""The course website (`make site`): builds without warnings, has every page, loads nothing
from another host, and never shows a solution.

The site is built once for this module, into a temporary folder; the browser checks are in
tests/browser/test_site_browser.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_BUILD_SECONDS = 120  # the issue asks for < 30 s on 2 cores; this only catches a runaway
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_SUFFIXES = {".html", ".js", ".css", ".txt", ".json", ".ipynb", ".md", ".rst", ".inv"}


@pytest.fixture(scope="module")
def built(built_site):
    return built_site


def notebook_pages() -> list[str]:
    return [
        f"{folder}/{path.stem}"
        for folder in ("notebooks", "exercises")
        for path in sorted((ROOT / folder).glob("*.ipynb"))
    ]


def page_text(path: Path) -> str:
    """What a reader (or a copy-paste) can get from a built file: for HTML the text without
    tags, for a notebook its cells' sources and outputs, otherwise the file as it is."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        return html.unescape(re.sub(r"<[^>]+>", "", raw))
    if path.suffix == ".ipynb":
        cells = json.loads(raw)["cells"]
        parts = ["".join(cell["source"]) for cell in cells]
        for cell in cells:
            for output in cell.get("outputs", []):
                parts.append("".join(output.get("text", "")))
                parts.extend(
                    "".join(v)
                    for v in output.get("data", {}).values()
                    if isinstance(v, (str, list))
                )  # noqa: E501
        return "\n".join(parts)
    return raw


def lecture_lines() -> set[str]:
    """Every line of the lecture notebooks' code, stripped: published on purpose."""
    lines = set()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            lines.update(line.strip() for line in "".join(cell["source"]).splitlines())
    return lines


def solution_answers() -> dict[str, list[list[str]]]:
    """For each solution notebook, its answers: the lines between the solution markers that
    are at least 20 characters long and not comments.

    A line that is also in a lecture notebook is left out: the lectures show some of the same
    generic lines on purpose (``activations.append(a)`` in a loop over the layers), and
    counting them made a three-line answer look present when only its one real line was not.
    """
    public = lecture_lines()
    answers = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        found = []
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            for body in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S):
                lines = [line.strip() for line in body.splitlines()]
                lines = [line for line in lines if len(line) >= 20 and not line.startswith("#")]
                lines = [line for line in lines if line not in public]
                if lines:
                    found.append(lines)
        answers[path.name] = found
    return answers


def answer_in(lines: list[str], text: str) -> bool:
    """An answer counts as present when more than half of its lines are in the text."""
    return sum(line in text for line in lines) * 2 > len(lines)


def test_the_build_succeeds_without_warnings_in_time(built):
    assert built.warnings == [], "\n".join(built.warnings)
    assert built.seconds < MAX_BUILD_SECONDS


def test_every_page_exists(built):
    expected = [
        "index",
        "glossary",
        "api",
        "search",
        "genindex",
        "docs/grading",
        "docs/instructor-guide",
        "course_lib/data/USPS",
        *notebook_pages(),
    ]
    missing = [page for page in expected if not (built.html / f"{page}.html").is_file()]
    assert missing == []


def test_the_home_page_has_the_course_map_and_the_three_ways_from_the_readme(built):
    text = page_text(built.html / "index.html")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in re.findall(r"^\| \[(\d\d\w*_\w+)\]", readme, re.M):
        assert f'href="notebooks/{row}.html"' in (built.html / "index.html").read_text()
    assert "Three ways to use it" in text and "Self-study" in text and "A lab" in text


def test_notebook_pages_have_outputs_run_instructions_binder_and_widget_notes(built):
    for page in notebook_pages():
        source = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))
        outputs = [o for cell in source["cells"] for o in cell.get("outputs", [])]
        built_html = (built.html / f"{page}.html").read_text(encoding="utf-8")
        text = page_text(built.html / f"{page}.html")
        assert "Run this notebook" in text and "run make lab" in text, page
        binder = f"https://mybinder.org/v2/gh/OWNER/REPO/main?urlpath=lab/tree/{page}.ipynb"
        assert f'href="{binder}"' in built_html, page
        images = sum("image/png" in o.get("data", {}) for o in outputs)
        widgets = sum(WIDGET_VIEW in o.get("data", {}) for o in outputs)
        assert built_html.count("<img ") >= images, page
        assert built_html.count('class="course-widget-note"') == widgets, page


def test_the_glossary_has_every_term_and_the_lectures_link_to_it(built):
    glossary = (built.html / "glossary.html").read_text(encoding="utf-8")
    for term in ["neural network", "神经网络", "backpropagation", "反向传播", "learning rate"]:
        assert term in glossary
    for name in ["01_gradient_descent", "04_backward_pass"]:
        page = (built.html / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert 'href="../glossary.html#term-' in page


def test_the_api_reference_comes_from_the_docstrings(built):
    api = (built.html / "api.html").read_text(encoding="utf-8")
    for name in [
        "course_lib.autodiff.Value",
        "course_lib.nn.Linear",
        "course_lib.optim.SGD",
        "course_lib.train.fit",
        "course_lib.exercises.check",
    ]:
        assert f'id="{name}"' in api, name
    assert "course_lib.exercises.assignments" not in api  # the answer key's module


EXTERNAL = r"(?:https?:)?//(?!127\.0\.0\.1|localhost)"
RESOURCE_PATTERNS = [
    re.compile(
        rf"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=[\"']?{EXTERNAL}", re.I
    ),  # noqa: E501
    re.compile(rf"<link\b[^>]*\bhref=[\"']?{EXTERNAL}[^>]*>", re.I),
    re.compile(rf"@import\s+(?:url\()?[\"']?{EXTERNAL}", re.I),
    re.compile(rf"url\(\s*[\"']?{EXTERNAL}", re.I),
]


def test_nothing_is_loaded_from_another_host(built):
    found = []
    for path in built.html.rglob("*"):
        if path.suffix not in {".html", ".css", ".js"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in RESOURCE_PATTERNS:
            for match in pattern.finditer(text):
                tag = match.group(0)
                if tag.startswith("<link") and not re.search(
                    r"rel=[\"']?(stylesheet|preload|icon|modulepreload)", tag
                ):  # noqa: E501
                    continue  # a plain link to a page (rel=next, canonical): not loaded
                found.append(f"{path.relative_to(built.html)}: {tag[:120]}")
    assert found == []


def test_no_solution_appears_anywhere_in_the_site(built):
    answers = solution_answers()
    assert all(answers.values()), f"no answers found between the markers: {answers}"
    for name, found in answers.items():  # the check finds them where they are
        text = page_text(ROOT / "solutions" / name)
        assert all(answer_in(lines, text) for lines in found)
    leaks = []
    for path in built.html.rglob("*"):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        text = page_text(path)
        for name, found in answers.items():
            for lines in found:
                if answer_in(lines, text):
                    leaks.append(f"{path.relative_to(built.html)}: {name}: {lines[0]}")
    assert leaks == []
