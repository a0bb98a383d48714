"""The lecture notebooks with widgets, run in JupyterLab in a real (headless) browser.

nbval runs the notebooks in a kernel; learners run them in JupyterLab, where a widget can
fail to render ("Error displaying widget") although every kernel-side test passes. For each
notebook with a widget this test opens it in JupyterLab, runs all cells through the Run
menu, waits until the kernel is done, and checks what a learner would see: no cell shows an
error, the widget's controls are visible, and moving a control changes the output it drives.
A screenshot of the whole notebook is saved under ``test-artifacts/browser/``.

The fixtures (server, browser, skip rules) are in ``conftest.py``.
"""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
RUN_TIMEOUT = 150_000  # ms: running all cells of one notebook
UPDATE_TIMEOUT = 30_000  # ms: a widget's output redrawn after a control moved
MAX_SCREENSHOT_HEIGHT = 16_000  # px: Chromium cannot capture much taller pages
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# JavaScript run in the page; window.jupyterapp exists because the server runs with
# --LabApp.expose_app_in_browser. `PANEL` finds the notebook's panel by its path.
PANEL = """
(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.sessionContext) return w;
  }
  return null;
}
"""
KERNEL_IDLE = f"""
(path) => {{
  const panel = ({PANEL})(path);
  if (!panel || !panel.context.isReady) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}}
"""
RUNNING = """
() => [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('[*]'))
"""
DONE = f"""
(path) => !({RUNNING})() && ({KERNEL_IDLE})(path)
"""
CELL_ERRORS = f"""
(path) => {{
  const cells = ({PANEL})(path).content.model.cells;
  const errors = [];
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (const out of cell.outputs.toJSON()) {{
      if (out.output_type === 'error') errors.push(`cell ${{i}}: ${{out.ename}}: ${{out.evalue}}`);
    }}
  }}
  return errors;
}}
"""
UNEXECUTED = f"""
(path) => {{
  const cells = ({PANEL})(path).content.model.cells;
  const missing = [];
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type === 'code' && cell.sharedModel.getSource().trim() && !cell.executionCount) {{
      missing.push(i);
    }}
  }}
  return missing;
}}
"""


def notebooks_with_widgets() -> set[str]:
    """Names of the stored notebooks that display an ipywidget in some output."""
    names = set()
    for path in NOTEBOOKS.glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        outputs = [out for cell in cells for out in cell.get("outputs", [])]
        if any(WIDGET_MIME in out.get("data", {}) for out in outputs):
            names.add(path.stem)
    return names


# ----- helpers -----


def image_src(output) -> str:
    """The src of the (first) image in a widget's Output area, waiting for it."""
    image = output.locator("img").first
    image.wait_for(state="visible", timeout=UPDATE_TIMEOUT)
    src = image.get_attribute("src") or ""
    assert src.startswith("data:image/png;base64,"), f"not an inline PNG: {src[:60]!r}"
    return src


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = UPDATE_TIMEOUT) -> None:
    """Poll ``predicate`` (Python side, e.g. comparing attributes) until true or fail."""
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout / 1000:.0f} s waiting until {what}")


def wait_for_new_image(output, before: str, what: str) -> str:
    """Wait until the Output area shows an image different from ``before``; return its src."""
    new = {}

    def changed() -> bool:
        images = output.locator("img")
        if images.count() == 0:
            return False
        new["src"] = images.first.get_attribute("src") or ""
        return new["src"].startswith("data:image/png") and new["src"] != before

    wait_until(changed, what)
    return new["src"]


def png_pixels(src: str) -> np.ndarray:
    """Decode a data:image/png src to an (H, W, 3) float array in [0, 1]."""
    import matplotlib.image

    data = base64.b64decode(src.split(",", 1)[1])
    return matplotlib.image.imread(io.BytesIO(data), format="png")[..., :3]


