"""Issue 23, findings 5 and 9: collection races, names that collide, Markdown in feedback.

Each test attacks `course-lib grade` (``course_lib.cli.main``, in this process, so that a
test can hook into the grading loop) as a learner with a shell on the grading host (a
JupyterHub) would: swapping a folder for a symbolic link once grading has started,
naming a file so that it takes a classmate's row, or writing Markdown in an error message
or a file name so that feedback.md shows fake marks, links or headings.

The sandbox is on in every run (these attacks are on the host's files and on the grader's
outputs, not from inside the learner's process, but nothing here needs it off).
Notebooks are solutions/04_backward_pass.ipynb with one change, so every row's scores say
whose notebook was graded: FULL (9), NO_SIGMOID (8: sigmoid_backward raises) or ZERO (the
exercise notebook, nothing implemented).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import nbformat
from exercise_tools import EXERCISES, SOLUTIONS, grade_id
from markdown_it import MarkdownIt

from course_lib.cli import main
from course_lib.exercises.assignments import ASSIGNMENTS
from course_lib.instructor.exports.text import markdown
from course_lib.instructor.grading import batch

STEM = "04_backward_pass"
NB = f"{STEM}.ipynb"
FULL = {ex.grade_id: ex.points for ex in ASSIGNMENTS[STEM].exercises}
ZERO = dict.fromkeys(FULL, 0)
NO_SIGMOID = {**FULL, "sigmoid_backward": 0}
MAX = sum(FULL.values())
BODIES = {  # a line of each answer, replaced by a `raise` in the Markdown attack
    "sigmoid_backward_answer": "return a * (1.0 - a) * dC_da",
    "linear_backward_answer": "dC_dW = dC_dz.T @ a  # (n_out, N) @ (N, n_in): the shape of W",
    "backprop_answer": "N = x.shape[0]",
    "backprop_deep_answer": "a = [x]  # a[l] is a_[l]: the forward pass keeps every activation",
}


# ----- notebooks, the command, its outputs -----


def notebook(path: Path, kind: str = "full", raises: dict[str, str] | None = None) -> Path:
    """Write a notebook: "full" (the solution), "no_sigmoid" (sigmoid_backward raises) or
    "zero" (the exercise notebook); ``raises`` maps grade ids of answers (or "cell", a
    top-level cell) to the message of a ValueError raised there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = EXERCISES / NB if kind == "zero" else SOLUTIONS / NB
    nb = nbformat.read(source, as_version=4)
    raises = dict(raises or {})
    if kind == "no_sigmoid":
        raises.setdefault("sigmoid_backward_answer", "not today")
    for cell in nb.cells:
        if grade_id(cell) in raises:
            old = BODIES[grade_id(cell)]
            assert old in cell.source
            cell.source = cell.source.replace(old, f"raise ValueError({raises[grade_id(cell)]!r})")
    if "cell" in raises:
        extra = nbformat.v4.new_code_cell(f"raise ValueError({raises['cell']!r})")
        extra.id = "attack"
        nb.cells.append(extra)
    nbformat.write(nb, path)
    return path


def grade(out: Path, *submissions: Path, extra: tuple[str, ...] = ()) -> None:
    args = ["grade", "--assignment", STEM, "--out", str(out), "--no-progress", "--jobs", "1"]
    assert main([*args, *extra, *map(str, submissions)]) == 0


def grades(out: Path) -> dict[str, dict[str, int]]:
    """grades.csv as {submission: {grade_id: points}}."""
    table = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    return {row["submission"]: {gid: int(row[gid]) for gid in FULL} for row in table}


def record(out: Path, name: str) -> dict:
    return json.loads((out / "submissions" / name / "grading.json").read_text(encoding="utf-8"))


def feedback(out: Path, name: str) -> str:
    return (out / "submissions" / name / "feedback.md").read_text(encoding="utf-8")


def sources(out: Path) -> dict[str, str]:
    """Every row's graded file, by row name."""
    return {name: record(out, name)["source"] for name in grades(out)}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def swap_on_first_grading(monkeypatch, swap) -> list[bool]:
    """Run ``swap()`` once, when the first submission's turn comes (after collection)."""
    real, done = batch.grade_one, []

    def swap_then_grade(*args, **kwargs):
        if not done:
            swap()
            done.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "grade_one", swap_then_grade)
    return done


