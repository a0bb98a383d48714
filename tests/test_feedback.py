"""Issue 11: feedback that teaches.

- every known-wrong implementation of the catalogue (solutions/mistakes.py) fails a public
  case of the notebook's check, with the remark of its name, and without the hint;
- hints are staged: not on the first failure, on request (hint=True) or after HINT_AFTER
  failures in a row; they are a ladder, one rung at a time (the idea in words, then the
  formula in the lecture's notation), and no rung is code;
- every array of a multi-array result is reported, from the output layer back (a list of
  per-layer gradients too); items are named in words; a factor N, a flipped sign, columns
  that do not sum to 1 are named, a constant factor only on the evidence of several
  entries; large arrays show where they are wrong; check.inputs gives the public inputs;
- no double jeopardy in the check cell: a later exercise whose earlier one fails says
  "fix 4.2 first";
- the check cell keeps to the exercise's time limit; a call over it is told to look for a
  loop that never ends or very large work, in the check cell, `course-lib check` and the
  grader's feedback.md alike, and only where a loop over a batch's examples could be why
  (a timed case with a budget too tight for one) to vectorise;
- no answer of solutions/ (three lines or more) is a transcription of the lecture
  notebooks' code.
"""

from __future__ import annotations

import ast
import functools
import io
import keyword
import math
import re
import runpy
import sys
import textwrap
import tokenize

import nbformat
import numpy as np
import pytest
from exercise_tools import ROOT, SOLUTIONS, STEMS, answers, grade_id

from course_lib.exercises import check
from course_lib.exercises.assignments import ASSIGNMENTS, find_exercise
from course_lib.exercises.assignments.digit_classification import CLASSIFIER_REMARKS
from course_lib.exercises.engine import compare
from course_lib.exercises.report import sentence
from course_lib.exercises.spec import Source
from course_lib.instructor.key import ANSWERS

CATALOGUE: dict[str, dict[str, str]] = runpy.run_path(str(SOLUTIONS / "mistakes.py"))["CATALOGUE"]
CHECK = sys.modules["course_lib.exercises.checking"]  # the module (its name is the function's)
ENTRIES = [(gid, name) for gid, entries in CATALOGUE.items() for name in entries]


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch):
    """Each test starts with no failures counted (the hint comes after HINT_AFTER) and no
    hint given."""
    monkeypatch.setattr(CHECK, "_failures", {})
    monkeypatch.setattr(CHECK, "_hints", {})


def namespace(stem: str) -> dict:
    """The solution notebook's code cells run (its checks left out): what a learner's kernel
    holds once every exercise is done."""
    ns: dict = {"math": math, "np": np}
    nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade"):
            exec(cell.source, ns)
    ns.setdefault(
        "UNARY",
        {"exp": math.exp, "tanh": math.tanh, "sigmoid": lambda a: 1.0 / (1.0 + math.exp(-a))},
    )
    return ns


def remark(gid: str, name: str) -> str:
    """The remark the learner gets for mistake ``name`` of exercise ``gid``."""
    _, ex = find_exercise(gid)
    found = [m.message for m in (*ANSWERS[gid].mistakes, *ex.errors) if m.name == name]
    if gid == "train_classifier":
        found.append(CLASSIFIER_REMARKS[name])
    assert found, f"{gid} has no remark called {name}"
    return found[0]


def checked(gid: str, func, capsys, **options) -> str:
    check(gid, func, **options)
    return capsys.readouterr().out


# ----- 1. the catalogue: every known mistake gets its own remark -----


def test_the_catalogue_covers_every_exercise_and_every_remark():
    every = {ex.grade_id: ex for a in ASSIGNMENTS.values() for ex in a.exercises}
    assert set(CATALOGUE) == set(every)
    for gid, ex in every.items():
        named = {m.name for m in (*ANSWERS[gid].mistakes, *ex.errors)}
        if gid == "train_classifier":
            named |= set(CLASSIFIER_REMARKS)
        assert named == set(CATALOGUE[gid]), gid  # no remark without its wrong implementation


