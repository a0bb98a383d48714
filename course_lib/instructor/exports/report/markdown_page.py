"""report.md: the class report in Markdown, the same content as report.html with its
plots given as tables. Every cell goes through :func:`..text.markdown`, which escapes
whatever would be read as markup (learner text included: names, messages).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...results import ClassResults
from ..text import markdown
from .page import LINKS, MAX_ROWS
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


def table(head: Sequence[str], rows: Sequence[Sequence[object]], total: int = 0) -> list[str]:
    """A table, every cell escaped, and how many rows were left out of it."""
    lines = [
        "| " + " | ".join(markdown(str(h)) for h in head) + " |",
        "|" + " --- |" * len(head),
        *("| " + " | ".join(markdown(str(c)) for c in row) + " |" for row in rows),
        "",
    ]
    if total > len(rows):
        lines += [markdown(f"and {total - len(rows)} more not shown"), ""]
    return lines


def names(learners: Sequence[str], limit: int = 20) -> str:
    more = f" and {len(learners) - limit} more" if len(learners) > limit else ""
    return ", ".join(learners[:limit]) + more


def counts(s: Summary, found: Sequence[Count], what: str) -> list[str]:
    rows = [
        [
            f"{c.exercise.number} {c.exercise.function}",
            c.what,
            len(c.learners),
            s.share(len(c.learners)),
            names(c.learners),
        ]
        for c in found
    ]
    return table(["exercise", what, "submissions", "share", "who"], rows)


def scores(s: Summary) -> list[str]:
    a = s.assignment
    lines = ["## Scores", "", "The totals of the class:", ""]
    lines += table(
        ["total", "submissions"], [[t, s.totals.get(t, 0)] for t in range(a.max_score + 1)]
    )
    lines += ["What each exercise gave the class: its points earned, or why not:", ""]
    keys = [k for k in CATEGORIES if any(s.outcomes[ex.grade_id][k] for ex in a.exercises)]
    rows = [
        [f"{ex.number} {ex.function} ({ex.points})", *(s.outcomes[ex.grade_id][k] for k in keys)]
        for ex in a.exercises
    ]
    return lines + table(["exercise", *(CATEGORIES[k] for k in keys)], rows)


def mistakes(s: Summary) -> list[str]:
    lines = ["## Known mistakes", ""]
    if not s.mistakes:
        return [*lines, "No known mistake was recognised.", ""]
    lines += [
        "The known mistakes the grader recognised, the most frequent first (at most one per "
        "submission and exercise: the first case that fails). How to help with each: the "
        "instructor guide, section 5.",
        "",
    ]
    rows = [
        [
            i + 1,
            s.share(len(m.learners)),
            len(m.learners),
            f"{m.exercise.number} {m.exercise.function}",
            m.name,
            m.words,
            names(m.learners),
        ]
        for i, m in enumerate(s.mistakes)
    ]
    head = ["#", "share", "submissions", "exercise", "mistake", "what the learner reads", "who"]
    lines += table(head, rows)
    if s.unrecognised:
        lines += ["### Other wrong answers", "", "Wrong answers no known mistake explains:", ""]
        lines += counts(s, s.unrecognised, "what is wrong")
    return lines


def rows_of(found: Sequence) -> list[list[str]]:
    return [[r.learner, r.where, r.what, r.said] for r in found[:MAX_ROWS]]


def body(s: Summary) -> list[str]:
    items = [f"- {markdown(item)}" for item in headlines(s)]
    lines = ["## At a glance", "", *items, ""] if items else []
    lines += scores(s) + mistakes(s)
    lines += ["## Blocked by an earlier exercise", ""]
    if s.blocked:
        lines += [
            "Exercises that got no points because an earlier one they require fails its own "
            "public cases: what to fix first.",
            "",
            *counts(s, s.blocked, "blocked by"),
        ]
    else:
        lines += ["None.", ""]
    lines += ["## Time-outs and crashes", ""]
    if s.stops:
        head = ["submission", "where", "what", "what it said"]
        lines += [stopped(s), "", *table(head, rows_of(s.stops), len(s.stops))]
    else:
        lines += ["None: every call returned.", ""]
    lines += ["## Worth a human look", "", "### Calls off limits", ""]
    if s.flags:
        head = ["submission", "exercise", "flag", "what it said"]
        lines += table(head, rows_of(s.flags), len(s.flags))
    else:
        lines += ["None.", ""]
    lines += ["### Near-identical answers", ""]
    if s.pairs:
        groups = counted(len(s.groups), "group")
        lines += [f"{groups} of submissions with near-identical answers:", ""]
        members = [[len(g), names(g, MAX_ROWS)] for g in s.groups[:MAX_ROWS]]
        lines += table(["size", "submissions"], members, len(s.groups))
        lines += [LINKS, ""]
        pairs = [
            [p.first, p.second, f"{round(100 * p.similarity)}%", p.shared]
            for p in s.pairs[:MAX_ROWS]
        ]
        head = ["submission", "submission", "alike", "shared tokens"]
        lines += table(head, pairs, len(s.pairs))
    elif s.compared:
        lines += ["No two submissions have near-identical answers.", ""]
    return [*lines, similarity(s), ""]


def text(run: ClassResults) -> str:
    """report.md."""
    s = summary(run)
    a = s.assignment
    lines = [f"# {markdown(f'Class report: {a.stem} ({a.title})')}", "", markdown(lead(s)), ""]
    lines += body(s) if s.size else ["No submission was graded.", ""]
    lines += [f"Percentages are of the {s.size} submissions graded.", ""]
    return "\n".join(lines)
