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
    gradebook.csv, canvas.csv,      with --roster: one row per student (:mod:`.gradebook`)
    moodle.csv

Before any learner's notebook, the assignment's solution notebook is graded with the same
cases: when it does not get full marks (a broken case, a stale catalog), nothing is graded
and the command names the case (:func:`validate`). ``--overrides`` sets an exercise's
points for one learner, with a reason that feedback.md and results.json show.

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

from ..exercises import codec
from ..exercises.assignments import ASSIGNMENTS, SPECS
from ..exercises.cli import UsageError
from ..exercises.engine import NotebookResult, Trial, make_trial, public_trials, unreadable
from ..exercises.inputs import resolve
from ..exercises.process.channel import Cancellation, Limits
from ..exercises.process.notebook import NotebookError, read_submission
from ..exercises.process.session import Cancelled, run_notebook
from ..exercises.report import exercise_lines
from ..exercises.spec import Assignment
from .gradebook import (
    GradebookError,
    Override,
    Student,
    canvas_csv,
    entries,
    gradebook_csv,
    moodle_csv,
    override_markdown,
    override_results,
    owners,
    read_overrides,
    read_roster,
    with_overrides,
)
from .hidden import generator, hidden_cases
from .sandbox import Sandbox, SandboxUnavailable, sandbox_problem
from .writers import (
    UNSAFE,
    Row,
    csv_text,
    feedback_markdown,
    gradescope_results,
    json_text,
    row_of,
)

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


def _override_record(overrides: list[Override]) -> list[list]:
    return [[o.exercise, o.points, o.reason] for o in overrides]


def record_of(path: Path, digest: str | None, result: NotebookResult,
              files: dict[str, str], secret_id: str = "",
              overrides: list[Override] = ()) -> dict:  # fmt: skip
    """grading.json: what was graded (the file and its sha256, and the sha256 of the secret
    that drew the hidden cases), the scores it got (overrides applied, and listed), which
    functions passed their public cases, and the sha256 of the files written for it."""
    row = row_of("", result)
    public = {r.exercise.grade_id: r.public_passed for r in result.exercises}
    written = {name: _sha256(text.encode("utf-8", "replace")) for name, text in files.items()}
    return {"source": _path_text(path), "sha256": digest, "assignment": result.assignment.stem,
            "scores": row.scores, "total": row.total, "max_score": row.max_score,
            "public_passed": public, "files": written, "secret_sha256": secret_id,
            "overrides": _override_record(overrides)}  # fmt: skip


def row_from_record(name: str, path: Path, folder: Path, assignment: Assignment,
                    limits: Limits, secret_id: str = "",
                    overrides: list[Override] = ()) -> Row | None:  # fmt: skip
    """The row of a submission graded earlier (for --resume), if grading.json is about this
    very file (same path, same sha256) with the same overrides, its scores are possible and
    the files written for it are unchanged; else None."""
    try:
        record = json.loads((folder / "grading.json").read_text(encoding="utf-8"))
        if record["source"] != _path_text(path) or record["assignment"] != assignment.stem:
            return None
        if record.get("secret_sha256", "") != secret_id:  # other hidden cases
            return None
        if record.get("overrides", []) != _override_record(overrides):
            return None  # overrides changed since: its files must say so
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


def stand_in(name: str, args: list, kwargs: dict) -> object:
    """The grader's stand-in for the earlier exercise ``name``: its reference's answer on
    the data the learner's process sent, computed here (never in the learner's process)."""
    return SPECS[name].reference(*resolve(args), **kwargs)


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