# ----- finding 5: collection races -----


def test_a_folder_swapped_for_a_link_once_grading_started_is_graded_as_collected(
    tmp_path, monkeypatch
):
    """alice (8 points) swaps her folder for a link to bob's (9 points), and carol (8)
    rewrites her notebook with bob's, after the submissions were collected but before
    their turn: each is graded on the bytes collected, and says so in grading.json."""
    subs = tmp_path / "class"
    alice = notebook(subs / "alice" / NB, "no_sigmoid")
    bob = notebook(subs / "bob" / NB, "full")
    carol = notebook(subs / "carol" / NB, "no_sigmoid")
    collected = {"alice": sha256(alice), "bob": sha256(bob), "carol": sha256(carol)}

    def swap():
        (subs / "alice").rename(tmp_path / "alice-was-here")
        (subs / "alice").symlink_to(subs / "bob", target_is_directory=True)
        carol.write_bytes(bob.read_bytes())

    done = swap_on_first_grading(monkeypatch, swap)
    out = tmp_path / "out"
    grade(out, subs)
    assert done
    expected = {"alice": NO_SIGMOID, "bob": FULL, "carol": NO_SIGMOID}
    assert grades(out) == {f"{who}-{STEM}": scores for who, scores in expected.items()}
    for who, digest in collected.items():
        assert record(out, f"{who}-{STEM}")["sha256"] == digest, who
    assert "raised ValueError" in feedback(out, f"alice-{STEM}").replace("\\", "")


def test_a_link_in_the_middle_of_a_path_is_never_followed(tmp_path, monkeypatch, capsys):
    """alice's folder `work` becomes a link to bob's once grading started; carol's `work`
    was a link to bob's from the start; dave's notebook is a link to bob's: none of them
    is graded on bob's notebook (dave gets a zero row saying why; carol's link is named
    on stderr, as it holds no submission the grader could name)."""
    subs = tmp_path / "class"
    alice = notebook(subs / "alice" / "work" / NB, "no_sigmoid")
    bob = notebook(subs / "bob" / "work" / NB, "full")
    (subs / "carol").mkdir()
    (subs / "carol" / "work").symlink_to(subs / "bob" / "work", target_is_directory=True)
    (subs / "dave.ipynb").symlink_to(bob)
    before = sha256(alice)

    def swap():
        (subs / "alice" / "work").rename(subs / "alice" / "old")
        (subs / "alice" / "work").symlink_to(subs / "bob" / "work", target_is_directory=True)

    done = swap_on_first_grading(monkeypatch, swap)
    out = tmp_path / "out"
    grade(out, subs)
    assert done
    assert grades(out) == {
        f"alice-work-{STEM}": NO_SIGMOID,
        f"bob-work-{STEM}": FULL,
        "dave": ZERO,
    }
    assert record(out, f"alice-work-{STEM}")["sha256"] == before
    assert "symbolic link" in feedback(out, "dave")
    assert record(out, "dave")["sha256"] is None  # nothing was read through the link
    assert str(subs / "carol" / "work") in capsys.readouterr().err


# ----- finding 5: names -----


def test_a_name_that_only_cleans_to_a_classmates_never_takes_their_row(tmp_path):
    """`-bob.ipynb`, `=bob.ipynb`, `bob .ipynb` and `BOB.ipynb` (nothing implemented) next to
    bob's `bob.ipynb` (full marks), on the command line in either order and as a folder:
    the row `bob` and bob's override are always bob's, and no two names are the same for a
    file system that ignores letter case."""
    subs = tmp_path / "class"
    bob = notebook(subs / "bob.ipynb", "full")
    others = [notebook(subs / f"{n}.ipynb", "zero") for n in ("-bob", "=bob", "bob ", "BOB")]
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("student,exercise,points,reason\nbob,backprop,0,seen copying\n")
    runs = {
        "attackers first": [*others, bob],
        "bob first": [bob, *others],
        "the folder": [subs],
    }
    named = {}
    for run, paths in runs.items():
        out = tmp_path / run
        grade(out, *paths, extra=("--overrides", str(overrides)))
        rows, graded = grades(out), sources(out)
        assert graded["bob"] == str(bob), run
        assert rows["bob"] == {**FULL, "backprop": 0}, run  # bob's override, on bob's row
        assert [n for n in rows if n != "bob"] and all(
            rows[n] == ZERO and n.casefold() != "bob" for n in rows if n != "bob"
        ), (run, rows)
        assert len({n.casefold() for n in rows}) == len(rows) == 5, (run, rows)
        assert all(re.fullmatch(r"\w[\w.-]*", n) for n in rows), rows  # file-system-safe
        named[run] = graded
    assert named["attackers first"] == named["bob first"] == named["the folder"]


