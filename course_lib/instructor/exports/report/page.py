"""report.html: the class report as one page that needs nothing but itself: its style and
its plots (inline SVG) are in it, it runs no script and fetches nothing (its Content
Security Policy forbids both, should anything slip in).

Every string that comes from a learner (a name, a file name, a message) is escaped where
it is put in (:func:`esc`); only :class:`Raw` markup, made here from numbers and the
report's own words, goes in as it is.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from string import Template

from ...results import ClassResults
from . import plots
from .summary import (
    CATEGORIES,
    Count,
    Summary,
    counted,
    headlines,
    lead,
    similarity,
    stopped,
    summary,
)

MAX_ROWS = 100  # rows of a table about learners (the rest are counted)
MAX_NAMES = 200  # names listed under a count
LINKS = (
    "The pairs found alike that link them (submissions with the same tokenised answers are "
    "paired with the first of them):"
)


class Raw(str):
    """Markup made by the report itself: put in the page as it is."""


def esc(value: object) -> str:
    return value if isinstance(value, Raw) else html.escape(str(value), quote=True)


def table(head: Sequence[str], rows: Sequence[Sequence[object]], total: int = 0) -> Raw:
    """A table (its cells escaped unless Raw), and how many rows were left out of it."""
    cells = "".join(f"<th scope='col'>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    left = total - len(rows)
    more = f"<p class='more'>and {left} more not shown</p>" if left > 0 else ""
    return Raw(f"<div class='scroll'><table><tr>{cells}</tr>{body}</table></div>{more}")


def bar(s: Summary, n: int) -> Raw:
    """A learners' share of the class, as a number and a bar."""
    width = round(100 * n / s.size) if s.size else 0
    return Raw(
        f"<span class='share'>{esc(s.share(n))}</span>"
        f"<span class='bar'><span style='width:{width}%'></span></span>"
    )


def listed(learners: Sequence[str]) -> str:
    """Names, as many as MAX_NAMES, then how many more."""
    more = f" and {len(learners) - MAX_NAMES} more" if len(learners) > MAX_NAMES else ""
    return ", ".join(learners[:MAX_NAMES]) + more


def who(learners: Sequence[str]) -> Raw:
    """The learners behind a count, folded away."""
    return Raw(
        f"<details><summary>{len(learners)}</summary><p>{esc(listed(learners))}</p></details>"
    )


def section(anchor: str, title: str, *parts: str) -> str:
    return f"<section id='{anchor}'><h2>{esc(title)}</h2>{''.join(parts)}</section>"


def para(text: str) -> Raw:
    return Raw(f"<p>{esc(text)}</p>")


def glance(s: Summary) -> str:
    items = "".join(f"<li>{esc(item)}</li>" for item in headlines(s))
    return f"<div class='glance'><h2>At a glance</h2><ul>{items}</ul></div>" if items else ""


def scores(s: Summary) -> str:
    a = s.assignment
    rows = [(f"{ex.number} {ex.function}", s.outcomes[ex.grade_id]) for ex in a.exercises]
    figures = (
        "<figure>"
        + plots.totals(s.totals, a.max_score, s.mean)
        + "<figcaption>The totals of the class.</figcaption></figure><figure>"
        + plots.exercises(rows, CATEGORIES)
        + "<figcaption>What each exercise gave the class: its points earned, or why "
        "not.</figcaption></figure>"
    )
    body = []
    for ex in a.exercises:
        full = s.outcomes[ex.grade_id]["full"]
        mean = sum(x.graded.scores[ex.grade_id] for x in s.learners) / s.size
        body.append([f"{ex.number} {ex.function}", ex.points, full, bar(s, full), f"{mean:.2f}"])
    head = ["exercise", "points", "full points", "share", "mean points"]
    return section("scores", "Scores", figures, table(head, body))


def mistakes(s: Summary) -> str:
    if not s.mistakes:
        return section("mistakes", "Known mistakes", para("No known mistake was recognised."))
    rows = [
        [
            i + 1,
            bar(s, len(m.learners)),
            who(m.learners),
            f"{m.exercise.number} {m.exercise.function}",
            Raw(f"<code>{esc(m.name)}</code>"),
            m.words,
        ]
        for i, m in enumerate(s.mistakes)
    ]
    head = ["#", "share", "submissions", "exercise", "mistake", "what the learner reads"]
    intro = para(
        "The known mistakes the grader recognised, the most frequent first (at most one per "
        "submission and exercise: the first case that fails). How to help with each: the "
        "instructor guide, section 5."
    )
    other = ""
    if s.unrecognised:
        other = "<h3>Other wrong answers</h3>" + counts(
            s, s.unrecognised, "what is wrong", "Wrong answers that no known mistake explains."
        )
    return section("mistakes", "Known mistakes", intro, table(head, rows), other)


