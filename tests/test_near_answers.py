"""No Python file of the learner edition holds a near-answer: code an edit or two away
from an answer of the answer key (the lines between the solution markers of the answer
cells of ``solutions/*.ipynb``).

tests/test_release.py looks for the answer lines verbatim, so a renamed variable or a
changed operator hides a copy. Here both sides are compared as *shapes*: their tokens
(``tokenize``) with every identifier, number and string replaced by one placeholder each,
``=`` and the augmented assignments by one, the comparisons by one, the arithmetic operators
by one; keywords and builtins kept, comments and line ends dropped (:func:`shapes`). A leak
is a run of at least :data:`K` consecutive shapes of an answer that also occurs in a ``.py``
file of the edition, built by :func:`~course_lib.instructor.release.build_release`; the
taught library (:data:`TAUGHT`) is not scanned.
"""

from __future__ import annotations

import ast
import builtins
import functools
import io
import keyword
import re
import textwrap
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import nbformat
import pytest

from course_lib.instructor.release import build_release

ROOT = Path(__file__).resolve().parents[1]
# The shortest run of shapes that counts as a leak. Measured when this test was written, on
# HEAD (where wrong_backward_overwrites, exercise 2.4's answer with += written as =, was in
# course_lib/exercises/assignments.py): that copy shares runs of 35 and 32 shapes with the
# answer; no other pair of an answer and a function outside TAUGHT more than 23 (shared loop
# skeletons, `for ... in zip(..., strict=True):`, `np.zeros_like`...), 7 pairs 20 or more, 36
# pairs 16 or more. 24 is the smallest K without a chance match.
# - Builtins kept as they are: replacing one changes what the code does, not only a name;
#   turned into placeholders, chance matches grow (23 pairs >= 18 become 25), copies do not.
# - Line ends dropped: nearly every shared statement ends with one, so keeping them
#   lengthens chance overlaps as much as copies (longest chance overlap 26, copy 37).
# - INDENT and DEDENT kept: a copy keeps its nesting. Dropping them changes little
#   (chance 22, copy 35), but the run that holds `grads[i] = d * grads[k]` ends in two
#   DEDENTs (32 shapes with them, 29 without).
# - Five answers are shorter than K shapes and cannot be found this way (gradient_descent_step,
#   `return theta - eta * grad`, has 6; sigmoid_backward, momentum_step, TinyMLP.zero_grad,
#   layer_forward): one line each, whose formula the hints state anyway.
K = 24

TAUGHT: tuple[str, ...] = (
    "course_lib/nn.py",
    "course_lib/autodiff.py",
    "course_lib/gradcheck.py",
    "course_lib/optim.py",
    "course_lib/train.py",
)
"""The taught library, left out of the scan.

These modules are the course's reference implementation: the lectures teach them and run
them, and a graded function may not call them (the grader detects such a call, see
``Exercise.forbidden``). Their resemblance to the answers is the point of the course, not a
leak: lecture 01 says that ``course_lib.train.fit`` "does exactly this loop", and ``fit``'s
mini-batch loop shares 41 shapes with the answer to ``train_classifier`` (shuffle, slice,
index), more than the 35 of ``wrong_backward_overwrites``, so no single K could flag the
latter and spare the former. The other four shared at most 21 shapes with an answer
(``optim.Momentum.step``) when this test was written; they are left out on the same
principle, so that the reference code can keep following the lectures. Everything else,
all of ``course_lib/exercises/`` included, is scanned.
"""

# course_lib/exercises/assignments.py at HEAD when this test was written (exercise 2.4's
# answer with += written as =), kept here to check that the detector flags it.
WRONG_BACKWARD_OVERWRITES = '''\
def wrong_backward_overwrites(graph: list, values: list) -> list:
    """backward with '=' instead of '+=': a node used twice keeps only its last contribution."""
    nodes = _build(graph)
    grads = [0.0] * len(graph)
    grads[-1] = 1.0
    for k in range(len(graph) - 1, -1, -1):
        node = graph[k]
        if node[0] == "input":
            continue
        a = values[node[1]]
        b = values[node[2]] if len(node) > 2 else None
        for i, d in zip(node[1:], ref_local_derivatives(node[0], a, b), strict=True):
            grads[i] = d * grads[k]
    del nodes
    return grads
'''