def grade_one(path: Path, name: str, batch: Batch, secret_id: str = "",
              overrides: list[Override] = ()) -> Row:  # fmt: skip
    """Grade one submission and write its feedback.md, results.json and grading.json,
    with ``overrides`` applied. Never raises but Cancelled: whatever goes wrong (a bad
    file, a bug of ours, a file that cannot be written) gives this submission's row, with
    the reason in its files."""
    assignment, digest = batch.assignment, None
    try:
        data = read_submission(path, batch.limits.max_notebook_bytes)
        digest = _sha256(data)
        result = run_notebook(path, assignment, batch.trials, limits=batch.limits,
                              sandbox=batch.sandbox, data=data,
                              cancellation=batch.cancellation,
                              stand_ins=stand_in)  # fmt: skip
    except NotebookError as err:
        result = unreadable(assignment, str(err))
    except Cancelled:
        raise
    except Exception as err:  # a bug of ours must not lose the rest of the batch
        detail = codec.text("".join(traceback.format_exception_only(type(err), err)), 300)
        result = unreadable(assignment, f"the grader failed on it ({detail})")
    result = with_overrides(result, overrides)
    row = row_of(name, result)
    try:
        folder = batch.out / "submissions" / name
        folder.mkdir(parents=True, exist_ok=True)
        unsafe = batch.sandbox is None
        feedback = feedback_markdown(result, path.name, unsafe) + override_markdown(result)
        results = override_results(gradescope_results(result, unsafe), result)
        files = {"feedback.md": feedback, "results.json": json_text(results)}
        for file, text in files.items():
            write_atomically(folder / file, text)
        record = record_of(path, digest, result, files, secret_id, overrides)
        write_atomically(folder / "grading.json", json_text(record))
    except Exception as err:
        print(f"course-lib grade: could not write the results of {name}: "
              f"{codec.text(str(err), 300)}", file=sys.stderr)  # fmt: skip
    return row


def prepare(assignment: Assignment, secret: str = "") -> dict[str, list[Trial]]:
    """Every trial of the assignment, by grade_id: its public cases, then its hidden ones
    drawn from ``secret``, each with its expected answer, computed now, in the grader,
    before any learner process starts (so every module grading needs is imported by then,
    and a broken case shows at once: UsageError, naming it)."""
    trials = {}
    for ex in assignment.exercises:
        try:
            public = public_trials(ex)
        except Exception as err:
            raise UsageError(f"a public case of {ex.grade_id} is broken: {err!r}") from err
        hidden = []
        for i, case in enumerate(hidden_cases(ex.grade_id)):
            try:
                args = case.make(generator(secret, ex.grade_id, i))
                hidden.append(make_trial(ex, case.label, args, hidden=True, timed=case.timed))
            except Exception as err:
                raise UsageError(
                    f"the hidden case '{case.label}' of {ex.grade_id} is broken: {err!r}"
                ) from err
        trials[ex.grade_id] = public + hidden
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
    roster: list[Student] | None = None,
    overrides: list[Override] = (),
) -> list[Row]:
    """Grade every submission into ``out``; return the rows of grades.csv (also written).

    ``secret`` draws the hidden cases' inputs (the same secret, the same cases). ``stop``,
    once set (the command's Ctrl-C handler sets it), stops grading as KeyboardInterrupt does.
    ``sandbox=False`` runs the learners' code without the sandbox (unsafe: trusted code
    only). ``roster`` adds gradebook.csv, canvas.csv and moodle.csv; ``overrides`` name
    students by student_id with a roster, else by submission name. Raises
    SandboxUnavailable when a sandbox is asked for and cannot be made, and
    KeyboardInterrupt after writing grades.csv for what was done, when interrupted."""
    from tqdm.auto import tqdm

    limits = limits or Limits()
    box = Sandbox.find() if sandbox else None
    batch = Batch(assignment, out, limits, box, Cancellation(), prepare(assignment, secret))
    fingerprint = _sha256(secret.encode())
    names = names_for(submissions)
    matches = owners(roster, submissions) if roster else {}
    mine = {p: overrides_of(p, names[p], matches, roster is not None, overrides)
            for p in submissions}  # fmt: skip
    rows: dict[Path, Row] = {}
    todo: list[Path] = []
    for path in submissions:
        folder = out / "submissions" / names[path]
        row = (row_from_record(names[path], path, folder, assignment, limits, fingerprint,
                               mine[path]) if resume else None)  # fmt: skip
        if row is not None:
            rows[path] = row
        else:
            todo.append(path)
    bar = tqdm(total=len(submissions), initial=len(rows), unit="notebook", disable=not progress,
               desc=f"grading {assignment.stem}", file=sys.stderr)  # fmt: skip
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    pending = {pool.submit(grade_one, p, names[p], batch, fingerprint, mine[p]): p for p in todo}
    try:
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                rows[pending.pop(future)] = future.result()
                bar.update(1)
            if pending and stop is not None and stop.is_set():
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        batch.cancellation.cancel()  # every sandbox dies; running grade_one calls end
        pool.shutdown(wait=True)  # their scratch folders are removed as they unwind
        rows.update({p: f.result() for f, p in pending.items() if f.done() and not f.cancelled()
                     and f.exception() is None})  # fmt: skip
        write_atomically(out / "grades.csv", csv_text(list(rows.values()), assignment))
        raise
    finally:
        bar.close()
        pool.shutdown(wait=True)
    write_atomically(out / "grades.csv", csv_text(list(rows.values()), assignment))
    if roster is not None:
        book, unmatched = entries(roster, matches, rows, assignment, overrides)
        for file, text in (("gradebook.csv", gradebook_csv(book, unmatched, assignment)),
                           ("canvas.csv", canvas_csv(book, assignment)),
                           ("moodle.csv", moodle_csv(book, assignment))):  # fmt: skip
            write_atomically(out / file, text)
    return list(rows.values())


