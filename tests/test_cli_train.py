"""`course-lib train`: the defaults reach 96% on USPS; bad options are named."""

import json
import re
import subprocess
import sys

import pytest

from course_lib.cli import main


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "course_lib.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_defaults_reach_96_percent_and_json_is_the_last_line():
    result = run_cli("train", "--json")
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["test_accuracy"] >= 0.96, last
    assert 0 < last["train_seconds"] < 600
    assert "test accuracy" in result.stdout
    assert "batch" in result.stderr  # the tqdm bar, drawn on stderr in a terminal


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
            "--json",
            "--no-progress",
        ]
    )
    assert code == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["hidden"] == [32] and last["augment"] is False
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
    ],
)
def test_bad_options_are_named(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", *args])
    assert exc.value.code == 2
    assert re.search(message, capsys.readouterr().err)
