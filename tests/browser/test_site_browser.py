"""The course website in a real (headless) browser, offline, on every screen (issue 20).

One Chromium (Playwright's async API) visits every page of the built site once per width
(390 px, a phone; 1280 px, a desktop) over http from 127.0.0.1, and once more from the
folder, file://, at 1280 px (:func:`planned`), several pages at a time. Each visit loads
everything and records everything: any request outside the site, any failed request or
console error, any page wider than the screen, raw TeX left in the visible text or the
title, math MathJax did not typeset, figures without alt text or not decoded, Chinese text
not marked ``lang="zh"``, and the page's weight and request count over http. The same
browser then opens the navigation at 390 and 800 px and follows a link, searches over http
and from file:// (with snippets), switches to dark mode, shows notebook 04 as printed and
takes the screenshots of ``test-artifacts/site-screens/``. The tests below only read what
that run recorded.

The Chinese edition (issue 21): its pages are visited at 390 px over http (their code,
formulas and figures are those of the English pages, visited at every width;
notebook 04 also at 1280 px, for its screenshot), with the same checks, plus their language
(``<html lang="zh-Hans">``), the font stack and the language switch, which is clicked there
and back at 390 px. Chinese renders in the screenshots when the system has a CJK font
(Debian's fonts-noto-cjk, installed by .ci/run); without one the checks pass alike.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import posixpath
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "test-artifacts" / "site-screens"
WIDTHS = (390, 1280)  # a phone, a desktop
NAV_WIDTHS = (390, 800)  # a phone, a tablet: the sidebars open as dialogs
NAV_PAGE = "notebooks/05b_how_the_recipe_was_chosen.html"  # a light notebook page
CONCURRENT_PAGES = 4  # pages loading at once (two cores: a page mostly waits on MathJax)
LOAD_TIMEOUT = 30_000  # ms
MAX_LECTURE_BYTES = 1_200_000  # a lecture page over http, everything it loads at first
MAX_LECTURE_REQUESTS = 20
SCREEN_HEIGHT = 900
MAX_SHOT_HEIGHT = 2_000  # px of a page in a screenshot: its first screens
SCREENSHOT_PAGES = {
    "home": "index.html",
    "notebook-04": "notebooks/04_backward_pass.html",
    "exercise-04": "exercises/04_backward_pass.html",
    "glossary": "glossary.html",
    "notebook-04-zh": "notebooks/zh/04_backward_pass.html",
}
DARK_PAGES = {label: name for label, name in SCREENSHOT_PAGES.items() if "/zh/" not in name}
ZH_WIDTH = 390  # the Chinese pages are visited at a phone's width, over http
ZH_FONT = "Noto Sans CJK SC"  # first of course.css's Simplified Chinese faces

MATH_READY = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    void document.body.offsetHeight;  // a layout, so that the typeset math asks for its fonts
  }
  await document.fonts.ready;
  return true;
}
"""
# The pages typeset their formulas as they scroll into view (MathJax's lazy typesetting):
# all of them at once (a screenshot's fallback).
TYPESET_ALL = """
async () => {
  const math = window.MathJax && MathJax.startup && MathJax.startup.document;
  if (math && math.lazyTypesetAll) await math.lazyTypesetAll();
  await document.fonts.ready;
  return true;
}
"""
# Whether every formula in the first ``height`` px is typeset: MathJax's lazy typesetting
# typesets a formula once it is in view and until then shows an <mjx-lazy> marker.
TYPESET_ABOVE = """
height => ![...document.querySelectorAll('mjx-lazy')].some(e => {
  const box = e.getBoundingClientRect();  // (one in a box scrolled sideways is not in view)
  return e.getClientRects().length > 0 && box.top < height && box.left < innerWidth;
})
"""
# Everything checked in the page, in one call. Formulas are checked as MathJax read them
# (a TeX error is an <merror> in its MathML), typeset on screen or not yet: with ``full``
# only (they are the same at every width).
PAGE_CHECKS = r"""
full => {
  // code (blocks, inline, API signatures) may hold a $ or \( on purpose
  const skipped = 'pre, code, script, style, textarea, mjx-container, .highlight, .sig';
  const visible = e => !!e && e.getClientRects().length > 0 &&
    getComputedStyle(e).visibility !== 'hidden';
  const rawTeX = /\$\$|\\\(|\\\)|\$[^$\s][^$]*\$/;
  const cjk = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  const raw = [], untagged = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || parent.closest('script, style, template')) continue;
    const text = node.textContent;
    if (!parent.closest(skipped) && rawTeX.test(text) && visible(parent)) {
      raw.push(text.trim().slice(0, 80));
    }
    if (cjk.test(text) && !parent.closest('[lang|="zh"]')) untagged.push(text.trim().slice(0, 40));
  }
  // wider than the screen: the page scrolls sideways; name the widest culprits
  const width = document.documentElement.clientWidth;
  const overflow = document.documentElement.scrollWidth > width + 1 ?
    [...document.querySelectorAll('body *')]
      .filter(e => visible(e) && e.getBoundingClientRect().right > width + 1)
      .filter(e => !e.parentElement.closest('mjx-container, pre, table, .cell_output'))
      .slice(-3).map(e => `${e.tagName.toLowerCase()}.${e.className}`.slice(0, 80)) : [];
  const images = [...document.querySelectorAll('img')];
  const next = document.querySelector('a.right-next');
  return {
    raw,
    title: document.title,
    rawTitle: rawTeX.test(document.title),
    untyped: [...document.querySelectorAll('.math')]
      .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60)),
    errors: (() => {
      const math = window.MathJax && MathJax.startup && MathJax.startup.document;
      if (!full || !math || !math.math) return [];
      return [...math.math].filter(item => item.root &&
        MathJax.startup.toMML(item.root).includes('<merror')).map(item => item.math.slice(0, 60));
    })(),
    typeset: document.querySelectorAll('article mjx-container').length,
    untagged,
    overflow,
    scrollWidth: document.documentElement.scrollWidth,
    width,
    lang: document.documentElement.lang,
    switch: (() => {
      const link = document.querySelector('a.course-lang');
      return visible(link) ? {href: link.getAttribute('href'), label: link.textContent.trim(),
                              url: link.href} : null;
    })(),
    fonts: (() => {
      const prose = document.querySelector('article p');
      const code = document.querySelector('article pre');
      return {prose: prose ? getComputedStyle(prose).fontFamily : '',
              code: code ? getComputedStyle(code).fontFamily : ''};
    })(),
    noAlt: images.filter(i => !i.alt || /^[0-9a-f]{16,}|\.(png|jpe?g|svg)$/i.test(i.alt))
      .map(i => i.getAttribute('src')),
    figures: document.querySelectorAll('article img').length,
    codeBlocks: document.querySelectorAll('article div.highlight').length,
    copyButtons: document.querySelectorAll('article button.copybtn').length,
    next: next ? next.getAttribute('href') : null,
    sidebar: [...document.querySelectorAll('nav.bd-links a.reference.internal')]
      .map(a => a.getAttribute('href')),
  };
}
"""
# Every figure loaded (they load lazily, as they scroll into view) and decoded.
IMAGES = """
async () => {
  const images = [...document.images];
  images.forEach(i => { i.loading = 'eager'; });
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  return images.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth}));
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
def site(chromium_launch, built_site) -> Iterator[tuple[str, Path]]:
    """The built site served on a free loopback port: (url, html folder). Depends on
    ``chromium_launch`` so that it skips before building when there is no browser."""
    handler = functools.partial(QuietHandler, directory=str(built_site.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", built_site.html
    finally:
        server.shutdown()
        server.server_close()


def pages(html: Path) -> list[str]:
    """Every page of the site (not the theme's template fragments under _static/)."""
    relative = [p.relative_to(html) for p in html.rglob("*.html")]
    return sorted(str(p.as_posix()) for p in relative if not p.parts[0].startswith("_"))


def notebook_order(language: str = "") -> list[str]:
    """The notebook pages in course order: English, or ``language="zh"``, Chinese."""
    folder_of = (lambda folder: f"{folder}/{language}") if language else (lambda folder: folder)
    return [
        f"{folder_of(folder)}/{p.stem}.html"
        for folder in ("notebooks", "exercises")
        for p in sorted((ROOT / folder_of(folder)).glob("*.ipynb"))
    ]


def chinese(name: str) -> bool:
    return "/zh/" in name


def planned(names: list[str], schemes: tuple[str, ...] = ("http", "file")) -> list[tuple]:
    """The crawl's visits, (scheme, width, page): every English page at every width over
    http, and from file:// at the widest (what the way of loading changes, the requests and
    what they load, does not depend on the width, and the layout does not depend on the way:
    the same files); a Chinese page at ZH_WIDTH over http, and a screenshot page at every
    width. In this order: one way and width after the other (pages loading side by side in
    the same browser context share its work; mixing the contexts cost twice the CPU)."""
    shots = set(SCREENSHOT_PAGES.values())
    return [
        (scheme, width, name)
        for scheme in schemes
        for width in WIDTHS
        for name in names
        if (scheme == "http" or width == max(WIDTHS))
        and (not chinese(name) or (scheme == "http" and (width == ZH_WIDTH or name in shots)))
    ]


@dataclass
class Visit:
    """One page opened once at one width, over http or from file://."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    pending: int = 0  # requests in flight
    seconds: float = 0.0
    checks: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)


@dataclass
class Run:
    """What the browser run recorded; ``errors``: a scenario that raised, with its traceback."""

    visits: dict[tuple[str, int, str], Visit] = field(default_factory=dict)
    navigation: dict[int, dict] = field(default_factory=dict)
    search: dict[str, dict] = field(default_factory=dict)
    menus: dict = field(default_factory=dict)
    dark: dict = field(default_factory=dict)
    printed: dict = field(default_factory=dict)
    screens: list[Path] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def watch(page, inside: str, visit: Visit) -> None:
    """Record on ``visit`` what ``page`` asks for and what goes wrong."""

    def on_request(request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:")):
            return
        visit.requests += 1
        visit.pending += 1
        if not url.startswith(inside):
            visit.outside.append(url)

    def on_response(response) -> None:
        visit.bytes += int(response.headers.get("content-length") or 0)
        if response.status >= 400:
            visit.failed.append(f"{response.url}: HTTP {response.status}")

    page.on("request", on_request)
    page.on("response", on_response)

    def on_done(request) -> None:
        if not request.url.startswith(("data:", "blob:")):
            visit.pending -= 1

    page.on("requestfinished", on_done)
    page.on("requestfailed", on_done)
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url}: {r.failure}"))
    page.on("console", lambda m: visit.console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: visit.console.append(str(error)))


async def settle(page, visit: Visit, seconds: float = 3.0) -> None:
    """Until the page, its math in view and its fonts are ready and no request is in flight
    (MathJax typesets the formulas in view after its start, and only then asks for fonts)."""
    await page.evaluate(MATH_READY)
    height = page.viewport_size["height"]
    try:
        await page.wait_for_function(TYPESET_ABOVE, arg=height, timeout=10_000)
    except Exception:  # a formula out of view in some other way: measured without it
        pass
    await page.evaluate("() => document.fonts.ready.then(() => true)")
    deadline = time.monotonic() + seconds
    while visit.pending and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


# The figures in the first ``height`` px decoded, and the fonts loaded.
SHOT_READY = """
async height => {
  const shown = [...document.images].filter(i => i.getBoundingClientRect().top < height);
  shown.forEach(i => { i.loading = 'eager'; });
  await Promise.all(shown.map(i => i.decode().catch(() => null)));
  await document.fonts.ready;
  return true;
}
"""


async def screenshot(page, path: Path, width: int) -> None:
    """The first screens of the page, MAX_SHOT_HEIGHT px, into ``path``: the window is made
    that tall, so MathJax typesets what is in them (not the whole page: less work)."""
    await page.set_viewport_size({"width": width, "height": MAX_SHOT_HEIGHT})
    try:
        await page.wait_for_function(TYPESET_ABOVE, arg=MAX_SHOT_HEIGHT, timeout=10_000)
    except Exception:  # a page typeset some other way: all of it
        await page.evaluate(TYPESET_ALL)
    await page.evaluate(SHOT_READY, MAX_SHOT_HEIGHT)
    await page.screenshot(path=str(path))


async def visit_page(
    context, base: str, name: str, shot: Path | None = None, full: bool = True
) -> Visit:
    """Open ``name`` and record its visit. ``full``: also check its formulas for TeX errors
    and decode all its figures (the same at every width: once per scheme is enough)."""
    visit, start = Visit(), time.monotonic()
    page = await context.new_page()
    try:
        watch(page, base + "/", visit)
        await page.goto(f"{base}/{name}", wait_until="load", timeout=LOAD_TIMEOUT)
        await settle(page, visit)
        loaded_requests, loaded_bytes = visit.requests, visit.bytes
        visit.checks = await page.evaluate(PAGE_CHECKS, full)
        visit.images = await page.evaluate(IMAGES) if full else []
        # the weight of the first load (the figures further down load as they are reached)
        visit.requests, visit.bytes = loaded_requests, loaded_bytes
        if shot is not None:
            await screenshot(page, shot, page.viewport_size["width"])
    finally:
        await page.close()
    visit.seconds = time.monotonic() - start
    return visit


async def without_cache(context) -> None:
    """No page of ``context`` reuses what another loaded: a route on every request turns
    the browser's cache off (Playwright), so each page's weight is that of a first visit."""
    await context.route("**/*", lambda route: route.continue_())


async def crawl(browser, run: Run, bases: dict[str, str], names: list[str]) -> None:
    contexts = {}
    for scheme in bases:
        for width in WIDTHS:
            viewport = {"width": width, "height": SCREEN_HEIGHT}
            contexts[scheme, width] = await browser.new_context(viewport=viewport)
            if scheme == "http":  # each page weighed as a first visit would load it
                await without_cache(contexts[scheme, width])
    limit = asyncio.Semaphore(CONCURRENT_PAGES)

    shots = {name: label for label, name in SCREENSHOT_PAGES.items()}

    async def one(scheme: str, width: int, name: str) -> None:
        shot = None
        if scheme == "http" and name in shots:  # the light screenshots, in the same visit
            shot = SCREENS / f"{shots[name]}-{'phone' if width < 800 else 'desktop'}.png"
        async with limit:
            try:
                visit = await visit_page(
                    contexts[scheme, width], bases[scheme], name, shot, full=width == max(WIDTHS)
                )
                if shot is not None:
                    run.screens.append(shot)
            except Exception:  # recorded: the tests name the page
                visit = Visit(console=[traceback.format_exc(limit=2)])
            run.visits[scheme, width, name] = visit

    try:
        await asyncio.gather(
            *(one(scheme, width, name) for (scheme, width, name) in planned(names, tuple(bases)))
        )
    finally:
        for context in contexts.values():
            await context.close()


async def navigate(browser, run: Run, base: str) -> None:
    """At each of NAV_WIDTHS: the visible ☰ opens the site's navigation and its link to the
    glossary leads there; the visible contents button opens the page's contents and its
    link leads to that section."""
    for width in NAV_WIDTHS:
        context = await browser.new_context(viewport={"width": width, "height": SCREEN_HEIGHT})
        page = await context.new_page()
        seen: dict = {}
        try:
            await page.goto(f"{base}/{NAV_PAGE}", wait_until="load")
            await page.evaluate(MATH_READY)
            await page.locator(".primary-toggle:visible").first.click()
            modal = page.locator("#pst-primary-sidebar-modal[open]")
            await modal.wait_for(state="visible", timeout=5_000)
            link = modal.locator("a.reference.internal[href$='glossary.html']").first
            seen["sidebar_links"] = await modal.locator("a.reference.internal").count()
            await link.click()
            await page.wait_for_url("**/glossary.html", timeout=LOAD_TIMEOUT)
            seen["followed"] = page.url.rsplit("/", 1)[-1]

            await page.goto(f"{base}/{NAV_PAGE}", wait_until="load")
            await page.evaluate(MATH_READY)
            await page.locator(".secondary-toggle:visible").first.click()
            modal = page.locator("#pst-secondary-sidebar-modal[open]")
            await modal.wait_for(state="visible", timeout=5_000)
            entries = modal.locator("a.nav-link")
            seen["contents_links"] = await entries.count()
            target = await entries.nth(2).get_attribute("href")
            await entries.nth(2).click()
            await page.wait_for_function(
                "target => location.hash === target", arg=target, timeout=5_000
            )
            seen["section"] = target

            if width == min(NAV_WIDTHS):  # the header's switch: to Chinese, and back
                where = "() => [location.pathname, document.documentElement.lang]"
                await page.goto(f"{base}/{NAV_PAGE}", wait_until="load")
                await page.locator("a.course-lang:visible").first.click()
                zh_page = NAV_PAGE.replace("/", "/zh/", 1)
                await page.wait_for_url(f"**/{zh_page}", timeout=LOAD_TIMEOUT)
                seen["switched"] = await page.evaluate(where)
                await page.locator("a.course-lang:visible").first.click()
                await page.wait_for_url(f"**/{NAV_PAGE}", timeout=LOAD_TIMEOUT)
                seen["back"] = await page.evaluate(where)
        except Exception:
            run.errors[f"navigation at {width} px"] = traceback.format_exc(limit=3)
        finally:
            run.navigation[width] = seen
            await context.close()


async def search(browser, run: Run, bases: dict[str, str]) -> None:
    """The search page finds "sigmoid" and quotes each result, over http and from a file."""
    for scheme, base in bases.items():
        context = await browser.new_context(viewport={"width": 1280, "height": SCREEN_HEIGHT})
        page = await context.new_page()
        visit = Visit()
        watch(page, base + "/", visit)
        try:
            await page.goto(f"{base}/search.html?q=sigmoid", wait_until="load")
            results = page.locator("#search-results ul.search li")
            await results.first.wait_for(timeout=LOAD_TIMEOUT)
            await page.locator("#search-results ul.search li p.context").first.wait_for(
                timeout=LOAD_TIMEOUT
            )
            snippets = await page.locator("#search-results li p.context").all_text_contents()
            run.search[scheme] = {
                "results": await results.count(),
                "snippets": [s for s in snippets if s.strip()],
                "console": visit.console,
                "outside": visit.outside,
            }
        except Exception:
            run.errors[f"search over {scheme}"] = traceback.format_exc(limit=3)
        finally:
            await context.close()


async def menus(browser, run: Run, base: str) -> None:
    """The colour menu opens without Bootstrap's script and switches the page to dark."""
    context = await browser.new_context(viewport={"width": 1280, "height": SCREEN_HEIGHT})
    page = await context.new_page()
    try:
        await page.goto(f"{base}/glossary.html", wait_until="load")
        await page.locator(".theme-switch-button:visible").first.click()
        item = page.locator(".dropdown-menu.show .theme-change-button[data-mode=dark]")
        await item.wait_for(state="visible", timeout=5_000)
        await item.click()
        run.menus["theme"] = await page.evaluate("() => document.documentElement.dataset.theme")
    except Exception:
        run.errors["menus"] = traceback.format_exc(limit=3)
    finally:
        await context.close()


# The contrast of text against what is behind it (WCAG's ratio, 1 to 21), for each element
# of a selector: the first opaque background among its ancestors.
CONTRAST = """
selector => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = e => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)].map(e => {
    const [a, b] = [luminance(rgb(getComputedStyle(e).color)), luminance(background(e))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}
"""


async def dark_screenshots(browser, run: Run, base: str) -> None:
    """The screenshot pages in dark mode (the light ones are taken during the crawl), and
    the contrast of notebook 04's widget notes there."""
    context = await browser.new_context(
        viewport={"width": 1280, "height": SCREEN_HEIGHT}, color_scheme="dark"
    )
    page = await context.new_page()
    try:
        for label, name in DARK_PAGES.items():
            await page.goto(f"{base}/{name}", wait_until="load")
            await page.evaluate(MATH_READY)
            if label == "notebook-04":
                run.dark["theme"] = await page.evaluate(
                    "() => document.documentElement.dataset.theme"
                )
                run.dark["widget notes"] = await page.evaluate(CONTRAST, ".course-widget-note")
                run.dark["code"] = await page.evaluate(CONTRAST, "article .highlight pre")
            path = SCREENS / f"{label}-dark.png"
            await screenshot(page, path, 1280)
            run.screens.append(path)
    except Exception:
        run.errors["screenshots (dark)"] = traceback.format_exc(limit=3)
    finally:
        await context.close()


async def print_notebook(browser, run: Run, base: str) -> None:
    """Notebook 04 under print media: its article and figures, not the navigation."""
    context = await browser.new_context(viewport={"width": 1280, "height": SCREEN_HEIGHT})
    page = await context.new_page()
    try:
        await page.goto(f"{base}/notebooks/04_backward_pass.html", wait_until="load")
        await page.evaluate(MATH_READY)
        await page.evaluate(IMAGES)
        await page.emulate_media(media="print")
        run.printed = await page.evaluate(
            """() => {
              const article = document.querySelector('article.bd-article');
              const sidebar = document.querySelector('.bd-sidebar-primary');
              const shown = e => !!e && e.getBoundingClientRect().height > 0 &&
                getComputedStyle(e).visibility !== 'hidden';
              const titles = [...document.querySelectorAll('.bd-content h1')].filter(shown);
              const printTitle = document.querySelector('#jb-print-docs-body h1');
              return {article: shown(article),
                      title: titles.map(h => h.textContent).join(' '),
                      printTitle: printTitle ? printTitle.textContent : '',
                      images: [...article.querySelectorAll('img')].filter(shown).length,
                      sidebar: shown(sidebar)};
            }"""
        )
    except Exception:
        run.errors["print"] = traceback.format_exc(limit=3)
    finally:
        await context.close()


# The crawl's pages load side by side in one window's tabs: the ones in the background must
# not have their timers and rendering slowed down.
BACKGROUND_FLAGS = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


async def browse(launch: dict, url: str, html: Path) -> Run:
    from playwright.async_api import async_playwright

    launch = {**launch, "args": [*launch.get("args", []), *BACKGROUND_FLAGS]}
    run, start = Run(), time.monotonic()
    bases = {"http": url, "file": html.as_uri()}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch)
        try:
            SCREENS.mkdir(parents=True, exist_ok=True)
            await crawl(browser, run, bases, pages(html))
            await asyncio.gather(
                navigate(browser, run, url),
                search(browser, run, bases),
                menus(browser, run, url),
                print_notebook(browser, run, url),
                dark_screenshots(browser, run, url),
            )
        finally:
            await browser.close()
    run.seconds = time.monotonic() - start
    return run


