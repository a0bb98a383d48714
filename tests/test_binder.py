"""The repo2docker configuration (Binder, JupyterHub): it agrees with pyproject.toml, and the
image it builds can import the course whatever is mounted on the home folder.

repo2docker copies the repository into /home/jovyan, then runs ``binder/postBuild`` there. A
JupyterHub mounts each learner's persistent home volume over /home/jovyan, hiding that copy,
so the course must be installed into the image's Python, not linked to the copy (editable).
``test_post_build_install_survives_a_home_volume`` runs the real postBuild as repo2docker
would, in a fresh venv standing in for the image's Python, then replaces the copy with an
empty home and imports the course from there. Before that, it starts the server's
configuration as BinderHub starts the server (mybinder.org: ``jupyter-lab`` with the
arguments of BinderHub's spawner, a ``--ServerApp.default_url=/lab`` among them where a
deployment sets one; ``repo2docker --run``: ``jupyter notebook --ServerApp.default_url=/lab``)
and checks that ``/`` leads to the welcome notebook, and to JupyterLab's own page where the
home folder holds no copy of the repository (a hub's home volume).

How the fresh venv gets what it needs without downloading anything:

- postBuild installs with ``--no-deps``, so the course's dependencies (numpy, ...) are not
  installed but borrowed from this environment, as in tests/test_release.py: a ``.pth`` file
  names a folder of symbolic links to this environment's site-packages, minus ``course_lib*``
  and ``__editable__*`` (this environment's editable course_lib must not answer the import).
  That borrowed folder also provides pip, which postBuild runs as ``python -m pip``.
- Building course_lib's wheel needs a build backend (setuptools with ``bdist_wheel``). If this
  environment has one, the test tells pip to use it (no build isolation, no index: offline).
  Otherwise pip builds as it does in repo2docker, with build isolation, fetching setuptools
  from the package index pip is configured with; set up this environment with setuptools
  >= 70.1 (or wheel) to keep this test off the network.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
HUB_ONLY = {"nbgitpuller": ">=1.2"}  # needed on a hub, not by the course itself
WELCOME = "/lab/tree/notebooks/00_welcome.ipynb"
BASE = "/user/learner/"  # the hub's prefix of the learner's server
# the arguments BinderHub's spawner (binderhub/binderspawner_mixin.py) gives the server when
# the deployment sets Spawner.default_url, here to /lab, and lets any origin in (mybinder.org);
# on loopback here, not 0.0.0.0, on any free port
BINDERHUB = [
    "--ip=127.0.0.1",
    "--port=0",
    f"--NotebookApp.base_url={BASE}",
    "--NotebookApp.token=secret",
    "--NotebookApp.trust_xheaders=True",
    "--NotebookApp.default_url=/lab",
    "--NotebookApp.allow_origin=*",
    "--NotebookApp.allow_origin_pat=.*",
]
BINDERHUB += [a.replace("--NotebookApp.", "--ServerApp.") for a in BINDERHUB if "App." in a]
# Each case: the app that starts the server, its arguments, the folder it starts in. The
# server is configured (every config file read, the extensions loaded), never started.
LANDING = """
import json, os, sys
from jupyter_server.serverapp import ServerApp
from jupyterlab.labapp import LabApp
from notebook.app import JupyterNotebookApp
found = []
for app, argv, folder in json.loads(sys.argv[1]):
    os.chdir(folder)
    server = {"lab": LabApp, "notebook": JupyterNotebookApp}[app].initialize_server(argv=argv)
    found.append(server.default_url)
    ServerApp.clear_instance()
print(json.dumps(found))
"""


def requirements(lines):
    return {
        Requirement(line).name.lower(): str(Requirement(line).specifier)
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    }


def test_binder_requirements_equal_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = requirements(project["dependencies"])
    binder = requirements((BINDER / "requirements.txt").read_text().splitlines())
    assert binder == {**declared, **HUB_ONLY}


def test_runtime_satisfies_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    assert match, f"runtime.txt should read python-X.Y, got {runtime!r}"
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", project["requires-python"])
    assert tuple(map(int, match.groups())) >= tuple(map(int, minimum.groups()))


def test_post_build_installs_the_package_not_editable_and_opens_the_welcome_notebook():
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in script
    installs = [line for line in script.splitlines() if "pip install" in line]
    assert installs == ["python -m pip install --no-cache-dir --no-deps ."]
    assert WELCOME in script
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()
    link = "https://mybinder.org/v2/gh/OWNER/REPO/main?urlpath=lab/tree/notebooks/00_welcome.ipynb"
    assert link in (ROOT / "README.md").read_text()  # the link names the page itself
    assert link in (ROOT / "docs" / "instructor-guide.md").read_text()
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def _repository_files() -> list[str]:
    """What repo2docker copies from a clone: the tracked files, plus new ones not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def _can_build_wheels_here() -> bool:
    """Can this environment's setuptools build a wheel by itself (bdist_wheel built in)?"""
    try:
        if Version(metadata.version("setuptools")) >= Version("70.1"):
            return True
        metadata.version("wheel")
        return True
    except metadata.PackageNotFoundError:
        return False


