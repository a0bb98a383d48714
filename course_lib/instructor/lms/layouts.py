"""The LMS's bulk downloads, recognised from a submission's own path (the folder named on
the command line down to the file), and the assignment's notebook chosen among a
learner's files.

A recognised file carries a :class:`Claim`: the id the LMS put in its path. The roster
matches it by that id only (:mod:`..roster`), never by the name beside it, so that two
learners with the same name cannot be swapped.

- **Canvas** (Submissions > Download Submissions; ``lib/content_zipper.rb`` in
  instructure/canvas-lms): one flat folder of
  ``lastfirst[_late]_<user id>_<attachment id>_<file's name>``, where ``lastfirst`` is
  the sortable name without anything but letters (of any script), digits and ``_``, in
  lower case; under anonymous grading ``[late_]anon_<anonymous id>_...`` instead. A file
  submitted again under the same name gets ``-1``, ``-2``... before ``.ipynb``.
- **Moodle** (View all submissions > Download submissions; ``mod/assign/locallib.php``,
  ``download_submissions``): a folder ``<Full name>_<participant id>_assignsubmission_file``
  (older versions end it with ``_``) per learner, or, without "download in folders", flat
  files ``<Full name>_<participant id>_assignsubmission_file_<file's name>``. Blind marking
  writes ``Participant`` for the name. The participant id is the number of the grading
  worksheet's ``Participant 123456``.
- **nbgrader**: ``submitted/<student id>/<assignment>/<notebook>.ipynb``.
- **JupyterHub homes**: a first-level folder named ``jupyter-<login>`` (The Littlest
  JupyterHub), ``claim-<login>`` (Zero to JupyterHub's volumes), a roster's login, or one
  that holds an ``exercises/`` folder (the learner edition pulled into a home).

A learner's files (those of one claim) may be many: a home holds the whole learner edition.
Only the assignment's notebook is graded (:func:`choose`); the others are listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

CANVAS, MOODLE, NBGRADER, HOME = "Canvas", "Moodle", "nbgrader", "home"

_CANVAS = re.compile(
    r"^(?:(?P<name>\w+?)_)??(?:(?P<late>late)_)?(?:anon_(?P<anon>[^\W_]+)|(?P<user>\d+))"
    r"_(?P<attachment>\d+)_(?P<original>.+)$",
    re.IGNORECASE,
)
_MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_file(?:_(?P<original>.*))?$"
)
_ATTEMPT = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)$")  # Canvas's "-1" of a file sent again


@dataclass(frozen=True)
class Claim:
    """Whose a file is, as its LMS's layout says: the layout and the id it gives."""

    layout: str  # CANVAS, MOODLE, NBGRADER or HOME
    key: str  # Canvas's user id (or "anon_<id>"), Moodle's participant id, a student id, a login
    original: str  # the file's own name, as the learner uploaded it
    late: bool = False  # Canvas: submitted after the due date
    attempt: int = 0  # Canvas: the N of a file sent again under the same name ("-N")

    @property
    def anonymous(self) -> bool:
        return self.key.startswith("anon_")

    def describe(self) -> str:
        """Who the layout says it is, for the reports."""
        if self.layout == CANVAS:
            return (
                f"Canvas's anonymous id {self.key[5:]}"
                if self.anonymous
                else f"Canvas's user {self.key}"
            )
        if self.layout == MOODLE:
            return f"Moodle's participant {self.key}"
        if self.layout == NBGRADER:
            return f"nbgrader's student {self.key}"
        return f"the home of {self.key}"


def claim(own: str, logins: Iterable[str] = ()) -> Claim | None:
    """The claim a submission's own path makes, if its layout is one of the LMS's."""
    parts = PurePosixPath(own).parts
    name = parts[-1]
    folders = parts[:-1]
    if "submitted" in folders:
        i = len(folders) - 1 - folders[::-1].index("submitted")
        if len(folders) >= i + 3:  # submitted/<student>/<assignment>/...
            return Claim(NBGRADER, folders[i + 1], name)
    for folder in reversed(folders):
        m = _MOODLE.match(folder)
        if m and not m["original"]:
            return Claim(MOODLE, m["participant"], name)
    m = _MOODLE.match(name)
    if m and m["original"]:
        return Claim(MOODLE, m["participant"], m["original"])
    m = _CANVAS.match(name)
    if m:
        stem, attempt = m["original"].removesuffix(".ipynb"), 0
        again = _ATTEMPT.match(stem)
        if again:
            attempt = int(again["n"])
        key = f"anon_{m['anon']}" if m["anon"] else m["user"]
        return Claim(CANVAS, key, m["original"], bool(m["late"]), attempt)
    home = _home(folders, {login.lower() for login in logins})
    return Claim(HOME, home, name) if home else None


def _home(folders: Sequence[str], logins: set[str]) -> str | None:
    """The login of the home a file is in: the folder named on the command line when it
    is a home, else its first folder below."""
    for i, folder in enumerate(folders[:2]):
        low = folder.lower()
        for prefix in ("jupyter-", "claim-"):
            if low.startswith(prefix) and len(low) > len(prefix):
                return folder[len(prefix) :]
        if i == 1 and (low in logins or "exercises" in folders[2:3]):
            return folder
    return None


# ----- the assignment's notebook among a learner's files -----


def _rank(original: str, folders: Sequence[str], stem: str) -> int:
    """How surely a file is the assignment's notebook: 3 named ``<stem>.ipynb`` in an
    ``exercises`` folder, 2 named so elsewhere, 1 a name that starts with the stem (a copy:
    ``04_backward_pass-Copy1.ipynb``, Canvas's ``-1``), 0 another notebook."""
    name = original.lower()
    exact = name == f"{stem.lower()}.ipynb"
    if exact:
        return 3 if "exercises" in (f.lower() for f in folders) else 2
    return 1 if name.startswith(stem.lower()) else 0


def choose(owns: Sequence[tuple[str, Claim | None]], stem: str) -> tuple[list[int], dict[int, str]]:
    """Which files to grade: of each claim's files (a home, a nbgrader folder, a Moodle
    folder, a Canvas user's files), those most surely the assignment's notebook (by
    :func:`_rank`). A learner's only upload (Canvas, Moodle) or nbgrader file is graded
    whatever its name, and so are all of them when none is named after the assignment (the
    best-scoring one counts); in a home only a notebook named after the assignment is.
    ``owns``: (own path, claim) per file. Returns the indices to grade, and for the others
    why not."""
    groups: dict[tuple[str, str], list[int]] = {}
    chosen, skipped = [], {}
    for i, (_, c) in enumerate(owns):
        if c is None:
            chosen.append(i)
        else:
            groups.setdefault((c.layout, c.key), []).append(i)
    for (layout, _), indices in groups.items():
        rank = {}
        for i in indices:
            own, c = owns[i]
            rank[i] = _rank(c.original, PurePosixPath(own).parts[:-1], stem)
        best = max(rank.values())
        if layout != HOME and (len(indices) == 1 or best == 0):
            chosen += indices
            continue
        for i in indices:
            if rank[i] == best and best > 0:
                chosen.append(i)
            elif best > 0:
                skipped[i] = f"not graded: another of this learner's files is {stem}.ipynb"
            else:
                skipped[i] = f"not graded: this home has no {stem}.ipynb"
    return sorted(chosen), skipped