@pytest.fixture(scope="module")
def run(chromium_launch, site) -> Run:
    url, html = site
    result = asyncio.run(browse(chromium_launch, url, html))
    print(f"\nthe site's browser run took {result.seconds:.1f} s")
    return result


# ----- the tests: each reads what the run recorded -----


def test_every_page_at_every_width_over_http_and_file_loads_cleanly(run, site):
    """No request outside the site, no failed request, no console error, nothing wider than
    the screen, no raw TeX in the text or the title, all math typeset (and without a TeX
    error), every figure decoded (these two at 1280 px) and with alt text, every Chinese word
    marked lang="zh"."""
    _, html = site
    assert sorted(run.visits) == sorted(planned(pages(html)))
    assert any(chinese(name) for (_, _, name) in run.visits)
    report = []
    for (scheme, width, name), visit in sorted(run.visits.items()):
        checks = visit.checks
        found = {
            "console errors": visit.console,
            "failed requests": visit.failed,
            "requests outside the site": visit.outside,
            "wider than the screen": (
                [f"{checks.get('scrollWidth')} > {checks.get('width')} px", *checks["overflow"]]
                if checks.get("overflow")
                else []
            ),
            "raw TeX in the text": checks.get("raw", []),
            "raw TeX in the title": [checks["title"]] if checks.get("rawTitle") else [],
            "math not typeset": checks.get("untyped", []),
            "math errors": checks.get("errors", []),
            "figures without alt text": checks.get("noAlt", []),
            "figures not decoded": [i["src"] for i in visit.images if i["width"] == 0],
            "Chinese without lang=zh": checks.get("untagged", []),
        }
        report += [
            f"{scheme} {width} px {name}: {kind}: {items}" for kind, items in found.items() if items
        ]
    assert report == [], "\n".join(report)


