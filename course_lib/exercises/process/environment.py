"""What the learner's process sees of its surroundings, sandboxed or not: its working
folder, the name of its copy of the notebook, and its whole environment (the grader's own
is never passed on). The bubblewrap launcher (``course_lib.instructor.sandbox``) builds the
sandbox around these; ``course-lib check`` uses them with this system's PATH.
"""

from __future__ import annotations

HOME = "/home/learner"  # the learner's working folder inside the sandbox
NOTEBOOK = "submission.ipynb"  # the copy of the submission in it

# the learner's whole environment (the grader's own is never passed on)
ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": HOME,
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
