"""The course website in a real (headless) browser, with no network.

The site is built into a temporary folder and served from 127.0.0.1; every request to any
other origin is blocked and counted as a failure. Every page must load with no console error
and no failed request, show every image decoded, and have its math typeset by the bundled
MathJax. The "next" links must walk through the notebooks in course order; the search page
must find a word; a notebook page must print (its article visible under print media).
Screenshots of the home page and of notebook 04, and 04 printed to PDF, go to
``test-artifacts/browser/``. The browser and the skip rules are in ``conftest.py``.
"""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_SCREENSHOT_HEIGHT = 16_000  # px: Chromium cannot capture much taller pages
LOAD_TIMEOUT = 20_000  # ms

MATH_READY = """
async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return false;
  await MathJax.startup.promise;
  void document.body.offsetHeight;  // a layout, so that the typeset math requests its fonts
  await document.fonts.ready;  // leaving before MathJax's fonts arrive would abort them
  return true;
}
"""
# .math elements that MathJax did not typeset, and raw TeX delimiters left in visible text
# (outside code, where they may be legitimate)
MATH_PROBLEMS = r"""
() => {
  const untyped = [...document.querySelectorAll('.math')]
    .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60));
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest('pre, code, script, style, textarea, mjx-container')) continue;
    const text = node.textContent;
    const raw_tex = ['$$', '\\(', '\\)'].some(delimiter => text.includes(delimiter));
    if (raw_tex) raw.push(text.slice(0, 60));
  }
  return {untyped, raw};
}
"""
IMAGES = """
async () => {
  const images = [...document.images];
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  return images.map(i => ({src: i.currentSrc || i.src, width: i.naturalWidth}));
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def site(browser, built_site) -> Iterator[tuple[str, Path]]:
    """The site built into a temporary folder and served on a free loopback port: (url, html
    folder). Depends on ``browser`` so that it skips before building when there is none."""
    result = built_site
    handler = functools.partial(QuietHandler, directory=str(result.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", result.html
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Problems:
    """What went wrong while pages loaded, by kind."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.console.clear()
        self.failed.clear()
        self.blocked.clear()


@pytest.fixture(scope="module")
def page(browser, site):
    """One tab of the shared browser; no request may leave the site's origin."""
    origin = site[0]
    problems = Problems()

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(origin + "/"):
            request_route.continue_()
        else:
            problems.blocked.append(url)
            request_route.abort()

    browser.route("**/*", route)
    tab = browser.new_page()
    tab.on("console", lambda m: problems.console.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: problems.console.append(str(error)))
    tab.on("requestfailed", lambda r: problems.failed.append(f"{r.url}: {r.failure}"))
    tab.on(
        "response",
        lambda r: problems.failed.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
    )
    tab.problems = problems
    yield tab
    tab.close()
    browser.unroute("**/*")


def pages(html: Path) -> list[str]:
    """Every page of the site (not the theme's template fragments under _static/)."""
    relative = [p.relative_to(html) for p in html.rglob("*.html")]
    return sorted(str(p) for p in relative if not p.parts[0].startswith("_"))


def notebook_order() -> list[str]:
    return [
        f"{folder}/{p.stem}.html"
        for folder in ("notebooks", "exercises")
        for p in sorted((ROOT / folder).glob("*.ipynb"))
    ]


def open_page(page, url: str) -> None:
    page.problems.clear()
    page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT)
    page.wait_for_function(MATH_READY, timeout=LOAD_TIMEOUT)


@pytest.fixture(scope="module")
def crawl(page, site) -> dict[str, dict]:
    """Every page opened once: what went wrong while it loaded, its images, its math, and
    where its "next" link and (on the home page) the sidebar's links lead, by page name."""
    url, html = site
    seen = {}
    for name in pages(html):
        open_page(page, f"{url}/{name}")
        following = page.locator("a.right-next")
        after = following.first.evaluate("a => a.href") if following.count() else None
        seen[name] = {
            "problems": {
                "console errors": list(page.problems.console),
                "failed requests": list(page.problems.failed),
                "requests to another origin": list(page.problems.blocked),
            },
            "images": page.evaluate(IMAGES),
            "math": page.evaluate(MATH_PROBLEMS),
            "typeset": page.locator("article mjx-container").count(),
            "next": after.removeprefix(url + "/") if after else None,
            "sidebar": page.eval_on_selector_all(
                "nav.bd-links a.reference.internal", "links => links.map(a => a.href)"
            ),
        }
    return seen


