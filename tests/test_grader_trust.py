"""Issue 23: grades a class can trust, round two. Each finding attacked through the public
command (`course-lib grade`, in the bubblewrap sandbox), on 04_backward_pass:

1. a learner process that stops reading (a thread holding the GIL in a C sleep) and a next
   cell over 64 KB: the batch finishes, the honest classmate keeps full marks;
2. laundering through the grader's stand-ins (a `.shape` property that runs the reference
   inside the stand-in): no marks;
3. a forged reply written into the worker's own reply pipe after calling the reference:
   no marks;
6. a reply of millions of empty lists: the grader's memory stays small; memfd_create is
   denied;
7. a file beside the package under the virtual environment's prefix is not readable, and
   neither are the digits (a function is sent the data it is given: no test set in there);
10. a function that saw a hidden input cannot show it in a public case's feedback;
11. a thread started in an earlier cell that calls the reference: no marks.

Finding 4 (the same grades at any load) is tests/test_grader_load.py; 5 and 9 are
tests/test_grader_collection.py; 8 is tests/test_classifier_gradients.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from exercise_tools import SOLUTIONS, answer_body, grade_class, grade_id, with_sources

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.key import all_trials

STEM = "04_backward_pass"
FULL = {ex.grade_id: ex.points for ex in ASSIGNMENTS[STEM].exercises}
SECRET = "a class secret"
PREFIX_FILE = Path(sys.prefix) / "src" / "course-clone" / "solutions" / "answers.txt"


def body(gid: str, code: str) -> dict[str, str]:
    """The solution's answer cell of ``gid`` with its body (inside the markers) replaced."""
    return answer_body(STEM, gid, code)


def write(
    path: Path, answers: dict[str, str] | None = None, before: str = "", after: tuple = ()
) -> Path:
    """The solution notebook with ``answers`` replaced, a code cell ``before`` the first
    answer cell and the cells ``after`` the last (when given)."""
    with_sources(SOLUTIONS / f"{STEM}.ipynb", path, answers or {})
    nb = nbformat.read(path, as_version=4)
    places = [i for i, c in enumerate(nb.cells) if (grade_id(c) or "").endswith("_answer")]
    for source in reversed(after):
        nb.cells.insert(places[-1] + 1, nbformat.v4.new_code_cell(source))
    if before:
        nb.cells.insert(places[0], nbformat.v4.new_code_cell(before))
    nbformat.write(nb, path)
    return path


# a reference backprop built from course_lib.nn (what a cheater reaches for)
REFERENCE = """
def _course_backprop(x, t, W1, b1, W2, b2):
    from course_lib import nn as N
    layers = []
    for W, b in ((W1, b1), (W2, b2)):
        layer = N.Linear(W.shape[1], W.shape[0], dtype=np.float64)
        layer.W[...] = W.T
        layer.b[...] = b
        layers += [layer, N.Sigmoid()]
    net, loss = N.Sequential(*layers), N.MSELoss()
    loss.forward(net.forward(x), t)
    net.backward(loss.backward())
    return (layers[0].dW.T.copy(), layers[0].db.copy(), layers[2].dW.T.copy(), layers[2].db.copy())
"""

# 1. the worker stops reading: the cell answers its own request (its id and the reply pipe
# are in the worker's frames) and sleeps, so the next cell, over the 64 KB a pipe holds,
# cannot be written
STALL = """
import sys, time
from course_lib.exercises import codec
frame = sys._getframe()
while frame is not None and "replies" not in frame.f_locals:
    frame = frame.f_back
replies = frame.f_locals["replies"]
replies.write(codec.dumps({"id": frame.f_locals["rid"], "error": None, "output": ""}) + "\\n")
replies.flush()
time.sleep(3600)
"""
BIG_CELL = "x = 1  # " + "padding " * 12_000  # over 64 KB: more than a pipe holds

