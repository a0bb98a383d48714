"""The class report of a class of 150 (results made by tests/test_class_report.py, hostile
names and messages among them) opened from its file in a real (headless) Chromium.

The plots are drawn (SVG with a size, visible), the most frequent mistakes are named in
the visible text, no learner text became an element (no image, script, frame or
javascript: link, no on* attribute; no dialog opens), the page asks for nothing beyond its
own file and logs no error, and it fits a phone's width. A screenshot goes to
/tmp/class-report.png. The browser and the skip rules are in ``conftest.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from test_class_report import answers, page, renamed, synthetic_class

SCREENSHOT = Path("/tmp/class-report.png")
STEM = "05_digit_classification"

PLOTS = """
() => [...document.querySelectorAll('svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  return {width: box.width, height: box.height, shapes: svg.querySelectorAll('path').length};
})
"""
# elements and attributes that markup in a learner's text would have made
MADE_FROM_TEXT = """
() => ({
  elements: [...document.querySelectorAll('img, script, iframe, object, embed, form, input')]
    .map(e => e.outerHTML.slice(0, 80)),
  links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))
    .filter(href => !href.startsWith('#')),
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
    .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
})
"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def class_of_150():
    """150 learners and a hostile notebook; three of them share the solution's answers
    (one renamed), so the report has a group of near-identical submissions."""
    run = synthetic_class(150)
    solution = {gid.removesuffix("_answer"): s for gid, s in answers(STEM).items()}
    for i, cells in ((10, solution), (11, solution), (12, renamed(solution))):
        run.graded[i] = replace(run.graded[i], answers=cells)
    return run


def test_the_report_reads_well_in_a_browser(browser, tmp_path):
    run = class_of_150()
    path = tmp_path / "report.html"
    path.write_text(page.text(run), encoding="utf-8")
    tab = browser.new_page()
    requests, errors, dialogs = [], [], []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        tab.set_viewport_size({"width": 1280, "height": 900})
        tab.goto(path.as_uri(), wait_until="load")
        plots = tab.evaluate(PLOTS)
        assert len(plots) == 2 and all(p["width"] > 300 and p["height"] > 150 for p in plots)
        assert all(p["shapes"] > 10 for p in plots), plots  # bars, axes and ticks drawn
        assert all(tab.locator("svg").nth(i).is_visible() for i in range(2))
        seen = tab.inner_text("body")
        for name in ("naive_softmax", "sum_over_batch", "no_relu_prime"):
            assert name in seen
        assert "33% (50) made the mistake naive_softmax in 5.1 softmax" in seen
        assert "<img src=x onerror=alert(1)>" in seen  # the hostile name, as text
        assert "learner010, learner011, learner012" in seen  # the copied answers' group
        made = tab.evaluate(MADE_FROM_TEXT)
        assert made == {"elements": [], "links": [], "handlers": []}
        tab.screenshot(path=str(SCREENSHOT), full_page=True)
        tab.set_viewport_size({"width": 400, "height": 800})  # a phone
        assert tab.evaluate(OVERFLOW) <= 0
        assert (
            tab.evaluate("() => document.querySelector('svg').getBoundingClientRect().width") <= 400
        )
    finally:
        tab.close()
    assert requests == [path.as_uri()]  # the file itself, nothing else
    assert errors == [] and dialogs == []
