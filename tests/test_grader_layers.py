"""The exercises are in layers a newcomer can find by folder, and their arrows point down.

Two sides, one boundary:

- ``course_lib/exercises/``: what every learner gets, in layers

      0 values   inputs, codec, monitor, autograding    what crosses a process boundary
      1 spec     spec, assignments/ (one module per        what an exercise is
                 notebook, and its public cases as data)
      2 engine   engine                                  run a case, judge it
      3 process  process/ (notebook, environment,        the learner's process
                 channel, worker, session)
      4 report   report                                  words for the learner
      5 commands checking, cli, __init__                 the check cell, `course-lib check`

- ``course_lib/instructor/``: what only instructors run. It may import the learner's side;
  nothing outside it imports it (``course-lib`` finds its commands by an entry point,
  which the learner edition does not declare).

A module imports only from its own layer or below (function-level imports included), the
imports within a layer have no cycle, and the process layer does not know the course's
exercises (they reach it as an ``Assignment``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import course_lib

PACKAGE = Path(course_lib.__file__).parent
FOLDER = PACKAGE / "exercises"
LAYERS = {
    "inputs": 0,
    "codec": 0,
    "monitor": 0,
    "autograding": 0,
    "spec": 1,
    "assignments": 1,
    "assignments.gradient_descent": 1,
    "assignments.chain_rule": 1,
    "assignments.forward_pass": 1,
    "assignments.backward_pass": 1,
    "assignments.digit_classification": 1,
    "engine": 2,
    "process": 3,
    "process.notebook": 3,
    "process.environment": 3,
    "process.channel": 3,
    "process.worker": 3,
    "process.session": 3,
    "report": 4,
    "checking": 5,
    "cli": 5,
    "__init__": 5,
}


def _module_name(path: Path) -> str:
    """The module's name relative to course_lib (``exercises.process.session``)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute_imports(path: Path) -> set[str]:
    """Every course_lib module that the file at ``path`` imports, anywhere in its code,
    as a name relative to course_lib (``exercises.engine``, ``instructor``)."""
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.split(".")[0] == "course_lib":
                target = node.module.split(".")[1:]
            else:
                continue
            found.add(".".join(target))
            found.update(".".join([*target, alias.name]) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "course_lib":
                    found.add(".".join(alias.name.split(".")[1:]))
    return {name for name in found if name}


def layer_imports(name: str) -> set[str]:
    """The learner-side modules (keys of LAYERS) that the module ``name`` imports."""
    path = FOLDER / (name.replace(".", "/") + ".py")
    if not path.is_file():
        path = FOLDER / name.replace(".", "/") / "__init__.py"
    found = set()
    for target in absolute_imports(path):
        parts = target.split(".")
        if parts[0] != "exercises":
            continue
        for k in (2, 1):
            key = ".".join(parts[1 : 1 + k])
            if key in LAYERS:
                found.add(key)
                break
    found.discard(name)
    return found


def test_every_module_has_a_layer():
    modules = {_module_name(p).removeprefix("exercises.") for p in FOLDER.rglob("*.py")}
    modules = {"__init__" if m == "exercises" else m for m in modules}
    assert modules == set(LAYERS), (
        f"modules without a layer: {sorted(modules - set(LAYERS))}; "
        f"layers without a module: {sorted(set(LAYERS) - modules)}"
    )


def test_imports_point_down_only():
    upward = [
        f"{name} (layer {LAYERS[name]}) imports {other} (layer {LAYERS[other]})"
        for name in LAYERS
        for other in layer_imports(name)
        if LAYERS[other] > LAYERS[name]
    ]
    assert upward == []


def test_no_import_cycles():
    graph = {name: layer_imports(name) for name in LAYERS}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            assert state.get(other) != 1, f"import cycle: {' -> '.join([*path, name, other])}"
            if other not in state:
                visit(other, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_the_process_layer_does_not_know_the_course():
    """The learner's process runs any assignment it is given; it never imports the
    course's exercises (or anything above it)."""
    for name in LAYERS:
        if name.startswith("process"):
            assert not layer_imports(name) & {"assignments", "report", "checking", "cli"}, name


def test_nothing_outside_the_instructor_package_imports_it():
    """The learner edition is course_lib without course_lib/instructor: no module of it
    may import the instructor's package, not even inside a function."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {target}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "instructor" not in path.relative_to(PACKAGE).parts
        for target in sorted(absolute_imports(path))
        if target.split(".")[0] == "instructor"
    ]
    assert offenders == []


def test_the_exercise_commands_do_not_import_the_course_command():
    """course_lib/cli.py imports exercises/cli.py, never the other way round."""
    for path in (FOLDER / "cli.py", PACKAGE / "instructor" / "cli.py"):
        assert "cli" not in absolute_imports(path), path


def _modules_loaded_by(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_starting_lab_train_or_doctor_does_not_load_the_grader():
    """`course-lib lab --help` builds every subcommand's parser, and loads none of the
    engine, the learner's process or the instructor's grader to do it (numpy, yes: the
    options of `train` show the recipe's defaults)."""
    loaded = _modules_loaded_by(
        "from course_lib.cli import main\n"
        "try:\n    main(['lab', '--help'])\nexcept SystemExit:\n    pass"
    )
    assert "course_lib.cli" in loaded and "course_lib.exercises.cli" in loaded
    heavy = {
        "course_lib.exercises.engine",
        "course_lib.exercises.process.session",
        "course_lib.exercises.assignments",
        "course_lib.instructor.grading.batch",
        "course_lib.instructor.key",
        "course_lib.instructor.results",
        "course_lib.instructor.gradescope",
        "course_lib.instructor.release",
        "course_lib.instructor.sandbox",
        "nbformat",
    }
    assert not heavy & loaded, sorted(heavy & loaded)


def test_a_learners_check_imports_nothing_of_the_instructor():
    """The check cell of a notebook, run on a passing and a failing function, loads no
    module of course_lib.instructor."""
    loaded = _modules_loaded_by(
        "from course_lib.exercises import check\n"
        "check('gradient_descent_step', lambda theta, grad, eta: theta - eta * grad)\n"
        "check('gradient_descent_step', lambda theta, grad, eta: theta + eta * grad)\n"
        "check('softmax', lambda z: z, hint=True)"
    )
    assert "course_lib.exercises.checking" in loaded
    assert not {m for m in loaded if m.startswith("course_lib.instructor")}