# 2. laundering: the stand-in for linear_backward looks at W.shape, which runs our code
LAUNDER = """
    class Sneaky:
        def __init__(self, real):
            self.real = real

        @property
        def shape(self):
            global _stash
            _stash = _course_backprop(x, t, W1, b1, W2, b2)
            return self.real.shape

        def __getattr__(self, name):
            return getattr(self.real, name)

    try:
        linear_backward(x, Sneaky(W1), np.zeros((len(x), W1.shape[0])))
    except Exception:
        pass
    return _stash
"""

# 3. a forged reply: the reference's answer, written into the reply pipe with the request's id
FORGE = """
    import sys
    from course_lib.exercises import codec
    grads = _course_backprop(x, t, W1, b1, W2, b2)
    frame = sys._getframe()
    while frame is not None and "replies" not in frame.f_locals:
        frame = frame.f_back
    rid, replies = frame.f_locals["rid"], frame.f_locals["replies"]
    forged = {"id": rid, "kind": "value", "value": grads, "forbidden": [], "tampered": False,
              "output": ""}
    replies.write(codec.dumps(forged) + "\\n")
    replies.flush()
    return grads  # its own reply comes second, with an id the grader no longer waits for
"""

# 6. a flood of empty lists, written as a reply of its own
FLOOD = """
    import sys
    frame = sys._getframe()
    while frame is not None and "replies" not in frame.f_locals:
        frame = frame.f_back
    rid, replies = frame.f_locals["rid"], frame.f_locals["replies"]
    replies.write('{"__dict__": {"id": "' + rid + '", "kind": "value", "value": [')
    replies.write("[]," * 5_000_000)
    replies.write('[]], "forbidden": [], "tampered": false, "output": ""}}\\n')
    replies.flush()
    return dC_da
"""
MEMFD = """
import os
_held = []
for _ in range(12):  # 12 files in memory of 15 MB: 180 MB, none of it mapped
    _held.append(os.memfd_create("hold"))
    for _ in range(15):
        os.write(_held[-1], bytes(1 << 20))
"""

# 7. a file under the virtual environment's prefix, beside (not in) what Python needs
READ_PREFIX = f"""
    open({str(PREFIX_FILE)!r}).read()
    return a * (1.0 - a) * dC_da
"""

# the digits (the test set, above all) are not in the sandbox: a function is sent its data
READ_DIGITS = """
    from course_lib.data import load_usps
    (_, _), (x_test, y_test) = load_usps()
    return a * (1.0 - a) * dC_da
"""

# 10. sigmoid_backward keeps every input it is given; linear_backward fails on its first
# public case with a message listing the shapes it kept
KEEP_INPUTS = """
    _seen.append(a.shape)
    return a * (1.0 - a) * dC_da
"""
SHOW_INPUTS = """
    raise ValueError(f"shapes seen: {_seen}")
"""

# 11. a thread started in an earlier cell calls the reference when the graded call asks it
THREAD = """
import queue, threading
_asks, _answers = queue.Queue(), queue.Queue()
def _helper():
    while True:
        args = _asks.get()
        try:
            _answers.put(_course_backprop(*args))
        except BaseException as err:
            _answers.put(err)
threading.Thread(target=_helper, daemon=True).start()
"""
ASK_THREAD = """
    _asks.put((x, t, W1, b1, W2, b2))
    answer = _answers.get(timeout=5)
    if isinstance(answer, BaseException):
        raise answer
    return answer
"""


def grade(subs: Path, out: Path, *extra: str, timeout: float = 400) -> tuple[dict, int]:
    """Grade ``subs`` through the command: its rows and the grader's peak memory (MB)."""
    return grade_class(STEM, subs, out, *extra, secret=SECRET, timeout=timeout)


def scores(row: dict) -> dict[str, int]:
    return {gid: int(row[gid]) for gid in FULL}


