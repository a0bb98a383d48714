"""`course-lib doctor`: reports a ready environment, and names each problem with its fix.

The kernel checks start real kernels. A broken ``python3`` kernelspec is made on purpose in a
temporary folder put first on JUPYTER_PATH, where Jupyter looks for kernels before anywhere
else.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import course_lib
from course_lib import doctor

REINSTALL = f"{sys.executable} -m ipykernel install --user --name python3"


def doctor_command(env: dict | None = None) -> subprocess.CompletedProcess:
    """`course-lib doctor`, as a learner runs it (the console script of this environment)."""
    command = Path(sys.executable).with_name("course-lib")
    return subprocess.run([command, "doctor"], capture_output=True, text=True, env=env, timeout=300)


def broken_kernel(folder: Path, argv: list[str], env: dict | None = None) -> Path:
    """A ``python3`` kernelspec in ``folder``/kernels; returns the folder for JUPYTER_PATH."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    kernel = {"argv": argv, "display_name": "Python 3 (broken)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps({**kernel, "env": env or {}}))
    return folder


def test_this_environment_is_ready():
    result = doctor_command()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ready: every check passed." in result.stdout
    for name in (
        "numpy",
        "ipywidgets front end",
        "USPS data",
        "python3 kernel",
        "sandboxed grading",
        "Python in the kernel",
        "course_lib in the kernel",
        "numpy in the kernel",
        "ipykernel in the kernel",
        "ipywidgets in the kernel",
        "widgets: kernel and front end",
    ):
        assert f"[ok ] {name}" in result.stdout
    here = Path(course_lib.__file__).resolve().parent
    assert f"course_lib in the kernel: {course_lib.__version__} from {here}" in result.stdout