def test_lecture_pages_are_light_and_carry_their_math_figures_and_copy_buttons(run, site):
    """Over http, a lecture page's first load is at most 1.2 MB in at most 20 requests at
    both widths; it shows its figures, typesets its math and offers copy buttons."""
    _, html = site
    heavy, report = [], []
    for (scheme, width, name), visit in sorted(run.visits.items()):
        if scheme != "http" or not name.startswith("notebooks/"):
            continue
        if visit.bytes > MAX_LECTURE_BYTES or visit.requests > MAX_LECTURE_REQUESTS:
            heavy.append(f"{width} px {name}: {visit.bytes / 1e6:.2f} MB, {visit.requests}")
        notebook = (ROOT / name).with_suffix(".ipynb").read_text(encoding="utf-8")
        checks = visit.checks
        if ("image/png" in notebook) != (checks["figures"] > 0):
            report.append(f"{name}: {checks['figures']} figures")
        if "$" in notebook and checks["typeset"] == 0:
            report.append(f"{name}: no typeset math")
        if checks["codeBlocks"] and checks["copyButtons"] < checks["codeBlocks"]:
            report.append(f"{name}: {checks['copyButtons']} copy buttons")
    assert heavy == [], "\n".join(heavy)
    assert report == [], "\n".join(report)


