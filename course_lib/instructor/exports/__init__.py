"""The files the grader writes, each made by a small module from the results in memory
(:mod:`..results`), side by side:

- per submission, in ``submissions/<name>/``: ``feedback.md`` (:mod:`.feedback_md`), for
  the learner; ``results.json`` (:mod:`.results_json`), Gradescope's format; then
  ``grading.json`` (:mod:`.grading_json`), the record of them all, which ``--resume`` reads;
- per class: ``grades.csv`` (:mod:`.grades_csv`); with a roster ``gradebook.csv``,
  ``canvas.csv`` and ``moodle.csv`` (:mod:`.gradebook_csv`, :mod:`.canvas_csv`,
  :mod:`.moodle_csv`).

The grader writes what the registries below list: another LMS's file is one module with a
``text`` function and one line here. What the writers share (escaping, the lines about
overrides) is in :mod:`.text`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..results import ClassResults, Graded
from . import canvas_csv, feedback_md, gradebook_csv, grades_csv, moodle_csv, results_json


@dataclass(frozen=True)
class SubmissionFile:
    """A file written into a submission's folder from its :class:`Graded`."""

    name: str
    text: Callable[[Graded], str]


@dataclass(frozen=True)
class ClassFile:
    """A file written into ``--out`` from the run's :class:`ClassResults`."""

    name: str
    text: Callable[[ClassResults], str]
    roster: bool = False  # written only with a roster


SUBMISSION_FILES = (
    SubmissionFile("feedback.md", feedback_md.text),
    SubmissionFile("results.json", results_json.text),
)
RECORD = "grading.json"  # then this one (:mod:`.grading_json`): their sha256, the scores

CLASS_FILES = (
    ClassFile("grades.csv", grades_csv.text),
    ClassFile("gradebook.csv", gradebook_csv.text, roster=True),
    ClassFile("canvas.csv", canvas_csv.text, roster=True),
    ClassFile("moodle.csv", moodle_csv.text, roster=True),
)