def overrides_of(path: Path, name: str, matches: dict[Path, list[Student]], by_student: bool,
                 overrides: list[Override]) -> list[Override]:  # fmt: skip
    """The overrides that apply to one submission: its student's (with a roster, when it
    matches exactly one student), else those given for its name."""
    if by_student:
        found = matches[path]
        key = found[0].student_id if len(found) == 1 else None
    else:
        key = name
    return [o for o in overrides if o.student == key]


# ----- before grading: the solution must get full marks -----


def default_solutions() -> Path:
    """The solutions/ folder of the course this package was installed from, if it is an
    editable install of the repository; else ./solutions."""
    beside = Path(__file__).resolve().parents[2] / "solutions"
    return beside if beside.is_dir() else Path("solutions")


def validate(assignment: Assignment, solutions: Path, secret: str = "", sandbox: bool = True,
             limits: Limits | None = None) -> tuple[NotebookResult, list[str]]:  # fmt: skip
    """Grade the assignment's solution notebook on every case the learners will get;
    return the result and one problem per exercise that did not get full marks (empty:
    the answer key, the cases and the catalog agree)."""
    path = solutions / f"{assignment.stem}.ipynb"
    if not path.is_file():
        raise UsageError(
            f"cannot check the cases before grading: no solution notebook {path} "
            "(pass --solutions DIR, the folder of the solution notebooks)"
        )
    limits = limits or Limits()
    box = Sandbox.find() if sandbox else None
    result = run_notebook(path, assignment, prepare(assignment, secret), limits=limits,
                          sandbox=box, cancellation=Cancellation(),
                          stand_ins=stand_in)  # fmt: skip
    problems = [" ".join(line.strip() for line in exercise_lines(r))
                for r in result.exercises if not r.passed]  # fmt: skip
    if result.problem:
        problems.insert(0, result.problem)
    return result, problems


