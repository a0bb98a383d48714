"""The course website's own Sphinx extension.

- ``copy_sources``: copies notebooks/, exercises/, docs/ and the data's USPS.md into the
  site's source folder at build time (the originals are only read).
- Notebook pages: a "Run this notebook" note (JupyterLab and Binder) after the first cell,
  and each ipywidget replaced by its stored state (controls, stored plots) with a note that
  it is live in JupyterLab. The notebook files are never changed: only the text Sphinx reads.
- The glossary page is made from the glossary table of notebooks/00_welcome.ipynb, and the
  first use of each glossary term on a notebook page links to its entry.
- Launch and download (issue 20): the learner edition's repository is set once, in
  pyproject.toml's ``[tool.course]`` (:func:`course_settings`); the Binder and JupyterHub
  (nbgitpuller) links are built from it (:func:`launch_links`) and left out when it is empty.
  Every page offers the course as a zip, each notebook page its own notebook.
- For every reader: figures get alt text (:func:`alt_text`), Chinese text ``lang="zh"``, and
  page titles are plain text wherever MathJax does not run (the browser tab, the sidebar,
  the previous / next links, search results): :func:`plain_title`.
- Both languages (issue 21): the Chinese notebooks (``notebooks/zh/``, ``exercises/zh/``) have
  their pages, written ``<html lang="zh-Hans">`` with their run note, widget notes and
  sidebar panel in Chinese; every page's header has a switch to the same page in the other
  language (:func:`language_switch`). Chinese pages get no glossary links (see
  :func:`on_doctree_read`).
"""

from __future__ import annotations

import functools
import gettext
import html
import json
import os
import re
import shutil
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

# copied into the site's source folder; course_lib/data: USPS.md; zh: the Chinese edition
LINKED = ("notebooks", "exercises", "notebooks/zh", "exercises/zh", "docs", "course_lib/data")
SOURCE_SUFFIXES = {".ipynb", ".md"}
NOTEBOOK_FOLDERS = ("notebooks", "exercises")
ZH = "zh"  # the Chinese edition's folder inside each of NOTEBOOK_FOLDERS
HTML_LANG = {"en": "en", "zh": "zh-Hans"}  # <html lang>: Simplified Chinese
ZH_HOME = "notebooks/zh/00_welcome"  # where the switch leads from a page with no Chinese twin
GLOSSARY_NOTEBOOK = Path("notebooks") / "00_welcome.ipynb"
GLOSSARY_HEADING = "## Glossary"
GLOSSARY_MARKER = "<!-- the glossary, from notebooks/00_welcome.ipynb -->"
COURSE_ZIP = "downloads/backprop-course.zip"  # written by course_assets.write_course_zip
BINDER = "https://mybinder.org/v2"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# words of glossary entries too common to link on their own ("for example")
NOT_LINKED = {"example"}


def copy_sources(site: Path, root: Path) -> None:
    """Copy ``root/NAME`` to ``site/NAME`` for the folders the site includes.

    Copies, not symbolic links: Sphinx resolves links to their real place, outside the source
    folder. Each file is replaced atomically and only when it changed (so two builds at once
    never read half a file, and Sphinx rebuilds only what changed); files gone from ``root``
    are removed.
    """
    for name in LINKED:
        source, copy = root / name, site / name
        copy.mkdir(parents=True, exist_ok=True)
        wanted = {path.name for path in source.iterdir() if path.suffix in SOURCE_SUFFIXES}
        for old in copy.iterdir():
            if old.suffix in SOURCE_SUFFIXES and old.name not in wanted and old.is_file():
                old.unlink(missing_ok=True)
        for file_name in wanted:
            original, target = source / file_name, copy / file_name
            if target.exists() and target.read_bytes() == original.read_bytes():
                continue
            temporary = copy / f".{file_name}.{os.getpid()}.tmp"
            shutil.copy2(original, temporary)
            os.replace(temporary, target)


# ----- launch and download -----