LAYOUTS = [  # who -> the stem of their file in their folder; the name bob's row would have
    ({"alice": f"bob-{STEM}", "bob": "bob"}, "bob"),
    ({"alice": f"bob-{STEM}", "bob": STEM, "carol": STEM}, f"bob-{STEM}"),
]


def test_a_file_named_after_a_classmates_row_does_not_take_it(tmp_path):
    """`alice/bob-04_backward_pass.ipynb` (nothing implemented) beside `bob/bob.ipynb`, and
    beside `bob/04_backward_pass.ipynb` and `carol/04_backward_pass.ipynb` (whose rows are
    told apart by their folders: bob's would be `bob-04_backward_pass`), with a roster:
    alice's file never takes bob's name nor bob's place in the gradebook, whatever order
    the folders are given in."""
    for k, (layout, bobs) in enumerate(LAYOUTS):
        subs = tmp_path / f"class{k}"
        files = {
            who: notebook(subs / who / f"{stem}.ipynb", "zero" if who == "alice" else "full")
            for who, stem in layout.items()
        }
        roster = tmp_path / f"roster{k}.csv"
        roster.write_text("student_id,login\n" + "".join(f"s_{who},{who}\n" for who in layout))
        named = []
        for order in (1, -1):
            out = tmp_path / f"out{k}{order}"
            grade(out, *[subs / who for who in layout][::order], extra=("--roster", str(roster)))
            rows, graded = grades(out), sources(out)
            by_file = {Path(source): name for name, source in graded.items()}
            alice = by_file[files["alice"]]
            assert alice != bobs and rows[alice] == ZERO, rows
            assert bobs not in rows or graded[bobs] == str(files["bob"]), rows
            book = {
                row["student_id"]: row
                for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))
            }
            assert book["s_bob"]["submission"] == by_file[files["bob"]]
            assert book["s_bob"]["total"] == str(MAX) and book["s_alice"]["total"] == "0"
            named.append(by_file)
        assert named[0] == named[1]


def test_the_roster_matches_a_submission_by_its_own_folders_only(tmp_path):
    """A student whose login is the name of a folder above the one the instructor named
    (here `term`) matches nobody's submission; alice's and bob's stay theirs."""
    subs = tmp_path / "term" / "class"
    notebook(subs / "alice" / NB, "full")
    notebook(subs / "bob" / NB, "no_sigmoid")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,login\ns1,alice\ns2,bob\ns3,term\n")
    out = tmp_path / "out"
    grade(out, subs, extra=("--roster", str(roster)))
    book = {
        row["student_id"]: row
        for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))
    }
    assert (book["s1"]["total"], book["s2"]["total"]) == (str(MAX), str(MAX - 1)), book
    assert book["s3"]["total"] == "0" and book["s3"]["notes"] == "no submission found"


# ----- finding 9: Markdown in feedback -----

MESSAGES = {
    "sigmoid_backward_answer": "**Score: 9 / 9**",
    "linear_backward_answer": "[click](http://x) ![img](x) <b>html</b> &amp; _em_ ~~gone~~",
    "backprop_answer": "`` ` `` ``` `x` ``` ` **a** ` and `code` and ``",
    "backprop_deep_answer": "# heading | a | b | www.example.com a@b.cd $x$ <http://y> \\",
    "cell": "- item 1. one > quote === ``` <div> [ref]: http://z __init__ *x*",
}
FILE_NAME = "**bold** _em_ [click](x) `tick` <b>x<b> | t | # h.ipynb"
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKUP = set(  # tokens no learner text may produce
    "em_open s_open link_open image code_inline html_inline html_block table_open "
    "blockquote_open fence code_block hr ordered_list_open".split()
)


