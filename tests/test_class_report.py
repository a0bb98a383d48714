"""The class report (report.html, report.md): built from results made here (a synthetic
class of 05, a small one of 04 for the comparison of answers), and once from a class
graded through the command, graded again with --resume.

What an instructor reads there is checked: the known mistakes ranked with their shares,
the exercises blocked by an earlier one, the time-outs and crashes, the calls off limits,
a copied pair found and an independent pair not; that no learner text becomes markup in
either file; and that the same class gives the same bytes, resumed or not.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from exercise_tools import EXERCISES, SOLUTIONS, answers, with_sources

from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.exercises.engine import (
    CaseResult,
    CellResult,
    ExerciseResult,
    NotebookResult,
    Trial,
)
from course_lib.exercises.spec import Ending, Failure, Known, Source, Status, Verdict
from course_lib.instructor.exports import CLASS_FILES, grading_json
from course_lib.instructor.exports.report import markdown_page, page
from course_lib.instructor.exports.report.findings import answer_sources
from course_lib.instructor.grading.batch import grade
from course_lib.instructor.key import ANSWERS
from course_lib.instructor.results import ClassResults, Graded
from course_lib.instructor.roster import Entry, Student

STEM = "05_digit_classification"
A = ASSIGNMENTS[STEM]
EX = {ex.grade_id: ex for ex in A.exercises}
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
LINK = "[x](javascript:alert(1))"
BOLD = "**bold**"


# ----- results made by hand -----


def case(verdict: Verdict, known: tuple[Known, ...] = (), hidden: bool = False) -> CaseResult:
    return CaseResult(Trial("a batch of 3", hidden, (), None, known=known), verdict)


def passed(gid: str) -> ExerciseResult:
    return ExerciseResult(EX[gid], [case(Verdict(Status.PASSED))])


def not_done(gid: str) -> ExerciseResult:
    return ExerciseResult(EX[gid], [case(Verdict(Status.NOT_DONE, failure=Failure.NOT_DONE))])


def mistake(gid: str, name: str) -> ExerciseResult:
    """A wrong answer recognised as the known mistake ``name``, as the engine marks it."""
    (said,) = [m.message for m in ANSWERS[gid].mistakes if m.name == name]
    others = tuple(Known(m.name, m.message, 0) for m in ANSWERS[gid].mistakes)
    verdict = Verdict(Status.FAILED, "has wrong values", failure=Failure.VALUES)
    verdict.remark(Source.MISTAKE, said, name)
    return ExerciseResult(EX[gid], [case(verdict, others)])


def wrong(
    gid: str, failure: Failure = Failure.SHAPE, what: str = "has shape (3,)"
) -> ExerciseResult:
    return ExerciseResult(EX[gid], [case(Verdict(Status.FAILED, what, failure=failure))])


def stopped(gid: str, message: str) -> ExerciseResult:
    """A call that ended with ``message`` (the session's words for a time-out or a crash)."""
    ending = Ending.TIMEOUT if message == TIMEOUT else Ending.CRASHED  # as the session says
    verdict = Verdict(Status.ERROR, message, failure=Failure.ERROR, ending=ending)
    return ExerciseResult(EX[gid], [case(verdict, hidden=True)])


TIMEOUT = "it did not finish within 10 s: vectorise over the batch"
CRASH = "the process running your code stopped (it exited, crashed or ran out of memory)"


def forbidden(gid: str, called: str = "course_lib.nn.Linear") -> ExerciseResult:
    what = f"write it yourself: your function called {called}, which is off limits"
    return ExerciseResult(EX[gid], [case(Verdict(Status.FAILED, what, failure=Failure.FORBIDDEN))])


def blocked(gid: str, by: str, earlier: ExerciseResult) -> ExerciseResult:
    """Failed because ``by``, which it requires, fails (its remarks carried over, as
    engine.requirement_failed does)."""
    verdict = Verdict(Status.FAILED, f"{by} fails its own check", failure=Failure.REQUIRED)
    verdict.remarks += earlier.results[-1].verdict.remarks
    return ExerciseResult(EX[gid], [case(verdict)], blocked_by=EX[by])


def graded(
    name: str, exercises: list[ExerciseResult], cells=(), problem=None, answers=None
) -> Graded:
    result = NotebookResult(A, exercises, list(cells), problem)
    return Graded(name, Path(f"/class/{name}.ipynb"), "0" * 64, A, result, answers=answers or {})


def learner(i: int) -> Graded:
    """Learner ``i`` of a synthetic class of 05: a fixed pattern of mistakes, blocks,
    time-outs, crashes and flags (so a class of any size has all of them)."""
    gradients = passed("classifier_gradients")
    if i % 6 == 1:
        gradients = mistake("classifier_gradients", "no_relu_prime")
    elif i % 13 == 5:
        gradients = stopped("classifier_gradients", TIMEOUT)
    elif i % 17 == 7:
        gradients = stopped("classifier_gradients", CRASH)
    elif i % 19 == 3:
        gradients = forbidden("classifier_gradients", f"course_lib.nn.{SCRIPT}")
    train = passed("train_classifier")
    if not gradients.passed:
        train = blocked("train_classifier", "classifier_gradients", gradients)
    elif i % 23 == 4:
        train = not_done("train_classifier")
    exercises = [
        mistake("softmax", "naive_softmax") if i % 3 == 0 else passed("softmax"),
        mistake("cross_entropy", "sum_over_batch") if i % 5 == 0 else passed("cross_entropy"),
        wrong("cross_entropy_grad") if i % 11 == 2 else passed("cross_entropy_grad"),
        gradients,
        train,
    ]
    cells = [CellResult(8, f"NameError: {SCRIPT} {LINK} {BOLD}")] if i % 29 == 9 else []
    return graded(f"learner{i:03d}", exercises, cells)


def hostile() -> Graded:
    """A notebook named to become markup, that could not be graded (its reason quotes it)."""
    result = NotebookResult(A, [ExerciseResult(ex, problem="bad") for ex in A.exercises])
    result.problem = f"the notebook is damaged ({SCRIPT} {LINK} {BOLD})"
    return Graded(HOSTILE_NAME, Path(f"/class/{HOSTILE_NAME}.ipynb"), None, A, result)


def synthetic_class(size: int, roster: bool = False) -> ClassResults:
    """A class of ``size`` learners of 05 (:func:`learner`) and one hostile notebook; with
    ``roster``, each learner is a student (named as hostile as the notebook), the notebook
    nobody's."""
    found = [learner(i) for i in range(size)]
    book = [
        Entry(Student(f"s{i:03d}", f"{BOLD} {LINK} {i}"), graded=g) for i, g in enumerate(found)
    ]
    return ClassResults(A, [*found, hostile()], book if roster else [])


def texts(run: ClassResults) -> tuple[str, str]:
    return page.text(run), markdown_page.text(run)


def plain(md: str) -> str:
    """Markdown without its backslash escapes (what it renders as, in these tables)."""
    return re.sub(r"\\(.)", r"\1", md)


# ----- what the report says -----


def visible(page_html: str) -> str:
    """The page's text, tags dropped and entities decoded (what a reader sees)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split())


@pytest.fixture(scope="module")
def report() -> tuple[str, str]:
    """report.html and report.md of a class of 30 (29 learners, a hostile notebook)."""
    return texts(synthetic_class(29))


def test_the_report_is_registered_as_class_files():
    names = [f.name for f in CLASS_FILES]
    assert "report.html" in names and "report.md" in names


def test_mistakes_are_ranked_with_their_share_of_the_class(report):
    html_text, md = report[0], plain(report[1])
    # softmax naive_softmax: i % 3 == 0 -> 10 of 30; cross_entropy sum_over_batch: i % 5 == 0
    # -> 6; no_relu_prime: i % 6 == 1 -> 5
    rows = re.findall(r"^\| (\d+) \| (\d+)% \| (\d+) \| ([^|]+) \| (\w+) \|", md, re.M)
    assert rows[:3] == [
        ("1", "33", "10", "5.1 softmax", "naive_softmax"),
        ("2", "20", "6", "5.2 cross_entropy", "sum_over_batch"),
        ("3", "17", "5", "5.4 classifier_gradients", "no_relu_prime"),
    ]
    seen = visible(html_text)
    assert "33% (10) made the mistake naive_softmax in 5.1 softmax" in seen
    assert seen.index("naive_softmax") < seen.index("sum_over_batch") < seen.index("no_relu_prime")
    said = [m.message for m in ANSWERS["softmax"].mistakes if m.name == "naive_softmax"][0]
    assert html.escape(said, quote=True) in html_text  # what the learner reads, beside it
    # a blocked exercise does not count its blocker's mistake twice
    assert md.count("| no_relu_prime |") == 1
    # a wrong answer no known mistake explains is counted by what is wrong
    assert "| 5.3 cross_entropy_grad | the wrong shape | 3 | 10% |" in md


def test_blocked_exercises_are_counted(report):
    md = plain(report[1])
    # classifier_gradients fails for 10: no_relu_prime (5), time-outs (2), a crash, flags (2)
    line = "| 5.5 train_classifier | 5.4 classifier_gradients | 10 | 33% |"
    assert line in md
    seen = visible(report[0])
    assert "33% (10) lost 5.5 train_classifier to 5.4 classifier_gradients" in seen


def test_time_outs_crashes_and_bad_notebooks_are_listed(report):
    html_text, md = report
    section = plain(md).split("## Time-outs and crashes")[1].split("## Worth")[0]
    assert section.count("| time-out |") == 2  # learners 5 and 18
    assert "| learner005 | 5.4 classifier_gradients | time-out | hidden case 'a batch of 3'" in (
        section
    )
    assert section.count("| crash |") == 1  # learner 24
    assert "| learner024 | 5.4 classifier_gradients | crash |" in section
    assert "| not gradable |" in section  # the hostile notebook
    assert "| learner009 | cell 9 | error in a cell |" in section
    assert "2 calls timed out and 1 crashed" in visible(html_text)
    assert "3 calls timed out or crashed" in visible(html_text)  # at a glance


def test_calls_off_limits_are_flagged(report):
    section = plain(report[1]).split("### Calls off limits")[1].split("###")[0]
    flagged = re.findall(r"^\| (learner\d+) \| ([^|]+) \| ([^|]+) \|", section, re.M)
    flag = Failure.FORBIDDEN.value
    where = "5.4 classifier_gradients"
    assert flagged == [("learner003", where, flag), ("learner022", where, flag)]


# ----- near-identical answers -----

STEM_04 = "04_backward_pass"


def independent_answers() -> dict[str, str]:
    """04's answers written another way than the solution's."""
    bodies = {
        "sigmoid_backward": "s = a\n    return dC_da * s * (1 - s)",
        "linear_backward": (
            "grad_W = np.dot(dC_dz.T, a)\n    grad_b = np.sum(dC_dz, axis=0)\n"
            "    grad_a = np.dot(dC_dz, W)\n    return grad_a, grad_W, grad_b"
        ),
        "backprop": (
            "def sig(z):\n        return 1 / (1 + np.exp(-z))\n    h = sig(x @ W1.T + b1)\n"
            "    out = sig(h @ W2.T + b2)\n"
            "    delta2 = sigmoid_backward(out, (out - t) / len(x))\n"
            "    g_h, gW2, gb2 = linear_backward(h, W2, delta2)\n"
            "    delta1 = sigmoid_backward(h, g_h)\n"
            "    _, gW1, gb1 = linear_backward(x, W1, delta1)\n    return gW1, gb1, gW2, gb2"
        ),
        "backprop_deep": (
            "acts = [x]\n    for i in range(len(weights)):\n"
            "        acts.append(1 / (1 + np.exp(-(acts[i] @ weights[i].T + biases[i]))))\n"
            "    g = (acts[-1] - t) / x.shape[0]\n    gw = [None] * len(weights)\n"
            "    gb = [None] * len(weights)\n    for i in reversed(range(len(weights))):\n"
            "        g = sigmoid_backward(acts[i + 1], g)\n"
            "        g, gw[i], gb[i] = linear_backward(acts[i], weights[i], g)\n"
            "    return gw, gb"
        ),
    }
    starter = released(STEM_04)
    return {
        gid: starter[gid].replace("# YOUR CODE HERE\n    raise NotImplementedError()", body)
        for gid, body in bodies.items()
    }


def released(stem: str) -> dict[str, str]:
    return answer_sources((EXERCISES / f"{stem}.ipynb").read_bytes(), ASSIGNMENTS[stem])


def renamed(sources: dict[str, str]) -> dict[str, str]:
    """A copy with its names changed and a comment added: what hides nothing."""
    names = {"dC_dW": "gradW", "dC_db": "gradb", "a1": "hidden", "dWs": "grads_W", "N =": "n ="}
    out = {}
    for gid, text in sources.items():
        for old, new in names.items():
            text = text.replace(old, new)
        out[gid] = text.replace("# forward pass", "# my own forward pass!")
    return out


def class_04(*learners: tuple[str, dict[str, str]]) -> ClassResults:
    """Learners of 04 who did nothing (as far as the cases go) but write ``answers``."""
    a = ASSIGNMENTS[STEM_04]
    result = NotebookResult(a, [ExerciseResult(ex, problem="not run") for ex in a.exercises])
    found = [
        Graded(name, Path(f"/class/{name}.ipynb"), "0" * 64, a, result, answers=cells)
        for name, cells in learners
    ]
    return ClassResults(a, found)


def solution() -> dict[str, str]:
    return {gid.removesuffix("_answer"): s for gid, s in answers(STEM_04).items()}


def test_a_copied_pair_is_found_and_an_independent_one_is_not():
    run = class_04(
        ("original", solution()),
        ("copier", renamed(solution())),
        ("independent", independent_answers()),
        ("blank", released(STEM_04)),
    )
    html_text, md = texts(run)
    section = md.split("### Near-identical answers")[1]
    assert "1 group of submissions with near-identical answers:" in section
    assert re.search(r"^\| copier \| original \| \d+% \| \d+ \|$", section, re.M)
    assert "independent" not in section and "blank" not in section
    assert "copier" in visible(html_text).split("Near-identical answers")[1]


def test_starter_code_alone_makes_no_pair():
    run = class_04(("one", released(STEM_04)), ("two", released(STEM_04)))
    assert "No two submissions have near-identical answers." in texts(run)[1]


# ----- learner text stays text -----


def test_learner_text_is_never_markup():
    run = synthetic_class(29, roster=True)
    html_text, md = texts(run)
    for raw in (SCRIPT, HOSTILE_NAME, "<img", "<script", "javascript:alert(1))'", 'href="java'):
        assert raw not in html_text, raw
    assert html.escape(HOSTILE_NAME) in html_text
    assert html.escape(SCRIPT) in html_text
    assert "**bold** [x](javascript:alert(1)) 3 (s003)" in visible(html_text)  # roster names
    assert "<" not in md.replace("&lt;", "")
    assert not re.search(r"(?<!\\)\]\(", md) and BOLD not in md  # no link, no emphasis
    assert "\\*\\*bold\\*\\* [x\\](javascript\\:alert(1)) 3 (s003)" in md
    assert md.count("&lt;img src=x onerror=alert(1)>") >= 1


def test_the_page_needs_nothing_but_itself(report):
    html_text = report[0]
    assert "default-src 'none'" in html_text  # no script, no request, even if one slipped in
    assert "<script" not in html_text and "http://" not in html_text.split("<svg")[0]
    assert not re.search(r"""(src|href)=["'](?!#)""", html_text)  # links within the page only
    assert html_text.count("<svg") == 2


# ----- the same class, the same bytes -----


def resumed(g: Graded) -> Graded:
    """``g`` as --resume keeps it: its scores and its grading.json's findings."""
    record = json.loads(grading_json.text(g, {}))
    return replace(g, result=None, kept=g.scores, kept_findings=record["findings"])


def test_the_same_class_gives_the_same_bytes_resumed_or_not(report):
    run = synthetic_class(29)
    assert texts(run) == report
    assert texts(replace(run, graded=[resumed(g) for g in reversed(run.graded)])) == report


def test_a_class_graded_then_resumed_reports_the_same(tmp_path):
    """Graded in the sandbox: the original, a copy and a known mistake (missing_sigma_prime);
    graded again with resume, the report is the same to the byte."""
    subs = tmp_path / "class"
    subs.mkdir()
    notebook = SOLUTIONS / f"{STEM_04}.ipynb"
    sigma = answers(STEM_04)["sigmoid_backward_answer"].replace("a * (1.0 - a) * dC_da", "dC_da")
    with_sources(notebook, subs / "alice.ipynb", {})
    copy = {f"{gid}_answer": s for gid, s in renamed(solution()).items()}
    with_sources(notebook, subs / "bob.ipynb", copy)
    with_sources(notebook, subs / "carol.ipynb", {"sigmoid_backward_answer": sigma})
    out = tmp_path / "out"
    grade(ASSIGNMENTS[STEM_04], [subs], out, jobs=2, progress=False, secret="s")
    first = [(out / f).read_bytes() for f in ("report.html", "report.md")]
    grade(ASSIGNMENTS[STEM_04], [subs], out, jobs=2, progress=False, secret="s", resume=True)
    assert [(out / f).read_bytes() for f in ("report.html", "report.md")] == first
    md = plain(first[1].decode())
    assert "| 1 | 33% | 1 | 4.1 sigmoid_backward | missing_sigma_prime |" in md
    assert re.search(r"^\| alice \| bob \| 100% \| \d+ \|$", md, re.M)