@pytest.mark.parametrize(("gid", "name"), ENTRIES, ids=[f"{g}-{n}" for g, n in ENTRIES])
def test_every_known_mistake_fails_a_public_case_with_its_remark(gid, name, capsys):
    assignment, ex = find_exercise(gid)
    ns = namespace(assignment.stem)
    exec(CATALOGUE[gid][name], ns)
    out = checked(gid, ns[gid], capsys)
    assert out.startswith(f"❌ {gid}: case"), out  # a public case, blamed on this exercise
    assert remark(gid, name) in out, out
    assert not any(h in out for h in ex.hints)  # the first failure never gives a hint
    assert f"check({gid!r}, {gid}, hint=True)" in out


# ----- 2. staged hints -----


def test_the_hint_comes_on_request_or_after_repeated_failures(capsys):
    first, second = find_exercise("sigmoid_backward")[1].hints
    wrong = lambda a, dC_da: dC_da  # noqa: E731
    for _ in range(CHECK.HINT_AFTER - 1):
        out = checked("sigmoid_backward", wrong, capsys)
        assert "amplifier sigma'(z)" in out and first not in out and "a * (1 - a)" not in out
    assert first in checked("sigmoid_backward", wrong, capsys)  # the third failure in a row
    CHECK._failures.clear()
    CHECK._hints.clear()
    assert first in checked("sigmoid_backward", wrong, capsys, hint=True)
    checked("sigmoid_backward", lambda a, d: a * (1.0 - a) * d, capsys)  # a pass resets it
    out = checked("sigmoid_backward", wrong, capsys)
    assert first not in out and second not in out


def test_hints_come_one_rung_at_a_time(capsys):
    """The first hint says which idea applies; asked again, the next gives the formula."""
    first, second = find_exercise("sigmoid_backward")[1].hints
    wrong = lambda a, dC_da: dC_da  # noqa: E731
    out = checked("sigmoid_backward", wrong, capsys, hint=True)
    assert f"hint 1 of 2: {first}" in out and second not in out, out
    assert "check('sigmoid_backward', sigmoid_backward, hint=True) again gives hint 2" in out
    out = checked("sigmoid_backward", wrong, capsys, hint=True)
    assert f"hint 2 of 2: {second}" in out and first not in out, out
    assert "again gives" not in out
    assert f"hint 2 of 2: {second}" in checked("sigmoid_backward", wrong, capsys, hint=True)
    CHECK._failures.clear()
    CHECK._hints.clear()
    outs = [checked("sigmoid_backward", wrong, capsys) for _ in range(CHECK.HINT_AFTER + 1)]
    assert "hint 1 of 2" in outs[-2] and "hint 2 of 2" in outs[-1]  # repeated failures too


EXERCISES = [ex for a in ASSIGNMENTS.values() for ex in a.exercises]


def code_in(text: str) -> list[str]:
    """The pieces of a hint (the whole, a sentence, a clause) that Python accepts as a
    statement that does something: an assignment, a loop, a return, a definition."""
    pieces = [text, *re.split(r"\.\s|\n", text), *re.split(r"[;:]\s|\.\s|,\s|\n", text)]
    doing = (ast.Assign, ast.AugAssign, ast.For, ast.While, ast.Return, ast.FunctionDef)
    found = []
    for piece in pieces:
        try:
            tree = ast.parse(piece.strip().rstrip("."))
        except SyntaxError:
            continue
        if any(isinstance(node, doing) for node in ast.walk(tree)):
            found.append(piece)
    return found


@pytest.mark.parametrize("ex", EXERCISES, ids=[ex.grade_id for ex in EXERCISES])
def test_every_exercise_has_a_ladder_of_hints_and_none_is_code(ex):
    assert len(ex.hints) >= 2, ex.grade_id
    assert len(set(ex.hints)) == len(ex.hints), ex.grade_id
    for hint in ex.hints:
        assert "\n" not in hint and "```" not in hint, hint  # no code block
        assert not re.search(r"\breturn\b|\bdef |\bwhile\b|\bfor \w+ in\b", hint), hint
        assert code_in(hint) == [], (ex.grade_id, code_in(hint))


