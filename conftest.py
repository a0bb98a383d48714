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

Longest files first (SLOW_FIRST, below): xdist (`--dist loadfile`) then gives the files to
its workers in that order, so no long file starts last and ends the run alone.

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
    # xdist >= 3.8 reorders the files by their number of tests unless told not to (the
    # option --no-loadscope-reorder, which older versions reject): keep SLOW_FIRST's order
    reorder = "--loadscope-reorder" in config.invocation_params.args
    if hasattr(config.option, "loadscopereorder") and not reorder:
        config.option.loadscopereorder = False
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


# The test files that take longest, longest first (seconds of a run of the whole suite on a
# loaded 2-core machine, `--durations=0` summed per file; they vary by half from run to run).
# `--dist loadfile`, its reordering turned off (pytest_configure), hands the files to the
# workers in collection order, so these start first and the short ones fill the gaps at the end
# (longest-first scheduling). xdist's default order (most tests first) started the browser
# test, 3 tests but 130 s, among the last, and the run ended waiting on it alone.
SLOW_FIRST = (
    "tests/browser/test_lab_browser.py",  # 130: JupyterLab runs 01, 04 and 05
    "tests/test_site.py",  # 50 to build the site, early: test_site_browser waits for it
    "tests/test_nbgrader.py",  # 75-120: nbgrader and course-lib grade, 5 submissions
    "tests/test_grader_sandbox.py",  # 50-120
    "tests/test_answer_key.py",  # 45-130
    "tests/test_classifier_gradients.py",  # 40-90: three 05 notebooks trained
    "tests/browser/test_site_browser.py",  # once the site is built
    "tests/test_grader_adversarial.py",  # 30-60
    "tests/test_grader_collection.py",  # 35-80: ~40 gradings, one at a time
    "tests/test_setup_commands.py",  # 20-75: `make lab` starts JupyterLab
    "tests/test_release.py",  # 25-65
    "notebooks/05_digit_classification.ipynb",  # 30-65: trains
    "tests/test_grader_load.py",  # 25-60
    "tests/test_exercises_check.py",  # 20-60
    "tests/test_lms.py",
    "tests/test_gradescope.py",
    "tests/test_grader_cli.py",
    "tests/test_grader_trust.py",
    "tests/test_binder.py",
    "tests/test_grader_cleanup.py",
    "tests/test_doctor.py",
    "tests/test_guide_lms.py",
)


def pytest_collection_modifyitems(session, config, items):
    """The files of SLOW_FIRST first, in its order; the others after, as collected. A file's
    own tests keep their order (its module fixtures are built once)."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    root = config.rootpath

    def file_rank(item) -> int:
        try:
            name = item.path.relative_to(root).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(name, len(rank))

    items[:] = sorted(items, key=file_rank)  # stable


def pytest_unconfigure(config):
    if _made_home is not None:
        shutil.rmtree(_made_home, ignore_errors=True)
