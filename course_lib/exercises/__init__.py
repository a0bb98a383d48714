"""Exercises: checks in the notebooks, and a sandboxed grader. In layers, each using only
those below it (tests/test_grader_layers.py keeps it so):

0. values: ``inputs`` (named inputs), ``codec`` (the data-only wire format), ``monitor``
   (what a function calls), ``autograding`` (when a check must raise)
1. what an exercise is: ``spec`` (the data model), ``assignments`` (hints, public cases,
   references, what may not be called), ``hidden`` (the instructor's hidden cases)
2. ``engine``: run a case, judge the answer
3. the learner's process: ``sandbox`` (bubblewrap), ``worker`` (in it), ``runner`` (from here)
4. ``report``: words for the learner, files for the instructor; ``gradebook``: a class's
   roster, overrides and LMS files
5. commands: ``check`` (the notebook's check cell), ``cli``, ``build``, ``grade``,
   ``gradescope``, ``release``

The learner edition (``course-lib release``) leaves out ``hidden``, ``grade``,
``gradebook``, ``gradescope``, ``build`` and ``release``.
"""

from .check import check

__all__ = ["check"]