def test_the_code_check_of_hints_finds_code():
    assert code_in("dW = a.T @ dz") and code_in("for l in range(3): pass")
    assert code_in("First, theta -= eta * grad.") and code_in("x = 1; return x")
    assert not code_in("∂L/∂W_[l] = a_[l−1]ᵀ · ∂L/∂z_[l], summed over the batch.")


def test_no_remark_gives_away_a_formula():
    """Remarks say what is wrong and where; formulas are the hints' (shown on request)."""
    formula = re.compile(r"a \* \(1 - a\)|@ ?W|\.T\b|/ ?N\b|axis ?=|keepdims ?=|\bsum\(")
    for a in ASSIGNMENTS.values():
        for ex in a.exercises:
            for m in (*ANSWERS[ex.grade_id].mistakes, *ex.errors):
                assert not formula.search(m.message), (ex.grade_id, m.message)


# ----- 3. every array, named mistakes, positions, inputs -----


def test_every_array_is_reported_from_the_output_layer_back(capsys):
    ns = namespace("04_backward_pass")
    exec(CATALOGUE["backprop"]["missing_hidden_sigma_prime"], ns)
    out = checked("backprop", ns["backprop"], capsys)
    marks = re.findall(r"^\s+([✓✗]) (dW1|db1|dW2|db2)", out, re.M)
    assert marks == [("✓", "dW2"), ("✓", "db2"), ("✗", "dW1"), ("✗", "db1")], out
    assert "start at the first ✗" in out


def test_a_factor_n_and_a_flipped_sign_are_named(capsys):
    ns = namespace("04_backward_pass")
    exec(CATALOGUE["backprop"]["missing_1_over_N"], ns)
    out = checked("backprop", ns["backprop"], capsys)
    assert remark("backprop", "missing_1_over_N") in out  # its own remark says it best
    out = checked("sigmoid_backward", lambda a, d: 3.0 * a * (1.0 - a) * d, capsys)
    assert "N = 3 times too large (N is the batch size)" in out  # no remark: the generic

    def uphill(z, t):
        e = np.exp(z - z.max(axis=0))
        grad = e / e.sum(axis=0)
        grad[t, np.arange(len(t))] -= 1.0
        return -grad / len(t)

    out = checked("cross_entropy_grad", uphill, capsys)
    assert "opposite sign everywhere" in out and "relative error: 1.00e+00" in out


def test_a_constant_factor_needs_several_entries(capsys):
    """sigma' worked out from a, a (1 - a), where a is the input, not sigma(a): a wrong number
    is always some multiple of the right one, which says nothing."""

    def from_the_input(op, a, b):
        ns = namespace("02_chain_rule")
        return (a * (1.0 - a),) if op == "sigmoid" else ns["local_derivatives"](op, a, b)

    out = checked("local_derivatives", from_the_input, capsys)
    assert (
        "case 'sigmoid(a)' did not pass" in out and "The only item of your result is wrong" in out
    )
    assert "constant factor" not in out and "times the right answer" not in out, out
    scalar = compare(0.25, 0.235, 1e-6, 1e-9)
    one = compare(np.array([0.25]), np.array([0.5]), 1e-6, 1e-9)
    assert not [r for v in (scalar, one) for r in v.remarks if r.source is Source.SCALE]
    two = compare(np.array([1.0, 2.0, 3.0]), np.array([2.5, 5.0, 7.5]), 1e-6, 1e-9)
    assert [r.text for r in two.remarks] == [
        "It is 2.5 times the right answer: a constant factor is off."
    ]
    same_entries = compare(np.array([1.0, 1.0, 1.0]), np.array([2.5, 2.5, 2.5]), 1e-6, 1e-9)
    assert not [r for r in same_entries.remarks if r.source is Source.SCALE]