# Idioms that the answers share with ordinary code: none of them is a leak.
HARMLESS = '''\
def mean_rows(weights: list, biases: list) -> list:
    """The mean row of every layer, from the last layer to the first."""
    means = []
    for W, b in zip(weights, biases, strict=True):
        total = np.zeros_like(b)
        total += W.sum(axis=0) / len(W)
        means.append(total)
    for k in reversed(range(len(means))):
        if means[k] is None:
            continue
    return [float(m.mean()) for m in means]
'''

_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_ASSIGNMENTS = frozenset("= += -= *= /= //= %= **= @= &= |= ^= >>= <<=".split())
_COMPARISONS = frozenset("== != < > <= >=".split())
_ARITHMETIC = frozenset("+ - * / // % ** @".split())
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+: f-strings in parts
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING, tokenize.ENDMARKER}
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


class Shape(NamedTuple):
    shape: str
    line: int  # 1-based, in the source that was tokenised


def shapes(source: str) -> list[Shape]:
    """The normalised tokens of Python source (see the module docstring)."""
    found: list[Shape] = []
    fstring_depth = 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        kind, text, line = tok.type, tok.string, tok.start[0]
        if fstring_depth:  # inside an f-string (3.12+): already one "$"
            fstring_depth += (kind == _FSTRING_START) - (kind == _FSTRING_END)
            continue
        if kind in _DROPPED:
            continue
        if kind == _FSTRING_START:
            fstring_depth = 1
            shape = "$"
        elif kind == tokenize.INDENT:
            shape = "<indent>"
        elif kind == tokenize.DEDENT:
            shape = "<dedent>"
        elif kind == tokenize.NAME:
            attribute = bool(found) and found[-1].shape == "."
            keep = keyword.iskeyword(text) or (text in _BUILTINS and not attribute)
            shape = text if keep else "N"
        elif kind == tokenize.NUMBER:
            shape = "#"
        elif kind == tokenize.STRING:
            shape = "$"
        elif text in _ASSIGNMENTS:
            shape = "="
        elif text in _COMPARISONS:
            shape = "<>"
        elif text in _ARITHMETIC:
            shape = "+"
        else:
            shape = text
        found.append(Shape(shape, line))
    return found


@dataclass(frozen=True)
class Answer:
    name: str  # notebook/grade_id, and which solution region when the cell has several
    lines: list[str]  # the region, dedented
    first_line: int  # the region's first line in the cell, 1-based
    shapes: list[Shape]


@functools.cache
def answers() -> tuple[Answer, ...]:
    """Every solution region of every answer cell of solutions/*.ipynb."""
    found: list[Answer] = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("solution"):
                continue
            regions: list[tuple[int, list[str]]] = []  # (first line in the cell, lines)
            inside = False
            for number, line in enumerate(cell.source.split("\n"), start=1):
                marker = _MARKER.match(line)
                if marker:
                    inside = marker.group(1) == "BEGIN"
                    if inside:
                        regions.append((number + 1, []))
                elif inside:
                    regions[-1][1].append(line)
            name = f"{path.stem}/{meta['grade_id']}"
            for index, (first, region) in enumerate(regions, start=1):
                text = textwrap.dedent("\n".join(region)) + "\n"
                label = f"{name} (region {index} of {len(regions)})" if len(regions) > 1 else name
                found.append(Answer(label, text.split("\n"), first, shapes(text)))
    return tuple(found)


@dataclass(frozen=True)
class Leak:
    answer: Answer
    file: str
    function: str  # the enclosing def or class, dotted, or <module>
    lines: tuple[int, int]  # in the file, first and last
    answer_lines: tuple[int, int]  # in the answer region, first and last
    longest: int  # the longest run of shared shapes

    def describe(self, source: str) -> str:
        text, (first, last) = source.split("\n"), self.lines
        shown = "\n".join(f"    {n:4d} | {text[n - 1]}" for n in range(first, last + 1))
        a_first, a_last = self.answer_lines
        answer = "\n".join(f"         | {line}" for line in self.answer.lines[a_first - 1 : a_last])
        where = self.answer.first_line + a_first - 1, self.answer.first_line + a_last - 1
        return (
            f"{self.answer.name} ~ {self.file}:{first}-{last}, in {self.function} "
            f"({self.longest} normalised tokens in a row):\n{shown}\n"
            f"  the answer (cell lines {where[0]}-{where[1]}):\n{answer}"
        )


