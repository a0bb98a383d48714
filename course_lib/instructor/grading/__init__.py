"""``course-lib grade``, room by room, in the order one run visits them:

- ``command``: the command: options, the secret (``--secret-file``), the summary printed;
- ``collect``: the submitted files found, and a unique name for each;
- ``validate``: the solution notebook must get full marks first (remembered once it did);
- ``trials``: every public and hidden case, with its expected answer, made before any
  learner code runs; the stand-ins for earlier exercises;
- ``batch``: the submissions graded in parallel, each in its sandbox; each one's files,
  then the class's, written from the results (:mod:`..results`, :mod:`..exports`);
- ``records``: files written atomically, their sha256, and ``--resume``.

The hidden cases' inputs are drawn from the instructor's secret (``--secret-file`` or
``$COURSE_LIB_SECRET``), so that a learner who reads the course's public sources knows
which kinds of hidden case exist but not their numbers; their expected answers come from
the reference implementation, computed once per run before any learner code starts.
``--overrides`` sets an exercise's points for one learner, with a reason that feedback.md
and results.json show.
"""