def test_page_weights(run, site):
    """The weight and request count of every page over http (printed, for the record)."""
    lines = [
        f"{name:48} {width:5} px {visit.requests:3} requests {visit.bytes / 1e6:6.2f} MB"
        for (scheme, width, name), visit in sorted(run.visits.items())
        if scheme == "http"
    ]
    print("\n" + "\n".join(lines))
    assert all(visit.requests > 0 for visit in run.visits.values())


def test_next_links_walk_the_notebooks_in_course_order(run):
    """From the home page, the "next" links visit the notebooks in course order, as the
    sidebar lists them."""
    http = sorted((w, name) for (s, w, name) in run.visits if s == "http")  # 1280 px last
    checks = {name: run.visits["http", w, name].checks for w, name in http}
    visited, here = [], "index.html"
    while len(visited) < 80 and here in checks and checks[here]["next"] is not None:
        folder = posixpath.dirname(here)
        here = posixpath.normpath(posixpath.join(folder, checks[here]["next"].split("#")[0]))
        visited.append(here)
    listed = checks["index.html"]["sidebar"]
    for order in (notebook_order(), notebook_order("zh")):  # English, then Chinese
        assert [name for name in visited if name in order] == order
        assert [name for name in listed if name in order] == order


@pytest.mark.parametrize("width", NAV_WIDTHS)
def test_the_navigation_opens_and_leads_somewhere_on_phones_and_tablets(run, width):
    """The visible ☰ opens the sidebar and its link is followed; the visible contents button
    opens the page's contents and its link is followed (pydata-sphinx-theme#2451)."""
    problem = f"navigation at {width} px"
    assert problem not in run.errors, run.errors.get(problem)
    seen = run.navigation[width]
    assert seen["sidebar_links"] >= len(notebook_order()) and seen["followed"] == "glossary.html"
    assert seen["contents_links"] >= 3 and seen["section"].startswith("#")


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_search_finds_a_word_and_quotes_the_pages(run, scheme):
    """Over http and from a file (where a browser refuses to fetch the pages), the search
    finds "sigmoid" and shows a snippet of text around it."""
    assert f"search over {scheme}" not in run.errors, run.errors.get(f"search over {scheme}")
    found = run.search[scheme]
    assert found["results"] > 0 and found["snippets"], found
    assert any("sigmoid" in snippet.lower() for snippet in found["snippets"]), found
    assert found["console"] == [] and found["outside"] == [], found