def test_a_kernel_whose_python_lacks_ipykernel_fails_naming_the_fix(tmp_path):
    bare = tmp_path / "bare"  # a Python with nothing installed: no ipykernel, no course
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", bare], check=True)
    python = bare / "bin" / "python"
    folder = broken_kernel(
        tmp_path / "jupyter", [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    )
    result = doctor_command({**os.environ, "JUPYTER_PATH": str(folder)})
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    spec = folder / "kernels" / "python3"
    assert f"[FIX] python3 kernel: {spec / 'kernel.json'} runs `{python}`, which died" in out
    assert "No module named ipykernel" in out
    assert f"`rm -r '{spec}'`" in out and f"`{REINSTALL}`" in out
    assert f"or install ipykernel into that Python: `{python} -m pip install ipykernel`" in out
    assert out.endswith("1 problem(s) to fix, above.\n")


@pytest.mark.parametrize(
    "argv, problem",
    [
        (
            ["{missing}", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "runs `{missing}`, which cannot be started (No such file or directory)",
        ),
        ([], "is not a usable kernelspec: its argv, the command to run, is empty"),
        (None, "is not a usable kernelspec: JSONDecodeError"),
    ],
    ids=["missing executable", "empty argv", "not JSON"],
)
def test_a_kernelspec_that_cannot_start_a_kernel_is_named(tmp_path, monkeypatch, argv, problem):
    missing = str(tmp_path / "no-such-python")
    argv = None if argv is None else [arg.replace("{missing}", missing) for arg in argv]
    folder = broken_kernel(tmp_path, argv or [])
    spec = folder / "kernels" / "python3"
    if argv is None:
        (spec / "kernel.json").write_text('{"argv": [')
    monkeypatch.setenv("JUPYTER_PATH", str(folder))
    (finding,) = doctor.check_kernel()
    assert not finding.ok and finding.needed
    assert f"{spec / 'kernel.json'} " + problem.replace("{missing}", missing) in finding.detail
    assert finding.fix.startswith(f"remove the broken kernelspec (`rm -r '{spec}'`)")
    assert REINSTALL in finding.fix


def test_a_kernel_that_hangs_is_stopped_after_the_timeout(tmp_path, monkeypatch):
    pid_file = tmp_path / "pid"
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    monkeypatch.setenv("JUPYTER_PATH", str(broken_kernel(tmp_path, [sys.executable, "-c", hang])))
    monkeypatch.setattr(doctor, "KERNEL_START_TIMEOUT", 2.0)
    (finding,) = doctor.check_kernel()
    assert not finding.ok and "did not answer within 2 s" in finding.detail
    assert REINSTALL in finding.fix
    assert not alive(int(pid_file.read_text()))  # shut down, not left behind


def test_a_kernel_importing_another_course_lib_is_a_problem(tmp_path, monkeypatch):
    other = tmp_path / "other" / "course_lib"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text('__version__ = "0.0.1"\n')
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    folder = broken_kernel(tmp_path, argv, env={"PYTHONPATH": str(other.parent)})
    monkeypatch.setenv("JUPYTER_PATH", str(folder))
    answers, real_run = [], doctor.run_in_kernel

    def run_and_keep(code: str) -> dict:
        answers.append(real_run(code))
        return answers[-1]

    monkeypatch.setattr(doctor, "run_in_kernel", run_and_keep)
    findings = {f.what: f for f in doctor.check_kernel()}
    assert findings["python3 kernel"].ok and findings["numpy in the kernel"].ok
    course = findings["course_lib in the kernel"]
    assert not course.ok and f"0.0.1 from {other.resolve()}" in course.detail
    assert f"this command runs {course_lib.__version__}" in course.detail
    assert REINSTALL in course.fix
    assert not alive(answers[0]["pid"])  # the kernel that answered was shut down too


def test_widgets_in_the_kernel_that_this_front_end_cannot_draw_are_named():
    found = {"version": "9.0.0", "file": "x", "frontend": ["jupyterlab_widgets~=9.0"]}
    finding = doctor._kernel_widgets_match(found)
    assert not finding.ok and "Error displaying widget" in finding.detail
    assert finding.fix == f"`{sys.executable} -m pip install 'jupyterlab_widgets~=9.0'`"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_corrupted_data_is_a_problem_with_a_fix(tmp_path):
    bad = tmp_path / "usps.npz"
    bad.write_bytes(b"garbage")
    findings = [doctor.check_python(), doctor.check_data(bad)]
    out = doctor.report(findings)
    assert "[FIX] USPS data" in out and "corrupted" in out and "reinstall the course" in out
    assert out.endswith("1 problem(s) to fix, above.")


def test_missing_widgets_front_end_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr("jupyter_core.paths.jupyter_path", lambda *parts: [str(tmp_path)])
    finding = doctor.check_widgets_frontend()
    assert not finding.ok
    assert "Error displaying widget" in finding.detail
    assert "jupyterlab_widgets" in finding.fix


def test_missing_or_old_package_is_named(monkeypatch):
    real_version = doctor.metadata.version

    def fake_version(name):
        if name == "tqdm":
            raise doctor.metadata.PackageNotFoundError(name)
        if name == "numpy":
            return "1.20.0"
        return real_version(name)

    monkeypatch.setattr(doctor.metadata, "version", fake_version)
    findings = {f.what: f for f in doctor.check_packages()}
    assert not findings["tqdm"].ok and findings["tqdm"].detail == "not installed"
    assert not findings["numpy"].ok and "upgrade" in findings["numpy"].fix
    assert findings["matplotlib"].ok
    assert "pytest" not in findings  # dev tools are not needed to take the course


def test_no_sandbox_is_reported_with_its_fix_but_is_not_a_learners_problem(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_LIB_BWRAP", str(tmp_path / "missing-bwrap"))
    from course_lib.instructor.cli import check_sandbox

    finding = check_sandbox()
    assert not finding.ok and not finding.needed
    out = doctor.report([doctor.check_python(), finding])
    assert "[ - ] sandboxed grading: not available here (only needed to grade a class)" in out
    assert "COURSE_LIB_BWRAP" in out  # the cause and the fix
    assert out.endswith("Ready: every check passed.")