def test_the_items_of_a_result_are_named_in_words(capsys):
    verdict = compare((1.0, 2.0), (1.0, 3.0), 1e-6, 1e-9, names=("dC_da", "dC_dW"))
    assert sentence(verdict) == "The second item of your result (dC_dW) is wrong"
    verdict = compare((1.0, 2.0, 3.0), (1.0, 2.0, 4.0), 1e-6, 1e-9)
    assert sentence(verdict) == "The third item of your result is wrong"
    ns = namespace("02_chain_rule")

    def own_input(op, a, b):
        return (b, b) if op == "*" else ns["local_derivatives"](op, a, b)

    out = checked("local_derivatives", own_input, capsys)
    assert "✓ the first item\n" in out and "✗ the second item: is wrong" in out, out
    assert "expected (the second item): 2\n" in out and "item 0" not in out, out
    assert "item 1" not in out


def test_a_deep_backward_pass_is_reported_from_the_output_layer(capsys):
    """With the output layer's dW and layer 1's dW wrong, the output layer comes first."""
    ns = namespace("04_backward_pass")
    right = ns["backprop_deep"]

    def two_wrong(x, t, weights, biases):
        dWs, dbs = right(x, t, weights, biases)
        dWs[-1], dWs[0] = 2.0 * dWs[-1], 3.0 * dWs[0]
        return dWs, dbs

    out = checked("backprop_deep", two_wrong, capsys)
    assert "what you returned, from the output layer back (start at the first ✗):" in out, out
    assert "✗ dWs[2] (layer 3 of 3, the output layer): has wrong values" in out, out
    assert "expected dWs[2] (layer 3 of 3, the output layer): array" in out, out
    assert "dWs[0]" not in out and "item 0" not in out, out
    assert "✗ dW_[3] ✓ db_[3]; ✓ dW_[2] ✓ db_[2]; ✗ dW_[1] ✓ db_[1]" in out, out

    def inner_wrong(x, t, weights, biases):
        dWs, dbs = right(x, t, weights, biases)
        dbs[1] = dbs[1] + 1.0
        return dWs, dbs

    out = checked("backprop_deep", inner_wrong, capsys)
    assert "✗ dbs[1] (layer 2 of 3): has wrong values" in out, out


def test_columns_that_do_not_sum_to_one_are_named(capsys):
    out = checked("softmax", lambda z: np.exp(z) / 3.0, capsys)
    assert "Each column (one example) must sum to 1" in out


def test_large_arrays_show_where_they_are_wrong_and_small_ones_their_values(capsys):
    def one_wrong_entry(a, W, dC_dz):
        dC_da = dC_dz @ W
        dC_da[3, 1] += 1.0
        return dC_da, dC_dz.T @ a, dC_dz.sum(axis=0)

    out = checked("linear_backward", one_wrong_entry, capsys)
    assert "wrong entries at [3, 1] (1 of 15 entries)" in out, out  # dC_da is (5, 3)
    assert re.search(r"expected dC_da: array\(\[\[", out), out  # 15 entries: shown in full


def test_check_inputs_gives_the_public_inputs():
    (first, *_) = check.inputs("linear_backward")
    ex = find_exercise("linear_backward")[1]
    assert [x.shape for x in first] == [(5, 3), (2, 3), (5, 2)]
    assert all(np.array_equal(x, y) for x, y in zip(first, ex.public[0].args, strict=True))
    first[0][...] = 0.0  # a fresh copy each time
    assert np.any(check.inputs("linear_backward")[0][0] != 0.0)


# ----- 4. no double jeopardy, in the check cell -----


