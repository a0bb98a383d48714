"""`course-lib doctor`: reports a ready environment, and names each problem with its fix."""

import subprocess
import sys

from course_lib import doctor


def test_this_environment_is_ready():
    result = subprocess.run(
        [sys.executable, "-m", "course_lib.cli", "doctor"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert "Ready: every check passed." in result.stdout
    for name in ("numpy", "ipywidgets front end", "USPS data", "python3 kernel",
                 "sandboxed grading"):
        assert f"[ok ] {name}" in result.stdout


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
    finding = doctor.check_sandbox()
    assert not finding.ok and not finding.needed
    out = doctor.report([doctor.check_python(), finding])
    assert "[ - ] sandboxed grading: not available here (only needed to grade a class)" in out
    assert "COURSE_LIB_BWRAP" in out  # the cause and the fix
    assert out.endswith("Ready: every check passed.")
