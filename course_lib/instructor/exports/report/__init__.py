"""The class report, written into ``--out`` with the grades: ``report.html`` (one page
that needs nothing but itself, :mod:`.page`) and ``report.md`` (the same in Markdown,
:mod:`.markdown_page`), for an instructor to know what to re-teach: how each exercise
went, the known mistakes ranked by how many made them, the exercises blocked by an
earlier one, the time-outs and crashes, and the submissions worth a human look (calls
off limits, near-identical answers: :mod:`.similarity`).

Both are written from one :class:`.summary.Summary` of the run; what it needs of each
submission beyond its scores is in :mod:`.findings`, which grading.json records so that
``--resume`` reports the same.
"""

from __future__ import annotations

from . import markdown_page, page
from .findings import answer_cells

__all__ = ["answer_cells", "markdown_page", "page"]
