"""``course-lib grade``: grade a class's notebooks into a CSV gradebook, Gradescope
``results.json`` files and ``feedback.md`` files.

Each submission runs in its own sandboxed worker (:mod:`.runner`, :mod:`.sandbox`) on the
public and hidden cases of every exercise; several submissions run in parallel
(``--jobs``), each waiting on its own worker process, so threads are enough here.
The layout of ``--out``::

    grades.csv                      one row per submitted file, replaced atomically
    submissions/<name>/feedback.md  for the learner
    submissions/<name>/results.json Gradescope's format
    submissions/<name>/grading.json what was graded (path, sha256) and the scores

The hidden cases' inputs are drawn from the instructor's secret (``--secret-file`` or
``$COURSE_LIB_SECRET``), so that a learner who reads the course's public sources knows
which kinds of hidden case exist but not their numbers; their expected answers come from
the reference implementation, computed once per run before any learner code starts.
Results are written per submission as soon as it is graded; ``--resume`` trusts them
only for the same file with the same sha256 (and the same secret). Ctrl-C kills every
sandbox and writes ``grades.csv`` for what is done.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from . import codec
from .assignments import ASSIGNMENTS
from .engine import NotebookResult, Trial, make_trial, public_trials, unreadable
from .hidden import generator, hidden_cases
from .report import UNSAFE, Row, csv_text, feedback_markdown, gradescope_results, json_text, row_of
from .runner import Cancellation, Cancelled, Limits, NotebookError, read_submission, run_notebook
from .sandbox import Sandbox, SandboxUnavailable, sandbox_problem
from .spec import Assignment


class UsageError(ValueError):
    """The command was misused (unknown assignment, no submissions, unwritable folder)."""


# ----- finding the submissions -----


def collect(paths: list[str]) -> list[Path]:
    """The submitted files: each path is a file (any kind: what is not a regular notebook
    gets a zero row with the reason) or a folder, whose *.ipynb entries are taken
    (checkpoints skipped, symbolic links to folders not followed). Nothing is read here."""
    found: list[Path] = []
    for text in paths:
        path = Path(os.path.abspath(text))
        if path.is_dir() and not path.is_symlink():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
                found += [Path(folder) / f for f in sorted(files) if f.endswith(".ipynb")]
        elif os.path.lexists(path):
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {text}")
    if not found:
        raise UsageError(f"no submissions found in {', '.join(paths)} (expected .ipynb files)")
    return list(dict.fromkeys(found))


def names_for(paths: list[Path]) -> dict[Path, str]:
    """A unique, file-system-safe name per submission: its stem, prefixed by as many of
    its folders as it takes to tell apart submissions that share a stem
    (``alice/exercises/04.ipynb`` and ``bob/exercises/04.ipynb`` -> ``alice-exercises-04``)."""
    by_stem: dict[str, list[Path]] = {}
    for p in paths:
        by_stem.setdefault(p.stem, []).append(p)
    raw: dict[Path, str] = {}
    for stem, group in by_stem.items():
        depth = 0
        while len(group) > 1 and depth < max(len(p.parent.parts) for p in group):
            depth += 1
            if len({p.parent.parts[-depth:] for p in group}) == len(group):
                break
        for p in group:
            raw[p] = "-".join([*p.parent.parts[len(p.parent.parts) - depth :], stem])
    names: dict[Path, str] = {}
    used: set[str] = set()
    for p in paths:
        # letters, digits and -_. only, never first a character a spreadsheet reads as a formula
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in raw[p])
        name = name.lstrip("._-") or "x"
        base, k = name, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        names[p] = name
    return names


# ----- writing results -----


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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _path_text(path: Path) -> str:
    """A path as text, also when its name is not valid UTF-8 (bytes become \\xNN)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def record_of(path: Path, digest: str | None, result: NotebookResult,
              files: dict[str, str], secret_id: str = "") -> dict:  # fmt: skip
    """grading.json: what was graded (the file and its sha256, and the sha256 of the secret
    that drew the hidden cases), the scores it got, which functions passed their public
    cases, and the sha256 of the files written for it."""
    row = row_of("", result)
    public = {r.exercise.grade_id: r.public_passed for r in result.exercises}
    written = {name: _sha256(text.encode("utf-8", "replace")) for name, text in files.items()}
    return {"source": _path_text(path), "sha256": digest, "assignment": result.assignment.stem,
            "scores": row.scores, "total": row.total, "max_score": row.max_score,
            "public_passed": public, "files": written, "secret_sha256": secret_id}  # fmt: skip


