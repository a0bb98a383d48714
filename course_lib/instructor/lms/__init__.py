"""The learning management systems' own files: their class lists as rosters
(:mod:`.rosters`) and their bulk downloads of submissions (:mod:`.layouts`), so that a
class graded from what Canvas, Moodle, nbgrader or a JupyterHub gives goes back into the
LMS's gradebook matched by id, never by name.

What each format is, and where it was looked up, is said in each module; the files
written for the LMS are in :mod:`..exports` (``canvas_csv``, ``moodle_csv``).
"""
