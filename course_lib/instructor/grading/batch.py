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
    unmatched.csv                   what did not reach the gradebook, and why
    report.html, report.md          the class report (:mod:`..exports.report`)
    gradebook.csv, canvas.csv,      with --roster: one row per student (:mod:`..roster`),
    moodle.csv                      and the LMS's file where the roster can give it

Each submission's words (its feedback.md, results.json, and its verdicts wherever they are
quoted) are in the language of the notebook submitted (a Chinese notebook's metadata says
``"lang": "zh"``), or in the one ``--lang`` forces (:func:`submission_language`); never in
the language of the grader's own machine.

Every submission is read once, when it is collected (:func:`.collect.collect`): what is
graded, hashed into grading.json and compared by ``--resume`` are those bytes, never the
file again. A submission's files are written as soon as it is graded; ``--resume`` keeps
those of a submission graded earlier (:func:`.records.reused`). Ctrl-C kills every
sandbox and writes ``grades.csv`` for what is done.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

from ...exercises import codec
from ...exercises.engine import Trial, unreadable
from ...exercises.process.channel import Cancellation, Limits
from ...exercises.process.notebook import NotebookError
from ...exercises.process.session import Cancelled, run_notebook
from ...exercises.spec import Assignment
from ...i18n import ENGLISH, metadata_language, speaking
from ..exports import CLASS_FILES, RECORD, SUBMISSION_FILES, grading_json
from ..exports.report import answer_cells
from ..lms.layouts import CANVAS, Claim, choose, claim
from ..lms.rosters import Roster
from ..results import ClassResults, Graded, path_text
from ..roster import Override, Student, Unmatched, entries, owners
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
    lang: str | None = None  # the language of every feedback (--lang); None: each notebook's


def submission_language(data: bytes | None, forced: str | None = None) -> str:
    """The language a submission's words are written in: ``forced`` (``--lang``) if given,
    else the notebook's own (its metadata's ``course_lib.lang``, which ``course-lib build``
    sets in the Chinese notebooks), else English. Whatever the bytes hold, never raises."""
    if forced:
        return forced
    try:
        metadata = json.loads(data)["metadata"]
    except Exception:  # not JSON, no metadata: no notebook to say it, English
        return ENGLISH
    return metadata_language(metadata) or ENGLISH


def grade_one(
    submission: Submission, name: str, batch: Batch, overrides: Sequence[Override] = ()
) -> Graded:
    """Grade one submission (the bytes collected), with ``overrides`` applied, and write
    its files. Never raises but Cancelled: whatever goes wrong (a bad file, a bug of ours,
    a file that cannot be written) gives this submission's result, with the reason in its
    files."""
    data = None
    try:
        data = submission.read()
    except Exception:  # run_notebook, given no bytes, reads the file and says why it cannot
        pass
    lang = submission_language(data, batch.lang)
    with speaking(lang):
        return _grade_one(submission, data, name, batch, overrides, lang)


def _grade_one(
    submission: Submission,
    data: bytes | None,
    name: str,
    batch: Batch,
    overrides: Sequence[Override],
    lang: str,
) -> Graded:
    """:func:`grade_one`, in the submission's language ``lang``."""
    assignment, digest = batch.assignment, submission.sha256
    try:
        if data is None:
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
        answers=answer_cells(submission, assignment),
        lang=lang,
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
    with speaking(graded.lang):  # the learner's files, in the learner's language
        files = {f.name: f.text(graded) for f in SUBMISSION_FILES}
    for file, text in files.items():
        write_atomically(folder / file, text)
    write_atomically(folder / RECORD, grading_json.text(graded, files))


def write_class(out: Path, run: ClassResults) -> None:
    """Write the class's files into ``out`` (those of a roster only with one)."""
    for f in CLASS_FILES:
        if f.wanted(run):
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
    assignment: Assignment, submissions: Sequence[Path] | Sequence[Submission], out: Path, **how
) -> list[Graded]:
    """:func:`grade_class`'s graded submissions (grades.csv's rows)."""
    return grade_class(assignment, submissions, out, **how).graded


