"""Near-identical submissions, found by copydetect (winnowing, as MOSS does): every
submission's answer cells, tokenised (a name becomes V, a string S: renaming hides
nothing), cut into k-grams, less those of the starter code (the answer cells as
released, ``exercises/NN_*.ipynb``), and compared two by two.

What comes out is groups of submissions, each linked by pairs found alike: the pairs
that linked it, not every pair within it (a class handing in one answer is one group of
150, found in 149 comparisons, not 11,175). Submissions whose tokenised answers are the
same are compared once, as one.

Two differences from copydetect's defaults, for a report that must be the same every
time: every k-gram is a fingerprint (a window of 1), since the ones a wider window
selects depend on Python's hashes of strings, which change from process to process; and
the comparison runs in memory, on copydetect's :class:`CodeFingerprint` and
:func:`compare_files`.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

try:  # the grader's extra; imported before any learner process starts, like all it needs
    import pygments.lexers.python  # noqa: F401 (the lexer copydetect looks up by name)
    import pygments.lexers.special  # noqa: F401
    from copydetect import CodeFingerprint, compare_files
except ImportError:  # without it, the report says the answers were not compared
    CodeFingerprint = compare_files = None

NOISE = 25  # copydetect's noise threshold: shorter shared runs (of filtered code) are ignored
ALIKE = 0.8  # alike: this share of one submission's code (or more) is in the other's
MIN_SHARED = 100  # and at least this many characters of filtered code are shared


@dataclass(frozen=True)
class Pair:
    """Two submissions (by name) whose answers are near-identical."""

    first: str
    second: str
    similarity: float  # the larger of the shares of each one's code found in the other
    shared: int  # characters of filtered code in common


def available() -> bool:
    """Whether copydetect is installed (the grader's extra, ``pip install copydetect``)."""
    return CodeFingerprint is not None


def _fingerprint(cells: Sequence[str], boilerplate=None):
    code = io.StringIO("\n".join(cells))
    return CodeFingerprint("answers.py", NOISE, 1, boilerplate, True, "python", fp=code)


@functools.lru_cache(maxsize=1)  # the HTML and the Markdown report ask for the same class
def _pairs(
    answers: tuple[tuple[str, tuple[str, ...]], ...], starter: tuple[str, ...]
) -> tuple[Pair, ...]:
    boilerplate = np.array(sorted(_fingerprint(starter).hashes), dtype=np.int64)
    prints: dict[tuple[str, ...], Any] = {}  # by text: each text fingerprinted once
    kinds: dict[str, tuple[Any, list[str]]] = {}  # by tokenised code: a fingerprint, names
    for name, cells in answers:
        if cells not in prints:
            prints[cells] = _fingerprint(cells, boilerplate)
        p = prints[cells]
        if p.token_coverage >= MIN_SHARED:  # less is too little code to call a copy
            kinds.setdefault(p.filtered_code, (p, []))[1].append(name)
    found = []
    for p, names in kinds.values():  # the same tokenised code: alike to the first
        if len(names) > 1:
            shared = int(compare_files(p, p)[0])
            found += [Pair(names[0], other, 1.0, shared) for other in names[1:]]
    group = list(range(len(kinds)))  # each kind's group, by the index of its first kind

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    listed = list(kinds.values())
    for i, (a, these) in enumerate(listed):
        for j in range(i + 1, len(listed)):
            if root(i) == root(j):  # already linked
                continue
            b, those = listed[j]
            shared, shares, _ = compare_files(a, b)
            if shared >= MIN_SHARED and max(shares) >= ALIKE:
                found.append(Pair(these[0], those[0], float(max(shares)), int(shared)))
                group[root(j)] = root(i)
    return tuple(sorted(found, key=lambda p: (-round(p.similarity, 6), p.first, p.second)))


def similar_pairs(answers: Mapping[str, Sequence[str]], starter: Sequence[str]) -> list[Pair]:
    """The pairs that link submissions with near-identical answers into groups, most alike
    first: ``answers`` are each submission's answer cells (by name, in the exercises'
    order), ``starter`` the cells as released."""
    given = tuple(sorted((name, tuple(cells)) for name, cells in answers.items()))
    return list(_pairs(given, tuple(starter)))


def groups(pairs: Sequence[Pair]) -> list[list[str]]:
    """The submissions the pairs link, each group sorted, largest first."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for p in pairs:
        a, b = sorted((root(p.first), root(p.second)))
        parent[b] = a
    found: dict[str, list[str]] = {}
    for name in sorted(parent):
        found.setdefault(root(name), []).append(name)
    return sorted(found.values(), key=lambda g: (-len(g), g[0]))
