"""The files the grader writes, each made by a small module from the results in memory
(:mod:`..results`), side by side:

- per submission, in ``submissions/<name>/``: ``feedback.md`` (:mod:`.feedback_md`), for
  the learner; ``results.json`` (:mod:`.results_json`), Gradescope's format; then
  ``grading.json`` (:mod:`.grading_json`), the record of them all, which ``--resume`` reads;
- per class: ``grades.csv`` (:mod:`.grades_csv`) and ``unmatched.csv``
  (:mod:`.unmatched_csv`); with a roster ``gradebook.csv`` (:mod:`.gradebook_csv`), and
  the LMS's import where the roster can give it: ``canvas.csv`` (:mod:`.canvas_csv`),
  ``moodle.csv`` (:mod:`.moodle_csv`); the class report, ``report.html`` and ``report.md``
  (:mod:`.report`).

The grader writes what the registries below list: another LMS's file is one module with a
``text`` function and one line here. What the writers share (escaping, the lines about
overrides) is in :mod:`.text`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..results import ClassResults, Graded
from . import (
    canvas_csv,
    feedback_md,
    gradebook_csv,
    grades_csv,
    moodle_csv,
    report,
    results_json,
    unmatched_csv,
)


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
    wanted: Callable[[ClassResults], bool] = lambda run: True  # whether this run writes it


SUBMISSION_FILES = (
    SubmissionFile("feedback.md", feedback_md.text),
    SubmissionFile("results.json", results_json.text),
)
RECORD = "grading.json"  # then this one (:mod:`.grading_json`): their sha256, the scores

CLASS_FILES = (
    ClassFile("grades.csv", grades_csv.text),
    ClassFile("unmatched.csv", unmatched_csv.text),
    ClassFile("gradebook.csv", gradebook_csv.text, lambda run: run.roster is not None),
    ClassFile("canvas.csv", canvas_csv.text, canvas_csv.wanted),
    ClassFile("moodle.csv", moodle_csv.text, moodle_csv.wanted),
    ClassFile("report.html", report.page.text),
    ClassFile("report.md", report.markdown_page.text),
)
