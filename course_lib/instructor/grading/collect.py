"""Finding the submissions, reading each one once, and naming them (the name of each
one's row of grades.csv and of its folder submissions/<name>/).

A learner may have a shell on the grading host (a JupyterHub) and change their files
while grading runs. So each submission's bytes are read once, when it is collected, into
a private folder of the grader (:func:`collect`), and what is graded, hashed and compared
by ``--resume`` is that copy, never the path again. The way down to each file is opened
one folder at a time, each relative to the one above it (``dir_fd``) and with
``O_NOFOLLOW``, from the folder the instructor named down to the file itself: a symbolic
link anywhere below that folder is never followed (a link in place of a notebook gets a
zero row saying so; a link to a folder holds no submission the grader could name, and is
listed on stderr). A link named on the command line itself is the instructor's choice,
and is followed when it leads to a folder.

Names (:func:`names_for`) never depend on the order of the files, and a name is never
taken by a file whose own name only *cleans* to it (``-bob.ipynb`` next to ``bob.ipynb``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...exercises.cli import UsageError
from ...exercises.process.notebook import NotebookError, _check_kind, _too_large
from ...exercises.process.session import private_folder

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | _CLOEXEC
_FILE = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
MAX_DEPTH = 64  # folders below the one named: deeper ones are not searched (and said so)
LINK = "it is a symbolic link, not a file: submit the notebook itself"


@dataclass(frozen=True)
class Submission:
    """A submitted file as it was collected: where it was found and the bytes read then
    (a private copy of them), or why they could not be read."""

    path: Path  # where it was found: grading.json's "source"; its name's folders
    own: str  # its own part of that path (a roster matches only this): from the folder
    # named on the command line down, or the whole path of a file named there
    copy: Path | None = None  # the bytes read at collection, in the grader's private folder
    sha256: str | None = None  # of those bytes
    problem: str | None = None  # why they could not be read: the submission's zero row says it

    def read(self) -> bytes:
        """The bytes read at collection; NotebookError saying why there are none."""
        if self.copy is None:
            raise NotebookError(self.problem or "the file cannot be read")
        data = self.copy.read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:  # only the grader can write there
            raise NotebookError("the grader's copy of the file changed after it was collected")
        return data


@contextlib.contextmanager
def collect(paths: Sequence[str], max_bytes: int) -> Iterator[list[Submission]]:
    """The submitted files, each read once, now: each path is a file (any kind: what is
    not a regular file of at most ``max_bytes`` gets a zero row with the reason) or a
    folder, whose *.ipynb entries are taken (checkpoints skipped, no symbolic link below it
    followed). Their bytes are copied into a private temporary folder, removed when the
    ``with`` block ends, however it ends (Ctrl-C included); a run killed outright leaves it
    private, and the next run removes it (:func:`...exercises.process.session.private_folder`).
    UsageError when a path does not exist or nothing is found."""
    with private_folder("collected") as folder:  # 0700: the grader's
        collector = _Collector(folder, max_bytes)
        for text in paths:
            collector.named(text)
        if not collector.found:
            raise UsageError(f"no submissions found in {', '.join(paths)} (expected .ipynb files)")
        collector.report()
        yield list(collector.found.values())


class _Collector:
    """One collection: the submissions found so far, and what was not searched."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder, self.max_bytes = folder, max_bytes
        self.found: dict[Path, Submission] = {}
        self.not_followed: list[Path] = []  # links to folders, below a folder named
        self.not_searched: list[str] = []  # folders that could not be opened, or too deep

    def named(self, text: str) -> None:
        """A path given on the command line: a folder (followed if it is a link: the
        instructor named it) is searched; anything else is one submission."""
        path = Path(os.path.abspath(text))
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise UsageError(f"no such file or folder: {text}") from None
        except OSError as err:
            raise UsageError(f"cannot read {text}: {err.strerror}") from None
        folder = stat.S_ISDIR(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            with contextlib.suppress(OSError):
                folder = stat.S_ISDIR(os.stat(path).st_mode)
        if not folder:  # its folders are the instructor's: all of them are its own
            self.read(None, str(path), path, path.as_posix())
            return
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
        except OSError as err:
            raise UsageError(f"cannot read the folder {text}: {err.strerror}") from None
        try:
            self.walk(fd, path, path.name, 0)
        finally:
            os.close(fd)

    def walk(self, fd: int, path: Path, own: str, depth: int) -> None:
        """Search the folder open as ``fd`` (found at ``path``), its entries in name order."""
        with os.scandir(fd) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            where, mine = path / entry.name, f"{own}/{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != ".ipynb_checkpoints":
                        self.subfolder(fd, entry.name, where, mine, depth + 1)
                elif entry.name.endswith(".ipynb"):  # a link among them: a zero row
                    self.read(fd, entry.name, where, mine)
                elif entry.is_symlink() and entry.is_dir():  # (is_dir: a stat, nothing read)
                    self.not_followed.append(where)
            except OSError as err:
                self.not_searched.append(f"{where} ({err.strerror})")

    def subfolder(self, fd: int, name: str, where: Path, own: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.not_searched.append(f"{where} (more than {MAX_DEPTH} folders deep)")
            return
        try:
            sub = os.open(name, _FOLDER, dir_fd=fd)
        except OSError as err:
            if err.errno in (errno.ELOOP, errno.ENOTDIR):  # it became a link since it was listed
                self.not_followed.append(where)
            else:
                self.not_searched.append(f"{where} ({err.strerror})")
            return
        try:
            self.walk(sub, where, own, depth)
        finally:
            os.close(sub)

    def read(self, fd: int | None, name: str, where: Path, own: str) -> None:
        """Collect the file ``name`` of the folder open as ``fd`` (None: ``name`` is a
        whole path): its bytes copied now, if it is a regular file (never a link) no
        larger than the limit; otherwise the reason, for its zero row."""
        if where in self.found:
            return
        copy = self.folder / f"{len(self.found)}.ipynb"
        try:
            digest = self._copy(fd, name, copy)
        except NotebookError as err:
            copy.unlink(missing_ok=True)
            self.found[where] = Submission(where, own, problem=str(err))
        else:
            self.found[where] = Submission(where, own, copy, digest)

    def _copy(self, fd: int | None, name: str, copy: Path) -> str:
        """Copy the file into ``copy``; its sha256, or NotebookError saying why not."""
        try:
            _check_kind(os.stat(name, dir_fd=fd, follow_symlinks=False), self.max_bytes)
            opened = os.open(name, _FILE, dir_fd=fd)
        except OSError as err:
            if err.errno == errno.ELOOP:  # it became a link since it was looked at
                raise NotebookError(LINK) from None
            raise NotebookError(f"the file cannot be read ({err.strerror})") from None
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(opened, "rb") as source, open(copy, "xb") as target:
                info = os.fstat(source.fileno())
                _check_kind(info, self.max_bytes)  # what was opened: a regular file
                while chunk := source.read(1 << 20):
                    size += len(chunk)
                    if size > self.max_bytes:  # it grew since
                        raise NotebookError(_too_large(max(size, info.st_size), self.max_bytes))
                    digest.update(chunk)
                    target.write(chunk)
        except OSError as err:
            raise NotebookError(f"the file cannot be read ({err.strerror})") from None
        return digest.hexdigest()

    def report(self) -> None:
        """Say on stderr what was not searched (nothing there is graded)."""
        lines = [f"{p} (a symbolic link: not followed)" for p in self.not_followed]
        lines += self.not_searched
        if lines:
            shown = lines[:20] + ([f"and {len(lines) - 20} more"] if len(lines) > 20 else [])
            print(
                "course-lib grade: not searched for submissions:\n  " + "\n  ".join(shown),
                file=sys.stderr,
            )


# ----- names -----

NAME_BYTES = 120  # a longer name (in UTF-8) is shortened and told apart by a hash


def _clean(label: str) -> str:
    """Letters, digits and -_. only, never first a character a spreadsheet reads as a
    formula (nor a dot or a dash)."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)
    return name.lstrip("._-") or "x"


def _key(name: str) -> str:
    """What is left of a name on a file system that ignores letter case and Unicode forms
    (two names with the same key would share a folder there)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _exact(label: str) -> bool:
    """A label that is a name as it is: nothing cleaned away, in lower case, not too long."""
    return _clean(label) == label and _key(label) == label and len(label.encode()) <= NAME_BYTES


def _folders(path: Path) -> tuple[str, ...]:
    parts = path.parent.parts
    return parts[1:] if path.anchor else parts


def names_for(paths: Sequence[Path]) -> dict[Path, str]:
    """A unique, file-system-safe name per submission, which never starts with a character
    a spreadsheet reads as a formula: its stem, prefixed by as many of its folders as it
    takes to tell it apart from the others (``alice/exercises/04.ipynb`` and
    ``bob/exercises/04.ipynb`` -> ``alice-exercises-04`` and ``bob-exercises-04``).

    Names are unique also where letter case or Unicode forms do not count (``BOB`` and
    ``bob`` would share a folder on such a file system). When several files would get the
    same name, the one whose label is that name exactly (``bob.ipynb`` for ``bob``) keeps
    it, and every other (``-bob.ipynb``, ``BOB.ipynb``) takes one more of its folders; when
    none or several are exact (``alice/bob-04.ipynb`` against ``bob/04.ipynb``, both
    ``bob-04``), all of them do. A file out of folders gets its cleaned stem and a short
    hash of its path. So a name depends on the set of files only, never on their order,
    and no file takes a name by cleaning alone."""
    paths = list(dict.fromkeys(paths))
    folders = {p: _folders(p) for p in paths}
    level = dict.fromkeys(paths, 0)

    def label(p: Path) -> str:
        return "-".join([*folders[p][len(folders[p]) - level[p] :], p.stem])

    hashed: set[Path] = set()
    moved = True
    while moved:
        moved = False
        groups: dict[str, list[Path]] = {}
        for p in paths:
            if p not in hashed and len(_clean(label(p)).encode()) > NAME_BYTES:
                hashed.add(p)
            if p not in hashed:
                groups.setdefault(_key(_clean(label(p))), []).append(p)
        for group in groups.values():
            if len(group) == 1:
                continue
            exact = [p for p in group if _exact(label(p))]
            for p in group:
                if exact == [p]:
                    continue  # the one file named so keeps the name
                if level[p] < len(folders[p]):
                    level[p] += 1
                else:
                    hashed.add(p)
                moved = True
    names = {p: _clean(label(p)) for p in paths if p not in hashed}
    taken = {_key(name) for name in names.values()}
    for p in sorted(hashed, key=os.fsencode):
        base = _clean(p.stem)
        while len(base.encode()) > NAME_BYTES - 65:
            base = base[:-1]
        digest = hashlib.sha256(os.fsencode(p)).hexdigest()
        tries = [f"{base}-{digest[:n]}" for n in range(8, 65, 8)]
        tries += [f"{base}-{digest}-{k}" for k in range(2, len(paths) + 3)]
        names[p] = next(name for name in tries if _key(name) not in taken)
        taken.add(_key(names[p]))
    return {p: names[p] for p in paths}
