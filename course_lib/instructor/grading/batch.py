"""The batch: a class's submissions graded, each in its own sandboxed worker, several at
a time, and every file written from the results (:mod:`..exports`).

Each submission runs in its own sandboxed worker (:mod:`...exercises.process.session`,
:mod:`..sandbox`) on the public and hidden cases of every exercise; several submissions
run in parallel (``--jobs``), each waiting on its own worker process, so threads are
enough here. The layout of ``--out``::

    grades.csv                      one row per submitted file, replaced atomically
    submissions/<name>/feedback.md  for the learner
    submissions/<name>/results.json Gradescope's format
    submissions/<name>/grading.json what was graded (path, sha256) and the scores
    gradebook.csv, canvas.csv,      with --roster: one row per student (:mod:`..roster`)
    moodle.csv

Every submission is read once, when it is collected (:func:`.collect.collect`): what is
graded, hashed into grading.json and compared by ``--resume`` are those bytes, never the
file again. A submission's files are written as soon as it is graded; ``--resume`` keeps
those of a submission graded earlier (:func:`.records.reused`). Ctrl-C kills every
sandbox and writes ``grades.csv`` for what is done.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from ...exercises import codec
from ...exercises.engine import Trial, unreadable
from ...exercises.process.channel import Cancellation, Limits
from ...exercises.process.notebook import NotebookError
from ...exercises.process.session import Cancelled, run_notebook
from ...exercises.spec import Assignment
from ..exports import CLASS_FILES, RECORD, SUBMISSION_FILES, grading_json
from ..results import ClassResults, Graded
from ..roster import Override, Student, entries, owners
from ..sandbox import Sandbox
from .collect import Submission, collect, names_for
from .records import reused, sha256, write_atomically
from .trials import prepare, stand_in


@dataclass(frozen=True)
class Batch:
    """What every submission of one run shares."""

    assignment: Assignment
    out: Path
    limits: Limits
    sandbox: Sandbox | None  # None: --no-sandbox (unsafe)
    cancellation: Cancellation
    trials: dict[str, list[Trial]]  # by grade_id: the public cases, then the hidden ones
    secret_sha256: str = ""  # which secret drew the hidden cases


def grade_one(
    submission: Submission, name: str, batch: Batch, overrides: Sequence[Override] = ()
) -> Graded:
    """Grade one submission (the bytes collected), with ``overrides`` applied, and write
    its files. Never raises but Cancelled: whatever goes wrong (a bad file, a bug of ours,
    a file that cannot be written) gives this submission's result, with the reason in its
    files."""
    assignment, digest = batch.assignment, submission.sha256
    try:
        data = submission.read()
        result = run_notebook(
            submission.path,
            assignment,
            batch.trials,
            limits=batch.limits,
            sandbox=batch.sandbox,
            data=data,
            cancellation=batch.cancellation,
            stand_ins=stand_in,
        )
    except NotebookError as err:
        result = unreadable(assignment, str(err))
    except Cancelled:
        raise
    except Exception as err:  # a bug of ours must not lose the rest of the batch
        detail = codec.text("".join(traceback.format_exception_only(type(err), err)), 300)
        result = unreadable(assignment, f"the grader failed on it ({detail})")
    graded = Graded(
        name,
        submission.path,
        digest,
        assignment,
        result,
        tuple(overrides),
        unsafe=batch.sandbox is None,
        secret_sha256=batch.secret_sha256,
    )
    try:
        write_submission(batch.out / "submissions" / name, graded)
    except Exception as err:
        detail = codec.text(str(err), 300)
        print(f"course-lib grade: could not write the results of {name}: {detail}", file=sys.stderr)
    return graded


def write_submission(folder: Path, graded: Graded) -> None:
    """Write a submission's files into ``folder``, then grading.json, their record."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {f.name: f.text(graded) for f in SUBMISSION_FILES}
    for file, text in files.items():
        write_atomically(folder / file, text)
    write_atomically(folder / RECORD, grading_json.text(graded, files))


def write_class(out: Path, run: ClassResults, roster: bool) -> None:
    """Write the class's files into ``out`` (those of the roster only with one)."""
    for f in CLASS_FILES:
        if roster or not f.roster:
            write_atomically(out / f.name, f.text(run))


def overrides_of(
    path: Path,
    name: str,
    matches: dict[Path, list[Student]],
    by_student: bool,
    overrides: Sequence[Override],
) -> list[Override]:
    """The overrides that apply to one submission: its student's (with a roster, when it
    matches exactly one student), else those given for its name."""
    if by_student:
        found = matches[path]
        key = found[0].student_id if len(found) == 1 else None
    else:
        key = name
    return [o for o in overrides if o.student == key]


