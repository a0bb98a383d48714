"""What the writers share: text that learner words cannot turn into HTML, a link or a
formula, and the lines that say which points the instructor changed.

Learner text (error messages, type names, file names) reaches the writers already folded
to one line (``codec.text``); :func:`markdown` escapes every line of feedback.md that can
hold some, :func:`json_text` every JSON file, :func:`cell` every spreadsheet cell.
"""

from __future__ import annotations

import csv
import io
import json

from ...exercises import codec
from ..results import Graded

UNSAFE = (
    "UNSAFE: graded with --no-sandbox: the learners' code ran with the grader's rights, "
    "so it could read and change its files and these results"
)

# HTML and links are what a line can smuggle in; emphasis and code spans are harmless
_MARKDOWN = str.maketrans(
    {"<": "&lt;", ">": "&gt;", "&": "&amp;", "\\": "\\\\", "[": "\\[", "]": "\\]"}
)


def markdown(line: str) -> str:
    """One line of text that cannot become HTML, a link, an image or a line of its own."""
    return codec.text(line, 2000).translate(_MARKDOWN)


def json_text(data: dict) -> str:
    """JSON in which learner text cannot pass for HTML: <, > and & are written as escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def cell(text: str) -> str:
    """Text for a spreadsheet cell: never read as a formula (=, +, -, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(lines: list[list]) -> str:
    """CSV lines ending in \\n."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue()


def override_lines(graded: Graded) -> dict[str, str]:
    """One line per overridden exercise, for the learner, by grade_id (exercise order)."""
    lines = {}
    for r in graded.result.exercises if graded.result else []:
        o = graded.override(r.exercise.grade_id)
        if o is not None:
            lines[o.exercise] = (
                f"{o.exercise}: {o.points} / {r.exercise.points} points, set by your "
                f"instructor (the cases gave {r.score}): {o.reason}"
            )
    return lines
