"""What the course website ships besides its pages, kept light (issue 20).

- MathJax: one file, ``_static/mathjax/course-mathjax.js``, made of the MathJax components the
  pages use (the TeX input with its autoload, the CommonHTML output and its TeX font, the
  assistive MathML, lazy typesetting), plus the fonts and the TeX extensions autoload may ask
  for; not the whole 24 MB distribution. The components come from the sphinx-mathjax-offline
  package.
- One style sheet and two scripts per page: the theme's, Sphinx's, the copy button's and the
  course's own files are concatenated (``course-bundle.css``, ``course-head.js``,
  ``course-theme.js``); a page then makes a handful of requests instead of twenty.
- The text of every page for the search page (``course-page-text.js``): opened from a file
  (a USB stick), the browser refuses to fetch the pages the search results quote.
- Each notebook next to its page (``notebooks/04_backward_pass.ipynb``,
  ``notebooks/zh/04_backward_pass.ipynb``), and the learner
  edition of the course as a zip (``downloads/backprop-course.zip``, made by
  ``course-lib release``).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from sphinx.application import Sphinx

BUNDLE_CSS = "_static/course-bundle.css"
HEAD_JS = "_static/course-head.js"
THEME_JS = "_static/course-theme.js"
MATHJAX_JS = "_static/mathjax/course-mathjax.js"
PAGE_TEXT_JS = "_static/course-page-text.js"
COURSE_ZIP = "downloads/backprop-course.zip"
ZIP_FOLDER = "backprop-course"  # the folder the zip unpacks to

# The style sheets and head scripts every page loads, in the order they are concatenated.
# A page's other files (the search page's) are left as they are.
BUNDLED_CSS = (
    "_static/styles/pydata-sphinx-theme.css",
    "_static/pygments.css",
    "_static/styles/sphinx-book-theme.css",
    "_static/copybutton.css",
    "_static/course.css",
)
BUNDLED_CSS_PREFIXES = ("_static/mystnb.",)  # its name carries a hash of its content
BUNDLED_JS = (
    "_static/documentation_options.js",
    "_static/doctools.js",
    "_static/sphinx_highlight.js",
    "_static/clipboard.min.js",
    "_static/copybutton.js",
    "_static/scripts/sphinx-book-theme.js",
)
# deferred, at the end of the body: the theme's scripts, then the course's fixes to them
# (not bootstrap.js, 81 kB for two drop-down menus and tooltips: course.js opens the menus,
# and the buttons' titles are the tooltips)
THEME_SCRIPTS = (
    "_static/scripts/pydata-sphinx-theme.js",
    "_static/course.js",
)
# MathJax 3 components, in the order they must run: startup first (it defines the loader
# the others register with; it starts typesetting only after this whole file has run)
MATHJAX_COMPONENTS = (
    "startup.js",
    "core.js",
    "input/tex.js",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "a11y/assistive-mml.js",
    "ui/lazy.js",  # formulas typeset as they scroll into view: less work, fonts as needed
)
MATHJAX_FOLDERS = ("output/chtml/fonts/woff-v2", "input/tex/extensions")
# Unused files the theme and Sphinx copy: source maps, the icon script replaced by
# course.css's icons, and the files concatenated above.
UNUSED = (
    "_static/scripts/fontawesome.js",
    "_static/scripts/bootstrap.js",
    "_static/scripts/fontawesome.js.map",
    "_static/scripts/fontawesome.js.LICENSE.txt",
    "_static/vendor",
    "_static/styles/theme.css",
    "_static/locales",
)


def mathjax_source() -> Path:
    """The MathJax distribution inside the sphinx-mathjax-offline package."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the sphinx-mathjax-offline package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def write_mathjax(static: Path) -> None:
    """``static/mathjax``: the one script the pages load, the fonts and the TeX extensions."""
    source, target = mathjax_source(), static / "mathjax"
    if target.exists():
        shutil.rmtree(target)
    for folder in MATHJAX_FOLDERS:
        shutil.copytree(source / folder, target / folder)
    parts = [(source / name).read_text(encoding="utf-8") for name in MATHJAX_COMPONENTS]
    (target / "course-mathjax.js").write_text(";\n".join(parts) + "\n", encoding="utf-8")


CSS_URL = re.compile(r"url\(\s*(['\"]?)(?!data:|https?:|/|#)([^'\")]+)\1\s*\)")


def rebase_css(text: str, source: str, bundle: str) -> str:
    """``text`` of the style sheet at ``source`` (a path in the site) with its relative
    ``url(...)`` rewritten for a sheet at ``bundle``."""
    source_dir, bundle_dir = Path(source).parent, Path(bundle).parent

    def rewrite(match: re.Match) -> str:
        target = Path(_normalise(source_dir / match.group(2)))
        relative = Path(*[".."] * len(bundle_dir.parts)) / target
        return f'url("{relative.as_posix()}")'

    return CSS_URL.sub(rewrite, text)


def _normalise(path: Path) -> str:
    parts: list[str] = []
    for part in path.as_posix().split("/"):
        if part == "..":
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def bundled(name: str) -> bool:
    """Whether the style sheet or script ``name`` (relative to the site) is concatenated."""
    return name in BUNDLED_CSS or name in BUNDLED_JS or name.startswith(BUNDLED_CSS_PREFIXES)


