"""`course-lib train`: small runs of the command, defaults from the recipe, bad options named.

The full default run (>= 97% on the test set, about 35 s) is not a test: it is measured by
benchmarks/ablation_train.py, and its figures are in notebook 05.
"""

import json
import re
import subprocess
import sys
from dataclasses import fields

import pytest

from course_lib.cli import build_parser, main
from course_lib.recipe import DEFAULTS, Recipe


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "course_lib.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_small_run_in_a_terminal_reports_validation_and_test_as_json():
    result = run_cli("train", "--epochs", "1", "--hidden", "64", "--json")
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["test_accuracy"] > 0.85 and last["validation_accuracy"] > 0.85, last
    assert last["n_validation"] == 729 and last["n_train"] == 7291 - 729
    assert last["augment"] is True and 0 < last["train_seconds"] < 600
    assert "validation accuracy" in result.stdout and "test accuracy" in result.stdout
    assert "batch" in result.stderr  # the tqdm bar, drawn on stderr in a terminal


def test_defaults_are_the_recipe():
    args = build_parser().parse_args(["train"])
    options = [f.name for f in fields(Recipe) if hasattr(args, f.name)]
    assert len(options) >= 10  # every option of the recipe that the command exposes
    for name in options:
        assert getattr(args, name) == getattr(DEFAULTS, name), name


def test_small_run_with_options(capsys):
    code = main(
        [
            "train",
            "--epochs",
            "1",
            "--hidden",
            "32",
            "--batch-size",
            "128",
            "--lr",
            "0.05",
            "--momentum",
            "0.5",
            "--seed",
            "3",
            "--no-augment",
            "--weight-decay",
            "0",
            "--ensemble",
            "2",
            "--tta-copies",
            "2",
            "--label-smoothing",
            "0",
            "--dropout",
            "0.1",
            "--validation",
            "0",
            "--no-schedule",
            "--json",
            "--no-progress",
        ]
    )
    assert code == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["hidden"] == [32] and last["augment"] is False and last["ensemble"] == 2
    assert last["tta_copies"] == 2  # recorded; without augmentation there is nothing to copy
    assert last["label_smoothing"] == 0
    assert last["validation_accuracy"] is None and last["n_train"] == 7291
    assert last["test_accuracy"] > 0.8


def test_diverging_run_says_to_lower_the_learning_rate(capsys):
    code = main(["train", "--epochs", "1", "--hidden", "16", "--lr", "1e30", "--no-progress"])
    assert code == 1
    err = capsys.readouterr().err
    assert "learning rate 1e+30" in err and "smaller learning rate" in err
    assert "RuntimeWarning" not in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--hidden", "12,x"], "comma-separated positive layer sizes"),
        (["--epochs", "0"], "expected a positive int, got '0'"),
        (["--lr", "-1"], "expected a positive float, got '-1'"),
        (["--momentum", "1.5"], r"momentum in \[0, 1\)"),
        (["--weight-decay", "-1"], "expected a number >= 0, got '-1'"),
        (["--dropout", "1"], r"fraction in \[0, 1\), got '1'"),
        (["--validation", "x"], r"fraction in \[0, 1\), got 'x'"),
        (["--ensemble", "0"], "expected a positive int, got '0'"),
        (["--tta-copies", "-2"], "expected a whole number >= 0, got '-2'"),
        (["--label-smoothing", "1"], r"fraction in \[0, 1\), got '1'"),
        (["--tta-copies", "1.5"], "expected a whole number >= 0, got '1.5'"),
    ],
)
def test_bad_options_are_named(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", *args])
    assert exc.value.code == 2
    assert re.search(message, capsys.readouterr().err)
