"""The Chinese notebooks: built from the English ones and gettext PO catalogs.

English is the source. For each notebook of ``notebooks/`` and ``exercises/`` a catalog
``translations/zh/<folder>/<stem>.po`` holds one entry per paragraph of prose: the msgctxt
is the markdown cell's id, the msgid the English paragraph, the msgstr its translation.
``course-lib build`` writes ``<folder>/zh/<stem>.ipynb``: the same notebook, code cells and
outputs untouched, each paragraph replaced by its translation.

A paragraph is a run of lines between blank lines (a fenced code block or a ``$$`` block
counts as one line, whatever it holds). Paragraphs with no words outside math, code and
HTML (a formula on its own) are kept as they are and have no entry.

When the English changes, ``course-lib build`` merges the catalog as gettext's msgmerge
does (Babel's ``Catalog.update``): a new paragraph gets an empty entry, a changed one keeps
its old translation marked fuzzy with the English it translated (``#| msgid``). Until a
translator updates it, the Chinese notebook shows that paragraph in English, and
``course-lib build --check`` fails naming the notebook, the cell and the paragraph.
"""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

TRANSLATED = ("zh",)  # the languages built from the English (release.LANGS: editions)
FOLDERS = ("notebooks", "exercises")

_FENCE = re.compile(r"^\s*(```|~~~)")
_NOT_PROSE = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"(?<!\\)\$.+?(?<!\\)\$", re.S),
    re.compile(r"`[^`]*`"),
    re.compile(r"</?[A-Za-z][^>]*>"),  # HTML tags ("$a < b$" is math, removed above)
    re.compile(r"\]\([^)]*\)"),  # a link's target
]
# a link that leaves the notebooks' folder: one folder deeper in <folder>/zh/
_OUTWARD = re.compile(r"(\]\(|src=\")\.\./")


@dataclass(frozen=True)
class Problem:
    """A paragraph whose translation is missing or stale."""

    notebook: str  # e.g. notebooks/04_backward_pass.ipynb
    cell: int  # the cell's number in the notebook, from 1
    cell_id: str
    english: str
    stale: bool  # True: translated once, and the English has changed since

    def __str__(self) -> str:
        first = " ".join(self.english.split())[:60]
        what = "stale (the English changed)" if self.stale else "not translated"
        return f"{self.notebook}, cell {self.cell} (id {self.cell_id}): {what}: {first!r}"


def split_paragraphs(markdown: str) -> list[tuple[str, str]]:
    """A markdown cell as (paragraph, the blank lines after it) pairs; joined, they give the
    cell back exactly."""
    pieces: list[tuple[str, str]] = []
    text, gap = "", ""
    in_fence = in_math = False
    for line in markdown.splitlines(keepends=True):
        blank = not line.strip()
        if blank and not (in_fence or in_math):
            gap += line
            continue
        if gap and text:
            pieces.append(_ends_apart(text, gap))
            text, gap = "", ""
        text, gap = text + gap + line, ""
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.count("$$") % 2 == 1:
            in_math = not in_math
    if text or gap:
        pieces.append(_ends_apart(text, gap))
    return pieces


def _ends_apart(text: str, gap: str) -> tuple[str, str]:
    """A paragraph's own line ending goes with the gap after it: msgids end with a word."""
    body = text.rstrip("\n")
    return body, text[len(body) :] + gap


def is_prose(paragraph: str) -> bool:
    """Whether a paragraph has words to translate outside math, code, HTML and link targets."""
    for pattern in _NOT_PROSE:
        paragraph = pattern.sub(" ", paragraph)
    return re.search(r"[A-Za-z]{2,}", paragraph) is not None


def paragraphs(nb: dict) -> list[tuple[int, str, str]]:
    """(cell number from 1, cell id, paragraph) for every paragraph of prose of a notebook."""
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for text, _ in split_paragraphs(_source(cell)):
            if is_prose(text):
                found.append((index + 1, cell["id"], text))
    return found


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def template(nb: dict, name: str, lang: str):
    """The catalog of a notebook's prose, with empty translations (a POT, in gettext's terms)."""

    catalog = new_catalog(lang)
    for index, cell_id, text in paragraphs(nb):
        if catalog.get(text, context=cell_id) is not None:  # the same paragraph twice in a cell
            continue
        catalog.add(text, "", locations=[(name, index)], context=cell_id)
    return catalog


# fixed dates: a catalog's header must not change each time the build writes it
_DATE = datetime(2026, 12, 7, tzinfo=timezone.utc)
HEADER = (
    "# The course's notebooks in Chinese: one entry per paragraph of prose.\n"
    "# msgctxt is the markdown cell's id. See course_lib/instructor/translate.py."
)


def read_catalog(path: Path, lang: str, header: str = HEADER, domain: str | None = None):
    """The PO catalog at ``path`` (a new, empty one if there is none)."""
    from babel.messages.pofile import read_po

    if not path.exists():
        return new_catalog(lang, header, domain)
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=domain)