def write_bundles(out: Path) -> None:
    """Concatenate the style sheets and scripts every page loads (after Sphinx copied them);
    the style sheet keeps only the rules that can match a page of the site."""
    for bundle, names in ((HEAD_JS, BUNDLED_JS), (THEME_JS, THEME_SCRIPTS)):
        scripts = [_without_source_map((out / name).read_text(encoding="utf-8")) for name in names]
        (out / bundle).write_text(";\n".join(scripts) + "\n", encoding="utf-8")
    css_names = ["_static/basic.css", *BUNDLED_CSS[:3]]  # the theme imports basic.css
    mystnb = (out / "_static").glob("mystnb.*.css")  # its name carries a hash
    css_names += sorted(path.relative_to(out).as_posix() for path in mystnb)
    css_names += BUNDLED_CSS[3:]
    sheets = [
        rebase_css((out / name).read_text(encoding="utf-8"), name, BUNDLE_CSS) for name in css_names
    ]
    used = used_names(out)
    css = purge_css("\n".join(sheets), used)
    (out / BUNDLE_CSS).write_text(purge_properties(css, used), encoding="utf-8")


# ----- keeping only the style rules the site can use -----

# classes that scripts build from parts (searchtools: kind-${kind}), never whole
KEPT_CLASS_PREFIXES = ("kind-",)


def used_names(out: Path) -> set[str]:
    """Every class and id of the built pages, and every word of the scripts they load (which
    may add a class: "show", "active", the copy button's): what a rule may select."""
    names: set[str] = set()
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8", errors="replace")
        for value in re.findall(r'\b(?:class|id)="([^"]*)"', text):
            names.update(value.split())
        names.update(re.findall(r"\s(data-[\w-]+)=", text))
    for path in [out / HEAD_JS, out / THEME_JS, *(out / "_static").glob("search*.js")]:
        if path.is_file():  # the words of its strings: a class it adds is written in one
            strings = re.findall(r"""'([^'\n]*)'|"([^"\n]*)"|`([^`]*)`""", path.read_text("utf-8"))
            for string in strings:
                names.update(re.findall(r"-{0,2}[A-Za-z_][\w-]*", " ".join(string)))
    return names - UNUSED_FEATURES


# what the theme's script can draw but this site never asks for (a version switcher, an
# announcement, a warning about old versions)
UNUSED_FEATURES = {
    "version-switcher__menu",
    "version-switcher__button",
    "version-switcher__container",
    "bd-header-version-warning",
    "bd-header-announcement",
    "pst-button-link-to-stable-version",
}


def purge_properties(css: str, used: set[str]) -> str:
    """``css`` without the custom properties (``--name: value``) that nothing reads: neither
    a ``var(--name)`` of the style sheet nor a script."""
    read = set(re.findall(r"var\(\s*(--[\w-]+)", css)) | {n for n in used if n.startswith("--")}
    value = r"""(?:[^;{}"']|"[^"]*"|'[^']*')*"""  # quoted parts may hold ; or }
    declaration = re.compile(r"(?<=[{;])\s*(--[\w-]+)\s*:" + value + r"(?:;|(?=}))")
    return declaration.sub(lambda m: "" if m.group(1) not in read else m.group(0), css)


def _blocks(css: str) -> list[tuple[str, str | None]]:
    """Top-level parts of a style sheet: (prelude, body) for a block, (statement, None) for an
    at-rule without one (@charset, @import). Comments dropped; strings kept whole."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    parts, depth, start, body_start, quote = [], 0, 0, 0, ""
    for at, char in enumerate(css):
        if quote:
            quote = "" if char == quote and css[at - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char == "{":
            if depth == 0:
                body_start = at
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                parts.append((css[start:body_start].strip(), css[body_start + 1 : at]))
                start = at + 1
        elif char == ";" and depth == 0:
            parts.append((css[start : at + 1].strip(), None))
            start = at + 1
    return parts


def selector_used(selector: str, used: set[str]) -> bool:
    """Whether every class and id ``selector`` names is in ``used``."""
    for attribute in re.findall(r"\[\s*(data-[\w-]+)", selector):
        if attribute not in used:  # [data-bs-theme=dark]: Bootstrap's, no page has it
            return False
    selector = re.sub(r"\[[^\]]*\]", "", selector)  # attribute values are not classes
    while "(" in selector:  # :is(.a, .b), :not(.c): kept whichever they name
        selector, before = re.sub(r"\([^()]*\)", "", selector), selector
        if selector == before:
            break
    for name in re.findall(r"[.#](-?[A-Za-z_][\w-]*)", selector):
        if name not in used and not name.startswith(KEPT_CLASS_PREFIXES):
            return False
    return True


def split_selectors(prelude: str) -> list[str]:
    """The selectors of a rule, split at its top-level commas (not those in ``:is(a, b)``)."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(prelude):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(prelude[start:at])
            start = at + 1
    return [*parts, prelude[start:]]