def count_colour(pixels: np.ndarray, hex_colour: str, tol: float = 0.02) -> int:
    """How many pixels have (nearly) this colour."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int(np.all(np.abs(pixels - rgb) < tol, axis=-1).sum())


def assert_drawn(src: str, what: str) -> None:
    """The PNG really shows a drawing: at least 1% of its pixels are not (nearly) white."""
    inked = float((png_pixels(src) < 0.9).any(axis=-1).mean())
    assert inked > 0.01, f"{what} is blank ({inked:.2%} of the pixels are not white)"


def widget_cell(page, has_selector: str):
    """The code cell whose output holds an element matching ``has_selector``."""
    cell = page.locator(".jp-CodeCell").filter(has=page.locator(has_selector))
    assert cell.count() == 1, f"expected one cell with {has_selector}, found {cell.count()}"
    return cell


def shut_down_kernels(server) -> None:
    """Delete every session (and its kernel) of the server, so the next notebook has the CPU."""
    headers = {"Authorization": f"token {server.token}"}
    request = urllib.request.Request(f"{server.url}/api/sessions", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            sessions = json.load(response)
        for session in sessions:
            delete = urllib.request.Request(
                f"{server.url}/api/sessions/{session['id']}", headers=headers, method="DELETE"
            )
            urllib.request.urlopen(delete, timeout=30).close()
    except OSError as err:  # the server is stopped at the end of the module anyway
        print(f"could not shut down the kernels: {err}")


def open_and_run_all(page, server, name: str) -> None:
    """Open ``name`` in JupyterLab, run all cells from the Run menu, wait until done."""
    path = f"{name}.ipynb"
    page.goto(server.notebook_url(path) + "&reset", wait_until="domcontentloaded")
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=60_000, polling=200)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(RUNNING, timeout=10_000, polling="raf")
    page.wait_for_function(DONE, arg=path, timeout=RUN_TIMEOUT, polling=250)


def check_no_errors(page, name: str) -> None:
    """No cell has an error output, every code cell ran, every widget rendered."""
    path = f"{name}.ipynb"
    errors = page.evaluate(CELL_ERRORS, path)
    assert not errors, f"cells with an error output: {errors}"
    missing = page.evaluate(UNEXECUTED, path)
    assert not missing, f"code cells that did not run (indices): {missing}"
    tracebacks = page.locator(".jp-OutputArea-output", has_text="Traceback")
    assert tracebacks.count() == 0, tracebacks.first.inner_text()[:2000]
    # a widget that fails shows "Error displaying widget: ..." (model not found) or a red
    # box "Click to show javascript error." (its view could not be created)
    broken = page.locator(".jupyter-widgets-error-widget").or_(
        page.get_by_text("Error displaying widget")
    )
    assert broken.count() == 0, f"a widget failed to render: {broken.first.inner_text()!r}"


def save_screenshot(page, folder: Path, name: str) -> Path:
    """A screenshot of the whole notebook: the window is made as tall as the notebook."""
    size = page.viewport_size
    # the notebook scrolls inside its panel: grow the window by what is hidden below
    hidden = page.evaluate(
        """() => Math.max(0, ...[...document.querySelectorAll(
             '.jp-NotebookPanel-notebook, .jp-NotebookPanel-notebook .jp-WindowedPanel-outer')]
           .map(n => n.scrollHeight - n.clientHeight))"""
    )
    tall = min(size["height"] + int(hidden) + 40, MAX_SCREENSHOT_HEIGHT)
    path = folder / f"{name}.png"
    page.set_viewport_size({"width": size["width"], "height": tall})
    try:
        page.evaluate(
            """() => document.querySelectorAll('.jp-NotebookPanel-notebook,'
                 + ' .jp-NotebookPanel-notebook .jp-WindowedPanel-outer')
                 .forEach(n => { n.scrollTop = 0; })"""
        )
        page.wait_for_timeout(500)  # let the notebook lay out in the taller window
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    print(f"screenshot of {name}: {path}")
    return path


def wait_settled(page, name: str, output, image: bool = True) -> None:
    """Wait until the kernel is idle and the Output area has stopped changing.

    A callback can redraw more than once (clear_output(wait=True), then text, then the
    figure), so one change seen is not yet the final picture.
    """
    path = f"{name}.ipynb"
    last, same = None, 0
    deadline = time.monotonic() + UPDATE_TIMEOUT / 1000
    while time.monotonic() < deadline:
        html = output.inner_html()
        ready = page.evaluate(KERNEL_IDLE, path) and (
            not image or output.locator("img").count() > 0
        )
        same = same + 1 if ready and html == last else 0
        if same >= 3:
            return
        last = html
        time.sleep(0.2)
    pytest.fail(f"the widget output of {name} did not settle within {UPDATE_TIMEOUT / 1000} s")


# ----- what each widget must do -----


def check_learning_rate_explorer(page, name: str) -> None:
    """01: eta and steps sliders; moving eta redraws the trajectory and the message."""
    cell = widget_cell(page, ".widget-slider:has(.widget-label:text-is('eta'))")
    eta = cell.locator(".widget-slider").filter(has=page.locator(".widget-label:text-is('eta')"))
    steps = cell.locator(".widget-slider").filter(
        has=page.locator(".widget-label:text-is('steps')")
    )
    handle = eta.locator(".noUi-handle")
    handle.wait_for(state="visible")
    steps.locator(".noUi-handle").wait_for(state="visible")
    output = cell.locator(".widget-output")
    message = cell.locator(".widget-html")
    wait_settled(page, name, output)
    before_src, before_text = image_src(output), message.inner_text()
    before_eta = eta.locator(".widget-readout").inner_text()
    assert before_text.strip(), "the explorer shows no message"
    handle.focus()
    handle.press("ArrowRight")  # one step of the log slider: eta x 10^0.02
    wait_for_new_image(output, before_src, "the trajectory is redrawn after moving eta")
    wait_until(lambda: message.inner_text() != before_text, "the message changes with eta")
    assert eta.locator(".widget-readout").inner_text() != before_eta
    wait_settled(page, name, output)
    assert_drawn(before_src, "the first plot")
    assert_drawn(image_src(output), "the plot after moving eta")


def check_backward_stepper(page, name: str) -> None:
    """04: Previous / Next node / Reset and a step slider; Next highlights the next node."""
    cell = widget_cell(page, ".jupyter-button:has-text('Next node')")
    for label in ["Previous", "Next node", "Reset"]:
        cell.get_by_role("button", name=label).wait_for(state="visible")
    step = cell.locator(".widget-slider").filter(has=page.locator(".widget-label:text-is('step')"))
    step.locator(".noUi-handle").wait_for(state="visible")
    output = cell.locator(".widget-output")
    wait_settled(page, name, output)
    before_src = image_src(output)
    assert_drawn(before_src, "the first drawing")
    assert "Step 0 of" in output.inner_text()
    cell.get_by_role("button", name="Next node").click()
    wait_for_new_image(output, before_src, "the drawing changes after 'Next node'")
    wait_until(lambda: "Step 1 of" in output.inner_text(), "the text says Step 1")
    wait_until(
        lambda: step.locator(".widget-readout").inner_text().strip() == "1",
        "the step slider follows the button",
    )
    wait_settled(page, name, output)
    after_next = image_src(output)
    assert_drawn(after_next, "the drawing after 'Next node'")
    cell.get_by_role("button", name="Reset").click()
    wait_for_new_image(output, after_next, "the drawing changes after 'Reset'")
    wait_until(lambda: "Step 0 of" in output.inner_text(), "Reset goes back to step 0")
    wait_settled(page, name, output)
    after_reset = image_src(output)
    assert_drawn(after_reset, "the drawing after 'Reset'")
    assert after_reset == before_src, "after Reset the drawing differs from the first one"


def check_digit_explorer(page, name: str) -> None:
    """05: a test-digit slider and a text box; shows the digit and its 10 probabilities."""
    cell = widget_cell(page, ".widget-slider:has(.widget-label:text-is('test digit'))")
    slider = cell.locator(".widget-slider").filter(
        has=page.locator(".widget-label:text-is('test digit')")
    )
    slider.locator(".noUi-handle").wait_for(state="visible")
    box = cell.locator(".widget-text input")
    box.wait_for(state="visible")
    output = cell.locator(".widget-output")
    wait_settled(page, name, output)
    before = image_src(output)
    pixels = png_pixels(before)
    height, width = pixels.shape[:2]
    assert width > 1.8 * height, f"expected the digit beside a bar chart, got {width}x{height}"
    # the bar chart of probabilities: the true digit's bar is green, a wrong prediction red
    bars = count_colour(pixels, "#2ca02c") + count_colour(pixels, "#d62728")
    assert bars > 300, "no probability bars in the digit explorer's picture"
    # an impossible index: a message in the output area, not a traceback
    box.fill("99999")
    box.press("Enter")
    wait_until(lambda: "There is no test digit" in output.inner_text(), "the message appears")
    wait_settled(page, name, output, image=False)
    assert output.locator("img").count() == 0
    # another digit: a new picture, and the slider follows the box
    box.fill("5")
    box.press("Enter")
    wait_for_new_image(output, before, "a new digit is shown after typing its index")
    wait_until(
        lambda: slider.locator(".widget-readout").inner_text().strip() == "5",
        "the slider follows the typed index",
    )
    wait_settled(page, name, output)
    assert_drawn(image_src(output), "the picture of test digit 5")


CHECKS = {
    "01_gradient_descent": check_learning_rate_explorer,
    "04_backward_pass": check_backward_stepper,
    "05_digit_classification": check_digit_explorer,
}


# ----- the test -----


@pytest.mark.parametrize("name", sorted(set(CHECKS) | notebooks_with_widgets()))
def test_notebook_widgets_work_in_jupyterlab(name, lab_server, browser, artifacts_dir):
    assert (NOTEBOOKS / f"{name}.ipynb").is_file(), f"notebooks/{name}.ipynb is missing"
    assert name in CHECKS, f"{name} shows a widget: add a check of what its controls do to CHECKS"
    page = browser.new_page()
    start = time.monotonic()
    try:
        open_and_run_all(page, lab_server, name)
        ran = time.monotonic()
        check_no_errors(page, name)
        CHECKS[name](page, name)  # the widget's own behaviour
        check_no_errors(page, name)  # moving the controls raised nothing either
        print(
            f"{name}: ran all cells in {ran - start:.1f} s, checked the widget in "
            f"{time.monotonic() - ran:.1f} s"
        )
    finally:
        try:
            shot = time.monotonic()
            save_screenshot(page, artifacts_dir, name)
            print(f"{name}: screenshot in {time.monotonic() - shot:.1f} s")
        except Exception as err:  # a failed screenshot must not hide the test's own failure
            print(f"no screenshot of {name}: {err}")
        page.close()
        shut_down_kernels(lab_server)
