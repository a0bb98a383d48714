"""Settings for the whole test run (pytest loads this file first, before numpy).

One BLAS thread, for this process and every kernel and subprocess it starts
(nbval's kernels, the grader's workers, the CLI): the course's matrices are small,
so extra BLAS threads gain nothing and, on a shared 2-core machine, spin against
each other and slow training 20-40x. One thread also makes float results, and so the
outputs stored in the notebooks, independent of the machine's number of cores.

A home of its own: HOME and the XDG folders point into a temporary folder, so that no
test (nor the grader's cache of validated answer keys, Jupyter's runtime files, IPython,
matplotlib) writes into the real home. pip keeps its own cache where it was (its downloads
are pip's business, and the tests that build wheels rely on it).

English, whatever the machine's locale: `course-lib lab` and the learner's messages follow
COURSE_LIB_LANG or the locale; a test that wants Chinese says so.

The Chinese notebooks (notebooks/zh) have the English ones' code and stored outputs, cell for
cell (tests/test_translations.py): nbval runs the welcome notebook from that folder, to show
they run there, and not the others a second time (the 3-minute budget of `make test`).

Strict specs: COURSE_LIB_SPEC_STRICT=1 makes a broken diagnosis, rule or recogniser of an
exercise raise instead of being passed over (a learner's check never stops on our bug).
"""

import os
import shutil
import tempfile

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ["COURSE_LIB_SPEC_STRICT"] = "1"
os.environ["COURSE_LIB_LANG"] = "en"

_HOME_SET = "COURSE_LIB_TEST_HOME"  # set once, by the first process (xdist's workers inherit it)
_made_home = None


def pytest_configure(config):
    global _made_home
    if os.environ.get(_HOME_SET):
        return
    real_home = os.path.expanduser("~")
    _made_home = tempfile.mkdtemp(prefix="course-lib-test-home-")
    os.environ.setdefault("PIP_CACHE_DIR", os.path.join(real_home, ".cache", "pip"))
    os.environ[_HOME_SET] = _made_home
    os.environ["HOME"] = _made_home
    for name, sub in (
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("IPYTHONDIR", ".ipython"),
        ("MPLCONFIGDIR", ".config/matplotlib"),
    ):
        os.environ[name] = os.path.join(_made_home, sub)


def pytest_ignore_collect(collection_path, config):
    """The Chinese notebooks but the welcome one: their code and outputs are the English ones'."""
    path = collection_path
    if path.suffix == ".ipynb" and path.parent.name == "zh" and path.name != "00_welcome.ipynb":
        return True
    return None


def pytest_unconfigure(config):
    if _made_home is not None:
        shutil.rmtree(_made_home, ignore_errors=True)
