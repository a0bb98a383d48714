"""The learner's language, and the course's messages in it (GNU gettext).

Every message a learner reads (the check cell's verdicts and hints, ``course-lib check``,
``doctor`` and ``lab``, the grader's feedback.md) is written in English in the code, inside
``_()``, and looked up at the moment it is said in the catalog of the current language:

    _("hint {rung} of {count}: {hint}").format(rung=2, count=3, hint=...)

The template is translated, then filled: placeholders are named, so a translation may put
them in another order. Text that is data (an exercise's hints, a case's label, a known
mistake's message) is stored in English and translated where it is shown, ``_(ex.hints[0])``;
``N_()`` marks such English where it is written, for ``course-lib build`` to extract.

Catalogs are standard gettext files, ``<domain>.po`` (what translators edit) compiled to
``<domain>.mo`` (what this module reads, with Python's own :mod:`gettext`) by ``course-lib
build``: ``course_lib/locale/zh/LC_MESSAGES/course_lib.{po,mo}`` for what every learner's
edition says, and the instructor's own catalog (hidden cases' labels, feedback.md's
sentences) in ``course_lib/instructor/locale``, which only the instructor's package has and
adds with :func:`add_catalog`. A message with no translation is said in English.

The language (:func:`language`) is, in this order: the one :func:`speaking` sets for a block
(the grader: the language of the notebook it grades, or its ``--lang``); the notebook's, where
it has one (a notebook of a ``zh`` folder: the kernel runs in the notebook's folder, and
JupyterLab names the notebook in ``JPY_SESSION_NAME``); ``COURSE_LIB_LANG``; the locale
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in gettext's order).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

ENGLISH = "en"
LANGUAGES = ("en", "zh")  # the source, then each translation (instructor.translate builds them)
DOMAIN = "course_lib"
LOCALE = Path(__file__).with_name("locale")  # <lang>/LC_MESSAGES/course_lib.{po,mo}
ENV = "COURSE_LIB_LANG"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")  # gettext's order

_spoken: ContextVar[str | None] = ContextVar("course_lib_language", default=None)
_catalogs: list[tuple[str, Path]] = [(DOMAIN, LOCALE)]  # (domain, locale folder), in order


def language_of(text: str) -> str | None:
    """The course's language that a language tag names ("zh", "zh_CN.UTF-8", "zh-Hans",
    "en_GB", "C.UTF-8": English), or None for an empty tag. A list such as gettext's
    LANGUAGE, "zh_CN:en", counts by its first entry."""
    tag = text.split(":")[0].strip().lower()
    if not tag:
        return None
    return "zh" if tag.startswith("zh") else ENGLISH


def notebook_language(path: str | os.PathLike | None) -> str | None:
    """The language of the notebook at ``path`` by where it lies: "zh" in a ``zh`` folder
    (``notebooks/zh``, ``exercises/zh``), else None (an English notebook has no language
    of its own: the learner's choice decides)."""
    if not path:
        return None
    return "zh" if Path(path).parent.name == "zh" else None


def metadata_language(metadata: object) -> str | None:
    """The language a notebook's metadata gives: ``course_lib.lang``, which ``course-lib
    build`` sets in every Chinese notebook; None where it gives none (or not one of ours)."""
    meta = metadata.get("course_lib") if isinstance(metadata, Mapping) else None
    lang = meta.get("lang") if isinstance(meta, Mapping) else None
    return lang if lang in LANGUAGES else None


def kernel_notebook_language(environ: Mapping[str, str], cwd: Path | None = None) -> str | None:
    """The language of the notebook a kernel runs for: JupyterLab's ``JPY_SESSION_NAME``
    names the notebook; without it (nbval, nbclient), the kernel's working folder is the
    notebook's."""
    session = environ.get("JPY_SESSION_NAME", "")
    if session:
        return notebook_language(session)
    try:
        folder = cwd if cwd is not None else Path.cwd()
    except OSError:  # the working folder was deleted
        return None
    return notebook_language(folder / "notebook.ipynb")


def course_language(environ: Mapping[str, str] | None = None) -> str:
    """The learner's own choice, "en" or "zh": COURSE_LIB_LANG if set, else the locale's
    (zh_CN.UTF-8 is Chinese; C, POSIX and the rest English)."""
    environ = os.environ if environ is None else environ
    for name in (ENV, *LOCALE_VARIABLES):
        found = language_of(environ.get(name, ""))
        if found:
            return found
    return ENGLISH


def language() -> str:
    """The language messages are said in now (see the module docstring for the order)."""
    spoken = _spoken.get()
    if spoken:
        return spoken
    return kernel_notebook_language(os.environ) or course_language()


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Messages inside the block in ``lang`` ("en", "zh"); None: as :func:`language` finds.
    Per thread (a context variable): the grader's threads each grade in their own."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"expected a language among {', '.join(LANGUAGES)}, got {lang!r}")
    token = _spoken.set(lang)
    try:
        yield
    finally:
        _spoken.reset(token)


def add_catalog(domain: str, folder: Path) -> None:
    """Look messages up in ``domain``'s catalogs under ``folder`` too, after the learner's
    (the instructor's package adds its own this way)."""
    if (domain, folder) not in _catalogs:
        _catalogs.append((domain, folder))
        _translations.cache_clear()


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    """Every catalog of ``lang``, the first added first; English: the messages as written."""
    found = gettext.NullTranslations()
    if lang == ENGLISH:
        return found
    for domain, folder in reversed(_catalogs):  # each one added becomes the fallback
        try:
            catalog = gettext.translation(domain, folder, languages=[lang])
        except OSError:  # no such catalog (the learner's edition has no instructor's)
            continue
        catalog.add_fallback(found)
        found = catalog
    return found


def _(message: str) -> str:
    """``message`` in the current language (itself where no translation is known)."""
    if not message:
        return message
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` of a message with singular and plural, in the current language."""
    return _translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark English that is translated where it is shown (data: a hint, a label), for
    extraction; returns it unchanged."""
    return message
