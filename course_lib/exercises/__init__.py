"""Exercises: one source (solutions/), generated student notebooks (exercises/),
checks in the notebook, and an isolated batch grader.

- ``check(grade_id, func)``: the check cell of a notebook (advisory, never raises)
- ``assignments``: every graded function, its cases and its course_lib reference
- ``build``: ``course-lib build``, exercises/ from solutions/
- ``runner`` and ``worker``: run a learner's notebook in a separate, limited process
- ``grade``: ``course-lib grade``, CSV, Gradescope results.json and feedback.md
"""

from .check import check

__all__ = ["check"]
