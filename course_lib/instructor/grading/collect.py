"""Finding the submissions, and naming them (the name of each one's row of grades.csv and
of its folder submissions/<name>/)."""

from __future__ import annotations

import os
from pathlib import Path

from ...exercises.cli import UsageError


def collect(paths: list[str]) -> list[Path]:
    """The submitted files: each path is a file (any kind: what is not a regular notebook
    gets a zero row with the reason) or a folder, whose *.ipynb entries are taken
    (checkpoints skipped, symbolic links to folders not followed). Nothing is read here."""
    found: list[Path] = []
    for text in paths:
        path = Path(os.path.abspath(text))
        if path.is_dir() and not path.is_symlink():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
                found += [Path(folder) / f for f in sorted(files) if f.endswith(".ipynb")]
        elif os.path.lexists(path):
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {text}")
    if not found:
        raise UsageError(f"no submissions found in {', '.join(paths)} (expected .ipynb files)")
    return list(dict.fromkeys(found))


def names_for(paths: list[Path]) -> dict[Path, str]:
    """A unique, file-system-safe name per submission: its stem, prefixed by as many of
    its folders as it takes to tell apart submissions that share a stem
    (``alice/exercises/04.ipynb`` and ``bob/exercises/04.ipynb`` -> ``alice-exercises-04``)."""
    by_stem: dict[str, list[Path]] = {}
    for p in paths:
        by_stem.setdefault(p.stem, []).append(p)
    raw: dict[Path, str] = {}
    for stem, group in by_stem.items():
        depth = 0
        while len(group) > 1 and depth < max(len(p.parent.parts) for p in group):
            depth += 1
            if len({p.parent.parts[-depth:] for p in group}) == len(group):
                break
        for p in group:
            raw[p] = "-".join([*p.parent.parts[len(p.parent.parts) - depth :], stem])
    names: dict[Path, str] = {}
    used: set[str] = set()
    for p in paths:
        # letters, digits and -_. only, never first a character a spreadsheet reads as a formula
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in raw[p])
        name = name.lstrip("._-") or "x"
        base, k = name, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        names[p] = name
    return names