def row_from_record(name: str, path: Path, folder: Path, assignment: Assignment,
                    limits: Limits, secret_id: str = "") -> Row | None:  # fmt: skip
    """The row of a submission graded earlier (for --resume), if grading.json is about this
    very file (same path, same sha256), its scores are possible and the files written for
    it are unchanged; else None."""
    try:
        record = json.loads((folder / "grading.json").read_text(encoding="utf-8"))
        if record["source"] != _path_text(path) or record["assignment"] != assignment.stem:
            return None
        if record.get("secret_sha256", "") != secret_id:  # other hidden cases
            return None
        if record["sha256"] != _sha256(read_submission(path, limits.max_notebook_bytes)):
            return None
        scores = record["scores"]
        points = {ex.grade_id: ex.points for ex in assignment.exercises}
        if not isinstance(scores, dict) or set(scores) != set(points):
            return None
        if not all(type(v) is int and 0 <= v <= points[k] for k, v in scores.items()):
            return None
        for file, digest in record["files"].items():  # as written, not changed since
            if _sha256((folder / file).read_bytes()) != digest:
                return None
        if set(record["files"]) != {"results.json", "feedback.md"}:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, NotebookError):
        return None
    return Row(name, dict(scores), sum(scores.values()), assignment.max_score)


# ----- grading -----


SECRET_ENV = "COURSE_LIB_SECRET"
NO_SECRET = (
    "no secret given: the hidden cases use the course's default seed, which anyone who reads "
    f"its sources can compute; for a class, pass --secret-file FILE (or set ${SECRET_ENV})"
)


@dataclass(frozen=True)
class Batch:
    """What every submission of one run shares."""

    assignment: Assignment
    out: Path
    limits: Limits
    sandbox: Sandbox | None  # None: --no-sandbox (unsafe)
    cancellation: Cancellation
    trials: dict[str, list[Trial]]  # by grade_id: the public cases, then the hidden ones


def grade_one(path: Path, name: str, batch: Batch, secret_id: str = "") -> Row:
    """Grade one submission and write its feedback.md, results.json and grading.json.
    Never raises but Cancelled: whatever goes wrong (a bad file, a bug of ours, a file
    that cannot be written) gives this submission's row, with the reason in its files."""
    assignment, digest = batch.assignment, None
    try:
        data = read_submission(path, batch.limits.max_notebook_bytes)
        digest = _sha256(data)
        result = run_notebook(path, assignment, batch.trials, limits=batch.limits,
                              sandbox=batch.sandbox, data=data,
                              cancellation=batch.cancellation)  # fmt: skip
    except NotebookError as err:
        result = unreadable(assignment, str(err))
    except Cancelled:
        raise
    except Exception as err:  # a bug of ours must not lose the rest of the batch
        detail = codec.text("".join(traceback.format_exception_only(type(err), err)), 300)
        result = unreadable(assignment, f"the grader failed on it ({detail})")
    row = row_of(name, result)
    try:
        folder = batch.out / "submissions" / name
        folder.mkdir(parents=True, exist_ok=True)
        unsafe = batch.sandbox is None
        files = {"feedback.md": feedback_markdown(result, path.name, unsafe),
                 "results.json": json_text(gradescope_results(result, unsafe))}  # fmt: skip
        for file, text in files.items():
            write_atomically(folder / file, text)
        record = record_of(path, digest, result, files, secret_id)
        write_atomically(folder / "grading.json", json_text(record))
    except Exception as err:
        print(f"course-lib grade: could not write the results of {name}: "
              f"{codec.text(str(err), 300)}", file=sys.stderr)  # fmt: skip
    return row


def prepare(assignment: Assignment, secret: str = "") -> dict[str, list[Trial]]:
    """Every trial of the assignment, by grade_id: its public cases, then its hidden ones
    drawn from ``secret``, each with its expected answer, computed now, in the grader,
    before any learner process starts (so every module grading needs is imported by then,
    and a broken case shows at once)."""
    trials = {}
    for ex in assignment.exercises:
        hidden = [
            make_trial(ex, case.label, case.make(generator(secret, ex.grade_id, i)),
                       hidden=True, timed=case.timed)  # fmt: skip
            for i, case in enumerate(hidden_cases(ex.grade_id))
        ]
        trials[ex.grade_id] = public_trials(ex) + hidden
    return trials