def feedback(out: Path, name: str) -> str:
    return (out / "submissions" / name / "feedback.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One run of the grader over a class of attacks and an honest learner."""
    tmp = tmp_path_factory.mktemp("trust")
    subs = tmp / "class"
    subs.mkdir()
    write(subs / "honest.ipynb")
    write(subs / "stall.ipynb", after=(STALL, BIG_CELL))
    write(subs / "launder.ipynb", body("backprop", LAUNDER), before=REFERENCE)
    write(subs / "forge.ipynb", body("backprop", FORGE), before=REFERENCE)
    write(subs / "flood.ipynb", body("sigmoid_backward", FLOOD))
    write(subs / "memfd.ipynb", before=MEMFD)
    write(subs / "prefix.ipynb", body("sigmoid_backward", READ_PREFIX))
    write(subs / "digits.ipynb", body("sigmoid_backward", READ_DIGITS))
    keep = {**body("sigmoid_backward", KEEP_INPUTS), **body("linear_backward", SHOW_INPUTS)}
    write(subs / "hidden_input.ipynb", keep, before="_seen = []")
    write(subs / "thread.ipynb", body("backprop", ASK_THREAD), before=REFERENCE + THREAD)
    PREFIX_FILE.parent.mkdir(parents=True, exist_ok=True)
    PREFIX_FILE.write_text("the answer key")
    try:
        limits = ("--cell-timeout", "2", "--call-timeout", "5", "--submission-timeout", "15")
        rows, peak = grade(subs, tmp / "out", *limits)
    finally:
        PREFIX_FILE.unlink(missing_ok=True)
        for folder in (PREFIX_FILE.parent, PREFIX_FILE.parent.parent, PREFIX_FILE.parents[2]):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    return rows, peak, tmp / "out"


def test_honest_learner_keeps_full_marks(graded):
    rows, _, _ = graded
    assert scores(rows["honest"]) == FULL


def test_a_process_that_stops_reading_costs_only_its_own_row(graded):
    rows, _, out = graded
    assert set(rows) >= {"honest", "stall"}  # the batch finished (it hung before)
    text = feedback(out, "stall")
    assert "did not finish within 2 s" in text, text


@pytest.mark.parametrize("name", ["launder", "forge", "thread"])
def test_the_reference_cannot_be_reached_laundered_forged_or_from_a_thread(graded, name):
    rows, _, out = graded
    assert scores(rows[name]) == {**FULL, "backprop": 0}, feedback(out, name)


def test_a_flood_of_items_costs_its_function_and_not_the_graders_memory(graded):
    rows, peak, out = graded
    assert scores(rows["flood"])["sigmoid_backward"] == 0
    assert "lists and dicts in one reply" in feedback(out, "flood")
    assert peak < 300, f"the grader's peak RSS was {peak} MB"


def test_memory_outside_the_address_space_is_denied(graded):
    _, _, out = graded
    text = feedback(out, "memfd")
    assert "PermissionError" in text and "Operation not permitted" in text, text


def test_the_prefix_shows_only_what_python_needs(graded):
    rows, _, out = graded
    assert scores(rows["prefix"]) == {**FULL, "sigmoid_backward": 0}
    assert "No such file or directory" in feedback(out, "prefix")


def test_the_test_set_is_not_in_the_sandbox(graded):
    rows, _, out = graded
    assert scores(rows["digits"]) == {**FULL, "sigmoid_backward": 0}
    assert "DataError" in feedback(out, "digits")


def test_no_public_case_shows_what_a_function_saw_of_a_hidden_case(graded):
    rows, _, out = graded
    text = feedback(out, "hidden_input").replace("\\", "")  # markdown escapes aside
    trials = all_trials(ASSIGNMENTS[STEM], SECRET)["sigmoid_backward"]
    public = {np.shape(t.args[0]) for t in trials if not t.hidden}
    hidden = {np.shape(t.args[0]) for t in trials if t.hidden} - public
    assert hidden, "the hidden cases of sigmoid_backward have shapes of their own"
    assert "shapes seen: [" in text, text
    seen = text.split("shapes seen: [", 1)[1].split("]", 1)[0]
    assert not any(str(shape) in seen for shape in hidden), seen
    assert scores(rows["hidden_input"]) == {**FULL, "linear_backward": 0}