def counts(s: Summary, found: Sequence[Count], what: str, intro: str) -> str:
    rows = []
    for c in found:
        exercise = f"{c.exercise.number} {c.exercise.function}"
        rows.append([exercise, c.what, who(c.learners), bar(s, len(c.learners))])
    return para(intro) + table(["exercise", what, "submissions", "share"], rows)


def blocked(s: Summary) -> str:
    if not s.blocked:
        return section("blocked", "Blocked by an earlier exercise", para("None."))
    intro = (
        "Exercises that got no points because an earlier one they require fails its own "
        "public cases: what to fix first."
    )
    return section(
        "blocked", "Blocked by an earlier exercise", counts(s, s.blocked, "blocked by", intro)
    )


def stops(s: Summary) -> str:
    if not s.stops:
        return section("stops", "Time-outs and crashes", para("None: every call returned."))
    intro = para(stopped(s))
    rows = [[r.learner, r.where, r.what, r.said] for r in s.stops[:MAX_ROWS]]
    head = ["submission", "where", "what", "what it said"]
    return section("stops", "Time-outs and crashes", intro, table(head, rows, len(s.stops)))


def look(s: Summary) -> str:
    parts = ["<h3>Calls off limits</h3>"]
    if s.flags:
        rows = [[r.learner, r.where, r.what, r.said] for r in s.flags[:MAX_ROWS]]
        parts.append(table(["submission", "exercise", "flag", "what it said"], rows, len(s.flags)))
    else:
        parts.append(para("None."))
    parts.append("<h3>Near-identical answers</h3>")
    if s.pairs:
        groups = [[len(g), listed(g)] for g in s.groups[:MAX_ROWS]]
        parts.append(
            para(f"{counted(len(s.groups), 'group')} of submissions with near-identical answers:")
            + table(["size", "submissions"], groups, len(s.groups))
            + para(LINKS)
            + table(
                ["submission", "submission", "alike", "shared tokens"],
                [
                    [p.first, p.second, f"{round(100 * p.similarity)}%", p.shared]
                    for p in s.pairs[:MAX_ROWS]
                ],
                len(s.pairs),
            )
        )
    elif s.compared:
        parts.append(para("No two submissions have near-identical answers."))
    parts.append(para(similarity(s)))
    return section("look", "Worth a human look", *parts)


PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="color-scheme" content="light">
<title>$title</title>
<style>
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #222; background: #fafafa; margin: 0; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; background: #fff; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #eee; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
nav a { margin-right: 1rem; color: #0a5a9c; }
.lead { color: #444; margin-top: 0; }
.glance { background: #fff8e6; border-left: 4px solid #E69F00; padding: 0.25rem 1rem; }
.glance h2 { border: 0; margin-top: 0.5rem; }
figure { margin: 1rem 0; }
figure svg { width: 100%; height: auto; max-width: 48rem; display: block; }
figcaption { color: #555; font-size: 0.9rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; margin: 0.5rem 0; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #e5e5e5;
  vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f3f3; white-space: nowrap; }
td:not(:last-child) { white-space: nowrap; }
td:last-child { min-width: 16rem; }
tr:nth-child(odd) td { background: #fcfcfc; }
.share { display: inline-block; min-width: 3rem; }
.bar { display: inline-block; width: 6rem; height: 0.6rem; background: #eee; }
.bar span { display: block; height: 100%; background: #E69F00; }
details summary { cursor: pointer; }
code { background: #f1f1f1; padding: 0 0.2rem; border-radius: 3px; }
.more, footer { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<main>
<h1>$title</h1>
<p class="lead">$lead</p>
<nav><a href="#scores">Scores</a><a href="#mistakes">Mistakes</a><a href="#blocked">Blocked</a>\
<a href="#stops">Time-outs and crashes</a><a href="#look">Worth a look</a></nav>
$body
<footer><p>Written by course-lib grade from the results of this run; percentages are of the \
$size submissions graded.</p></footer>
</main>
</body>
</html>
""")


def text(run: ClassResults) -> str:
    """report.html."""
    s = summary(run)
    if s.size:
        parts = [glance(s), scores(s), mistakes(s), blocked(s), stops(s), look(s)]
    else:
        parts = [para("No submission was graded.")]
    a = s.assignment
    return PAGE.substitute(
        title=esc(f"Class report: {a.stem} ({a.title})"),
        lead=esc(lead(s)),
        body="\n".join(parts),
        size=s.size,
    )