def _enclosing(tree: ast.AST, line: int) -> str:
    """The dotted name of the innermost def or class around ``line``, else <module>."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    names: list[str] = []
    node = tree
    while True:
        for child in ast.iter_child_nodes(node):
            first, last = getattr(child, "lineno", 0), getattr(child, "end_lineno", 0) or 0
            if first <= line <= last:
                if isinstance(child, scopes):
                    names.append(child.name)
                node = child
                break
        else:
            return ".".join(names) or "<module>"


def _span(run: list[Shape]) -> tuple[int, int]:
    """The lines a run covers; an INDENT or DEDENT at either end does not count."""
    lines = [s.line for s in run if s.shape not in ("<indent>", "<dedent>")] or [run[0].line]
    return min(lines), max(lines)


def key_functions() -> tuple[Answer, ...]:
    """Every function of the answer key (course_lib/instructor/key/): the references, the
    known mistakes' implementations and the public case builders, each as a source."""
    found: list[Answer] = []
    for path in sorted((ROOT / "course_lib" / "instructor" / "key").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.split("\n")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.Lambda) and node.end_lineno:
                body = lines[node.lineno - 1 : node.end_lineno]
                text = textwrap.dedent("\n".join(body)) + "\n"
                name = getattr(node, "name", "<lambda>")
                try:
                    found.append(
                        Answer(
                            f"key/{path.stem}.{name}", text.split("\n"), node.lineno, shapes(text)
                        )
                    )
                except (tokenize.TokenError, IndentationError, SyntaxError):
                    continue  # a lambda cut out of its line: its function is taken whole
    return tuple(found)


def find_leaks(
    files: dict[str, str], k: int = K, sources: tuple[Answer, ...] | None = None
) -> list[Leak]:
    """Every run of at least ``k`` shapes of an answer (or of ``sources``) found in
    ``files`` (path: source). Runs of one answer in one file whose lines overlap or touch
    are reported as one leak."""
    file_shapes = {rel: shapes(source) for rel, source in files.items()}
    index: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for rel, found in file_shapes.items():
        plain = [s.shape for s in found]
        for j in range(len(plain) - k + 1):
            index[tuple(plain[j : j + k])].append((rel, j))
    leaks: list[Leak] = []
    for answer in answers() if sources is None else sources:
        plain = [s.shape for s in answer.shapes]
        starts: dict[tuple[str, int], list[int]] = defaultdict(list)  # (file, j - i): i...
        for i in range(len(plain) - k + 1):
            for rel, j in index.get(tuple(plain[i : i + k]), ()):
                starts[rel, j - i].append(i)
        runs: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # file: (i, j, length)
        for (rel, offset), firsts in starts.items():
            begin = previous = firsts[0]
            for i in [*firsts[1:], None]:
                if i != previous + 1:
                    runs[rel].append((begin, begin + offset, previous - begin + k))
                    begin = i
                previous = i
        for rel, found in sorted(runs.items()):
            spans = sorted(
                (_span(file_shapes[rel][j : j + n]), _span(answer.shapes[i : i + n]), n)
                for i, j, n in found
            )
            merged: list[list] = []
            for (first, last), (a_first, a_last), n in spans:
                if merged and first <= merged[-1][0][1] + 1:
                    top = merged[-1]
                    top[0] = (top[0][0], max(top[0][1], last))
                    top[1] = (min(top[1][0], a_first), max(top[1][1], a_last))
                    top[2] = max(top[2], n)
                else:
                    merged.append([(first, last), (a_first, a_last), n])
            tree = ast.parse(files[rel])
            for (first, last), answer_lines, n in merged:
                function = _enclosing(tree, first)
                leaks.append(Leak(answer, rel, function, (first, last), answer_lines, n))
    return leaks


