"""The instructor's side of the course: what only instructors run, and what learners never
get (``course-lib release`` writes the learner edition as everything but this package).

- ``hidden``: the hidden cases, drawn from the instructor's secret
- ``sandbox``: the bubblewrap sandbox every learner process of the grader runs in
- ``grade``: ``course-lib grade``, a class's notebooks into grades and feedback
- ``writers``, ``gradebook``: the files the grader writes (feedback.md, results.json,
  grades.csv; a roster's gradebook, Canvas's and Moodle's CSV files)
- ``gradescope``: a Gradescope autograder, built and run
- ``build``, ``release``: exercises/ from solutions/, and the learner edition
- ``cli``: the commands above

It builds on the learner's side (``course_lib.exercises``), never the other way round.
"""