def grade(
    assignment: Assignment,
    submissions: list[Path],
    out: Path,
    jobs: int = 1,
    resume: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
    sandbox: bool = True,
    secret: str = "",
    stop: threading.Event | None = None,
) -> list[Row]:
    """Grade every submission into ``out``; return the rows of grades.csv (also written).

    ``secret`` draws the hidden cases' inputs (the same secret, the same cases). ``stop``,
    once set (the command's Ctrl-C handler sets it), stops grading as KeyboardInterrupt does.
    ``sandbox=False`` runs the learners' code without the sandbox (unsafe: trusted code
    only). Raises SandboxUnavailable when a sandbox is asked for and cannot be made, and
    KeyboardInterrupt after writing grades.csv for what was done, when interrupted."""
    from tqdm.auto import tqdm

    limits = limits or Limits()
    box = Sandbox.find() if sandbox else None
    batch = Batch(assignment, out, limits, box, Cancellation(), prepare(assignment, secret))
    fingerprint = _sha256(secret.encode())
    names = names_for(submissions)
    rows: list[Row] = []
    todo: list[Path] = []
    for path in submissions:
        folder = out / "submissions" / names[path]
        row = (row_from_record(names[path], path, folder, assignment, limits, fingerprint)
               if resume else None)  # fmt: skip
        if row is not None:
            rows.append(row)
        else:
            todo.append(path)
    bar = tqdm(total=len(submissions), initial=len(rows), unit="notebook", disable=not progress,
               desc=f"grading {assignment.stem}", file=sys.stderr)  # fmt: skip
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    pending = {pool.submit(grade_one, p, names[p], batch, fingerprint) for p in todo}
    try:
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                rows.append(future.result())
                bar.update(1)
            if pending and stop is not None and stop.is_set():
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        batch.cancellation.cancel()  # every sandbox dies; running grade_one calls end
        pool.shutdown(wait=True)  # their scratch folders are removed as they unwind
        rows += [f.result() for f in pending if f.done() and not f.cancelled()
                 and f.exception() is None]  # fmt: skip
        write_atomically(out / "grades.csv", csv_text(rows, assignment))
        raise
    finally:
        bar.close()
        pool.shutdown(wait=True)
    write_atomically(out / "grades.csv", csv_text(rows, assignment))
    return rows


def read_secret(path: str | None) -> str:
    """The instructor's secret: the first line of ``path``, else $COURSE_LIB_SECRET, else ""."""
    if path:
        try:
            secret = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read the secret file {path}: {err}") from None
        if not secret:
            raise UsageError(f"the secret file {path} is empty")
        return secret
    return os.environ.get(SECRET_ENV, "").strip()


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[threading.Event]:
    """An Event that Ctrl-C (SIGINT) and `kill` (SIGTERM) set, instead of raising
    KeyboardInterrupt wherever the main thread happens to be (inside
    concurrent.futures.wait, that can leave a future's lock held and the pool stuck)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def grade_command(args: argparse.Namespace) -> int:
    try:
        if args.assignment not in ASSIGNMENTS:
            known = ", ".join(ASSIGNMENTS)
            raise UsageError(f"unknown assignment {args.assignment!r}; known: {known}")
        submissions = collect(args.submissions)
        out = Path(args.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            probe = out / ".course-lib-write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as err:
            raise UsageError(f"cannot write to the output folder {out}: {err.strerror}") from None
        if args.no_sandbox:
            print(f"course-lib grade: {UNSAFE}", file=sys.stderr)
        else:
            problem = sandbox_problem()
            if problem:
                raise UsageError(
                    f"no sandbox, no grading: {problem}. (For code you trust, --no-sandbox "
                    "grades without it: unsafe.)"
                )
    except UsageError as err:
        print(f"course-lib grade: {err}", file=sys.stderr)
        return 2
    assignment = ASSIGNMENTS[args.assignment]
    limits = Limits(cell_timeout=args.cell_timeout, call_timeout=args.call_timeout,
                    memory_mb=args.memory_mb,
                    max_notebook_bytes=int(args.max_size_mb * 2**20))  # fmt: skip
    jobs = args.jobs or os.cpu_count() or 1
    try:
        secret = read_secret(args.secret_file)
    except UsageError as err:
        print(f"course-lib grade: {err}", file=sys.stderr)
        return 2
    if not secret:
        print(f"course-lib grade: {NO_SECRET}", file=sys.stderr)
    try:
        with stopped_by_signals() as stop:  # Ctrl-C or `kill`: grading stops cleanly
            rows = grade(assignment, submissions, out, jobs=jobs, resume=args.resume,
                         limits=limits, progress=not args.no_progress,
                         sandbox=not args.no_sandbox, secret=secret, stop=stop)  # fmt: skip
    except SandboxUnavailable as err:
        print(f"course-lib grade: no sandbox, no grading: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"course-lib grade: interrupted; {out / 'grades.csv'} has the submissions "
              "graded so far (--resume continues)", file=sys.stderr)  # fmt: skip
        return 130
    full = sum(r.total == r.max_score for r in rows)
    mean = sum(r.total for r in rows) / len(rows)
    print(
        f"graded {len(rows)} submission(s) of {assignment.stem}: mean {mean:.2f} / "
        f"{assignment.max_score}, {full} with full marks; see {out / 'grades.csv'}"
    )
    if args.no_sandbox:
        print(f"course-lib grade: {UNSAFE}", file=sys.stderr)
    return 0