def _validation_key(assignment: Assignment, solutions: Path, secret: str, sandbox: bool,
                    limits: Limits) -> str:  # fmt: skip
    """What a validation depends on: the solution notebook, every module and data file of
    the grader (cases, references, catalog), the secret, the sandbox and the limits."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]  # course_lib: every module and data file
    files = [solutions / f"{assignment.stem}.ipynb",
             *sorted(p for p in package.rglob("*") if p.suffix in (".py", ".json"))]  # fmt: skip
    for f in files:
        name = f.name if f.parent == solutions else f.relative_to(package).as_posix()
        digest.update(name.encode() + b"\0" + f.read_bytes() + b"\0")
    digest.update(f"{assignment.stem}|{secret}|{sandbox}|{limits}".encode())
    return digest.hexdigest()


def validated(assignment: Assignment, solutions: Path, secret: str, sandbox: bool,
              limits: Limits) -> list[str]:  # fmt: skip
    """:func:`validate`, remembered: a validation that passed is not run again for the same
    solution, grader files, secret and limits (a file named by their sha256 in
    ~/.cache/course-lib/validated/)."""
    key = _validation_key(assignment, solutions, secret, sandbox, limits)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    mark = cache / "course-lib" / "validated" / key
    if mark.is_file():
        return []
    _, problems = validate(assignment, solutions, secret, sandbox, limits)
    if not problems:
        with contextlib.suppress(OSError):
            mark.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(mark, assignment.stem + "\n")
    return problems


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


def _fail(message: str) -> int:
    print(f"course-lib grade: {message}", file=sys.stderr)
    return 2


def validate_command(args: argparse.Namespace, assignment: Assignment, secret: str,
                     limits: Limits) -> int:  # fmt: skip
    """``--validate``: grade the solution notebook, print its report; 0 on full marks."""
    from ..exercises.report import terminal_report

    result, problems = validate(assignment, Path(args.solutions or default_solutions()),
                                secret, not args.no_sandbox, limits)  # fmt: skip
    print(terminal_report(result, f"Validating {assignment.stem} (the solution notebook)"))
    if problems:
        print(f"course-lib grade: the solution of {assignment.stem} does not get full marks: "
              "fix the case or the solution before grading")  # fmt: skip
        return 1
    print(f"the solution of {assignment.stem} gets full marks on every public and hidden case")
    return 0


def grade_command(args: argparse.Namespace) -> int:
    try:
        if args.assignment not in ASSIGNMENTS:
            known = ", ".join(ASSIGNMENTS)
            raise UsageError(f"unknown assignment {args.assignment!r}; known: {known}")
        assignment = ASSIGNMENTS[args.assignment]
        if not args.validate:
            if not args.out:
                raise UsageError("--out FOLDER is needed (where grades.csv goes)")
            if not args.submissions:
                raise UsageError("no submissions given (notebooks, or folders of notebooks)")
            submissions = collect(args.submissions)
            out = Path(args.out)
            try:
                out.mkdir(parents=True, exist_ok=True)
                probe = out / ".course-lib-write-test"
                probe.write_text("ok")
                probe.unlink()
            except OSError as err:
                raise UsageError(
                    f"cannot write to the output folder {out}: {err.strerror}"
                ) from None
            roster = read_roster(Path(args.roster)) if args.roster else None
            overrides = []
            if args.overrides:
                if roster is not None:
                    known, key = {s.student_id for s in roster}, "student_id of the roster"
                else:
                    known, key = set(names_for(submissions).values()), "submission name"
                overrides = read_overrides(Path(args.overrides), assignment, known, key)
        if args.no_sandbox:
            print(f"course-lib grade: {UNSAFE}", file=sys.stderr)
        else:
            problem = sandbox_problem()
            if problem:
                raise UsageError(
                    f"no sandbox, no grading: {problem}. (For code you trust, --no-sandbox "
                    "grades without it: unsafe.)"
                )
        secret = read_secret(args.secret_file)
    except (UsageError, GradebookError) as err:
        return _fail(str(err))
    limits = Limits(cell_timeout=args.cell_timeout, call_timeout=args.call_timeout,
                    memory_mb=args.memory_mb,
                    max_notebook_bytes=int(args.max_size_mb * 2**20))  # fmt: skip
    jobs = args.jobs or os.cpu_count() or 1
    if not secret:
        print(f"course-lib grade: {NO_SECRET}", file=sys.stderr)
    try:
        if args.validate:
            return validate_command(args, assignment, secret, limits)
        solutions = Path(args.solutions or default_solutions())
        problems = validated(assignment, solutions, secret, not args.no_sandbox, limits)
    except UsageError as err:
        return _fail(str(err))
    except SandboxUnavailable as err:
        return _fail(f"no sandbox, no grading: {err}")
    if problems:
        return _fail(
            f"nothing graded: the solution notebook {solutions / assignment.stem}.ipynb does not "
            "get full marks with these cases, so every learner would lose the same points:\n  "
            + "\n  ".join(problems)
            + "\nFix the case or the solution (then `course-lib build`), and check with "
            f"`course-lib grade --validate --assignment {assignment.stem}`."
        )
    try:
        with stopped_by_signals() as stop:  # Ctrl-C or `kill`: grading stops cleanly
            rows = grade(assignment, submissions, out, jobs=jobs, resume=args.resume,
                         limits=limits, progress=not args.no_progress,
                         sandbox=not args.no_sandbox, secret=secret, stop=stop,
                         roster=roster, overrides=overrides)  # fmt: skip
    except UsageError as err:  # a broken case
        return _fail(f"nothing graded: {err}")
    except SandboxUnavailable as err:
        return _fail(f"no sandbox, no grading: {err}")
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
    if roster is not None:
        print(f"gradebook for {len(roster)} students: {out / 'gradebook.csv'} (Canvas: "
              f"{out / 'canvas.csv'}, Moodle: {out / 'moodle.csv'})")  # fmt: skip
    if args.no_sandbox:
        print(f"course-lib grade: {UNSAFE}", file=sys.stderr)
    return 0
