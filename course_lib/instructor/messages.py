"""The catalogs of the course's messages: extracted from the code and the exercises' data,
merged with their translations, checked and compiled (``course-lib build``).

Two domains, so that nothing a learner installs holds the answer key's words:

- ``course_lib``, in ``course_lib/locale/<lang>/LC_MESSAGES/``: every message of the
  learner's edition (the check, ``course-lib check``, ``doctor``, ``lab``, ``train``), the
  exercises' hints and remarks, the notebooks' titles, and the public cases' labels and
  known mistakes' messages (public.json already gives them to every learner);
- ``course_lib_instructor``, in ``course_lib/instructor/locale/<lang>/LC_MESSAGES/``: the
  rest of what a learner may read in the grader's feedback: the hidden cases' labels, the
  known mistakes' messages no public case shows, feedback.md's sentences. It lives in this
  package, which the learner edition leaves out.

Messages in code are extracted by Babel from ``_()``, ``N_()`` and ``ngettext()`` calls
(with the ``# TRANSLATORS:`` comment above them); data (hints, labels...) is read from the
loaded exercises and answer key. Each ``<domain>.po`` is merged as msgmerge does (a changed
message keeps its old translation, fuzzy, with the English it translated) and compiled to
``<domain>.mo`` without its fuzzy entries, so a stale translation is said in English until
a translator updates it; :func:`problems` names every message untranslated, stale, or whose
translation lost a placeholder, a number or a name.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from . import translate
from .translate import TRANSLATED, new_catalog, updated, write_catalog

PACKAGE = Path(__file__).resolve().parents[1]  # course_lib/
LEARNER, INSTRUCTOR = "course_lib", "course_lib_instructor"
FOLDERS = {LEARNER: PACKAGE / "locale", INSTRUCTOR: PACKAGE / "instructor" / "locale"}
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
COMMENT_TAG = "TRANSLATORS:"

# what a translation must keep as it is: placeholders ({n}, {rate:.1%}), code
# (`raise NotImplementedError()`), formulas (σ′(z), ∂C/∂z), names with an underscore or a
# digit (dC_db, course_lib.nn, W1), numbers, and the marks a verdict starts with
_FORMULA_CHARS = r"A-Za-z0-9_∂σ⊙′ᵀ·()\[\]/+\-−*^|"
_KEPT = (
    ("placeholder", re.compile(r"\{[^{}]*\}")),
    ("code", re.compile(r"`[^`]*`")),
    ("formula", re.compile(rf"[{_FORMULA_CHARS}]*[∂σ⊙′ᵀ][{_FORMULA_CHARS}]*")),
    ("name", re.compile(r"(?<![\w.])(?:[A-Za-z]\w*_[\w.\[\]]*\w|[A-Za-z]+\d\w*)")),
    ("number", re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")),
    ("mark", re.compile(r"[✓✗✅❌⏳⚠]")),
)


@dataclass(frozen=True)
class Problem:
    """A message whose translation is missing, stale, or has lost something it must keep."""

    domain: str
    english: str
    what: str  # "not translated", "stale (the English changed)", "placeholder {n} lost"...

    def __str__(self) -> str:
        first = " ".join(self.english.split())[:70]
        return f"{self.domain}.po: {self.what}: {first!r}"


def kept_tokens(text: str) -> dict[str, list[str]]:
    """What of ``text`` a translation must keep, by kind (sorted lists: order may change)."""
    found = {}
    rest = text
    for kind, pattern in _KEPT:
        found[kind] = sorted(pattern.findall(rest))
        rest = pattern.sub(" ", rest)  # a placeholder's digits are not a number too
    return found


def lost_in_translation(english: str, translation: str) -> list[str]:
    """What ``translation`` changed of what it must keep (see _KEPT), in words."""
    lost = []
    before, after = kept_tokens(english), kept_tokens(translation)
    for kind, _pattern in _KEPT:
        if before[kind] != after[kind]:
            missing = sorted(set(before[kind]) - set(after[kind]))
            extra = sorted(set(after[kind]) - set(before[kind]))
            said = f"{kind} {missing[:3]} lost" if missing else f"{kind} count differs"
            lost.append(said + (f", {extra[:3]} added" if extra else ""))
    return lost


# ----- what there is to translate -----


def _add(found: dict, message, where: str, comments: tuple[str, ...] = ()) -> None:
    """Record ``message`` (a string, or a (singular, plural) pair) seen at ``where``."""
    if not message or (isinstance(message, str) and not message.strip()):
        return
    entry = found.setdefault(message, ([], []))
    if where not in entry[0]:
        entry[0].append(where)
    entry[1].extend(c for c in comments if c not in entry[1])


def from_code(folder: Path, skip: tuple[str, ...] = ()) -> dict:
    """Messages of ``_()``, ``N_()`` and ``ngettext()`` calls in the .py files under
    ``folder`` (not those under the subfolders ``skip``), with their locations."""
    from babel.messages.extract import extract_from_dir

    method_map = [(f"{name}/**.py", "ignore") for name in skip] + [("**.py", "python")]
    found: dict = {}
    for filename, lineno, message, comments, _context in extract_from_dir(
        folder, method_map, keywords=KEYWORDS, comment_tags=(COMMENT_TAG,), strip_comment_tags=True
    ):
        if isinstance(message, tuple):
            message = tuple(m for m in message if m is not None)
            message = message[0] if len(message) == 1 else message
        where = f"{folder.relative_to(PACKAGE.parent).as_posix()}/{filename}:{lineno}"
        _add(found, message, where, tuple(comments))
    return found


def from_exercises() -> dict:
    """The exercises' data a learner reads: hints, reasons, remarks, titles, and the public
    cases' labels and known mistakes' messages (public.json)."""
    from ..exercises.assignments import ASSIGNMENTS, SPECS

    found: dict = {}
    for gid, ex in SPECS.items():
        where = f"exercise {gid}"
        for i, hint in enumerate(ex.hints):
            _add(found, hint, where, (f"hint {i + 1} of {len(ex.hints)}",))
        _add(found, ex.forbidden_reason, where, ("why a call is off limits",))
        _add(found, ex.requires_remark, where)
        for remark in ex.errors:
            _add(found, remark.message, where, ("a known mistake, recognised by its error",))
    for stem, assignment in ASSIGNMENTS.items():
        _add(found, assignment.title, f"notebook {stem}", ("an exercise notebook's title",))
        for ex in assignment.exercises:
            for case in ex.public:
                _add(found, case.label, f"exercise {ex.grade_id}", ("a public case",))
                for known in case.known:
                    _add(found, known.message, f"exercise {ex.grade_id}", ("a known mistake",))
    return found


def from_key() -> dict:
    """What the answer key adds to what a learner may read: the hidden cases' labels and
    every known mistake's message."""
    from .key import ANSWERS
    from .key.hidden import HIDDEN

    found: dict = {}
    for gid, cases in HIDDEN.items():
        for case in cases:
            _add(found, case.label, f"exercise {gid}", ("a hidden case",))
    for gid, answer in ANSWERS.items():
        for mistake in answer.mistakes:
            _add(found, mistake.message, f"exercise {gid}", ("a known mistake",))
    return found