def test_every_page_loads_offline_with_images_and_typeset_math(crawl, site):
    _, html = site
    report = []
    for name, seen in crawl.items():
        images, math = seen["images"], seen["math"]
        broken = [image["src"] for image in images if image["width"] == 0]
        found = {
            **seen["problems"],
            "images not decoded": broken,
            "math not typeset": math["untyped"],
            "raw TeX in the text": math["raw"],
        }
        report += [f"{name}: {kind}: {items}" for kind, items in found.items() if items]
        if name.startswith("notebooks/"):  # the lectures have figures and formulas
            source = (html / name).read_text(encoding="utf-8")
            notebook = (ROOT / name).with_suffix(".ipynb").read_text(encoding="utf-8")
            assert len(images) >= source.count("<img "), name
            assert ("image/png" in notebook) <= (source.count("<img ") > 0), name
            assert seen["typeset"] > 0 or "$" not in notebook, name  # (the appendix has none)
    assert report == [], "\n".join(report)


def test_next_links_walk_the_notebooks_in_course_order(crawl, site):
    """From the home page, the "next" links (as each page shows them: the crawl opened
    every page) visit the notebooks in course order, as the sidebar lists them."""
    url, _ = site
    visited, here = [], "index.html"
    while len(visited) < 50 and crawl[here]["next"] is not None:
        here = crawl[here]["next"].split("#")[0]
        visited.append(here)
    walked = [name for name in visited if name in notebook_order()]
    assert walked == notebook_order()
    listed = [link.removeprefix(url + "/") for link in crawl["index.html"]["sidebar"]]
    assert [name for name in listed if name in notebook_order()] == notebook_order()


def test_search_finds_a_word(page, site):
    url, _ = site
    open_page(page, f"{url}/search.html")
    box = page.locator("form.bd-search input[name=q]").last
    box.fill("sigmoid")
    box.press("Enter")
    page.wait_for_selector("#search-results ul.search li", timeout=LOAD_TIMEOUT)
    assert page.locator("#search-results ul.search li").count() > 0
    assert page.problems.console == [] and page.problems.blocked == []


def test_screenshots_and_print(page, site, artifacts_dir):
    url, _ = site
    for name, shot in [
        ("index.html", "site-home.png"),
        ("notebooks/04_backward_pass.html", "site-04_backward_pass.png"),
    ]:
        open_page(page, f"{url}/{name}")
        height = page.evaluate("() => document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": 1400, "height": min(height, MAX_SCREENSHOT_HEIGHT)}
        page.screenshot(path=str(artifacts_dir / shot), full_page=True, clip=clip)
        assert (artifacts_dir / shot).stat().st_size > 10_000
    page.emulate_media(media="print")
    try:
        visible = page.evaluate(
            """() => {
              const article = document.querySelector('article.bd-article');
              const sidebar = document.querySelector('.bd-sidebar-primary');
              const shown = e => !!e && e.getBoundingClientRect().height > 0 &&
                getComputedStyle(e).visibility !== 'hidden';
              // the book theme prints the title in its own header (#jb-print-docs-body)
              const titles = [...document.querySelectorAll('.bd-content h1')].filter(shown);
              return {article: shown(article),
                      title: titles.map(h => h.textContent).join(' '),
                      images: [...article.querySelectorAll('img')].filter(shown).length,
                      sidebar: shown(sidebar)};
            }"""
        )
        pdf = artifacts_dir / "site-04_backward_pass-print.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=False)
    finally:
        page.emulate_media(media="screen")
    assert visible["article"] and visible["images"] > 0, visible
    assert "The backward pass" in visible["title"], visible
    assert not visible["sidebar"], "the navigation sidebar should not be printed"
    assert pdf.stat().st_size > 50_000