def test_post_build_install_survives_a_home_volume(tmp_path):
    venv, home = tmp_path / "image-python", tmp_path / "home" / "jovyan"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = tmp_path / "deps"  # this environment's packages, minus its editable course_lib
    deps.mkdir()
    for entry in sorted(Path(sysconfig.get_paths()["purelib"]).iterdir()):
        if not entry.name.startswith(("course_lib", "__editable__")):
            (deps / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (site / "zz_course_dependencies.pth").write_text(f"{deps}\n")

    for name in _repository_files():  # repo2docker: the repository, copied into the home
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, home / name)

    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_CONFIG_DIR", "PIP_TARGET")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PIP_")}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        NB_PYTHON_PREFIX=str(venv),
        HOME=str(home),
        PYTHONNOUSERSITE="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    if _can_build_wheels_here():
        # pip reads PIP_NO_BUILD_ISOLATION as the value of its build_isolation switch: "0"
        # turns isolation off, i.e. means --no-build-isolation
        env.update(PIP_NO_BUILD_ISOLATION="0", PIP_NO_INDEX="1")
    else:  # pip's own configuration (index, find-links) supplies the build backend
        env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_")})

    start = time.perf_counter()
    built = subprocess.run(
        [home / "binder" / "postBuild"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    print(f"postBuild took {time.perf_counter() - start:.1f} s")
    assert not (home / "build").exists() and not (home / "course_lib.egg-info").exists()
    hub_home = tmp_path / "hub-home"  # a hub's home volume: no copy of the repository
    hub_home.mkdir()
    cases = [
        ("lab", BINDERHUB, str(home)),  # mybinder.org: jupyter-lab, BinderHub's arguments
        ("notebook", ["--port=0", "--ServerApp.default_url=/lab"], str(home)),  # repo2docker
        ("lab", ["--port=0"], str(hub_home)),
    ]
    server_env = {**env, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    landing = subprocess.run(
        [python, "-c", LANDING, json.dumps(cases)],
        env=server_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert landing.returncode == 0, landing.stderr
    assert json.loads(landing.stdout) == [
        BASE + WELCOME[1:],
        "/notebooks/notebooks/00_welcome.ipynb",
        "/lab",
    ]
    # in the server's own Python, where the learner's home volume cannot hide it
    assert "backprop-course" in (venv / "etc/jupyter/jupyter_server_config.py").read_text()

    # the hub mounts the learner's home volume over /home/jovyan: the copy is gone
    shutil.rmtree(home)
    home.mkdir()
    probe = (
        "import json, course_lib\n"
        "from course_lib.data import load_usps\n"
        "from course_lib.exercises.assignments import find_exercise\n"
        "(x_train, y_train), (x_test, y_test) = load_usps()\n"
        "notebook, exercise = find_exercise('gradient_descent_step')\n"
        "print(json.dumps({'file': course_lib.__file__, 'train': len(x_train),\n"
        "                  'test': len(x_test), 'points': exercise.points}))\n"
    )
    done = subprocess.run(
        [python, "-c", probe], cwd=home, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    where = Path(found["file"]).resolve()
    assert where.is_relative_to(site.resolve()), where
    assert not where.is_relative_to(home.parent) and not where.is_relative_to(ROOT)
    assert (found["train"], found["test"]) == (7291, 2007)  # the bundled data, checksummed
    data = where.parent / "exercises" / "assignments"
    assert (data / "catalog.json").is_file() and (data / "public.json").is_file()
    assert found["points"] > 0  # read from the bundled catalog.json
    assert (venv / "bin" / "course-lib").is_file()  # the command learners run in a terminal