def purge_css(css: str, used: set[str]) -> str:
    """``css`` without the rules no page can match (and without the icon font's faces)."""
    kept = []
    for prelude, body in _blocks(css):
        if body is None:
            if not prelude.startswith("@charset"):
                kept.append(prelude)
        elif prelude.startswith(("@media", "@supports", "@layer", "@container")):
            inner = purge_css(body, used)
            if inner.strip():
                kept.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@font-face"):
            if "Font Awesome" not in body and "fontawesome" not in body:
                kept.append(f"{prelude}{{{body}}}")
        elif prelude.startswith("@"):
            kept.append(f"{prelude}{{{body}}}")  # @keyframes, @page, @property
        else:
            selectors = [s for s in split_selectors(prelude) if selector_used(s, used)]
            if selectors:
                kept.append(f"{','.join(s.strip() for s in selectors)}{{{body.strip()}}}")
    return "\n".join(re.sub(r"\s*([{};])\s*", r"\1", re.sub(r"\s+", " ", rule)) for rule in kept)


def _without_source_map(text: str) -> str:
    """A script without its source-map line and its comments on lines of their own."""
    text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M)
    text = re.sub(r"^[ \t]*/\*.*?\*/[ \t]*\n", "", text, flags=re.M | re.S)
    return re.sub(r"^[ \t]*//[^\n]*\n", "", text, flags=re.M)


def optimise_images(out: Path) -> None:
    """Re-encode the figures losslessly: RGB when no pixel is transparent, PNG optimised.
    A file is replaced only when it gets smaller."""
    import io

    from PIL import Image

    for path in sorted((out / "_images").glob("*.png")):
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.mode == "RGBA" and image.getextrema()[3][0] == 255:
                image = image.convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, "PNG", optimize=True)
        if len(buffer.getvalue()) < len(data):
            path.write_bytes(buffer.getvalue())


def remove_unused(out: Path) -> None:
    """Delete what no page loads: the icon script, source maps, concatenated originals."""
    for name in UNUSED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    for path in (out / "_static").rglob("*.map"):
        path.unlink()


# ----- the search page's text -----

ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*?)</article>', re.S)


def article_text(page: str) -> str:
    """The visible text of a built page's article, in one line."""
    match = ARTICLE.search(page)
    body = match.group(1) if match else ""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r'<a class="headerlink".*?</a>', " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def write_page_text(out: Path) -> None:
    """``course-page-text.js``: each page's article text, by page name, for search snippets."""
    texts = {}
    for path in sorted(out.rglob("*.html")):
        name = path.relative_to(out).with_suffix("").as_posix()
        if name.startswith("_"):
            continue
        texts[name] = article_text(path.read_text(encoding="utf-8"))
    data = json.dumps(texts, ensure_ascii=False, separators=(",", ":"))
    shim = out / "_static" / "course-search.js"  # uses the text: one file, one request
    script = f"window.COURSE_PAGE_TEXT = {data};\n{shim.read_text(encoding='utf-8')}"
    (out / PAGE_TEXT_JS).write_text(script, encoding="utf-8")
    shim.unlink()


# ----- downloads -----


def copy_notebooks(out: Path, root: Path, folders: tuple[str, ...]) -> None:
    """Each notebook next to its page, for the page's "download this notebook" link."""
    for folder in folders:
        for notebook in sorted((root / folder).glob("*.ipynb")):
            (out / folder).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, out / folder / notebook.name)


def write_course_zip(out: Path, root: Path) -> Path:
    """The learner edition (``course-lib release``) as a zip with fixed dates, so the same
    sources give the same bytes. Returns its path."""
    from course_lib.instructor.release import build_release

    target = out / COURSE_ZIP
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        edition = Path(temporary) / ZIP_FOLDER
        written = build_release(edition, root)
        partial = target.with_suffix(".zip.tmp")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for rel in written:
                source = edition / rel
                info = zipfile.ZipInfo(f"{ZIP_FOLDER}/{rel}", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
                info.external_attr = (0o100000 | mode) << 16
                archive.writestr(info, source.read_bytes())
        partial.replace(target)
    return target


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    write_mathjax(out / "_static")
    write_bundles(out)
    optimise_images(out)
    remove_unused(out)
    write_page_text(out)
    root = Path(app.config.course_root)
    copy_notebooks(out, root, ("notebooks", "exercises", "notebooks/zh", "exercises/zh"))
    write_course_zip(out, root)


def on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Replace the page's bundled style sheets and head scripts by their bundles (the
    theme's own style sheet and deferred scripts are in ``_templates/layout.html``). Runs
    after the themes' handlers."""
    from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

    if context.get("title"):  # the printed heading (the book theme's): keeps lang="zh"
        context["pagetitle"] = context["title"]

    for key, bundle, kind in (
        ("css_files", BUNDLE_CSS, _CascadingStyleSheet),
        ("script_files", HEAD_JS, _JavaScript),
    ):
        kept, placed = [], False
        for asset in context.get(key, []):
            if not bundled(str(getattr(asset, "filename", "") or "")):
                kept.append(asset)
            elif not placed:
                kept.append(kind(bundle, priority=asset.priority))
                placed = True
        context[key] = kept
