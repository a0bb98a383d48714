"""The learner's side of the exercises: the check cell of the notebooks, ``course-lib
check``, and the engine both use. In layers, each using only those below it
(a test of the instructor's repository keeps it so):

0. values: ``inputs`` (named inputs), ``codec`` (the data-only wire format), ``monitor``
   (what a function calls), ``autograding`` (when a check must raise)
1. what an exercise is: ``spec`` (the data model), ``assignments`` (the course's exercises:
   hints, public cases, what may not be called)
2. ``engine``: run a case, judge the answer
3. ``process/``: the learner's process (``notebook``, ``channel``, ``worker``, ``session``)
4. ``report``: words for the learner
5. commands: ``checking`` (the notebook's check cell), ``cli`` (``course-lib check``)

What only instructors run (the answer key, hidden cases, the batch grader, LMS files,
Gradescope, build, release, the bubblewrap sandbox) is ``course_lib.instructor``, which
the learner edition leaves out and nothing here imports.

``from course_lib.exercises import check`` gives the check cell's function; it is loaded
on first use, so that ``course-lib lab`` or ``train`` never load the engine.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check"]


def __getattr__(name: str) -> Any:
    if name == "check":
        from .checking import check

        return check
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