def test_the_colour_menu_works_without_bootstrap(run):
    assert "menus" not in run.errors, run.errors.get("menus")
    assert run.menus["theme"] == "dark"


def test_widget_notes_and_code_are_readable_in_dark_mode(run):
    """In dark mode, notebook 04's widget notes and code keep a contrast of at least 4.5
    (WCAG AA) against their background."""
    assert "screenshots (dark)" not in run.errors, run.errors.get("screenshots (dark)")
    assert run.dark["theme"] == "dark"
    assert run.dark["widget notes"] and run.dark["code"], run.dark
    assert min(run.dark["widget notes"] + run.dark["code"]) >= 4.5, run.dark


def test_a_notebook_prints_without_navigation_and_with_a_plain_title(run):
    assert "print" not in run.errors, run.errors.get("print")
    printed = run.printed
    assert printed["article"] and printed["images"] > 0, printed
    assert "The backward pass" in printed["title"], printed
    assert "\\(" not in printed["printTitle"] and "∂C/∂z" in printed["printTitle"], printed
    assert not printed["sidebar"], "the navigation sidebar should not be printed"


def test_screenshots_desktop_phone_and_dark(run):
    """Home, notebook 04, exercise 04 and the glossary, each at 1280 px, 390 px and dark;
    the Chinese notebook 04 at 1280 and 390 px."""
    errors = {k: v for k, v in run.errors.items() if k.startswith("screenshots")}
    assert errors == {}, errors
    assert len(run.screens) == len(SCREENSHOT_PAGES) * 2 + len(DARK_PAGES)
    assert all(path.stat().st_size > 10_000 for path in run.screens)