def course_settings(root: Path) -> dict[str, str]:
    """pyproject.toml's ``[tool.course]``: ``repository`` (the learner edition's git URL, or
    empty), ``branch`` and ``jupyterhub`` (a hub's URL, or empty), as stripped strings."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: tomli, a dev dependency
        import tomli as tomllib
    table = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    course = table.get("tool", {}).get("course", {})
    settings = {"repository": "", "branch": "main", "jupyterhub": ""}
    settings.update({key: str(course.get(key) or "").strip() for key in settings if key in course})
    settings["branch"] = settings["branch"] or "main"
    return settings


def launch_links(repository: str, branch: str, path: str, hub: str = "") -> dict[str, str]:
    """The links that open the notebook at ``path`` of the learner edition: ``binder``
    (mybinder.org) when ``repository`` is set, ``jupyterhub`` (nbgitpuller: the hub clones or
    updates the course in the learner's home, then opens the notebook) when ``hub`` is set
    too. Empty when ``repository`` is empty. ``repository`` is a git URL
    (https://github.com/OWNER/REPO, https://gitlab.com/..., any other git host)."""
    repository = repository.strip().removesuffix("/").removesuffix(".git")
    if not repository:
        return {}
    parsed = urllib.parse.urlparse(repository)
    where = parsed.path.strip("/")
    lab = f"lab/tree/{path}"
    quoted_branch = urllib.parse.quote(branch, safe="")
    if parsed.netloc == "github.com":
        binder = f"{BINDER}/gh/{where}/{quoted_branch}"
    elif parsed.netloc == "gitlab.com":
        binder = f"{BINDER}/gl/{urllib.parse.quote(where, safe='')}/{quoted_branch}"
    else:  # any git host: the repository's whole URL, quoted
        binder = f"{BINDER}/git/{urllib.parse.quote(repository, safe='')}/{quoted_branch}"
    links = {"binder": f"{binder}?urlpath={urllib.parse.quote(lab, safe='/')}"}
    hub = hub.strip().removesuffix("/")
    if hub:
        folder = where.rsplit("/", 1)[-1]  # nbgitpuller clones into a folder named so
        query = urllib.parse.urlencode(
            {"repo": repository, "branch": branch, "urlpath": f"lab/tree/{folder}/{path}"}
        )
        links["jupyterhub"] = f"{hub}/hub/user-redirect/git-pull?{query}"
    return links


def relative_to_root(docname: str) -> str:
    """The way from the page ``docname`` back to the site's root ("", "../", ...)."""
    return "../" * docname.count("/")


# ----- the two languages -----


def page_language(docname: str) -> str:
    """ "zh" for a page of the Chinese edition (``notebooks/zh/NAME``, ``exercises/zh/NAME``,
    or a path of a notebook there), else "en"."""
    parts = docname.split("/")
    return "zh" if len(parts) == 3 and parts[0] in NOTEBOOK_FOLDERS and parts[1] == ZH else "en"


def twin(docname: str) -> str | None:
    """The same notebook page in the other language (``notebooks/04_x`` ↔
    ``notebooks/zh/04_x``), or None for a page that is not a notebook's."""
    parts = docname.split("/")
    if parts[0] not in NOTEBOOK_FOLDERS or len(parts) not in (2, 3):
        return None
    if len(parts) == 3:
        return f"{parts[0]}/{parts[2]}" if parts[1] == ZH else None
    return f"{parts[0]}/{ZH}/{parts[1]}"


def language_switch(docname: str, exists: Any) -> dict[str, str]:
    """The header's link to the other language for the page ``docname``: a notebook page's
    twin when ``exists(twin)``, else the Chinese welcome notebook (from an English page) or
    the English one (from a Chinese page). ``href`` is relative to the page."""
    chinese = page_language(docname) == "zh"
    other = twin(docname)
    if other is None or not exists(other):
        other = "notebooks/00_welcome" if chinese else ZH_HOME
    return {
        "href": f"{relative_to_root(docname)}{other}.html",
        "page": other,
        "label": "English" if chinese else "中文",
        "lang": HTML_LANG["en" if chinese else "zh"],
        "title": ("This page in English" if chinese else "本页的中文版")
        if twin(docname) == other
        else ("The course in English" if chinese else "中文版课程：从欢迎笔记本开始"),
    }


# The words of the notes the site adds to a notebook page, in each language.
WORDS = {
    "en": {
        "run": "Run this notebook",
        "download": "Download this notebook",
        "course": "the whole course",
        "zip": "(a zip of the learner edition: unzip it, and that folder is the course folder).",
        "lab": "**In JupyterLab**, on your computer: in the course folder run `make lab`, open"
        " `{path}` in the file browser on the left and run the cells in order (Shift+Enter).",
        "check": " After each exercise, run its check cell; `course-lib check {path}` checks the"
        " whole notebook from a terminal.",
        "live": "This page shows the outputs stored in the notebook; the sliders and buttons of"
        " its widgets are live only when the notebook runs.",
        "binder": "<p><strong>On Binder</strong>, with nothing to install (sessions are"
        " temporary: download your work): {link}launch {name} on Binder</a>.</p>",
        "hub": "<p><strong>On your class\u2019s JupyterHub</strong> (your work stays in your home"
        " folder): {link}open {name} on the JupyterHub</a>.</p>",
        "widget": "<strong>Interactive widget</strong>, live when the notebook runs in"
        " JupyterLab; shown here as stored in the notebook: {controls}.",
        "none": "none stored",
        "figure in": "Figure in “{heading}”",
        "get": "Get the course",
        "this notebook": "This notebook (.ipynb)",
        "whole course": "The whole course (.zip)",
        "launch": "Launch {target} on Binder",
        "open": "Open {target} on the JupyterHub",
    },
    "zh": {
        "run": "运行这个笔记本",
        "download": "下载这个笔记本",
        "course": "整个课程",
        "zip": "（学习者版的 zip 压缩包：解压后得到的文件夹就是课程文件夹）。",
        "lab": "**在 JupyterLab 中**（在你的电脑上）：在课程文件夹中运行 `make lab`，在左侧的"
        "文件浏览器中打开 `{path}`，按顺序运行各个单元格（Shift+Enter）。",
        "check": "每做完一道练习，运行它的检查单元格；在终端中运行 `course-lib check {path}`"
        " 可检查整个笔记本。",
        "live": "本页显示笔记本中存储的输出；其中交互控件的滑块和按钮只有在笔记本运行时才能操作。",
        "binder": "<p><strong>在 Binder 上</strong>，无需安装任何东西（会话是临时的：请下载你的"
        "工作）：{link}在 Binder 上启动 {name}</a>。</p>",
        "hub": "<p><strong>在你班级的 JupyterHub 上</strong>（你的工作保存在你的个人文件夹中）："
        "{link}在 JupyterHub 上打开 {name}</a>。</p>",
        "widget": "<strong>交互控件</strong>：在 JupyterLab 中运行笔记本时可以操作；此处显示"
        "笔记本中存储的状态：{controls}。",
        "none": "未存储",
        "figure in": "“{heading}”一节中的图",
        "get": "获取课程",
        "this notebook": "这个笔记本（.ipynb）",
        "whole course": "整个课程（.zip）",
        "launch": "在 Binder 上启动 {target}",
        "open": "在 JupyterHub 上打开 {target}",
    },
}


# ----- notebook pages -----


LAUNCH_HERE = '<p class="course-launch-here"></p>'  # filled per page: launch_note


def run_note(path: str, widgets: bool = False) -> dict:
    """The markdown cell that tells how to run the notebook at ``path`` (e.g.
    ``notebooks/04_backward_pass.ipynb``): download it or the whole course, run it in
    JupyterLab. Its launch links are filled in when the page is written (:func:`launch_note`,
    so that a build with another repository re-reads no notebook)."""
    up = relative_to_root(path)
    name = path.rsplit("/", 1)[-1]
    words = WORDS[page_language(path)]
    check = words["check"].format(path=path) if path.startswith("exercises/") else ""
    live = f"\n\n{words['live']}" if widgets else ""
    this = f'<a class="course-download" href="{name}" download>{words["download"]}</a>'
    whole = f'<a class="course-download" href="{up}{COURSE_ZIP}" download>{words["course"]}</a>'
    if page_language(path) == "zh":
        download = f"{this}（{name}）或{whole}{words['zip']}"
    else:
        download = f"{this} ({name}) or {whole} {words['zip']}"
    text = (
        f":::{{admonition}} {words['run']}\n"
        ":class: tip course-run\n\n"
        f"{download}\n\n"
        f"{words['lab'].format(path=path)}{check}\n\n{LAUNCH_HERE}{live}\n"
        ":::\n"
    )
    return {"cell_type": "markdown", "id": "course-run-note", "metadata": {}, "source": text}


def launch_note(path: str, config: Any) -> str:
    """The run note's launch paragraphs (HTML) for the notebook at ``path``: Binder when the
    course's repository is set, a JupyterHub (nbgitpuller) when its hub is set too; empty
    when the repository is unset."""
    links = launch_links(
        config.course_repository, config.course_branch, path, config.course_jupyterhub
    )
    name = html.escape(path.rsplit("/", 1)[-1])
    words = WORDS[page_language(path)]
    paragraphs = []
    for kind, key in (("binder", "binder"), ("jupyterhub", "hub")):
        if kind in links:
            link = f'<a class="course-launch" href="{html.escape(links[kind])}">'
            paragraphs.append(words[key].format(link=link, name=name))
    return "\n".join(paragraphs)


def _children(model: dict) -> list[str]:
    return [
        ref.removeprefix("IPY_MODEL_")
        for ref in model["state"].get("children", [])
        if isinstance(ref, str)
    ]


def _widget_parts(model_id: str, state: dict) -> Iterator[tuple[str, Any]]:
    """Walk a widget tree: ("control", words) for each control, ("output", output) for each
    output stored in an Output widget."""
    model = state.get(model_id)
    if model is None:
        return
    name, values = model["model_name"], model["state"]
    label = values.get("description") or ""
    if name == "OutputModel":
        for output in values.get("outputs", []):
            yield "output", output
    elif "Slider" in name:
        yield "control", f"slider {label} = {values.get('value')}".replace("  ", " ")
    elif name == "ButtonModel":
        yield "control", f"button {label}".strip()
    elif "Progress" in name:
        yield "control", f"progress bar at {values.get('value')} of {values.get('max')}"
    elif name in {"HTMLModel", "LabelModel"}:
        words = html.unescape(re.sub(r"<[^>]+>", "", str(values.get("value") or ""))).strip()
        if words:
            yield "control", words
    elif "_options_labels" in values:
        index = values.get("index")
        options = values["_options_labels"]
        chosen = options[index] if isinstance(index, int) and index < len(options) else ""
        yield "control", f"{label} {chosen}".strip()
    for child in _children(model):
        yield from _widget_parts(child, state)


def static_widget_outputs(view: dict, state: dict, lang: str = "en") -> list[dict]:
    """Outputs that stand for one widget: a note with its controls, then its stored outputs.
    ``lang``: the page's language (the controls' own labels are the code's: English)."""
    controls, outputs = [], []
    for kind, part in _widget_parts(view.get("model_id", ""), state):
        (controls if kind == "control" else outputs).append(part)
    words = WORDS[lang]
    described = html.escape("; ".join(controls))
    if controls and lang != "en":
        described = f'<span lang="en">{described}</span>'
    words_html = words["widget"].format(controls=described or words["none"])
    note = f'<p class="course-widget-note">{words_html}</p>'
    return [{"output_type": "display_data", "metadata": {}, "data": {"text/html": note}}, *outputs]


FIGURE_TITLE = re.compile(
    r"""(?:\b(?:title|suptitle|set_title)\(|\btitle=)\s*f?(["'])(.+?)(?<!\\)\1"""
)


def alt_text(cell: dict, heading: str, lang: str = "en") -> str:
    """Alt text for the figures a code cell outputs: the cell's own (metadata
    ``mystnb.image.alt`` or ``course.alt``), else the titles its code gives its figure, else
    the heading the figure is under. In plain text: no TeX. ``lang``: the page's language;
    the first two are the code's words, English on a Chinese page too (the page marks
    them ``lang="en"``: :func:`lighter_body`)."""
    metadata = cell.get("metadata", {})
    given = metadata.get("mystnb", {}).get("image", {}).get("alt") or metadata.get(
        "course", {}
    ).get("alt")
    if given:
        return str(given)
    source = "".join(cell.get("source", ""))
    titles = [plain_title(match.group(2)) for match in FIGURE_TITLE.finditer(source)]
    titles = [title for title in dict.fromkeys(titles) if title and "{" not in title]
    if titles:
        return "Figure: " + "; ".join(titles)
    if not heading:
        return "Figure" if lang == "en" else "图"
    return WORDS[lang]["figure in"].format(heading=plain_title(heading))


def prepare_notebook(text: str, path: str, config: Any) -> str:
    """The notebook as the site shows it: run note added, widgets replaced by stored state,
    alt text on the figures."""
    notebook = json.loads(text)
    lang = page_language(path)
    state = notebook["metadata"].pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    heading, widgets = "", False
    for cell in notebook["cells"]:
        source = "".join(cell.get("source", ""))
        if cell["cell_type"] == "markdown":
            found = re.findall(r"^#{1,4}\s+(.+)$", source, re.M)
            heading = found[-1].strip() if found else heading
        outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            widgets = widgets or bool(view)
            outputs.extend(static_widget_outputs(view, state, lang) if view else [output])
        if "outputs" in cell:
            cell["outputs"] = outputs
        if any("image/png" in o.get("data", {}) for o in outputs):
            metadata = cell.setdefault("metadata", {})
            image = metadata.setdefault("mystnb", {}).setdefault("image", {})
            image["alt"] = alt_text(cell, heading, lang)
    at = 1 if notebook["cells"] and notebook["cells"][0]["cell_type"] == "markdown" else 0
    notebook["cells"].insert(at, run_note(path, widgets))
    return json.dumps(notebook)


# ----- plain titles and Chinese -----

TEX_SYMBOLS = {
    "partial": "∂",
    "sigma": "σ",
    "eta": "η",
    "mu": "μ",
    "theta": "θ",
    "delta": "δ",
    "Delta": "Δ",
    "nabla": "∇",
    "alpha": "α",
    "beta": "β",
    "lambda": "λ",
    "cdot": "·",
    "times": "×",
    "prime": "′",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "to": "→",
    "rightarrow": "→",
    "infty": "∞",
    "approx": "≈",
    "sum": "Σ",
    "in": "∈",
}


def plain_tex(tex: str) -> str:
    """A short TeX formula as plain text: ``\\partial z/\\partial w`` → ``∂z/∂w``."""
    text = re.sub(r"\\(?:mathrm|mathbf|text|operatorname|boldsymbol)\{([^{}]*)\}", r"\1", tex)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    text = re.sub(r"\\([A-Za-z]+)\s*", lambda m: TEX_SYMBOLS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"\\(.)", r"\1", text)  # \, \; \{ ...
    text = re.sub(r"\^\{([^{}]*)\}|\^(\S)", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"_\{([^{}]*)\}|_(\S)", lambda m: m.group(1) or m.group(2), text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


MATH_IN_TITLE = re.compile(r"\$([^$]+)\$|\\\((.+?)\\\)")


def plain_title(title: str) -> str:
    """A title with its ``$...$`` or ``\\(...\\)`` formulas as plain text."""
    return MATH_IN_TITLE.sub(lambda m: plain_tex(m.group(1) or m.group(2)), title).strip()


def plain_title_node(node: nodes.Element) -> nodes.title:
    """A copy of a title node with each formula replaced by its plain text (the rest kept as
    it is: a Chinese run keeps its ``lang="zh"``)."""
    title = nodes.title()
    for child in node.children:
        if isinstance(child, nodes.math):
            title += nodes.Text(plain_tex(child.astext()))
        else:
            title += child.deepcopy()
    return title


CJK = re.compile(  # Chinese characters and punctuation (CJK blocks, full-width forms)
    r"[\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)


def mark_chinese(doctree: nodes.document, titles_only: bool = False) -> None:
    """Wrap each run of Chinese characters in an inline with ``lang="zh"`` (docutils writes a
    ``language-zh`` class as that attribute). ``titles_only``: only in the section titles (a
    Chinese page is ``lang="zh-Hans"`` as a whole; its titles are marked for the English
    pages that show them: the sidebar, the previous / next links)."""
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if titles_only and not isinstance(parent, nodes.title):
            continue
        if parent is None or isinstance(parent, (nodes.FixedTextElement, nodes.raw, nodes.math)):
            continue
        if "language-zh" in parent.get("classes", []) or not CJK.search(str(text)):
            continue
        source, pieces, start = str(text), [], 0
        for match in CJK.finditer(source):
            pieces.append(nodes.Text(source[start : match.start()]))
            pieces.append(nodes.inline(match.group(0), match.group(0), classes=["language-zh"]))
            start = match.end()
        pieces.append(nodes.Text(source[start:]))
        parent.replace(text, [piece for piece in pieces if piece.astext()])


# ----- glossary -----


def glossary_rows(root: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The glossary cell of the welcome notebook: its prose lines and its (English, 中文,
    symbol) rows."""
    notebook = json.loads((root / GLOSSARY_NOTEBOOK).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.startswith(GLOSSARY_HEADING):
            break
    else:
        raise ValueError(f"no cell starting with {GLOSSARY_HEADING!r} in {GLOSSARY_NOTEBOOK}")
    prose, rows = [], []
    for line in source.splitlines()[1:]:
        if not line.startswith("|"):
            prose.append(line)
            continue
        cells = [part.strip() for part in line.strip().strip("|").split("|")]
        if len(cells) == 3 and not set(cells[0]) <= {"-", " "} and cells[0] != "English":
            rows.append((cells[0], cells[1], cells[2]))
    return prose, rows


def glossary_markdown(root: Path) -> str:
    """MyST text of the glossary: the notebook's prose and a Sphinx glossary of its rows."""
    prose, rows = glossary_rows(root)
    intro = [line for line in prose if line.strip() and not line.startswith("(")]
    outro = [line for line in prose if line.startswith("(")]
    entries = []
    for english, chinese, symbol in rows:
        definition = f"{chinese}" + (f" · {symbol}" if symbol else "")
        entries.append(f"{english}\n  {definition}\n")
    return "\n".join(
        [
            *intro,
            "",
            "```{glossary}",
            *entries,
            "```",
            "",
            *outro,
            "",
            "The table also closes the welcome notebook, {doc}`notebooks/00_welcome`.",
        ]
    )


def aliases(english: str) -> list[str]:
    """The phrases that link to one glossary entry: "layer (input / hidden / output)" is
    linked from "layer", "backward pass, backpropagation" from either."""
    bare = re.sub(r"\s*\([^)]*\)", "", english).strip()
    words = {bare, *(part.strip() for part in re.split(r"[,/]", bare))}
    return sorted((w for w in words if w and w.lower() not in NOT_LINKED), key=len, reverse=True)


class GlossaryLinker:
    """Links the first use of each glossary term on a notebook page to its entry."""

    SKIP = (
        nodes.FixedTextElement,
        nodes.Inline,
        nodes.title,
        nodes.term,
        nodes.raw,
        nodes.math_block,
        addnodes.pending_xref,
    )

    def __init__(self, root: Path) -> None:
        self.term_of: dict[str, str] = {}
        for english, _, _ in glossary_rows(root)[1]:
            for alias in aliases(english):
                self.term_of.setdefault(alias.lower(), english)
        names = sorted(self.term_of, key=len, reverse=True)
        alternatives = "|".join(re.escape(name) for name in names)
        self.pattern = re.compile(rf"\b({alternatives})(?:e?s)?\b", re.IGNORECASE)

    def skipped(self, node: nodes.Node) -> bool:
        parent = node.parent
        while parent is not None:
            if isinstance(parent, self.SKIP):
                return True
            classes = parent.get("classes", []) if isinstance(parent, nodes.Element) else []
            if {"cell_output", "cell_input", "course-run"} & set(classes):
                return True
            parent = parent.parent
        return False

    def link(self, doctree: nodes.document) -> None:
        done: set[str] = set()
        for text in list(doctree.findall(nodes.Text)):
            if self.skipped(text):
                continue
            source, pieces, start = str(text), [], 0
            for match in self.pattern.finditer(source):
                term = self.term_of[match.group(1).lower()]
                if term in done:
                    continue
                done.add(term)
                pieces.append(nodes.Text(source[start : match.start()]))
                ref = addnodes.pending_xref(
                    "", refdomain="std", reftype="term", reftarget=term, refexplicit=True
                )
                ref += nodes.inline(match.group(0), match.group(0), classes=["xref", "std"])
                pieces.append(ref)
                start = match.end()
            if pieces:
                pieces.append(nodes.Text(source[start:]))
                text.parent.replace(text, pieces)


# ----- Sphinx events -----


def on_config_inited(app: Sphinx, config: Any) -> None:
    """Fill the launch settings left unset in conf.py from pyproject.toml's [tool.course]."""
    settings = course_settings(Path(config.course_root))
    for key, value in settings.items():
        if getattr(config, f"course_{key}") is None:
            setattr(config, f"course_{key}", value)


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname.split("/")[0] in NOTEBOOK_FOLDERS and app.env.doc2path(docname).suffix == ".ipynb":
        source[0] = prepare_notebook(source[0], f"{docname}.ipynb", app.config)
    elif GLOSSARY_MARKER in source[0]:
        source[0] = source[0].replace(GLOSSARY_MARKER, glossary_markdown(app.config.course_root))


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """The glossary links of an English notebook page. A Chinese page gets none: the linker
    finds English words between word boundaries, and on a Chinese page those are only the
    stray names (sigmoid, ReLU) that stay in English; matching the glossary's Chinese terms
    instead would misfire, as Chinese has no spaces between words (参数 inside 超参数, 输出
    inside 输出层). The Chinese welcome notebook has the glossary's table itself."""
    docname = app.env.docname
    if docname.split("/")[0] in NOTEBOOK_FOLDERS and page_language(docname) == "en":
        GlossaryLinker(Path(app.config.course_root)).link(doctree)


def on_doctree_read_early(app: Sphinx, doctree: nodes.document) -> None:
    """Before Sphinx collects the titles: so the sidebar's "Glossary · 术语表" is marked too
    (and again once links are resolved: a link's text is the title of the page it names)."""
    mark_chinese(doctree, titles_only=page_language(app.env.docname) == "zh")


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if page_language(docname) == "en":
        mark_chinese(doctree)


def on_titles_collected(app: Sphinx, doctree: nodes.document) -> None:
    """The page's title as the sidebar, the browser tab and the search results show it: plain
    text (runs after Sphinx collected the titles; the page's own heading keeps its math)."""
    docname = app.env.docname
    for titles in (app.env.titles, app.env.longtitles):
        if docname in titles and titles[docname].next_node(nodes.math) is not None:
            titles[docname] = plain_title_node(titles[docname])
    toc = app.env.tocs.get(docname)
    reference = toc.next_node(nodes.reference) if toc is not None else None
    if reference is not None and reference.next_node(nodes.math) is not None:
        plain = plain_title_node(reference)  # the sidebar's entry for the page
        reference.children = []
        reference += plain.children


def on_autodoc_signature(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: str | None, ret: Any
) -> tuple[str | None, Any] | None:
    """No path of the build machine in a signature: a default such as
    ``PosixPath('/home/.../course_lib/data/usps.npz')`` is shown relative to the package."""
    root = str(Path(app.config.course_root))
    if not signature or root not in signature:
        return None
    pattern = rf"(?:\w*Path\()?'{re.escape(root)}/([^']*)'\)?"
    return re.sub(pattern, lambda m: f"'<installed>/{m.group(1)}'", signature), ret


def on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Per page: the launch and download links of the sidebar's panel and of the run note,
    and a lighter body."""
    config = app.config
    root = Path(config.course_root)
    up = relative_to_root(pagename)
    notebook = pagename.split("/")[0] in NOTEBOOK_FOLDERS and (root / f"{pagename}.ipynb").is_file()
    lang = page_language(pagename)
    path = f"{pagename}.ipynb" if notebook else "notebooks/00_welcome.ipynb"
    words = WORDS[lang]
    target = path.rsplit("/", 1)[-1] if notebook else "the course"
    context["course_get"] = {
        "zip": f"{up}{COURSE_ZIP}",
        "notebook": f"{pagename.rsplit('/', 1)[-1]}.ipynb" if notebook else "",
        "target": target,
        "links": launch_links(
            config.course_repository, config.course_branch, path, config.course_jupyterhub
        ),
        "words": {
            key: words[key].format(target=target)
            for key in ("get", "this notebook", "whole course", "launch", "open")
        },
    }
    context["language"] = HTML_LANG[lang]  # <html lang>
    # the theme's own words (Search, previous, next, On this page...) in the page's language
    app.builder.templates.environment.install_gettext_translations(
        theme_words(lang) if lang != "en" else app.translator
    )
    context["course_lang"] = language_switch(
        pagename, lambda page: (root / f"{page}.ipynb").is_file()
    )
    if "body" in context:
        body = context["body"].replace(LAUNCH_HERE, launch_note(path, config) if notebook else "")
        context["body"] = lighter_body(body, lang)


THEME_LOCALE = {"zh": ("zh", "zh_CN")}  # the catalogs' names for a language (theme, Sphinx)


@functools.cache
def theme_words(lang: str):
    """The theme's template words in ``lang``: pydata-sphinx-theme's catalog, then Sphinx's
    (the one site is built in English; a Chinese page's templates render with these,
    :func:`on_page_context`; what they leave in English, :data:`FRAME_WORDS`)."""
    import pydata_sphinx_theme
    import sphinx

    found = gettext.NullTranslations()
    catalogs = (
        (Path(sphinx.__file__).parent / "locale", THEME_LOCALE[lang][1]),
        (Path(pydata_sphinx_theme.__file__).parent / "locale", THEME_LOCALE[lang][0]),
    )
    for folder, code in catalogs:  # each one added first, the one before as its fallback
        try:
            catalog = gettext.translation("sphinx", folder, languages=[code])
        except OSError:
            continue
        catalog.add_fallback(found)
        found = catalog
    return found


# Words of the page's frame that no catalog translates (sphinx-book-theme's hard-coded
# buttons and its own catalog, aria labels, the heading links Sphinx writes in the site's
# language): on a Chinese page, each as a whole attribute value or a whole text, rewritten
# once the page is written (:func:`on_build_finished`)
FRAME_WORDS = {
    "zh": {
        "Toggle primary sidebar": "显示或隐藏导航栏",
        "Toggle secondary sidebar": "显示或隐藏本页目录",
        "Download this page": "下载本页",
        "Download source file": "下载源文件",
        "Print to PDF": "打印为 PDF",
        "Color mode": "颜色模式",
        "Light": "浅色",
        "Dark": "深色",
        "System Settings": "跟随系统",
        "Search...": "搜索……",
        "Search the docs ...": "搜索本站……",
        "Link to this heading": "链接到此标题",
        "Link to this image": "链接到此图片",
        "Link to this code": "链接到此代码",
        "Main": "主导航",
        "Page": "本页",
        "Contents": "目录",
        "Fullscreen mode": "全屏模式",
        "Back to top": "回到顶部",
    }
}
_FRAME_ATTRIBUTE = re.compile(r'((?:title|aria-label|placeholder|data-bs-title)=")([^"<>]+)(")')
_FRAME_TEXT = re.compile(r"(>\s*)([A-Z][A-Za-z .]+?)(\s*<)")


def translate_frame(page: str, lang: str) -> str:
    """A written page with the words of its frame (FRAME_WORDS) in ``lang``."""
    words = FRAME_WORDS.get(lang, {})

    def swap(match: re.Match) -> str:
        said = words.get(match.group(2))
        return match.group(0) if said is None else match.group(1) + said + match.group(3)

    return _FRAME_TEXT.sub(swap, _FRAME_ATTRIBUTE.sub(swap, page))


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    """The frame's words of every Chinese page, in Chinese (:func:`translate_frame`)."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for folder in NOTEBOOK_FOLDERS:
        for page in sorted((out / folder / "zh").glob("*.html")):
            text = page.read_text(encoding="utf-8")
            done = translate_frame(text, "zh")
            if done != text:
                page.write_text(done, encoding="utf-8")


PLAIN_TOKEN = re.compile(r'<span class="[npw]">([^<]*)</span>')  # names, punctuation, spaces
HIGHLIGHTED = re.compile(r'<div class="highlight"><pre>.*?</pre>', re.S)


def lighter_body(body: str, lang: str = "en") -> str:
    """A page's HTML, lighter to load and the same to see: figures load as they scroll into
    view, and in highlighted code the names, punctuation and spaces lose their ``<span>``
    (their colour is the code's own colour: course.css). On a Chinese page, a figure whose
    alt text is the code's English is marked ``lang="en"``."""
    body = body.replace("<img ", '<img loading="lazy" ')
    if lang != "en":
        body = IMAGE_ALT.sub(
            lambda m: m.group(0) if CJK.search(m.group(1)) else f'<img lang="en" {m.group(0)[5:]}',
            body,
        )
    return HIGHLIGHTED.sub(lambda block: PLAIN_TOKEN.sub(r"\1", block.group(0)), body)


IMAGE_ALT = re.compile(r'<img [^>]*\balt="([^"]*)"[^>]*>')


def mark_navigation(html_text: str, lang: str) -> str:
    """The sidebar's HTML with its words' language marked: on an English page, a caption in
    Chinese (讲座（中文）) gets ``lang="zh-Hans"``; on a Chinese page, a caption or entry
    with no Chinese in it gets ``lang="en"``. (Entries' Chinese titles are marked by
    :func:`mark_chinese`.)"""

    def caption(match: re.Match) -> str:
        chinese = bool(CJK.search(match.group(2)))
        if chinese and lang == "en":
            return f'{match.group(1)} lang="{HTML_LANG["zh"]}">{match.group(2)}<'
        if not chinese and lang != "en":
            return f'{match.group(1)} lang="en">{match.group(2)}<'
        return match.group(0)

    html_text = CAPTION.sub(caption, html_text)
    if lang != "en":
        html_text = ENTRY.sub(
            lambda m: (
                m.group(0) if CJK.search(m.group(2)) else f'{m.group(1)} lang="en">{m.group(2)}</a>'
            ),
            html_text,
        )
    return html_text


CAPTION = re.compile(r'(<span class="caption-text")>([^<]*)<')
ENTRY = re.compile(r'(<a class="reference internal[^"]*" href="[^"]*")>(.*?)</a>', re.S)


def on_page_context_late(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """After the themes' handlers: the sidebar's languages marked (:func:`mark_navigation`),
    and on a Chinese page the previous / next links to English pages marked English."""
    lang = page_language(pagename)
    generate = context.get("generate_toctree_html")
    if generate is not None:
        from markupsafe import Markup

        def marked(*args, **kwargs):
            return Markup(mark_navigation(str(generate(*args, **kwargs)), lang))

        context["generate_toctree_html"] = marked
    if lang != "en":
        for key in ("prev", "next"):
            link = context.get(key)
            if link and not CJK.search(str(link.get("title", ""))):
                link["title"] = f'<span lang="en">{link["title"]}</span>'


def on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    """Rebuild the glossary page whenever the welcome notebook changed."""
    return ["glossary"] if "notebooks/00_welcome" in added | changed else []


def setup(app: Sphinx) -> dict:
    # the learner edition's repository: None reads pyproject.toml's [tool.course]; a build
    # can set them (``sphinx -D course_repository=...``, site/build.py's ``overrides``). Only
    # the written pages use them ("html"): a change re-reads no notebook.
    app.add_config_value("course_repository", None, "html")
    app.add_config_value("course_branch", None, "html")
    app.add_config_value("course_jupyterhub", None, "html")
    app.add_config_value("course_root", str(Path(__file__).resolve().parents[2]), "env")
    app.connect("config-inited", on_config_inited)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read_early, priority=400)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("doctree-read", on_doctree_read)
    app.connect("doctree-read", on_titles_collected, priority=900)
    app.connect("autodoc-process-signature", on_autodoc_signature)
    app.connect("html-page-context", on_page_context)
    app.connect("html-page-context", on_page_context_late, priority=800)
    app.connect("env-get-outdated", on_env_get_outdated)
    import course_assets

    app.connect("html-page-context", course_assets.on_page_context, priority=900)
    # after the themes' and MyST-NB's own (pydata-sphinx-theme rewrites pygments.css then)
    app.connect("build-finished", course_assets.on_build_finished, priority=900)
    app.connect("build-finished", on_build_finished, priority=950)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