def grade(
    assignment: Assignment,
    submissions: Sequence[Path] | Sequence[Submission],
    out: Path,
    jobs: int = 1,
    resume: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
    sandbox: bool = True,
    secret: str = "",
    stop: threading.Event | None = None,
    roster: list[Student] | None = None,
    overrides: Sequence[Override] = (),
) -> list[Graded]:
    """Grade every submission into ``out``; return their results (grades.csv's rows).

    ``submissions`` are collected ones (:func:`.collect.collect`), or paths (files or
    folders, as on the command line), collected here first (and their copies removed at
    the end). ``secret`` draws the hidden cases' inputs (the same secret, the same cases).
    ``stop``, once set (the command's Ctrl-C handler sets it), stops grading as
    KeyboardInterrupt does. ``sandbox=False`` runs the learners' code without the sandbox
    (unsafe: trusted code only). ``roster`` adds gradebook.csv, canvas.csv and moodle.csv;
    ``overrides`` name students by student_id with a roster, else by submission name. Raises
    SandboxUnavailable when a sandbox is asked for and cannot be made, and
    KeyboardInterrupt after writing grades.csv for what was done, when interrupted."""
    limits = limits or Limits()
    with contextlib.ExitStack() as collected:
        found = [s for s in submissions if isinstance(s, Submission)]
        if len(found) < len(submissions):  # paths: collected now
            paths = [os.fspath(p) for p in submissions if not isinstance(p, Submission)]
            found += collected.enter_context(collect(paths, limits.max_notebook_bytes))
        return _grade(
            assignment,
            found,
            out,
            jobs,
            resume,
            limits,
            progress,
            sandbox,
            secret,
            stop,
            roster,
            overrides,
        )


def _grade(
    assignment: Assignment,
    submissions: list[Submission],
    out: Path,
    jobs: int,
    resume: bool,
    limits: Limits,
    progress: bool,
    sandbox: bool,
    secret: str,
    stop: threading.Event | None,
    roster: list[Student] | None,
    overrides: Sequence[Override],
) -> list[Graded]:
    """:func:`grade`, of submissions collected."""
    from tqdm.auto import tqdm

    box = Sandbox.find() if sandbox else None
    batch = Batch(
        assignment,
        out,
        limits,
        box,
        Cancellation(),
        prepare(assignment, secret),
        sha256(secret.encode()),
    )
    paths = [s.path for s in submissions]
    names = names_for(paths)
    matches = owners(roster, paths, {s.path: s.own for s in submissions}) if roster else {}
    mine = {p: overrides_of(p, names[p], matches, roster is not None, overrides) for p in paths}
    graded: dict[Path, Graded] = {}
    for s in submissions if resume else []:  # graded by an earlier run: kept as it is
        folder = out / "submissions" / names[s.path]
        kept = reused(
            names[s.path], s.path, s.sha256, folder, assignment, batch.secret_sha256, mine[s.path]
        )
        if kept is not None:
            graded[s.path] = kept
    todo = [s for s in submissions if s.path not in graded]
    bar = tqdm(
        total=len(submissions),
        initial=len(graded),
        unit="notebook",
        disable=not progress,
        desc=f"grading {assignment.stem}",
        file=sys.stderr,
    )
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    pending = {pool.submit(grade_one, s, names[s.path], batch, mine[s.path]): s.path for s in todo}
    try:
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                graded[pending.pop(future)] = future.result()
                bar.update(1)
            if pending and stop is not None and stop.is_set():
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        batch.cancellation.cancel()  # every sandbox dies; running grade_one calls end
        pool.shutdown(wait=True)  # their scratch folders are removed as they unwind
        for future, path in pending.items():  # those that ended meanwhile count
            if future.done() and not future.cancelled() and future.exception() is None:
                graded[path] = future.result()
        write_class(out, ClassResults(assignment, list(graded.values())), roster=False)
        raise
    finally:
        bar.close()
        pool.shutdown(wait=True)
    book, unmatched = ([], []) if roster is None else entries(roster, matches, graded, overrides)
    run = ClassResults(assignment, list(graded.values()), book, unmatched)
    write_class(out, run, roster=roster is not None)
    return run.graded


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[threading.Event]:
    """An Event that Ctrl-C (SIGINT) and `kill` (SIGTERM) set, instead of raising
    KeyboardInterrupt wherever the main thread happens to be (inside
    concurrent.futures.wait, that can leave a future's lock held and the pool stuck)."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