def test_a_later_exercise_says_fix_the_earlier_one_first(capsys):
    ns = namespace("04_backward_pass")
    exec(CATALOGUE["linear_backward"]["keepdims"], ns)
    out = checked("backprop", ns["backprop"], capsys)
    assert out.startswith("❌ backprop: fix linear_backward (4.2) first"), out
    out = checked("backprop_deep", ns["backprop_deep"], capsys)  # issue 12: the loop of 4.4
    assert out.startswith("❌ backprop_deep: fix linear_backward (4.2) first"), out
    ns = namespace("05_digit_classification")
    exec(CATALOGUE["softmax"]["global_max"], ns)
    out = checked("cross_entropy_grad", ns["cross_entropy_grad"], capsys)
    assert out.startswith("❌ cross_entropy_grad: fix softmax (5.1) first"), out
    exec(CATALOGUE["cross_entropy_grad"]["no_onehot"], ns)  # wrong itself: no blame on 5.1
    exec(answers("05_digit_classification")["softmax_answer"], ns)
    out = checked("cross_entropy_grad", ns["cross_entropy_grad"], capsys)
    assert "first" not in out.splitlines()[0] and remark("cross_entropy_grad", "no_onehot") in out


# ----- 5. the time limit, in the check cell -----


def test_the_check_cell_keeps_to_the_time_limit(capsys, monkeypatch):
    ex = find_exercise("sigmoid_backward")[1]
    clock = iter([0.0, ex.call_timeout + 1.0] * 2)
    monkeypatch.setattr("course_lib.exercises.engine.time.perf_counter", lambda: next(clock))
    out = checked("sigmoid_backward", lambda a, d: a * (1.0 - a) * d, capsys)
    assert out.startswith("❌ sigmoid_backward"), out
    said = f"over the time limit of {ex.call_timeout:g} s: look for very large work, or a loop"
    assert said in out and "vectorise" not in out
    assert ex.call_timeout == 10.0


NEVER_ENDS = (
    "did not finish within {:g} s: look for a loop that never ends (a `while` whose "
    "condition never becomes false) or for very large work"
)


def test_a_function_that_never_returns_is_told_to_look_for_a_loop_that_never_ends(
    tmp_path, monkeypatch, capsys
):
    """`while True: pass` as neuron (3.1), its time limit lowered to 0.5 s: `course-lib
    check` and the grader's feedback.md say it did not finish and why that may be, not to
    vectorise."""
    from dataclasses import replace

    from exercise_tools import solution_with

    from course_lib.cli import main
    from course_lib.instructor.grading.batch import grade

    stem, limit = "03_forward_pass", 0.5
    base = ASSIGNMENTS[stem]
    exercises = tuple(
        replace(ex, call_timeout=limit) if ex.grade_id == "neuron" else ex for ex in base.exercises
    )
    assignment = replace(base, exercises=exercises)
    path = solution_with(
        stem,
        tmp_path / "loop.ipynb",
        {"neuron_answer": ("a = float(1.0 / (1.0 + np.exp(-z)))", "while True:\n        pass")},
    )
    monkeypatch.setattr(
        "course_lib.exercises.assignments.assignment_of", lambda nb, where: assignment
    )
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "❌ neuron: case" in out and NEVER_ENDS.format(limit) in out, out
    assert "✅ layer_forward" in out and "vectorise" not in out

    (graded,) = grade(assignment, [path], tmp_path / "out", progress=False, sandbox=False)
    assert graded.scores["neuron"] == 0 and graded.total == base.max_score - 1
    feedback = (tmp_path / "out" / "submissions" / "loop" / "feedback.md").read_text()
    feedback = feedback.replace("\\`", "`")  # Markdown: its backticks are escaped
    assert NEVER_ENDS.format(limit) in feedback and "vectorise" not in feedback


def test_the_check_cell_stops_a_loop_that_never_ends(monkeypatch, capsys):
    """In the learner's own kernel the check cell stops the call at the time limit (a
    SIGALRM), so `while True` does not hang the notebook, and says why it may be."""
    from dataclasses import replace

    ex = replace(find_exercise("neuron")[1], call_timeout=0.3)
    monkeypatch.setattr(CHECK, "_exercise", lambda gid: ex)

    def neuron(x, w, b):
        while True:
            try:
                pass
            except Exception:  # a learner's catch-all does not swallow the stop
                pass

    check("neuron", neuron)
    out = capsys.readouterr().out
    assert "❌ neuron" in out and NEVER_ENDS.format(0.3) in out, out