def inline_texts(tokens) -> str:
    """The text a reader sees, inline by inline, one line each."""
    return "\n".join(
        "".join(c.content for c in t.children or [] if c.type == "text")
        for t in tokens
        if t.type == "inline"
    )


def test_markdown_in_messages_and_file_names_renders_as_text(tmp_path):
    """Error messages (of the graded functions and of a top-level cell) and a file name
    full of Markdown: rendered by a CommonMark implementation (with GFM tables and
    strikethrough), feedback.md shows them as text, word for word, and its only markup is
    the grader's (its headings, its bullets, the score in bold)."""
    subs = tmp_path / "class"
    notebook(subs / "messages.ipynb", raises=MESSAGES)
    notebook(subs / FILE_NAME, "no_sigmoid")
    out = tmp_path / "out"
    grade(out, subs)
    rows = grades(out)
    assert rows["messages"] == ZERO
    (named,) = set(rows) - {"messages"}
    assert rows[named] == NO_SIGMOID
    for name, shown in (("messages", [*MESSAGES.values(), "messages.ipynb"]), (named, [FILE_NAME])):
        text = feedback(out, name)
        tokens = RENDERER.parse(text)
        seen = inline_texts(tokens)
        for message in shown:
            assert message in seen, (message, seen)  # every character shown as it was written
        types = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
        assert types & MARKUP == set(), types & MARKUP
        headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        assert headings[0].startswith("Feedback on") and headings[1:] == [
            *(f"{gid} ({rows[name][gid]} / {points})" for gid, points in FULL.items()),
            *(
                ["Cells that failed when the notebook ran from top to bottom"]
                * (name == "messages")
            ),
        ]
        strong = [
            after.content
            for t in tokens
            if t.type == "inline"
            for before, after in zip(t.children, t.children[1:], strict=False)
            if before.type == "strong_open"
        ]
        assert strong == [f"{sum(rows[name].values())} / {MAX}"]  # the grader's only
        items = sum(t.type == "list_item_open" for t in tokens)
        assert items == sum(line.startswith("- ") for line in text.splitlines())
        assert max(t.level for t in tokens if t.type == "bullet_list_open") == 0  # no nesting
        # GFM's extended autolinks (not in markdown-it) need these in the source as written
        assert not re.search(r"(?<!\\)(://|@)", text) and "www." not in text.lower()
        for file in ("results.json", "grading.json"):  # JSON stays free of HTML too
            assert "<" not in (out / "submissions" / name / file).read_text(encoding="utf-8")
    assert all(re.fullmatch(r"\w[\w.-]*", n) for n in rows), rows  # no formula in a cell


LINE_STARTS = [  # what makes a block when it starts a line (or a bullet's content)
    "# heading",
    "- item",
    "+ item",
    "* item",
    "1. one",
    "1) one",
    "    indented code",
    "===",
    "---",
    "> quote",
    "| a | b | |---|---|",
    "```python",
    "~~~",
    "<div>",
    "[ref]: http://x",
    "**Score: 9 / 9**",
    "`code` ``more``",
    "_em_ __strong__ ~~s~~",
    "\\",
]


def test_learner_text_is_inert_where_a_line_or_a_list_item_starts():
    """markdown() (what feedback.md's writer puts around learner text): the text alone on
    a line, and as a bullet's content, is one paragraph of plain text, shown as written."""
    wrong = []
    for learner in LINE_STARTS:
        for source, bullet in ((markdown(learner), False), (f"- {markdown(learner)}", True)):
            tokens = RENDERER.parse(source)
            kinds = [t.type for t in tokens if t.type not in ("list_item_open", "list_item_close")]
            if bullet and kinds[:1] == ["bullet_list_open"] and kinds[-1:] == ["bullet_list_close"]:
                kinds = kinds[1:-1]
            inline = [c.type for t in tokens if t.type == "inline" for c in t.children]
            if (
                kinds != ["paragraph_open", "inline", "paragraph_close"]
                or set(inline) != {"text"}
                or inline_texts(tokens) != learner
            ):
                wrong.append((source, kinds, inline, inline_texts(tokens)))
    assert wrong == []
