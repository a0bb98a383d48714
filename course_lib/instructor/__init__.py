"""The instructor's side of the course: what only instructors run, and what learners never
get (``course-lib release`` writes the learner edition as everything but this package).

- ``key/``: the answer key: each graded function's reference, its public cases as code,
  its known mistakes as runnable wrong implementations (one module per notebook), and the
  hidden cases drawn from the instructor's secret (``key/hidden``)
- ``sandbox``: the bubblewrap sandbox every learner process of the grader runs in
- ``grading/``: ``course-lib grade``, a class's notebooks into grades and feedback (its
  rooms: collect, validate, trials, batch, records, command)
- ``results``: what grading gives, one value per submission, overrides applied
- ``exports/``: the files written from it (feedback.md, results.json, grading.json,
  grades.csv; a roster's gradebook, Canvas's and Moodle's CSV files), one module each
- ``roster``: a class's roster matched to the submissions, and the instructor's overrides
- ``gradescope``: a Gradescope autograder, built and run
- ``build``, ``release``: exercises/, the catalog and the public cases from solutions/ and
  the key; the learner edition
- ``cli``: the commands above
- ``translate``, ``messages``: the Chinese notebooks, and the catalogs of the course's
  messages (``locale/``: this package's own, with the hidden cases' labels)

It builds on the learner's side (``course_lib.exercises``), never the other way round.
"""

from pathlib import Path

from ..i18n import add_catalog

DOMAIN = "course_lib_instructor"  # locale/<lang>/LC_MESSAGES/course_lib_instructor.{po,mo}
add_catalog(DOMAIN, Path(__file__).with_name("locale"))
