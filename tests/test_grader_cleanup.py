"""A killed run leaves no learner's notebook readable by others, and the next run removes
what it left, never what a running one holds.

``course-lib grade`` copies every submission into a private folder of the temporary folder
(and runs each notebook from another one). Ctrl-C removes them; SIGKILL or a power cut
cannot. So they are 0700, and named after the process that made them, which keeps a lock
file in each locked while it lives: the next run removes the folders of this user whose
process is gone and whose lock is free (``course_lib.exercises.process.session.sweep``).
"""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from exercise_tools import add_cell

from course_lib.exercises.process.session import LOCK, sweep

STEM = "03_forward_pass"
GRADE = "import sys; from course_lib.cli import main; sys.exit(main(sys.argv[1:]))"
HOLD = """
import sys, time
from course_lib.exercises.process.session import private_folder
with private_folder("collected") as folder:
    (folder / "0.ipynb").write_text("a live run's copy")
    print(folder, flush=True)
    time.sleep(120)
"""
SLEEP = "import time\ntime.sleep(120)  # grading is under way while this runs"


def private(tmp: Path) -> set[Path]:
    return {p for p in tmp.iterdir() if p.name.startswith("course-lib-")}


def grade(tmp: Path, notebook: Path, out: Path, **options) -> subprocess.Popen:
    """``course-lib grade`` of ``notebook``, its temporary folder ``tmp``, in a session of
    its own (so that a SIGKILL of its group also takes its workers, as a power cut would)."""
    command = [sys.executable, "-c", GRADE, "grade", "--assignment", STEM, "--out", str(out)]
    command += ["--no-progress", "--no-sandbox", "--jobs", "1", str(notebook)]
    return subprocess.Popen(
        command,
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **options,
    )


def wait_for(found, seconds: float = 120.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_killed_grader_leaves_private_folders_the_next_run_removes(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    live = subprocess.Popen(  # a run going on beside: its folder is never touched
        [sys.executable, "-c", HOLD],
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held = Path(live.stdout.readline().strip())
        assert held.parent == tmp and (held / "0.ipynb").is_file()

        slow = add_cell(STEM, tmp_path / "alice.ipynb", SLEEP)
        killed = grade(tmp, slow, tmp_path / "out-killed")

        def grading_alice() -> bool:  # a worker runs alice's notebook (not the solution's)
            copies = tmp.glob("course-lib-run-*/work/submission.ipynb")
            return any("time.sleep(120)" in p.read_text(errors="replace") for p in copies)

        try:
            wait_for(grading_alice)
        finally:
            os.killpg(killed.pid, signal.SIGKILL)
            killed.communicate()
        left = private(tmp) - {held}
        kinds = sorted(p.name.split("-")[2] for p in left)
        assert kinds == ["collected", "run"], left
        for folder in left:
            info = folder.stat()
            assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid(), folder
            assert f"-{killed.pid}-" in folder.name
        collected = next(p for p in left if "-collected-" in p.name)
        assert (collected / "0.ipynb").read_bytes() == slow.read_bytes()  # alice's notebook

        # the next run (here one that finds nothing to grade, and stops at once) sweeps first
        (tmp_path / "nothing").mkdir()
        again = grade(tmp, tmp_path / "nothing", tmp_path / "out")
        _, err = again.communicate(timeout=120)
        assert again.returncode == 2 and "no submissions found" in err, err
        assert private(tmp) == {held}  # the dead run's folders are gone, and its own
        assert (held / "0.ipynb").read_text() == "a live run's copy" and (held / LOCK).is_file()
    finally:
        live.send_signal(signal.SIGINT)  # Ctrl-C: the run removes its own folder
        live.communicate(timeout=60)
    assert private(tmp) == set()


def test_the_sweep_removes_only_unlocked_folders_of_this_user_whose_process_is_gone(tmp_path):
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = finished.pid
    running = subprocess.Popen(["sleep", "60"])
    try:
        start = Path(f"/proc/{running.pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[19]

        def folder(name: str, lock: bool = True) -> Path:
            made = tmp_path / name
            made.mkdir(mode=0o700)
            (made / "0.ipynb").write_text("a copy")
            if lock:
                (made / LOCK).write_text("")
            return made

        gone = folder(f"course-lib-run-{dead}-0-abc")  # its process is gone, its lock free
        reused = folder(f"course-lib-run-{running.pid}-1-abc")  # that pid, another process
        alive = folder(f"course-lib-run-{running.pid}-{int(start)}-abc")  # still running
        unlocked = folder(f"course-lib-run-{dead}-0-nolock", lock=False)  # being made
        held = folder(f"course-lib-run-{dead}-0-held")  # locked: alive in another namespace
        holder = os.open(held / LOCK, os.O_RDWR)
        fcntl.flock(holder, fcntl.LOCK_EX)
        target = folder("elsewhere")
        (tmp_path / f"course-lib-run-{dead}-0-link").symlink_to(target)  # never followed
        others = folder("course-lib-test-home-abc")  # not a name of private_folder
        kept = [alive, unlocked, held, target, others]
        if os.getuid() == 0:  # another user's (only root can give it away)
            kept.append(folder(f"course-lib-run-{dead}-0-theirs"))
            os.chown(kept[-1], 65534, 65534)
        try:
            removed = sweep(tmp_path)
        finally:
            os.close(holder)
        assert sorted(removed) == sorted([gone, reused])
        for place in kept:
            assert (place / "0.ipynb").is_file(), place
        assert (tmp_path / f"course-lib-run-{dead}-0-link").is_symlink()
        assert not gone.exists() and not reused.exists()
    finally:
        running.kill()
        running.wait()


@pytest.mark.skipif(sys.platform != "linux", reason="the start time comes from /proc")
def test_a_private_folder_is_named_after_its_process_and_locked(tmp_path, monkeypatch):
    from course_lib.exercises.process.session import private_folder

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with private_folder("collected") as folder:
        assert folder.parent == tmp_path and stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert folder.name.startswith(f"course-lib-collected-{os.getpid()}-")
        probe = os.open(folder / LOCK, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(probe)
    assert list(tmp_path.iterdir()) == []