def report(leaks: list[Leak], files: dict[str, str]) -> str:
    head = (
        f"{len(leaks)} near-answer(s) in the learner edition: runs of >= {K} normalised tokens "
        "shared with an answer (see tests/test_near_answers.py)"
    )
    return "\n\n".join([head, *(leak.describe(files[leak.file]) for leak in leaks)])


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("near_answers") / "edition"
    build_release(out, ROOT)
    return out


def test_shapes_ignore_names_and_the_assignment_operator() -> None:
    assert shapes("grads[i] += local * grads[k]  # chain rule") == [
        Shape(s, 1) for s in ("N", "[", "N", "]", "=", "N", "+", "N", "[", "N", "]")
    ]
    same = ("grads[i] += local * grads[k]", "g[j] = d / g[m]", "y[z] -= t @ u[v]")
    assert len({tuple(s.shape for s in shapes(code)) for code in same}) == 1
    assert [s.shape for s in shapes("if len(a) > 2: b = f'{a!r}'")] == (
        ["if", "len", "(", "N", ")", "<>", "#", ":", "N", "=", "$"]
    )
    assert [s.shape for s in shapes("x.len")] == ["N", ".", "N"]  # an attribute, not a builtin


def test_the_detector_flags_the_shipped_wrong_backward() -> None:
    """The copy of exercise 2.4's answer that shipped at HEAD is a leak; shared idioms are not."""
    leaks = find_leaks({"assignments.py": WRONG_BACKWARD_OVERWRITES})
    assert [(leak.answer.name, leak.function) for leak in leaks] == [
        ("02_chain_rule/backward_answer", "wrong_backward_overwrites")
    ], report(leaks, {"assignments.py": WRONG_BACKWARD_OVERWRITES})
    first, last = leaks[0].lines
    flagged = WRONG_BACKWARD_OVERWRITES.split("\n")[first - 1 : last]
    assert "grads[i] = d * grads[k]" in "\n".join(flagged)

    assert find_leaks({"harmless.py": HARMLESS}) == []


def test_the_taught_library_is_what_graded_functions_may_not_call() -> None:
    """TAUGHT holds only modules that some exercise forbids (the reason they are not scanned),
    and nothing of course_lib/exercises/."""
    from course_lib.exercises.assignments import ASSIGNMENTS

    forbidden = {
        name
        for assignment in ASSIGNMENTS.values()
        for exercise in assignment.exercises
        for name in exercise.forbidden
    }
    for path in TAUGHT:
        module = path.removesuffix(".py").replace("/", ".")
        assert any(name == module or name.startswith(module + ".") for name in forbidden), path
        assert not path.startswith("course_lib/exercises/"), path


def test_no_learner_file_holds_a_near_answer(edition: Path) -> None:
    files = {
        path.relative_to(edition).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(edition.rglob("*.py"))
    }
    scanned = {rel: source for rel, source in files.items() if rel not in TAUGHT}
    assert any(rel.startswith("course_lib/exercises/") for rel in scanned), sorted(files)
    notebooks = {path.stem for path in (ROOT / "solutions").glob("*.ipynb")}
    assert {a.name.split("/")[0] for a in answers()} == notebooks  # every notebook has answers

    leaks = find_leaks(scanned)
    if leaks:
        pytest.fail(report(leaks, scanned), pytrace=False)


def test_no_learner_file_holds_code_of_the_answer_key(edition: Path) -> None:
    """Nothing of course_lib/instructor/key/ (the references that answer each graded
    function, the runnable known mistakes, the public case builders) reaches the learner
    edition, not even renamed: the public cases and the mistakes' answers go as data."""
    files = {
        path.relative_to(edition).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(edition.rglob("*.py"))
    }
    assert not any(rel.startswith("course_lib/instructor") for rel in files)
    scanned = {rel: source for rel, source in files.items() if rel not in TAUGHT}
    sources = key_functions()
    assert any(s.name == "key/chain_rule.ref_backward" for s in sources)
    leaks = find_leaks(scanned, sources=sources)
    if leaks:
        pytest.fail(report(leaks, scanned), pytrace=False)