def test_a_timed_case_is_told_to_vectorise_only_when_its_budget_is_tight():
    """A timed case stopped over its budget: brute force or a loop that never ends, unless
    the budget is under 10 times what a loop over the batch's examples takes."""
    from course_lib.exercises.engine import Outcome, Trial, verdict_of
    from course_lib.exercises.spec import Ending

    ex = find_exercise("backprop")[1]
    case = ex.public[2]  # a batch of 6
    stopped = Outcome(Ending.TIMEOUT, message="it did not finish within 3 s")
    roomy = Trial("big", True, case.args, case.expected, budget=0.5, fast_seconds=0.001)
    said = verdict_of(ex, roomy, stopped).message  # 0.5 s >= 10 x 6 x 1 ms
    assert said.startswith("it " + NEVER_ENDS.format(3)) and "finite differences?" in said, said
    tight = Trial("big", True, case.args, case.expected, budget=0.5, fast_seconds=0.01)
    said = verdict_of(ex, tight, stopped).message  # 0.5 s < 10 x 6 x 10 ms
    assert said.startswith("it did not finish within 3 s: vectorise over the batch"), said
    untimed = Trial("small", False, case.args, case.expected)
    assert verdict_of(ex, untimed, stopped).message == "it " + NEVER_ENDS.format(3)


# ----- 6. exercises, not transcriptions -----

KEEP = {
    "np",
    "len",
    "range",
    "float",
    "int",
    "zip",
    "sum",
    "abs",
    "max",
    "min",
    "math",
    "True",
    "False",
    "None",
    "self",
}
Line = tuple[str, tuple[str, ...]]  # (the line with every variable written _, its variables)


def normalised(source: str) -> list[Line]:
    """The code's lines without comments, docstrings, blank lines and ``def`` lines; in each,
    every variable (not numpy's, a builtin, an attribute or a keyword argument) is written
    ``_`` and listed in order, ``x[i]`` counting as one variable, numbers as floats."""
    rows: dict[int, list[tuple[str, str | None]]] = {}
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    skip = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
    for i, tok in enumerate(tokens):
        if tok.type in skip or (tok.type == tokenize.STRING and tok.line.strip() == tok.string):
            continue
        prev = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        row = rows.setdefault(tok.start[0], [])
        if (
            tok.type == tokenize.NAME
            and prev != "."
            and not (after == "=" and prev in "(,")
            and tok.string not in KEEP
            and not keyword.iskeyword(tok.string)
        ):
            row.append(("_", tok.string))
        elif tok.type == tokenize.NUMBER and re.fullmatch(r"[\d.]+", tok.string):
            row.append((repr(float(tok.string)), None))
        else:
            row.append((tok.string, None))
    lines = []
    for _, row in sorted(rows.items()):
        if row[0][0] in ("def", "@", "class"):
            continue
        text, names = [], []
        for part, name in row:
            if part == "]" and len(text) >= 3 and text[-3:-1] == ["_", "["] and text[-1] == "_":
                names[-2:] = [f"{names[-2]}[{names[-1]}]"]  # x[i]: one variable
                del text[-2:]
                continue
            text.append(part)
            if name is not None:
                names.append(name)
        lines.append((" ".join(text), tuple(names)))
    return lines


def matched_lines(answer: list[Line], cell: list[Line], need: int) -> int:
    """How many lines of ``answer`` (up to ``need``) equal distinct lines of ``cell`` under
    one consistent renaming of the variables (a one-to-one map, as in a copy with other
    names): two lines of the same form that use their variables differently do not count."""
    options = [[j for j, c in enumerate(cell) if c[0] == a[0]] for a in answer]

    def extend(mapping: dict, back: dict, names_a, names_c) -> tuple[dict, dict] | None:
        m, r = dict(mapping), dict(back)
        for x, y in zip(names_a, names_c, strict=True):
            if m.setdefault(x, y) != y or r.setdefault(y, x) != x:
                return None
        return m, r

    best = 0

    def search(i: int, used: frozenset, mapping: dict, back: dict, found: int) -> None:
        nonlocal best
        best = max(best, found)
        if best >= need or found + (len(answer) - i) <= best:
            return
        for j in options[i]:
            if j not in used:
                grown = extend(mapping, back, answer[i][1], cell[j][1])
                if grown is not None:
                    search(i + 1, used | {j}, *grown, found + 1)
        search(i + 1, used, mapping, back, found)

    search(0, frozenset(), {}, {}, 0)
    return best


