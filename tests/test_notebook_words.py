"""How long the notebooks' prose is, and how long its sentences are (issue 24: plain English).

Only the markdown cells count, with fenced code blocks, inline code, math, tables, headings and
HTML tags left out. A word is a run of letters; a sentence ends at `.`, `!` or `?` followed by
a space or the end of the text (so "0.5" does not end one), or at the end of a cell.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_WORDS_05 = 2_500  # issue 24: 05 is about backprop on real digits, not the recipe's story
MAX_WORDS_PER_SENTENCE = 18  # issue 24: plain English, on average over a notebook's prose

_LEFT_OUT = [
    re.compile(r"```.*?```", re.S),  # fenced code blocks
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),  # LaTeX environments
    re.compile(r"(?<!\\)\$.+?(?<!\\)\$", re.S),  # inline math
    re.compile(r"`[^`]*`"),  # inline code
    re.compile(r"^\s*\|.*$", re.M),  # table rows
    re.compile(r"^\s*#.*$", re.M),  # headings
    re.compile(r"<[^>]+>"),  # HTML tags (the text between them is prose and counts)
]
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"(?<!\b[^\W\d_])[.!?]+(?=[\s\"')\]*_]|$)")


def prose(markdown: str) -> str:
    """A markdown cell's text without code, math, tables, headings and HTML tags."""
    for pattern in _LEFT_OUT:
        markdown = pattern.sub(" ", markdown)
    return markdown


@dataclass(frozen=True)
class Measure:
    words: int
    sentences: int

    @property
    def average(self) -> float:
        """Words per sentence."""
        return self.words / self.sentences if self.sentences else 0.0


def measure_text(markdown: str) -> Measure:
    text = prose(markdown)
    words = len(_WORD.findall(text))
    sentences = sum(1 for part in _SENTENCE_END.split(text) if _WORD.search(part))
    return Measure(words, sentences)


def measure_notebook(path: Path) -> Measure:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    parts = [measure_text("".join(c["source"])) for c in cells if c["cell_type"] == "markdown"]
    return Measure(sum(p.words for p in parts), sum(p.sentences for p in parts))


def test_the_measure_counts_only_prose():
    text = (
        "# A heading is left out\n\nOne two three. Four, five!\n\n"
        "| a | table | row |\n\n`inline code` and $x + y$ stay out; so does\n"
        "$$\nz = 1\n$$\n```python\nprint('code')\n```\n<b>bold</b> is 0.5 words? No"
    )
    found = measure_text(text)
    expected = "One two three Four five and stay out so does bold is words No"
    assert found.words == len(expected.split())
    assert found.sentences == 4


def test_notebook_05_main_text_is_at_most_2500_words():
    found = measure_notebook(ROOT / "notebooks" / "05_digit_classification.ipynb")
    assert found.words <= MAX_WORDS_05, found


def test_every_notebook_averages_at_most_18_words_per_sentence():
    """Issue 24: plain English, at most 18 words per sentence on average (the table is printed)."""
    too_long = []
    for folder in ("notebooks", "exercises"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            found = measure_notebook(path)
            print(
                f"{folder}/{path.name}: {found.words} words, {found.sentences} sentences, "
                f"{found.average:.1f} words per sentence"
            )
            if found.average > MAX_WORDS_PER_SENTENCE:
                too_long.append(f"{folder}/{path.name}: {found.average:.1f}")
    assert not too_long, f"over {MAX_WORDS_PER_SENTENCE} words per sentence: {too_long}"
