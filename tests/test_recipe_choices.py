"""The default recipe of `course-lib train` is the one its stored evidence chose.

benchmarks/choose_recipe.py (cross-validation on the training set) and
benchmarks/ablation_train.py store their results in benchmarks/results/. These tests do not
train anything: they check that the defaults follow the rules stated in choose_recipe.py, and
that the ablation table of notebook 05b (the appendix to 05) is the stored one, measured
with today's defaults.
"""

import ast
import json
import sys
from dataclasses import asdict
from pathlib import Path

import nbformat
import pytest

from course_lib.recipe import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "benchmarks"))
import choose_recipe  # noqa: E402  (benchmarks/, put on the path above)


def stored(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def test_the_defaults_are_the_budget_study_s_winner():
    result = stored("choose_recipe_budget.json")
    candidates = choose_recipe.STUDIES["budget"]
    assert set(result["right"]) == set(candidates)  # the stored run is of today's candidates
    best = max(result["right"].values())
    winner = next(name for name in candidates if result["right"][name] == best)
    assert result["chosen"] == winner
    for field, value in candidates[winner].items():
        assert getattr(DEFAULTS, field) == value, (winner, field)


def test_stored_counts_are_counts_of_held_out_digits():
    for path in RESULTS.glob("choose_recipe_*.json"):
        result = json.loads(path.read_text())
        assert result["of"] == result["splits"] * 7291, path.name
        for name, right in result["right"].items():
            assert 0 < right <= result["of"], (path.name, name, right)


def test_the_last_round_ran_on_today_s_defaults_and_changed_nothing():
    """Each round removes the pieces that do not help and adds the best tool that does; the
    last round (on the recipe the earlier rounds made) has nothing left to change."""
    result = stored("choose_recipe_round.json")
    assert result["base"] == {} and result["removed"] == [] and result["added"] is None
    full = result["right"]["full recipe"]
    # the same recipe was measured by the additions round, before it joined the defaults
    assert (
        full == stored("choose_recipe_additions_round1.json")["right"]["with label smoothing 0.1"]
    )
    for name, fields in choose_recipe.STUDIES["round"].items():
        changes = any(getattr(DEFAULTS, f) != v for f, v in fields.items())
        if changes and name in choose_recipe.PIECES:  # removing a piece of the recipe loses
            assert result["right"][name] < full, f"{name}: {result['right'][name]} >= {full}"
        if changes and name in choose_recipe.ADDED:  # adding a tool left out does not win
            assert result["right"][name] <= full, f"{name}: {result['right'][name]} > {full}"


def test_the_earlier_rounds_decisions_are_in_the_defaults():
    removed = stored("choose_recipe_pieces_round1.json")["removed"]
    assert stored("choose_recipe_pieces_round2.json")["removed"] == []
    added = stored("choose_recipe_additions_round1.json")["added"]
    assert removed == ["no weight decay"] and added == "with label smoothing 0.1"
    changes = {**choose_recipe.PIECES, **choose_recipe.ADDED}
    for name in [*removed, added]:
        for field, value in changes[name].items():
            assert getattr(DEFAULTS, field) == value, (name, field)


def test_notebook_05b_shows_the_stored_ablation_of_today_s_defaults():
    result = stored("ablation_train.json")
    rows = result["rows"]
    full = next(row for row in rows if row["change"] == "full recipe")
    recipe = {k: v for k, v in full.items() if k in asdict(DEFAULTS)}
    assert recipe == asdict(DEFAULTS)  # measured with the defaults of today
    nb = nbformat.read(ROOT / "notebooks" / "05b_how_the_recipe_was_chosen.ipynb", as_version=4)
    cell = next(c.source for c in nb.cells if c.cell_type == "code" and "ablation = [" in c.source)
    literal = cell[cell.index("[", cell.index("ablation = [")) : cell.index("]\n") + 1]
    table = ast.literal_eval(literal)
    assert [name for name, *_ in table] == [row["change"] for row in rows]
    held_out = stored("choose_recipe_round.json")["right"]
    for (name, right, val, test, seconds), row in zip(table, rows, strict=True):
        assert right == held_out.get(name), name  # None for the rows of other seeds
        assert val == pytest.approx(row["validation_accuracy"], abs=1e-5), name
        assert test == pytest.approx(row["test_accuracy"], abs=1e-5), name
        assert seconds == round(row["train_seconds"]), name
