"""What the writers share: text that learner words cannot turn into markup, a link or a
formula, and the lines that say which points the instructor changed.

Learner text (error messages, type names, file names) reaches the writers already folded
to one line (``codec.text``); :func:`markdown` escapes every line of feedback.md that can
hold some, :func:`json_text` every JSON file, :func:`cell` every spreadsheet cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
import string

from ...exercises import codec
from ...i18n import N_, _
from ..results import Graded

# in English, as the grader prints it on its standard error; the learner reads _(UNSAFE)
UNSAFE = N_(
    "UNSAFE: graded with --no-sandbox: the learners' code ran with the grader's rights, "
    "so it could read and change its files and these results"
)

# Markdown (CommonMark, with GitHub's tables, strikethrough, autolinks and math) gives
# these ASCII punctuation characters a meaning wherever they stand; any ASCII punctuation
# may be backslash-escaped, and < and & are written as entities
_ENTITIES = {"<": "&lt;", "&": "&amp;"}
_ALWAYS = frozenset("\\`*|~$#{}^@")
_LIST_ITEM = re.compile(r"\d{1,9}[.)]")  # "1." or "1)" starting a line: an ordered list


def _escaped(text: str, i: int, marker: int) -> bool:
    """Whether ``text[i]``, an ASCII punctuation character, must be escaped where a line
    or a bullet may start with ``text``: those of _ALWAYS; the first one, and the "." or
    ")" of an ordered list's "1." or "1)" (at ``marker``), as they may start a block (a
    heading, a list, a quote, a rule, a link's definition); ``_`` unless between two
    letters or digits (emphasis needs one at a word's edge); what makes a link or an image
    with no definition (there is none in feedback.md): ``](``, ``![``, ``[[``, ``[^``;
    what starts an autolink: ``:`` unless a space or the end follows (``http://``), the
    "." of "www.". The rest (.,;:?!'"()[]%/=+->) means nothing there."""
    c, before, after = text[i], text[i - 1 : i], text[i + 1 : i + 2]
    return (
        c in _ALWAYS
        or i in (0, marker)
        or (c == "_" and not (before.isalnum() and after.isalnum()))
        or (c == "]" and after == "(")
        or (c in "![" and after in ("[", "^"))
        or (c == ":" and after.strip() != "")
        or (c == "." and text[max(0, i - 3) : i].lower() == "www")
    )


def markdown(line: str) -> str:
    """One line of text that renders as that text, character for character, wherever it
    stands in feedback.md (mid-line, starting a line or a bullet): never as emphasis, a
    link, an image, a heading, a list, a quote, a table, a code span or HTML. Punctuation
    that means nothing where it stands is left as it is, so that the file stays readable
    as plain text too."""
    text = codec.text(line, 2000)
    body = text.lstrip(" ")
    out = ["&#32;" * (len(text) - len(body))]  # indented by 4, a line would be code
    marker = _LIST_ITEM.match(body)
    end = marker.end() - 1 if marker else -1
    for i, c in enumerate(body):
        if c in _ENTITIES:
            out.append(_ENTITIES[c])
        elif c in string.punctuation and _escaped(body, i, end):
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def json_text(data: dict) -> str:
    """JSON in which learner text cannot pass for HTML: <, > and & are written as escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def cell(text: str) -> str:
    """Text for a spreadsheet cell: never read as a formula (=, +, -, @ first), but a lone
    "-" (Moodle's "never") or a number left as they are."""
    if text == "-" or re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return text
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
            # TRANSLATORS: {exercise} is the function's name; {reason} is the instructor's
            # own words, as they wrote them
            line = _(
                "{exercise}: {points} / {max_points} points, set by your instructor (the "
                "cases gave {score}): {reason}"
            )
            lines[o.exercise] = line.format(
                exercise=o.exercise,
                points=o.points,
                max_points=r.exercise.points,
                score=r.score,
                reason=o.reason,
            )
    return lines