def test_every_page_is_in_its_language_with_a_visible_switch_to_the_other(run, site):
    """At every width, each page's header shows the switch: 中文 on an English page, English
    on a Chinese one, leading to the same notebook in the other language (any other page:
    to the Chinese welcome notebook); ``<html lang>`` is "zh-Hans" or "en"."""
    _, html = site
    report = []
    for (scheme, width, name), visit in sorted(run.visits.items()):
        checks, zh = visit.checks, chinese(name)
        switch = checks.get("switch") or {}
        if name.startswith(("notebooks/", "exercises/")):
            target = name.replace("/zh/", "/") if zh else name.replace("/", "/zh/", 1)
        else:
            target = "notebooks/zh/00_welcome.html"
        want_lang, want_label = ("zh-Hans", "English") if zh else ("en", "中文")
        where = posixpath.join(posixpath.dirname(name), switch.get("href", ""))
        problems = []
        if checks.get("lang") != want_lang:
            problems.append(f"<html lang={checks.get('lang')!r}>")
        if not switch:
            problems.append("no visible switch")
        elif switch["label"] != want_label:
            problems.append(f"switch labelled {switch['label']!r}")
        elif posixpath.normpath(where) != target or not (html / target).is_file():
            problems.append(f"switch to {posixpath.normpath(where)}, not {target}")
        report += [f"{scheme} {width} px {name}: {problem}" for problem in problems]
    assert report == [], "\n".join(report)


