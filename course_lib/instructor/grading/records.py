"""What stays on disk between runs: files written atomically, their sha256, and
``--resume``, which trusts a submission's grading.json only for the very file it records
(same path, and the same sha256 as the bytes collected now), graded with the same secret
and overrides, into files that are unchanged since."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ...exercises.spec import Assignment
from ..exports import RECORD, SUBMISSION_FILES
from ..exports.grading_json import override_record
from ..exports.report.findings import from_record
from ..results import Graded, path_text
from ..roster import Override


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old or the new file, never half.
    The file gets the permissions the umask gives (mkstemp alone would make it 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reused(
    name: str,
    path: Path,
    digest: str | None,
    folder: Path,
    assignment: Assignment,
    secret_sha256: str = "",
    overrides: Sequence[Override] = (),
) -> Graded | None:
    """The submission ``path`` as an earlier run graded it into ``folder`` (for --resume):
    its scores, if its grading.json is about this very file (same path, and the sha256
    ``digest`` of the bytes collected now) with the same secret and overrides, its scores
    are possible and the files written for it are unchanged; else None (and always None
    for a file that could not be read: ``digest`` None)."""
    if digest is None:
        return None
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        if record["source"] != path_text(path) or record["assignment"] != assignment.stem:
            return None
        if record.get("secret_sha256", "") != secret_sha256:  # other hidden cases
            return None
        if record.get("overrides", []) != override_record(overrides):
            return None  # overrides changed since: its files must say so
        if record["sha256"] != digest:
            return None
        scores = record["scores"]
        points = {ex.grade_id: ex.points for ex in assignment.exercises}
        if not isinstance(scores, dict) or set(scores) != set(points):
            return None
        if not all(type(v) is int and 0 <= v <= points[k] for k, v in scores.items()):
            return None
        if set(record["files"]) != {f.name for f in SUBMISSION_FILES}:
            return None
        from_record(record["findings"], assignment)  # the class report's: findings of these
        for file, digest in record["files"].items():  # as written, not changed since
            if sha256((folder / file).read_bytes()) != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Graded(
        name,
        path,
        record["sha256"],
        assignment,
        None,
        tuple(overrides),
        secret_sha256=secret_sha256,
        kept=dict(scores),
        kept_problem=record.get("problem") if isinstance(record.get("problem"), str) else None,
        kept_findings=record["findings"],
    )
