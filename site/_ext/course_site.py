"""The course website's own Sphinx extension.

- ``copy_sources``: copies notebooks/, exercises/, docs/ and the data's USPS.md into the
  site's source folder at build time (the originals are only read).
- Notebook pages: a "Run this notebook" note (JupyterLab and Binder) after the first cell,
  and each ipywidget replaced by its stored state (controls, stored plots) with a note that
  it is live in JupyterLab. The notebook files are never changed: only the text Sphinx reads.
- The glossary page is made from the glossary table of notebooks/00_welcome.ipynb, and the
  first use of each glossary term on a notebook page links to its entry.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

LINKED = ("notebooks", "exercises", "docs", "course_lib/data")  # course_lib/data: USPS.md
SOURCE_SUFFIXES = {".ipynb", ".md"}
NOTEBOOK_FOLDERS = ("notebooks", "exercises")
GLOSSARY_NOTEBOOK = Path("notebooks") / "00_welcome.ipynb"
GLOSSARY_HEADING = "## Glossary"
GLOSSARY_MARKER = "<!-- the glossary, from notebooks/00_welcome.ipynb -->"
BINDER = "https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{path}"
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


# ----- notebook pages -----


def run_note(path: str, config: Any) -> dict:
    """The markdown cell that tells how to run the notebook at ``path``."""
    binder = BINDER.format(
        repo=config.course_binder_repo, branch=config.course_binder_branch, path=path
    )
    check = ""
    if path.startswith("exercises/"):
        check = (
            f" After each exercise, run its check cell; `course-lib check {path}` checks the"
            " whole notebook from a terminal."
        )
    text = (
        ":::{admonition} Run this notebook\n"
        ":class: tip course-run\n\n"
        "**In JupyterLab**, on your computer: in the course folder run `make lab`, open"
        f" `{path}` in the file browser on the left and run the cells in order"
        f" (Shift+Enter).{check}\n\n"
        f"**On Binder**, with nothing to install (sessions are temporary: download your work):"
        f" [launch {path} on Binder]({binder}).\n\n"
        "This page shows the outputs stored in the notebook; the sliders and buttons of its"
        " widgets are live only when the notebook runs.\n"
        ":::\n"
    )
    return {"cell_type": "markdown", "id": "course-run-note", "metadata": {}, "source": text}


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


def static_widget_outputs(view: dict, state: dict) -> list[dict]:
    """Outputs that stand for one widget: a note with its controls, then its stored outputs."""
    controls, outputs = [], []
    for kind, part in _widget_parts(view.get("model_id", ""), state):
        (controls if kind == "control" else outputs).append(part)
    described = "; ".join(controls) if controls else "none stored"
    note = (
        '<p class="course-widget-note"><strong>Interactive widget</strong>, live when the'
        " notebook runs in JupyterLab; shown here as stored in the notebook: "
        f"{html.escape(described)}.</p>"
    )
    return [{"output_type": "display_data", "metadata": {}, "data": {"text/html": note}}, *outputs]


def prepare_notebook(text: str, path: str, config: Any) -> str:
    """The notebook as the site shows it: run note added, widgets replaced by stored state."""
    notebook = json.loads(text)
    state = notebook["metadata"].pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in notebook["cells"]:
        outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            outputs.extend(static_widget_outputs(view, state) if view else [output])
        if "outputs" in cell:
            cell["outputs"] = outputs
    at = 1 if notebook["cells"] and notebook["cells"][0]["cell_type"] == "markdown" else 0
    notebook["cells"].insert(at, run_note(path, config))
    return json.dumps(notebook)


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


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname.split("/")[0] in NOTEBOOK_FOLDERS and app.env.doc2path(docname).suffix == ".ipynb":
        source[0] = prepare_notebook(source[0], f"{docname}.ipynb", app.config)
    elif GLOSSARY_MARKER in source[0]:
        source[0] = source[0].replace(GLOSSARY_MARKER, glossary_markdown(app.config.course_root))


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if app.env.docname.split("/")[0] in NOTEBOOK_FOLDERS:
        GlossaryLinker(Path(app.config.course_root)).link(doctree)


def on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    """Rebuild the glossary page whenever the welcome notebook changed."""
    return ["glossary"] if "notebooks/00_welcome" in added | changed else []


def setup(app: Sphinx) -> dict:
    # MathJax on every page: the sidebar shows notebook titles with math on every page
    app.set_html_assets_policy("always")
    app.add_config_value("course_binder_repo", "OWNER/REPO", "html")
    app.add_config_value("course_binder_branch", "main", "html")
    app.add_config_value("course_root", str(Path(__file__).resolve().parents[2]), "env")
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-get-outdated", on_env_get_outdated)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