def test_chinese_pages_use_the_chinese_font_stack_and_monospace_code(run):
    """A Chinese page's prose asks for a Simplified Chinese face (after the Latin ones), its
    code keeps the monospace face; an English page's prose does not ask for it."""
    report = []
    for (_, width, name), visit in sorted(run.visits.items()):
        fonts = visit.checks.get("fonts", {})
        if chinese(name):
            if ZH_FONT not in fonts.get("prose", ""):
                report.append(f"{width} px {name}: prose in {fonts.get('prose')}")
            if fonts.get("code") and ZH_FONT in fonts["code"]:
                report.append(f"{width} px {name}: code in {fonts['code']}")
        elif fonts.get("prose") and ZH_FONT in fonts["prose"]:
            report.append(f"{width} px {name}: English prose in {fonts['prose']}")
    assert report == [], "\n".join(report)


def test_the_language_switch_leads_to_the_chinese_page_and_back(run):
    """On a phone, a click on the header's 中文 opens the same notebook in Chinese, and a click
    on its English returns."""
    problem = f"navigation at {min(NAV_WIDTHS)} px"
    assert problem not in run.errors, run.errors.get(problem)
    seen = run.navigation[min(NAV_WIDTHS)]
    zh_page = NAV_PAGE.replace("/", "/zh/", 1)
    assert seen["switched"][0].endswith(f"/{zh_page}") and seen["switched"][1] == "zh-Hans", seen
    assert seen["back"][0].endswith(f"/{NAV_PAGE}") and seen["back"][1] == "en", seen
