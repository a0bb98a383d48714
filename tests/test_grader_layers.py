"""Issue 10: the grading code is in layers a newcomer can find, and its arrows point down.

    0 values      inputs, codec, monitor, autograding   what crosses a process boundary
    1 spec        spec, assignments, hidden             what an exercise is, its cases
    2 engine      engine                                run a case, judge it
    3 runner      sandbox, worker, runner               the learner's process, the protocol
    4 reports     report                                words and files
    5 commands    check, cli, build, grade, gradescope, release, __init__

A module imports only from its own layer or below (function-level imports included),
and the imports within a layer have no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import course_lib.exercises as package

FOLDER = Path(package.__file__).parent
LAYERS = {
    "inputs": 0, "codec": 0, "monitor": 0, "autograding": 0,
    "spec": 1, "assignments": 1, "hidden": 1,
    "engine": 2,
    "sandbox": 3, "worker": 3, "runner": 3,
    "report": 4, "gradebook": 4,
    "check": 5, "cli": 5, "build": 5, "grade": 5, "gradescope": 5, "release": 5, "__init__": 5,
}  # fmt: skip


def imports_of(name: str) -> set[str]:
    """The modules of course_lib.exercises that ``name`` imports, anywhere in its code."""
    tree = ast.parse((FOLDER / f"{name}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[:2] == ["course_lib", "exercises"] and len(parts) > 2:
                found.add(parts[2])
    return found


def test_every_module_has_a_layer():
    modules = {p.stem for p in FOLDER.glob("*.py")}
    assert modules == set(LAYERS), (
        f"modules without a layer: {sorted(modules - set(LAYERS))}; "
        f"layers without a module: {sorted(set(LAYERS) - modules)}"
    )


def test_imports_point_down_only():
    upward = [
        f"{name} (layer {LAYERS[name]}) imports {other} (layer {LAYERS[other]})"
        for name in LAYERS
        for other in imports_of(name)
        if LAYERS[other] > LAYERS[name]
    ]
    assert upward == []


def test_no_import_cycles():
    graph = {name: imports_of(name) & set(LAYERS) for name in LAYERS}
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


def test_the_exercise_commands_do_not_import_the_course_command():
    """course_lib/cli.py imports exercises/cli.py, never the other way round."""
    tree = ast.parse((FOLDER / "cli.py").read_text(encoding="utf-8"))
    parents = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 2]
    assert parents == []
