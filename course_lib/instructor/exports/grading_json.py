"""grading.json, for the instructor: what was graded (the file and its sha256, and the
sha256 of the secret that drew the hidden cases), the scores it got (overrides applied,
and listed), which functions passed their public cases, what the class report keeps of
it (:mod:`.report.findings`), and the sha256 of the files written for it. ``--resume``
reads it back (:func:`..grading.records.reused`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from ..results import Graded
from ..roster import Override
from .report.findings import of_result
from .text import json_text


def override_record(overrides: Iterable[Override]) -> list[list]:
    """The overrides as grading.json lists them: [exercise, points, reason] each."""
    return [[o.exercise, o.points, o.reason] for o in overrides]


def findings_record(graded: Graded) -> dict:
    """What the class report keeps of the submission (:mod:`.report.findings`)."""
    return of_result(graded.result).record() if graded.result is not None else graded.kept_findings


def record_of(graded: Graded, files: Mapping[str, str]) -> dict:
    """grading.json as a dict; ``files`` are the texts written beside it, by file name."""
    written = {
        name: hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
        for name, text in files.items()
    }
    return {
        "source": graded.source,
        "sha256": graded.sha256,
        "assignment": graded.assignment.stem,
        "scores": graded.scores,
        "total": graded.total,
        "max_score": graded.max_score,
        "public_passed": graded.public_passed,
        "problem": graded.problem,
        "findings": findings_record(graded),
        "files": written,
        "secret_sha256": graded.secret_sha256,
        "overrides": override_record(graded.overrides),
    }


def text(graded: Graded, files: Mapping[str, str]) -> str:
    return json_text(record_of(graded, files))