def templates() -> dict[str, dict]:
    """Each domain's messages: the learner's, and the instructor's less the learner's."""
    learner = from_code(PACKAGE, skip=("instructor",))
    for message, (where, comments) in from_exercises().items():
        for w in where:
            _add(learner, message, w, tuple(comments))
    instructor: dict = {}
    for source in (from_code(PACKAGE / "instructor"), from_key()):
        for message, (where, comments) in source.items():
            if message not in learner:
                for w in where:
                    _add(instructor, message, w, tuple(comments))
    return {LEARNER: learner, INSTRUCTOR: instructor}


# ----- catalogs -----


def _header(domain: str, lang: str) -> str:
    whose = "the learner's edition" if domain == LEARNER else "the instructor's package only"
    return (
        f"# The course's messages ({whose}), in {lang}.\n"
        "# Written by `course-lib build`; see course_lib/instructor/messages.py."
    )


def template_catalog(messages: dict, lang: str, domain: str):
    """A catalog of ``messages`` with empty translations (a POT)."""
    catalog = new_catalog(lang, _header(domain, lang), domain)
    for message, (where, comments) in messages.items():
        flags = ["python-brace-format"] if any("{" in m for m in _forms(message)) else []
        catalog.add(
            message,
            "" if isinstance(message, str) else ("", ""),
            locations=[_location(w) for w in where],
            auto_comments=comments,
            flags=flags,
        )
    return catalog


def _forms(message) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else tuple(message)


def _location(where: str) -> tuple[str, int | None]:
    path, _, line = where.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (where, None)


def read_catalog(path: Path, lang: str, domain: str):
    return translate.read_catalog(path, lang, _header(domain, lang), domain)


def mo_bytes(catalog) -> bytes:
    """The compiled catalog, without its fuzzy (stale) entries."""
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def problems(catalog, domain: str) -> list[Problem]:
    """Every message of ``catalog`` untranslated, stale, or whose translation lost a
    placeholder, a number, a name, code or a mark."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        english = _forms(message.id)
        strings = [s for s in _forms(message.string) if s] if message.string else []
        if message.fuzzy and strings:
            found.append(Problem(domain, english[0], "stale (the English changed)"))
        elif not strings:
            found.append(Problem(domain, english[0], "not translated"))
        else:
            for string in strings:  # Chinese has one plural form: it keeps the plural's
                for lost in lost_in_translation(english[-1], string):
                    found.append(Problem(domain, english[0], lost))
    return found


@dataclass
class Built:
    files: dict[Path, bytes]  # <domain>.po and <domain>.mo of each language
    problems: list[Problem]


def build_messages(langs: tuple[str, ...] = TRANSLATED) -> Built:
    """Every message catalog, merged with the messages of the code and the data, and
    compiled."""
    files: dict[Path, bytes] = {}
    found: list[Problem] = []
    for domain, messages in templates().items():
        for lang in langs:
            folder = FOLDERS[domain] / lang / "LC_MESSAGES"
            po = folder / f"{domain}.po"
            catalog = updated(
                read_catalog(po, lang, domain), template_catalog(messages, lang, domain)
            )
            files[po] = write_catalog(catalog, sort=True)
            files[folder / f"{domain}.mo"] = mo_bytes(catalog)
            found += problems(catalog, domain)
    return Built(files, found)