def grade_class(
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
    roster: Roster | None = None,
    overrides: Sequence[Override] = (),
    lms_column: str | None = None,
    lang: str | None = None,
) -> ClassResults:
    """Grade every submission into ``out``; return the run's results.

    ``submissions`` are collected ones (:func:`.collect.collect`), or paths (files or
    folders, as on the command line), collected here first (and their copies removed at
    the end). Of a learner's many files in an LMS's layout (a home holding the learner
    edition), only the assignment's notebook is graded (:func:`..lms.layouts.choose`).
    ``secret`` draws the hidden cases' inputs (the same secret, the same cases). ``stop``,
    once set (the command's Ctrl-C handler sets it), stops grading as KeyboardInterrupt
    does. ``sandbox=False`` runs the learners' code without the sandbox (unsafe: trusted
    code only). ``roster`` adds gradebook.csv and the LMS's file (``lms_column``: the
    Canvas export's column of the assignment); ``overrides`` name students by student_id
    with a roster, else by submission name. ``lang`` ("en", "zh") writes every submission's
    words in that language; None, each in its notebook's (:func:`submission_language`).
    Raises SandboxUnavailable when a sandbox is asked for and cannot be made, and
    KeyboardInterrupt after writing grades.csv for what was done, when interrupted."""
    limits = limits or Limits()
    with contextlib.ExitStack() as collected:
        found = [s for s in submissions if isinstance(s, Submission)]
        if len(found) < len(submissions):  # paths: collected now
            paths = [os.fspath(p) for p in submissions if not isinstance(p, Submission)]
            found += collected.enter_context(collect(paths, limits.max_notebook_bytes))
        claims, skipped = chosen(found, assignment.stem, roster)
        batch = _Run(roster, overrides, claims, lms_column, lang)
        return _grade(
            assignment,
            [s for s in found if s.path in claims],
            out,
            jobs,
            resume,
            limits,
            progress,
            sandbox,
            secret,
            stop,
            batch,
            skipped,
        )


def chosen(
    found: list[Submission], stem: str, roster: Roster | None
) -> tuple[dict[Path, Claim | None], list[Unmatched]]:
    """The submissions to grade, with what their LMS's layout claims of each, and those
    found but not graded, with the reason: the other notebooks of a learner's files
    (:func:`..lms.layouts.choose`), and the LMS's own test user (Canvas's student view)."""
    logins = [s.login for s in roster or []]
    claims = [claim(s.own, logins) for s in found]
    keep, why = choose([(s.own, c) for s, c in zip(found, claims, strict=True)], stem)
    for i in list(keep):
        c = claims[i]
        if roster is not None and c is not None and c.layout == CANVAS and c.key in roster.ignored:
            keep.remove(i)
            why[i] = roster.ignored[c.key]
    skipped = [Unmatched("", path_text(found[i].path), w) for i, w in sorted(why.items())]
    return {found[i].path: claims[i] for i in keep}, skipped


@dataclass(frozen=True)
class _Run:
    """What a run knows of the class: the roster, the overrides, each submission's claim."""

    roster: Roster | None
    overrides: Sequence[Override]
    claims: dict[Path, Claim | None]
    lms_column: str | None
    lang: str | None = None  # --lang: every submission's words in it; None: its notebook's


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
    run: _Run,
    skipped: list[Unmatched],
) -> ClassResults:
    """:func:`grade_class`, of the submissions chosen."""
    from tqdm.auto import tqdm

    roster, overrides = run.roster, run.overrides
    box = Sandbox.find() if sandbox else None
    batch = Batch(
        assignment,
        out,
        limits,
        box,
        Cancellation(),
        prepare(assignment, secret),
        sha256(secret.encode()),
        run.lang,
    )
    paths = [s.path for s in submissions]
    names = names_for(paths)
    own = {s.path: s.own for s in submissions}
    matches = owners(roster, paths, own, run.claims) if roster else {}
    mine = {p: overrides_of(p, names[p], matches, roster is not None, overrides) for p in paths}
    graded: dict[Path, Graded] = {}
    for s in submissions if resume else []:  # graded by an earlier run: kept as it is
        folder = out / "submissions" / names[s.path]
        kept = reused(
            names[s.path], s.path, s.sha256, folder, assignment, batch.secret_sha256, mine[s.path]
        )
        if kept is not None:  # its answer cells for the class report: read again
            graded[s.path] = replace(kept, answers=answer_cells(s, assignment))
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
        write_class(out, ClassResults(assignment, list(graded.values())))
        raise
    finally:
        bar.close()
        pool.shutdown(wait=True)
    book, unmatched = [], []
    if roster is not None:
        book, unmatched = entries(roster, matches, graded, overrides, run.claims)
    result = ClassResults(
        assignment,
        list(graded.values()),
        book,
        unmatched,
        skipped,
        roster,
        run.lms_column,
    )
    write_class(out, result)
    return result


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