def write_catalog(catalog, sort: bool = False) -> bytes:
    """The catalog as a PO file (``sort``: its entries by message, not by first use)."""
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog, width=0, include_previous=True, ignore_obsolete=True, sort_output=sort)
    # Babel names its own version in the header: left out, so that the same catalog is the
    # same file whichever Babel wrote it (`course-lib build --check` compares bytes)
    return re.sub(rb'"Generated-By: [^"]*"\n', b"", out.getvalue())


def new_catalog(lang: str, header: str = HEADER, domain: str | None = None):
    """An empty catalog of the course in ``lang``, its header fixed (see _DATE)."""
    from babel.messages.catalog import Catalog

    return Catalog(
        locale=lang,
        domain=domain,
        project="Backpropagation, derived and run",
        header_comment=header,
        creation_date=_DATE,
        revision_date=_DATE,
        fuzzy=False,
    )


def updated(catalog, template):
    """``catalog`` brought up to date with ``template`` (as msgmerge): new messages added
    untranslated, changed ones marked fuzzy with their old English kept."""
    fresh = copy.deepcopy(catalog)
    fresh.update(template, update_creation_date=False)
    fresh.fuzzy = False
    return fresh


def merged(catalog, nb: dict, name: str, lang: str):
    """The catalog brought up to date with the English notebook (:func:`updated`)."""
    return updated(catalog, template(nb, name, lang))


def translated(nb: dict, catalog, name: str) -> tuple[dict, list[Problem]]:
    """The notebook with every translated paragraph replaced, and the paragraphs that were not
    (missing, empty or fuzzy: they stay in English)."""
    out = copy.deepcopy(nb)
    problems: list[Problem] = []
    for index, cell in enumerate(out["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        parts = []
        for text, gap in split_paragraphs(_source(cell)):
            if is_prose(text):
                message = catalog.get(text, context=cell["id"])
                if message is None or not message.string or message.fuzzy:
                    stale = message is not None and message.fuzzy and bool(message.string)
                    problems.append(Problem(name, index + 1, cell["id"], text, stale))
                else:
                    text = message.string
            parts.append(text + gap)
        cell["source"] = _OUTWARD.sub(r"\1../../", "".join(parts))
    meta = out["metadata"].setdefault("course_lib", {})
    meta["lang"] = "zh"
    meta["source"] = f"../{Path(name).name}"
    return out, problems


@dataclass
class Built:
    files: dict[Path, bytes]  # what the build writes: catalogs and notebooks
    problems: list[Problem]


def build_translations(root: Path, langs: tuple[str, ...] = TRANSLATED) -> Built:
    """Every catalog, merged with its English notebook, and every translated notebook."""
    import nbformat

    files: dict[Path, bytes] = {}
    problems: list[Problem] = []
    for lang in langs:
        for folder in FOLDERS:
            for path in sorted((root / folder).glob("*.ipynb")):
                name = f"{folder}/{path.name}"
                nb = nbformat.read(path, as_version=4)
                po = root / "translations" / lang / folder / f"{path.stem}.po"
                catalog = merged(read_catalog(po, lang), nb, name, lang)
                files[po] = write_catalog(catalog)
                zh_nb, missing = translated(nb, catalog, name)
                problems += missing
                text = nbformat.writes(nbformat.from_dict(zh_nb)) + "\n"
                files[root / folder / lang / path.name] = text.encode("utf-8")
    return Built(files, problems)


def write_or_check(built: Built, check: bool) -> list[str]:
    """Write the files that changed (or, with ``check``, only name them)."""
    changed = []
    for path, data in built.files.items():
        if path.exists() and path.read_bytes() == data:
            continue
        changed.append(str(path))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return changed


_KEPT = {
    "math": re.compile(r"\$\$.*?\$\$|(?<!\\)\$.+?(?<!\\)\$", re.S),
    "code": re.compile(r"`[^`]*`"),
    "link target": re.compile(r"\]\(([^)]*)\)"),
    "HTML tag": re.compile(r"</?[A-Za-z][^>]*>"),  # looked for with the math taken out
}
_STRUCTURE = {
    "heading": re.compile(r"^#+ ", re.M),
    "list item": re.compile(r"^\s*(?:[-*+]|\d+\.) ", re.M),
    "table row": re.compile(r"^\s*\|", re.M),
}


def markup_differences(english: str, chinese: str) -> list[str]:
    """What a translation changed that it must keep: math, inline code, link targets, HTML
    tags (each the same, in any order), and the count of headings, list items and table rows."""
    found = []
    for what, pattern in _KEPT.items():
        if what == "HTML tag":  # "$0 < \eta$ ... $\eta > 2$" is no tag
            english, chinese = (_KEPT["math"].sub(" ", t) for t in (english, chinese))
        before, after = sorted(pattern.findall(english)), sorted(pattern.findall(chinese))
        if before != after:
            lost = sorted(set(before) - set(after)) or before
            found.append(f"{what} differs: the English has {lost[:3]}")
    for what, pattern in _STRUCTURE.items():
        before, after = len(pattern.findall(english)), len(pattern.findall(chinese))
        if before != after:
            found.append(f"{before} {what}(s) in the English, {after} in the translation")
    return found