def transcribed(answer: list[Line], cells: list[tuple[str, list[Line]]]) -> list[str]:
    """The cells that hold a copy (renamed) of three of the answer's lines, or of two thirds
    of them when it has fewer."""
    need = min(3, math.ceil(2 * len(answer) / 3))
    return [where for where, lines in cells if matched_lines(answer, lines, need) >= need]


def body(source: str) -> str:
    return textwrap.dedent(source.split("### BEGIN SOLUTION\n")[1].split("### END SOLUTION")[0])


@functools.cache
def lecture_cells() -> list[tuple[str, list[Line]]]:
    """Every code cell of every lecture notebook, whatever notebooks/ holds right now."""
    cells = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                source = "\n".join(
                    line
                    for line in cell.source.splitlines()
                    if not line.lstrip().startswith(("%", "!"))
                )
                try:
                    cells.append((f"{path.name} cell {i}", normalised(source)))
                except (tokenize.TokenError, IndentationError, SyntaxError):
                    continue
    return cells


OLD_42 = """
dC_da = dC_dz @ W.T
dC_dW = a.T @ dC_dz
dC_db = dC_dz.sum(axis=0)
return dC_da, dC_dW, dC_db
"""
OLD_52 = """
shifted = z - z.max(axis=1, keepdims=True)
log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
return float(-np.mean(log_p[np.arange(len(t)), t]))
"""
BACKWARD_BATCH = """
def backward_batch(weights, As, dY):
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    dA = dY
    for layer in range(len(weights) - 1, -1, -1):
        A_out, A_in = As[layer + 1], As[layer]
        dZ = A_out * (1 - A_out) * dA  # (N, n_out)
        dWs[layer] = A_in.T @ dZ  # (n_in, n_out)
        dbs[layer] = dZ.sum(axis=0)  # (n_out,)
        dA = dZ @ weights[layer].T  # (N, n_in)
    return dWs, dbs, dA
"""
LOSSES = """
def cross_entropy(z, t):
    shifted = z - z.max(axis=1, keepdims=True)
    log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_y[np.arange(len(t)), t].mean()
"""


def test_the_transcription_check_tells_a_copy_from_a_variant():
    """The exercises as they were (4.2 with W: (n_in, n_out), 5.2 one example per row) are
    copies of the lecture's code under other names; the variants are not, although some
    of their lines have the same form (dC_dz.T @ a against A_in.T @ dZ)."""
    lecture = [("backward_batch", normalised(BACKWARD_BATCH)), ("losses", normalised(LOSSES))]
    assert transcribed(normalised(OLD_42), lecture) == ["backward_batch"]
    assert transcribed(normalised(OLD_52), lecture) == ["losses"]
    for stem, gid in [
        ("04_backward_pass", "linear_backward"),
        ("05_digit_classification", "cross_entropy"),
    ]:
        assert transcribed(normalised(body(answers(stem)[f"{gid}_answer"])), lecture) == []


@pytest.mark.parametrize("stem", STEMS)
def test_no_answer_is_a_transcription_of_the_lecture(stem):
    cells = lecture_cells()
    assert cells
    for gid, source in answers(stem).items():
        lines = normalised(body(source))
        if len(lines) >= 3:
            assert transcribed(lines, cells) == [], (gid, lines)


def test_the_solution_notebooks_check_cells_are_the_plain_calls():
    """The check cells call check(name, name): hint=True is the learner's to add."""
    for stem in STEMS:
        nb = nbformat.read(SOLUTIONS / f"{stem}.ipynb", as_version=4)
        for cell in nb.cells:
            gid = grade_id(cell)
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert cell.source.strip() == f'check("{gid}", {gid})'
